//! `data_dir` (`--data-dir`): a restarted emulator serves every object it
//! had, custom resource types included, and resource versions keep
//! increasing across the restart.

mod common;

use apiserver_emulator::EmulatorConfig;
use common::{start_with, within};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, DynamicObject, ListParams, PostParams};
use kube::discovery::ApiResource;
use serde_json::json;

fn config(dir: &std::path::Path) -> EmulatorConfig {
    EmulatorConfig {
        data_dir: Some(dir.to_owned()),
        ..EmulatorConfig::default()
    }
}

fn widgets(client: kube::Client) -> Api<DynamicObject> {
    let gvk = kube::api::GroupVersionKind::gvk("example.com", "v1", "Widget");
    Api::namespaced_with(client, "default", &ApiResource::from_gvk(&gvk))
}

#[tokio::test]
async fn restart_keeps_objects_and_resource_versions_increase() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (emu, client) = start_with(config(dir.path())).await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    for name in ["a", "b"] {
        let cm: ConfigMap =
            serde_json::from_value(json!({"metadata": {"name": name}, "data": {"k": name}}))
                .expect("configmap");
        within(cms.create(&PostParams::default(), &cm))
            .await
            .expect("create");
    }
    within(cms.delete("b", &Default::default()))
        .await
        .expect("delete");
    let crds: Api<DynamicObject> = Api::all_with(
        client.clone(),
        &ApiResource::from_gvk(&kube::api::GroupVersionKind::gvk(
            "apiextensions.k8s.io",
            "v1",
            "CustomResourceDefinition",
        )),
    );
    let crd: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}
    }))
    .expect("crd");
    within(crds.create(&PostParams::default(), &crd))
        .await
        .expect("crd");
    let widget: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w1"}, "spec": {"size": 3}
    }))
    .expect("widget");
    within(widgets(client.clone()).create(&PostParams::default(), &widget))
        .await
        .expect("widget");
    let before = within(cms.get("a")).await.expect("a");
    let list_rv = within(cms.list(&ListParams::default()))
        .await
        .expect("list")
        .metadata
        .resource_version
        .expect("rv");
    emu.shutdown().await;

    let (emu, client) = start_with(config(dir.path())).await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let after = within(cms.get("a")).await.expect("a survives");
    assert_eq!(after.metadata.uid, before.metadata.uid);
    assert_eq!(
        after.metadata.resource_version,
        before.metadata.resource_version
    );
    assert_eq!(after.data, before.data);
    assert!(
        within(cms.get_opt("b")).await.expect("get").is_none(),
        "deleted stays deleted"
    );
    let w = within(widgets(client.clone()).get("w1"))
        .await
        .expect("custom resource survives");
    assert_eq!(w.data["spec"]["size"], 3);
    let mut changed = after.clone();
    changed.data = Some([("k".to_owned(), "new".to_owned())].into());
    let written = within(cms.replace("a", &PostParams::default(), &changed))
        .await
        .expect("update");
    let rv = |s: Option<String>| s.and_then(|s| s.parse::<u64>().ok()).expect("numeric rv");
    assert!(
        rv(written.metadata.resource_version) > rv(Some(list_rv)),
        "resource versions continue after a restart"
    );
    emu.shutdown().await;
}
