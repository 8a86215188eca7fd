//! The workload simulation seen through the API: a Deployment's ReplicaSets
//! and Pods as the real controllers make them, a rollout to a new template,
//! and an image that never pulls; `kubectl rollout status` following a
//! rollout step by step.

mod common;
mod kubectl_support;

use std::time::Duration;

use apiserver_emulator::EmulatorConfig;
use common::{eventually, start, start_with, within};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};
use kubectl_support::{kubectl, kubectl_installed};
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

    // An image that never pulls: with the default 25% of 3 (maxSurge 1,
    // maxUnavailable 0) one new Pod starts and waits in ImagePullBackOff,
    // and the old Pods stay, so the Deployment stays available with the
    // rollout stuck at 1 of 3.
    let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "app:broken"}]}}}});
    within(deployments.patch("web", &PatchParams::default(), &Patch::Strategic(patch)))
        .await
        .expect("patch");
    let stuck = eventually(|| {
        let deployments = deployments.clone();
        async move {
            let d = deployments.get("web").await.ok()?;
            let s = d.status.clone()?;
            (s.updated_replicas == Some(1)
                && s.replicas == Some(4)
                && s.unavailable_replicas == Some(1))
            .then_some(d)
        }
    })
    .await;
    let conditions = stuck.status.and_then(|s| s.conditions).unwrap_or_default();
    assert!(
        conditions
            .iter()
            .any(|c| c.type_ == "Available" && c.status == "True"),
        "{conditions:?}"
    );
    // Passes later nothing has moved.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let list = within(pods.list(&ListParams::default()))
        .await
        .expect("pods")
        .items;
    let image = |p: &Pod| {
        p.spec
            .as_ref()
            .and_then(|s| s.containers[0].image.clone())
            .unwrap_or_default()
    };
    let waiting: Vec<Option<String>> = list
        .iter()
        .filter(|p| image(p) == "app:broken")
        .map(|p| {
            p.status.as_ref()?.container_statuses.as_ref()?[0]
                .state
                .as_ref()?
                .waiting
                .as_ref()?
                .reason
                .clone()
        })
        .collect();
    assert_eq!(waiting, [Some("ImagePullBackOff".to_owned())]);
    assert_eq!(list.iter().filter(|p| image(p) == "nginx:2").count(), 3);

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

