//! The `gitops-server` binary against the API server emulator: it bootstraps the admin
//! account, serves TLS with a generated certificate by default and plain HTTP with
//! `--insecure`, and answers `/healthz`, logged-in API calls and Git webhooks.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use apiserver_emulator::Emulator;
use serde_json::{Value, json};

/// A running `gitops-server`, killed on drop.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts the binary with `args`; waits (bounded) for the URL line on stdout.
    fn start(kubeconfig: &std::path::Path, args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_gitops-server"))
            .args(["--address", "127.0.0.1", "--port", "0", "--kubeconfig"])
            .arg(kubeconfig)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn gitops-server");
        let stdout = child.stdout.take().expect("stdout");
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = sender.send(line);
        });
        let line = receiver
            .recv_timeout(Duration::from_secs(60))
            .expect("gitops-server printed its URL");
        let url = line
            .trim()
            .strip_prefix("gitops-server listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Server { child, url }
    }
}

async fn call(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_tls_and_insecure_with_login() {
    let emulator = Emulator::start().await.expect("emulator");
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(&kubeconfig, emulator.kubeconfig("test", "argocd")).expect("kubeconfig");
    let client =
        kube::Client::try_from(kube::Config::new(emulator.url().parse().unwrap())).expect("client");
    let namespaces: kube::Api<k8s_openapi::api::core::v1::Namespace> =
        kube::Api::all(client.clone());
    let mut ns = k8s_openapi::api::core::v1::Namespace::default();
    ns.metadata.name = Some("argocd".into());
    namespaces
        .create(&Default::default(), &ns)
        .await
        .expect("namespace");
    let http = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("http");

    let tls = Server::start(&kubeconfig, &[]);
    assert!(tls.url.starts_with("https://"), "{}", tls.url);
    let (status, body) = call(http.get(format!("{}/healthz", tls.url))).await;
    assert_eq!((status, body), (200, json!("ok")));
    drop(tls);

    let plain = Server::start(&kubeconfig, &["--insecure", "--log-format", "json"]);
    assert!(plain.url.starts_with("http://"), "{}", plain.url);
    let secrets: kube::Api<k8s_openapi::api::core::v1::Secret> =
        kube::Api::namespaced(client.clone(), "argocd");
    let initial = secrets
        .get("argocd-initial-admin-secret")
        .await
        .expect("initial admin secret");
    let password = initial.data.expect("data")["password"].0.clone();
    let password = String::from_utf8(password).expect("utf-8");
    let (status, body) = call(
        http.post(format!("{}/api/v1/session", plain.url))
            .header("content-type", "application/json")
            .body(json!({"username": "admin", "password": password}).to_string()),
    )
    .await;
    assert_eq!(status, 200, "{body:?}");
    let token = body["token"].as_str().expect("token");
    let (status, body) = call(
        http.get(format!("{}/api/v1/applications", plain.url))
            .bearer_auth(token),
    )
    .await;
    assert_eq!((status, &body["items"]), (200, &Value::Null), "{body:?}");
    let (status, _) = call(http.get(format!("{}/api/v1/applications", plain.url))).await;
    assert_eq!(status, 401);

    // The Git webhook is served without a token (argocd-secret holds no GitHub
    // secret here, so an unsigned push is accepted) and refreshes the app of the repo.
    let apps: kube::Api<kube::api::DynamicObject> = kube::Api::namespaced_with(
        client.clone(),
        "argocd",
        &kube::api::ApiResource::from_gvk(&kube::api::GroupVersionKind::gvk(
            "argoproj.io",
            "v1alpha1",
            "Application",
        )),
    );
    let app: kube::api::DynamicObject = serde_json::from_value(json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
        "metadata": {"name": "web", "namespace": "argocd"},
        "spec": {
            "project": "default",
            "source": {"repoURL": "https://github.com/acme/deploy.git", "path": "web"},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": "web"},
        },
    }))
    .expect("application");
    apps.create(&Default::default(), &app)
        .await
        .expect("create application");
    let push = json!({
        "ref": "refs/heads/main",
        "after": "0123456789abcdef0123456789abcdef01234567",
        "repository": {"html_url": "https://github.com/acme/deploy", "default_branch": "main"},
        "commits": [{"added": [], "modified": ["web/deployment.yaml"], "removed": []}],
    });
    let (status, body) = call(
        http.post(format!("{}/api/webhook", plain.url))
            .header("X-GitHub-Event", "push")
            .header("content-type", "application/json")
            .body(push.to_string()),
    )
    .await;
    assert_eq!(status, 200, "{body:?}");
    let waited = std::time::Instant::now();
    loop {
        let app = apps.get("web").await.expect("get application");
        let annotations = app.metadata.annotations.unwrap_or_default();
        if annotations.contains_key("argocd.argoproj.io/refresh") {
            break;
        }
        assert!(
            waited.elapsed() < Duration::from_secs(30),
            "the webhook did not refresh the app: {annotations:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    emulator.shutdown().await;
}
