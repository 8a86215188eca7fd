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

/// Waits until the sync of `team-a-app` failed because project team-a does
/// not permit the cluster-scoped RBAC `kind`, and checks the operation's
/// message (a retry is refused the same way; its message then says how
/// often). Returns the app and the per-resource message.
async fn wait_for_refusal(env: &Env, kind: &str) -> (Value, String) {
    let app = env
        .wait_for_app("the sync refused", "team-a-app", |a| {
            a["status"]["operationState"]["phase"] == "Failed"
        })
        .await;
    let message =
        format!("resource rbac.authorization.k8s.io:{kind} is not permitted in project team-a");
    let operation_message = app["status"]["operationState"]["message"].as_str().unwrap();
    assert!(
        operation_message.starts_with(&format!(
            "one or more synchronization tasks are not valid: {message}"
        )),
        "{operation_message}"
    );
    (app, message)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_role_binding_outside_the_project_is_never_created() {
    let env = Env::start().await;
    env.up.write("team/settings.yaml", &config_map_yaml("one"));
    env.up.write("team/crb.yaml", CRB_YAML);
    env.up.commit("team app with a cluster-admin binding");
    env.create(&team_project()).await;
    env.create(&team_app(&env, "team-a")).await;

    let (app, message) = wait_for_refusal(&env, "ClusterRoleBinding").await;
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

/// An Application named `web` in `namespace`, deploying `path` with project `project`.
fn app_in(env: &Env, namespace: &str, path: &str, project: &str) -> Value {
    let mut app = team_app(env, project);
    app["metadata"] = json!({"name": "web", "namespace": namespace});
    app["spec"]["source"]["path"] = json!(path);
    app
}

fn app_in_ref(namespace: &str) -> ObjectRef {
    ObjectRef {
        gvk: Gvk::new("argoproj.io", "v1alpha1", "Application"),
        namespace: namespace.into(),
        name: "web".into(),
    }
}

fn marker_cm_yaml(name: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  by: \"{name}\"\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apps_in_other_namespaces_need_the_flag_and_the_projects_source_namespaces() {
    let env = Env::start_with(std::time::Duration::from_millis(100), |settings| {
        settings.application_namespaces = vec!["team-*".into()];
    })
    .await;
    for (dir, name) in [("a", "from-a"), ("b", "from-b"), ("other", "from-other")] {
        env.up
            .write(&format!("{dir}/cm.yaml"), &marker_cm_yaml(name));
    }
    env.up.commit("one app per namespace");
    for ns in ["team-a", "team-b", "other"] {
        env.create(&json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}))
            .await;
    }
    let mut project = team_project();
    project["spec"]["sourceNamespaces"] = json!(["team-a"]);
    env.create(&project).await;
    env.create(&app_in(&env, "team-a", "a", "team-a")).await;
    env.create(&app_in(&env, "team-b", "b", "team-a")).await;
    env.create(&app_in(&env, "other", "other", "team-a")).await;

    let cm = |name: &str| ObjectRef {
        gvk: Gvk::new("", "v1", "ConfigMap"),
        namespace: "demo".into(),
        name: name.into(),
    };
    // team-a: enabled by the flag and listed by the project's sourceNamespaces.
    env.wait_for("team-a/web synced", "web", || async {
        env.get(&app_in_ref("team-a"))
            .await
            .filter(|a| summary(a).0 == "Synced")
    })
    .await;
    let deployed = env
        .wait_for_object("team-a/web deployed", "web", &cm("from-a"), |_| true)
        .await;
    // Its instance name is `<namespace>_<name>`.
    assert_eq!(
        deployed["metadata"]["annotations"]["argocd.argoproj.io/tracking-id"],
        "team-a_web:/ConfigMap:demo/from-a"
    );

    // team-b: enabled by the flag, but the project does not list the namespace.
    let refused = env
        .wait_for("team-b/web refused", "web", || async {
            env.get(&app_in_ref("team-b"))
                .await
                .filter(|a| condition(a, "UnknownError").is_some())
        })
        .await;
    assert_eq!(
        condition(&refused, "UnknownError").as_deref(),
        Some("application 'web' in namespace 'team-b' is not permitted to use project 'team-a'")
    );
    assert_eq!(summary(&refused).1, "Unknown");
    assert_eq!(env.get(&cm("from-b")).await, None);

    // other: not matched by the flag, so the controller leaves it alone.
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let ignored = env.get(&app_in_ref("other")).await.expect("app exists");
    assert!(ignored["status"].is_null(), "{ignored:#}");
    assert_eq!(env.get(&cm("from-other")).await, None);
    env.stop().await;
}

const SERVICE_ACCOUNT_YAML: &str = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: bot\n";

