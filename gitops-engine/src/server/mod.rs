//! Argo CD's API server as a library: an [`axum::Router`] serving Argo CD's REST API
//! (grpc-gateway JSON shapes) over the Applications of one namespace. The controller
//! keeps doing the reconciling; these handlers read Applications and write requests
//! (operations, refresh annotations, deletions) the way `argocd-server` does.
//!
//! Routes ([`router`]):
//!
//! | method and path | answer |
//! |---|---|
//! | `GET /healthz` | `ok` |
//! | `GET /api/version` | `{"Version", "Platform", …}` |
//! | `GET /api/v1/applications` | `?selector=&projects=&name=&repo=`: `{"metadata", "items"}` |
//! | `GET /api/v1/applications/{name}` | `?refresh=normal\|hard` waits for the controller |
//! | `GET /api/v1/applications/{name}/resource-tree` | `{"nodes": [...]}` from owner references |
//! | `GET /api/v1/applications/{name}/managed-resources` | diffs, Secret values masked |
//! | `GET /api/v1/applications/{name}/resource` | `?namespace=&resourceName=&group=&version=&kind=`: `{"manifest"}` of a tree object |
//! | `GET /api/v1/applications/{name}/events` | `?resourceName=&resourceNamespace=&resourceUID=` |
//! | `POST /api/v1/applications/{name}/sync` | `{revision, prune, dryRun, strategy, resources, syncOptions}` |
//! | `POST /api/v1/applications/{name}/rollback` | `{id, dryRun, prune}` |
//! | `DELETE /api/v1/applications/{name}` | `?cascade=&propagationPolicy=` |
//! | `GET /api/v1/stream/applications` | server-sent events `{"result": {"type", "application"}}` |
//! | `GET /api/v1/applicationsets[/{name}]` | read only |
//! | `POST /api/v1/session` | `{username, password}` → `{"token"}` and the `argocd.token` cookie |
//! | `DELETE /api/v1/session` | logout (the token is revoked) |
//! | `GET /api/v1/session/userinfo` | `{loggedIn, username, iss, groups}` |
//! | `GET /`, `GET /assets/{file}` | the web UI ([`crate::ui`]) |
//! | `POST /api/webhook` | Git provider push events ([`crate::webhook`], HMAC or shared-secret checked, no token) |
//!
//! Every `/api/v1` call but login and userinfo needs a token (`Authorization: Bearer`
//! or the cookie) and is checked against Argo CD's RBAC ([`auth`]); the application
//! list and stream leave out what the caller may not `get`. Call
//! [`auth::accounts::bootstrap`] once at start to create the admin password and the
//! signing key when missing.
//!
//! Mount it in another program with `Router::merge` (it has its own state):
//!
//! ```no_run
//! # async fn demo(client: kube::Client) {
//! use std::sync::Arc;
//! use gitops_engine::server::{ServerConfig, ServerState, router};
//! let state = Arc::new(ServerState::new(client, ServerConfig::new("argocd", "/tmp/repos")));
//! let app = axum::Router::new().merge(router(state));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await.unwrap();
//! axum::serve(listener, app).await.unwrap();
//! # }
//! ```

mod apps;
mod appsets;
pub mod auth;
mod error;
mod events;
mod managed;
mod operations;
mod resource;
mod stream;
mod tree;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};

pub use error::{ApiError, Code};

use crate::app::Application;
use crate::app::store::{AppStore, StoreError};
use crate::cluster::KubeCluster;
use crate::source::Sources;
use crate::webhook::{WebhookHandler, WebhookSettings, webhook_router};
use auth::Caller;
use auth::session::{LoginLimits, Sessions};

/// What the server serves and how.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The control-plane namespace: where Applications, ApplicationSets and Argo CD's
    /// ConfigMaps and Secrets live.
    pub namespace: String,
    /// Where repositories are cloned to render the desired state of `managed-resources`.
    pub repo_cache_dir: PathBuf,
    /// How long `?refresh=` waits for the controller before answering
    /// `application refresh deadline exceeded`.
    pub refresh_patience: Duration,
    /// How often a repository's remote is asked for new commits when rendering.
    pub repo_poll: Duration,
    /// How often an idle stream sends a keep-alive comment.
    pub keep_alive: Duration,
    /// Whether the token cookie is marked `Secure` (served over TLS).
    pub secure_cookies: bool,
    /// Failed-login limits and login padding.
    pub login_limits: LoginLimits,
    /// How `/api/webhook` behaves (its namespace is the server's).
    pub webhook: WebhookSettings,
}

