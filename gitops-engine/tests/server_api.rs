//! The API server's endpoints against the emulator with the controller running: what
//! an Argo CD API client (the web UI, pipelines) sees and can do.

mod controller_support;
mod server_support;
mod source_support;

use std::time::Duration;

use controller_support::{
    Env, app_ref, config_map_yaml, deployment_yaml, kustomization_yaml, settings_cm, summary,
    web_deployment,
};
use gitops_engine::cluster::Cluster;
use serde_json::{Value, json};
use server_support::Api;

/// The base64 of the Secret's value, which no answer may contain.
const SECRET_B64: &str = "c2VjcmV0LXZhbHVl";

/// A repository with `app/` = web Deployment + settings ConfigMap (value `value`) +
/// Secret `creds`.
fn seed(env: &Env, value: &str) -> String {
    env.up
        .write("app/deployment.yaml", &deployment_yaml("nginx"));
    env.up.write("app/settings.yaml", &config_map_yaml(value));
    env.up.write(
        "app/secret.yaml",
        &format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\ndata:\n  token: {SECRET_B64}\n"
        ),
    );
    env.up.write(
        "app/kustomization.yaml",
        &kustomization_yaml(
            &["deployment.yaml", "settings.yaml", "secret.yaml"],
            Some("1.0"),
        ),
    );
    env.up.commit(&format!("settings {value}"))
}

fn manual_sync() -> Value {
    json!({"syncOptions": ["CreateNamespace=true"]})
}

