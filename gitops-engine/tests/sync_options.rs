//! Sync options: app-level list vs per-resource annotation and their effect on tasks
//! (notes/gitops-engine.md §0, §2.2, §2.4, §2.5, §2.9; argocd-interfaces.md sync options).

mod sync_support;

use gitops_engine::sync::options::{annotation_items, has_annotation_option};
use gitops_engine::sync::{
    ApiResource, PlanInput, PropagationPolicy, PruneMode, SyncError, SyncOptions, SyncPhase,
    TaskAction, TaskRole,
};
use serde_json::json;
use sync_support::*;

const OPTS: &str = "argocd.argoproj.io/sync-options";

fn with_options(mut input: PlanInput, options: &[&str]) -> PlanInput {
    input.options = SyncOptions::from_list(options);
    input
}

fn apply(server_side: bool, force: bool, validate: bool) -> TaskAction {
    TaskAction::Apply {
        server_side,
        force,
        validate,
        migrate_client_side: false,
    }
}

// §0: app-level syncOptions "matched by exact string equality without trimming".
#[test]
fn app_options_matched_exactly_without_trimming() {
    assert!(!SyncOptions::from_list(&[" Replace=true"]).replace);
    assert!(!SyncOptions::from_list(&["replace=true"]).replace);
    assert!(SyncOptions::from_list(&["Replace=true"]).replace);
}

// §2.9: every option of the table read from the app-level list, and the defaults.
#[test]
fn app_option_list_parsed() {
    let defaults = SyncOptions::default();
    assert_eq!(SyncOptions::from_list::<&str>(&[]), defaults);
    assert!(defaults.validate && defaults.client_side_apply_migration);
    assert_eq!(
        defaults.prune_propagation_policy,
        PropagationPolicy::Foreground
    );
    let all = SyncOptions::from_list(&[
        "Prune=confirm",
        "PruneLast=true",
        "PrunePropagationPolicy=orphan",
        "Validate=false",
        "SkipDryRunOnMissingResource=true",
        "ApplyOutOfSyncOnly=true",
        "ServerSideApply=true",
        "ClientSideApplyMigration=false",
        "Replace=true",
        "Force=true",
        "CreateNamespace=true",
        "RespectIgnoreDifferences=true",
        "FailOnSharedResource=true",
        "SomethingElse=true",
    ]);
    let expected = SyncOptions {
        prune: PruneMode::Confirm,
        prune_last: true,
        prune_propagation_policy: PropagationPolicy::Orphan,
        validate: false,
        skip_dry_run_on_missing_resource: true,
        apply_out_of_sync_only: true,
        server_side_apply: true,
        client_side_apply_migration: false,
        replace: true,
        create_namespace: true,
        respect_ignore_differences: true,
        fail_on_shared_resource: true,
    };
    assert_eq!(all, expected);
}

// §2.9 (v3): the app-wide prune default is the value of the first `Prune=` item; the
// propagation policy checks background, then foreground, then orphan; `Force=true` comes
// from the sync request or annotations, not from the app-level list.
#[test]
fn app_option_values_first_prune_item_and_policy_priority() {
    assert_eq!(
        SyncOptions::from_list(&["Prune=confirm", "Prune=false"]).prune,
        PruneMode::Confirm
    );
    assert_eq!(
        SyncOptions::from_list(&["Prune=true", "Prune=false"]).prune,
        PruneMode::Allow
    );
    let policy = |items: &[&str]| SyncOptions::from_list(items).prune_propagation_policy;
    assert_eq!(
        policy(&[
            "PrunePropagationPolicy=orphan",
            "PrunePropagationPolicy=background"
        ]),
        PropagationPolicy::Background
    );
    assert_eq!(
        policy(&[
            "PrunePropagationPolicy=orphan",
            "PrunePropagationPolicy=foreground"
        ]),
        PropagationPolicy::Foreground
    );
    assert_eq!(
        policy(&["PrunePropagationPolicy=bogus"]),
        PropagationPolicy::Foreground
    );
    let plan = must_plan(&with_options(
        input(vec![cm("c", &[])], vec![]),
        &["Force=true"],
    ));
    assert_eq!(plan.tasks[0].operation, apply(false, false, true));
}