impl ServerConfig {
    /// Defaults for the Applications of `namespace`, cloning repositories under
    /// `repo_cache_dir`.
    pub fn new(namespace: &str, repo_cache_dir: impl Into<PathBuf>) -> Self {
        ServerConfig {
            namespace: namespace.to_owned(),
            repo_cache_dir: repo_cache_dir.into(),
            refresh_patience: Duration::from_secs(60),
            repo_poll: Duration::from_secs(120),
            keep_alive: Duration::from_secs(15),
            secure_cookies: true,
            login_limits: LoginLimits::default(),
            webhook: WebhookSettings::new(namespace),
        }
    }
}

/// What every handler shares: the Applications, the cluster and the repository cache.
pub struct ServerState {
    client: kube::Client,
    store: AppStore,
    sources: Sources,
    sessions: Sessions,
    config: ServerConfig,
}

impl ServerState {
    /// The state of a server over the cluster of `client`.
    pub fn new(client: kube::Client, config: ServerConfig) -> Self {
        ServerState {
            store: AppStore::new(client.clone(), &config.namespace),
            sources: Sources::new(&config.repo_cache_dir, config.repo_poll),
            sessions: Sessions::new(config.login_limits),
            client,
            config,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// Application `name` for a caller who wants to `action` it: 403 `permission
    /// denied` when it is missing or the caller may not `get` it (404 only when the
    /// request named a `project`, as Argo CD answers), then the action's own check.
    async fn app_for(
        &self,
        caller: &Caller,
        name: &str,
        project: Option<&str>,
        action: &str,
    ) -> Result<(Application, serde_json::Value), ApiError> {
        let (app, object) = match self.store.get(name).await {
            Ok(found) => found,
            Err(e @ StoreError::NotFound { .. }) if project.is_some() => return Err(e.into()),
            Err(StoreError::NotFound { .. }) => return Err(ApiError::permission_denied()),
            Err(e) => return Err(e.into()),
        };
        let object_name = rbac_object(&app);
        if project.is_some_and(|p| p != app.spec.project)
            || !caller.can("applications", "get", &object_name)
        {
            return Err(ApiError::permission_denied());
        }
        if action != "get" {
            caller.enforce("applications", action, &object_name)?;
        }
        Ok((app, object))
    }
}

/// The RBAC object of an application: `<project>/<name>`.
fn rbac_object(app: &Application) -> String {
    format!("{}/{}", app.spec.project, app.metadata.name)
}

/// The shared state as handlers receive it.
type State = axum::extract::State<Arc<ServerState>>;

/// The API's routes over `state` (see the module documentation for the list).
pub fn router(state: Arc<ServerState>) -> Router {
    let webhook = WebhookHandler::start(
        Arc::new(KubeCluster::new(state.client.clone())),
        state.config.webhook.clone(),
    );
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/api/version", get(apps::version))
        .route("/api/v1/applications", get(apps::list))
        .route(
            "/api/v1/applications/{name}",
            get(apps::get).delete(operations::delete),
        )
        .route(
            "/api/v1/applications/{name}/resource-tree",
            get(tree::resource_tree),
        )
        .route(
            "/api/v1/applications/{name}/managed-resources",
            get(managed::managed_resources),
        )
        .route("/api/v1/applications/{name}/events", get(events::events))
        .route(
            "/api/v1/applications/{name}/resource",
            get(resource::resource),
        )
        .route("/api/v1/applications/{name}/sync", post(operations::sync))
        .route(
            "/api/v1/applications/{name}/rollback",
            post(operations::rollback),
        )
        .route("/api/v1/stream/applications", get(stream::applications))
        .route("/api/v1/applicationsets", get(appsets::list))
        .route("/api/v1/applicationsets/{name}", get(appsets::get))
        .route(
            "/api/v1/session",
            post(auth::session::login).delete(auth::session::logout),
        )
        .route("/api/v1/session/userinfo", get(auth::session::userinfo))
        .with_state(state)
        .merge(crate::ui::router())
        .merge(webhook_router(Arc::new(webhook)))
}

/// Resolves on Ctrl-C or SIGTERM: when a process serving the API (or a sandbox) should
/// stop.
pub async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}
