//! Controller replicas with `--leader-elect` against one API server:
//! exactly one leads (its `gitops_controller_leader` gauge is 1) and the
//! Lease names it; a standby reconciles no ApplicationSets.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod process_support;

use apiserver_emulator::Emulator;
use gitops_engine::appset::reconcile::appset_crd;
use gitops_engine::cluster::{
    Cluster, Gvk, LeaderElector, Leadership, LeaseConfig, ObjectRef, WriteOptions,
};
use process_support::{cluster_with_namespaces, free_port, write_kubeconfig};
use serde_json::json;

struct Replica {
    child: Child,
    metrics_port: u16,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The replica's `gitops_controller_leader` value, once it serves metrics.
async fn leader_gauge(replica: &Replica) -> Option<i64> {
    let body = reqwest::get(format!("http://127.0.0.1:{}/metrics", replica.metrics_port))
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    body.lines()
        .find_map(|l| l.strip_prefix("gitops_controller_leader "))
        .and_then(|v| v.trim().parse().ok())
}

/// Starts a `--leader-elect` replica named `identity` against the API
/// server of `kubeconfig`, its repository cache under `dir`.
fn start_replica(dir: &Path, kubeconfig: &Path, identity: &str) -> Replica {
    let metrics_port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_gitops-controller"))
        .args(["--leader-elect", "--identity", identity])
        .args(["--metrics-addr", &format!("127.0.0.1:{metrics_port}")])
        .arg("--repo-cache-dir")
        .arg(dir.join(identity))
        .env("KUBECONFIG", kubeconfig)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start gitops-controller");
    Replica {
        child,
        metrics_port,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_one_replica_leads() {
    let emulator = Emulator::start().await.expect("emulator");
    let cluster = cluster_with_namespaces(&emulator.url(), &["argocd"]).await;
    let tmp = tempfile::tempdir().expect("tempdir");
    let kubeconfig = tmp.path().join("kubeconfig");
    write_kubeconfig(&kubeconfig, &emulator.url());
    let start = |identity: &str| start_replica(tmp.path(), &kubeconfig, identity);
    let replicas = [start("replica-a"), start("replica-b")];

    let deadline = Instant::now() + Duration::from_secs(30);
    let gauges = loop {
        let gauges = [
            leader_gauge(&replicas[0]).await,
            leader_gauge(&replicas[1]).await,
        ];
        if let [Some(a), Some(b)] = gauges
            && a + b == 1
        {
            break [a, b];
        }
        assert!(Instant::now() < deadline, "no single leader: {gauges:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // Still exactly one a few renewals later.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let later = [
        leader_gauge(&replicas[0]).await,
        leader_gauge(&replicas[1]).await,
    ];
    assert_eq!(later, [Some(gauges[0]), Some(gauges[1])]);

    let lease = cluster
        .get(&ObjectRef {
            gvk: Gvk::new("coordination.k8s.io", "v1", "Lease"),
            namespace: "argocd".into(),
            name: "gitops-controller".into(),
        })
        .await
        .expect("get lease")
        .expect("lease exists");
    let leader = if gauges[0] == 1 {
        "replica-a"
    } else {
        "replica-b"
    };
    assert_eq!(lease["spec"]["holderIdentity"], leader);
    drop(replicas);
    emulator.shutdown().await;
}

/// Of several replicas only the leader reconciles ApplicationSets: while the
/// test holds the Lease as another replica, a standby generates nothing; once
/// the lease is released, the replica leads and generates the set's
/// Application.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standby_replica_generates_no_applications() {
    let emulator = Emulator::start().await.expect("emulator");
    let cluster = cluster_with_namespaces(&emulator.url(), &["argocd"]).await;
    for object in [appset_crd(), list_appset()] {
        cluster
            .create(&object, WriteOptions::default())
            .await
            .expect("create");
    }
    let other = LeaderElector::new(
        cluster.client().clone(),
        LeaseConfig {
            namespace: "argocd".into(),
            name: "gitops-controller".into(),
            identity: "other-replica".into(),
            lease_duration: Duration::from_secs(4),
            renew_period: Duration::from_secs(1),
        },
    );
    let renew = || async {
        let leadership = other.try_acquire_or_renew().await.expect("renew lease");
        assert_eq!(leadership, Leadership::Leader);
    };
    renew().await;
    let tmp = tempfile::tempdir().expect("tempdir");
    let kubeconfig = tmp.path().join("kubeconfig");
    write_kubeconfig(&kubeconfig, &emulator.url());
    let replica = start_replica(tmp.path(), &kubeconfig, "replica-a");

    let deadline = Instant::now() + Duration::from_secs(30);
    while leader_gauge(&replica).await != Some(0) {
        assert!(
            Instant::now() < deadline,
            "the replica never served metrics"
        );
        renew().await;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // Several ApplicationSet ticks (2 s) as a standby.
    for _ in 0..6 {
        renew().await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(leader_gauge(&replica).await, Some(0));
        assert_eq!(application_names(&cluster).await, Vec::<String>::new());
    }

    other.release().await.expect("release lease");
    let deadline = Instant::now() + Duration::from_secs(30);
    while application_names(&cluster).await != ["guestbook-dev"] {
        assert!(
            Instant::now() < deadline,
            "the leader generated no Application"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(leader_gauge(&replica).await, Some(1));
    drop(replica);
    emulator.shutdown().await;
}

async fn application_names(cluster: &impl Cluster) -> Vec<String> {
    cluster
        .list(
            &Gvk::new("argoproj.io", "v1alpha1", "Application"),
            Some("argocd"),
            "",
        )
        .await
        .expect("list applications")
        .iter()
        .filter_map(|a| a["metadata"]["name"].as_str().map(str::to_owned))
        .collect()
}

/// A set with a list generator of one element: one Application.
fn list_appset() -> serde_json::Value {
    json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": "guestbook", "namespace": "argocd"},
        "spec": {
            "generators": [{"list": {"elements": [{"cluster": "dev"}]}}],
            "template": {
                "metadata": {"name": "guestbook-{{cluster}}"},
                "spec": {
                    "project": "default",
                    "source": {"repoURL": "https://git.invalid/guestbook.git",
                               "path": "guestbook", "targetRevision": "HEAD"},
                    "destination": {"server": "https://kubernetes.default.svc",
                                    "namespace": "guestbook"}
                }
            }
        }
    })
}
