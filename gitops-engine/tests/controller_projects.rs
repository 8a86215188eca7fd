//! End to end: AppProjects fence a team's Application in (Git repository, API
//! server emulator, controller).

mod controller_support;
mod source_support;

use controller_support::{ARGOCD, Env, app_ref, condition, config_map_yaml, settings_cm, summary};
use gitops_engine::cluster::{Gvk, ObjectRef};
use serde_json::{Value, json};

const CRB_YAML: &str = "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: team-a-admin
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
- kind: ServiceAccount
  name: default
  namespace: demo
";

fn crb() -> ObjectRef {
    ObjectRef {
        gvk: Gvk::new("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding"),
        namespace: String::new(),
        name: "team-a-admin".into(),
    }
}

fn project_ref(name: &str) -> ObjectRef {
    ObjectRef {
        gvk: Gvk::new("argoproj.io", "v1alpha1", "AppProject"),
        namespace: ARGOCD.into(),
        name: name.into(),
    }
}

/// Team A's project: any repository, namespace `demo` of the local cluster, no
/// cluster-scoped kinds.
fn team_project() -> Value {
    json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": "team-a", "namespace": ARGOCD},
        "spec": {
            "sourceRepos": ["*"],
            "destinations": [{"server": "https://kubernetes.default.svc", "namespace": "demo"}],
        },
    })
}