/// `kubectl rollout status` follows a 4-replica rollout with maxSurge 1 and
/// maxUnavailable 0 through its steps, printing kubectl's own progress
/// messages (`DeploymentStatusViewer`) for the statuses it sees.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_rollout_status_follows_the_steps() {
    if !kubectl_installed() {
        eprintln!("kubectl not installed: skipping");
        return;
    }
    // Slow passes, so that kubectl is watching before the rollout ends.
    let config = EmulatorConfig {
        status_delay: Duration::from_secs(1),
        ..EmulatorConfig::default()
    };
    let (emu, client) = start_with(config).await;
    let deployments: Api<Deployment> = Api::namespaced(client, "default");
    let mut d = deployment("nginx:1");
    let spec = d.spec.as_mut().expect("spec");
    spec.replicas = Some(4);
    spec.strategy = Some(
        serde_json::from_value(json!({"type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}))
        .expect("strategy"),
    );
    within(deployments.create(&PostParams::default(), &d))
        .await
        .expect("create");
    let dir = tempfile::tempdir().expect("tempdir");
    let status = [
        "rollout",
        "status",
        "deployment/web",
        "-n",
        "default",
        "--timeout=25s",
    ];
    let (ok, out, err) = kubectl(&emu.url(), dir.path(), &status).await;
    assert!(ok, "{out}\n{err}");

    let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx:2"}]}}}});
    within(deployments.patch("web", &PatchParams::default(), &Patch::Strategic(patch)))
        .await
        .expect("patch");
    let (ok, out, err) = kubectl(&emu.url(), dir.path(), &status).await;
    assert!(ok, "{out}\n{err}");
    let mut lines: Vec<&str> = out.lines().collect();
    lines.dedup();
    let waiting =
        |what: &str| format!("Waiting for deployment \"web\" rollout to finish: {what}...");
    let known: Vec<String> = (0..4)
        .map(|n| waiting(&format!("{n} out of 4 new replicas have been updated")))
        .chain((1..=4).map(|n| waiting(&format!("{n} old replicas are pending termination"))))
        .chain(["Waiting for deployment spec update to be observed...".to_owned()])
        .chain(["deployment \"web\" successfully rolled out".to_owned()])
        .collect();
    assert!(lines.iter().all(|l| known.iter().any(|k| k == l)), "{out}");
    let position = |line: String| {
        lines
            .iter()
            .position(|l| *l == line)
            .unwrap_or_else(|| panic!("no {line:?} in:\n{out}"))
    };
    let steps = [
        position(waiting("2 out of 4 new replicas have been updated")),
        position(waiting("3 out of 4 new replicas have been updated")),
        position(waiting("1 old replicas are pending termination")),
        position("deployment \"web\" successfully rolled out".to_owned()),
    ];
    assert!(steps.is_sorted(), "{out}");
    assert_eq!(steps[3], lines.len() - 1, "{out}");
    emu.shutdown().await;
}

/// A rollout that makes no progress for `progressDeadlineSeconds` is
/// reported as such, and `kubectl rollout status` fails with kubectl's own
/// message for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_rollout_exceeds_its_progress_deadline() {
    if !kubectl_installed() {
        eprintln!("kubectl not installed: skipping");
        return;
    }
    let (emu, client) = start().await;
    let deployments: Api<Deployment> = Api::namespaced(client, "default");
    let mut d = deployment("app:broken");
    d.spec.as_mut().expect("spec").progress_deadline_seconds = Some(1);
    within(deployments.create(&PostParams::default(), &d))
        .await
        .expect("create");
    let dir = tempfile::tempdir().expect("tempdir");
    let status = [
        "rollout",
        "status",
        "deployment/web",
        "-n",
        "default",
        "--timeout=20s",
    ];
    let (ok, out, err) = kubectl(&emu.url(), dir.path(), &status).await;
    assert!(!ok, "{out}\n{err}");
    assert!(
        err.contains("error: deployment \"web\" exceeded its progress deadline"),
        "{out}\n{err}"
    );
    let d = within(deployments.get("web")).await.expect("get");
    let progressing = d
        .status
        .and_then(|s| s.conditions)
        .unwrap_or_default()
        .into_iter()
        .find(|c| c.type_ == "Progressing")
        .expect("Progressing");
    assert_eq!(
        (progressing.status.as_str(), progressing.reason.as_deref()),
        ("False", Some("ProgressDeadlineExceeded"))
    );
    emu.shutdown().await;
}

/// What a user of the sandbox sees with kubectl: its one ready Node, and a
/// Service's EndpointSlice listing the Pods it selects.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_lists_the_node_and_a_services_endpoint_slice() {
    if !kubectl_installed() {
        eprintln!("kubectl not installed: skipping");
        return;
    }
    let (emu, client) = start().await;
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "default");
    let services: Api<k8s_openapi::api::core::v1::Service> = Api::namespaced(client, "default");
    within(deployments.create(&PostParams::default(), &deployment("nginx:1")))
        .await
        .expect("create");
    let service = serde_json::from_value(json!({"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}}))
    .expect("service");
    within(services.create(&PostParams::default(), &service))
        .await
        .expect("create");
    let dir = tempfile::tempdir().expect("tempdir");
    let run = |args: &'static [&'static str]| {
        let (url, dir) = (emu.url(), dir.path().to_owned());
        async move { kubectl(&url, &dir, args).await }
    };
    let words = |line: &str| {
        line.split_whitespace()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };

    let (ok, out, err) = run(&["get", "nodes"]).await;
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        words(lines[0]),
        ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    );
    let node = words(lines[1]);
    assert_eq!(
        (
            node[0].as_str(),
            node[1].as_str(),
            node[2].as_str(),
            node[4].as_str()
        ),
        ("sandbox", "Ready", "control-plane", "v1.32.0"),
        "{out}"
    );

    let (ok, out, err) = run(&[
        "wait",
        "--for=condition=Available",
        "deployment/web",
        "--timeout=20s",
    ])
    .await;
    assert!(ok, "{out}\n{err}");
    let (ok, out, err) = run(&[
        "get",
        "endpointslices",
        "-l",
        "kubernetes.io/service-name=web",
    ])
    .await;
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        words(lines[0]),
        ["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"]
    );
    let slice = words(lines[1]);
    assert!(slice[0].starts_with("web-"), "{out}");
    assert_eq!(
        (slice[1].as_str(), slice[2].as_str()),
        ("IPv4", "8080"),
        "{out}"
    );
    // Three ready Pods: three addresses.
    assert_eq!(slice[3].split(',').count(), 3, "{out}");
    emu.shutdown().await;
}
