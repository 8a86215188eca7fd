//! CustomResourceDefinitions register new types at runtime; Argo CD's
//! Application is served from the start.

mod common;

use common::{api_error, start, within};
use kube::api::{Api, ApiResource, DeleteParams, DynamicObject, GroupVersionKind, PostParams};
use kube::discovery::Discovery;
use serde_json::json;

fn crd() -> DynamicObject {
    serde_json::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"]},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}
    }))
    .expect("crd")
}

fn widget_api(client: &kube::Client) -> Api<DynamicObject> {
    let ar = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("example.com", "v1", "Widget"),
        "widgets",
    );
    Api::namespaced_with(client.clone(), "default", &ar)
}

fn widget() -> DynamicObject {
    serde_json::from_value(json!({"apiVersion": "example.com/v1", "kind": "Widget",
        "metadata": {"name": "w1"}, "spec": {"size": 3}}))
    .expect("widget")
}

#[tokio::test]
async fn crd_lifecycle_registers_and_removes_the_type() {
    let (emu, client) = start().await;
    let (code, _) =
        api_error(within(widget_api(&client).create(&PostParams::default(), &widget())).await);
    assert_eq!(code, 404, "no type before the CRD");

    let crds = Api::<DynamicObject>::all_with(
        client.clone(),
        &ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk("apiextensions.k8s.io", "v1", "CustomResourceDefinition"),
            "customresourcedefinitions",
        ),
    );
    let created = within(crds.create(&PostParams::default(), &crd()))
        .await
        .expect("crd");
    let conditions = created.data["status"]["conditions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        conditions
            .iter()
            .any(|c| c["type"] == "Established" && c["status"] == "True")
    );

    let discovery = within(Discovery::new(client.clone()).run())
        .await
        .expect("discovery");
    let (ar, caps) = discovery
        .resolve_gvk(&GroupVersionKind::gvk("example.com", "v1", "Widget"))
        .expect("Widget discovered");
    assert_eq!(ar.plural, "widgets");
    assert_eq!(caps.scope, kube::discovery::Scope::Namespaced);
    assert!(
        discovery
            .resolve_gvk(&GroupVersionKind::gvk(
                "argoproj.io",
                "v1alpha1",
                "Application"
            ))
            .is_some()
    );

    let api = widget_api(&client);
    within(api.create(&PostParams::default(), &widget()))
        .await
        .expect("widget");
    assert_eq!(
        within(api.get("w1")).await.expect("get").data["spec"]["size"],
        3
    );

    within(crds.delete("widgets.example.com", &DeleteParams::default()))
        .await
        .expect("delete crd");
    let (code, _) = api_error(within(api.get("w1")).await);
    assert_eq!(code, 404, "custom resources go with their CRD");
    let discovery = within(Discovery::new(client).run())
        .await
        .expect("discovery");
    assert!(
        discovery
            .resolve_gvk(&GroupVersionKind::gvk("example.com", "v1", "Widget"))
            .is_none()
    );
    emu.shutdown().await;
}
