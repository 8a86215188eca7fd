//! `gitops image check|update APP` against an Application held by the API
//! server emulator (reached through a kubeconfig) and a real
//! `docker-registry` on 127.0.0.1. Skipped (with a note) when
//! `docker-registry` is not installed.

#[path = "../../../gitops-engine/tests/source_support/mod.rs"]
mod source_support;
#[path = "../../../gitops-engine/tests/image_writeback_support/mod.rs"]
mod support;

use std::path::Path;
use std::process::{Command, Output};

use kube::api::{Api, DynamicObject};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::json;
use support::{Registry, emulator_with_application};

/// Runs the `gitops` binary with `kubeconfig`, off the async runtime.
async fn gitops(kubeconfig: &Path, args: &[&str]) -> Output {
    let kubeconfig = kubeconfig.to_owned();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_gitops"))
            .args(&args)
            .env("KUBECONFIG", &kubeconfig)
            .env_remove("KUBERNETES_SERVICE_HOST")
            .output()
            .expect("run gitops")
    })
    .await
    .expect("join")
}

fn write_kubeconfig(dir: &Path, server: &str) -> std::path::PathBuf {
    let path = dir.join("kubeconfig");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: emu\n  cluster:\n    server: {server}\ncontexts:\n- name: emu\n  context:\n    cluster: emu\n    user: emu\ncurrent-context: emu\nusers:\n- name: emu\n  user: {{}}\n"
        ),
    )
    .unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn image_check_prints_changes_and_update_patches_the_application() {
    let Some(registry) =
        Registry::start("image_check_prints_changes_and_update_patches_the_application").await
    else {
        return;
    };
    for tag in ["1.0.0", "1.1.0", "2.0.0"] {
        registry.push("demo/web", tag).await;
    }
    let image = format!("{}/demo/web", registry.addr);
    let app = json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
        "metadata": {"name": "web", "namespace": "argocd", "annotations": {
            "argocd-image-updater.argoproj.io/image-list": format!("{image}:1.x")}},
        "spec": {"project": "default",
            "source": {"repoURL": "https://example.com/r.git", "path": "apps/web"},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": "web"}},
        "status": {"summary": {"images": [format!("{image}:1.0.0")]}},
    });
    let (emulator, client) = emulator_with_application(&app).await;
    let tmp = tempfile::tempdir().unwrap();
    let kubeconfig = write_kubeconfig(tmp.path(), &emulator.url());
    let apps: Api<DynamicObject> = Api::namespaced_with(
        client,
        "argocd",
        &ApiResource::from_gvk(&GroupVersionKind::gvk(
            "argoproj.io",
            "v1alpha1",
            "Application",
        )),
    );
    let images = || async {
        let app = serde_json::to_value(apps.get("web").await.unwrap()).unwrap();
        app["spec"]["source"]["kustomize"]["images"].clone()
    };

    let check = gitops(
        &kubeconfig,
        &[
            "image",
            "check",
            "web",
            "-n",
            "argocd",
            "--insecure-registry",
            &registry.addr,
        ],
    )
    .await;
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&check.stdout),
        format!("{image}  1.0.0 -> 1.1.0\n")
    );
    assert_eq!(
        images().await,
        serde_json::Value::Null,
        "check writes nothing"
    );

    let update = gitops(
        &kubeconfig,
        &[
            "image",
            "update",
            "web",
            "--insecure-registry",
            &registry.addr,
        ],
    )
    .await;
    assert!(
        update.status.success(),
        "{}",
        String::from_utf8_lossy(&update.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&update.stdout),
        format!("{image}  1.0.0 -> 1.1.0\n")
    );
    assert_eq!(
        String::from_utf8_lossy(&update.stderr),
        "patched application argocd/web\n"
    );
    assert_eq!(images().await, json!([format!("{image}:1.1.0")]));

    let missing = gitops(&kubeconfig, &["image", "check", "nope"]).await;
    assert!(!missing.status.success());
    assert!(
        String::from_utf8_lossy(&missing.stderr)
            .starts_with("Error: reading application argocd/nope: "),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );
    emulator.shutdown().await;
}
