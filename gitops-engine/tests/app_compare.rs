//! Comparing an application's desired objects with live ones (Argo CD's
//! CompareAppState semantics, notes/gitops-engine.md §1.6, §3, §4.1).

use gitops_engine::app::{
    Application, CompareInput, CompareSettings, Comparison, SyncStatusCode, compare,
};
use gitops_engine::health::{HealthRules, HealthStatusCode};
use gitops_engine::sync::ResourceKey;
use serde_json::{Value, json};

const TRACKING: &str = "argocd.argoproj.io/tracking-id";

fn app(extra_spec: Value) -> Application {
    let mut spec = json!({
        "project": "default",
        "source": {"repoURL": "https://git.example/repo.git", "path": "guestbook", "targetRevision": "HEAD"},
        "destination": {"server": "https://kubernetes.default.svc", "namespace": "web"}
    });
    if let (Some(spec), Some(extra)) = (spec.as_object_mut(), extra_spec.as_object()) {
        spec.extend(extra.clone());
    }
    Application::from_value(&json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
        "metadata": {"name": "guestbook", "namespace": "argocd"},
        "spec": spec
    }))
    .unwrap()
}

fn settings() -> CompareSettings {
    CompareSettings {
        control_plane_namespace: "argocd".into(),
        ..CompareSettings::default()
    }
}

fn run(app: &Application, desired: &[Value], live: &[Value]) -> Comparison {
    let rules = HealthRules::builtin();
    let settings = settings();
    compare(&CompareInput {
        app,
        revision: "abc123",
        desired,
        live,
        health_rules: &rules,
        settings: &settings,
        api_resources: None,
    })
}

fn config_map(name: &str, value: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"k": value}})
}

/// A live copy of `desired` in namespace `web`, tracked by `app`.
fn live_of(desired: &Value, app: &str, group_kind: &str) -> Value {
    let mut live = desired.clone();
    let name = live["metadata"]["name"].as_str().unwrap().to_owned();
    live["metadata"]["namespace"] = json!("web");
    live["metadata"]["uid"] = json!(format!("uid-{name}"));
    live["metadata"]["annotations"] = json!({TRACKING: format!("{app}:{group_kind}:web/{name}")});
    live
}

fn deployment(replicas: i64) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "initContainers": [{"name": "init", "image": "busybox:1.36"}],
                    "containers": [{"name": "web", "image": "nginx:1.25"}]
                }
            }
        }
    })
}

/// A live Deployment whose rollout finished (Healthy per the Deployment health rule).
fn rolled_out(mut live: Value, replicas: i64) -> Value {
    live["metadata"]["generation"] = json!(1);
    live["status"] = json!({
        "observedGeneration": 1, "replicas": replicas, "updatedReplicas": replicas,
        "readyReplicas": replicas, "availableReplicas": replicas
    });
    live
}

fn service() -> Value {
    json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc"},
           "spec": {"ports": [{"port": 80}], "selector": {"app": "web"}}})
}

fn hook_job() -> Value {
    json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": "migrate", "annotations": {"argocd.argoproj.io/hook": "PreSync"}},
        "spec": {"template": {"spec": {"restartPolicy": "Never",
            "containers": [{"name": "m", "image": "migrator:2"}]}}}
    })
}

fn status_of<'a>(
    cmp: &'a Comparison,
    kind: &str,
    name: &str,
) -> &'a gitops_engine::app::ResourceStatus {
    cmp.resources
        .iter()
        .find(|r| r.kind == kind && r.name == name)
        .unwrap_or_else(|| panic!("no resource {kind}/{name} in {:?}", cmp.resources))
}

