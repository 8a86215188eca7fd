//! [`LiveCache`]: the live objects of the kinds the controller manages, kept
//! current by one kube-runtime watcher per kind (cluster-wide), so that
//! comparisons read memory instead of listing the API server. Each kind is
//! indexed by namespace and by a caller-chosen key (the app that tracks an
//! object), so reading one app's objects costs what they are, not the kind.

use std::collections::{BTreeSet, HashMap};
use std::pin::pin;
use std::sync::{Arc, Mutex, MutexGuard};

use futures_util::StreamExt;
use kube::ResourceExt;
use kube::api::{Api, ApiResource, ObjectMeta};
use kube::runtime::WatchStreamExt;
use kube::runtime::reflector::{self, Store, store::Writer};
use kube::runtime::watcher::{self, Event};
use serde_json::Value;
use tokio::sync::{OnceCell, broadcast, oneshot, watch};

use super::cached_object::CachedObject;
use super::client::request_error;
use super::{ClusterError, Gvk, KubeCluster, ObjectRef};

/// How many change notifications a slow subscriber may fall behind before it
/// sees [`broadcast::error::RecvError::Lagged`].
const CHANGES_CAPACITY: usize = 4096;

/// The key a [`LiveCache`] files an object under, from its metadata (for
/// the controller: the app instance its tracking label or annotation names);
/// `None` files it under no key.
pub type IndexKeyFn = Arc<dyn Fn(&ObjectMeta) -> Option<String> + Send + Sync>;

/// A watch-based cache of live objects.
///
/// [`watch`](LiveCache::watch) starts a reflector for a kind: a kube-runtime
/// `watcher` over the whole cluster whose events keep an in-memory store
/// current. The watcher re-lists and re-watches after errors, waiting
/// between attempts with kube-runtime's default backoff (client-go's
/// parameters). Each object is held once, as the JSON text the watch
/// delivered (see `cached_object`); [`get`](LiveCache::get),
/// [`list`](LiveCache::list) and [`list_by_key`](LiveCache::list_by_key)
/// parse manifests from it on demand, finding the objects of a namespace or key through an index kept
/// next to the store.
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
    /// The key objects are indexed by, besides namespace.
    index_key: Option<IndexKeyFn>,
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
    store: Store<CachedObject>,
    index: Arc<Mutex<Index>>,
    _task: AbortOnDrop,
}

/// The identity of a cached object within its kind: (namespace, name), the
/// namespace empty for cluster-scoped kinds.
type Identity = (String, String);

fn identity(obj: &CachedObject) -> Identity {
    (
        obj.metadata().namespace.clone().unwrap_or_default(),
        obj.metadata().name.clone().unwrap_or_default(),
    )
}

/// One kind's objects by namespace and by index key, kept in step with its
/// store by the reflector task.
#[derive(Default)]
struct Index {
    /// The names of the objects of each namespace.
    by_namespace: HashMap<String, BTreeSet<String>>,
    /// The objects filed under each key.
    by_key: HashMap<String, BTreeSet<Identity>>,
    /// The key each object is filed under, to move it when it changes.
    key_of: HashMap<Identity, String>,
}

impl Index {
    /// An index of `objects`.
    fn of(objects: &[Arc<CachedObject>], key: Option<&IndexKeyFn>) -> Self {
        let mut index = Index::default();
        for obj in objects {
            index.insert(obj, key);
        }
        index
    }

    /// Files `obj` (new or changed) under its namespace and key.
    fn insert(&mut self, obj: &CachedObject, key: Option<&IndexKeyFn>) {
        let id = identity(obj);
        self.remove(&id);
        self.by_namespace
            .entry(id.0.clone())
            .or_default()
            .insert(id.1.clone());
        if let Some(key) = key.and_then(|f| f(obj.metadata())) {
            self.by_key
                .entry(key.clone())
                .or_default()
                .insert(id.clone());
            self.key_of.insert(id, key);
        }
    }

    /// Forgets the object `id`.
    fn remove(&mut self, id: &Identity) {
        if let Some(names) = self.by_namespace.get_mut(&id.0) {
            names.remove(&id.1);
            if names.is_empty() {
                self.by_namespace.remove(&id.0);
            }
        }
        if let Some(key) = self.key_of.remove(id)
            && let Some(ids) = self.by_key.get_mut(&key)
        {
            ids.remove(id);
            if ids.is_empty() {
                self.by_key.remove(&key);
            }
        }
    }
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
    /// An empty cache over a client; nothing is watched yet. Objects are
    /// indexed by namespace only.
    pub fn new(client: kube::Client) -> Self {
        Self::build(client, None)
    }

    /// [`LiveCache::new`], also indexing every object under the key
    /// `index_key` gives it, for [`list_by_key`](LiveCache::list_by_key).
    pub fn with_index(client: kube::Client, index_key: IndexKeyFn) -> Self {
        Self::build(client, Some(index_key))
    }

