//! Automated sync rules (Argo CD docs `user-guide/auto_sync.md`, notes/argocd-interfaces.md
//! §(a) "Auto-sync semantics"): one test per rule.

use std::time::Duration;

use gitops_engine::app::{
    AppHealthStatus, Application, AutoSync, Comparison, ResourceStatus, SelfHealWait,
    SyncStatusCode, auto_sync, auto_sync_with,
};
use gitops_engine::health::HealthStatus;
use gitops_engine::sync::TaskPhase;
use jiff::Timestamp;
use serde_json::{Value, json};

const REV: &str = "abc123";

fn app(automated: Value) -> Application {
    let mut spec = json!({
        "project": "default",
        "source": {"repoURL": "https://git.example/repo.git", "path": "app", "targetRevision": "main"},
        "destination": {"server": "https://kubernetes.default.svc", "namespace": "web"},
        "syncPolicy": {"syncOptions": ["CreateNamespace=true"]}
    });
    if !automated.is_null() {
        spec["syncPolicy"]["automated"] = automated;
    }
    Application::from_value(
        &json!({"metadata": {"name": "shop", "namespace": "argocd"}, "spec": spec}),
    )
    .unwrap()
}

fn resource(
    kind: &str,
    name: &str,
    status: SyncStatusCode,
    requires_pruning: bool,
) -> ResourceStatus {
    ResourceStatus {
        version: "v1".into(),
        kind: kind.into(),
        namespace: "web".into(),
        name: name.into(),
        status: Some(status),
        requires_pruning,
        health: Some(AppHealthStatus::from(HealthStatus::healthy(""))),
        ..ResourceStatus::default()
    }
}

fn comparison(resources: Vec<ResourceStatus>) -> Comparison {
    let out_of_sync = resources
        .iter()
        .any(|r| r.status == Some(SyncStatusCode::OutOfSync));
    Comparison {
        app_instance: "shop".into(),
        revision: REV.into(),
        desired: Vec::new(),
        live: Vec::new(),
        resources,
        modified: Default::default(),
        diffs: Vec::new(),
        sync_status: if out_of_sync {
            SyncStatusCode::OutOfSync
        } else {
            SyncStatusCode::Synced
        },
        health: HealthStatus::healthy(""),
        images: Vec::new(),
        conditions: Vec::new(),
    }
}

/// One Synced ConfigMap and one OutOfSync Deployment.
fn drifted() -> Comparison {
    comparison(vec![
        resource("ConfigMap", "cfg", SyncStatusCode::Synced, false),
        resource("Deployment", "web", SyncStatusCode::OutOfSync, false),
    ])
}

fn now() -> Timestamp {
    "2026-11-23T13:00:10Z".parse().unwrap()
}

/// Records a finished sync to `revision` from the app's current source.
fn with_last_sync(
    mut app: Application,
    revision: &str,
    phase: &str,
    finished_at: &str,
) -> Application {
    let source = serde_json::to_value(app.spec.source.as_ref().unwrap()).unwrap();
    let mut value = app.to_value();
    value["status"]["operationState"] = json!({
        "operation": {"sync": {"revision": revision}, "initiatedBy": {"automated": true}},
        "phase": phase,
        "message": "one or more objects failed to apply",
        "startedAt": "2026-11-23T12:59:00Z",
        "finishedAt": finished_at,
        "syncResult": {"revision": revision, "source": source}
    });
    app = Application::from_value(&value).unwrap();
    app
}

fn expect_sync(decision: AutoSync) -> gitops_engine::app::Operation {
    match decision {
        AutoSync::Sync(op) => *op,
        other => panic!("expected a sync, got {other:?}"),
    }
}

fn expect_skip(decision: AutoSync) {
    assert!(
        matches!(decision, AutoSync::Skip(_)),
        "expected a skip, got {decision:?}"
    );
}

#[test]
fn no_auto_sync_without_an_automated_policy() {
    expect_skip(auto_sync(&app(Value::Null), &drifted(), REV, now()));
}

#[test]
fn no_auto_sync_when_automated_is_disabled_explicitly() {
    expect_skip(auto_sync(
        &app(json!({"enabled": false})),
        &drifted(),
        REV,
        now(),
    ));
}

#[test]
fn no_auto_sync_when_the_app_is_synced() {
    let cmp = comparison(vec![resource(
        "ConfigMap",
        "cfg",
        SyncStatusCode::Synced,
        false,
    )]);
    expect_skip(auto_sync(&app(json!({})), &cmp, REV, now()));
}

#[test]
fn no_auto_sync_when_the_comparison_is_unknown() {
    let mut cmp = drifted();
    cmp.sync_status = SyncStatusCode::Unknown;
    expect_skip(auto_sync(&app(json!({})), &cmp, REV, now()));
}

