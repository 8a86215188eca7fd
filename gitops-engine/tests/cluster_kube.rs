//! `KubeCluster` against the API server emulator: discovery, CRUD, both
//! apply modes, and deletion with propagation.

use std::future::Future;
use std::time::Duration;

use apiserver_emulator::{Emulator, EmulatorHandle};
use gitops_engine::cluster::{
    ApplyMode, Cluster, ClusterError, Gvk, KubeCluster, ObjectRef, PropagationPolicy, WriteOptions,
};
use gitops_engine::diff::LAST_APPLIED_ANNOTATION;
use serde_json::{Value, json};

async fn within<T>(f: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), f)
        .await
        .expect("timed out")
}

async fn cluster() -> (EmulatorHandle, KubeCluster) {
    let emu = within(Emulator::start()).await.expect("emulator");
    let client =
        kube::Client::try_from(kube::Config::new(emu.url().parse().expect("url"))).expect("client");
    (emu, KubeCluster::new(client))
}

fn cm(name: &str, data: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": name, "namespace": "default", "labels": {"app": "demo"}}, "data": data})
}

fn cm_ref(name: &str) -> ObjectRef {
    ObjectRef {
        gvk: Gvk::new("", "v1", "ConfigMap"),
        namespace: "default".into(),
        name: name.into(),
    }
}

#[tokio::test]
async fn discovery_answers_scope_and_plural() {
    let (emu, c) = cluster().await;
    let info = within(c.resource_info(&Gvk::new("apps", "v1", "Deployment")))
        .await
        .expect("deployment");
    assert_eq!(
        (info.plural.as_str(), info.namespaced),
        ("deployments", true)
    );
    let ns = within(c.resource_info(&Gvk::new("", "v1", "Namespace")))
        .await
        .expect("namespace");
    assert!(!ns.namespaced);
    let unknown = within(c.resource_info(&Gvk::new("example.com", "v1", "Nope"))).await;
    assert!(
        matches!(unknown, Err(ClusterError::UnknownKind(_))),
        "{unknown:?}"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn create_get_list_replace_delete() {
    let (emu, c) = cluster().await;
    let created = within(c.create(&cm("a", json!({"k": "1"})), WriteOptions::default()))
        .await
        .expect("create");
    let again = within(c.create(&cm("a", json!({})), WriteOptions::default())).await;
    assert!(
        matches!(again, Err(ClusterError::AlreadyExists(_))),
        "{again:?}"
    );
    within(c.create(&json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "other", "namespace": "default"}}), WriteOptions::default()))
        .await
        .expect("create unlabelled");
    let listed = within(c.list(
        &Gvk::new("", "v1", "ConfigMap"),
        Some("default"),
        "app=demo",
    ))
    .await
    .expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["metadata"]["name"], "a");

    let mut changed = created.clone();
    changed["data"]["k"] = "2".into();
    let replaced = within(c.replace(&changed, WriteOptions::default()))
        .await
        .expect("replace");
    assert_eq!(replaced["data"]["k"], "2");
    let stale = within(c.replace(&changed, WriteOptions::default())).await;
    assert!(
        matches!(stale, Err(ClusterError::Conflict { .. })),
        "{stale:?}"
    );

    assert!(
        within(c.delete(
            &cm_ref("a"),
            PropagationPolicy::Background,
            WriteOptions::default()
        ))
        .await
        .expect("delete")
    );
    assert!(
        !within(c.delete(
            &cm_ref("a"),
            PropagationPolicy::Background,
            WriteOptions::default()
        ))
        .await
        .expect("delete again")
    );
    assert_eq!(within(c.get(&cm_ref("a"))).await.expect("get"), None);
    emu.shutdown().await;
}

