//! [`LiveCache`]: the live objects of the kinds the controller manages, kept
//! current by one kube-runtime watcher per kind (cluster-wide), so that
//! comparisons read memory instead of listing the API server.

use std::collections::HashMap;
use std::pin::pin;
use std::sync::{Arc, Mutex, MutexGuard};

use futures_util::StreamExt;
use kube::ResourceExt;
use kube::api::{Api, ApiResource, DynamicObject, ObjectMeta};
use kube::runtime::WatchStreamExt;
use kube::runtime::reflector::{self, Store, store::Writer};
use kube::runtime::watcher::{self, Event};
use serde_json::{Map, Value};
use tokio::sync::{OnceCell, broadcast, oneshot, watch};

use super::client::request_error;
use super::{ClusterError, Gvk, KubeCluster, ObjectRef};

/// How many change notifications a slow subscriber may fall behind before it
/// sees [`broadcast::error::RecvError::Lagged`].
const CHANGES_CAPACITY: usize = 4096;

/// A watch-based cache of live objects.
///
/// [`watch`](LiveCache::watch) starts a reflector for a kind: a kube-runtime
/// `watcher` over the whole cluster whose events keep an in-memory store
/// current. The watcher re-lists and re-watches after errors, waiting
/// between attempts with kube-runtime's default backoff (client-go's
/// parameters). Each object is held once, as the `DynamicObject` the watch
/// delivered; [`get`](LiveCache::get) and [`list`](LiveCache::list) render
/// manifests from it on demand.
///
/// The value is a cheap handle (`Clone` shares the cache); the reflector
/// tasks stop when the last handle is dropped.
#[derive(Clone)]
pub struct LiveCache {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for LiveCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveCache")
            .field("watched", &self.watched())
            .finish_non_exhaustive()
    }
}

struct Inner {
    cluster: KubeCluster,
    /// One cell per kind asked for; initialised once its initial list is in.
    kinds: Mutex<HashMap<Gvk, Arc<OnceCell<Reflected>>>>,
    changes: broadcast::Sender<ObjectRef>,
    /// The last watch failure since a list last succeeded.
    failure: watch::Sender<Option<String>>,
}

/// A running reflector.
struct Reflected {
    resource: ApiResource,
    namespaced: bool,
    store: Store<DynamicObject>,
    _task: AbortOnDrop,
}