#[test]
fn identical_live_state_is_synced_and_healthy() {
    let app = app(json!({}));
    let desired = [config_map("cfg", "1"), deployment(1)];
    let live = [
        live_of(&desired[0], "guestbook", "/ConfigMap"),
        rolled_out(live_of(&desired[1], "guestbook", "apps/Deployment"), 1),
    ];
    let cmp = run(&app, &desired, &live);
    assert_eq!(cmp.sync_status, SyncStatusCode::Synced);
    assert_eq!(cmp.health.status, HealthStatusCode::Healthy);
    assert_eq!(cmp.resources.len(), 2);
    for r in &cmp.resources {
        assert_eq!(r.status, Some(SyncStatusCode::Synced), "{r:?}");
        assert!(!r.requires_pruning);
        assert_eq!(r.namespace, "web");
    }
    let deploy = status_of(&cmp, "Deployment", "web");
    assert_eq!(deploy.group, "apps");
    assert_eq!(deploy.version, "v1");
    assert_eq!(
        deploy.health.as_ref().map(|h| h.status),
        Some(HealthStatusCode::Healthy)
    );
    // ConfigMaps have no health rule: no health at all.
    assert!(status_of(&cmp, "ConfigMap", "cfg").health.is_none());
    assert!(cmp.modified.values().all(|m| !m));
    assert!(cmp.conditions.is_empty(), "{:?}", cmp.conditions);
}

#[test]
fn desired_objects_are_stamped_for_tracking() {
    let app = app(json!({}));
    let cmp = run(&app, &[config_map("cfg", "1")], &[]);
    assert_eq!(
        cmp.desired[0]["metadata"]["annotations"][TRACKING],
        "guestbook:/ConfigMap:web/cfg"
    );
    assert_eq!(cmp.app_instance, "guestbook");
    assert_eq!(cmp.revision, "abc123");
}

