//! Simulated controllers move workload health from Progressing to Healthy,
//! as `gitops_engine::health` judges it.

mod common;

use std::time::Duration;

use apiserver_emulator::EmulatorConfig;
use common::{eventually, start_with, within};
use gitops_engine::health::{HealthRules, HealthStatusCode, health};
use kube::api::{
    Api, ApiResource, DynamicObject, GroupVersionKind, Patch, PatchParams, PostParams,
};
use serde_json::{Value, json};

fn workloads() -> Vec<Value> {
    let template = json!({"metadata": {"labels": {"app": "w"}}, "spec": {"containers": [{"name": "c", "image": "c:1"}]}});
    let selector = json!({"matchLabels": {"app": "w"}});
    vec![
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
               "spec": {"replicas": 2, "selector": selector, "template": template}}),
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "s"},
               "spec": {"replicas": 1, "serviceName": "s", "selector": selector, "template": template}}),
        json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "ds"},
               "spec": {"selector": selector, "template": template}}),
        json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"},
               "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "c:1"}]}}}}),
        json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "hpa"},
               "spec": {"minReplicas": 2, "maxReplicas": 4,
                        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "d"}}}),
        json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "pvc"},
               "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}),
    ]
}

fn api_for(client: &kube::Client, obj: &Value) -> Api<DynamicObject> {
    let (group, version) = match obj["apiVersion"].as_str().unwrap_or("").split_once('/') {
        Some((g, v)) => (g.to_owned(), v.to_owned()),
        None => (
            String::new(),
            obj["apiVersion"].as_str().unwrap_or("").to_owned(),
        ),
    };
    let gvk = GroupVersionKind::gvk(&group, &version, obj["kind"].as_str().unwrap_or(""));
    Api::namespaced_with(client.clone(), "default", &ApiResource::from_gvk(&gvk))
}

async fn health_of(api: &Api<DynamicObject>, name: &str) -> Option<HealthStatusCode> {
    let live = within(api.get(name)).await.expect("get");
    let value = serde_json::to_value(live).expect("json");
    health(&value, &HealthRules::kubernetes_only()).map(|h| h.status)
}

#[tokio::test]
async fn workloads_become_healthy_and_again_after_a_spec_change() {
    // Long enough that the read right after each write sees no status yet,
    // even on a loaded machine.
    let config = EmulatorConfig {
        status_delay: Duration::from_millis(400),
        ..Default::default()
    };
    let (emu, client) = start_with(config).await;
    for obj in workloads() {
        let api = api_for(&client, &obj);
        let name = obj["metadata"]["name"].as_str().unwrap_or("").to_owned();
        let dynamic: DynamicObject = serde_json::from_value(obj.clone()).expect("object");
        within(api.create(&PostParams::default(), &dynamic))
            .await
            .expect("create");
        let first = health_of(&api, &name).await;
        assert!(
            matches!(first, Some(HealthStatusCode::Progressing)),
            "{name} right after creation: {first:?}"
        );
    }
    for obj in workloads() {
        let api = api_for(&client, &obj);
        let name = obj["metadata"]["name"].as_str().unwrap_or("");
        eventually(|| async {
            (health_of(&api, name).await == Some(HealthStatusCode::Healthy)).then_some(())
        })
        .await;
    }
    let api = api_for(&client, &workloads()[0]);
    let scale = json!({"spec": {"replicas": 3}});
    within(api.patch("d", &PatchParams::default(), &Patch::Merge(&scale)))
        .await
        .expect("scale");
    assert_eq!(
        health_of(&api, "d").await,
        Some(HealthStatusCode::Progressing)
    );
    eventually(|| async {
        (health_of(&api, "d").await == Some(HealthStatusCode::Healthy)).then_some(())
    })
    .await;
    let live = within(api.get("d")).await.expect("get");
    assert_eq!(live.data["status"]["availableReplicas"], 3);
    assert_eq!(live.data["status"]["observedGeneration"], 2);
    emu.shutdown().await;
}

#[tokio::test]
async fn status_simulation_can_be_switched_off() {
    let config = EmulatorConfig {
        simulate_status: false,
        status_delay: Duration::from_millis(1),
        ..Default::default()
    };
    let (emu, client) = start_with(config).await;
    let obj = workloads().remove(0);
    let api = api_for(&client, &obj);
    let dynamic: DynamicObject = serde_json::from_value(obj).expect("object");
    within(api.create(&PostParams::default(), &dynamic))
        .await
        .expect("create");
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        health_of(&api, "d").await,
        Some(HealthStatusCode::Progressing)
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn status_subresource_writes_only_status() {
    let config = EmulatorConfig {
        simulate_status: false,
        ..Default::default()
    };
    let (emu, client) = start_with(config).await;
    let obj = workloads().remove(0);
    let api = api_for(&client, &obj);
    let dynamic: DynamicObject = serde_json::from_value(obj).expect("object");
    within(api.create(&PostParams::default(), &dynamic))
        .await
        .expect("create");
    let patch = json!({"spec": {"replicas": 9}, "status": {"replicas": 5}});
    let d = within(api.patch_status("d", &PatchParams::default(), &Patch::Merge(&patch)))
        .await
        .expect("status");
    assert_eq!(d.data["status"]["replicas"], 5);
    assert_eq!(
        d.data["spec"]["replicas"], 2,
        "spec is not written through /status"
    );
    let main = json!({"status": {"replicas": 1}});
    let d = within(api.patch("d", &PatchParams::default(), &Patch::Merge(&main)))
        .await
        .expect("main");
    assert_eq!(
        d.data["status"]["replicas"], 5,
        "status is not written through the main resource"
    );
    emu.shutdown().await;
}