    fn build(client: kube::Client, index_key: Option<IndexKeyFn>) -> Self {
        let (changes, _) = broadcast::channel(CHANGES_CAPACITY);
        LiveCache {
            inner: Arc::new(Inner {
                cluster: KubeCluster::new(client),
                index_key,
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
    /// cluster-scoped kinds. Empty when the kind is not watched. The objects
    /// of one namespace are found through the index: listing a small
    /// namespace of a large kind costs what is in it.
    pub fn list(&self, gvk: &Gvk, namespace: Option<&str>) -> Vec<Value> {
        self.read(gvk, |r| match namespace.filter(|_| r.namespaced) {
            Some(ns) => {
                let ns = self.namespace_or_default(ns).to_owned();
                let names: Vec<String> = r
                    .index()
                    .by_namespace
                    .get(&ns)
                    .map(|names| names.iter().cloned().collect())
                    .unwrap_or_default();
                names
                    .into_iter()
                    .filter_map(|name| r.manifest_of(&(ns.clone(), name)))
                    .collect()
            }
            None => {
                let mut objects = r.store.state();
                objects.sort_by_key(|o| identity(o));
                objects
                    .iter()
                    .filter_map(|o| o.manifest(&r.resource))
                    .collect()
            }
        })
        .unwrap_or_default()
    }

    /// Whether objects of a watched kind live in namespaces (from discovery);
    /// `None` when the kind is not watched.
    pub fn is_namespaced(&self, gvk: &Gvk) -> Option<bool> {
        self.read(gvk, |r| r.namespaced)
    }

    /// The names of the cached objects of a watched, namespaced kind in
    /// `namespace` (`""`: the client's default), sorted; read from the
    /// index, no manifest is rendered. Empty when the kind is not watched.
    pub fn names_in(&self, gvk: &Gvk, namespace: &str) -> Vec<String> {
        self.read(gvk, |r| {
            r.index()
                .by_namespace
                .get(self.namespace_or_default(namespace))
                .map(|names| names.iter().cloned().collect())
        })
        .flatten()
        .unwrap_or_default()
    }

    /// The namespaces holding cached objects of a watched, namespaced kind,
    /// sorted; read from the index. Empty when the kind is not watched.
    pub fn namespaces(&self, gvk: &Gvk) -> Vec<String> {
        let mut namespaces = self
            .read(gvk, |r| {
                r.index()
                    .by_namespace
                    .keys()
                    .filter(|ns| !ns.is_empty())
                    .cloned()
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        namespaces.sort();
        namespaces
    }

    /// The cached objects of a watched kind filed under `key` by the cache's
    /// index key (see [`LiveCache::with_index`]), sorted by namespace and
    /// name; found through the index, so one app's objects cost what they
    /// are, however many objects the kind has. Empty when the kind is not
    /// watched or the cache has no index key.
    pub fn list_by_key(&self, gvk: &Gvk, key: &str) -> Vec<Value> {
        self.read(gvk, |r| {
            let ids: Vec<Identity> = r
                .index()
                .by_key
                .get(key)
                .map(|ids| ids.iter().cloned().collect())
                .unwrap_or_default();
            ids.iter().filter_map(|id| r.manifest_of(id)).collect()
        })
        .unwrap_or_default()
    }

    /// One cached object, or `None` when it is not in the cache (absent from
    /// the cluster, or its kind not watched). An empty namespace means the
    /// client's default namespace for namespaced kinds, as in [`KubeCluster`].
    pub fn get(&self, object: &ObjectRef) -> Option<Value> {
        self.read(&object.gvk, |r| {
            let namespace = if r.namespaced {
                self.namespace_or_default(&object.namespace)
            } else {
                ""
            };
            r.manifest_of(&(namespace.to_owned(), object.name.clone()))
        })
        .flatten()
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

    /// What `read` finds in a watched kind's reflector; `None` when the kind
    /// is not watched (or its initial list is not in yet).
    fn read<T>(&self, gvk: &Gvk, read: impl FnOnce(&Reflected) -> T) -> Option<T> {
        let cell = self.cell(gvk)?;
        cell.get().map(read)
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
        let index = Arc::new(Mutex::new(Index::default()));
        let api = Api::<CachedObject>::all_with(self.inner.cluster.client().clone(), &resource);
        let (ready_tx, ready_rx) = oneshot::channel();
        let task = tokio::spawn(reflect(
            gvk.clone(),
            api,
            Indexed {
                writer,
                index: Arc::clone(&index),
                key: self.inner.index_key.clone(),
            },
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
                index,
                _task: task,
            }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(ClusterError::Transport(format!(
                "the watch of {gvk} stopped before its initial list"
            ))),
        }
    }
}

impl Reflected {
    fn index(&self) -> MutexGuard<'_, Index> {
        self.index.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The manifest of the object `id` of this kind, if cached.
    fn manifest_of(&self, (namespace, name): &Identity) -> Option<Value> {
        let mut key = reflector::ObjectRef::new_with(name, self.resource.clone());
        if self.namespaced {
            key = key.within(namespace);
        }
        self.store.get(&key)?.manifest(&self.resource)
    }
}

/// A kind's store writer and the index kept in step with it.
struct Indexed {
    writer: Writer<CachedObject>,
    index: Arc<Mutex<Index>>,
    key: Option<IndexKeyFn>,
}

impl Indexed {
    /// Applies a watcher event to the store, then to the index.
    fn apply(&mut self, event: &Event<CachedObject>) {
        self.writer.apply_watcher_event(event);
        let mut index = self.index.lock().unwrap_or_else(|e| e.into_inner());
        match event {
            Event::Apply(obj) => index.insert(obj, self.key.as_ref()),
            Event::Delete(obj) => index.remove(&identity(obj)),
            // The store swaps in the re-listed objects at `InitDone`.
            Event::InitDone => {
                *index = Index::of(&self.writer.as_reader().state(), self.key.as_ref());
            }
            Event::Init | Event::InitApply(_) => {}
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
    api: Api<CachedObject>,
    mut indexed: Indexed,
    changes: broadcast::Sender<ObjectRef>,
    failure: watch::Sender<Option<String>>,
    ready: oneshot::Sender<Result<(), ClusterError>>,
) {
    let reader = indexed.writer.as_reader();
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
                indexed.apply(&event);
                // No receiver is not an error: nobody subscribed yet.
                let _ = changes.send(object_ref(&gvk, obj));
            }
            Event::InitDone => {
                let before = reader.state();
                indexed.apply(&event);
                for changed in relisted(&before, &reader.state()) {
                    let _ = changes.send(object_ref(&gvk, &changed));
                }
                failure.send_if_modified(|f| f.take().is_some());
                if let Some(ready) = ready.take() {
                    let _ = ready.send(Ok(()));
                }
            }
            Event::Init | Event::InitApply(_) => indexed.apply(&event),
        }
    }
}

/// The objects a re-list changed: those new or with another
/// `resourceVersion`, and those gone.
fn relisted(before: &[Arc<CachedObject>], after: &[Arc<CachedObject>]) -> Vec<Arc<CachedObject>> {
    let old: HashMap<_, _> = before
        .iter()
        .map(|o| (identity(o), (o.resource_version(), o)))
        .collect();
    let mut kept = std::collections::HashSet::new();
    let mut changed: Vec<Arc<CachedObject>> = Vec::new();
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

fn object_ref(gvk: &Gvk, obj: &CachedObject) -> ObjectRef {
    ObjectRef {
        gvk: gvk.clone(),
        namespace: obj.namespace().unwrap_or_default(),
        name: obj.name_any(),
    }
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

    fn cm(name: &str, rv: &str) -> Arc<CachedObject> {
        Arc::new(CachedObject::from(serde_json::json!({
            "metadata": {"name": name, "namespace": "default", "resourceVersion": rv},
        })))
    }

    fn names(objects: &[Arc<CachedObject>]) -> Vec<String> {
        let mut names: Vec<String> = objects.iter().map(|o| o.name_any()).collect();
        names.sort();
        names
    }

    fn labelled(namespace: &str, name: &str, app: Option<&str>) -> CachedObject {
        let labels = app.map(|a| serde_json::json!({"app": a}));
        CachedObject::from(serde_json::json!({
            "metadata": {"name": name, "namespace": namespace, "labels": labels},
        }))
    }

    fn keyed(index: &Index, key: &str) -> Vec<Identity> {
        index
            .by_key
            .get(key)
            .map(|ids| ids.iter().cloned().collect())
            .unwrap_or_default()
    }

    #[test]
    fn the_index_follows_changes_of_key_and_deletions() {
        let key: IndexKeyFn =
            Arc::new(|meta: &ObjectMeta| meta.labels.as_ref()?.get("app").cloned());
        let mut index = Index::of(
            &[
                Arc::new(labelled("a", "one", Some("x"))),
                Arc::new(labelled("b", "two", Some("x"))),
                Arc::new(labelled("a", "three", None)),
            ],
            Some(&key),
        );
        let id = |ns: &str, name: &str| (ns.to_owned(), name.to_owned());
        assert_eq!(keyed(&index, "x"), [id("a", "one"), id("b", "two")]);
        assert_eq!(index.by_namespace["a"].len(), 2);

        // Relabelled: filed under its new key only.
        index.insert(&labelled("a", "one", Some("y")), Some(&key));
        assert_eq!(keyed(&index, "x"), [id("b", "two")]);
        assert_eq!(keyed(&index, "y"), [id("a", "one")]);
        assert_eq!(
            index.by_namespace["a"].len(),
            2,
            "still one entry per object"
        );

        index.remove(&id("b", "two"));
        assert!(keyed(&index, "x").is_empty());
        assert!(!index.by_key.contains_key("x"), "empty keys are dropped");
        assert!(!index.by_namespace.contains_key("b"));

        // Without a key function only namespaces are indexed.
        let plain = Index::of(&[Arc::new(labelled("a", "one", Some("x")))], None);
        assert!(plain.by_key.is_empty());
        assert_eq!(plain.by_namespace["a"].len(), 1);
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
}