#[test]
fn modified_missing_and_extraneous_resources() {
    let app = app(json!({}));
    let desired = [config_map("cfg", "1"), deployment(2), service(), hook_job()];
    let live = [
        live_of(&desired[0], "guestbook", "/ConfigMap"),
        rolled_out(live_of(&deployment(1), "guestbook", "apps/Deployment"), 1),
        live_of(&config_map("old", "x"), "guestbook", "/ConfigMap"),
        live_of(&config_map("theirs", "x"), "other-app", "/ConfigMap"),
        {
            let mut stray = config_map("stray", "x");
            stray["metadata"]["namespace"] = json!("web");
            stray
        },
    ];
    let cmp = run(&app, &desired, &live);
    assert_eq!(cmp.sync_status, SyncStatusCode::OutOfSync);

    let keys: Vec<String> = cmp
        .resources
        .iter()
        .map(|r| format!("{}/{}/{}", r.group, r.kind, r.name))
        .collect();
    // Hooks are not managed resources; objects of other apps and untracked ones are
    // not the app's.
    assert_eq!(
        keys,
        [
            "/ConfigMap/cfg",
            "/ConfigMap/old",
            "/Service/svc",
            "apps/Deployment/web"
        ]
    );

    assert_eq!(
        status_of(&cmp, "ConfigMap", "cfg").status,
        Some(SyncStatusCode::Synced)
    );
    let web = status_of(&cmp, "Deployment", "web");
    assert_eq!(web.status, Some(SyncStatusCode::OutOfSync));
    assert!(!web.requires_pruning);

    let svc = status_of(&cmp, "Service", "svc");
    assert_eq!(svc.status, Some(SyncStatusCode::OutOfSync));
    assert_eq!(
        svc.health.as_ref().map(|h| h.status),
        Some(HealthStatusCode::Missing)
    );

    let old = status_of(&cmp, "ConfigMap", "old");
    assert_eq!(old.status, Some(SyncStatusCode::OutOfSync));
    assert!(old.requires_pruning);

    let key = |g: &str, k: &str, n: &str| ResourceKey::new(g, k, "web", n);
    assert!(!cmp.modified[&key("", "ConfigMap", "cfg")]);
    assert!(cmp.modified[&key("apps", "Deployment", "web")]);
    assert!(cmp.modified[&key("", "Service", "svc")]);
    assert!(!cmp.modified[&key("", "ConfigMap", "old")]);

    // Missing resources do not count in the aggregate health (OutOfSync says it).
    assert_eq!(cmp.health.status, HealthStatusCode::Healthy);
    // Live objects relevant to a sync: the paired ones and the extraneous member.
    let live_names: Vec<&str> = cmp
        .live
        .iter()
        .map(|l| l["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(live_names, ["cfg", "old", "web"]);
    // Images of desired workloads, hooks included, sorted.
    assert_eq!(cmp.images, ["busybox:1.36", "migrator:2", "nginx:1.25"]);
    // Only desired objects have diffs.
    assert_eq!(cmp.diffs.len(), 3);
}

#[test]
fn a_missing_hook_does_not_make_the_app_out_of_sync() {
    let app = app(json!({}));
    let desired = [config_map("cfg", "1"), hook_job()];
    let live = [live_of(&desired[0], "guestbook", "/ConfigMap")];
    let cmp = run(&app, &desired, &live);
    assert_eq!(cmp.sync_status, SyncStatusCode::Synced);
    assert!(cmp.resources.iter().all(|r| r.kind != "Job"));
    // The hook still goes to the sync plan.
    assert_eq!(cmp.desired.len(), 2);
}

#[test]
fn a_live_hook_gets_no_sync_status_nor_health() {
    let app = app(json!({}));
    let desired = [config_map("cfg", "1")];
    let mut job = live_of(&hook_job(), "guestbook", "batch/Job");
    job["metadata"]["annotations"]["argocd.argoproj.io/hook"] = json!("PreSync");
    job["status"] = json!({"failed": 1, "conditions": [{"type": "Failed", "status": "True"}]});
    let live = [live_of(&desired[0], "guestbook", "/ConfigMap"), job];
    let cmp = run(&app, &desired, &live);
    let hook = status_of(&cmp, "Job", "migrate");
    assert!(hook.hook);
    assert_eq!(hook.status, None);
    assert!(hook.health.is_none());
    assert!(!hook.requires_pruning);
    assert_eq!(cmp.sync_status, SyncStatusCode::Synced);
    // A failed hook does not degrade the app.
    assert_eq!(cmp.health.status, HealthStatusCode::Healthy);
}

#[test]
fn skip_resources_get_no_sync_status() {
    let app = app(json!({}));
    let mut skipped = config_map("manual", "1");
    skipped["metadata"]["annotations"] = json!({"argocd.argoproj.io/hook": "Skip"});
    let cmp = run(&app, &[skipped], &[]);
    assert_eq!(status_of(&cmp, "ConfigMap", "manual").status, None);
    assert_eq!(cmp.sync_status, SyncStatusCode::Synced);
}

#[test]
fn ignore_extraneous_keeps_the_app_synced() {
    let app = app(json!({}));
    let desired = [config_map("cfg", "1")];
    let mut extra = live_of(&config_map("generated", "x"), "guestbook", "/ConfigMap");
    extra["metadata"]["annotations"]["argocd.argoproj.io/compare-options"] =
        json!("IgnoreExtraneous");
    let live = [live_of(&desired[0], "guestbook", "/ConfigMap"), extra];
    let cmp = run(&app, &desired, &live);
    let generated = status_of(&cmp, "ConfigMap", "generated");
    assert_eq!(generated.status, Some(SyncStatusCode::OutOfSync));
    assert!(generated.requires_pruning);
    assert_eq!(cmp.sync_status, SyncStatusCode::Synced);
}

#[test]
fn ignore_differences_of_the_app_apply() {
    let app = app(json!({"ignoreDifferences": [
        {"group": "apps", "kind": "Deployment", "jsonPointers": ["/spec/replicas"]}
    ]}));
    let desired = [deployment(3)];
    let live = [rolled_out(
        live_of(&deployment(1), "guestbook", "apps/Deployment"),
        1,
    )];
    let cmp = run(&app, &desired, &live);
    assert_eq!(cmp.sync_status, SyncStatusCode::Synced);
    assert_eq!(
        status_of(&cmp, "Deployment", "web").status,
        Some(SyncStatusCode::Synced)
    );
}

#[test]
fn secret_values_are_masked_in_diffs() {
    let app = app(json!({}));
    let desired = [
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds"},
                          "data": {"password": "c2VjcmV0LW5ldw=="}}),
    ];
    let mut live = live_of(&desired[0], "guestbook", "/Secret");
    live["data"]["password"] = json!("c2VjcmV0LW9sZA==");
    let cmp = run(&app, &desired, &[live]);
    assert_eq!(cmp.sync_status, SyncStatusCode::OutOfSync);
    let diff = &cmp.diffs[0];
    assert!(diff.result.modified);
    let text = format!(
        "{} {}",
        diff.result.predicted_live, diff.result.normalized_live
    );
    assert!(!text.contains("c2VjcmV0"), "secret leaked: {text}");
    assert!(text.contains("++++++++"), "{text}");
}

