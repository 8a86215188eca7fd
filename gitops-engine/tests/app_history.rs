//! Deployment history, rollback, conditions and plan input of an Application.

use gitops_engine::app::{
    AppError, Application, ApplicationCondition, ApplicationStatus, CompareInput, CompareSettings,
    OperationState, PlanContext, RevisionHistory, RollbackRequest, compare, conditions,
    history_entry, plan_input, record_history, rollback_operation, rollback_operation_with,
};
use gitops_engine::health::HealthRules;
use gitops_engine::sync::{PropagationPolicy, PruneMode, ResourceKey, TaskPhase};
use serde_json::{Value, json};

fn app(spec_extra: Value, history: Value) -> Application {
    let mut value = json!({
        "metadata": {"name": "shop", "namespace": "argocd"},
        "spec": {
            "project": "default",
            "source": {"repoURL": "https://git.example/repo.git", "path": "app", "targetRevision": "main"},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": "web"},
            "syncPolicy": {"syncOptions": ["PruneLast=true"]}
        },
        "status": {"history": history}
    });
    if let (Some(spec), Some(extra)) = (value["spec"].as_object_mut(), spec_extra.as_object()) {
        spec.extend(extra.clone());
    }
    Application::from_value(&value).unwrap()
}

fn entry(revision: &str) -> RevisionHistory {
    RevisionHistory {
        id: 0,
        revision: revision.into(),
        deployed_at: "2026-11-23T13:00:00Z".into(),
        ..RevisionHistory::default()
    }
}

fn ids(status: &ApplicationStatus) -> Vec<i64> {
    status.history.iter().map(|h| h.id).collect()
}

#[test]
fn history_ids_follow_the_last_id() {
    let mut status = ApplicationStatus::default();
    record_history(&mut status, entry("a"), 10);
    record_history(&mut status, entry("b"), 10);
    assert_eq!(ids(&status), [0, 1], "Argo CD's first id is 0");
    // Ids continue from the newest entry even after older ones were dropped.
    status.history.remove(0);
    record_history(&mut status, entry("c"), 10);
    assert_eq!(ids(&status), [1, 2]);
    assert_eq!(status.history[1].revision, "c");
}

#[test]
fn history_is_capped_dropping_the_oldest() {
    let mut status = ApplicationStatus::default();
    for revision in ["a", "b", "c", "d", "e"] {
        record_history(&mut status, entry(revision), 3);
    }
    assert_eq!(ids(&status), [2, 3, 4]);
    let revisions: Vec<&str> = status.history.iter().map(|h| h.revision.as_str()).collect();
    assert_eq!(revisions, ["c", "d", "e"]);
}

#[test]
fn a_history_limit_of_zero_keeps_nothing() {
    let mut status = ApplicationStatus::default();
    record_history(&mut status, entry("a"), 0);
    assert!(status.history.is_empty());
}

#[test]
fn the_default_limit_is_ten() {
    let app = app(json!({}), json!([]));
    let mut status = ApplicationStatus::default();
    for i in 0..12 {
        record_history(
            &mut status,
            entry(&format!("r{i}")),
            app.spec.history_limit(),
        );
    }
    assert_eq!(status.history.len(), 10);
    assert_eq!(status.history[0].id, 2);
}

fn finished(phase: &str, dry_run: bool) -> OperationState {
    serde_json::from_value(json!({
        "operation": {"sync": {"revision": "abc", "dryRun": dry_run}, "initiatedBy": {"username": "admin"}},
        "phase": phase,
        "startedAt": "2026-11-23T12:59:00Z",
        "finishedAt": "2026-11-23T13:00:00Z",
        "syncResult": {"revision": "abc", "source": {"repoURL": "https://git.example/repo.git", "path": "app"}}
    }))
    .unwrap()
}

#[test]
fn only_successful_real_syncs_are_deployments() {
    let deployed = history_entry(&finished("Succeeded", false), "2026-11-23T13:01:00Z").unwrap();
    assert_eq!(deployed.revision, "abc");
    assert_eq!(deployed.source.unwrap().path, "app");
    assert_eq!(deployed.deployed_at, "2026-11-23T13:00:00Z");
    assert_eq!(
        deployed.deploy_started_at.as_deref(),
        Some("2026-11-23T12:59:00Z")
    );
    assert_eq!(deployed.initiated_by.username, "admin");
    assert!(history_entry(&finished("Failed", false), "2026-11-23T13:01:00Z").is_none());
    assert!(history_entry(&finished("Succeeded", true), "2026-11-23T13:01:00Z").is_none());
    assert_eq!(finished("Succeeded", false).phase, TaskPhase::Succeeded);
}

fn two_deployments() -> Value {
    json!([
        {"id": 1, "revision": "old", "deployedAt": "2026-11-22T10:00:00Z",
         "source": {"repoURL": "https://git.example/repo.git", "path": "app", "targetRevision": "v1"}},
        {"id": 2, "revision": "new", "deployedAt": "2026-11-23T10:00:00Z",
         "source": {"repoURL": "https://git.example/repo.git", "path": "app", "targetRevision": "main"}}
    ])
}

#[test]
fn rollback_is_refused_while_auto_sync_is_enabled() {
    let app = app(
        json!({"syncPolicy": {"automated": {"prune": true}}}),
        two_deployments(),
    );
    let err = rollback_operation(&app, 1).unwrap_err();
    assert!(matches!(err, AppError::RollbackWithAutoSync));
    assert_eq!(
        err.to_string(),
        "rollback cannot be initiated when auto-sync is enabled"
    );
}

