//! Pruning: candidates by tracking, Prune=false/confirm, PruneLast, mirrored prune waves,
//! operation-level prune off, propagation policy (notes/gitops-engine.md §2.3, §2.6, §4.1).

mod sync_support;

use gitops_engine::sync::{PropagationPolicy, PruneAction, SyncOptions, SyncTask, TaskAction};
use serde_json::json;
use sync_support::*;

const OPTS: &str = "argocd.argoproj.io/sync-options";
const WAVE: &str = "argocd.argoproj.io/sync-wave";

fn prunes(plan: &gitops_engine::sync::SyncPlan) -> Vec<&SyncTask> {
    plan.tasks.iter().filter(|t| t.is_prune()).collect()
}

// §2.6: candidates are live objects tracked by the app with no desired counterpart;
// default propagation is foreground.
#[test]
fn extraneous_tracked_object_is_pruned() {
    let plan = must_plan(&input(
        vec![cm("keep", &[])],
        vec![tracked(&cm("keep", &[])), tracked(&cm("old", &[]))],
    ));
    let prunes = prunes(&plan);
    assert_eq!(prunes.len(), 1);
    assert_eq!(prunes[0].key.to_string(), "/ConfigMap/default/old");
    assert_eq!(
        prunes[0].operation,
        TaskAction::Prune(PruneAction::Delete {
            propagation: PropagationPolicy::Foreground
        })
    );
    assert_eq!(
        PruneAction::Delete {
            propagation: PropagationPolicy::Foreground
        }
        .message(false),
        "pruned"
    );
    assert_eq!(
        PruneAction::Delete {
            propagation: PropagationPolicy::Foreground
        }
        .message(true),
        "pruned (dry run)"
    );
}

// §4.1 membership rules: untracked objects, objects of another app, children with
// ownerReferences and objects whose tracking-id names another object are never pruned.
#[test]
fn only_members_of_the_app_are_prune_candidates() {
    let mut owned = tracked(&cm("child", &[]));
    owned["metadata"]["ownerReferences"] =
        json!([{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "1"}]);
    let mut copied = cm("copy", &[]);
    copied["metadata"]["annotations"] =
        json!({"argocd.argoproj.io/tracking-id": "my-app:/ConfigMap:default/original"});
    let live = vec![
        cm("untracked", &[]),
        tracked_by("other-app", &cm("theirs", &[])),
        owned,
        copied,
    ];
    let plan = must_plan(&input(vec![], live));
    assert!(plan.tasks.is_empty(), "{plan}");
}

// §4.1 rule 2 / §2.1 step 3: a live object with a desired key is paired even without
// tracking metadata (adopted), so it is not a prune candidate.
#[test]
fn untracked_live_object_with_desired_key_is_paired() {
    let plan = must_plan(&input(vec![cm("c", &[])], vec![cm("c", &[])]));
    assert_eq!(plan.tasks.len(), 1);
    assert!(plan.tasks[0].live_exists && !plan.tasks[0].is_prune());
}

// §2.6: "pruning disabled for the operation → PruneSkipped, "ignored (requires pruning)"".
#[test]
fn prune_disabled_for_operation_requires_pruning() {
    let mut input = input(vec![], vec![tracked(&cm("old", &[]))]);
    input.operation.prune = false;
    let plan = must_plan(&input);
    assert_eq!(
        plan.tasks[0].operation,
        TaskAction::Prune(PruneAction::RequiresPruning)
    );
    assert_eq!(
        PruneAction::RequiresPruning.message(false),
        "ignored (requires pruning)"
    );
    let keys: Vec<String> = plan
        .requires_pruning()
        .iter()
        .map(|k| k.to_string())
        .collect();
    assert_eq!(keys, ["/ConfigMap/default/old"]);
}

// §2.6: "live object has Prune=false → PruneSkipped, "ignored (no prune)"".
#[test]
fn prune_false_annotation_skips_prune() {
    let plan = must_plan(&input(
        vec![],
        vec![tracked(&cm("old", &[(OPTS, "Prune=false")]))],
    ));
    assert_eq!(
        plan.tasks[0].operation,
        TaskAction::Prune(PruneAction::NoPrune)
    );
    assert_eq!(PruneAction::NoPrune.message(false), "ignored (no prune)");
    assert!(plan.requires_pruning().is_empty());
}

// §2.6: pruning disabled for the operation is checked before Prune=false.
#[test]
fn operation_prune_off_reported_before_prune_false() {
    let mut input = input(vec![], vec![tracked(&cm("old", &[(OPTS, "Prune=false")]))]);
    input.operation.prune = false;
    assert_eq!(
        must_plan(&input).tasks[0].operation,
        TaskAction::Prune(PruneAction::RequiresPruning)
    );
}

