//! `watch=true`: a stream of newline-delimited JSON events (`ADDED`,
//! `MODIFIED`, `DELETED`, and `ERROR` with a `410` `Status` when the client
//! falls too far behind or asks for a version no longer kept).
//!
//! Without `resourceVersion` (or with `"0"`) the stream starts with an
//! `ADDED` event per existing object; otherwise it replays the kept events
//! after that version. With a label or field selector, an object that stops
//! matching is sent as `DELETED` and one that starts matching as `ADDED`.
//! The stream ends after `timeoutSeconds` (default 30 minutes) or when the
//! emulator shuts down. With `allowWatchBookmarks=true`, a `BOOKMARK` with the
//! newest resource version is sent every second the stream is idle. With
//! `sendInitialEvents=true` (streaming lists), the initial `ADDED` events are
//! followed by a `BOOKMARK` annotated `k8s.io/initial-events-end`.

use std::collections::{HashMap, HashSet, VecDeque};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::{broadcast, watch};
use tokio::time::Instant;

use crate::error::ApiError;
use crate::registry::ResourceType;
use crate::server::Shared;
use crate::store::{Event, EventType, Filter};

/// Default stream length when the client gives no `timeoutSeconds`.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1800);
/// Idle time after which a bookmark is sent, when bookmarks are allowed.
const BOOKMARK_EVERY: Duration = Duration::from_secs(1);

/// One open watch.
struct WatchState {
    rt: ResourceType,
    namespace: Option<String>,
    filter: Filter,
    /// Events ready to send.
    pending: VecDeque<Bytes>,
    /// Live events.
    rx: broadcast::Receiver<Arc<Event>>,
    /// Newest version already sent (or covered by the initial state).
    sent_rv: u64,
    /// `(namespace, name)` of the objects the client currently knows.
    known: HashSet<(String, String)>,
    deadline: Instant,
    bookmarks: bool,
    shutdown: watch::Receiver<bool>,
    finished: bool,
}

fn line(kind: &str, object: &Value) -> Bytes {
    let mut text = json!({"type": kind, "object": object}).to_string();
    text.push('\n');
    Bytes::from(text)
}

fn identity(obj: &Value) -> (String, String) {
    let m = &obj["metadata"];
    (
        m["namespace"].as_str().unwrap_or("").to_owned(),
        m["name"].as_str().unwrap_or("").to_owned(),
    )
}

impl WatchState {
    /// Queues the event as this watch sees it, if it concerns it.
    fn offer(&mut self, event: &Event) {
        if event.rv <= self.sent_rv {
            return;
        }
        self.sent_rv = event.rv;
        if event.group != self.rt.group || event.plural != self.rt.plural {
            return;
        }
        let mut obj = event.object.clone();
        obj["apiVersion"] = self.rt.api_version().into();
        let id = identity(&obj);
        if self.rt.namespaced && self.namespace.as_ref().is_some_and(|ns| *ns != id.0) {
            return;
        }
        let was_known = self.known.contains(&id);
        let kind = match (event.kind, self.filter.matches(&obj), was_known) {
            (EventType::Deleted, _, true) => Some("DELETED"),
            (EventType::Deleted, _, false) => None,
            (_, true, true) => Some("MODIFIED"),
            (_, true, false) => Some("ADDED"),
            (_, false, true) => Some("DELETED"),
            (_, false, false) => None,
        };
        let Some(kind) = kind else { return };
        if kind == "DELETED" {
            self.known.remove(&id);
        } else {
            self.known.insert(id);
        }
        self.pending.push_back(line(kind, &obj));
    }

    fn expire(&mut self, message: String) {
        self.pending
            .push_back(line("ERROR", &ApiError::gone(message).to_status()));
        self.finished = true;
    }

    fn bookmark(&self) -> Bytes {
        line(
            "BOOKMARK",
            &json!({"kind": self.rt.kind, "apiVersion": self.rt.api_version(),
                    "metadata": {"resourceVersion": self.sent_rv.to_string()}}),
        )
    }

