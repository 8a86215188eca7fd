//! The webhook endpoint's logic, free of any HTTP framework: verify and read
//! a request at once (so a bad signature is refused before anything
//! changes), then refresh in the background from a bounded queue.

use std::sync::Arc;

use axum::http::{HeaderMap, Method, StatusCode};
use serde_json::Value;
use tokio::sync::mpsc;
use tracing::{info, warn};

use super::payloads::Push;
use super::provider::{WebhookError, WebhookEvent, parse};
use super::refresh::refresh_for_push;
use super::secrets::{ARGOCD_SECRET, WebhookSecrets};
use crate::cluster::{Cluster, Gvk, ObjectRef};

/// Argo CD's default `webhook.maxPayloadSizeMB`.
pub const DEFAULT_MAX_PAYLOAD_MB: u64 = 50;
/// The argocd-cm key of the payload cap.
pub const MAX_PAYLOAD_SIZE_KEY: &str = "webhook.maxPayloadSizeMB";
/// Pushes waiting to be processed before new ones are refused with 503.
pub const DEFAULT_QUEUE_CAPACITY: usize = 1000;

/// How the webhook endpoint behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSettings {
    /// The control-plane namespace: where `argocd-secret` lives and whose
    /// Applications and ApplicationSets are refreshed.
    pub namespace: String,
    /// Further namespaces whose Applications and ApplicationSets are refreshed.
    pub application_namespaces: Vec<String>,
    /// Bodies larger than this many MB are refused.
    pub max_payload_mb: u64,
    /// Verified pushes waiting for processing; more are refused with 503.
    pub queue_capacity: usize,
}

impl WebhookSettings {
    /// Argo CD's defaults for the control plane in `namespace`.
    pub fn new(namespace: &str) -> Self {
        Self {
            namespace: namespace.to_owned(),
            application_namespaces: Vec::new(),
            max_payload_mb: DEFAULT_MAX_PAYLOAD_MB,
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
        }
    }

    /// Takes the payload cap from an `argocd-cm` object
    /// (`webhook.maxPayloadSizeMB`); an absent, non-numeric or zero value
    /// keeps the default, as Argo CD does.
    pub fn with_argocd_cm(mut self, config_map: &Value) -> Self {
        let configured = config_map["data"][MAX_PAYLOAD_SIZE_KEY]
            .as_str()
            .map(|v| v.trim().parse::<u64>());
        match configured {
            Some(Ok(mb)) if mb > 0 => self.max_payload_mb = mb,
            Some(_) => warn!(
                key = MAX_PAYLOAD_SIZE_KEY,
                "invalid value; using the default"
            ),
            None => {}
        }
        self
    }

    /// The cap in bytes.
    pub fn max_payload_bytes(&self) -> usize {
        usize::try_from(self.max_payload_mb.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX)
    }

    fn namespaces(&self) -> Vec<String> {
        let mut namespaces = vec![self.namespace.clone()];
        for ns in &self.application_namespaces {
            if !namespaces.contains(ns) {
                namespaces.push(ns.clone());
            }
        }
        namespaces
    }
}

/// The answer to a webhook request, with Argo CD's status codes and texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookReply {
    /// HTTP status.
    pub status: StatusCode,
    /// Plain-text body (empty on success).
    pub body: String,
}

/// The webhook endpoint: verifies requests with the secrets of
/// `argocd-secret` (read per request, so a rotated secret applies at once)
/// and refreshes what verified pushes concern. Dropping it stops its
/// background worker once the queue is drained.
#[derive(Debug)]
pub struct WebhookHandler<C> {
    cluster: Arc<C>,
    settings: WebhookSettings,
    queue: mpsc::Sender<Push>,
}

