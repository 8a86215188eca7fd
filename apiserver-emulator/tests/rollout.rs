//! The workload simulation seen through the API: a Deployment's ReplicaSets
//! and Pods as the real controllers make them, a rollout to a new template,
//! and an image that never pulls.

mod common;

use common::{eventually, start, within};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};
use serde_json::json;

const REVISION: &str = "deployment.kubernetes.io/revision";

fn deployment(image: &str) -> Deployment {
    serde_json::from_value(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": image}]}}}
    }))
    .expect("deployment")
}

fn revision(rs: &ReplicaSet) -> String {
    rs.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(REVISION))
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn deployment_rolls_out_through_replica_sets_and_pods() {
    let (emu, client) = start().await;
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "default");
    let sets: Api<ReplicaSet> = Api::namespaced(client.clone(), "default");
    let pods: Api<Pod> = Api::namespaced(client, "default");
    let created = within(deployments.create(&PostParams::default(), &deployment("nginx:1")))
        .await
        .expect("create");
    let uid = created.metadata.uid.clone().expect("uid");

    let ready = |n: i32| {
        let deployments = deployments.clone();
        move || {
            let deployments = deployments.clone();
            async move {
                let d = deployments.get("web").await.ok()?;
                let s = d.status.clone()?;
                (s.ready_replicas == Some(n)
                    && s.updated_replicas == Some(n)
                    && s.replicas == Some(n)
                    && s.observed_generation == d.metadata.generation)
                    .then_some(d)
            }
        }
    };
    let d = eventually(ready(3)).await;
    assert_eq!(
        d.metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(REVISION))
            .map(String::as_str),
        Some("1")
    );
    let first = within(sets.list(&ListParams::default()))
        .await
        .expect("list")
        .items;
    assert_eq!(first.len(), 1);
    let rs = &first[0];
    let hash = rs
        .metadata
        .labels
        .as_ref()
        .and_then(|l| l.get("pod-template-hash"))
        .cloned()
        .expect("hash label");
    assert_eq!(
        rs.metadata.name.as_deref(),
        Some(format!("web-{hash}").as_str())
    );
    let owner = &rs.metadata.owner_references.as_ref().expect("owned")[0];
    assert_eq!(
        (owner.kind.as_str(), owner.uid.as_str(), owner.controller),
        ("Deployment", uid.as_str(), Some(true))
    );
    let rs_pods =
        within(pods.list(&ListParams::default().labels(&format!("pod-template-hash={hash}"))))
            .await
            .expect("pods")
            .items;
    assert_eq!(rs_pods.len(), 3);
    for pod in &rs_pods {
        let owner = &pod.metadata.owner_references.as_ref().expect("owned")[0];
        assert_eq!(
            (owner.kind.as_str(), owner.name.as_str()),
            ("ReplicaSet", format!("web-{hash}").as_str())
        );
        assert!(
            pod.metadata
                .name
                .as_deref()
                .is_some_and(|n| n.starts_with(&format!("web-{hash}-")))
        );
        assert_eq!(
            pod.status.as_ref().and_then(|s| s.phase.as_deref()),
            Some("Running")
        );
    }

    // A new template: a second ReplicaSet takes over, the first keeps its history at zero.
    let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx:2"}]}}}});
    within(deployments.patch("web", &PatchParams::default(), &Patch::Strategic(patch)))
        .await
        .expect("patch");
    eventually(ready(3)).await;
    let mut all = within(sets.list(&ListParams::default()))
        .await
        .expect("list")
        .items;
    all.sort_by_key(revision);
    assert_eq!(all.len(), 2);
    assert_eq!(
        (
            revision(&all[0]).as_str(),
            all[0].spec.as_ref().and_then(|s| s.replicas)
        ),
        ("1", Some(0))
    );
    assert_eq!(
        (
            revision(&all[1]).as_str(),
            all[1].spec.as_ref().and_then(|s| s.replicas)
        ),
        ("2", Some(3))
    );
    let live = within(pods.list(&ListParams::default()))
        .await
        .expect("pods")
        .items;
    assert_eq!(live.len(), 3);
    assert!(live.iter().all(|p| {
        p.spec
            .as_ref()
            .is_some_and(|s| s.containers[0].image.as_deref() == Some("nginx:2"))
    }));

    // An image that never pulls: Pods wait in ImagePullBackOff, the Deployment is not available.
    let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "app:broken"}]}}}});
    within(deployments.patch("web", &PatchParams::default(), &Patch::Strategic(patch)))
        .await
        .expect("patch");
    let waiting = eventually(|| {
        let pods = pods.clone();
        async move {
            let list = pods.list(&ListParams::default()).await.ok()?.items;
            let reasons: Vec<String> = list
                .iter()
                .filter(|p| {
                    p.spec
                        .as_ref()
                        .is_some_and(|s| s.containers[0].image.as_deref() == Some("app:broken"))
                })
                .filter_map(|p| {
                    p.status.as_ref()?.container_statuses.as_ref()?[0]
                        .state
                        .as_ref()?
                        .waiting
                        .as_ref()?
                        .reason
                        .clone()
                })
                .collect();
            (reasons.len() == 3).then_some(reasons)
        }
    })
    .await;
    assert!(waiting.iter().all(|r| r == "ImagePullBackOff"));
    let d = within(deployments.get("web")).await.expect("get");
    let available = d.status.and_then(|s| s.conditions).unwrap_or_default();
    assert!(
        available
            .iter()
            .any(|c| c.type_ == "Available" && c.status == "False"),
        "{available:?}"
    );

    // Deleting the Deployment takes its ReplicaSets and Pods.
    within(deployments.delete("web", &Default::default()))
        .await
        .expect("delete");
    assert!(
        within(sets.list(&ListParams::default()))
            .await
            .expect("list")
            .items
            .is_empty()
    );
    assert!(
        within(pods.list(&ListParams::default()))
            .await
            .expect("list")
            .items
            .is_empty()
    );
    emu.shutdown().await;
}
