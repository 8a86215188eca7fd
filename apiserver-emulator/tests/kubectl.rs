//! The installed kubectl (`/usr/bin/kubectl` or `kubectl` on PATH) works
//! against the emulator: get, client-side apply (create and update) and
//! delete. Skipped when kubectl is not installed.

mod common;

use std::path::Path;
use std::process::Stdio;

use common::{LIMIT, start};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::Api;

/// Runs kubectl against `server` with an empty kubeconfig and a private
/// cache; returns (exit success, stdout, stderr).
async fn kubectl(server: &str, dir: &Path, args: &[&str]) -> (bool, String, String) {
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(&kubeconfig, "").expect("write empty kubeconfig");
    let mut cmd = tokio::process::Command::new("kubectl");
    cmd.env("KUBECONFIG", &kubeconfig)
        .arg("--server")
        .arg(server)
        .arg("--cache-dir")
        .arg(dir.join("cache"))
        .args(args)
        .stdin(Stdio::null())
        .kill_on_drop(true);
    let out = tokio::time::timeout(LIMIT * 3, cmd.output())
        .await
        .expect("kubectl timed out")
        .expect("kubectl runs");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    (out.status.success(), stdout, stderr)
}

fn kubectl_installed() -> bool {
    std::process::Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_get_apply_delete() {
    if !kubectl_installed() {
        eprintln!("kubectl not installed: skipping");
        return;
    }
    let (emu, client) = start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let url = emu.url();

    let (ok, out, err) = kubectl(&url, dir.path(), &["get", "configmaps", "-n", "default"]).await;
    assert!(ok, "get failed: {out}\n{err}");
    assert!(
        out.is_empty() && err.contains("No resources found"),
        "{out}\n{err}"
    );

    let manifest = dir.path().join("cm.yaml");
    std::fs::write(&manifest, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\n  namespace: default\ndata:\n  mode: blue\n  keep: \"1\"\n").expect("write");
    let (ok, out, err) = kubectl(
        &url,
        dir.path(),
        &["apply", "-f", manifest.to_str().expect("utf-8")],
    )
    .await;
    assert!(ok, "apply failed: {out}\n{err}");
    assert!(out.contains("configmap/app-config created"), "{out}");

    let api: Api<ConfigMap> = Api::namespaced(client, "default");
    let live = tokio::time::timeout(LIMIT, api.get("app-config"))
        .await
        .expect("in time")
        .expect("created");
    let annotations = live.metadata.annotations.clone().unwrap_or_default();
    assert!(annotations.contains_key("kubectl.kubernetes.io/last-applied-configuration"));

    std::fs::write(&manifest, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\n  namespace: default\ndata:\n  mode: green\n").expect("write");
    let (ok, out, err) = kubectl(
        &url,
        dir.path(),
        &["apply", "-f", manifest.to_str().expect("utf-8")],
    )
    .await;
    assert!(ok, "second apply failed: {out}\n{err}");
    assert!(out.contains("configmap/app-config configured"), "{out}");
    let live = tokio::time::timeout(LIMIT, api.get("app-config"))
        .await
        .expect("in time")
        .expect("updated");
    let data = live.data.unwrap_or_default();
    assert_eq!(data.get("mode").map(String::as_str), Some("green"));
    assert!(
        !data.contains_key("keep"),
        "three-way apply removes the dropped key: {data:?}"
    );

    let (ok, out, err) = kubectl(
        &url,
        dir.path(),
        &["get", "cm", "-n", "default", "-o", "name"],
    )
    .await;
    assert!(ok && out.trim() == "configmap/app-config", "{out}\n{err}");

    let deploy = dir.path().join("deploy.yaml");
    std::fs::write(&deploy, "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: default\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1\n").expect("write");
    let deploy = deploy.to_str().expect("utf-8");
    let (ok, out, err) = kubectl(&url, dir.path(), &["apply", "--server-side", "-f", deploy]).await;
    assert!(
        ok && out.contains("deployment.apps/web serverside-applied"),
        "server-side apply: {out}\n{err}"
    );
    let (ok, out, err) = kubectl(
        &url,
        dir.path(),
        &[
            "rollout",
            "status",
            "deployment/web",
            "-n",
            "default",
            "--timeout=20s",
        ],
    )
    .await;
    assert!(
        ok && out.contains("successfully rolled out"),
        "rollout status: {out}\n{err}"
    );
    let changed = std::fs::read_to_string(deploy)
        .expect("read")
        .replace("nginx:1", "nginx:2");
    std::fs::write(deploy, changed).expect("write");
    let (ok, out, err) = kubectl(&url, dir.path(), &["apply", "-f", deploy]).await;
    assert!(ok, "client-side apply over server-side apply: {out}\n{err}");
    let (ok, out, err) = kubectl(
        &url,
        dir.path(),
        &["get", "deploy", "web", "-n", "default", "-o", "json"],
    )
    .await;
    assert!(ok, "{err}");
    let live: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        live["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx:2"
    );
    assert!(
        !out.contains("$setElementOrder") && !out.contains("$retainKeys"),
        "patch directives leaked: {out}"
    );
    let (ok, out, err) = kubectl(&url, dir.path(), &["delete", "-f", deploy]).await;
    assert!(ok && out.contains("deleted"), "delete -f: {out}\n{err}");
    let (ok, out, err) = kubectl(
        &url,
        dir.path(),
        &["delete", "configmap", "app-config", "-n", "default"],
    )
    .await;
    assert!(ok, "delete failed: {out}\n{err}");
    assert!(out.contains("deleted"), "{out}");
    assert!(
        tokio::time::timeout(LIMIT, api.get_opt("app-config"))
            .await
            .expect("in time")
            .expect("get")
            .is_none()
    );
    emu.shutdown().await;
}