// §2.9 (v3): Prune=false / Prune=confirm also app-wide; the object's own annotation wins.
#[test]
fn app_level_prune_default_and_annotation_override() {
    let mut input = input(
        vec![],
        vec![
            tracked(&cm("a", &[])),
            tracked(&cm("b", &[(OPTS, "Prune=true")])),
        ],
    );
    input.options = SyncOptions::from_list(&["Prune=false"]);
    let plan = must_plan(&input);
    let ops: Vec<TaskAction> = plan.tasks.iter().map(|t| t.operation).collect();
    assert_eq!(
        ops,
        [
            TaskAction::Prune(PruneAction::NoPrune),
            TaskAction::Prune(PruneAction::Delete {
                propagation: PropagationPolicy::Foreground
            })
        ]
    );
    input.options = SyncOptions::from_list(&["Prune=confirm"]);
    let plan = must_plan(&input);
    let awaiting: Vec<bool> = plan
        .tasks
        .iter()
        .map(|t| t.awaiting_prune_confirmation)
        .collect();
    assert_eq!(awaiting, [true, false]);
}

// §2.5 step 2: Prune=confirm waits unless the operation is confirmed.
#[test]
fn prune_confirm_awaits_confirmation_until_approved() {
    let mut input = input(
        vec![],
        vec![tracked(&cm("old", &[(OPTS, "Prune=confirm")]))],
    );
    assert!(must_plan(&input).tasks[0].awaiting_prune_confirmation);
    input.operation.prune_confirmed = true;
    assert!(!must_plan(&input).tasks[0].awaiting_prune_confirmation);
}

// §2.3: "collect the distinct waves of prune tasks, sort them, and swap first↔last,
// second↔second-last".
#[test]
fn prune_waves_are_mirrored() {
    let live = vec![
        tracked(&cm("w-1", &[(WAVE, "-1")])),
        tracked(&cm("w0", &[])),
        tracked(&cm("w5", &[(WAVE, "5")])),
        tracked(&cm("w5b", &[(WAVE, "5")])),
    ];
    let plan = must_plan(&input(vec![], live));
    assert_eq!(
        order(&plan),
        [
            "Sync/-1 ConfigMap/w5",
            "Sync/-1 ConfigMap/w5b",
            "Sync/0 ConfigMap/w0",
            "Sync/5 ConfigMap/w-1"
        ]
    );

    let live: Vec<_> = (1..=4)
        .map(|w| tracked(&cm(&format!("w{w}"), &[(WAVE, &w.to_string())])))
        .collect();
    let plan = must_plan(&input(vec![], live));
    assert_eq!(
        order(&plan),
        [
            "Sync/1 ConfigMap/w4",
            "Sync/2 ConfigMap/w3",
            "Sync/3 ConfigMap/w2",
            "Sync/4 ConfigMap/w1"
        ]
    );
}

// §2.3: mirroring only swaps among prune waves; applies keep their waves, and within a
// wave prunes and applies share the slot.
#[test]
fn prune_wave_mirroring_ignores_apply_waves() {
    let desired = vec![cm("apply", &[(WAVE, "3")])];
    let live = vec![
        tracked(&cm("apply", &[])),
        tracked(&cm("gone", &[(WAVE, "2")])),
    ];
    let plan = must_plan(&input(desired, live));
    assert_eq!(
        order(&plan),
        ["Sync/2 ConfigMap/gone", "Sync/3 ConfigMap/apply"]
    );
}

// §2.3: with PruneLast "the prune task's wave becomes 1 + max(0, max wave of all
// Sync-phase tasks)".
#[test]
fn prune_last_moves_prune_after_last_sync_wave() {
    let desired = vec![deploy("web", &[(WAVE, "3")]), cm("c", &[(WAVE, "-2")])];
    let mut input = input(desired, vec![tracked(&cm("old", &[(WAVE, "-7")]))]);
    input.options = SyncOptions::from_list(&["PruneLast=true"]);
    assert_eq!(
        order(&must_plan(&input)),
        [
            "Sync/-2 ConfigMap/c",
            "Sync/3 Deployment/web",
            "Sync/4 ConfigMap/old"
        ]
    );

    // All waves negative: max(0, …) + 1 = 1.
    input.desired = vec![cm("c", &[(WAVE, "-2")])];
    assert_eq!(
        order(&must_plan(&input)),
        ["Sync/-2 ConfigMap/c", "Sync/1 ConfigMap/old"]
    );
}

// §2.3: PruneLast=true on the live object's annotation applies to that object only; the
// last wave counts mirrored prune waves too.
#[test]
fn prune_last_annotation_on_live_object() {
    let live = vec![
        tracked(&cm("last", &[(OPTS, "PruneLast=true")])),
        tracked(&cm("early", &[(WAVE, "6")])),
    ];
    let plan = must_plan(&input(vec![cm("c", &[])], live));
    assert_eq!(
        order(&plan),
        [
            "Sync/0 ConfigMap/c",
            "Sync/0 ConfigMap/early",
            "Sync/7 ConfigMap/last"
        ]
    );
}