impl<C: Cluster + 'static> WebhookHandler<C> {
    /// A handler and its background worker (spawned on the current tokio runtime).
    pub fn start(cluster: Arc<C>, settings: WebhookSettings) -> Self {
        let (queue, mut pushes) = mpsc::channel::<Push>(settings.queue_capacity.max(1));
        let worker_cluster = Arc::clone(&cluster);
        let namespaces = settings.namespaces();
        tokio::spawn(async move {
            while let Some(push) = pushes.recv().await {
                match refresh_for_push(worker_cluster.as_ref(), &namespaces, &push).await {
                    Ok(done) => info!(
                        applications = ?done.applications,
                        application_sets = ?done.application_sets,
                        "webhook push processed"
                    ),
                    Err(e) => warn!(error = %e, "webhook push not processed"),
                }
            }
        });
        Self {
            cluster,
            settings,
            queue,
        }
    }

    /// The settings.
    pub fn settings(&self) -> &WebhookSettings {
        &self.settings
    }

    /// Answers one request whose whole body is `body` (the caller bounds it
    /// by [`WebhookSettings::max_payload_bytes`] and answers
    /// [`WebhookHandler::reply_to_error`] of [`WebhookError::Payload`] when
    /// it is larger). A verified push is queued and answered 200 at once.
    pub async fn handle(&self, method: &Method, headers: &HeaderMap, body: &[u8]) -> WebhookReply {
        let secrets = match self.secrets().await {
            Ok(secrets) => secrets,
            Err(e) => {
                warn!(error = %e, "webhook refused: argocd-secret cannot be read");
                return reply(StatusCode::SERVICE_UNAVAILABLE, "Webhook processing failed");
            }
        };
        match parse(method, headers, body, &secrets) {
            Ok(WebhookEvent::Push(push)) => match self.queue.try_send(push) {
                Ok(()) => reply(StatusCode::OK, ""),
                Err(_) => {
                    info!("Queue is full, discarding webhook payload");
                    reply(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "Queue is full, discarding webhook payload",
                    )
                }
            },
            Ok(WebhookEvent::Ignored) => reply(StatusCode::OK, ""),
            Err(e) => self.reply_to_error(&e),
        }
    }

    /// The reply to a refused request (logged without the payload).
    pub fn reply_to_error(&self, error: &WebhookError) -> WebhookReply {
        match error {
            WebhookError::UnknownProvider => {
                return reply(StatusCode::BAD_REQUEST, "Unknown webhook event");
            }
            WebhookError::Payload => {
                let message = format!(
                    "Webhook processing failed: payload must be valid JSON under {} MB",
                    self.settings.max_payload_mb
                );
                warn!("{message}");
                return reply(StatusCode::BAD_REQUEST, &message);
            }
            WebhookError::MissingSignature { .. } | WebhookError::VerificationFailed { .. } => {
                warn!(error = %error, "webhook verification failed");
            }
            _ => info!(error = %error, "Webhook processing failed"),
        }
        let status = if matches!(error, WebhookError::InvalidMethod { .. }) {
            StatusCode::METHOD_NOT_ALLOWED
        } else {
            StatusCode::BAD_REQUEST
        };
        reply(status, "Webhook processing failed")
    }

    async fn secrets(&self) -> Result<WebhookSecrets, crate::cluster::ClusterError> {
        let secret = ObjectRef {
            gvk: Gvk::new("", "v1", "Secret"),
            namespace: self.settings.namespace.clone(),
            name: ARGOCD_SECRET.to_owned(),
        };
        Ok(self
            .cluster
            .get(&secret)
            .await?
            .map(|s| WebhookSecrets::from_secret(&s))
            .unwrap_or_default())
    }
}

fn reply(status: StatusCode, body: &str) -> WebhookReply {
    WebhookReply {
        status,
        body: body.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_payload_cap_comes_from_argocd_cm() {
        let cm = |value: &str| json!({"data": {MAX_PAYLOAD_SIZE_KEY: value}});
        let settings = WebhookSettings::new("argocd");
        assert_eq!(settings.max_payload_mb, DEFAULT_MAX_PAYLOAD_MB);
        assert_eq!(settings.max_payload_bytes(), 50 * 1024 * 1024);
        assert_eq!(settings.clone().with_argocd_cm(&cm("5")).max_payload_mb, 5);
        for bad in ["0", "-1", "lots", ""] {
            assert_eq!(
                settings.clone().with_argocd_cm(&cm(bad)).max_payload_mb,
                50,
                "{bad}"
            );
        }
        assert_eq!(
            settings.clone().with_argocd_cm(&json!({})).max_payload_mb,
            50
        );
    }

    #[test]
    fn the_control_plane_namespace_comes_first_and_once() {
        let mut settings = WebhookSettings::new("argocd");
        settings.application_namespaces = vec!["team-a".into(), "argocd".into(), "team-a".into()];
        assert_eq!(settings.namespaces(), ["argocd", "team-a"]);
    }
}
