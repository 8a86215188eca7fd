//! The `/metrics` (Prometheus text format) and `/healthz` endpoints.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use gitops_engine::controller::Metrics;

use crate::readiness::Readiness;

/// Content type of the Prometheus text exposition format.
const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The endpoints' routes: `/healthz` answers 200 `ok` when ready, else 503
/// with the reason.
pub fn router(metrics: Arc<Metrics>, readiness: Readiness) -> Router {
    Router::new()
        .route(
            "/healthz",
            get(move || {
                let reason = readiness.reason();
                async move {
                    match reason {
                        None => (StatusCode::OK, "ok".to_owned()),
                        Some(reason) => (StatusCode::SERVICE_UNAVAILABLE, reason),
                    }
                }
            }),
        )
        .route(
            "/metrics",
            get(move || {
                let metrics = Arc::clone(&metrics);
                async move {
                    ([(header::CONTENT_TYPE, PROMETHEUS_TEXT)], metrics.encode()).into_response()
                }
            }),
        )
}

/// Serves the endpoints on `addr` in a background task; returns the bound
/// address (useful with port 0).
pub async fn serve(
    addr: SocketAddr,
    metrics: Arc<Metrics>,
    readiness: Readiness,
) -> Result<SocketAddr, String> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr} for /metrics: {e}"))?;
    let bound = listener
        .local_addr()
        .map_err(|e| format!("cannot listen on {addr} for /metrics: {e}"))?;
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router(metrics, readiness)).await {
            tracing::error!("metrics server stopped: {e}");
        }
    });
    Ok(bound)
}