    /// The next chunk, or `None` when the stream ends.
    async fn next_chunk(&mut self) -> Option<Bytes> {
        loop {
            if let Some(chunk) = self.pending.pop_front() {
                return Some(chunk);
            }
            if self.finished || *self.shutdown.borrow() {
                return None;
            }
            let idle = tokio::time::sleep(if self.bookmarks {
                BOOKMARK_EVERY
            } else {
                DEFAULT_TIMEOUT
            });
            tokio::select! {
                received = self.rx.recv() => match received {
                    Ok(event) => self.offer(&event),
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        self.expire(format!("the watch fell {n} events behind; restart it"));
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                () = tokio::time::sleep_until(self.deadline) => return None,
                _ = self.shutdown.changed() => return None,
                () = idle, if self.bookmarks => return Some(self.bookmark()),
            }
        }
    }
}

/// Marks a bookmark line as the end of the initial events of a streaming
/// list (`k8s.io/initial-events-end` annotation).
fn initial_events_end(bookmark: &Bytes) -> Bytes {
    let mut event: Value = serde_json::from_slice(bookmark).unwrap_or_default();
    event["object"]["metadata"]["annotations"] = json!({"k8s.io/initial-events-end": "true"});
    let mut text = event.to_string();
    text.push('\n');
    Bytes::from(text)
}

/// Starts a watch of one resource type.
pub fn watch_response(
    shared: &Arc<Shared>,
    rt: &ResourceType,
    namespace: Option<&str>,
    params: &HashMap<String, String>,
    filter: Filter,
) -> Result<Response, ApiError> {
    let timeout =
        match params.get("timeoutSeconds") {
            Some(t) => Duration::from_secs(t.parse().map_err(|_| {
                ApiError::bad_request(format!("timeoutSeconds: not a number: {t:?}"))
            })?),
            None => DEFAULT_TIMEOUT,
        };
    let timeout = shared
        .config
        .faults
        .drop_watches_after
        .map_or(timeout, |drop_after| timeout.min(drop_after));
    let from =
        match params.get("resourceVersion").map(String::as_str) {
            None | Some("") | Some("0") => None,
            Some(v) => Some(v.parse::<u64>().map_err(|_| {
                ApiError::bad_request(format!("resourceVersion: not a number: {v:?}"))
            })?),
        };
    let store = shared.store();
    let current = store.list(rt, namespace, &filter);
    let mut state = WatchState {
        rt: rt.clone(),
        namespace: namespace.map(str::to_owned),
        filter,
        pending: VecDeque::new(),
        rx: store.subscribe(),
        sent_rv: store.resource_version(),
        known: HashSet::new(),
        deadline: Instant::now() + timeout,
        bookmarks: params
            .get("allowWatchBookmarks")
            .is_some_and(|v| v == "true"),
        shutdown: shared.shutdown.clone(),
        finished: false,
    };
    let send_initial = params.get("sendInitialEvents").is_some_and(|v| v == "true");
    match from {
        None => {
            for obj in &current {
                state.known.insert(identity(obj));
                state.pending.push_back(line("ADDED", obj));
            }
            if send_initial {
                let end = initial_events_end(&state.bookmark());
                state.pending.push_back(end);
            }
        }
        Some(rv) => {
            let replay = store.events_since(rv)?;
            state.sent_rv = rv;
            // What the client knew at `rv`: the objects that exist now or
            // changed since, minus those created after it.
            let mut first_seen: HashMap<(String, String), EventType> = HashMap::new();
            for e in replay
                .iter()
                .filter(|e| e.group == rt.group && e.plural == rt.plural)
            {
                first_seen.entry(identity(&e.object)).or_insert(e.kind);
            }
            state.known = current
                .iter()
                .map(identity)
                .chain(first_seen.keys().cloned())
                .filter(|id| first_seen.get(id) != Some(&EventType::Added))
                .collect();
            for event in &replay {
                state.offer(event);
            }
        }
    }
    drop(store);
    let stream = futures::stream::unfold(state, |mut state| async move {
        let chunk = state.next_chunk().await?;
        Some((Ok::<_, Infallible>(chunk), state))
    });
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        Body::from_stream(stream),
    )
        .into_response())
}
