//! The Git webhook end to end: the axum route on loopback, the API server
//! emulator holding `argocd-secret`, Applications and an ApplicationSet. A
//! signed GitHub push refreshes exactly the apps it concerns; a wrong
//! signature, an oversized body and an unknown sender change nothing.

mod appset_example;

use std::sync::Arc;
use std::time::{Duration, Instant};

use apiserver_emulator::{Emulator, EmulatorHandle};
use appset_example::appset_crd;
use gitops_engine::cluster::{Cluster, Gvk, KubeCluster, ObjectRef, WriteOptions};
use gitops_engine::webhook::{WebhookHandler, WebhookSettings, hmac_sha256_hex, webhook_router};
use serde_json::{Value, json};

const ARGOCD: &str = "argocd";
const SECRET: &str = "webhook-s3cret";
/// Bound on any awaited change (generous for a loaded CI machine).
const PATIENCE: Duration = Duration::from_secs(20);

struct Env {
    cluster: KubeCluster,
    url: String,
    http: reqwest::Client,
    emulator: Option<EmulatorHandle>,
    server: tokio::task::JoinHandle<()>,
}

impl Env {
    async fn start() -> Env {
        let emulator = Emulator::start().await.expect("emulator");
        let client = kube::Client::try_from(kube::Config::new(emulator.url().parse().unwrap()))
            .expect("client");
        let cluster = KubeCluster::new(client.clone());
        let create = |obj: Value| {
            let cluster = &cluster;
            async move {
                cluster
                    .create(&obj, WriteOptions::default())
                    .await
                    .expect("create")
            }
        };
        create(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ARGOCD}}))
            .await;
        create(appset_crd()).await;
        create(json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "argocd-secret", "namespace": ARGOCD},
            "stringData": {"webhook.github.secret": SECRET},
        }))
        .await;
        for (name, repo, path, revision, paths) in [
            (
                "web",
                "git@github.com:Codertocat/Hello-World.git",
                "apps/web",
                "HEAD",
                Some("."),
            ),
            (
                "web-https",
                "https://GITHUB.com/codertocat/hello-world",
                "apps/web",
                "main",
                None,
            ),
            (
                "docs-site",
                "https://github.com/Codertocat/Hello-World",
                "site",
                "HEAD",
                Some(".;/theme"),
            ),
            (
                "dev",
                "https://github.com/Codertocat/Hello-World.git",
                "apps/web",
                "dev",
                None,
            ),
            (
                "other-repo",
                "https://github.com/Codertocat/Other.git",
                "apps/web",
                "HEAD",
                None,
            ),
        ] {
            let mut app = json!({
                "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                "metadata": {"name": name, "namespace": ARGOCD},
                "spec": {
                    "project": "default",
                    "source": {"repoURL": repo, "path": path, "targetRevision": revision},
                    "destination": {"server": "https://kubernetes.default.svc", "namespace": "demo"},
                },
            });
            if let Some(paths) = paths {
                app["metadata"]["annotations"] =
                    json!({"argocd.argoproj.io/manifest-generate-paths": paths});
            }
            create(app).await;
        }
        create(json!({
            "apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet",
            "metadata": {"name": "services", "namespace": ARGOCD},
            "spec": {
                "generators": [{"matrix": {"generators": [
                    {"git": {"repoURL": "https://github.com/Codertocat/Hello-World.git",
                             "revision": "HEAD", "directories": [{"path": "apps/*"}]}},
                    {"list": {"elements": [{"env": "prod"}]}},
                ]}}],
                "template": {"metadata": {"name": "{{path.basename}}"}, "spec": {}},
            },
        }))
        .await;

        let mut settings = WebhookSettings::new(ARGOCD);
        settings.max_payload_mb = 1;
        let handler = WebhookHandler::start(Arc::new(KubeCluster::new(client)), settings);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/api/webhook", listener.local_addr().unwrap());
        let router = webhook_router(Arc::new(handler));
        let server = tokio::spawn(async move {
            axum::serve(listener, router).await.expect("serve");
        });
        Env {
            cluster,
            url,
            http: reqwest::Client::new(),
            emulator: Some(emulator),
            server,
        }
    }

    async fn stop(mut self) {
        self.server.abort();
        if let Some(emulator) = self.emulator.take() {
            emulator.shutdown().await;
        }
    }

    async fn object(&self, kind: &str, name: &str) -> Value {
        let target = ObjectRef {
            gvk: Gvk::new("argoproj.io", "v1alpha1", kind),
            namespace: ARGOCD.into(),
            name: name.into(),
        };
        self.cluster
            .get(&target)
            .await
            .expect("get")
            .expect("exists")
    }

    async fn app(&self, name: &str) -> Value {
        self.object("Application", name).await
    }

    /// Sends a GitHub event; the status and body of the answer.
    async fn github(&self, event: &str, body: &str, signature: &str) -> (u16, String) {
        let response = self
            .http
            .post(&self.url)
            .header("X-GitHub-Event", event)
            .header("X-Hub-Signature-256", signature)
            .header("Content-Type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .expect("post");
        (response.status().as_u16(), response.text().await.unwrap())
    }

    /// Waits (bounded) until `name` carries the refresh annotation; how long it took.
    async fn refreshed_within(
        &self,
        kind: &str,
        name: &str,
        key: &str,
        since: Instant,
    ) -> Duration {
        loop {
            if self.object(kind, name).await["metadata"]["annotations"][key].is_string() {
                return since.elapsed();
            }
            assert!(
                since.elapsed() < PATIENCE,
                "{kind} {name} was not refreshed"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

fn push(reference: &str, files: &[&str]) -> String {
    json!({
        "ref": reference,
        "before": "9049f1265b7d61be4a8904a9a27120d2064dab3b",
        "after": "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
        "commits": [{"id": "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c", "message": "change",
                     "added": [], "removed": [], "modified": files}],
        "repository": {"name": "Hello-World", "full_name": "Codertocat/Hello-World",
                       "html_url": "https://github.com/Codertocat/Hello-World",
                       "default_branch": "main"},
    })
    .to_string()
}

fn signed(body: &str) -> String {
    format!(
        "sha256={}",
        hmac_sha256_hex(SECRET.as_bytes(), body.as_bytes())
    )
}

fn refresh_of(app: &Value) -> Option<&str> {
    app["metadata"]["annotations"]["argocd.argoproj.io/refresh"].as_str()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_push_refreshes_the_matching_apps_and_a_forged_one_nothing() {
    let env = Env::start().await;
    let names = ["web", "web-https", "docs-site", "dev", "other-repo"];
    let mut before = Vec::new();
    for name in names {
        before.push(env.app(name).await["metadata"]["resourceVersion"].clone());
    }

    // A forged push to main: refused, nothing queued.
    let main_push = push("refs/heads/main", &["apps/web/deployment.yaml"]);
    let forged = format!(
        "sha256={}",
        hmac_sha256_hex(b"guessed", main_push.as_bytes())
    );
    assert_eq!(
        env.github("push", &main_push, &forged).await,
        (400, "Webhook processing failed".to_owned())
    );
    let unsigned_tampered = main_push.replace("main", "main2");
    assert_eq!(
        env.github("push", &unsigned_tampered, &signed(&main_push))
            .await
            .0,
        400
    );
    // A genuine push to `dev` goes through the same queue after them: once
    // it is done, a forged push that had been queued would be done too.
    let dev_push = push("refs/heads/dev", &["apps/web/deployment.yaml"]);
    let started = Instant::now();
    assert_eq!(
        env.github("push", &dev_push, &signed(&dev_push)).await,
        (200, String::new())
    );
    env.refreshed_within("Application", "dev", "argocd.argoproj.io/refresh", started)
        .await;
    for (name, version) in names.iter().zip(&before).filter(|(n, _)| **n != "dev") {
        let app = env.app(name).await;
        assert_eq!(
            &app["metadata"]["resourceVersion"], version,
            "{name} was touched"
        );
        assert_eq!(refresh_of(&app), None, "{name}");
    }

    // The genuine push to main.
    let started = Instant::now();
    assert_eq!(
        env.github("push", &main_push, &signed(&main_push)).await,
        (200, String::new())
    );
    let web = env
        .refreshed_within("Application", "web", "argocd.argoproj.io/refresh", started)
        .await;
    let appset = env
        .refreshed_within(
            "ApplicationSet",
            "services",
            "argocd.argoproj.io/application-set-refresh",
            started,
        )
        .await;
    println!("signed push to annotation: app {web:?}, appset {appset:?}");
    assert_eq!(refresh_of(&env.app("web").await), Some("normal"));
    assert_eq!(refresh_of(&env.app("web-https").await), Some("normal"));
    let services = env.object("ApplicationSet", "services").await;
    assert_eq!(
        services["metadata"]["annotations"]["argocd.argoproj.io/application-set-refresh"],
        "true"
    );
    // Outside its manifest-generate-paths, on another repository: untouched.
    assert_eq!(refresh_of(&env.app("docs-site").await), None);
    assert_eq!(refresh_of(&env.app("other-repo").await), None);
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_unknown_and_non_post_requests_are_refused() {
    let env = Env::start().await;
    let huge = format!(
        "{{\"ref\": \"refs/heads/main\", \"pad\": \"{}\"}}",
        "x".repeat(1024 * 1024)
    );
    assert_eq!(
        env.github("push", &huge, &signed(&huge)).await,
        (
            400,
            "Webhook processing failed: payload must be valid JSON under 1 MB".to_owned()
        )
    );
    let response = env.http.post(&env.url).body("{}").send().await.unwrap();
    assert_eq!(response.status().as_u16(), 400);
    assert_eq!(response.text().await.unwrap(), "Unknown webhook event");
    let response = env
        .http
        .get(&env.url)
        .header("X-GitHub-Event", "push")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);
    let ping = r#"{"zen": "Keep it logically awesome.", "hook_id": 1}"#;
    assert_eq!(
        env.github("ping", ping, &signed(ping)).await,
        (200, String::new())
    );
    assert_eq!(env.github("issues", "{}", &signed("{}")).await.0, 400);
    assert_eq!(refresh_of(&env.app("web").await), None);
    env.stop().await;
}
