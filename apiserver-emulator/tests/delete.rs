//! DELETE: propagation policies and garbage collection through owner
//! references, finalizers, and namespace deletion.

mod common;

use common::{api_error, start, within};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use kube::api::{Api, DeleteParams, ObjectMeta, Patch, PatchParams, PostParams};
use serde_json::json;

async fn owner_and_dependent(api: &Api<ConfigMap>) -> ConfigMap {
    let owner = ConfigMap {
        metadata: ObjectMeta {
            name: Some("owner".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let owner = within(api.create(&PostParams::default(), &owner))
        .await
        .expect("owner");
    let reference = OwnerReference {
        api_version: "v1".into(),
        kind: "ConfigMap".into(),
        name: "owner".into(),
        uid: owner.metadata.uid.clone().expect("uid"),
        ..Default::default()
    };
    let dependent = ConfigMap {
        metadata: ObjectMeta {
            name: Some("dependent".into()),
            owner_references: Some(vec![reference]),
            ..Default::default()
        },
        ..Default::default()
    };
    within(api.create(&PostParams::default(), &dependent))
        .await
        .expect("dependent");
    owner
}

#[tokio::test]
async fn background_and_foreground_delete_dependents() {
    for params in [
        DeleteParams::background(),
        DeleteParams::foreground(),
        DeleteParams::default(),
    ] {
        let (emu, client) = start().await;
        let api: Api<ConfigMap> = Api::namespaced(client, "default");
        owner_and_dependent(&api).await;
        within(api.delete("owner", &params)).await.expect("delete");
        assert!(within(api.get_opt("owner")).await.expect("get").is_none());
        assert!(
            within(api.get_opt("dependent"))
                .await
                .expect("get")
                .is_none(),
            "{params:?}"
        );
        emu.shutdown().await;
    }
}

#[tokio::test]
async fn orphan_delete_keeps_dependents_without_the_reference() {
    let (emu, client) = start().await;
    let api: Api<ConfigMap> = Api::namespaced(client, "default");
    owner_and_dependent(&api).await;
    within(api.delete("owner", &DeleteParams::orphan()))
        .await
        .expect("delete");
    let dependent = within(api.get("dependent")).await.expect("dependent stays");
    assert!(
        dependent
            .metadata
            .owner_references
            .is_none_or(|r| r.is_empty())
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn finalizers_hold_deletion_until_removed() {
    let (emu, client) = start().await;
    let api: Api<ConfigMap> = Api::namespaced(client, "default");
    let held = ConfigMap {
        metadata: ObjectMeta {
            name: Some("held".into()),
            finalizers: Some(vec!["example.com/hold".into()]),
            ..Default::default()
        },
        ..Default::default()
    };
    within(api.create(&PostParams::default(), &held))
        .await
        .expect("create");
    within(api.delete("held", &DeleteParams::default()))
        .await
        .expect("delete");
    let pending = within(api.get("held")).await.expect("still there");
    assert!(pending.metadata.deletion_timestamp.is_some());
    let release = json!({"metadata": {"finalizers": null}});
    within(api.patch("held", &PatchParams::default(), &Patch::Merge(&release)))
        .await
        .expect("release");
    let (code, _) = api_error(within(api.get("held")).await);
    assert_eq!(code, 404);
    emu.shutdown().await;
}

#[tokio::test]
async fn dry_run_delete_keeps_the_object() {
    let (emu, client) = start().await;
    let api: Api<ConfigMap> = Api::namespaced(client, "default");
    owner_and_dependent(&api).await;
    let dp = DeleteParams {
        dry_run: true,
        ..DeleteParams::background()
    };
    within(api.delete("owner", &dp)).await.expect("dry run");
    assert!(within(api.get_opt("owner")).await.expect("get").is_some());
    assert!(
        within(api.get_opt("dependent"))
            .await
            .expect("get")
            .is_some()
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn deleting_a_namespace_deletes_its_objects() {
    let (emu, client) = start().await;
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let ns = Namespace {
        metadata: ObjectMeta {
            name: Some("team".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    within(namespaces.create(&PostParams::default(), &ns))
        .await
        .expect("namespace");
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), "team");
    owner_and_dependent(&api).await;
    within(namespaces.delete("team", &DeleteParams::default()))
        .await
        .expect("delete namespace");
    assert!(
        within(namespaces.get_opt("team"))
            .await
            .expect("get")
            .is_none()
    );
    let all: Api<ConfigMap> = Api::all(client);
    let left = within(all.list(&Default::default())).await.expect("list");
    assert!(
        left.items
            .iter()
            .all(|c| c.metadata.namespace.as_deref() != Some("team"))
    );
    emu.shutdown().await;
}