// §2.9 (v3): on the live object the first `Prune=` item decides; any value other than
// `false`/`confirm` allows pruning.
#[test]
fn annotation_prune_value_first_item_wins() {
    let opts = SyncOptions::from_list(&["Prune=false"]);
    assert_eq!(
        opts.prune_mode_for(&cm("c", &[(OPTS, "Prune=confirm,Prune=false")])),
        PruneMode::Confirm
    );
    assert_eq!(
        opts.prune_mode_for(&cm("c", &[(OPTS, "Prune=yes")])),
        PruneMode::Allow
    );
    assert_eq!(
        opts.prune_mode_for(&cm("c", &[(OPTS, "Replace=true")])),
        PruneMode::Disabled
    );
}

// §0: annotation lists are comma-separated; "each item is trimmed of surrounding
// whitespace, empty items are dropped, duplicates collapse"; matching is case-sensitive.
#[test]
fn annotation_options_trimmed_deduplicated_case_sensitive() {
    let o = cm(
        "c",
        &[(OPTS, " Replace=true , ,Validate=false,Replace=true")],
    );
    let items: Vec<String> = annotation_items(&o, OPTS).into_iter().collect();
    assert_eq!(items, ["Replace=true", "Validate=false"]);
    assert!(has_annotation_option(&o, OPTS, "Validate=false"));
    assert!(!has_annotation_option(
        &cm("c", &[(OPTS, "validate=false")]),
        OPTS,
        "Validate=false"
    ));
}

// §2.5: client-side apply by default, strict validation unless Validate=false.
#[test]
fn default_operation_is_client_side_apply() {
    let plan = must_plan(&input(vec![cm("c", &[])], vec![]));
    assert_eq!(plan.tasks[0].operation, apply(false, false, true));
}

// §2.5: "server-side when ServerSideApply=true app-wide or on the object and not disabled
// by the object's ServerSideApply=false".
#[test]
fn server_side_apply_app_level_per_resource_opt_in_and_opt_out() {
    let desired = vec![cm("a", &[]), cm("b", &[(OPTS, "ServerSideApply=false")])];
    let plan = must_plan(&with_options(
        input(desired.clone(), vec![]),
        &["ServerSideApply=true"],
    ));
    let ops: Vec<TaskAction> = plan.tasks.iter().map(|t| t.operation).collect();
    assert_eq!(ops, [apply(true, false, true), apply(false, false, true)]);

    let plan = must_plan(&input(
        vec![cm("a", &[(OPTS, "ServerSideApply=true")])],
        vec![],
    ));
    assert_eq!(plan.tasks[0].operation, apply(true, false, true));
}

// §2.5: "Replace=true … live exists → kubectl replace …; live absent → kubectl create.
// Replace takes precedence over server-side apply."
#[test]
fn replace_creates_when_live_absent_and_replaces_when_present() {
    let desired = vec![
        cm("new", &[(OPTS, "Replace=true")]),
        cm("old", &[(OPTS, "Replace=true,ServerSideApply=true")]),
    ];
    let plan = must_plan(&input(desired, vec![cm("old", &[])]));
    let ops: Vec<TaskAction> = plan.tasks.iter().map(|t| t.operation).collect();
    assert_eq!(
        ops,
        [
            TaskAction::Create { validate: true },
            TaskAction::Replace { force: false }
        ]
    );
}

