//! Hooks: classification, phases, Helm hooks, delete policies, generateName naming and
//! hook tasks (notes/gitops-engine.md §2.1, §2.2, §2.8).

mod sync_support;

use std::collections::BTreeSet;

use gitops_engine::sync::hooks::{HOOK_FINALIZER, classify, delete_policies, generated_hook_name};
use gitops_engine::sync::{HookClass, HookDeletePolicy, SyncPhase, TaskRole};
use sync_support::*;

const HOOK: &str = "argocd.argoproj.io/hook";
const POLICY: &str = "argocd.argoproj.io/hook-delete-policy";
const HELM_HOOK: &str = "helm.sh/hook";
const HELM_POLICY: &str = "helm.sh/hook-delete-policy";

fn phases(value: &[(&str, &str)]) -> Option<Vec<SyncPhase>> {
    match classify(&job("j", value)) {
        HookClass::Hook(h) => Some(h.phases.into_iter().collect()),
        _ => None,
    }
}

// §2.2: "one task per phase listed in its hook annotation (PreSync, Sync, PostSync,
// SyncFail; duplicates collapse)"; §0: items trimmed, empty items dropped.
#[test]
fn hook_annotation_lists_phases_trimmed_and_deduplicated() {
    assert_eq!(phases(&[(HOOK, "PreSync")]), Some(vec![SyncPhase::PreSync]));
    assert_eq!(
        phases(&[(HOOK, " PostSync, PreSync ,,PreSync,SyncFail,Sync")]),
        Some(vec![
            SyncPhase::PreSync,
            SyncPhase::Sync,
            SyncPhase::PostSync,
            SyncPhase::SyncFail
        ])
    );
    let plan = must_plan(&input(
        vec![job("j", &[(HOOK, "PreSync,PostSync,PreSync")])],
        vec![],
    ));
    assert_eq!(order(&plan), ["PreSync/0 Job/j", "PostSync/0 Job/j"]);
    assert!(plan.tasks.iter().all(|t| t.role == TaskRole::Hook));
}

// §0: option matching is case-sensitive; §2.1: "Objects whose argocd.argoproj.io/hook value
// contains no recognised type ("garbage") are dropped entirely."
#[test]
fn garbage_hook_annotation_drops_object() {
    assert_eq!(
        classify(&job("j", &[(HOOK, "presync")])),
        HookClass::Ignored
    );
    assert_eq!(
        classify(&job("j", &[(HOOK, "garbage")])),
        HookClass::Ignored
    );
    assert_eq!(classify(&job("j", &[(HOOK, "")])), HookClass::Ignored);
    let plan = must_plan(&input(
        vec![job("j", &[(HOOK, "garbage")]), cm("c", &[])],
        vec![],
    ));
    assert_eq!(order(&plan), ["Sync/0 ConfigMap/c"]);
}

// §2.1: "Objects whose only type is Skip are plain-resource-shaped but produce no task";
// their live counterpart is paired, so it is not pruned either.
#[test]
fn skip_hook_makes_no_task_and_keeps_live_paired() {
    let skipped = cm("skipped", &[(HOOK, "Skip")]);
    assert_eq!(classify(&skipped), HookClass::Skip);
    let plan = must_plan(&input(
        vec![skipped.clone()],
        vec![tracked(&cm("skipped", &[]))],
    ));
    assert!(plan.tasks.is_empty(), "{plan}");
}

// A Skip listed together with a phase is a hook of that phase (only `Skip` alone skips).
#[test]
fn skip_with_another_type_is_a_hook() {
    assert_eq!(
        phases(&[(HOOK, "Skip,PreSync")]),
        Some(vec![SyncPhase::PreSync])
    );
}

// §2.2: helm.sh/hook pre-install, pre-upgrade → PreSync; post-install, post-upgrade → PostSync.
#[test]
fn helm_hooks_map_to_phases() {
    assert_eq!(
        phases(&[(HELM_HOOK, "pre-install")]),
        Some(vec![SyncPhase::PreSync])
    );
    assert_eq!(
        phases(&[(HELM_HOOK, "pre-upgrade")]),
        Some(vec![SyncPhase::PreSync])
    );
    assert_eq!(
        phases(&[(HELM_HOOK, "post-install")]),
        Some(vec![SyncPhase::PostSync])
    );
    assert_eq!(
        phases(&[(HELM_HOOK, "post-upgrade")]),
        Some(vec![SyncPhase::PostSync])
    );
    assert_eq!(
        phases(&[(HELM_HOOK, "pre-install,post-upgrade,pre-rollback")]),
        Some(vec![SyncPhase::PreSync, SyncPhase::PostSync])
    );
}

// §2.2: "crd-install is not a hook".
#[test]
fn helm_crd_install_is_not_a_hook() {
    assert_eq!(
        classify(&job("j", &[(HELM_HOOK, "crd-install")])),
        HookClass::Resource
    );
    let plan = must_plan(&input(
        vec![job("j", &[(HELM_HOOK, "crd-install")])],
        vec![],
    ));
    assert_eq!(plan.tasks[0].role, TaskRole::Resource);
}