const PRE_SYNC_CLUSTER_ROLE_YAML: &str = "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: team-a-hook
  annotations:
    argocd.argoproj.io/hook: PreSync
rules: []
";

fn bot() -> ObjectRef {
    ObjectRef {
        gvk: Gvk::new("", "v1", "ServiceAccount"),
        namespace: "demo".into(),
        name: "bot".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prune_never_deletes_a_kind_the_project_stopped_permitting() {
    let env = Env::start().await;
    env.up.write("team/settings.yaml", &config_map_yaml("one"));
    env.up.write("team/bot.yaml", SERVICE_ACCOUNT_YAML);
    env.up.commit("a ConfigMap and a ServiceAccount");
    env.create(&team_project()).await;
    env.create(&team_app(&env, "team-a")).await;
    env.wait_for_object("the ServiceAccount created", "team-a-app", &bot(), |_| true)
        .await;
    env.wait_for_app("synced", "team-a-app", |a| summary(a).0 == "Synced")
        .await;

    // The project stops permitting ServiceAccounts; Git drops the one it has.
    env.patch(
        &project_ref("team-a"),
        json!({"spec": {"namespaceResourceBlacklist": [{"group": "", "kind": "ServiceAccount"}]}}),
    )
    .await;
    env.up.git(&["rm", "-q", "team/bot.yaml"]);
    env.up.write("team/settings.yaml", &config_map_yaml("two"));
    env.up.commit("value two, no ServiceAccount");
    env.wait_for_object("value two deployed", "team-a-app", &settings_cm(), |cm| {
        cm["data"]["value"] == "two"
    })
    .await;
    let app = env
        .wait_for_app("the automated sync done", "team-a-app", |a| {
            a["status"]["operationState"]["phase"] == "Succeeded"
                && a["status"]["sync"]["status"] == "Synced"
                && a["status"]["operationState"]["syncResult"]["revision"]
                    == a["status"]["sync"]["revision"]
        })
        .await;
    // The live ServiceAccount is left out of the comparison, so it is not pruned.
    assert!(env.get(&bot()).await.is_some(), "{app:#}");
    let listed = app["status"]["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|r| r["kind"] == "ServiceAccount");
    assert!(!listed, "{app:#}");
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hook_of_a_kind_the_project_forbids_is_refused_and_nothing_applied() {
    let env = Env::start().await;
    env.up.write("team/settings.yaml", &config_map_yaml("one"));
    env.up.write("team/hook.yaml", PRE_SYNC_CLUSTER_ROLE_YAML);
    env.up.commit("a PreSync ClusterRole hook");
    env.create(&team_project()).await;
    env.create(&team_app(&env, "team-a")).await;
    wait_for_refusal(&env, "ClusterRole").await;
    let hook = ObjectRef {
        gvk: Gvk::new("rbac.authorization.k8s.io", "v1", "ClusterRole"),
        namespace: String::new(),
        name: "team-a-hook".into(),
    };
    assert_eq!(env.get(&hook).await, None);
    assert_eq!(env.get(&settings_cm()).await, None);
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollback_to_a_revision_with_a_forbidden_resource_is_refused() {
    let env = Env::start().await;
    env.up.write("team/settings.yaml", &config_map_yaml("one"));
    env.up.write("team/crb.yaml", CRB_YAML);
    env.up.commit("value one with a binding");
    let mut project = team_project();
    project["spec"]["clusterResourceWhitelist"] =
        json!([{"group": "rbac.authorization.k8s.io", "kind": "ClusterRoleBinding"}]);
    env.create(&project).await;
    let mut app = team_app(&env, "team-a");
    app["spec"]["syncPolicy"] = json!({"syncOptions": ["CreateNamespace=true"]});
    env.create(&app).await;
    let sync = |prune: bool| json!({"operation": {"sync": {"prune": prune}, "initiatedBy": {"username": "tester"}}});
    env.patch(&app_ref("team-a-app"), sync(false)).await;
    env.wait_for_app("first deployment", "team-a-app", |a| summary(a).2 == 1)
        .await;
    assert!(env.get(&crb()).await.is_some());

    env.up.git(&["rm", "-q", "team/crb.yaml"]);
    env.up.write("team/settings.yaml", &config_map_yaml("two"));
    env.up.commit("value two, no binding");
    env.wait_for_app("compared with value two", "team-a-app", |a| {
        summary(a).0 == "OutOfSync"
    })
    .await;
    env.patch(&app_ref("team-a-app"), sync(true)).await;
    let app = env
        .wait_for_app("second deployment", "team-a-app", |a| summary(a).2 == 2)
        .await;
    env.wait_for("the binding pruned", "team-a-app", || async {
        env.get(&crb()).await.is_none().then_some(())
    })
    .await;

    // The project stops permitting the binding; a rollback to the first
    // deployment would create it again, so it is refused.
    env.patch(
        &project_ref("team-a"),
        json!({"spec": {"clusterResourceWhitelist": []}}),
    )
    .await;
    let parsed = gitops_engine::app::Application::from_value(&app).expect("app");
    let first = parsed.status.history[0].id;
    let rollback = gitops_engine::app::rollback_operation(&parsed, first).expect("rollback");
    env.patch(
        &app_ref("team-a-app"),
        json!({"operation": serde_json::to_value(&rollback).expect("json")}),
    )
    .await;
    let app = env
        .wait_for_app("the rollback refused", "team-a-app", |a| {
            a["status"]["operationState"]["phase"] == "Failed"
        })
        .await;
    assert_eq!(
        app["status"]["operationState"]["message"],
        "one or more synchronization tasks are not valid: resource rbac.authorization.k8s.io:ClusterRoleBinding is not permitted in project team-a"
    );
    assert_eq!(env.get(&crb()).await, None);
    let cm = env.get(&settings_cm()).await.expect("ConfigMap");
    assert_eq!(cm["data"]["value"], "two");
    assert_eq!(summary(&app).2, 2);
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_project_change_rechecks_its_apps_at_once() {
    // No periodic resync within the test: only the project change can wake the app.
    let env = Env::start_with(std::time::Duration::from_millis(100), |settings| {
        settings.resync = std::time::Duration::from_secs(3600);
    })
    .await;
    env.up.write("team/settings.yaml", &config_map_yaml("one"));
    env.up.commit("team app");
    env.create(&team_project()).await;
    env.create(&team_app(&env, "team-a")).await;
    env.wait_for_app("synced", "team-a-app", |a| {
        summary(a).0 == "Synced" && a["status"]["operationState"]["phase"] == "Succeeded"
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;

    env.patch(
        &project_ref("team-a"),
        json!({"spec": {"destinations": [{"server": "*", "namespace": "!demo"}]}}),
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
            "application destination server 'https://kubernetes.default.svc' and namespace 'demo' do not match any of the allowed destinations in project 'team-a'"
        )
    );
    assert_eq!(summary(&app).0, "Unknown");
    env.stop().await;
}

const SLOW_DEPLOYMENT_YAML: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx
";

/// A deny window that opens while a sync runs holds it where it is (notes §2.4:
/// the operation stays `Running` with `Sync operation blocked by sync window`);
/// it goes on once the windows allow it again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deny_window_opening_during_a_sync_holds_it() {
    // Workloads turn healthy 4 s after a write: the sync waits in wave 0.
    let env = Env::start_with_status_delay(std::time::Duration::from_secs(4)).await;
    env.up.write("team/deployment.yaml", SLOW_DEPLOYMENT_YAML);
    env.up.write(
        "team/settings.yaml",
        &config_map_yaml("one").replace(
            "metadata:\n",
            "metadata:\n  annotations:\n    argocd.argoproj.io/sync-wave: \"1\"\n",
        ),
    );
    env.up.commit("a Deployment, then a ConfigMap");
    env.create(&team_project()).await;
    env.create(&team_app(&env, "team-a")).await;
    env.wait_for_object(
        "wave 0 applied",
        "team-a-app",
        &controller_support::web_deployment(),
        |_| true,
    )
    .await;
    env.patch(
        &project_ref("team-a"),
        json!({"spec": {"syncWindows": [{
            "kind": "deny", "schedule": "* * * * *", "duration": "1h", "applications": ["team-*"],
        }]}}),
    )
    .await;
    let app = env
        .wait_for_app("the sync held", "team-a-app", |a| {
            a["status"]["operationState"]["message"] == "Sync operation blocked by sync window"
        })
        .await;
    assert_eq!(app["status"]["operationState"]["phase"], "Running");
    // Held past the Deployment turning healthy: wave 1 is not applied.
    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    let app = env.app("team-a-app").await;
    assert_eq!(
        app["status"]["operationState"]["phase"], "Running",
        "{app:#}"
    );
    assert_eq!(env.get(&settings_cm()).await, None);

    // The window goes: the sync resumes and ends.
    env.patch(&project_ref("team-a"), json!({"spec": {"syncWindows": []}}))
        .await;
    env.wait_for_object("wave 1 applied", "team-a-app", &settings_cm(), |_| true)
        .await;
    env.wait_for_app("the sync done", "team-a-app", |a| {
        a["status"]["operationState"]["phase"] == "Succeeded"
    })
    .await;
    env.stop().await;
}
