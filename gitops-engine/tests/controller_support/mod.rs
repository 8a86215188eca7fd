//! Harness for the controller's end-to-end tests: a real Git repository in a
//! temp dir, the API server emulator on loopback, and the controller running
//! against both with short timings.
#![allow(dead_code)] // each test binary uses a different subset

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use apiserver_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use gitops_engine::cluster::{Cluster, Gvk, KubeCluster, ObjectRef, WriteOptions};
use gitops_engine::controller::{Controller, ControllerSettings, Metrics};
use serde_json::{Value, json};
use tokio::sync::oneshot;

// The including test crate declares `source_support` at its root.
pub use crate::source_support::Upstream;

/// How long any awaited condition may take.
const PATIENCE: Duration = Duration::from_secs(30);
/// The controller's namespace.
pub const ARGOCD: &str = "argocd";

/// A running scenario.
pub struct Env {
    /// The Git repository the apps read.
    pub up: Upstream,
    /// The cluster, for checks and "manual kubectl" edits.
    pub cluster: KubeCluster,
    /// The controller (for its metrics).
    pub controller: Controller,
    emulator: Option<EmulatorHandle>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Env {
    /// Emulator (workloads settle `status_delay` after a write), namespace
    /// `argocd`, and the controller running with sub-second timings.
    pub async fn start_with_status_delay(status_delay: Duration) -> Env {
        Self::start_with(status_delay, |_| {}).await
    }

    /// [`Env::start_with_status_delay`], with `adjust` changing the
    /// controller's settings before it starts.
    pub async fn start_with(
        status_delay: Duration,
        adjust: impl FnOnce(&mut ControllerSettings),
    ) -> Env {
        let emulator = Emulator::start_with(EmulatorConfig {
            status_delay,
            ..EmulatorConfig::default()
        })
        .await
        .expect("emulator");
        let client =
            kube::Client::try_from(kube::Config::new(emulator.url().parse().expect("url")))
                .expect("client");
        let cluster = KubeCluster::new(client.clone());
        cluster
            .create(
                &json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ARGOCD}}),
                WriteOptions::default(),
            )
            .await
            .expect("namespace");
        let up = Upstream::new();
        let mut settings = ControllerSettings::new(ARGOCD, up.cache.clone());
        settings.resync = Duration::from_millis(300);
        settings.repo_poll = Duration::from_millis(300);
        settings.self_heal_timeout = Duration::from_millis(200);
        settings.wave_delay = Duration::from_millis(50);
        settings.health_poll = Duration::from_millis(100);
        settings.operation_timeout = Some(Duration::from_secs(20));
        adjust(&mut settings);
        let controller = Controller::new(client, settings, Arc::new(Metrics::new()));
        let (stop, stopped) = oneshot::channel::<()>();
        let runner = controller.clone();
        let task = tokio::spawn(async move {
            runner
                .run(async {
                    let _ = stopped.await;
                })
                .await
                .expect("controller run");
        });
        Env {
            up,
            cluster,
            controller,
            emulator: Some(emulator),
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// [`Env::start_with_status_delay`] with 100 ms.
    pub async fn start() -> Env {
        Self::start_with_status_delay(Duration::from_millis(100)).await
    }

    /// The emulator's URL (for kubectl and other clients).
    pub fn api_url(&self) -> String {
        self.emulator.as_ref().expect("emulator running").url()
    }

    /// Commits `app/` = the `web` Deployment (nginx:1.0) and the `settings`
    /// ConfigMap holding `value`; returns the commit.
    pub fn commit_web_app(&self, value: &str) -> String {
        self.up
            .write("app/deployment.yaml", &deployment_yaml("nginx"));
        self.up.write("app/settings.yaml", &config_map_yaml(value));
        self.up.write(
            "app/kustomization.yaml",
            &kustomization_yaml(&["deployment.yaml", "settings.yaml"], Some("1.0")),
        );
        self.up.commit(&format!("settings {value}"))
    }

    /// Stops the controller and the emulator.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
        if let Some(emulator) = self.emulator.take() {
            emulator.shutdown().await;
        }
    }

    /// An Application for path `path` of the test repository, deploying to
    /// namespace `demo`, with `sync_policy` as its `spec.syncPolicy`.
    pub fn application(&self, name: &str, path: &str, sync_policy: Value) -> Value {
        json!({
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": name, "namespace": ARGOCD},
            "spec": {
                "project": "default",
                "source": {"repoURL": self.up.url(), "path": path, "targetRevision": "main"},
                "destination": {"server": "https://kubernetes.default.svc", "namespace": "demo"},
                "syncPolicy": sync_policy,
            }
        })
    }

    /// Creates an object.
    pub async fn create(&self, obj: &Value) {
        self.cluster
            .create(obj, WriteOptions::default())
            .await
            .expect("create");
    }

    /// Makes the controller trust `ca_pem` for Git servers on 127.0.0.1
    /// (`argocd-tls-certs-cm`, as Argo CD reads it).
    pub async fn trust_git_ca(&self, ca_pem: &str) {
        self.create(&json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "argocd-tls-certs-cm", "namespace": ARGOCD},
            "data": {"127.0.0.1": ca_pem},
        }))
        .await;
    }

    /// Merge-patches an object.
    pub async fn patch(&self, object: &ObjectRef, patch: Value) {
        self.cluster
            .merge_patch(object, &patch, WriteOptions::default())
            .await
            .expect("patch");
    }

    /// The Application `name` as stored.
    pub async fn app(&self, name: &str) -> Value {
        self.cluster
            .get(&app_ref(name))
            .await
            .expect("get app")
            .expect("app exists")
    }

    /// An object in namespace `demo`, if it exists.
    pub async fn get(&self, object: &ObjectRef) -> Option<Value> {
        self.cluster.get(object).await.expect("get")
    }

    /// Waits until `check` returns `Some`, polling every 50 ms; panics with
    /// `what` and the last state of the app `app` on timeout.
    pub async fn wait_for<T, F, Fut>(&self, what: &str, app: &str, mut check: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Option<T>>,
    {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            if let Some(found) = check().await {
                return found;
            }
            if tokio::time::Instant::now() > deadline {
                let state = self.cluster.get(&app_ref(app)).await.ok().flatten();
                panic!(
                    "timed out waiting for {what}; app is now:\n{}",
                    serde_json::to_string_pretty(&state).unwrap_or_default()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the app's status satisfies `check`; returns the app.
    pub async fn wait_for_app(
        &self,
        what: &str,
        name: &str,
        check: impl Fn(&Value) -> bool,
    ) -> Value {
        self.wait_for(what, name, || async {
            let app = self.app(name).await;
            check(&app).then_some(app)
        })
        .await
    }

    /// Waits until the object exists and satisfies `check`; returns it.
    pub async fn wait_for_object(
        &self,
        what: &str,
        app: &str,
        object: &ObjectRef,
        check: impl Fn(&Value) -> bool,
    ) -> Value {
        self.wait_for(what, app, || async {
            self.get(object).await.filter(|o| check(o))
        })
        .await
    }
}

/// Address of an Application in `argocd`.
pub fn app_ref(name: &str) -> ObjectRef {
    ObjectRef {
        gvk: Gvk::new("argoproj.io", "v1alpha1", "Application"),
        namespace: ARGOCD.into(),
        name: name.into(),
    }
}

/// Address of a namespaced object in `demo`.
pub fn demo(group: &str, version: &str, kind: &str, name: &str) -> ObjectRef {
    ObjectRef {
        gvk: Gvk::new(group, version, kind),
        namespace: "demo".into(),
        name: name.into(),
    }
}

/// The `demo/settings` ConfigMap.
pub fn settings_cm() -> ObjectRef {
    demo("", "v1", "ConfigMap", "settings")
}

/// The `demo/web` Deployment.
pub fn web_deployment() -> ObjectRef {
    demo("apps", "v1", "Deployment", "web")
}

/// `status.sync.status`, `status.health.status` and the history length.
pub fn summary(app: &Value) -> (String, String, usize) {
    (
        app["status"]["sync"]["status"]
            .as_str()
            .unwrap_or("")
            .to_owned(),
        app["status"]["health"]["status"]
            .as_str()
            .unwrap_or("")
            .to_owned(),
        app["status"]["history"].as_array().map_or(0, Vec::len),
    )
}

/// A ConfigMap manifest `settings` with one value.
pub fn config_map_yaml(value: &str) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  value: \"{value}\"\n"
    )
}

/// The message of the app's first condition of type `kind`.
pub fn condition(app: &Value, kind: &str) -> Option<String> {
    app["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == kind)
        .and_then(|c| c["message"].as_str())
        .map(str::to_owned)
}

/// Messages of the app's ComparisonError conditions.
pub fn comparison_errors(app: &Value) -> Vec<String> {
    app["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["type"] == "ComparisonError")
        .map(|c| c["message"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// A Deployment manifest `web` running `image`.
pub fn deployment_yaml(image: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: web\n        image: {image}\n"
    )
}

/// A kustomization listing `resources`, with an optional `images` override.
pub fn kustomization_yaml(resources: &[&str], image_tag: Option<&str>) -> String {
    let mut text =
        String::from("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n");
    text.push_str(if resources.is_empty() {
        "resources: []\n"
    } else {
        "resources:\n"
    });
    for r in resources {
        text.push_str(&format!("- {r}\n"));
    }
    if let Some(tag) = image_tag {
        text.push_str(&format!("images:\n- name: nginx\n  newTag: \"{tag}\"\n"));
    }
    text
}

/// Everything the process logs at debug level and above, captured for the
/// credential checks (once per test binary).
#[derive(Clone, Default)]
pub struct Logs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    /// Installs the capturing subscriber; panics if one is installed already.
    pub fn capture() -> Logs {
        let logs = Logs::default();
        let writer = logs.clone();
        tracing_subscriber::fmt()
            .with_env_filter("debug")
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .init();
        logs
    }

    /// What was logged so far.
    pub fn text(&self) -> String {
        let bytes = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        String::from_utf8_lossy(&bytes).into_owned()
    }
}