// §2.2: "a value containing none of those four (pre-rollback, test-success, …) makes it an
// ignored hook (dropped entirely)".
#[test]
fn helm_hook_without_known_type_is_dropped() {
    assert_eq!(
        classify(&job("j", &[(HELM_HOOK, "test-success")])),
        HookClass::Ignored
    );
    assert_eq!(
        classify(&job("j", &[(HELM_HOOK, "pre-rollback")])),
        HookClass::Ignored
    );
    let plan = must_plan(&input(
        vec![job("j", &[(HELM_HOOK, "test-success")])],
        vec![],
    ));
    assert!(plan.tasks.is_empty());
}

// §2.2: "Helm hooks are honoured only when no Argo CD hook annotation exists" (exactly: no
// valid Argo CD hook type, as upstream falls back to Helm types when none is valid).
#[test]
fn argo_hook_annotation_takes_precedence_over_helm() {
    assert_eq!(
        phases(&[(HOOK, "PostSync"), (HELM_HOOK, "pre-install")]),
        Some(vec![SyncPhase::PostSync])
    );
}

// §2.2: "helm.sh/hook-weight is used as the wave when argocd.argoproj.io/sync-wave is absent".
#[test]
fn helm_hook_weight_is_the_wave() {
    let plan = must_plan(&input(
        vec![job(
            "j",
            &[(HELM_HOOK, "pre-install"), ("helm.sh/hook-weight", "-4")],
        )],
        vec![],
    ));
    assert_eq!(order(&plan), ["PreSync/-4 Job/j"]);
}

// §2.8: "BeforeHookCreation (default when none valid is given; unknown values ignored)";
// §2.2: Helm policies map to the three Argo CD policies.
#[test]
fn delete_policies_default_combined_and_unknown_ignored() {
    let set = |p: &[HookDeletePolicy]| p.iter().copied().collect::<BTreeSet<_>>();
    assert_eq!(
        delete_policies(&job("j", &[])),
        set(&[HookDeletePolicy::BeforeHookCreation])
    );
    assert_eq!(
        delete_policies(&job("j", &[(POLICY, "Bogus")])),
        set(&[HookDeletePolicy::BeforeHookCreation])
    );
    assert_eq!(
        delete_policies(&job("j", &[(POLICY, "HookSucceeded, HookFailed")])),
        set(&[
            HookDeletePolicy::HookSucceeded,
            HookDeletePolicy::HookFailed
        ])
    );
    assert_eq!(
        delete_policies(&job(
            "j",
            &[
                (POLICY, "HookFailed"),
                (HELM_POLICY, "hook-succeeded,before-hook-creation")
            ]
        )),
        set(&[
            HookDeletePolicy::HookFailed,
            HookDeletePolicy::HookSucceeded,
            HookDeletePolicy::BeforeHookCreation
        ])
    );
    assert_eq!(
        delete_policies(&job("j", &[(HELM_POLICY, "hook-failed")])),
        set(&[HookDeletePolicy::HookFailed])
    );
}

// §2.2: "generateName + lowercase("<rev7>-<phase>-<unix start time>") where <rev7> is the
// first 7 characters of the sync revision (whole revision if shorter than 8)".
#[test]
fn generate_name_hook_named_from_revision_phase_and_start_time() {
    assert_eq!(
        generated_hook_name(
            "migrate-",
            "ABCDEF0123456789",
            SyncPhase::PreSync,
            1_700_000_000
        ),
        "migrate-abcdef0-presync-1700000000"
    );
    assert_eq!(
        generated_hook_name("m-", "abcdefg", SyncPhase::PostSync, 5),
        "m-abcdefg-postsync-5"
    );
    assert_eq!(
        generated_hook_name("m-", "abcdefgh", SyncPhase::Sync, 5),
        "m-abcdefg-sync-5"
    );
    assert_eq!(
        generated_hook_name("m-", "1.2.3", SyncPhase::SyncFail, 0),
        "m-1.2.3-syncfail-0"
    );
}

// §2.2: each phase of a generateName hook gets its own name; the task target carries it.
#[test]
fn generate_name_hook_tasks_are_named_per_phase() {
    let mut hook = job("unused", &[(HOOK, "PreSync,PostSync")]);
    let meta = hook["metadata"].as_object_mut().unwrap();
    meta.remove("name");
    meta.insert("generateName".into(), "migrate-".into());
    let plan = must_plan(&input(vec![hook], vec![]));
    let names: Vec<&str> = plan.tasks.iter().map(|t| t.key.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "migrate-0123456-presync-1700000000",
            "migrate-0123456-postsync-1700000000"
        ]
    );
    assert_eq!(
        plan.tasks[0].target.as_ref().unwrap()["metadata"]["name"],
        "migrate-0123456-presync-1700000000"
    );
    assert!(
        plan.tasks
            .iter()
            .all(|t| t.hook.as_ref().unwrap().generated_name)
    );
}