// §2.5: "except CRDs and Namespaces which get an update (PUT with live's resourceVersion)".
#[test]
fn replace_on_live_crd_and_namespace_is_an_update() {
    let crd = obj(
        "apiextensions.k8s.io/v1",
        "CustomResourceDefinition",
        None,
        "w.example.com",
        &[],
    );
    let ns = obj("v1", "Namespace", None, "team", &[]);
    let plan = must_plan(&with_options(
        input(vec![crd.clone(), ns.clone()], vec![crd, ns]),
        &["Replace=true"],
    ));
    assert!(
        plan.tasks.iter().all(|t| t.operation == TaskAction::Update),
        "{plan}"
    );
}

// §2.5 / §6: v3 "honours Replace/Force on the live object too".
#[test]
fn replace_and_force_honoured_on_live_object() {
    let plan = must_plan(&input(
        vec![cm("c", &[])],
        vec![cm("c", &[(OPTS, "Replace=true,Force=true")])],
    ));
    assert_eq!(plan.tasks[0].operation, TaskAction::Replace { force: true });
}

// §2.9: Force=true on the annotation or the sync request's force flag.
#[test]
fn force_from_annotation_or_request() {
    let plan = must_plan(&input(vec![cm("c", &[(OPTS, "Force=true")])], vec![]));
    assert_eq!(plan.tasks[0].operation, apply(false, true, true));
    let mut input = input(vec![cm("c", &[])], vec![]);
    input.operation.force = true;
    assert_eq!(
        must_plan(&input).tasks[0].operation,
        apply(false, true, true)
    );
}

// §2.5: "strict field validation unless Validate=false app-wide or on the object".
#[test]
fn validate_false_app_wide_or_on_object() {
    let plan = must_plan(&input(vec![cm("c", &[(OPTS, "Validate=false")])], vec![]));
    assert_eq!(plan.tasks[0].operation, apply(false, false, false));
    let plan = must_plan(&with_options(
        input(vec![cm("c", &[(OPTS, "Replace=true")])], vec![]),
        &["Validate=false"],
    ));
    assert_eq!(
        plan.tasks[0].operation,
        TaskAction::Create { validate: false }
    );
}

// §2.4 step 2 and 8 / §2.9: ApplyOutOfSyncOnly applies only modified resources; "hooks
// and missing/extra always run"; resources without a diff result are applied.
#[test]
fn apply_out_of_sync_only_skips_unmodified_resources() {
    let desired = vec![
        cm("same", &[]),
        cm("changed", &[]),
        cm("missing", &[]),
        cm("no-diff", &[]),
        job("hook", &[("argocd.argoproj.io/hook", "Sync")]),
    ];
    let live = vec![
        cm("same", &[]),
        cm("changed", &[]),
        cm("no-diff", &[]),
        job("hook", &[]),
    ];
    let mut input = with_options(input(desired, live), &["ApplyOutOfSyncOnly=true"]);
    input.modified.insert(
        gitops_engine::sync::ResourceKey::new("", "ConfigMap", NS, "same"),
        false,
    );
    input.modified.insert(
        gitops_engine::sync::ResourceKey::new("", "ConfigMap", NS, "changed"),
        true,
    );
    input.modified.insert(
        gitops_engine::sync::ResourceKey::new("batch", "Job", NS, "hook"),
        false,
    );
    let plan = must_plan(&input);
    let skipped: Vec<(&str, bool, bool)> = plan
        .tasks
        .iter()
        .map(|t| (t.key.name.as_str(), t.skip_unmodified, t.dry_run))
        .collect();
    assert_eq!(
        skipped,
        [
            ("changed", false, true),
            ("missing", false, true),
            ("no-diff", false, true),
            ("same", true, false),
            ("hook", false, true)
        ]
    );
    // Without the option nothing is skipped.
    input.options = SyncOptions::default();
    assert!(
        must_plan(&input)
            .tasks
            .iter()
            .all(|t| !t.skip_unmodified && t.dry_run)
    );
}

