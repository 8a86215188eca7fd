//! Harness of the API server tests: the controller scenario of `controller_support`
//! (emulator, Git repository, controller) plus the API router served on loopback.
#![allow(dead_code)] // each test binary uses a different subset

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use gitops_engine::cluster::{Cluster, Gvk, ObjectRef};
use gitops_engine::server::auth::accounts::{INITIAL_ADMIN_SECRET, bootstrap};
use gitops_engine::server::auth::session::LoginLimits;
use gitops_engine::server::{ServerConfig, ServerState, router};
use serde_json::{Value, json};

use crate::controller_support::{ARGOCD, Env};

/// How long one HTTP call may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// The API served on an ephemeral loopback port (stopped on drop).
pub struct Api {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    http: reqwest::Client,
    /// Sent as `Authorization: Bearer` when set.
    pub token: Option<String>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Api {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// An HTTP answer: status and body (JSON, or the text as a JSON string).
#[derive(Debug)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// The body.
    pub body: Value,
}

impl Api {
    /// Serves the API over `env`'s cluster with a repository cache in `cache`, after
    /// the first start's bootstrap (admin password, signing key), logged in as admin.
    pub async fn serve(env: &Env, cache: &std::path::Path) -> Api {
        Self::serve_with(env, cache, |_| {}).await
    }

    /// [`Api::serve`] with `adjust` changing the configuration.
    pub async fn serve_with(
        env: &Env,
        cache: &std::path::Path,
        adjust: impl FnOnce(&mut ServerConfig),
    ) -> Api {
        let client = env.cluster.client().clone();
        let mut config = ServerConfig::new(ARGOCD, cache);
        config.refresh_patience = Duration::from_secs(20);
        config.repo_poll = Duration::ZERO;
        config.keep_alive = Duration::from_millis(500);
        config.secure_cookies = false;
        config.login_limits = LoginLimits {
            padding: Duration::ZERO,
            ..LoginLimits::default()
        };
        adjust(&mut config);
        assert!(
            bootstrap(&env.cluster, ARGOCD).await.expect("bootstrap"),
            "a first start generates the admin password"
        );
        let state = Arc::new(ServerState::new(client, config));
        let mut api = Self::serve_router(router(state)).await;
        let password = admin_password(env).await;
        api.token = Some(api.login("admin", &password).await);
        api
    }

    /// Logs in; the token (panics unless the login succeeds).
    pub async fn login(&self, username: &str, password: &str) -> String {
        let answer = self
            .post_as(
                None,
                "/api/v1/session",
                json!({"username": username, "password": password}),
            )
            .await;
        assert_eq!(answer.status, 200, "login of {username}: {:?}", answer.body);
        answer.body["token"].as_str().expect("token").to_owned()
    }

    /// `POST path` with `token` (none: anonymous).
    pub async fn post_as(&self, token: Option<&str>, path: &str, body: Value) -> Answer {
        self.send(token, reqwest::Method::POST, path, Some(body))
            .await
    }

    /// `GET path` with `token` (none: anonymous).
    pub async fn get_as(&self, token: Option<&str>, path: &str) -> Answer {
        self.send(token, reqwest::Method::GET, path, None).await
    }

    /// `DELETE path` with `token` (none: anonymous).
    pub async fn delete_as(&self, token: Option<&str>, path: &str) -> Answer {
        self.send(token, reqwest::Method::DELETE, path, None).await
    }

    /// Serves `app` on an ephemeral loopback port.
    pub async fn serve_router(app: axum::Router) -> Api {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve");
        });
        Api {
            base,
            http: reqwest::Client::builder()
                .timeout(CALL_TIMEOUT)
                .build()
                .expect("http client"),
            token: None,
            task,
        }
    }

    /// Sends a request with the session token and an optional JSON body.
    pub async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Answer {
        self.send(self.token.as_deref(), method, path, body).await
    }

    /// Sends a request with `token` and an optional JSON body.
    async fn send(
        &self,
        token: Option<&str>,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Answer {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Answer { status, body }
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Answer {
        self.call(reqwest::Method::GET, path, None).await
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    /// `DELETE path`.
    pub async fn delete(&self, path: &str) -> Answer {
        self.call(reqwest::Method::DELETE, path, None).await
    }

    /// Opens the application stream (server-sent events) with the session token.
    pub async fn stream(&self, query: &str) -> Stream {
        self.stream_as(self.token.as_deref(), query).await
    }

    /// Opens the application stream with `token`, sent as the `argocd.token` cookie
    /// (as the web UI does).
    pub async fn stream_as(&self, token: Option<&str>, query: &str) -> Stream {
        let mut request = self
            .http
            .get(format!("{}/api/v1/stream/applications{query}", self.base))
            .header("accept", "text/event-stream")
            .timeout(Duration::from_secs(600));
        if let Some(token) = token {
            request = request.header("cookie", format!("argocd.token={token}"));
        }
        let response = request.send().await.expect("stream request");
        Stream {
            status: response.status().as_u16(),
            response,
            buffer: String::new(),
        }
    }
}

/// An open application stream.
pub struct Stream {
    /// HTTP status.
    pub status: u16,
    response: reqwest::Response,
    buffer: String,
}

impl Stream {
    /// The next `data:` message within `patience` (keep-alives skipped); `None` when
    /// none came.
    pub async fn next(&mut self, patience: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            if self.buffer.starts_with(":\n") {
                self.buffer.drain(..2);
                continue;
            }
            if let Some(end) = self.buffer.find("\n\n") {
                let frame: String = self.buffer.drain(..end + 2).collect();
                if let Some(data) = frame.strip_prefix("data: ") {
                    return Some(serde_json::from_str(data.trim()).expect("message JSON"));
                }
                continue;
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk())
                .await
                .ok()?
                .expect("stream chunk")?;
            self.buffer
                .push_str(std::str::from_utf8(&chunk).expect("utf-8"));
        }
    }

    /// The next message about `app` whose application satisfies `check`.
    pub async fn next_matching(
        &mut self,
        patience: Duration,
        check: impl Fn(&Value) -> bool,
    ) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let message = self.next(left).await?;
            if check(&message) {
                return Some(message);
            }
        }
    }
}

/// The generated admin password, from `argocd-initial-admin-secret`.
pub async fn admin_password(env: &Env) -> String {
    let secret = env
        .cluster
        .get(&ObjectRef {
            gvk: Gvk::new("", "v1", "Secret"),
            namespace: ARGOCD.into(),
            name: INITIAL_ADMIN_SECRET.into(),
        })
        .await
        .expect("get secret")
        .expect("initial admin secret exists");
    let encoded = secret["data"]["password"].as_str().expect("password");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .expect("base64");
    String::from_utf8(bytes).expect("utf-8")
}
