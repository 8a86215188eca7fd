//! `gitops sandbox up|down`: the quickstart's sandbox starts, serves
//! kubectl-style clients through the kubeconfig it writes, stops on `down`,
//! and keeps its objects across a restart with the same data directory.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{Api, PostParams};

const LIMIT: Duration = Duration::from_secs(30);

/// What `gitops sandbox up` printed.
struct Printed {
    /// The Kubernetes API server's URL.
    url: String,
    /// The Argo CD API's URL.
    server: String,
    /// The admin password.
    password: String,
}

/// Starts `gitops sandbox up` on free ports (and `extra` arguments) from the
/// repository root; returns the process and what it printed.
fn up(dir: &Path, extra: &[&str]) -> (Child, Printed) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gitops"))
        .args([
            "sandbox",
            "up",
            "--port",
            "0",
            "--server-port",
            "0",
            "--data-dir",
        ])
        .arg(dir)
        .args(extra)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("gitops runs");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().expect("a line").expect("utf-8");
    let url = first
        .strip_prefix("sandbox API server: ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_owned();
    let mut value = |label: &str| loop {
        let line = lines.next().expect("a line").expect("utf-8");
        if let Some(value) = line.strip_prefix(label) {
            return value.trim().to_owned();
        }
    };
    let server = value("Argo CD API:");
    let password = value("admin password:");
    // Keep draining stdout so the sandbox never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (
        child,
        Printed {
            url,
            server,
            password,
        },
    )
}

fn down(dir: &Path, child: &mut Child) {
    let out = Command::new(env!("CARGO_BIN_EXE_gitops"))
        .args(["sandbox", "down", "--data-dir"])
        .arg(dir)
        .output()
        .expect("gitops runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        assert!(started.elapsed() < LIMIT, "sandbox did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Logs in to the sandbox's Argo CD API as admin with the printed password;
/// returns the session token.
async fn login(printed: &Printed) -> String {
    let login = reqwest::Client::new()
        .post(format!("{}/api/v1/session", printed.server))
        .body(serde_json::json!({"username": "admin", "password": printed.password}).to_string())
        .timeout(LIMIT)
        .send()
        .await
        .expect("login request");
    assert_eq!(login.status().as_u16(), 200);
    let body: serde_json::Value =
        serde_json::from_str(&login.text().await.expect("login answer")).expect("JSON");
    body["token"].as_str().expect("token").to_owned()
}

async fn client(dir: &Path) -> kube::Client {
    let kubeconfig =
        kube::config::Kubeconfig::read_from(dir.join("kubeconfig")).expect("kubeconfig");
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .expect("config");
    kube::Client::try_from(config).expect("client")
}

#[tokio::test]
async fn sandbox_up_down_and_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut child, printed) = up(dir.path(), &[]);
    assert!(
        printed.url.starts_with("http://127.0.0.1:"),
        "{}",
        printed.url
    );
    // The Argo CD API takes the printed admin password.
    login(&printed).await;
    let c = client(dir.path()).await;
    let namespaces: Api<Namespace> = Api::all(c.clone());
    tokio::time::timeout(LIMIT, namespaces.get("argocd"))
        .await
        .expect("in time")
        .expect("the Applications' namespace exists");
    let cms: Api<ConfigMap> = Api::default_namespaced(c);
    let mut cm = ConfigMap::default();
    cm.metadata.name = Some("kept".into());
    tokio::time::timeout(LIMIT, cms.create(&PostParams::default(), &cm))
        .await
        .expect("in time")
        .expect("create in the kubeconfig's namespace");
    down(dir.path(), &mut child);

    let (mut child, _) = up(dir.path(), &[]);
    let cms: Api<ConfigMap> = Api::default_namespaced(client(dir.path()).await);
    let kept = tokio::time::timeout(LIMIT, cms.get_opt("kept"))
        .await
        .expect("in time")
        .expect("get");
    assert!(kept.is_some(), "objects survive a restart");
    down(dir.path(), &mut child);
    let again = Command::new(env!("CARGO_BIN_EXE_gitops"))
        .args(["sandbox", "down", "--data-dir"])
        .arg(dir.path())
        .output()
        .expect("gitops runs");
    assert!(!again.status.success(), "nothing left to stop");
}

/// The README's one command: `sandbox up --example` deploys the example's
/// `shop-prod` Application from this checkout, and the Argo CD API reports it
/// Synced and Healthy to the admin logged in with the printed password.
#[tokio::test]
async fn sandbox_up_with_the_example_deploys_shop_prod() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut child, printed) = up(dir.path(), &["--example"]);
    let token = login(&printed).await;
    let started = Instant::now();
    loop {
        let answer = reqwest::Client::new()
            .get(format!("{}/api/v1/applications/shop-prod", printed.server))
            .bearer_auth(&token)
            .timeout(LIMIT)
            .send()
            .await
            .expect("get shop-prod")
            .text()
            .await
            .expect("an answer");
        let app: serde_json::Value = serde_json::from_str(&answer).expect("JSON");
        let status = &app["status"];
        if status["sync"]["status"] == "Synced" && status["health"]["status"] == "Healthy" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "shop-prod never turned Synced and Healthy: {status}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    down(dir.path(), &mut child);
}

/// The sandbox runs the ApplicationSet reconciler too, with the kind
/// registered: an ApplicationSet applied through the kubeconfig generates its
/// Application.
#[tokio::test]
async fn sandbox_generates_the_applications_of_an_application_set() {
    use kube::api::{ApiResource, DynamicObject, GroupVersionKind};
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut child, _) = up(dir.path(), &[]);
    let c = client(dir.path()).await;
    let resource =
        |kind: &str| ApiResource::from_gvk(&GroupVersionKind::gvk("argoproj.io", "v1alpha1", kind));
    let appsets: Api<DynamicObject> =
        Api::namespaced_with(c.clone(), "argocd", &resource("ApplicationSet"));
    let appset: DynamicObject = serde_json::from_value(serde_json::json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": "guestbook", "namespace": "argocd"},
        "spec": {
            "generators": [{"list": {"elements": [{"env": "dev"}, {"env": "prod"}]}}],
            "template": {
                "metadata": {"name": "guestbook-{{env}}"},
                "spec": {
                    "project": "default",
                    "source": {"repoURL": "https://git.invalid/guestbook.git",
                               "path": "{{env}}", "targetRevision": "HEAD"},
                    "destination": {"server": "https://kubernetes.default.svc",
                                    "namespace": "guestbook-{{env}}"}
                }
            }
        }
    }))
    .expect("an ApplicationSet");
    tokio::time::timeout(LIMIT, appsets.create(&PostParams::default(), &appset))
        .await
        .expect("in time")
        .expect("the ApplicationSet kind is served");
    let apps: Api<DynamicObject> = Api::namespaced_with(c, "argocd", &resource("Application"));
    let started = Instant::now();
    loop {
        let mut names: Vec<String> = apps
            .list(&Default::default())
            .await
            .expect("list Applications")
            .items
            .into_iter()
            .filter_map(|a| a.metadata.name)
            .collect();
        names.sort();
        if names == ["guestbook-dev", "guestbook-prod"] {
            break;
        }
        assert!(started.elapsed() < LIMIT, "generated: {names:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    down(dir.path(), &mut child);
}
