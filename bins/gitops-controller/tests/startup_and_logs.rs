//! Start-up before the API server is reachable (retry, `/healthz` not ready
//! naming the endpoint, then ready), and the log output: WARN with the app
//! name for a ComparisonError, JSON lines with `--log-format json`, no ANSI
//! colour codes when stderr is not a terminal.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod process_support;

use apiserver_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use gitops_engine::cluster::{Cluster, Gvk, KubeCluster, ObjectRef, WriteOptions};
use process_support::{cluster_with_namespaces, free_port, write_kubeconfig};
use serde_json::{Value, json};

const PATIENCE: Duration = Duration::from_secs(60);

struct Controller {
    child: Child,
    metrics_port: u16,
}

impl Controller {
    /// Starts the controller against the API server on `api_port`, its
    /// stderr written to `log`.
    fn start(dir: &Path, api_port: u16, log: &Path, extra: &[&str]) -> Controller {
        let kubeconfig = dir.join("kubeconfig");
        write_kubeconfig(&kubeconfig, &format!("http://127.0.0.1:{api_port}"));
        let metrics_port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_gitops-controller"))
            .args(["--metrics-addr", &format!("127.0.0.1:{metrics_port}")])
            .args(extra)
            .arg("--repo-cache-dir")
            .arg(dir.join("cache"))
            .env("KUBECONFIG", &kubeconfig)
            .env_remove("RUST_LOG")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log).expect("log file"))
            .spawn()
            .expect("start gitops-controller");
        Controller {
            child,
            metrics_port,
        }
    }

    /// `/healthz` status and body, once the endpoint answers.
    async fn healthz(&self) -> Option<(u16, String)> {
        let response = reqwest::get(format!("http://127.0.0.1:{}/healthz", self.metrics_port))
            .await
            .ok()?;
        let status = response.status().as_u16();
        Some((status, response.text().await.ok()?))
    }
}

impl Drop for Controller {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn wait_until<T>(what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn emulator_on(port: u16) -> (EmulatorHandle, KubeCluster) {
    let emulator = Emulator::start_with(EmulatorConfig {
        listen: SocketAddr::from(([127, 0, 0, 1], port)),
        ..EmulatorConfig::default()
    })
    .await
    .expect("emulator");
    let cluster = cluster_with_namespaces(&emulator.url(), &["argocd"]).await;
    (emulator, cluster)
}

/// An app whose repository does not exist: a ComparisonError.
async fn create_broken_app(cluster: &KubeCluster, dir: &Path) {
    let repo = format!("file://{}", dir.join("no-such-repo").display());
    cluster
        .create(
            &json!({
                "apiVersion": "argoproj.io/v1alpha1",
                "kind": "Application",
                "metadata": {"name": "broken", "namespace": "argocd"},
                "spec": {
                    "project": "default",
                    "source": {"repoURL": repo, "path": "app", "targetRevision": "main"},
                    "destination": {"server": "https://kubernetes.default.svc", "namespace": "demo"},
                }
            }),
            WriteOptions::default(),
        )
        .await
        .expect("application");
}

async fn wait_for_comparison_error(cluster: &KubeCluster) {
    let app = ObjectRef {
        gvk: Gvk::new("argoproj.io", "v1alpha1", "Application"),
        namespace: "argocd".into(),
        name: "broken".into(),
    };
    wait_until("a ComparisonError", async || {
        let app = cluster.get(&app).await.ok().flatten()?;
        let conditions = app["status"]["conditions"].as_array()?.clone();
        conditions
            .iter()
            .any(|c| c["type"] == "ComparisonError")
            .then_some(())
    })
    .await;
}

/// The log lines written so far, once one satisfies `check`.
async fn wait_for_log_line(log: &Path, check: impl Fn(&str) -> bool) -> String {
    wait_until("the log line", async || {
        let text = std::fs::read_to_string(log).ok()?;
        text.lines().any(&check).then_some(text)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waits_for_the_api_server_not_ready_until_it_answers_and_logs_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("controller.log");
    let api_port = free_port();
    let controller = Controller::start(dir.path(), api_port, &log, &["--log-format", "json"]);

    let (status, body) = wait_until("/healthz", async || controller.healthz().await).await;
    assert_eq!(status, 503, "not ready without an API server: {body}");
    assert!(body.contains(&format!("127.0.0.1:{api_port}")), "{body}");

    let (_emulator, cluster) = emulator_on(api_port).await;
    wait_until("ready", async || {
        controller
            .healthz()
            .await
            .filter(|(status, _)| *status == 200)
    })
    .await;
    create_broken_app(&cluster, dir.path()).await;
    wait_for_comparison_error(&cluster).await;

    let text = wait_for_log_line(&log, |line| line.contains("ComparisonError")).await;
    let lines: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let warning = lines
        .iter()
        .find(|l| l["fields"]["message"] == "ComparisonError")
        .expect("a ComparisonError line");
    assert_eq!(warning["level"], "WARN");
    assert_eq!(warning["fields"]["app"], "broken");
    assert!(
        lines
            .iter()
            .any(|l| l["level"] == "WARN" && l["fields"]["endpoint"].is_string()),
        "the retries were logged naming the endpoint"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_logs_have_no_colour_codes_when_stderr_is_a_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("controller.log");
    let api_port = free_port();
    let (_emulator, cluster) = emulator_on(api_port).await;
    let _controller = Controller::start(dir.path(), api_port, &log, &[]);
    create_broken_app(&cluster, dir.path()).await;
    wait_for_comparison_error(&cluster).await;
    let text = wait_for_log_line(&log, |line| line.contains("ComparisonError")).await;
    let line = text
        .lines()
        .find(|line| line.contains("ComparisonError"))
        .expect("line");
    assert!(
        line.contains("WARN") && line.contains("app=broken"),
        "{line}"
    );
    assert!(!text.contains('\u{1b}'), "no ANSI escape codes:\n{text}");
}