#[test]
fn a_resource_tracked_by_another_app_is_a_shared_resource_warning() {
    let app = app(json!({}));
    let desired = [config_map("cfg", "1")];
    let live = [live_of(&desired[0], "other", "/ConfigMap")];
    let cmp = run(&app, &desired, &live);
    assert_eq!(cmp.conditions.len(), 1);
    assert_eq!(cmp.conditions[0].condition_type, "SharedResourceWarning");
    assert_eq!(
        cmp.conditions[0].message,
        "ConfigMap/cfg is part of applications guestbook and other"
    );
}

#[test]
fn repeated_desired_resources_are_warned_about() {
    let app = app(json!({}));
    let cmp = run(&app, &[config_map("cfg", "1"), config_map("cfg", "2")], &[]);
    assert_eq!(cmp.resources.len(), 1);
    assert_eq!(cmp.conditions[0].condition_type, "RepeatedResourceWarning");
    assert!(cmp.conditions[0].message.contains("/ConfigMap/web/cfg"));
}

#[test]
fn cluster_scoped_objects_have_no_namespace() {
    let app = app(json!({}));
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}});
    let cmp = run(&app, &[ns], &[]);
    assert_eq!(cmp.resources[0].namespace, "");
    assert!(
        cmp.modified
            .contains_key(&ResourceKey::new("", "Namespace", "", "team"))
    );
}

#[test]
fn nothing_live_means_missing_health() {
    let app = app(json!({}));
    let cmp = run(&app, &[deployment(1)], &[]);
    assert_eq!(cmp.health.status, HealthStatusCode::Missing);
    assert_eq!(cmp.sync_status, SyncStatusCode::OutOfSync);
}

#[test]
fn degraded_resource_degrades_the_app() {
    let app = app(json!({}));
    let desired = [deployment(1)];
    let mut live = rolled_out(live_of(&desired[0], "guestbook", "apps/Deployment"), 1);
    live["status"]["conditions"] = json!([{
        "type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
        "message": "ReplicaSet \"web-1\" has timed out progressing."
    }]);
    let cmp = run(&app, &desired, &[live]);
    assert_eq!(cmp.health.status, HealthStatusCode::Degraded);
    assert!(
        cmp.health.message.contains("apps/Deployment:web/web"),
        "{}",
        cmp.health.message
    );
}

#[test]
fn write_status_keeps_the_health_transition_time_while_unchanged() {
    let mut app = app(json!({}));
    let desired = [config_map("cfg", "1")];
    let live = [live_of(&desired[0], "guestbook", "/ConfigMap")];
    let cmp = run(&app, &desired, &live);
    cmp.write_status(&mut app, "2026-11-23T13:00:00Z");
    cmp.write_status(&mut app, "2026-11-23T13:05:00Z");
    let status = &app.status;
    assert_eq!(status.sync.status, SyncStatusCode::Synced);
    assert_eq!(status.sync.revision, "abc123");
    assert_eq!(
        status
            .sync
            .compared_to
            .as_ref()
            .unwrap()
            .destination
            .namespace,
        "web"
    );
    let health = status.health.as_ref().unwrap();
    assert_eq!(health.status, HealthStatusCode::Healthy);
    assert_eq!(
        health.last_transition_time.as_deref(),
        Some("2026-11-23T13:00:00Z")
    );
    assert_eq!(
        status.reconciled_at.as_deref(),
        Some("2026-11-23T13:05:00Z")
    );
    let value = app.to_value();
    assert_eq!(value["status"]["resources"][0]["status"], "Synced");
    assert!(
        value["status"]["resources"][0]
            .get("requiresPruning")
            .is_none()
    );
}