#[test]
fn rollback_is_allowed_when_automated_is_disabled() {
    let app = app(
        json!({"syncPolicy": {"automated": {"enabled": false}}}),
        two_deployments(),
    );
    assert!(rollback_operation(&app, 1).is_ok());
}

#[test]
fn rollback_to_an_unknown_id_is_an_error() {
    let app = app(json!({}), two_deployments());
    let err = rollback_operation(&app, 7).unwrap_err();
    assert_eq!(
        err.to_string(),
        "application \"shop\" does not have deployment with id 7"
    );
}

#[test]
fn rollback_is_refused_while_deleting() {
    let mut app = app(json!({}), two_deployments());
    app.metadata.deletion_timestamp = Some("2026-11-23T13:00:00Z".into());
    assert_eq!(
        rollback_operation(&app, 1).unwrap_err().to_string(),
        "application is deleting"
    );
}

#[test]
fn rollback_syncs_the_entry_revision_and_source() {
    let app = app(json!({}), two_deployments());
    let op = rollback_operation_with(
        &app,
        1,
        &RollbackRequest {
            prune: true,
            dry_run: false,
            username: "alice".into(),
        },
    )
    .unwrap();
    assert_eq!(op.initiated_by.username, "alice");
    assert!(!op.initiated_by.automated);
    let sync = op.sync.unwrap();
    assert_eq!(sync.revision, "old");
    assert_eq!(sync.source.as_ref().unwrap().target_revision, "v1");
    assert!(sync.prune);
    assert_eq!(sync.sync_options, ["PruneLast=true"]);
    assert!(sync.skips_hooks(), "rollback uses the apply strategy");
}

#[test]
fn rollback_needs_a_recorded_source() {
    let app = app(
        json!({}),
        json!([{"id": 1, "revision": "old", "deployedAt": "2026-11-22T10:00:00Z"}]),
    );
    assert!(matches!(
        rollback_operation(&app, 1),
        Err(AppError::RollbackWithoutSource)
    ));
}

#[test]
fn conditions_keep_their_transition_time_while_unchanged() {
    let mut list: Vec<ApplicationCondition> = Vec::new();
    conditions::set(&mut list, "SyncError", "boom", "2026-11-23T13:00:00Z");
    conditions::set(&mut list, "ComparisonError", "bad", "2026-11-23T13:00:00Z");
    conditions::set(&mut list, "SyncError", "boom", "2026-11-23T13:05:00Z");
    let sync_error = list
        .iter()
        .find(|c| c.condition_type == "SyncError")
        .unwrap();
    assert_eq!(
        sync_error.last_transition_time.as_deref(),
        Some("2026-11-23T13:00:00Z")
    );
    // A new message is a transition.
    conditions::set(&mut list, "SyncError", "boom again", "2026-11-23T13:06:00Z");
    let sync_errors: Vec<_> = list
        .iter()
        .filter(|c| c.condition_type == "SyncError")
        .collect();
    assert_eq!(sync_errors.len(), 1);
    assert_eq!(sync_errors[0].message, "boom again");
    assert_eq!(
        sync_errors[0].last_transition_time.as_deref(),
        Some("2026-11-23T13:06:00Z")
    );
    conditions::clear(&mut list, "SyncError");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].condition_type, "ComparisonError");
    assert!(conditions::is_error("ComparisonError"));
    assert!(!conditions::is_error("SharedResourceWarning"));
}

#[test]
fn plan_input_carries_options_operation_and_comparison() {
    let app = app(
        json!({"syncPolicy": {
            "syncOptions": ["CreateNamespace=true", "PrunePropagationPolicy=background", "Prune=confirm"],
            "managedNamespaceMetadata": {"labels": {"team": "web"}}
        }}),
        json!([]),
    );
    let desired = [
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"a": "1"}}),
    ];
    let rules = HealthRules::builtin();
    let settings = CompareSettings {
        control_plane_namespace: "argocd".into(),
        ..CompareSettings::default()
    };
    let cmp = compare(&CompareInput {
        app: &app,
        revision: "abc",
        desired: &desired,
        live: &[],
        health_rules: &rules,
        settings: &settings,
        api_resources: None,
    });
    let op: gitops_engine::app::SyncOperation = serde_json::from_value(json!({
        "prune": true,
        "syncStrategy": {"apply": {"force": true}},
        "syncOptions": ["Prune=false"],
        "resources": [{"kind": "ConfigMap", "name": "cfg"}]
    }))
    .unwrap();
    let input = plan_input(
        &app,
        &cmp,
        &op,
        &PlanContext {
            started_at_unix: 1_795_000_000,
            ..PlanContext::default()
        },
    );
    assert_eq!(input.app_instance, "shop");
    assert_eq!(input.destination_namespace, "web");
    assert_eq!(input.desired, cmp.desired);
    assert!(input.modified[&ResourceKey::new("", "ConfigMap", "web", "cfg")]);
    assert!(input.options.create_namespace);
    assert_eq!(
        input.options.prune_propagation_policy,
        PropagationPolicy::Background
    );
    // The operation's `Prune=false` comes before the app's `Prune=confirm`.
    assert_eq!(input.options.prune, PruneMode::Disabled);
    assert!(input.operation.prune);
    assert!(input.operation.skip_hooks);
    assert!(input.operation.force);
    assert_eq!(
        input.operation.revision, "abc",
        "empty revision: the compared one"
    );
    assert_eq!(input.operation.started_at_unix, 1_795_000_000);
    assert_eq!(input.operation.resources[0].name, "cfg");
    assert_eq!(
        input.managed_namespace_metadata,
        Some(json!({"labels": {"team": "web"}}))
    );
}
