//! `GET /api/v1/stream/applications`: the applications the list query admits, then
//! every change to them, as Argo CD streams them: each message `{"result": {"type":
//! "ADDED"|"MODIFIED"|"DELETED", "application": {...}}}`; as server-sent events
//! (`data: <json> ` and a blank line, a `:` keep-alive line when idle) when the client
//! accepts `text/event-stream`, else newline-delimited JSON. Identical repeats of an
//! application are not sent again.

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::RawQuery;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use kube::api::{Api, DynamicObject, ListParams, WatchEvent, WatchParams};
use serde_json::{Value, json};

use super::apps::AppQuery;
use super::auth::Caller;
use super::error::ApiError;
use super::{ServerState, State};
use crate::app::{Application, application_gvk};

/// How long one watch request to the API server lasts before it is renewed.
const WATCH_SECONDS: u32 = 290;
/// Pause before watching again after the API server refused a watch.
const RETRY_PAUSE: Duration = Duration::from_secs(1);

/// How a message is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// `data: <json> \n\n`, with `:\n` keep-alives.
    ServerSentEvents,
    /// `<json>\n`.
    JsonLines,
}

impl Framing {
    fn frame(self, message: &Value) -> Bytes {
        match self {
            Framing::ServerSentEvents => Bytes::from(format!("data: {message} \n\n")),
            Framing::JsonLines => Bytes::from(format!("{message}\n")),
        }
    }
}

/// `GET /api/v1/stream/applications`.
pub(super) async fn applications(
    axum::extract::State(state): State,
    caller: Caller,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let query = AppQuery::parse(raw.as_deref());
    let framing = if headers
        .get_all(header::ACCEPT)
        .iter()
        .any(|v| v.to_str().is_ok_and(|v| v.contains("text/event-stream")))
    {
        Framing::ServerSentEvents
    } else {
        Framing::JsonLines
    };
    let api = applications_api(&state);
    let listed = api
        .list(&ListParams::default().labels(&query.selector))
        .await
        .map_err(|e| ApiError::new(super::Code::Unknown, e.to_string()))?;
    let resource_version = listed.metadata.resource_version.clone().unwrap_or_default();
    let mut initial: Vec<Value> = listed
        .items
        .into_iter()
        .filter_map(|o| serde_json::to_value(o).ok())
        .collect();
    initial.sort_by_key(|o| {
        format!(
            "{}/{}",
            o["metadata"]["namespace"].as_str().unwrap_or(""),
            o["metadata"]["name"].as_str().unwrap_or("")
        )
    });
    let body = Body::from_stream(changes(
        caller,
        api,
        query,
        framing,
        initial,
        resource_version,
        state.config.keep_alive,
    ));
    let content_type = match framing {
        Framing::ServerSentEvents => "text/event-stream",
        Framing::JsonLines => "application/json",
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response())
}

fn applications_api(state: &ServerState) -> Api<DynamicObject> {
    let gvk = application_gvk();
    let resource = kube::api::ApiResource::from_gvk(&kube::api::GroupVersionKind::gvk(
        &gvk.group,
        &gvk.version,
        &gvk.kind,
    ));
    Api::namespaced_with(state.client.clone(), &state.config.namespace, &resource)
}

/// The messages: the initial applications as `ADDED`, then the watched changes.
fn changes(
    caller: Caller,
    api: Api<DynamicObject>,
    query: AppQuery,
    framing: Framing,
    initial: Vec<Value>,
    mut resource_version: String,
    keep_alive: Duration,
) -> impl futures::Stream<Item = Result<Bytes, Infallible>> {
    async_stream::stream! {
        let mut sent: HashMap<String, String> = HashMap::new();
        for object in initial {
            if let Some(message) = message(&caller, &query, &mut sent, "ADDED", object) {
                yield Ok(framing.frame(&message));
            }
        }
        loop {
            let params = WatchParams::default()
                .labels(&query.selector)
                .timeout(WATCH_SECONDS);
            let mut watch = match api.watch(&params, &resource_version).await {
                Ok(watch) => watch.boxed(),
                Err(e) => {
                    tracing::warn!("watching applications for a stream: {e}");
                    tokio::time::sleep(RETRY_PAUSE).await;
                    continue;
                }
            };
            loop {
                let event = match tokio::time::timeout(keep_alive, watch.next()).await {
                    Err(_) => {
                        if framing == Framing::ServerSentEvents {
                            yield Ok(Bytes::from_static(b":\n"));
                        }
                        continue;
                    }
                    Ok(None) => break,
                    Ok(Some(Err(e))) => {
                        tracing::warn!("application watch: {e}");
                        break;
                    }
                    Ok(Some(Ok(event))) => event,
                };
                let (kind, object) = match event {
                    WatchEvent::Added(o) => ("ADDED", o),
                    WatchEvent::Modified(o) => ("MODIFIED", o),
                    WatchEvent::Deleted(o) => ("DELETED", o),
                    WatchEvent::Bookmark(b) => {
                        resource_version = b.metadata.resource_version;
                        continue;
                    }
                    WatchEvent::Error(e) => {
                        tracing::warn!("application watch: {}", e.message);
                        // Stale resource version: go on from now.
                        resource_version.clear();
                        tokio::time::sleep(RETRY_PAUSE).await;
                        break;
                    }
                };
                if let Some(rv) = &object.metadata.resource_version {
                    resource_version = rv.clone();
                }
                let Ok(object) = serde_json::to_value(object) else { continue };
                if let Some(message) = message(&caller, &query, &mut sent, kind, object) {
                    yield Ok(framing.frame(&message));
                }
            }
        }
    }
}

/// The message for an event about `object`, unless the query does not admit it or it
/// repeats the last one sent for that application, or the caller may not see it.
fn message(
    caller: &Caller,
    query: &AppQuery,
    sent: &mut HashMap<String, String>,
    kind: &str,
    object: Value,
) -> Option<Value> {
    let app = Application::from_value(&object).ok()?;
    if !query.admits(caller, &app) {
        return None;
    }
    let message = json!({"result": {"type": kind, "application": object}});
    let text = message["result"]["application"].to_string();
    let name = app.metadata.name;
    if kind == "DELETED" {
        sent.remove(&name);
    } else if sent.get(&name) == Some(&text) {
        return None;
    } else {
        sent.insert(name, text);
    }
    Some(message)
}
