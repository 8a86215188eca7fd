//! Two controller processes with `--shards 2` against one API server: each
//! claims one slot of the `argocd-app-controller-shard-cm` ConfigMap; when
//! one is killed (SIGKILL, no goodbye) the other adopts its slot. A `--shard`
//! outside `--shards` is refused.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod process_support;

use apiserver_emulator::Emulator;
use gitops_engine::cluster::sharding::{SHARD_MAPPING_CONFIGMAP, SHARD_MAPPING_KEY, ShardMapping};
use gitops_engine::cluster::{Cluster, Gvk, KubeCluster, ObjectRef};
use process_support::{cluster_with_namespaces, free_port, write_kubeconfig};

/// How long the slots may take to reach the awaited state.
const PATIENCE: Duration = Duration::from_secs(60);

struct Replica(Child);

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The holder of each slot, once the ConfigMap exists.
async fn holders(cluster: &KubeCluster) -> Option<Vec<String>> {
    let configmap = cluster
        .get(&ObjectRef {
            gvk: Gvk::new("", "v1", "ConfigMap"),
            namespace: "argocd".into(),
            name: SHARD_MAPPING_CONFIGMAP.into(),
        })
        .await
        .ok()??;
    let table = ShardMapping::parse(configmap["data"][SHARD_MAPPING_KEY].as_str()?).ok()?;
    Some(table.slots.into_iter().map(|s| s.controller_name).collect())
}

async fn wait_for_holders(cluster: &KubeCluster, what: &str, want: &[&str]) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let now = holders(cluster).await;
        if now.as_deref().is_some_and(|h| h == want) {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: slots held by {now:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_split_the_shards_and_adopt_a_killed_ones() {
    let emulator = Emulator::start().await.expect("emulator");
    let cluster = cluster_with_namespaces(&emulator.url(), &["argocd"]).await;
    let tmp = tempfile::tempdir().expect("tempdir");
    let kubeconfig = tmp.path().join("kubeconfig");
    write_kubeconfig(&kubeconfig, &emulator.url());
    let start = |identity: &str| {
        let child = Command::new(env!("CARGO_BIN_EXE_gitops-controller"))
            .args(["--shards", "2", "--shard-heartbeat", "1s"])
            .args(["--sharding-method", "round-robin", "--identity", identity])
            .args(["--metrics-addr", &format!("127.0.0.1:{}", free_port())])
            .arg("--disable-appsets")
            .arg("--repo-cache-dir")
            .arg(tmp.path().join(identity))
            .env("KUBECONFIG", &kubeconfig)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start gitops-controller");
        Replica(child)
    };
    let first = start("replica-a");
    // The first replica claims slot 0 alone; the second, started once it
    // did, claims the other.
    wait_for_holders(&cluster, "the first replica's claim", &["replica-a", ""]).await;
    let second = start("replica-b");
    wait_for_holders(&cluster, "one slot each", &["replica-a", "replica-b"]).await;

    drop(first);
    wait_for_holders(
        &cluster,
        "the killed replica's slot adopted",
        &["replica-b", "replica-b"],
    )
    .await;
    drop(second);
    emulator.shutdown().await;
}

#[test]
fn a_shard_outside_the_shard_count_is_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_gitops-controller"))
        .args(["--shards", "2", "--shard", "2"])
        .args(["--metrics-addr", &format!("127.0.0.1:{}", free_port())])
        .env("KUBECONFIG", "/nonexistent")
        .stdin(Stdio::null())
        .output()
        .expect("run gitops-controller");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--shard 2 must be below --shards 2"),
        "{stderr}"
    );
}
