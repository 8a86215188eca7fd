//! Watches: kube-runtime reflectors, resuming from a resourceVersion, and
//! label-filtered watches.

mod common;

use std::collections::BTreeMap;

use common::{eventually, start, within};
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{
    Api, DeleteParams, ObjectMeta, Patch, PatchParams, PostParams, WatchEvent, WatchParams,
};
use kube::runtime::{WatchStreamExt, reflector, watcher};
use serde_json::json;

fn cm(name: &str, app: &str) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.into()),
            labels: Some(BTreeMap::from([("app".to_owned(), app.to_owned())])),
            ..Default::default()
        },
        ..Default::default()
    }
}

async fn next(
    s: &mut futures::stream::BoxStream<'static, kube::Result<WatchEvent<ConfigMap>>>,
) -> WatchEvent<ConfigMap> {
    within(s.try_next())
        .await
        .expect("event")
        .expect("stream open")
}

fn names(store: &reflector::Store<ConfigMap>) -> Vec<String> {
    let mut names: Vec<String> = store
        .state()
        .iter()
        .filter_map(|c| c.metadata.name.clone())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn reflector_follows_creates_updates_and_deletes() {
    let (emu, client) = start().await;
    let api: Api<ConfigMap> = Api::namespaced(client, "default");
    within(api.create(&PostParams::default(), &cm("before", "x")))
        .await
        .expect("create");
    let (reader, writer) = reflector::store();
    let stream =
        reflector(writer, watcher(api.clone(), watcher::Config::default())).applied_objects();
    let task = tokio::spawn(stream.for_each(|_| async {}));
    within(reader.wait_until_ready())
        .await
        .expect("initial list");
    assert_eq!(names(&reader), ["before"]);

    within(api.create(&PostParams::default(), &cm("after", "x")))
        .await
        .expect("create");
    eventually(|| async { (names(&reader) == ["after", "before"]).then_some(()) }).await;

    let patch = json!({"data": {"k": "v"}});
    within(api.patch("after", &PatchParams::default(), &Patch::Merge(&patch)))
        .await
        .expect("patch");
    eventually(|| async {
        reader
            .state()
            .iter()
            .any(|c| c.data.as_ref().is_some_and(|d| d.contains_key("k")))
            .then_some(())
    })
    .await;

    within(api.delete("before", &DeleteParams::default()))
        .await
        .expect("delete");
    eventually(|| async { (names(&reader) == ["after"]).then_some(()) }).await;
    task.abort();
    emu.shutdown().await;
}

#[tokio::test]
async fn watch_resumes_after_a_resource_version() {
    let (emu, client) = start().await;
    let api: Api<ConfigMap> = Api::namespaced(client, "default");
    let first = within(api.create(&PostParams::default(), &cm("a", "x")))
        .await
        .expect("create");
    let rv = first.metadata.resource_version.expect("rv");
    within(api.create(&PostParams::default(), &cm("b", "x")))
        .await
        .expect("create");
    within(api.delete("a", &DeleteParams::default()))
        .await
        .expect("delete");
    let stream = within(api.watch(&WatchParams::default().timeout(5), &rv))
        .await
        .expect("watch");
    let events: Vec<WatchEvent<ConfigMap>> =
        within(stream.take(2).try_collect()).await.expect("events");
    match events.as_slice() {
        [WatchEvent::Added(b), WatchEvent::Deleted(a)] => {
            assert_eq!(b.metadata.name.as_deref(), Some("b"));
            assert_eq!(a.metadata.name.as_deref(), Some("a"));
        }
        other => panic!("unexpected events {other:?}"),
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn label_filtered_watch_sees_objects_leave_and_join() {
    let (emu, client) = start().await;
    let api: Api<ConfigMap> = Api::namespaced(client, "default");
    within(api.create(&PostParams::default(), &cm("a", "web")))
        .await
        .expect("create");
    let stream = within(api.watch(&WatchParams::default().labels("app=web").timeout(5), "0"))
        .await
        .expect("watch");
    let mut stream = stream.boxed();
    assert!(
        matches!(next(&mut stream).await, WatchEvent::Added(c) if c.metadata.name.as_deref() == Some("a"))
    );
    within(api.create(&PostParams::default(), &cm("other", "db")))
        .await
        .expect("create");
    let relabel = json!({"metadata": {"labels": {"app": "db"}}});
    within(api.patch("a", &PatchParams::default(), &Patch::Merge(&relabel)))
        .await
        .expect("patch");
    assert!(
        matches!(next(&mut stream).await, WatchEvent::Deleted(c) if c.metadata.name.as_deref() == Some("a"))
    );
    let join = json!({"metadata": {"labels": {"app": "web"}}});
    within(api.patch("other", &PatchParams::default(), &Patch::Merge(&join)))
        .await
        .expect("patch");
    assert!(
        matches!(next(&mut stream).await, WatchEvent::Added(c) if c.metadata.name.as_deref() == Some("other"))
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn idle_watch_sends_bookmarks_and_ends_at_its_timeout() {
    let (emu, client) = start().await;
    let api: Api<ConfigMap> = Api::namespaced(client, "default");
    let params = WatchParams {
        bookmarks: true,
        ..WatchParams::default()
    }
    .timeout(2);
    let mut stream = within(api.watch(&params, "0"))
        .await
        .expect("watch")
        .boxed();
    match next(&mut stream).await {
        WatchEvent::Bookmark(b) => assert!(!b.metadata.resource_version.is_empty()),
        other => panic!("expected a bookmark, got {other:?}"),
    }
    let rest: Vec<_> = within(stream.collect::<Vec<_>>()).await;
    assert!(
        rest.len() <= 2,
        "the stream ends after timeoutSeconds: {rest:?}"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn reflector_with_streaming_list() {
    let (emu, client) = start().await;
    let api: Api<ConfigMap> = Api::namespaced(client, "default");
    within(api.create(&PostParams::default(), &cm("before", "x")))
        .await
        .expect("create");
    let (reader, writer) = reflector::store();
    let config = watcher::Config::default().streaming_lists();
    let stream = reflector(writer, watcher(api.clone(), config)).applied_objects();
    let task = tokio::spawn(stream.for_each(|_| async {}));
    within(reader.wait_until_ready())
        .await
        .expect("initial events");
    assert_eq!(names(&reader), ["before"]);
    within(api.create(&PostParams::default(), &cm("after", "x")))
        .await
        .expect("create");
    eventually(|| async { (names(&reader) == ["after", "before"]).then_some(()) }).await;
    task.abort();
    emu.shutdown().await;
}