#[tokio::test]
async fn client_side_apply_is_three_way() {
    let (emu, c) = cluster().await;
    let first = within(c.apply(
        &cm("a", json!({"keep": "1", "drop": "2"})),
        &ApplyMode::ClientSide,
        WriteOptions::default(),
    ))
    .await
    .expect("create by apply");
    assert!(first["metadata"]["annotations"][LAST_APPLIED_ANNOTATION].is_string());
    // Someone else adds a key; it must survive the next apply.
    let mut foreign = first.clone();
    foreign["data"]["foreign"] = "3".into();
    within(c.replace(&foreign, WriteOptions::default()))
        .await
        .expect("foreign write");

    let dry = within(c.apply(
        &cm("a", json!({"keep": "9"})),
        &ApplyMode::ClientSide,
        WriteOptions { dry_run: true },
    ))
    .await
    .expect("dry run");
    assert_eq!(dry["data"], json!({"keep": "9", "foreign": "3"}));
    let live = within(c.get(&cm_ref("a")))
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(live["data"]["keep"], "1", "dry run stored nothing");

    let second = within(c.apply(
        &cm("a", json!({"keep": "9"})),
        &ApplyMode::ClientSide,
        WriteOptions::default(),
    ))
    .await
    .expect("apply");
    assert_eq!(second["data"], json!({"keep": "9", "foreign": "3"}));
    let recorded: Value = serde_json::from_str(
        second["metadata"]["annotations"][LAST_APPLIED_ANNOTATION]
            .as_str()
            .expect("annotation"),
    )
    .expect("json");
    assert_eq!(recorded["data"], json!({"keep": "9"}));
    emu.shutdown().await;
}

#[tokio::test]
async fn server_side_apply_records_the_manager() {
    let (emu, c) = cluster().await;
    let mode = ApplyMode::ServerSide {
        manager: "argocd-controller".into(),
        force: true,
    };
    let applied = within(c.apply(&cm("a", json!({"k": "1"})), &mode, WriteOptions::default()))
        .await
        .expect("apply");
    assert_eq!(
        applied["metadata"]["managedFields"][0]["manager"],
        "argocd-controller"
    );
    let applied = within(c.apply(&cm("a", json!({"k": "2"})), &mode, WriteOptions::default()))
        .await
        .expect("reapply");
    assert_eq!(applied["data"], json!({"k": "2"}));
    emu.shutdown().await;
}

#[tokio::test]
async fn delete_propagation_reaches_dependents() {
    let (emu, c) = cluster().await;
    for (policy, dependent_survives) in [
        (PropagationPolicy::Background, false),
        (PropagationPolicy::Orphan, true),
    ] {
        let owner = within(c.create(&cm("owner", json!({})), WriteOptions::default()))
            .await
            .expect("owner");
        let mut dependent = cm("dependent", json!({}));
        dependent["metadata"]["ownerReferences"] = json!([{"apiVersion": "v1", "kind": "ConfigMap", "name": "owner",
            "uid": owner["metadata"]["uid"]}]);
        within(c.create(&dependent, WriteOptions::default()))
            .await
            .expect("dependent");
        within(c.delete(&cm_ref("owner"), policy, WriteOptions::default()))
            .await
            .expect("delete");
        let left = within(c.get(&cm_ref("dependent"))).await.expect("get");
        assert_eq!(left.is_some(), dependent_survives, "{policy:?}");
        if let Some(left) = left {
            assert!(left["metadata"].get("ownerReferences").is_none());
            within(c.delete(&cm_ref("dependent"), policy, WriteOptions::default()))
                .await
                .expect("cleanup");
        }
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn merge_patch_changes_fields_and_honours_resource_version() {
    let (emu, c) = cluster().await;
    let created = within(c.create(
        &cm("m", json!({"keep": "1", "drop": "x"})),
        WriteOptions::default(),
    ))
    .await
    .expect("create");
    let patched = within(c.merge_patch(
        &cm_ref("m"),
        &json!({"data": {"drop": null, "new": "2"}}),
        WriteOptions::default(),
    ))
    .await
    .expect("patch");
    assert_eq!(patched["data"], json!({"keep": "1", "new": "2"}));
    let stale_version = created["metadata"]["resourceVersion"].clone();
    let stale = within(c.merge_patch(
        &cm_ref("m"),
        &json!({"metadata": {"resourceVersion": stale_version}, "data": {"x": "y"}}),
        WriteOptions::default(),
    ))
    .await;
    assert!(
        matches!(stale, Err(ClusterError::Conflict { .. })),
        "{stale:?}"
    );
    let missing =
        within(c.merge_patch(&cm_ref("absent"), &json!({}), WriteOptions::default())).await;
    assert!(
        matches!(missing, Err(ClusterError::NotFound(_))),
        "{missing:?}"
    );
    emu.shutdown().await;
}
