//! Create, read, update, list and their failures, through kube::Client.

mod common;

use common::{api_error, start, within};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{Api, ListParams, ObjectMeta, PostParams};
use std::collections::BTreeMap;

fn cm(name: &str, labels: &[(&str, &str)]) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.into()),
            labels: Some(
                labels
                    .iter()
                    .map(|(k, v)| ((*k).into(), (*v).into()))
                    .collect(),
            ),
            ..Default::default()
        },
        data: Some(BTreeMap::from([("k".to_owned(), "v".to_owned())])),
        ..Default::default()
    }
}

#[tokio::test]
async fn create_get_and_server_metadata() {
    let (emu, client) = start().await;
    let api: Api<ConfigMap> = Api::namespaced(client, "default");
    let created = within(api.create(&PostParams::default(), &cm("a", &[])))
        .await
        .expect("create");
    let meta = &created.metadata;
    assert_eq!(meta.namespace.as_deref(), Some("default"));
    assert!(meta.uid.as_ref().is_some_and(|u| u.len() == 36));
    assert!(meta.creation_timestamp.is_some());
    assert_eq!(meta.generation, Some(1));
    let got = within(api.get("a")).await.expect("get");
    assert_eq!(got.metadata.resource_version, meta.resource_version);
    assert_eq!(got.data, created.data);
    let (code, reason) = api_error(within(api.create(&PostParams::default(), &cm("a", &[]))).await);
    assert_eq!((code, reason.as_str()), (409, "AlreadyExists"));
    let (code, reason) = api_error(within(api.get("missing")).await);
    assert_eq!((code, reason.as_str()), (404, "NotFound"));
    emu.shutdown().await;
}

#[tokio::test]
async fn namespaced_objects_need_their_namespace() {
    let (emu, client) = start().await;
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), "team");
    let (code, _) = api_error(within(api.create(&PostParams::default(), &cm("a", &[]))).await);
    assert_eq!(code, 404);
    let ns = Namespace {
        metadata: ObjectMeta {
            name: Some("team".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let ns = within(Api::<Namespace>::all(client).create(&PostParams::default(), &ns))
        .await
        .expect("namespace");
    assert_eq!(ns.status.and_then(|s| s.phase).as_deref(), Some("Active"));
    within(api.create(&PostParams::default(), &cm("a", &[])))
        .await
        .expect("create in new namespace");
    emu.shutdown().await;
}

#[tokio::test]
async fn replace_checks_resource_version_and_bumps_it() {
    let (emu, client) = start().await;
    let api: Api<ConfigMap> = Api::namespaced(client, "default");
    let created = within(api.create(&PostParams::default(), &cm("a", &[])))
        .await
        .expect("create");
    let mut changed = created.clone();
    changed.data = Some(BTreeMap::from([("k".to_owned(), "w".to_owned())]));
    let updated = within(api.replace("a", &PostParams::default(), &changed))
        .await
        .expect("replace");
    let rv = |c: &ConfigMap| {
        c.metadata
            .resource_version
            .clone()
            .unwrap_or_default()
            .parse::<u64>()
            .unwrap_or(0)
    };
    assert!(rv(&updated) > rv(&created));
    assert_eq!(
        updated.metadata.generation,
        Some(2),
        "data change bumps generation"
    );
    let (code, reason) =
        api_error(within(api.replace("a", &PostParams::default(), &changed)).await);
    assert_eq!(
        (code, reason.as_str()),
        (409, "Conflict"),
        "stale resourceVersion"
    );
    let mut relabelled = updated.clone();
    relabelled.metadata.labels = Some(BTreeMap::from([("x".to_owned(), "y".to_owned())]));
    let relabelled = within(api.replace("a", &PostParams::default(), &relabelled))
        .await
        .expect("relabel");
    assert_eq!(
        relabelled.metadata.generation,
        Some(2),
        "metadata change keeps generation"
    );
    let same = within(api.replace("a", &PostParams::default(), &relabelled))
        .await
        .expect("no-op");
    assert_eq!(
        same.metadata.resource_version, relabelled.metadata.resource_version,
        "no-op update keeps the version"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn dry_run_create_stores_nothing() {
    let (emu, client) = start().await;
    let api: Api<ConfigMap> = Api::namespaced(client, "default");
    let pp = PostParams {
        dry_run: true,
        ..Default::default()
    };
    let would = within(api.create(&pp, &cm("a", &[])))
        .await
        .expect("dry run");
    assert_eq!(would.metadata.name.as_deref(), Some("a"));
    let (code, _) = api_error(within(api.get("a")).await);
    assert_eq!(code, 404);
    emu.shutdown().await;
}

#[tokio::test]
async fn list_with_label_and_field_selectors() {
    let (emu, client) = start().await;
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    for (name, app, tier) in [
        ("a", "web", "front"),
        ("b", "web", "back"),
        ("c", "db", "back"),
    ] {
        within(api.create(
            &PostParams::default(),
            &cm(name, &[("app", app), ("tier", tier)]),
        ))
        .await
        .expect("create");
    }
    within(api.create(&PostParams::default(), &cm("d", &[])))
        .await
        .expect("create");
    let names = |sel: &str| {
        let api = api.clone();
        let lp = ListParams::default().labels(sel);
        async move {
            let list = within(api.list(&lp)).await.expect("list");
            list.items
                .into_iter()
                .filter_map(|c| c.metadata.name)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(names("app=web").await, ["a", "b"]);
    assert_eq!(names("app!=web").await, ["c", "d"]);
    assert_eq!(names("tier in (front,middle)").await, ["a"]);
    assert_eq!(names("app notin (web)").await, ["c", "d"]);
    assert_eq!(names("app").await, ["a", "b", "c"]);
    assert_eq!(names("!app").await, ["d"]);
    let by_name = within(api.list(&ListParams::default().fields("metadata.name=c")))
        .await
        .expect("list");
    assert_eq!(by_name.items.len(), 1);
    let all: Api<ConfigMap> = Api::all(client);
    let elsewhere = within(all.list(&ListParams::default().fields("metadata.namespace!=default")))
        .await
        .expect("list");
    assert!(elsewhere.items.is_empty());
    assert!(by_name.metadata.resource_version.is_some());
    emu.shutdown().await;
}

#[tokio::test]
async fn metadata_only_reads() {
    let (emu, client) = start().await;
    let api: Api<ConfigMap> = Api::namespaced(client, "default");
    within(api.create(&PostParams::default(), &cm("a", &[("app", "web")])))
        .await
        .expect("create");
    let meta = within(api.get_metadata("a")).await.expect("get_metadata");
    assert_eq!(
        meta.metadata
            .labels
            .and_then(|l| l.get("app").cloned())
            .as_deref(),
        Some("web")
    );
    let list = within(api.list_metadata(&ListParams::default()))
        .await
        .expect("list_metadata");
    assert_eq!(list.items.len(), 1);
    emu.shutdown().await;
}