fn team_app(env: &Env, project: &str) -> Value {
    let mut app = env.application(
        "team-a-app",
        "team",
        json!({
            "automated": {"prune": true},
            "syncOptions": ["CreateNamespace=true"],
            "retry": {"limit": 1, "backoff": {"duration": "1s", "factor": 1, "maxDuration": "1s"}},
        }),
    );
    app["spec"]["project"] = json!(project);
    app
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_role_binding_outside_the_project_is_never_created() {
    let env = Env::start().await;
    env.up.write("team/settings.yaml", &config_map_yaml("one"));
    env.up.write("team/crb.yaml", CRB_YAML);
    env.up.commit("team app with a cluster-admin binding");
    env.create(&team_project()).await;
    env.create(&team_app(&env, "team-a")).await;

    let app = env
        .wait_for_app("the sync refused", "team-a-app", |a| {
            a["status"]["operationState"]["phase"] == "Failed"
        })
        .await;
    let message =
        "resource rbac.authorization.k8s.io:ClusterRoleBinding is not permitted in project team-a";
    // The retry was refused the same way.
    let operation_message = app["status"]["operationState"]["message"].as_str().unwrap();
    assert!(
        operation_message.starts_with(&format!(
            "one or more synchronization tasks are not valid: {message}"
        )),
        "{operation_message}"
    );
    let results = &app["status"]["operationState"]["syncResult"]["resources"];
    assert_eq!(results[0]["kind"], "ClusterRoleBinding");
    assert_eq!(results[0]["status"], "SyncFailed");
    assert_eq!(results[0]["message"], message);
    let crb_status = app["status"]["resources"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["kind"] == "ClusterRoleBinding"))
        .map(|r| r["status"].clone());
    assert_eq!(crb_status, Some(json!("Unknown")));
    // Nothing at all was applied: neither the binding nor the permitted ConfigMap.
    assert_eq!(env.get(&crb()).await, None);
    assert_eq!(env.get(&settings_cm()).await, None);

    // The default project exists, created by the controller.
    let default = env
        .get(&project_ref("default"))
        .await
        .expect("default project");
    assert_eq!(default["spec"]["sourceRepos"], json!(["*"]));

    // Once the project allows the kind, the same app deploys both objects.
    env.patch(
        &project_ref("team-a"),
        json!({"spec": {"clusterResourceWhitelist": [
            {"group": "rbac.authorization.k8s.io", "kind": "ClusterRoleBinding"}
        ]}}),
    )
    .await;
    // A failed revision is not synced again automatically: the next commit is.
    env.up.write("team/settings.yaml", &config_map_yaml("two"));
    env.up.commit("value two");
    env.wait_for_object("the binding created", "team-a-app", &crb(), |_| true)
        .await;
    env.wait_for_object(
        "the ConfigMap created",
        "team-a-app",
        &settings_cm(),
        |_| true,
    )
    .await;
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_of_a_missing_or_narrowed_project_does_not_sync() {
    let env = Env::start().await;
    env.up.write("team/settings.yaml", &config_map_yaml("one"));
    env.up.commit("team app");
    env.create(&team_app(&env, "team-x")).await;
    let app = env
        .wait_for_app("the missing project reported", "team-a-app", |a| {
            condition(a, "InvalidSpecError").is_some()
        })
        .await;
    assert_eq!(
        condition(&app, "InvalidSpecError").as_deref(),
        Some("Application referencing project team-x which does not exist")
    );
    assert_eq!(summary(&app).1, "Unknown");
    assert_eq!(env.get(&settings_cm()).await, None);

    // The project appears: the app syncs.
    let mut project = team_project();
    project["metadata"]["name"] = json!("team-x");
    env.create(&project).await;
    env.wait_for_app("synced once the project exists", "team-a-app", |a| {
        summary(a).0 == "Synced" && condition(a, "InvalidSpecError").is_none()
    })
    .await;

    // The project stops listing the destination: the app stops and says why.
    env.patch(
        &project_ref("team-x"),
        json!({"spec": {"destinations": [{"server": "*", "namespace": "team-x-*"}]}}),
    )
    .await;
    let app = env
        .wait_for_app("the destination refused", "team-a-app", |a| {
            condition(a, "InvalidSpecError").is_some()
        })
        .await;
    assert_eq!(
        condition(&app, "InvalidSpecError").as_deref(),
        Some(
            "application destination server 'https://kubernetes.default.svc' and namespace 'demo' do not match any of the allowed destinations in project 'team-x'"
        )
    );
    assert_eq!(summary(&app).0, "Unknown");
    // The next commit is not deployed.
    env.up.write("team/settings.yaml", &config_map_yaml("two"));
    env.up.commit("value two");
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let cm = env.get(&settings_cm()).await.expect("still there");
    assert_eq!(cm["data"]["value"], "one");
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untracked_object_in_the_destination_is_an_orphan_warning() {
    let env = Env::start().await;
    env.up.write("team/settings.yaml", &config_map_yaml("one"));
    env.up.commit("team app");
    let mut project = team_project();
    project["spec"]["orphanedResources"] = json!({"warn": true});
    env.create(&project).await;
    env.create(&json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo"}}))
        .await;
    env.create(&json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "stray", "namespace": "demo"},
        "data": {"made": "by hand"},
    }))
    .await;
    env.create(&team_app(&env, "team-a")).await;
    let app = env
        .wait_for_app("the orphan reported", "team-a-app", |a| {
            summary(a).0 == "Synced" && condition(a, "OrphanedResourceWarning").is_some()
        })
        .await;
    assert_eq!(
        condition(&app, "OrphanedResourceWarning").as_deref(),
        Some("Application has 1 orphaned resources")
    );
    // The orphan is reported, never pruned.
    let stray = ObjectRef {
        gvk: Gvk::new("", "v1", "ConfigMap"),
        namespace: "demo".into(),
        name: "stray".into(),
    };
    assert!(env.get(&stray).await.is_some());
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deny_window_stops_automated_sync_and_manual_sync_needs_manual_sync() {
    let env = Env::start().await;
    env.up.write("team/settings.yaml", &config_map_yaml("one"));
    env.up.commit("team app");
    let mut project = team_project();
    project["spec"]["syncWindows"] = json!([{
        "kind": "deny", "schedule": "* * * * *", "duration": "1h", "applications": ["team-*"],
    }]);
    env.create(&project).await;
    env.create(&team_app(&env, "team-a")).await;

    // Compared, OutOfSync, and no automated sync started.
    let app = env
        .wait_for_app("compared", "team-a-app", |a| summary(a).0 == "OutOfSync")
        .await;
    assert!(app["status"]["operationState"].is_null(), "{app:#}");
    assert_eq!(env.get(&settings_cm()).await, None);

    // A manual sync waits while the window has no manualSync.
    env.patch(
        &app_ref("team-a-app"),
        json!({"operation": {"sync": {}, "initiatedBy": {"username": "tester"}}}),
    )
    .await;
    let app = env
        .wait_for_app("the manual sync held", "team-a-app", |a| {
            a["status"]["operationState"]["message"] == "Sync operation blocked by sync window"
        })
        .await;
    assert_eq!(app["status"]["operationState"]["phase"], "Running");
    assert_eq!(env.get(&settings_cm()).await, None);

    // With manualSync the held sync goes through; automated ones still would not.
    env.patch(
        &project_ref("team-a"),
        json!({"spec": {"syncWindows": [{
            "kind": "deny", "schedule": "* * * * *", "duration": "1h",
            "applications": ["team-*"], "manualSync": true,
        }]}}),
    )
    .await;
    env.wait_for_object(
        "the manual sync applied",
        "team-a-app",
        &settings_cm(),
        |_| true,
    )
    .await;
    let app = env
        .wait_for_app("the manual sync done", "team-a-app", |a| {
            a["status"]["operationState"]["phase"] == "Succeeded"
        })
        .await;
    assert_eq!(
        app["status"]["operationState"]["operation"]["initiatedBy"]["username"],
        "tester"
    );
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_global_project_lends_its_destinations_to_the_projects_it_selects() {
    let env = Env::start().await;
    env.up.write("team/settings.yaml", &config_map_yaml("one"));
    env.up.commit("team app");
    let mut team = team_project();
    team["metadata"]["labels"] = json!({"tier": "team"});
    team["spec"]["destinations"] = json!([]);
    env.create(&team).await;
    let mut shared = team_project();
    shared["metadata"]["name"] = json!("shared");
    env.create(&shared).await;
    env.create(&team_app(&env, "team-a")).await;
    env.wait_for_app("the destination refused", "team-a-app", |a| {
        condition(a, "InvalidSpecError").is_some()
    })
    .await;

    env.create(&json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "argocd-cm", "namespace": ARGOCD},
        "data": {"globalProjects":
            "- projectName: shared\n  labelSelector:\n    matchLabels:\n      tier: team\n"},
    }))
    .await;
    env.wait_for_app("synced with the global destination", "team-a-app", |a| {
        summary(a).0 == "Synced" && condition(a, "InvalidSpecError").is_none()
    })
    .await;
    env.wait_for_object("deployed", "team-a-app", &settings_cm(), |_| true)
        .await;
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn project_scoped_repositories_and_clusters_are_what_the_project_permits() {
    let env = Env::start().await;
    env.up.write("team/settings.yaml", &config_map_yaml("one"));
    env.up.commit("team app");
    let mut project = team_project();
    project["spec"]["sourceRepos"] = json!([]);
    project["spec"]["destinations"] = json!([{"server": "*", "namespace": "*"}]);
    project["spec"]["permitOnlyProjectScopedClusters"] = json!(true);
    env.create(&project).await;
    env.create(&team_app(&env, "team-a")).await;
    let app = env
        .wait_for_app("the repository refused", "team-a-app", |a| {
            condition(a, "InvalidSpecError").is_some()
        })
        .await;
    assert_eq!(
        condition(&app, "InvalidSpecError"),
        Some(format!(
            "application repo {} is not permitted in project 'team-a'",
            env.up.url()
        ))
    );

    // A repository Secret scoped to the project adds its URL to sourceRepos.
    env.create(&json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "team-a-repo", "namespace": ARGOCD,
                     "labels": {"argocd.argoproj.io/secret-type": "repository"}},
        "stringData": {"url": env.up.url(), "project": "team-a"},
    }))
    .await;
    // The destination matches `*`, but no cluster Secret is scoped to the project.
    let destination = "application destination server 'https://kubernetes.default.svc' and namespace 'demo' do not match any of the allowed destinations in project 'team-a'";
    env.wait_for_app("the unscoped cluster refused", "team-a-app", |a| {
        condition(a, "InvalidSpecError").as_deref() == Some(destination)
    })
    .await;
    assert_eq!(env.get(&settings_cm()).await, None);

    // The local cluster's Secret scoped to the project: the app deploys.
    env.create(&json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "in-cluster", "namespace": ARGOCD,
                     "labels": {"argocd.argoproj.io/secret-type": "cluster"}},
        "stringData": {"name": "in-cluster", "server": "https://kubernetes.default.svc",
                       "project": "team-a", "config": "{}"},
    }))
    .await;
    env.wait_for_app("synced on the scoped cluster", "team-a-app", |a| {
        summary(a).0 == "Synced" && condition(a, "InvalidSpecError").is_none()
    })
    .await;
    env.wait_for_object("deployed", "team-a-app", &settings_cm(), |_| true)
        .await;
    env.stop().await;
}