#[test]
fn no_auto_sync_while_an_operation_is_requested() {
    let mut app = app(json!({}));
    app.operation = Some(Default::default());
    expect_skip(auto_sync(&app, &drifted(), REV, now()));
}

#[test]
fn no_auto_sync_while_an_operation_is_running() {
    let mut app = with_last_sync(app(json!({})), "old", "Running", "2026-11-23T12:00:00Z");
    app.status.operation_state.as_mut().unwrap().finished_at = None;
    assert_eq!(
        app.status.operation_state.as_ref().unwrap().phase,
        TaskPhase::Running
    );
    expect_skip(auto_sync(&app, &drifted(), REV, now()));
}

#[test]
fn no_auto_sync_while_the_app_is_being_deleted() {
    let mut app = app(json!({}));
    app.metadata.deletion_timestamp = Some("2026-11-23T12:00:00Z".into());
    expect_skip(auto_sync(&app, &drifted(), REV, now()));
}

#[test]
fn out_of_sync_app_gets_an_automated_operation() {
    let app = app(json!({"prune": true}));
    let op = expect_sync(auto_sync(&app, &drifted(), REV, now()));
    assert!(op.initiated_by.automated);
    assert_eq!(op.initiated_by.username, "");
    let sync = op.sync.unwrap();
    assert_eq!(sync.revision, REV);
    assert!(sync.prune, "prune comes from automated.prune");
    assert_eq!(sync.sync_options, ["CreateNamespace=true"]);
    assert_eq!(sync.source, app.spec.source);
    assert!(
        sync.resources.is_empty(),
        "a full sync, not a selective one"
    );
    // Automated syncs without a retry block retry 5 times.
    assert_eq!(op.retry.unwrap().limit, 5);
}

#[test]
fn automated_operation_uses_the_spec_retry_policy() {
    let mut app = app(json!({}));
    let value = {
        let mut v = app.to_value();
        v["spec"]["syncPolicy"]["retry"] = json!({"limit": 2, "backoff": {"duration": "10s"}});
        v
    };
    app = Application::from_value(&value).unwrap();
    let op = expect_sync(auto_sync(&app, &drifted(), REV, now()));
    let retry = op.retry.unwrap();
    assert_eq!(retry.limit, 2);
    assert_eq!(retry.backoff.unwrap().duration.as_deref(), Some("10s"));
    assert!(!op.sync.unwrap().prune);
}

#[test]
fn only_prunable_differences_without_automated_prune_are_left_alone() {
    let cmp = comparison(vec![
        resource("ConfigMap", "cfg", SyncStatusCode::Synced, false),
        resource("ConfigMap", "old", SyncStatusCode::OutOfSync, true),
    ]);
    expect_skip(auto_sync(&app(json!({"prune": false})), &cmp, REV, now()));
    // With prune on, the same comparison syncs (and prunes).
    let op = expect_sync(auto_sync(&app(json!({"prune": true})), &cmp, REV, now()));
    assert!(op.sync.unwrap().prune);
}

#[test]
fn no_second_attempt_for_the_same_revision_after_success() {
    let app = with_last_sync(app(json!({})), REV, "Succeeded", "2026-11-23T12:00:00Z");
    expect_skip(auto_sync(&app, &drifted(), REV, now()));
}

#[test]
fn a_new_revision_is_synced_after_a_previous_success() {
    let app = with_last_sync(app(json!({})), "older", "Succeeded", "2026-11-23T12:00:00Z");
    let op = expect_sync(auto_sync(&app, &drifted(), REV, now()));
    assert_eq!(op.sync.unwrap().revision, REV);
}

#[test]
fn a_changed_source_is_synced_again_at_the_same_revision() {
    let mut app = with_last_sync(app(json!({})), REV, "Succeeded", "2026-11-23T12:00:00Z");
    app.spec.source.as_mut().unwrap().path = "app-v2".into();
    expect_sync(auto_sync(&app, &drifted(), REV, now()));
}

