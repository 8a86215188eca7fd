//! Two controller replicas with `--leader-elect` against one API server:
//! exactly one leads (its `gitops_controller_leader` gauge is 1) and the
//! Lease names it.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod process_support;

use apiserver_emulator::Emulator;
use gitops_engine::cluster::{Cluster, Gvk, ObjectRef};
use process_support::{cluster_with_namespaces, free_port, write_kubeconfig};

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_one_replica_leads() {
    let emulator = Emulator::start().await.expect("emulator");
    let cluster = cluster_with_namespaces(&emulator.url(), &["argocd"]).await;
    let tmp = tempfile::tempdir().expect("tempdir");
    let kubeconfig = tmp.path().join("kubeconfig");
    write_kubeconfig(&kubeconfig, &emulator.url());
    let start = |identity: &str| {
        let metrics_port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_gitops-controller"))
            .args(["--leader-elect", "--identity", identity])
            .args(["--metrics-addr", &format!("127.0.0.1:{metrics_port}")])
            .arg("--repo-cache-dir")
            .arg(tmp.path().join(identity))
            .env("KUBECONFIG", &kubeconfig)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start gitops-controller");
        Replica {
            child,
            metrics_port,
        }
    };
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
