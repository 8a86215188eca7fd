//! The README quickstart, as a test: the controller binary with its embedded
//! API server deploys the example monorepo's `shop-prod` Application from a
//! Git repository, and reports it on /metrics.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod process_support;
#[path = "../../../gitops-engine/tests/source_support/mod.rs"]
mod source_support;

use gitops_engine::cluster::{Cluster, Gvk, KubeCluster, ObjectRef, WriteOptions};
use process_support::free_port;
use serde_json::Value;
use source_support::Upstream;

/// A Git repository holding `examples/monorepo` at the same path as here.
fn example_repo() -> Upstream {
    let repo = Upstream::new();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/monorepo");
    repo.copy_tree(&examples, "examples/monorepo");
    repo.commit("example");
    repo
}

struct Controller(Child);

impl Drop for Controller {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn wait_until<T>(what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn controller_with_embedded_api_server_deploys_the_example() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = example_repo();
    let kubeconfig = tmp.path().join("kubeconfig");
    let (api_port, metrics_port) = (free_port(), free_port());
    let _controller = Controller(
        Command::new(env!("CARGO_BIN_EXE_gitops-controller"))
            .args(["--embedded-apiserver", &format!("127.0.0.1:{api_port}")])
            .arg("--write-kubeconfig")
            .arg(&kubeconfig)
            .args(["--metrics-addr", &format!("127.0.0.1:{metrics_port}")])
            .arg("--repo-cache-dir")
            .arg(tmp.path().join("cache"))
            .args(["--app-resync", "1s", "--sync-wave-delay", "100ms"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start gitops-controller"),
    );
    wait_until("the kubeconfig", async || {
        std::fs::read_to_string(&kubeconfig)
            .ok()
            .filter(|t| t.contains("current-context"))
    })
    .await;
    let config = kube::Config::from_custom_kubeconfig(
        kube::config::Kubeconfig::read_from(&kubeconfig).expect("kubeconfig"),
        &Default::default(),
    )
    .await
    .expect("config");
    let cluster = KubeCluster::new(kube::Client::try_from(config).expect("client"));

    // examples/monorepo/argocd/shop-prod.yaml, pointed at the local repository.
    let manifest = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/monorepo/argocd/shop-prod.yaml"),
    )
    .expect("application manifest");
    let mut app: Value = serde_yaml_like(&manifest);
    app["spec"]["source"]["repoURL"] = repo.url().into();
    cluster
        .create(&app, WriteOptions::default())
        .await
        .expect("create the Application");

    let app_ref = ObjectRef {
        gvk: Gvk::new("argoproj.io", "v1alpha1", "Application"),
        namespace: "argocd".into(),
        name: "shop-prod".into(),
    };
    let status = wait_until("shop-prod Synced and Healthy", async || {
        let app = cluster.get(&app_ref).await.ok().flatten()?;
        let status = app["status"].clone();
        (status["sync"]["status"] == "Synced" && status["health"]["status"] == "Healthy")
            .then_some(status)
    })
    .await;
    let kinds: Vec<&str> = status["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter_map(|r| r["kind"].as_str())
        .collect();
    for kind in [
        "Deployment",
        "Service",
        "ConfigMap",
        "Secret",
        "HorizontalPodAutoscaler",
    ] {
        assert!(kinds.contains(&kind), "{kind} deployed: {kinds:?}");
    }
    let deployment = ObjectRef {
        gvk: Gvk::new("apps", "v1", "Deployment"),
        namespace: "shop-prod".into(),
        name: "user-service".into(),
    };
    assert!(
        cluster.get(&deployment).await.expect("get").is_some(),
        "{deployment} deployed"
    );

    let metrics = reqwest::get(format!("http://127.0.0.1:{metrics_port}/metrics"))
        .await
        .expect("GET /metrics")
        .text()
        .await
        .expect("body");
    let info = metrics
        .lines()
        .find(|l| l.starts_with("argocd_app_info{") && l.contains("name=\"shop-prod\""))
        .unwrap_or_else(|| panic!("argocd_app_info for shop-prod in:\n{metrics}"));
    assert!(
        info.contains("sync_status=\"Synced\"") && info.contains("health_status=\"Healthy\""),
        "{info}"
    );
    let health = reqwest::get(format!("http://127.0.0.1:{metrics_port}/healthz"))
        .await
        .expect("GET /healthz");
    assert!(health.status().is_success());
}

/// Parses the YAML manifest with the renderer's YAML reader.
fn serde_yaml_like(text: &str) -> Value {
    kustomize_core::yaml::parse_document(text).expect("yaml")
}