async fn synced_healthy(env: &Env, name: &str, history: usize) -> Value {
    env.wait_for_app("Synced and Healthy", name, |a| {
        summary(a) == ("Synced".into(), "Healthy".into(), history)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_get_sync_tree_diff_events_rollback_delete() {
    let env = Env::start().await;
    let cache = tempfile::tempdir().expect("cache dir");
    let api = Api::serve(&env, cache.path()).await;
    let first = seed(&env, "one");
    env.create(&env.application("guestbook", "app", manual_sync()))
        .await;
    env.wait_for_app("OutOfSync", "guestbook", |a| {
        a["status"]["sync"]["status"] == "OutOfSync"
    })
    .await;

    let health = api.get("/healthz").await;
    assert_eq!((health.status, health.body), (200, json!("ok")));
    let version = api.get("/api/version").await;
    assert!(version.body["Version"].as_str().unwrap().starts_with('v'));

    // List, with the project filter and a label selector.
    let list = api.get("/api/v1/applications").await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    assert_eq!(list.body["items"][0]["metadata"]["name"], "guestbook");
    let other = api.get("/api/v1/applications?projects=other").await;
    assert_eq!(other.body["items"], Value::Null, "no app of project other");
    let both = api
        .get("/api/v1/applications?projects=other&projects=default")
        .await;
    assert_eq!(both.body["items"].as_array().map(Vec::len), Some(1));
    let none = api.get("/api/v1/applications?selector=team%3Dnone").await;
    assert_eq!(none.body["items"], Value::Null);

    // Get, with a refresh the controller acknowledges; a missing app is 404.
    let got = api.get("/api/v1/applications/guestbook?refresh=hard").await;
    assert_eq!(got.status, 200, "{:?}", got.body);
    assert!(got.body["metadata"]["annotations"]["argocd.argoproj.io/refresh"].is_null());
    let hidden = api.get("/api/v1/applications/nope").await;
    assert_eq!(
        (hidden.status, &hidden.body["message"]),
        (403, &json!("permission denied"))
    );
    let missing = api.get("/api/v1/applications/nope?project=default").await;
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.body["message"],
        "applications.argoproj.io \"nope\" not found"
    );
    assert_eq!(missing.body["code"], 5);

    // Sync: the operation is written, the controller runs it.
    let synced = api
        .post(
            "/api/v1/applications/guestbook/sync",
            json!({"prune": true}),
        )
        .await;
    assert_eq!(synced.status, 200, "{:?}", synced.body);
    assert_eq!(synced.body["operation"]["sync"]["prune"], true);
    synced_healthy(&env, "guestbook", 1).await;
    env.wait_for_app("no operation", "guestbook", |a| a["operation"].is_null())
        .await;

    // The tree: Deployment -> ReplicaSet -> Pods, each with health (running,
    // ready Pods of a Deployment are Healthy, as Argo CD shows them).
    let tree = env
        .wait_for("healthy pods in the tree", "guestbook", || async {
            let tree = api
                .get("/api/v1/applications/guestbook/resource-tree")
                .await;
            let nodes = tree.body["nodes"].as_array().cloned().unwrap_or_default();
            nodes
                .iter()
                .any(|n| n["kind"] == "Pod" && n["health"]["status"] == "Healthy")
                .then_some(nodes)
        })
        .await;
    let deployment = tree.iter().find(|n| n["kind"] == "Deployment").unwrap();
    assert_eq!(deployment["health"]["status"], "Healthy");
    assert!(deployment["parentRefs"].is_null());
    let replica_set = tree.iter().find(|n| n["kind"] == "ReplicaSet").unwrap();
    assert_eq!(replica_set["parentRefs"][0]["uid"], deployment["uid"]);
    let pod = tree.iter().find(|n| n["kind"] == "Pod").unwrap();
    assert_eq!(pod["parentRefs"][0]["uid"], replica_set["uid"]);
    assert_eq!(pod["images"], json!(["nginx:1.0"]));
    assert!(tree.iter().any(|n| n["kind"] == "ConfigMap"));

    // A tree object's live manifest; Secret values masked; objects outside the tree refused.
    let pod_manifest = api
        .get(&format!(
            "/api/v1/applications/guestbook/resource?namespace=demo&resourceName={}&version=v1&kind=Pod",
            pod["name"].as_str().unwrap()
        ))
        .await;
    assert_eq!(pod_manifest.status, 200, "{:?}", pod_manifest.body);
    let manifest: Value =
        serde_json::from_str(pod_manifest.body["manifest"].as_str().unwrap()).unwrap();
    assert_eq!(manifest["metadata"]["uid"], pod["uid"]);
    let secret = api
        .get("/api/v1/applications/guestbook/resource?namespace=demo&resourceName=creds&version=v1&kind=Secret")
        .await;
    assert_eq!(secret.status, 200, "{:?}", secret.body);
    assert!(
        !secret.body.to_string().contains(SECRET_B64),
        "{:?}",
        secret.body
    );
    let outside = api
        .get("/api/v1/applications/guestbook/resource?namespace=argocd&resourceName=argocd-secret&version=v1&kind=Secret")
        .await;
    assert_eq!(outside.status, 404);

    // Managed resources: nothing modified, then a "kubectl edit" shows in the diff.
    let managed = api
        .get("/api/v1/applications/guestbook/managed-resources")
        .await;
    assert_eq!(managed.status, 200, "{:?}", managed.body);
    let items = managed.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert!(
        !managed.body.to_string().contains(SECRET_B64),
        "Secret values are masked"
    );
    assert!(items.iter().all(|i| i["modified"] == false), "{items:?}");
    env.patch(&settings_cm(), json!({"data": {"value": "edited"}}))
        .await;
    let managed = api
        .get("/api/v1/applications/guestbook/managed-resources")
        .await;
    let cm = managed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "ConfigMap")
        .unwrap()
        .clone();
    assert_eq!(cm["modified"], true);
    let live: Value = serde_json::from_str(cm["normalizedLiveState"].as_str().unwrap()).unwrap();
    let predicted: Value =
        serde_json::from_str(cm["predictedLiveState"].as_str().unwrap()).unwrap();
    assert_eq!(live["data"]["value"], "edited");
    assert_eq!(predicted["data"]["value"], "one");

    // Events of the app (the controller's OperationStarted/OperationCompleted).
    let events = api.get("/api/v1/applications/guestbook/events").await;
    assert_eq!(events.status, 200, "{:?}", events.body);
    let reasons: Vec<&str> = events.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["reason"].as_str())
        .collect();
    assert!(reasons.contains(&"OperationStarted"), "{reasons:?}");

    // A second deployment, then a rollback to the first.
    let second = seed(&env, "two");
    api.post(
        "/api/v1/applications/guestbook/sync",
        json!({"revision": second}),
    )
    .await;
    synced_healthy(&env, "guestbook", 2).await;
    env.wait_for_app("no operation", "guestbook", |a| a["operation"].is_null())
        .await;
    let unknown = api
        .post(
            "/api/v1/applications/guestbook/rollback",
            json!({"id": "9"}),
        )
        .await;
    assert_eq!(unknown.status, 400);
    assert_eq!(
        unknown.body["message"],
        "application argocd/guestbook does not have deployment with id 9"
    );
    let rolled = api
        .post(
            "/api/v1/applications/guestbook/rollback",
            json!({"id": "0"}),
        )
        .await;
    assert_eq!(rolled.status, 200, "{:?}", rolled.body);
    assert_eq!(rolled.body["operation"]["sync"]["revision"], first.as_str());
    env.wait_for_object("settings back to one", "guestbook", &settings_cm(), |cm| {
        cm["data"]["value"] == "one"
    })
    .await;

    // Delete: a propagation policy without cascade is refused; cascade deletes the
    // resources, then the app.
    let refused = api
        .delete("/api/v1/applications/guestbook?cascade=false&propagationPolicy=foreground")
        .await;
    assert_eq!(refused.status, 400);
    assert_eq!(
        refused.body["message"],
        "cannot set propagation policy when cascading is disabled"
    );
    env.wait_for_app("no operation", "guestbook", |a| a["operation"].is_null())
        .await;
    let deleted = api.delete("/api/v1/applications/guestbook").await;
    assert_eq!((deleted.status, deleted.body), (200, json!({})));
    env.wait_for("app and resources gone", "guestbook", || async {
        let app = env.cluster.get(&app_ref("guestbook")).await.expect("get");
        let web = env.get(&web_deployment()).await;
        (app.is_none() && web.is_none()).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_sends_current_apps_then_changes() {
    let env = Env::start().await;
    let cache = tempfile::tempdir().expect("cache dir");
    let api = Api::serve(&env, cache.path()).await;
    seed(&env, "one");
    env.create(&env.application("guestbook", "app", manual_sync()))
        .await;
    let mut stream = api.stream("").await;
    assert_eq!(stream.status, 200);
    let first = stream.next(Duration::from_secs(10)).await.expect("ADDED");
    assert_eq!(first["result"]["type"], "ADDED");
    assert_eq!(
        first["result"]["application"]["metadata"]["name"],
        "guestbook"
    );
    let synced = api
        .post("/api/v1/applications/guestbook/sync", json!({}))
        .await;
    assert_eq!(synced.status, 200, "{:?}", synced.body);
    let done = stream
        .next_matching(Duration::from_secs(30), |m| {
            m["result"]["type"] == "MODIFIED"
                && m["result"]["application"]["status"]["sync"]["status"] == "Synced"
                && m["result"]["application"]["status"]["health"]["status"] == "Healthy"
        })
        .await;
    assert!(
        done.is_some(),
        "the stream shows the app turn Synced and Healthy"
    );
    let appsets = api.get("/api/v1/applicationsets").await;
    assert_eq!(appsets.status, 200, "{:?}", appsets.body);
    assert_eq!(appsets.body["items"], Value::Null);
    env.stop().await;
}
