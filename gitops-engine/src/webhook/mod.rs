//! Git webhooks, as Argo CD's `/api/webhook`: a push reported by GitHub,
//! GitLab, Gogs/Gitea or Bitbucket Server refreshes at once the
//! Applications and ApplicationSets that read the pushed repository and
//! revision, instead of waiting for the next repository poll.
//!
//! * [`provider`] recognises the sender by its headers, verifies its
//!   signature or token against the secrets of `argocd-secret`
//!   ([`WebhookSecrets`]) and reads the push ([`Push`]).
//! * [`matching`] decides which apps a push concerns: repository URL in any
//!   spelling (https, ssh, scp-like, `.git`, host case), `targetRevision`
//!   (branch, tag, `HEAD` = default branch, semver constraint) and the
//!   `argocd.argoproj.io/manifest-generate-paths` annotation.
//! * [`refresh_for_push`] sets the refresh annotations.
//! * [`WebhookHandler`] answers requests with Argo CD's codes and texts,
//!   queueing verified pushes; [`webhook_router`] mounts it on axum.
//!
//! ```no_run
//! # async fn demo(client: kube::Client) {
//! use std::sync::Arc;
//! use gitops_engine::cluster::KubeCluster;
//! use gitops_engine::webhook::{WebhookHandler, WebhookSettings, webhook_router};
//!
//! let handler = WebhookHandler::start(Arc::new(KubeCluster::new(client)), WebhookSettings::new("argocd"));
//! let app = webhook_router(Arc::new(handler));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await.unwrap();
//! axum::serve(listener, app).await.unwrap();
//! # }
//! ```

mod handler;
mod http;
pub mod matching;
mod payloads;
pub mod provider;
mod refresh;
mod secrets;
mod signature;

pub use handler::{
    DEFAULT_MAX_PAYLOAD_MB, DEFAULT_QUEUE_CAPACITY, MAX_PAYLOAD_SIZE_KEY, WebhookHandler,
    WebhookReply, WebhookSettings,
};
pub use http::{WEBHOOK_PATH, webhook_router};
pub use payloads::{Push, parse_revision};
pub use provider::{Provider, WebhookError, WebhookEvent};
pub use refresh::{Refreshed, refresh_for_push};
pub use secrets::{
    ARGOCD_SECRET, BITBUCKET_SERVER_SECRET_KEY, GITHUB_SECRET_KEY, GITLAB_SECRET_KEY,
    GOGS_SECRET_KEY, SharedSecret, WebhookSecrets,
};
pub use signature::hmac_sha256_hex;