// §2.9 CreateNamespace: "create the destination namespace as a PreSync task before the
// dry-run; with managedNamespaceMetadata its labels/annotations are applied (server-side)".
#[test]
fn create_namespace_adds_presync_namespace_task() {
    let mut input = with_options(input(vec![cm("c", &[])], vec![]), &["CreateNamespace=true"]);
    let plan = must_plan(&input);
    let ns = &plan.tasks[0];
    assert_eq!(
        (ns.phase, ns.role, ns.key.to_string()),
        (
            SyncPhase::PreSync,
            TaskRole::ManagedNamespace,
            "/Namespace//default".into()
        )
    );
    assert_eq!(
        ns.target.as_ref().unwrap(),
        &json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})
    );
    assert!(
        !ns.dry_run,
        "created for real before the dry-run (§2.4 step 2)"
    );

    // Existing namespace without managed metadata: nothing to do.
    input.destination_namespace_exists = true;
    assert_eq!(order(&must_plan(&input)), ["Sync/0 ConfigMap/c"]);

    // Managed metadata: applied server-side to the existing namespace.
    input.managed_namespace_metadata =
        Some(json!({"labels": {"team": "a"}, "annotations": {"note": "x"}}));
    let plan = must_plan(&input);
    let ns = &plan.tasks[0];
    assert_eq!(ns.operation, apply(true, false, true));
    assert_eq!(
        ns.target.as_ref().unwrap()["metadata"]["labels"],
        json!({"team": "a"})
    );
    assert_eq!(
        ns.target.as_ref().unwrap()["metadata"]["annotations"],
        json!({"note": "x", OPTS: "ServerSideApply=true"})
    );
    assert!(ns.live_exists && ns.dry_run);
}

// §2.9 CreateNamespace: no extra task when the app itself declares the namespace; that
// Namespace is still created before the dry-run (§2.4 step 2).
#[test]
fn create_namespace_not_added_when_namespace_is_declared() {
    let desired = vec![obj("v1", "Namespace", None, NS, &[]), cm("c", &[])];
    let plan = must_plan(&with_options(
        input(desired, vec![]),
        &["CreateNamespace=true"],
    ));
    assert_eq!(
        order(&plan),
        ["Sync/0 Namespace/default", "Sync/0 ConfigMap/c"]
    );
    assert_eq!(plan.tasks[0].role, TaskRole::Resource);
    assert!(!plan.tasks[0].dry_run);
}

fn discovery(input: &mut PlanInput) {
    input.api_resources = Some(vec![
        ApiResource {
            group: String::new(),
            kind: "ConfigMap".into(),
            namespaced: true,
        },
        ApiResource {
            group: "apiextensions.k8s.io".into(),
            kind: "CustomResourceDefinition".into(),
            namespaced: false,
        },
    ]);
}

// §2.2 discovery check: unknown kind → task fails unless SkipDryRunOnMissingResource=true
// (annotation or app-wide) or a CRD for it is part of the same sync.
#[test]
fn skip_dry_run_on_missing_resource() {
    let widget = |ann: &[(&str, &str)]| obj("example.com/v1", "Widget", Some(NS), "w", ann);

    let mut plain = input(vec![widget(&[])], vec![]);
    discovery(&mut plain);
    let plan = must_plan(&plain);
    assert_eq!(plan.invalid.len(), 1);
    assert_eq!(
        plan.invalid[0].result_key,
        "example.com/Widget/default/w:Sync"
    );

    let mut annotated = input(
        vec![widget(&[(OPTS, "SkipDryRunOnMissingResource=true")])],
        vec![],
    );
    discovery(&mut annotated);
    let plan = must_plan(&annotated);
    assert!(plan.invalid.is_empty() && plan.tasks[0].skip_dry_run && !plan.tasks[0].dry_run);

    let mut app_wide = with_options(
        input(vec![widget(&[])], vec![]),
        &["SkipDryRunOnMissingResource=true"],
    );
    discovery(&mut app_wide);
    assert!(must_plan(&app_wide).tasks[0].skip_dry_run);

    let mut crd = obj(
        "apiextensions.k8s.io/v1",
        "CustomResourceDefinition",
        None,
        "widgets.example.com",
        &[],
    );
    crd["spec"] = json!({"group": "example.com", "names": {"kind": "Widget"}});
    let mut with_crd = input(vec![crd, widget(&[])], vec![]);
    discovery(&mut with_crd);
    let plan = must_plan(&with_crd);
    assert!(plan.invalid.is_empty(), "{plan}");
    assert!(
        plan.tasks
            .iter()
            .find(|t| t.key.kind == "Widget")
            .unwrap()
            .skip_dry_run
    );
}

