//! Shared by the image write-back tests (also the `gitops` CLI tests):
//! pushing to Debian's `docker-registry` (see `registry_support`), a bare
//! Git remote with an app, and an emulator holding an Application.
#![allow(dead_code)] // each test binary uses a different subset

// The including test crate declares `source_support` at its root.
pub use crate::source_support::git;
#[path = "../registry_support/mod.rs"]
mod registry_support;
pub use registry_support::Registry;

use std::path::PathBuf;

use serde_json::json;
use sha2::{Digest, Sha256};
use tempfile::TempDir;

impl Registry {
    /// Pushes a small single-layer image as `repo:tag`.
    pub async fn push(&self, repo: &str, tag: &str) {
        let http = reqwest::Client::new();
        let blob = |bytes: Vec<u8>| {
            let http = http.clone();
            let base = self.url();
            async move {
                let digest = format!("sha256:{:x}", Sha256::digest(&bytes));
                let size = bytes.len();
                let started = http
                    .post(format!("{base}/v2/{repo}/blobs/uploads/"))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(started.status(), 202, "start upload");
                let location = started.headers()["location"].to_str().unwrap().to_owned();
                let location = if location.starts_with("http") {
                    location
                } else {
                    format!("{base}{location}")
                };
                let sep = if location.contains('?') { '&' } else { '?' };
                let done = http
                    .put(format!("{location}{sep}digest={digest}"))
                    .header("content-type", "application/octet-stream")
                    .body(bytes)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(done.status(), 201, "finish upload");
                (digest, size)
            }
        };
        let (layer, layer_size) = blob(format!("layer of {repo}:{tag}").into_bytes()).await;
        let config = json!({"architecture": "amd64", "os": "linux",
            "created": "2024-01-01T00:00:00Z", "rootfs": {"type": "layers", "diff_ids": [layer]}});
        let (config, config_size) = blob(serde_json::to_vec(&config).unwrap()).await;
        let media = "application/vnd.docker.distribution.manifest.v2+json";
        let manifest = json!({"schemaVersion": 2, "mediaType": media,
            "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": config_size, "digest": config},
            "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": layer_size, "digest": layer}]});
        let put = http
            .put(format!("{}/v2/{repo}/manifests/{tag}", self.url()))
            .header("content-type", media)
            .body(serde_json::to_vec(&manifest).unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(put.status(), 201, "put manifest {repo}:{tag}");
    }
}

/// A bare remote (branch `main`) holding `apps/web`: a Deployment running
/// `image` and a kustomization listing it, or a Helm chart.
pub struct AppRemote {
    /// Keeps the directories alive.
    pub tmp: TempDir,
    /// The bare repository.
    pub bare: PathBuf,
}

/// A Deployment named `web` running `image` (a template expression in a chart).
fn deployment(image: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: web\n        image: {image}\n"
    )
}

impl AppRemote {
    /// Seeds the remote with a kustomization.
    pub fn new(image: &str) -> Self {
        Self::with_files(&[
            ("apps/web/deployment.yaml", deployment(image)),
            (
                "apps/web/kustomization.yaml",
                "resources:\n- deployment.yaml\n".to_owned(),
            ),
        ])
    }

    /// Seeds the remote with a chart whose `image.repository` and
    /// `image.tag` values make the Deployment's image.
    pub fn helm_chart(repository: &str, tag: &str) -> Self {
        Self::with_files(&[
            (
                "apps/web/Chart.yaml",
                "apiVersion: v2\nname: web\nversion: 0.1.0\n".to_owned(),
            ),
            (
                "apps/web/values.yaml",
                format!("# The image.\nimage:\n  repository: {repository}\n  tag: {tag}\n"),
            ),
            (
                "apps/web/templates/deployment.yaml",
                deployment("\"{{ .Values.image.repository }}:{{ .Values.image.tag }}\""),
            ),
        ])
    }

    fn with_files(files: &[(&str, String)]) -> Self {
        let tmp = TempDir::new().unwrap();
        let bare = tmp.path().join("remote.git");
        std::fs::create_dir_all(&bare).unwrap();
        git(&bare, &["init", "-q", "--bare"]);
        let seed = tmp.path().join("seed");
        std::fs::create_dir_all(&seed).unwrap();
        git(&seed, &["init", "-q"]);
        for (path, text) in files {
            let path = seed.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        git(&seed, &["add", "-A"]);
        git(&seed, &["commit", "-q", "-m", "seed"]);
        git(&seed, &["push", "-q", bare.to_str().unwrap(), "main"]);
        Self { tmp, bare }
    }

    /// The remote as a `file://` URL.
    pub fn url(&self) -> String {
        format!("file://{}", self.bare.display())
    }

    /// A fresh directory inside the temporary directory.
    pub fn dir(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }
}

/// An API server emulator holding namespace `argocd` and the Application
/// object `app`, with a client for it.
pub async fn emulator_with_application(
    app: &serde_json::Value,
) -> (apiserver_emulator::EmulatorHandle, kube::Client) {
    use kube::api::{Api, DynamicObject, PostParams};
    use kube::core::{ApiResource, GroupVersionKind};
    let emulator = apiserver_emulator::Emulator::start()
        .await
        .expect("emulator");
    let client = kube::Client::try_from(kube::Config::new(emulator.url().parse().expect("url")))
        .expect("client");
    let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(client.clone());
    let namespace = serde_json::from_value(json!({"metadata": {"name": "argocd"}})).expect("ns");
    namespaces
        .create(&PostParams::default(), &namespace)
        .await
        .expect("create namespace");
    let apps: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        "argocd",
        &ApiResource::from_gvk(&GroupVersionKind::gvk(
            "argoproj.io",
            "v1alpha1",
            "Application",
        )),
    );
    apps.create(
        &PostParams::default(),
        &serde_json::from_value(app.clone()).expect("application"),
    )
    .await
    .expect("create application");
    (emulator, client)
}
