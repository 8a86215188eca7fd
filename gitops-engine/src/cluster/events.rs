//! [`EventRecorder`]: Kubernetes `Event`s (core/v1) about the objects the
//! controller manages, aggregated like client-go's event correlator does.

use std::sync::{Mutex, MutexGuard};

use indexmap::IndexMap;
use k8s_openapi::api::core::v1::{Event, EventSource, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, Patch, PatchParams, PostParams};
use serde_json::{Value, json};

use super::client::object_error;
use super::{ClusterError, Gvk, ObjectRef};

/// How many distinct events are remembered for aggregation (client-go's
/// correlator keeps the same number); the least recently seen is forgotten
/// first.
const REMEMBERED: usize = 4096;

/// Namespace of the events about cluster-scoped objects.
const DEFAULT_NAMESPACE: &str = "default";

/// The `type` of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    /// Something expected happened.
    Normal,
    /// Something may need attention.
    Warning,
}

impl EventType {
    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Normal => "Normal",
            EventType::Warning => "Warning",
        }
    }
}

/// Publishes events as one component (`source.component`).
///
/// A repeat of an event — same involved object, type, reason and message —
/// within the last 4096 distinct events updates the Event already
/// created (`count` + 1, new `lastTimestamp`) instead of creating another.
/// The memory is this value's: another recorder (or a restarted process)
/// starts new Events. Two concurrent publishes of one new event may create
/// two Events.
///
/// Messages are stored in the cluster as given and readable by anyone who
/// may read Events: callers must never put Secret data (or anything derived
/// from it, such as a diff of a Secret) in a message.
pub struct EventRecorder {
    client: kube::Client,
    component: String,
    /// Event name and count of each recently published event.
    seen: Mutex<IndexMap<Correlation, Published>>,
}

impl std::fmt::Debug for EventRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventRecorder")
            .field("component", &self.component)
            .finish_non_exhaustive()
    }
}

/// What makes two events the same (client-go's event key, without the
/// fields this recorder never sets).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Correlation {
    involved: Involved,
    kind: EventType,
    reason: String,
    message: String,
}

/// The involved object as recorded in `involvedObject`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Involved {
    api_version: String,
    kind: String,
    namespace: String,
    name: String,
    uid: String,
}

/// An Event created for a correlation.
#[derive(Debug, Clone)]
struct Published {
    namespace: String,
    name: String,
    count: i32,
}

impl EventRecorder {
    /// A recorder publishing as `component`.
    pub fn new(client: kube::Client, component: &str) -> Self {
        EventRecorder {
            client,
            component: component.to_owned(),
            seen: Mutex::new(IndexMap::new()),
        }
    }

    /// Records an event about `regarding` (a manifest with `apiVersion`,
    /// `kind` and `metadata.name`; `namespace` and `uid` are copied when
    /// present) in its namespace, or in `default` for cluster-scoped objects.
    ///
    /// Errors: [`ClusterError::InvalidObject`] when `regarding` lacks its
    /// type or name; the server's refusal of the write.
    pub async fn publish(
        &self,
        regarding: &Value,
        kind: EventType,
        reason: &str,
        message: &str,
    ) -> Result<(), ClusterError> {
        let target = ObjectRef::of(regarding)?;
        let key = Correlation {
            involved: Involved {
                api_version: regarding["apiVersion"].as_str().unwrap_or("").to_owned(),
                kind: target.gvk.kind.clone(),
                namespace: target.namespace.clone(),
                name: target.name.clone(),
                uid: regarding["metadata"]["uid"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned(),
            },
            kind,
            reason: reason.to_owned(),
            message: message.to_owned(),
        };
        let now = Timestamp::now();
        let previous = self.seen().get(&key).cloned();
        if let Some(previous) = previous {
            match self.bump(&previous, now).await {
                Ok(()) => {
                    self.remember(
                        key,
                        Published {
                            count: previous.count + 1,
                            ..previous
                        },
                    );
                    return Ok(());
                }
                // Deleted meanwhile (events expire): start a new one.
                Err(ClusterError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        let published = self.create(&key, now).await?;
        self.remember(key, published);
        Ok(())
    }

    /// Increments the count of an existing Event.
    async fn bump(&self, previous: &Published, now: Timestamp) -> Result<(), ClusterError> {
        let api: Api<Event> = Api::namespaced(self.client.clone(), &previous.namespace);
        let patch = json!({"count": previous.count + 1, "lastTimestamp": Time(now)});
        api.patch(
            &previous.name,
            &PatchParams::default(),
            &Patch::Merge(&patch),
        )
        .await
        .map(drop)
        .map_err(|e| object_error(&event_ref(&previous.namespace, &previous.name), e))
    }

    /// Creates a new Event with count 1.
    async fn create(&self, key: &Correlation, now: Timestamp) -> Result<Published, ClusterError> {
        let involved = &key.involved;
        let namespace = if involved.namespace.is_empty() {
            DEFAULT_NAMESPACE
        } else {
            &involved.namespace
        };
        // client-go's naming: the object's name and the time in hex nanoseconds.
        let name = format!("{}.{:x}", involved.name, now.as_nanosecond());
        let event = Event {
            metadata: ObjectMeta {
                name: Some(name.clone()),
                namespace: Some(namespace.to_owned()),
                ..ObjectMeta::default()
            },
            involved_object: ObjectReference {
                api_version: Some(involved.api_version.clone()),
                kind: Some(involved.kind.clone()),
                name: Some(involved.name.clone()),
                namespace: Some(involved.namespace.clone()).filter(|ns| !ns.is_empty()),
                uid: Some(involved.uid.clone()).filter(|uid| !uid.is_empty()),
                ..ObjectReference::default()
            },
            type_: Some(key.kind.as_str().to_owned()),
            reason: Some(key.reason.clone()),
            message: Some(key.message.clone()),
            source: Some(EventSource {
                component: Some(self.component.clone()),
                host: None,
            }),
            reporting_component: Some(self.component.clone()),
            first_timestamp: Some(Time(now)),
            last_timestamp: Some(Time(now)),
            count: Some(1),
            ..Event::default()
        };
        let api: Api<Event> = Api::namespaced(self.client.clone(), namespace);
        api.create(&PostParams::default(), &event)
            .await
            .map_err(|e| object_error(&event_ref(namespace, &name), e))?;
        Ok(Published {
            namespace: namespace.to_owned(),
            name,
            count: 1,
        })
    }

    /// Records the latest Event of a correlation as the most recently seen,
    /// forgetting the oldest beyond [`REMEMBERED`].
    fn remember(&self, key: Correlation, published: Published) {
        let mut seen = self.seen();
        seen.shift_remove(&key);
        seen.insert(key, published);
        if seen.len() > REMEMBERED {
            seen.shift_remove_index(0);
        }
    }

    fn seen(&self) -> MutexGuard<'_, IndexMap<Correlation, Published>> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn event_ref(namespace: &str, name: &str) -> ObjectRef {
    ObjectRef {
        gvk: Gvk::new("", "v1", "Event"),
        namespace: namespace.to_owned(),
        name: name.to_owned(),
    }
}
