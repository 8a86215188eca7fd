//! The webhook as an axum route, for servers that mount it.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse, Response};
use axum::routing::any;

use super::handler::WebhookHandler;
use super::provider::{WebhookError, detect};
use crate::cluster::Cluster;

/// Where Argo CD serves its webhook.
pub const WEBHOOK_PATH: &str = "/api/webhook";

/// A router serving `handler` at [`WEBHOOK_PATH`] (every method: a non-POST
/// gets Argo CD's 405). Bodies are read up to the configured cap and no
/// further.
pub fn webhook_router<C: Cluster + 'static>(handler: Arc<WebhookHandler<C>>) -> Router {
    Router::new()
        .route(WEBHOOK_PATH, any(serve::<C>))
        .with_state(handler)
}

async fn serve<C: Cluster + 'static>(
    State(handler): State<Arc<WebhookHandler<C>>>,
    method: Method,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let reply = if detect(&headers).is_none() {
        handler.reply_to_error(&WebhookError::UnknownProvider)
    } else {
        let limit = handler.settings().max_payload_bytes();
        match axum::body::to_bytes(body, limit).await {
            Ok(bytes) => handler.handle(&method, &headers, &bytes).await,
            Err(_) => handler.reply_to_error(&WebhookError::Payload),
        }
    };
    (reply.status, reply.body).into_response()
}