// §2.1 step 3: cluster-scoped kinds (known by discovery) are looked up with an empty
// namespace; with unknown scope both are tried.
#[test]
fn cluster_scoped_desired_pairs_with_live_without_namespace() {
    let crd = obj(
        "apiextensions.k8s.io/v1",
        "CustomResourceDefinition",
        None,
        "w.example.com",
        &[],
    );
    let mut known = input(vec![crd.clone()], vec![crd.clone()]);
    discovery(&mut known);
    let plan = must_plan(&known);
    assert_eq!(plan.tasks.len(), 1);
    assert!(plan.tasks[0].live_exists);
    assert_eq!(plan.tasks[0].key.namespace, "");
    let unknown = input(vec![crd.clone()], vec![crd]);
    assert!(must_plan(&unknown).tasks[0].live_exists);
}

// §4.1 rule 4: a live object tracked by a different app gives SharedResourceWarning
// "<Kind>/<name> is part of applications <this> and <other>"; FailOnSharedResource=true
// turns that into a failure ("Shared resource found: …", §2.9).
#[test]
fn shared_resource_warning_and_fail_on_shared_resource() {
    let input = input(vec![cm("c", &[])], vec![tracked_by("other", &cm("c", &[]))]);
    let plan = must_plan(&input);
    assert_eq!(
        plan.warnings,
        ["SharedResourceWarning: ConfigMap/c is part of applications my-app and other"]
    );
    let input = with_options(input, &["FailOnSharedResource=true"]);
    let err = gitops_engine::sync::plan(&input).unwrap_err();
    assert_eq!(
        err,
        SyncError::SharedResource("ConfigMap/c is part of applications my-app and other".into())
    );
    assert_eq!(
        err.to_string(),
        "Shared resource found: ConfigMap/c is part of applications my-app and other"
    );
}

// §1.6 item 5: "if Git yields the same key twice, the last one wins and the app gets a
// RepeatedResourceWarning condition".
#[test]
fn repeated_desired_resource_last_wins_with_warning() {
    let plan = must_plan(&input(
        vec![cm("c", &[("v", "1")]), cm("c", &[("v", "2")])],
        vec![],
    ));
    assert_eq!(plan.tasks.len(), 1);
    assert_eq!(
        plan.tasks[0].target.as_ref().unwrap()["metadata"]["annotations"]["v"],
        "2"
    );
    assert_eq!(plan.warnings.len(), 1);
    assert!(plan.warnings[0].starts_with("RepeatedResourceWarning"));
}

// §2.2: "Desired objects with no namespace are given the destination namespace before
// apply, even cluster-scoped ones".
#[test]
fn desired_without_namespace_gets_destination_namespace() {
    let desired = vec![
        obj("v1", "ConfigMap", None, "c", &[]),
        obj(
            "rbac.authorization.k8s.io/v1",
            "ClusterRole",
            None,
            "r",
            &[],
        ),
    ];
    let plan = must_plan(&input(desired, vec![]));
    for task in &plan.tasks {
        assert_eq!(
            task.target.as_ref().unwrap()["metadata"]["namespace"],
            NS,
            "{task}"
        );
    }
}