#[test]
fn a_failed_attempt_on_the_same_revision_is_not_retried() {
    let app = with_last_sync(
        app(json!({"selfHeal": true})),
        REV,
        "Failed",
        "2026-11-23T12:00:00Z",
    );
    match auto_sync(&app, &drifted(), REV, now()) {
        AutoSync::Refused(condition) => {
            assert_eq!(condition.condition_type, "SyncError");
            assert_eq!(
                condition.message,
                "Failed last sync attempt to [abc123]: one or more objects failed to apply"
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_failed_attempt_on_an_older_revision_does_not_block_a_new_one() {
    let app = with_last_sync(app(json!({})), "older", "Failed", "2026-11-23T12:00:00Z");
    expect_sync(auto_sync(&app, &drifted(), REV, now()));
}

#[test]
fn a_completed_operation_without_result_counts_as_attempted() {
    let mut app = with_last_sync(app(json!({})), REV, "Error", "2026-11-23T12:00:00Z");
    app.status.operation_state.as_mut().unwrap().sync_result = None;
    assert!(matches!(
        auto_sync(&app, &drifted(), REV, now()),
        AutoSync::Refused(_)
    ));
}

#[test]
fn self_heal_waits_five_seconds_after_the_last_sync() {
    // Finished 2 s before `now`: 3 s to go.
    let app = with_last_sync(
        app(json!({"selfHeal": true})),
        REV,
        "Succeeded",
        "2026-11-23T13:00:08Z",
    );
    match auto_sync(&app, &drifted(), REV, now()) {
        AutoSync::Later { after, .. } => assert_eq!(after, Duration::from_secs(3)),
        other => panic!("expected to wait, got {other:?}"),
    }
}

#[test]
fn self_heal_resyncs_only_the_drifted_resources() {
    // Finished 6 s before `now`: past the 5 s self-heal timeout.
    let app = with_last_sync(
        app(json!({"selfHeal": true})),
        REV,
        "Succeeded",
        "2026-11-23T13:00:04Z",
    );
    let op = expect_sync(auto_sync(&app, &drifted(), REV, now()));
    assert!(op.initiated_by.automated);
    let sync = op.sync.unwrap();
    assert_eq!(sync.revision, REV);
    assert_eq!(sync.self_heal_attempts_count, 1);
    let names: Vec<(&str, &str)> = sync
        .resources
        .iter()
        .map(|r| (r.kind.as_str(), r.name.as_str()))
        .collect();
    assert_eq!(names, [("Deployment", "web")]);
}

#[test]
fn self_heal_backoff_grows_with_consecutive_attempts() {
    let wait = SelfHealWait::Backoff {
        duration: Duration::from_secs(2),
        factor: 3,
        max: Duration::from_secs(300),
    };
    let mut app = with_last_sync(
        app(json!({"selfHeal": true})),
        REV,
        "Succeeded",
        "2026-11-23T13:00:08Z",
    );
    let set_attempts = |app: &mut Application, n: i64| {
        let state = app.status.operation_state.as_mut().unwrap();
        state
            .operation
            .sync
            .as_mut()
            .unwrap()
            .self_heal_attempts_count = n;
    };
    // No earlier self-heal: no wait.
    let op = expect_sync(auto_sync_with(&app, &drifted(), REV, now(), &wait));
    assert_eq!(op.sync.unwrap().self_heal_attempts_count, 1);
    // After one self-heal: 2 s since the finish (2 s ago): due now.
    set_attempts(&mut app, 1);
    expect_sync(auto_sync_with(&app, &drifted(), REV, now(), &wait));
    // After two: 6 s, 4 s to go.
    set_attempts(&mut app, 2);
    match auto_sync_with(&app, &drifted(), REV, now(), &wait) {
        AutoSync::Later { after, .. } => assert_eq!(after, Duration::from_secs(4)),
        other => panic!("expected to wait, got {other:?}"),
    }
    // Capped: after ten attempts the wait is 300 s, not 2·3⁹ s.
    set_attempts(&mut app, 10);
    match auto_sync_with(&app, &drifted(), REV, now(), &wait) {
        AutoSync::Later { after, .. } => assert_eq!(after, Duration::from_secs(298)),
        other => panic!("expected to wait, got {other:?}"),
    }
}

#[test]
fn pruning_everything_is_refused_without_allow_empty() {
    let cmp = comparison(vec![
        resource("ConfigMap", "a", SyncStatusCode::OutOfSync, true),
        resource("ConfigMap", "b", SyncStatusCode::OutOfSync, true),
    ]);
    match auto_sync(&app(json!({"prune": true})), &cmp, REV, now()) {
        AutoSync::Refused(condition) => {
            assert_eq!(condition.condition_type, "SyncError");
            assert_eq!(
                condition.message,
                "Skipping sync attempt to [abc123]: auto-sync will wipe out all resources"
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn allow_empty_permits_pruning_everything() {
    let cmp = comparison(vec![resource(
        "ConfigMap",
        "a",
        SyncStatusCode::OutOfSync,
        true,
    )]);
    let op = expect_sync(auto_sync(
        &app(json!({"prune": true, "allowEmpty": true})),
        &cmp,
        REV,
        now(),
    ));
    assert!(op.sync.unwrap().prune);
}
