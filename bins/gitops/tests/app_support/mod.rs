//! Shared harness of the `gitops app` tests: an API server emulator, a kubeconfig
//! pointing at it, the real `gitops` binary, and a stand-in for the controller that
//! answers sync operations the way Argo CD's controller records them.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Output;
use std::time::Duration;

use apiserver_emulator::{Emulator, EmulatorHandle};
use kube::api::{Api, ApiResource, DynamicObject, Patch, PatchParams, PostParams};
use serde_json::{Value, json};

/// Namespace of the Application objects.
pub const NS: &str = "argocd";

/// An emulator with a kubeconfig for it.
pub struct Env {
    pub emulator: EmulatorHandle,
    pub client: kube::Client,
    pub dir: tempfile::TempDir,
    pub kubeconfig: PathBuf,
}

fn app_resource() -> ApiResource {
    ApiResource {
        group: "argoproj.io".into(),
        version: "v1alpha1".into(),
        api_version: "argoproj.io/v1alpha1".into(),
        kind: "Application".into(),
        plural: "applications".into(),
    }
}

impl Env {
    /// Starts an emulator and writes a kubeconfig for it.
    pub async fn start() -> Env {
        let emulator = Emulator::start().await.expect("emulator");
        let client = kube::Client::try_from(kube::Config::new(
            emulator.url().parse().expect("emulator url"),
        ))
        .expect("client");
        let dir = tempfile::tempdir().expect("tempdir");
        let kubeconfig = dir.path().join("kubeconfig");
        std::fs::write(
            &kubeconfig,
            format!(
                "apiVersion: v1\nkind: Config\nclusters:\n- name: emu\n  cluster:\n    server: {}\ncontexts:\n- name: emu\n  context:\n    cluster: emu\n    user: emu\ncurrent-context: emu\nusers:\n- name: emu\n  user: {{}}\n",
                emulator.url()
            ),
        )
        .expect("kubeconfig");
        let env = Env {
            emulator,
            client,
            dir,
            kubeconfig,
        };
        env.create(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}}))
            .await;
        env
    }

    fn api(&self, object: &Value) -> Api<DynamicObject> {
        let api_version = object["apiVersion"].as_str().expect("apiVersion");
        let kind = object["kind"].as_str().expect("kind");
        let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
        let plural = format!("{}s", kind.to_lowercase());
        let resource = ApiResource {
            group: group.into(),
            version: version.into(),
            api_version: api_version.into(),
            kind: kind.into(),
            plural,
        };
        match object["metadata"]["namespace"].as_str() {
            Some(ns) => Api::namespaced_with(self.client.clone(), ns, &resource),
            None => Api::all_with(self.client.clone(), &resource),
        }
    }

    /// Creates any object (plural = lowercase kind + "s").
    pub async fn create(&self, object: Value) -> Value {
        let obj: DynamicObject = serde_json::from_value(object.clone()).expect("object");
        let created = self
            .api(&object)
            .create(&PostParams::default(), &obj)
            .await
            .expect("create");
        serde_json::to_value(created).expect("json")
    }

    fn apps(&self) -> Api<DynamicObject> {
        Api::namespaced_with(self.client.clone(), NS, &app_resource())
    }

    /// Creates an Application (namespace `argocd`) from its fields.
    pub async fn create_app(&self, name: &str, spec: Value, status: Value) -> Value {
        self.create(json!({
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": name, "namespace": NS},
            "spec": spec,
            "status": status,
        }))
        .await
    }

    /// The Application as stored.
    pub async fn app(&self, name: &str) -> Value {
        serde_json::to_value(self.apps().get(name).await.expect("get app")).expect("json")
    }

    /// Merge-patches an Application.
    pub async fn patch_app(&self, name: &str, patch: Value) -> Value {
        let patched = self
            .apps()
            .patch(name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .expect("patch app");
        serde_json::to_value(patched).expect("json")
    }

    /// Runs the `gitops` binary with `KUBECONFIG` set to the emulator's.
    pub async fn gitops(&self, args: &[&str]) -> Output {
        let kubeconfig = self.kubeconfig.clone();
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_gitops"))
                .args(&args)
                .env("KUBECONFIG", kubeconfig)
                .env("USER", "tester")
                .env("TZ", "UTC")
                .output()
                .expect("run gitops")
        })
        .await
        .expect("join")
    }
}

/// Standard output as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A spec for a Git kustomize app.
pub fn spec(repo: &str, path: &str, target: &str) -> Value {
    json!({
        "project": "default",
        "source": {"repoURL": repo, "path": path, "targetRevision": target},
        "destination": {"server": "https://kubernetes.default.svc", "namespace": "guestbook"},
    })
}

/// Now as the controller writes times.
pub fn now() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// How the stand-in controller ends an operation.
#[derive(Clone)]
pub struct Outcome {
    /// `Succeeded`, `Failed` or `Error`.
    pub phase: &'static str,
    /// `operationState.message`.
    pub message: &'static str,
    /// The revision synced.
    pub revision: &'static str,
    /// `syncResult.resources`.
    pub resources: Value,
    /// `status.resources` afterwards.
    pub status_resources: Value,
    /// `status.sync.status` afterwards.
    pub sync_status: &'static str,
    /// `status.health.status` afterwards.
    pub health: &'static str,
}

/// Plays the controller for one operation of app `name`: waits for `operation`, moves
/// it to `status.operationState` (Running), then records the outcome (phase, result,
/// history entry, sync and health status, `reconciledAt`). Returns the operation seen.
pub async fn answer_one_operation(env: &Env, name: &str, outcome: Outcome) -> Value {
    let operation = loop {
        let app = env.app(name).await;
        if !app["operation"].is_null() {
            break app["operation"].clone();
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    };
    let started = now();
    env.patch_app(
        name,
        json!({"operation": null, "status": {"operationState": {
            "operation": operation, "phase": "Running", "startedAt": started}}}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let app = env.app(name).await;
    let mut history = app["status"]["history"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let next_id = history
        .iter()
        .filter_map(|h| h["id"].as_i64())
        .max()
        .map_or(0, |id| id + 1);
    if outcome.phase == "Succeeded" {
        history.push(json!({
            "id": next_id, "revision": outcome.revision, "deployedAt": now(),
            "deployStartedAt": started, "source": app["spec"]["source"],
            "initiatedBy": operation["initiatedBy"],
        }));
    }
    let finished = now();
    env.patch_app(
        name,
        json!({"status": {
            "operationState": {
                "operation": operation, "phase": outcome.phase, "message": outcome.message,
                "startedAt": started, "finishedAt": finished,
                "syncResult": {"revision": outcome.revision, "source": app["spec"]["source"],
                               "resources": outcome.resources},
            },
            "history": history,
            "resources": outcome.status_resources,
            "sync": {"status": outcome.sync_status, "revision": outcome.revision},
            "health": {"status": outcome.health},
            "reconciledAt": finished,
        }}),
    )
    .await;
    operation
}