// §2.6/§2.9: PrunePropagationPolicy=foreground|background|orphan.
#[test]
fn prune_propagation_policy_from_app_options() {
    for (option, policy) in [
        (
            "PrunePropagationPolicy=background",
            PropagationPolicy::Background,
        ),
        ("PrunePropagationPolicy=orphan", PropagationPolicy::Orphan),
        (
            "PrunePropagationPolicy=foreground",
            PropagationPolicy::Foreground,
        ),
    ] {
        let mut input = input(vec![], vec![tracked(&cm("old", &[]))]);
        input.options = SyncOptions::from_list(&[option]);
        assert_eq!(
            must_plan(&input).tasks[0].operation,
            TaskAction::Prune(PruneAction::Delete {
                propagation: policy
            }),
            "{option}"
        );
    }
}

// §2.6: "CRDs are never tracked (§4.1), so removing a CRD from Git never prunes it."
#[test]
fn crds_are_never_pruned() {
    let crd = obj(
        "apiextensions.k8s.io/v1",
        "CustomResourceDefinition",
        None,
        "widgets.example.com",
        &[],
    );
    let live = tracked(&crd);
    assert_eq!(live, crd, "stamping leaves CRDs untouched");
    assert!(must_plan(&input(vec![], vec![live])).tasks.is_empty());
}

// §2.1 step 2: of live duplicates sharing a UID the one whose key is desired is kept.
#[test]
fn live_duplicates_sharing_uid_keep_the_desired_key() {
    let mut old_group = tracked(&obj("extensions/v1beta1", "Ingress", Some(NS), "web", &[]));
    old_group["metadata"]["uid"] = json!("u1");
    let mut new_group = tracked(&obj(
        "networking.k8s.io/v1",
        "Ingress",
        Some(NS),
        "web",
        &[],
    ));
    new_group["metadata"]["uid"] = json!("u1");
    let desired = vec![obj("networking.k8s.io/v1", "Ingress", Some(NS), "web", &[])];
    let plan = must_plan(&input(desired, vec![old_group, new_group]));
    assert_eq!(plan.tasks.len(), 1, "{plan}");
    assert!(plan.tasks[0].live_exists && !plan.tasks[0].is_prune());
}

fn pod(name: &str, wave: &str, extra: &[(&str, &str)]) -> serde_json::Value {
    let mut annotations = vec![(WAVE, wave)];
    annotations.extend_from_slice(extra);
    obj("v1", "Pod", Some(NS), name, &annotations)
}

fn waves(plan: &gitops_engine::sync::SyncPlan) -> Vec<(String, i64)> {
    let mut waves: Vec<(String, i64)> = plan
        .tasks
        .iter()
        .map(|t| (t.key.name.clone(), t.wave))
        .collect();
    waves.sort();
    waves
}

// §2.3 mirroring and PruneLast on mixed plans; the cases and expected waves are those of
// the upstream table `TestWaveReorderingOfPruneTasks` (argo-cd gitops-engine sync tests).
#[test]
fn prune_wave_reordering_mixed_cases() {
    // mixedTasks: prune waves {1, 3, 4, 5} become {5, 4, 3, 1}; applies keep theirs.
    let desired = vec![
        obj("v1", "Namespace", None, "ns", &[(WAVE, "-1")]),
        pod("pod-2", "3", &[]),
        pod("pod-6", "5", &[]),
    ];
    let live = vec![
        tracked(&obj("v1", "Namespace", None, "ns", &[(WAVE, "-1")])),
        tracked(&pod("pod-1", "1", &[])),
        tracked(&pod("pod-3", "3", &[])),
        tracked(&pod("pod-4", "3", &[])),
        tracked(&pod("pod-5", "4", &[])),
        tracked(&pod("pod-6", "5", &[])),
        tracked(&pod("pod-7", "5", &[])),
    ];
    let expected: Vec<(String, i64)> = [
        ("ns", -1),
        ("pod-1", 5),
        ("pod-2", 3),
        ("pod-3", 4),
        ("pod-4", 4),
        ("pod-5", 3),
        ("pod-6", 5),
        ("pod-7", 1),
    ]
    .iter()
    .map(|(n, w)| ((*n).to_owned(), *w))
    .collect();
    assert_eq!(waves(&must_plan(&input(desired, live))), expected);

    // pruneLastIndividualResources: only pod-2 carries PruneLast=true.
    let desired = vec![obj("v1", "Namespace", None, "ns", &[(WAVE, "0")])];
    let live = vec![
        tracked(&obj("v1", "Namespace", None, "ns", &[(WAVE, "0")])),
        tracked(&pod("pod-1", "1", &[])),
        tracked(&pod("pod-2", "2", &[(OPTS, "PruneLast=true")])),
        tracked(&pod("pod-3", "3", &[])),
        tracked(&pod("pod-4", "4", &[])),
    ];
    let expected: Vec<(String, i64)> = [
        ("ns", 0),
        ("pod-1", 4),
        ("pod-2", 5),
        ("pod-3", 2),
        ("pod-4", 1),
    ]
    .iter()
    .map(|(n, w)| ((*n).to_owned(), *w))
    .collect();
    assert_eq!(waves(&must_plan(&input(desired, live))), expected);
}