/// Aborts a task when dropped: the reflector dies with its cache entry (or
/// with a `watch` call cancelled before the initial list arrived).
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl LiveCache {
    /// An empty cache over a client; nothing is watched yet.
    pub fn new(client: kube::Client) -> Self {
        let (changes, _) = broadcast::channel(CHANGES_CAPACITY);
        LiveCache {
            inner: Arc::new(Inner {
                cluster: KubeCluster::new(client),
                kinds: Mutex::new(HashMap::new()),
                changes,
                failure: watch::Sender::new(None),
            }),
        }
    }

    /// Starts watching a kind, unless it is watched already, and returns
    /// once its initial list is in the cache. Concurrent calls for one kind
    /// start one reflector.
    ///
    /// Errors: [`ClusterError::UnknownKind`] when the server does not serve
    /// the kind; the server's refusal when the initial list fails (the kind
    /// is then not watched and a later call tries again). Failures after the
    /// initial list are retried in the background.
    pub async fn watch(&self, gvk: &Gvk) -> Result<(), ClusterError> {
        let cell = self.inner.kinds().entry(gvk.clone()).or_default().clone();
        cell.get_or_try_init(|| self.start(gvk)).await.map(|_| ())
    }

    /// The kinds whose initial list is in, sorted.
    pub fn watched(&self) -> Vec<Gvk> {
        let mut kinds: Vec<Gvk> = self
            .inner
            .kinds()
            .iter()
            .filter(|(_, cell)| cell.initialized())
            .map(|(gvk, _)| gvk.clone())
            .collect();
        kinds.sort();
        kinds
    }

    /// The cached objects of a watched kind, in one namespace or (`None`) all
    /// of them, sorted by namespace and name. As in [`KubeCluster`], `""`
    /// means the client's default namespace, and the namespace is ignored for
    /// cluster-scoped kinds. Empty when the kind is not watched.
    pub fn list(&self, gvk: &Gvk, namespace: Option<&str>) -> Vec<Value> {
        let namespaced = self
            .cell(gvk)
            .and_then(|cell| cell.get().map(|r| r.namespaced))
            .unwrap_or(false);
        let namespace = namespace
            .filter(|_| namespaced)
            .map(|ns| self.namespace_or_default(ns));
        self.list_where(gvk, |meta| {
            namespace.is_none_or(|ns| meta.namespace.as_deref() == Some(ns))
        })
    }

    /// The cached objects of a watched kind whose metadata passes `keep`,
    /// sorted by namespace and name: like [`list`](LiveCache::list), but
    /// only the kept objects are rendered to manifests, so a caller that
    /// needs a few objects of a large kind (one app's) pays for those.
    pub fn list_where(&self, gvk: &Gvk, keep: impl Fn(&ObjectMeta) -> bool) -> Vec<Value> {
        let Some(cell) = self.cell(gvk) else {
            return Vec::new();
        };
        let Some(r) = cell.get() else {
            return Vec::new();
        };
        let mut objects: Vec<Arc<DynamicObject>> = r
            .store
            .state()
            .into_iter()
            .filter(|o| keep(&o.metadata))
            .collect();
        objects.sort_by(|a, b| {
            (&a.metadata.namespace, &a.metadata.name)
                .cmp(&(&b.metadata.namespace, &b.metadata.name))
        });
        objects
            .iter()
            .filter_map(|o| manifest(&r.resource, o))
            .collect()
    }

    /// One cached object, or `None` when it is not in the cache (absent from
    /// the cluster, or its kind not watched). An empty namespace means the
    /// client's default namespace for namespaced kinds, as in [`KubeCluster`].
    pub fn get(&self, object: &ObjectRef) -> Option<Value> {
        let cell = self.cell(&object.gvk)?;
        let r = cell.get()?;
        let mut key = reflector::ObjectRef::new_with(&object.name, r.resource.clone());
        if r.namespaced {
            key = key.within(self.namespace_or_default(&object.namespace));
        }
        manifest(&r.resource, &*r.store.get(&key)?)
    }

    /// A receiver of the address of every object that changes in the
    /// cache: created, updated or deleted, including the objects of each
    /// initial list (and, after a re-list, those that differ from before).
    /// A receiver that falls more than 4096 changes behind gets
    /// `RecvError::Lagged` and should re-read what it needs with
    /// [`list`](LiveCache::list).
    pub fn subscribe(&self) -> broadcast::Receiver<ObjectRef> {
        self.inner.changes.subscribe()
    }

    /// Whether the watches are failing: the error of the last failed watch
    /// or re-list, until a re-list succeeds (`None`: healthy). The cached
    /// objects may be stale while it is set.
    pub fn failure(&self) -> Option<String> {
        self.inner.failure.borrow().clone()
    }

    /// A receiver that sees [`failure`](LiveCache::failure) change.
    pub fn subscribe_failures(&self) -> watch::Receiver<Option<String>> {
        self.inner.failure.subscribe()
    }

    /// `namespace`, or the client's default namespace when it is empty.
    fn namespace_or_default<'a>(&'a self, namespace: &'a str) -> &'a str {
        if namespace.is_empty() {
            self.inner.cluster.client().default_namespace()
        } else {
            namespace
        }
    }

    /// The cell of a kind, if it was asked for; cloned so that reads do not
    /// hold the lock while manifests are rendered.
    fn cell(&self, gvk: &Gvk) -> Option<Arc<OnceCell<Reflected>>> {
        self.inner.kinds().get(gvk).cloned()
    }

    /// Discovers a kind, spawns its reflector and waits for the initial list.
    async fn start(&self, gvk: &Gvk) -> Result<Reflected, ClusterError> {
        let (resource, namespaced) = self.inner.cluster.discover(gvk).await?;
        let writer = Writer::new(resource.clone());
        let store = writer.as_reader();
        let api = Api::<DynamicObject>::all_with(self.inner.cluster.client().clone(), &resource);
        let (ready_tx, ready_rx) = oneshot::channel();
        let task = tokio::spawn(reflect(
            gvk.clone(),
            api,
            writer,
            self.inner.changes.clone(),
            self.inner.failure.clone(),
            ready_tx,
        ));
        let task = AbortOnDrop(task.abort_handle());
        match ready_rx.await {
            Ok(Ok(())) => Ok(Reflected {
                resource,
                namespaced,
                store,
                _task: task,
            }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(ClusterError::Transport(format!(
                "the watch of {gvk} stopped before its initial list"
            ))),
        }
    }
}

impl Inner {
    fn kinds(&self) -> MutexGuard<'_, HashMap<Gvk, Arc<OnceCell<Reflected>>>> {
        self.kinds.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Runs one kind's watcher: applies its events to the store, announces
/// changes, and reports the outcome of the first list through `ready`
/// (the task ends if that list fails).
async fn reflect(
    gvk: Gvk,
    api: Api<DynamicObject>,
    mut writer: Writer<DynamicObject>,
    changes: broadcast::Sender<ObjectRef>,
    failure: watch::Sender<Option<String>>,
    ready: oneshot::Sender<Result<(), ClusterError>>,
) {
    let reader = writer.as_reader();
    let mut ready = Some(ready);
    let mut events = pin!(watcher::watcher(api, watcher::Config::default()).default_backoff());
    while let Some(event) = events.next().await {
        let event = match event {
            Ok(event) => event,
            Err(e) => {
                // Before the first list, give up and tell `watch`; later the
                // watcher retries after its backoff.
                if let Some(ready) = ready.take() {
                    let _ = ready.send(Err(watch_error(e)));
                    return;
                }
                failure.send_replace(Some(watch_error(e).to_string()));
                continue;
            }
        };
        match &event {
            Event::Apply(obj) | Event::Delete(obj) => {
                writer.apply_watcher_event(&event);
                // No receiver is not an error: nobody subscribed yet.
                let _ = changes.send(object_ref(&gvk, obj));
            }
            Event::InitDone => {
                let before = reader.state();
                writer.apply_watcher_event(&event);
                for changed in relisted(&before, &reader.state()) {
                    let _ = changes.send(object_ref(&gvk, &changed));
                }
                failure.send_if_modified(|f| f.take().is_some());
                if let Some(ready) = ready.take() {
                    let _ = ready.send(Ok(()));
                }
            }
            Event::Init | Event::InitApply(_) => writer.apply_watcher_event(&event),
        }
    }
}

/// The objects a re-list changed: those new or with another
/// `resourceVersion`, and those gone.
fn relisted(
    before: &[Arc<DynamicObject>],
    after: &[Arc<DynamicObject>],
) -> Vec<Arc<DynamicObject>> {
    let identity = |o: &DynamicObject| (o.metadata.namespace.clone(), o.metadata.name.clone());
    let old: HashMap<_, _> = before
        .iter()
        .map(|o| (identity(o), (o.resource_version(), o)))
        .collect();
    let mut kept = std::collections::HashSet::new();
    let mut changed: Vec<Arc<DynamicObject>> = Vec::new();
    for o in after {
        let id = identity(o);
        if old
            .get(&id)
            .is_none_or(|(rv, _)| *rv != o.resource_version())
        {
            changed.push(o.clone());
        }
        kept.insert(id);
    }
    changed.extend(
        old.into_iter()
            .filter(|(id, _)| !kept.contains(id))
            .map(|(_, (_, o))| o.clone()),
    );
    changed
}

fn object_ref(gvk: &Gvk, obj: &DynamicObject) -> ObjectRef {
    ObjectRef {
        gvk: gvk.clone(),
        namespace: obj.namespace().unwrap_or_default(),
        name: obj.name_any(),
    }
}

/// The manifest of a cached object, with `apiVersion` and `kind` first
/// (list items may come without them). `None` only if the object does not
/// serialise to a JSON object, which a decoded `DynamicObject` always does.
fn manifest(resource: &ApiResource, obj: &DynamicObject) -> Option<Value> {
    let Value::Object(fields) = serde_json::to_value(obj).ok()? else {
        return None;
    };
    let mut out = Map::with_capacity(fields.len() + 2);
    out.insert("apiVersion".into(), resource.api_version.clone().into());
    out.insert("kind".into(), resource.kind.clone().into());
    out.extend(
        fields
            .into_iter()
            .filter(|(k, _)| k != "apiVersion" && k != "kind"),
    );
    Some(Value::Object(out))
}

/// The error of a watcher's first list.
fn watch_error(e: watcher::Error) -> ClusterError {
    match e {
        watcher::Error::InitialListFailed(e)
        | watcher::Error::WatchStartFailed(e)
        | watcher::Error::WatchFailed(e) => request_error(e),
        watcher::Error::WatchError(status) => request_error(kube::Error::Api(status)),
        other @ watcher::Error::NoResourceVersion => ClusterError::Transport(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cm(name: &str, rv: &str) -> Arc<DynamicObject> {
        let resource = ApiResource::erase::<k8s_openapi::api::core::v1::ConfigMap>(&());
        let mut obj = DynamicObject::new(name, &resource).within("default");
        obj.metadata.resource_version = Some(rv.to_owned());
        Arc::new(obj)
    }

    fn names(objects: &[Arc<DynamicObject>]) -> Vec<String> {
        let mut names: Vec<String> = objects.iter().map(|o| o.name_any()).collect();
        names.sort();
        names
    }

    #[test]
    fn a_relist_reports_new_changed_and_gone_objects() {
        let before = [cm("same", "1"), cm("updated", "2"), cm("gone", "3")];
        let after = [cm("same", "1"), cm("updated", "5"), cm("new", "6")];
        assert_eq!(
            names(&relisted(&before, &after)),
            ["gone", "new", "updated"]
        );
        assert_eq!(names(&relisted(&[], &after)), ["new", "same", "updated"]);
        assert!(relisted(&after, &after).is_empty());
    }

    #[test]
    fn manifests_lead_with_the_type() {
        let resource = ApiResource::erase::<k8s_openapi::api::core::v1::ConfigMap>(&());
        let mut obj = DynamicObject::new("x", &resource).within("default");
        obj.types = None;
        obj.data = serde_json::json!({"data": {"k": "v"}});
        let m = manifest(&resource, &obj).expect("manifest");
        let keys: Vec<&str> = m
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["apiVersion", "kind", "metadata", "data"]);
        assert_eq!(m["apiVersion"], "v1");
        assert_eq!(m["kind"], "ConfigMap");
        assert_eq!(m["data"]["k"], "v");
    }
}
