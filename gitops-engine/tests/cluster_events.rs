//! `EventRecorder` against the API server emulator: Events created with
//! client-go's fields, repeats aggregated into one Event's count.

use std::future::Future;
use std::time::Duration;

use apiserver_emulator::{Emulator, EmulatorHandle};
use gitops_engine::cluster::{
    Cluster, ClusterError, EventRecorder, EventType, Gvk, KubeCluster, ObjectRef,
    PropagationPolicy, WriteOptions,
};
use serde_json::{Value, json};

async fn within<T>(f: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), f)
        .await
        .expect("timed out")
}

async fn start() -> (EmulatorHandle, KubeCluster, EventRecorder) {
    let emu = within(Emulator::start()).await.expect("emulator");
    let client =
        kube::Client::try_from(kube::Config::new(emu.url().parse().expect("url"))).expect("client");
    (
        emu,
        KubeCluster::new(client.clone()),
        EventRecorder::new(client, "gitops-controller"),
    )
}

/// A live ConfigMap (with the uid the server gave it).
async fn live_cm(c: &KubeCluster, name: &str) -> Value {
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": name, "namespace": "default"}});
    within(c.create(&cm, WriteOptions::default()))
        .await
        .expect("create")
}

async fn events(c: &KubeCluster, namespace: &str) -> Vec<Value> {
    within(c.list(&Gvk::new("", "v1", "Event"), Some(namespace), ""))
        .await
        .expect("list events")
}

#[tokio::test]
async fn event_is_created_then_aggregated() {
    let (emu, c, recorder) = start().await;
    let cm = live_cm(&c, "settings").await;
    within(recorder.publish(&cm, EventType::Normal, "Synced", "applied"))
        .await
        .expect("publish");
    let listed = events(&c, "default").await;
    assert_eq!(listed.len(), 1, "{listed:#?}");
    let first = &listed[0];
    assert_eq!(
        first["involvedObject"],
        json!({"apiVersion": "v1", "kind": "ConfigMap", "name": "settings",
               "namespace": "default", "uid": cm["metadata"]["uid"]})
    );
    assert_eq!(first["type"], "Normal");
    assert_eq!(first["reason"], "Synced");
    assert_eq!(first["message"], "applied");
    assert_eq!(first["source"]["component"], "gitops-controller");
    assert_eq!(first["count"], 1);
    assert!(first["firstTimestamp"].is_string());
    assert_eq!(first["firstTimestamp"], first["lastTimestamp"]);

    within(recorder.publish(&cm, EventType::Normal, "Synced", "applied"))
        .await
        .expect("publish again");
    let listed = events(&c, "default").await;
    assert_eq!(listed.len(), 1, "a repeat updates the Event: {listed:#?}");
    let again = &listed[0];
    assert_eq!(again["metadata"]["name"], first["metadata"]["name"]);
    assert_eq!(again["count"], 2);
    assert_eq!(again["firstTimestamp"], first["firstTimestamp"]);
    assert!(
        again["lastTimestamp"].as_str() >= first["lastTimestamp"].as_str(),
        "{again:#?}"
    );

    within(recorder.publish(&cm, EventType::Warning, "SyncFailed", "boom"))
        .await
        .expect("publish another");
    let listed = events(&c, "default").await;
    assert_eq!(listed.len(), 2, "another reason is another Event");
    assert!(
        listed
            .iter()
            .any(|e| e["type"] == "Warning" && e["count"] == 1)
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn a_deleted_event_is_recreated() {
    let (emu, c, recorder) = start().await;
    let cm = live_cm(&c, "settings").await;
    within(recorder.publish(&cm, EventType::Normal, "Synced", "applied"))
        .await
        .expect("publish");
    let name = events(&c, "default").await[0]["metadata"]["name"]
        .as_str()
        .expect("event name")
        .to_owned();
    let event = ObjectRef {
        gvk: Gvk::new("", "v1", "Event"),
        namespace: "default".into(),
        name,
    };
    within(c.delete(
        &event,
        PropagationPolicy::Background,
        WriteOptions::default(),
    ))
    .await
    .expect("delete event");
    within(recorder.publish(&cm, EventType::Normal, "Synced", "applied"))
        .await
        .expect("publish after deletion");
    let listed = events(&c, "default").await;
    assert_eq!(listed.len(), 1, "{listed:#?}");
    assert_eq!(listed[0]["count"], 1);
    emu.shutdown().await;
}

#[tokio::test]
async fn cluster_scoped_objects_get_events_in_default() {
    let (emu, c, recorder) = start().await;
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kube-public"}});
    within(recorder.publish(&ns, EventType::Normal, "Checked", "fine"))
        .await
        .expect("publish");
    let listed = events(&c, "default").await;
    assert_eq!(listed.len(), 1);
    assert_eq!(
        listed[0]["involvedObject"],
        json!({"apiVersion": "v1", "kind": "Namespace", "name": "kube-public"})
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn objects_without_type_or_name_are_refused() {
    let (emu, c, recorder) = start().await;
    for bad in [
        json!({"kind": "ConfigMap", "metadata": {"name": "x"}}),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}}),
    ] {
        let err = within(recorder.publish(&bad, EventType::Normal, "R", "m")).await;
        assert!(
            matches!(err, Err(ClusterError::InvalidObject(_))),
            "{err:?}"
        );
    }
    assert!(events(&c, "default").await.is_empty());
    emu.shutdown().await;
}