#[test]
fn a_diff_that_cannot_be_computed_is_a_comparison_error() {
    // An ignoreDifferences jq expression that does not parse makes every diff fail.
    let app = app(json!({"ignoreDifferences": [
        {"kind": "ConfigMap", "jqPathExpressions": [".data[[["]}
    ]}));
    let desired = [config_map("cfg", "1")];
    let live = [live_of(&desired[0], "guestbook", "/ConfigMap")];
    let cmp = run(&app, &desired, &live);
    assert_eq!(cmp.sync_status, SyncStatusCode::Unknown);
    assert_eq!(
        status_of(&cmp, "ConfigMap", "cfg").status,
        Some(SyncStatusCode::Unknown)
    );
    assert_eq!(cmp.conditions.len(), 1);
    assert_eq!(cmp.conditions[0].condition_type, "ComparisonError");
    assert!(
        cmp.conditions[0]
            .message
            .starts_with("Failed to compare desired state to live state"),
        "{}",
        cmp.conditions[0].message
    );
    assert!(cmp.modified.is_empty());
}

#[test]
fn discovery_decides_the_scope_of_custom_resources() {
    let app = app(json!({}));
    let cluster_cr =
        json!({"apiVersion": "example.com/v1", "kind": "Tenant", "metadata": {"name": "acme"}});
    let namespaced_cr =
        json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}});
    let rules = HealthRules::builtin();
    let settings = settings();
    let api = [
        gitops_engine::sync::ApiResource {
            group: "example.com".into(),
            kind: "Tenant".into(),
            namespaced: false,
        },
        gitops_engine::sync::ApiResource {
            group: "example.com".into(),
            kind: "Widget".into(),
            namespaced: true,
        },
    ];
    let cmp = compare(&CompareInput {
        app: &app,
        revision: "abc123",
        desired: &[cluster_cr, namespaced_cr],
        live: &[],
        health_rules: &rules,
        settings: &settings,
        api_resources: Some(&api),
    });
    assert_eq!(status_of(&cmp, "Tenant", "acme").namespace, "");
    assert_eq!(status_of(&cmp, "Widget", "w").namespace, "web");
}

#[test]
fn the_application_itself_does_not_count_in_its_health() {
    // A self-managed app: its own Application object is among its resources.
    let app = app(json!({}));
    let mut own = json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
        "metadata": {"name": "guestbook", "namespace": "argocd"},
        "spec": {"project": "default"}
    });
    let desired = [own.clone()];
    own["metadata"]["annotations"] =
        json!({TRACKING: "guestbook:argoproj.io/Application:argocd/guestbook"});
    own["status"] = json!({"health": {"status": "Degraded"}});
    let rules = HealthRules::builtin().with_application_health();
    let settings = settings();
    let cmp = compare(&CompareInput {
        app: &app,
        revision: "abc123",
        desired: &desired,
        live: &[own],
        health_rules: &rules,
        settings: &settings,
        api_resources: None,
    });
    assert_eq!(
        status_of(&cmp, "Application", "guestbook")
            .health
            .as_ref()
            .map(|h| h.status),
        Some(HealthStatusCode::Degraded)
    );
    assert_eq!(cmp.health.status, HealthStatusCode::Healthy);
}

#[test]
fn status_is_ignored_by_default_as_in_argo_cd() {
    let app = app(json!({}));
    let mut desired = json!({"apiVersion": "example.com/v1", "kind": "Widget",
        "metadata": {"name": "w"}, "spec": {"size": 1}, "status": {"phase": "Planned"}});
    let mut live = live_of(&desired, "guestbook", "example.com/Widget");
    live["status"] = json!({"phase": "Running"});
    let cmp = run(&app, std::slice::from_ref(&desired), &[live.clone()]);
    assert_eq!(cmp.sync_status, SyncStatusCode::Synced);
    // A spec change is still a difference.
    desired["spec"]["size"] = json!(2);
    let cmp = run(&app, &[desired], &[live]);
    assert_eq!(cmp.sync_status, SyncStatusCode::OutOfSync);
}