// Errors are typed and name the input and field; planning never panics on bad input.
#[test]
fn malformed_input_is_a_typed_error() {
    let err = gitops_engine::sync::plan(&input(vec![json!("text")], vec![])).unwrap_err();
    assert_eq!(err.to_string(), "desired #0: not a JSON object");
    let err = gitops_engine::sync::plan(&input(
        vec![json!({"apiVersion": "v1", "metadata": {"name": "x"}})],
        vec![],
    ))
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "desired #0: field `kind` is missing or not a string"
    );
    let err = gitops_engine::sync::plan(&input(
        vec![],
        vec![json!({"kind": "ConfigMap", "metadata": {}})],
    ))
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "live #0: field `metadata.name` is missing or not a string"
    );
}

// §2.5 / §6 (v3): "Before a real server-side apply, if live has managedFields from the
// client-side manager (kubectl-client-side-apply), migrate ownership … only for entries with
// operation Update. Disabled by ClientSideApplyMigration=false"; the manager is overridable
// per app (§0).
#[test]
fn client_side_apply_migration_before_server_side_apply() {
    let mut live = cm("c", &[]);
    live["metadata"]["managedFields"] = json!([
        {"manager": "kubectl-client-side-apply", "operation": "Update"},
        {"manager": "argocd-controller", "operation": "Apply"}
    ]);
    let migrated = TaskAction::Apply {
        server_side: true,
        force: false,
        validate: true,
        migrate_client_side: true,
    };
    let ssa = with_options(
        input(vec![cm("c", &[])], vec![live.clone()]),
        &["ServerSideApply=true"],
    );
    assert_eq!(must_plan(&ssa).tasks[0].operation, migrated);
    // Client-side apply: nothing to migrate.
    assert_eq!(
        must_plan(&input(vec![cm("c", &[])], vec![live.clone()])).tasks[0].operation,
        apply(false, false, true)
    );
    // Disabled by option.
    let off = with_options(
        input(vec![cm("c", &[])], vec![live.clone()]),
        &["ServerSideApply=true", "ClientSideApplyMigration=false"],
    );
    assert_eq!(must_plan(&off).tasks[0].operation, apply(true, false, true));
    // Another manager configured: the kubectl entry no longer counts.
    let mut other = ssa.clone();
    other.client_side_apply_migration_manager = Some("my-tool".into());
    assert_eq!(
        must_plan(&other).tasks[0].operation,
        apply(true, false, true)
    );
    // `Apply` entries of the manager are already server-side.
    live["metadata"]["managedFields"] =
        json!([{"manager": "kubectl-client-side-apply", "operation": "Apply"}]);
    let applied = with_options(
        input(vec![cm("c", &[])], vec![live]),
        &["ServerSideApply=true"],
    );
    assert_eq!(
        must_plan(&applied).tasks[0].operation,
        apply(true, false, true)
    );
}

// Never panic on user input: odd shapes are read as absent or rejected with a typed error.
#[test]
fn odd_object_shapes_do_not_panic() {
    let odd = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c", "namespace": 7, "annotations": {
            "argocd.argoproj.io/sync-wave": 5,
            "argocd.argoproj.io/hook": null,
            OPTS: ["Replace=true"]
        }, "labels": "x", "finalizers": "y", "ownerReferences": {}}
    });
    let plan = must_plan(&input(vec![odd.clone()], vec![odd.clone()]));
    assert_eq!(order(&plan), ["Sync/0 ConfigMap/c"]);
    assert_eq!(plan.tasks[0].operation, apply(false, false, true));
    let mut stamped = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": "broken"});
    gitops_engine::sync::tracking::stamp(
        &mut stamped,
        APP,
        &gitops_engine::sync::TrackingConfig::default(),
        NS,
    );
    assert_eq!(
        stamped["metadata"]["annotations"]["argocd.argoproj.io/tracking-id"],
        "my-app:/ConfigMap:default/"
    );
    let err = gitops_engine::sync::plan(&input(
        vec![json!({"kind": "ConfigMap", "metadata": "broken"})],
        vec![],
    ));
    assert!(matches!(
        err,
        Err(SyncError::MissingField {
            field: "metadata.name",
            ..
        })
    ));
}