// §2.2: hooks get the finalizer argocd.argoproj.io/hook-finalizer (once), and an empty
// namespace becomes the destination namespace.
#[test]
fn hook_target_gets_finalizer_and_destination_namespace() {
    let mut hook = obj("batch/v1", "Job", None, "j", &[(HOOK, "Sync")]);
    hook["metadata"]["finalizers"] = serde_json::json!(["other", HOOK_FINALIZER]);
    let plan = must_plan(&input(vec![hook, job("k", &[(HOOK, "Sync")])], vec![]));
    let target = plan.tasks[0].target.as_ref().unwrap();
    assert_eq!(target["metadata"]["namespace"], NS);
    assert_eq!(
        target["metadata"]["finalizers"],
        serde_json::json!(["other", HOOK_FINALIZER])
    );
    let target = plan.tasks[1].target.as_ref().unwrap();
    assert_eq!(
        target["metadata"]["finalizers"],
        serde_json::json!([HOOK_FINALIZER])
    );
}

// §2.5 step 3 / §2.8: an existing instance (same name) of a hook with BeforeHookCreation
// is deleted before the hook is created again; other policies do not delete it.
#[test]
fn hook_with_live_instance_is_deleted_before_creation() {
    let live = vec![
        job("again", &[(HOOK, "PreSync")]),
        job("keep", &[(HOOK, "PreSync")]),
    ];
    let desired = vec![
        job("again", &[(HOOK, "PreSync")]),
        job("keep", &[(HOOK, "PreSync"), (POLICY, "HookSucceeded")]),
        job("new", &[(HOOK, "PreSync")]),
    ];
    let plan = must_plan(&input(desired, live));
    let flags: Vec<(String, bool, bool)> = plan
        .tasks
        .iter()
        .map(|t| {
            (
                t.key.name.clone(),
                t.live_exists,
                t.hook.as_ref().unwrap().delete_before_creation,
            )
        })
        .collect();
    assert_eq!(
        flags,
        [
            ("again".into(), true, true),
            ("keep".into(), true, false),
            ("new".into(), false, false)
        ]
    );
}

// §2.2: "Hooks are skipped entirely when hooks are disabled for the operation".
#[test]
fn hooks_skipped_when_operation_skips_hooks() {
    let mut input = input(vec![job("pre", &[(HOOK, "PreSync")]), cm("c", &[])], vec![]);
    input.operation.skip_hooks = true;
    assert_eq!(order(&must_plan(&input)), ["Sync/0 ConfigMap/c"]);
}

// §2.2: "Live objects that are themselves hooks are never turned into tasks (so old hook
// instances are never pruned)".
#[test]
fn live_hooks_are_never_pruned() {
    let old_hook = tracked(&job("old-migrate", &[(HOOK, "PreSync")]));
    let plan = must_plan(&input(vec![], vec![old_hook]));
    assert!(plan.tasks.is_empty(), "{plan}");
}

// argocd-interfaces.md lists PreDelete/PostDelete as hook values: they are hooks (not
// resources) but belong to Application deletion, so a sync makes no task for them.
#[test]
fn deletion_hooks_make_no_sync_task() {
    assert!(
        matches!(classify(&job("j", &[(HOOK, "PreDelete")])), HookClass::Hook(h) if h.phases.is_empty())
    );
    assert!(
        must_plan(&input(vec![job("j", &[(HOOK, "PostDelete")])], vec![]))
            .tasks
            .is_empty()
    );
}

// §2.2: hooks are skipped "when hooks are disabled for the operation (Argo CD: …, or a
// selective sync of named resources)"; only the named resources take part.
#[test]
fn selective_sync_runs_named_resources_without_hooks() {
    use gitops_engine::sync::SelectedResource;
    let desired = vec![cm("a", &[]), cm("b", &[]), job("pre", &[(HOOK, "PreSync")])];
    let live = vec![tracked(&cm("old", &[])), tracked(&cm("older", &[]))];
    let mut input = input(desired, live);
    input.operation.resources = vec![
        SelectedResource {
            kind: "ConfigMap".into(),
            name: "b".into(),
            ..SelectedResource::default()
        },
        SelectedResource {
            kind: "ConfigMap".into(),
            name: "old".into(),
            namespace: NS.into(),
            ..SelectedResource::default()
        },
        SelectedResource {
            kind: "ConfigMap".into(),
            name: "older".into(),
            namespace: "elsewhere".into(),
            ..SelectedResource::default()
        },
    ];
    assert_eq!(
        order(&must_plan(&input)),
        ["Sync/0 ConfigMap/b", "Sync/0 ConfigMap/old"]
    );
}
