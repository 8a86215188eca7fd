//! SIGTERM in the middle of a four-wave sync: the controller stops at once
//! (leaving the operation `Running` with the waves done so far recorded),
//! and the restarted controller completes the operation from there without
//! running a completed hook again.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod process_support;
#[path = "../../../gitops-engine/tests/source_support/mod.rs"]
mod source_support;

use apiserver_emulator::Emulator;
use gitops_engine::cluster::{Cluster, Gvk, KubeCluster, ObjectRef, WriteOptions};
use process_support::{cluster_with_namespaces, free_port, write_kubeconfig};
use serde_json::{Value, json};
use source_support::Upstream;

const PATIENCE: Duration = Duration::from_secs(60);

/// A controller process, killed on drop if still running.
struct Controller(Child);

impl Controller {
    fn start(kubeconfig: &Path, cache: &Path) -> Controller {
        let child = Command::new(env!("CARGO_BIN_EXE_gitops-controller"))
            .args(["--metrics-addr", &format!("127.0.0.1:{}", free_port())])
            .args(["--sync-wave-delay", "3s", "--shutdown-grace", "0s"])
            .arg("--repo-cache-dir")
            .arg(cache)
            .env("KUBECONFIG", kubeconfig)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start gitops-controller");
        Controller(child)
    }

    /// Sends SIGTERM and waits (bounded) for a clean exit.
    fn terminate(mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM failed");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(exit) = self.0.try_wait().expect("wait") {
                assert!(exit.success(), "controller exited with {exit}");
                return;
            }
            assert!(Instant::now() < deadline, "controller ignored SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Controller {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A ConfigMap `name` in sync wave `wave`, a hook when `hook` is given.
fn config_map(name: &str, wave: i64, hook: Option<&str>) -> String {
    let hook = hook
        .map(|h| format!("    argocd.argoproj.io/hook: {h}\n"))
        .unwrap_or_default();
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  annotations:\n    argocd.argoproj.io/sync-wave: \"{wave}\"\n{hook}data:\n  wave: \"{wave}\"\n"
    )
}

fn object(name: &str) -> ObjectRef {
    ObjectRef {
        gvk: Gvk::new("", "v1", "ConfigMap"),
        namespace: "demo".into(),
        name: name.into(),
    }
}

fn app_ref() -> ObjectRef {
    ObjectRef {
        gvk: Gvk::new("argoproj.io", "v1alpha1", "Application"),
        namespace: "argocd".into(),
        name: "waves".into(),
    }
}

/// Names of the objects with a result in the app's operation state.
fn recorded(app: &Value) -> Vec<String> {
    app["status"]["operationState"]["syncResult"]["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["name"].as_str().map(str::to_owned))
        .collect()
}

async fn wait_for_app(cluster: &KubeCluster, what: &str, check: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let app = cluster.get(&app_ref()).await.expect("get app");
        if let Some(app) = app.filter(|a| check(a)) {
            return app;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn uid(cluster: &KubeCluster, name: &str) -> String {
    let object = cluster.get(&object(name)).await.expect("get");
    let object = object.unwrap_or_else(|| panic!("{name} exists"));
    object["metadata"]["uid"].as_str().expect("uid").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_sync_then_restart_completes_the_operation_without_rerunning_hooks() {
    let emulator = Emulator::start().await.expect("emulator");
    let cluster = cluster_with_namespaces(&emulator.url(), &["argocd", "demo"]).await;
    let tmp = tempfile::tempdir().expect("tempdir");
    let kubeconfig = tmp.path().join("kubeconfig");
    write_kubeconfig(&kubeconfig, &emulator.url());

    let repo = Upstream::new();
    repo.write("app/pre.yaml", &config_map("pre", 0, Some("PreSync")));
    for wave in 1..=4 {
        repo.write(
            &format!("app/w{wave}.yaml"),
            &config_map(&format!("w{wave}"), wave, None),
        );
    }
    repo.write("app/mid.yaml", &config_map("mid", 2, Some("Sync")));
    repo.write("app/post.yaml", &config_map("post", 0, Some("PostSync")));
    repo.commit("four waves and three hooks");
    cluster
        .create(
            &json!({
                "apiVersion": "argoproj.io/v1alpha1",
                "kind": "Application",
                "metadata": {"name": "waves", "namespace": "argocd"},
                "spec": {
                    "project": "default",
                    "source": {"repoURL": repo.url(), "path": "app", "targetRevision": "main"},
                    "destination": {"server": "https://kubernetes.default.svc", "namespace": "demo"},
                    "syncPolicy": {"automated": {}},
                }
            }),
            WriteOptions::default(),
        )
        .await
        .expect("application");

    let cache = tmp.path().join("cache");
    let first = Controller::start(&kubeconfig, &cache);
    let during = wait_for_app(&cluster, "wave 2 applied", |a| {
        recorded(a).contains(&"w2".to_owned())
    })
    .await;
    first.terminate();

    let stopped = cluster.get(&app_ref()).await.expect("get").expect("app");
    let state = &stopped["status"]["operationState"];
    assert_eq!(
        state["phase"], "Running",
        "left for the next start to resume"
    );
    let done = recorded(&stopped);
    assert!(
        done.contains(&"pre".to_owned()) && done.contains(&"mid".to_owned()),
        "{done:?}"
    );
    assert!(
        !done.contains(&"w3".to_owned()),
        "stopped before wave 3: {done:?}"
    );
    assert!(cluster.get(&object("w3")).await.expect("get").is_none());
    let hooks_before = (uid(&cluster, "pre").await, uid(&cluster, "mid").await);

    let _second = Controller::start(&kubeconfig, &cache);
    let app = wait_for_app(&cluster, "the operation completed", |a| {
        a["status"]["operationState"]["phase"] == "Succeeded"
    })
    .await;
    let state = &app["status"]["operationState"];
    assert_eq!(
        state["startedAt"], during["status"]["operationState"]["startedAt"],
        "the same operation, resumed"
    );
    let hooks_after = (uid(&cluster, "pre").await, uid(&cluster, "mid").await);
    assert_eq!(
        hooks_after, hooks_before,
        "completed hooks were not run again"
    );
    for name in ["w3", "w4", "post"] {
        uid(&cluster, name).await;
    }
    let done = recorded(&app);
    for name in ["pre", "w1", "w2", "mid", "w3", "w4", "post"] {
        assert_eq!(
            done.iter().filter(|n| *n == name).count(),
            1,
            "{name} once in {done:?}"
        );
    }
    assert_eq!(app["status"]["history"].as_array().map(Vec::len), Some(1));
    emulator.shutdown().await;
}
