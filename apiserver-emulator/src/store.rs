//! The in-memory object store: create, read, update and delete with the
//! bookkeeping of a real API server (resource versions, uids, generations,
//! finalizers, garbage collection through owner references, namespace
//! deletion), and the event history that watches replay.

mod objects;

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use serde_json::{Value, json};
use tokio::sync::broadcast;

use crate::error::ApiError;
use crate::meta::{meta_str, metadata_mut, name_suffix, new_uid, now, same_content, spec_changed};
use crate::persist::{Disk, Loaded, PersistError};
use crate::registry::{Registry, ResourceType};
use crate::selector::{FieldSelector, LabelSelector};
use crate::validate::validate;
use objects::Objects;

/// How many events the store keeps for watches that resume from a
/// `resourceVersion`; older versions get `410 Gone`.
const HISTORY: usize = 10_000;

/// The type of a watch event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    /// The object was created.
    Added,
    /// The object changed.
    Modified,
    /// The object was removed.
    Deleted,
}

impl EventType {
    /// The name used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One change of one object.
#[derive(Debug, Clone)]
pub struct Event {
    /// The resource version the change produced.
    pub rv: u64,
    /// What happened.
    pub kind: EventType,
    /// Group of the object's resource type.
    pub group: String,
    /// Plural of the object's resource type.
    pub plural: String,
    /// The object after the change (its last state for deletions).
    pub object: Value,
}

/// What happens to the dependents of a deleted object.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Propagation {
    /// Dependents are deleted before the owner.
    Foreground,
    /// The owner is deleted, then its dependents.
    #[default]
    Background,
    /// Dependents stay; their owner reference is removed.
    Orphan,
}

impl Propagation {
    /// Parses `propagationPolicy`.
    pub fn parse(s: &str) -> Result<Self, ApiError> {
        match s {
            "Foreground" => Ok(Propagation::Foreground),
            "Background" => Ok(Propagation::Background),
            "Orphan" => Ok(Propagation::Orphan),
            other => Err(ApiError::bad_request(format!(
                "propagationPolicy: unsupported value {other:?}: supported values: \"Foreground\", \"Background\", \"Orphan\""
            ))),
        }
    }
}

/// The selectors of a list or watch.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// `labelSelector`.
    pub labels: LabelSelector,
    /// `fieldSelector`.
    pub fields: FieldSelector,
}

impl Filter {
    /// Whether the object passes both selectors.
    pub fn matches(&self, obj: &Value) -> bool {
        self.labels.matches(obj) && self.fields.matches(obj)
    }
}

/// `(group, plural, namespace, name)`; the namespace is empty for
/// cluster-scoped objects. Versions of one group share storage.
type Key = (String, String, String, String);

fn key(rt: &ResourceType, ns: &str, name: &str) -> Key {
    let ns = if rt.namespaced { ns } else { "" };
    (
        rt.group.clone(),
        rt.plural.clone(),
        ns.to_owned(),
        name.to_owned(),
    )
}

/// The objects, the served types and the event history.
#[derive(Debug)]
pub struct Store {
    registry: Registry,
    objects: Objects,
    rv: u64,
    history: VecDeque<Arc<Event>>,
    events: broadcast::Sender<Arc<Event>>,
    /// The resource version of the last change to each type (group, plural).
    type_versions: HashMap<(String, String), u64>,
    names_generated: u64,
    /// Where changes are written through, with `--data-dir`.
    disk: Option<Disk>,
    /// The first failed write-through since the last request ended.
    write_error: Option<PersistError>,
}

impl Default for Store {
    fn default() -> Self {
        Self::new()
    }
}

impl Store {
    /// An empty store serving the built-in types, with the namespaces
    /// `default`, `kube-system` and `kube-public`.
    pub fn new() -> Self {
        Self::with_disk(None, Loaded::default())
    }

    /// A store kept in the data directory `dir`: what it holds is served
    /// (custom resource types included) and resource versions continue
    /// from the newest stored one; a fresh directory starts like [`Store::new`].
    pub fn open(dir: &std::path::Path) -> Result<Self, PersistError> {
        let (disk, loaded) = Disk::open(dir)?;
        let store = Self::with_disk(Some(disk), loaded);
        match store.write_error {
            Some(e) => Err(e),
            None => Ok(store),
        }
    }

    fn with_disk(disk: Option<Disk>, loaded: Loaded) -> Self {
        let (events, _) = broadcast::channel(4096);
        let mut store = Store {
            registry: Registry::builtin(),
            objects: loaded.objects.into_iter().collect(),
            rv: loaded.resource_version,
            history: VecDeque::new(),
            events,
            type_versions: HashMap::new(),
            names_generated: loaded.names_generated,
            disk,
            write_error: None,
        };
        let crds: Vec<Value> = store
            .objects
            .iter()
            .filter(|(k, _)| k.0 == "apiextensions.k8s.io")
            .map(|(_, o)| o.clone())
            .collect();
        for crd in &crds {
            store.registry.register_crd(crd);
        }
        if !store.objects.is_empty() {
            return store;
        }
        let ns_type = store
            .registry
            .by_kind("v1", "Namespace")
            .cloned()
            .expect("Namespace is a built-in type");
        for ns in ["default", "kube-system", "kube-public"] {
            let obj = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}});
            // Creating a fresh namespace in an empty store cannot fail.
            let _ = store.create_unchecked(&ns_type, "", obj, false);
        }
        store
    }

    /// The served resource types.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The newest resource version.
    pub fn resource_version(&self) -> u64 {
        self.rv
    }

    /// The resource version of the last change to objects of `rt` since
    /// the store was opened (0: none).
    pub fn type_version(&self, rt: &ResourceType) -> u64 {
        self.type_versions
            .get(&(rt.group.clone(), rt.plural.clone()))
            .copied()
            .unwrap_or(0)
    }

    /// A receiver of every future event.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.events.subscribe()
    }

    /// The kept events newer than `rv`, or `410 Gone` when events after `rv`
    /// are no longer kept.
    pub fn events_since(&self, rv: u64) -> Result<Vec<Arc<Event>>, ApiError> {
        let oldest = self.history.front().map_or(self.rv + 1, |e| e.rv);
        if rv + 1 < oldest && rv < self.rv {
            return Err(ApiError::gone(format!(
                "too old resource version: {rv} ({})",
                oldest - 1
            )));
        }
        Ok(self.history.iter().filter(|e| e.rv > rv).cloned().collect())
    }

    /// One object.
    pub fn get(&self, rt: &ResourceType, ns: &str, name: &str) -> Result<Value, ApiError> {
        self.objects
            .get(&key(rt, ns, name))
            .map(|o| as_version(rt, o))
            .ok_or_else(|| ApiError::not_found(&rt.group, &rt.plural, name))
    }

    /// The objects of a type, in one namespace or all (`None`), that pass the
    /// filter, ordered by namespace and name.
    /// Reads only the type's (and namespace's) range of the store, so a list
    /// costs what it returns, not what the store holds.
    pub fn list(&self, rt: &ResourceType, ns: Option<&str>, filter: &Filter) -> Vec<Value> {
        let ns = ns.filter(|_| rt.namespaced);
        let start = (
            rt.group.clone(),
            rt.plural.clone(),
            ns.unwrap_or_default().to_owned(),
            String::new(),
        );
        self.objects
            .range(start..)
            .take_while(|((g, p, n, _), _)| {
                *g == rt.group && *p == rt.plural && ns.is_none_or(|ns| ns == n)
            })
            .map(|(_, o)| o)
            .filter(|o| filter.matches(o))
            .map(|o| as_version(rt, o))
            .collect()
    }

    /// Creates an object in namespace `ns` (ignored for cluster-scoped types).
    #[allow(clippy::too_many_arguments)]
    pub fn create(
        &mut self,
        rt: &ResourceType,
        ns: &str,
        obj: Value,
        dry_run: bool,
    ) -> Result<Value, ApiError> {
        let result = self.create_unchecked(rt, ns, obj, dry_run);
        self.written(result)
    }

    /// [`Store::create`] without the check of the write-through.
    fn create_unchecked(
        &mut self,
        rt: &ResourceType,
        ns: &str,
        mut obj: Value,
        dry_run: bool,
    ) -> Result<Value, ApiError> {
        self.check_type(rt, &obj)?;
        let ns = self.place(rt, ns, &mut obj)?;
        if meta_str(&obj, "name").is_empty() {
            let prefix = meta_str(&obj, "generateName").to_owned();
            if prefix.is_empty() {
                return Err(ApiError::invalid(
                    &rt.group,
                    &rt.plural,
                    "",
                    format!(
                        "{} is invalid: metadata.name: Required value: name or generateName is required",
                        rt.kind
                    ),
                ));
            }
            self.names_generated += 1;
            let name = format!("{prefix}{}", name_suffix(self.names_generated + self.rv));
            metadata_mut(&mut obj).insert("name".into(), name.into());
        }
        let name = meta_str(&obj, "name").to_owned();
        validate(rt, &obj, None)?;
        if rt.namespaced {
            self.require_namespace(&ns)?;
            if self.namespace_terminating(&ns) {
                return Err(ApiError::forbidden(
                    &rt.group,
                    &rt.plural,
                    &name,
                    format!(
                        "{} {name:?} is forbidden: unable to create new content in namespace {ns} because it is being terminated",
                        rt.plural
                    ),
                ));
            }
        }
        let k = key(rt, &ns, &name);
        if self.objects.contains_key(&k) {
            return Err(ApiError::already_exists(&rt.group, &rt.plural, &name));
        }
        let meta = metadata_mut(&mut obj);
        meta.insert("uid".into(), new_uid().into());
        meta.insert("creationTimestamp".into(), now().into());
        meta.insert("generation".into(), 1.into());
        meta.remove("deletionTimestamp");
        meta.remove("deletionGracePeriodSeconds");
        if rt.status_subresource
            && let Some(m) = obj.as_object_mut()
        {
            m.remove("status");
        }
        initial_status(rt, &mut obj);
        if rt.group == "apiextensions.k8s.io" && !dry_run {
            self.registry.register_crd(&obj);
        }
        Ok(self.commit(rt, k, obj, EventType::Added, dry_run))
    }

    /// Replaces an object (`PUT`), or only its status when `status_only`.
    #[allow(clippy::too_many_arguments)]
    pub fn update(
        &mut self,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        obj: Value,
        status_only: bool,
        dry_run: bool,
    ) -> Result<Value, ApiError> {
        let result = self.update_unchecked(rt, ns, name, obj, status_only, dry_run);
        self.written(result)
    }

    /// [`Store::update`] without the check of the write-through.
    fn update_unchecked(
        &mut self,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        mut obj: Value,
        status_only: bool,
        dry_run: bool,
    ) -> Result<Value, ApiError> {
        let k = key(rt, ns, name);
        let existing = self
            .objects
            .get(&k)
            .cloned()
            .ok_or_else(|| ApiError::not_found(&rt.group, &rt.plural, name))?;
        self.check_type(rt, &obj)?;
        self.place(rt, ns, &mut obj)?;
        match meta_str(&obj, "name") {
            "" => {
                metadata_mut(&mut obj).insert("name".into(), name.into());
            }
            n if n != name => {
                return Err(ApiError::bad_request(format!(
                    "the name of the object ({n}) does not match the name on the URL ({name})"
                )));
            }
            _ => {}
        }
        let rv = meta_str(&obj, "resourceVersion");
        if !rv.is_empty() && rv != meta_str(&existing, "resourceVersion") {
            return Err(ApiError::conflict(&rt.group, &rt.plural, name));
        }
        let mut new = if status_only {
            let mut new = existing.clone();
            new["status"] = obj.get("status").cloned().unwrap_or(Value::Null);
            new
        } else {
            if rt.status_subresource
                && let Some(m) = obj.as_object_mut()
            {
                match existing.get("status") {
                    Some(s) => m.insert("status".into(), s.clone()),
                    None => m.remove("status"),
                };
            }
            obj
        };
        if new.get("status").is_some_and(Value::is_null)
            && let Some(m) = new.as_object_mut()
        {
            m.remove("status");
        }
        let generation = existing["metadata"]["generation"].as_i64().unwrap_or(1)
            + i64::from(spec_changed(&existing, &new));
        let meta = metadata_mut(&mut new);
        for field in [
            "uid",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
        ] {
            match existing["metadata"].get(field) {
                Some(v) => meta.insert(field.into(), v.clone()),
                None => meta.remove(field),
            };
        }
        meta.insert("generation".into(), generation.into());
        meta.insert(
            "resourceVersion".into(),
            existing["metadata"]["resourceVersion"].clone(),
        );
        if !status_only {
            validate(rt, &new, Some(&existing))?;
        }
        if same_content(&existing, &new) {
            return Ok(as_version(rt, &existing));
        }
        if !meta_str(&new, "deletionTimestamp").is_empty() && finalizers(&new).is_empty() {
            if !dry_run {
                self.remove(rt, &k, Propagation::Background);
            }
            return Ok(as_version(rt, &new));
        }
        if rt.group == "apiextensions.k8s.io" && !dry_run {
            self.registry.unregister_crd(&existing);
            self.registry.register_crd(&new);
        }
        Ok(self.commit(rt, k, new, EventType::Modified, dry_run))
    }

    /// Deletes an object. Objects with finalizers only get a
    /// `deletionTimestamp` and go when their finalizers are removed.
    /// Dependents (by `metadata.ownerReferences`) are collected at once
    /// according to `policy`; a namespace takes its objects with it.
    #[allow(clippy::too_many_arguments)]
    pub fn delete(
        &mut self,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        policy: Propagation,
        dry_run: bool,
    ) -> Result<Value, ApiError> {
        let result = self.delete_unchecked(rt, ns, name, policy, dry_run);
        self.written(result)
    }

    /// [`Store::delete`] without the check of the write-through.
    fn delete_unchecked(
        &mut self,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        policy: Propagation,
        dry_run: bool,
    ) -> Result<Value, ApiError> {
        let k = key(rt, ns, name);
        let mut obj = self
            .objects
            .get(&k)
            .cloned()
            .ok_or_else(|| ApiError::not_found(&rt.group, &rt.plural, name))?;
        if dry_run {
            return Ok(as_version(rt, &obj));
        }
        if !finalizers(&obj).is_empty() {
            if meta_str(&obj, "deletionTimestamp").is_empty() {
                let meta = metadata_mut(&mut obj);
                meta.insert("deletionTimestamp".into(), now().into());
                meta.insert("deletionGracePeriodSeconds".into(), 0.into());
                return Ok(self.commit(rt, k, obj, EventType::Modified, false));
            }
            return Ok(as_version(rt, &obj));
        }
        Ok(self.remove(rt, &k, policy))
    }

    /// Removes an object for good, collects its dependents and returns its
    /// last state.
    fn remove(&mut self, rt: &ResourceType, k: &Key, policy: Propagation) -> Value {
        let Some(obj) = self.objects.get(k).cloned() else {
            return Value::Null;
        };
        let uid = meta_str(&obj, "uid").to_owned();
        if policy == Propagation::Foreground {
            self.collect_dependents(&uid, policy);
        }
        if rt.plural == "namespaces" && rt.group.is_empty() {
            self.empty_namespace(&k.3);
            if !self.objects.namespace_is_empty(&k.3) {
                return self.terminate_namespace(rt, k, obj);
            }
        }
        self.objects.remove(k);
        let last = self.record(rt, obj, EventType::Deleted);
        self.save(k, None);
        if policy != Propagation::Foreground {
            self.collect_dependents(&uid, policy);
        }
        if rt.group == "apiextensions.k8s.io" {
            self.drop_custom_resources(&last);
        }
        if !k.2.is_empty() {
            self.finish_namespace(&k.2);
        }
        last
    }

    /// Deletes or orphans the objects owned by `uid`.
    fn collect_dependents(&mut self, uid: &str, policy: Propagation) {
        for k in self.objects.dependents_of(uid) {
            let Some(rt) = self.type_of(&k) else { continue };
            let Some(mut obj) = self.objects.get(&k).cloned() else {
                continue;
            };
            let other_owner_alive = owner_refs(&obj).iter().any(|r| {
                let other = r["uid"].as_str().unwrap_or("");
                other != uid && self.objects.has_uid(other)
            });
            if policy == Propagation::Orphan || other_owner_alive {
                if let Some(Value::Array(refs)) = obj["metadata"].get_mut("ownerReferences") {
                    refs.retain(|r| r["uid"].as_str() != Some(uid));
                    if refs.is_empty() {
                        metadata_mut(&mut obj).remove("ownerReferences");
                    }
                }
                self.commit(&rt, k, obj, EventType::Modified, false);
            } else if let Err(e) = self.delete(&rt, &k.2, &k.3, Propagation::Background, false) {
                debug_assert!(false, "dependent vanished during collection: {e}");
            }
        }
    }

    /// Deletes every object in a namespace.
    fn empty_namespace(&mut self, ns: &str) {
        for k in self.objects.in_namespace(ns) {
            if let Some(rt) = self.type_of(&k) {
                let _ = self.delete(&rt, &k.2, &k.3, Propagation::Background, false);
            }
        }
    }

    /// Marks a namespace that still holds objects (held by finalizers) as
    /// terminating.
    fn terminate_namespace(&mut self, rt: &ResourceType, k: &Key, mut ns: Value) -> Value {
        if meta_str(&ns, "deletionTimestamp").is_empty() {
            metadata_mut(&mut ns).insert("deletionTimestamp".into(), now().into());
        }
        ns["status"] = json!({"phase": "Terminating"});
        self.commit(rt, k.clone(), ns, EventType::Modified, false)
    }

    /// Whether a namespace is being deleted.
    fn namespace_terminating(&self, ns: &str) -> bool {
        let k: Key = (
            String::new(),
            "namespaces".into(),
            String::new(),
            ns.to_owned(),
        );
        self.objects
            .get(&k)
            .is_some_and(|o| !meta_str(o, "deletionTimestamp").is_empty())
    }

    /// Removes a terminating namespace once its last object is gone.
    fn finish_namespace(&mut self, ns: &str) {
        let k: Key = (
            String::new(),
            "namespaces".into(),
            String::new(),
            ns.to_owned(),
        );
        if self.namespace_terminating(ns)
            && self.objects.namespace_is_empty(ns)
            && let Some(rt) = self.registry.by_kind("v1", "Namespace").cloned()
        {
            self.remove(&rt, &k, Propagation::Background);
        }
    }

    /// Removes the objects of the types a deleted CRD declared.
    fn drop_custom_resources(&mut self, crd: &Value) {
        let group = crd["spec"]["group"].as_str().unwrap_or("");
        let plural = crd["spec"]["names"]["plural"].as_str().unwrap_or("");
        let types: Vec<ResourceType> = self
            .registry
            .types()
            .iter()
            .filter(|t| t.group == group && t.plural == plural)
            .cloned()
            .collect();
        self.registry.unregister_crd(crd);
        if let Some(rt) = types.first() {
            let keys: Vec<Key> = self
                .objects
                .keys()
                .filter(|k| k.0 == group && k.1 == plural)
                .cloned()
                .collect();
            for k in keys {
                if let Some(o) = self.objects.remove(&k) {
                    self.record(rt, o, EventType::Deleted);
                    self.save(&k, None);
                }
            }
        }
    }

    /// The served type of a stored object.
    fn type_of(&self, k: &Key) -> Option<ResourceType> {
        self.registry
            .types()
            .iter()
            .find(|t| t.group == k.0 && t.plural == k.1)
            .cloned()
    }

    /// Stores an object under a new resource version and records the event;
    /// a dry run only returns what would be stored.
    fn commit(
        &mut self,
        rt: &ResourceType,
        k: Key,
        mut obj: Value,
        kind: EventType,
        dry_run: bool,
    ) -> Value {
        if dry_run {
            return as_version(rt, &obj);
        }
        self.rv += 1;
        metadata_mut(&mut obj).insert("resourceVersion".into(), self.rv.to_string().into());
        self.save(&k, Some(&obj));
        self.objects.insert(k, obj.clone());
        self.push_event(rt, obj, kind)
    }

    /// Writes one object (`None`: its removal) through to the data
    /// directory, remembering the first failure for [`Store::written`].
    fn save(&mut self, k: &Key, obj: Option<&Value>) {
        if let Some(disk) = &self.disk
            && let Err(e) = disk.save(k, obj, self.rv, self.names_generated)
        {
            self.write_error.get_or_insert(e);
        }
    }

    /// `500` when a write-through failed during this request.
    fn written<T>(&mut self, result: Result<T, ApiError>) -> Result<T, ApiError> {
        match self.write_error.take() {
            Some(e) => Err(ApiError::internal(e.to_string())),
            None => result,
        }
    }

    /// Records a deletion (or other event) under a new resource version.
    fn record(&mut self, rt: &ResourceType, mut obj: Value, kind: EventType) -> Value {
        self.rv += 1;
        metadata_mut(&mut obj).insert("resourceVersion".into(), self.rv.to_string().into());
        self.push_event(rt, obj, kind)
    }

    fn push_event(&mut self, rt: &ResourceType, obj: Value, kind: EventType) -> Value {
        self.type_versions
            .insert((rt.group.clone(), rt.plural.clone()), self.rv);
        let event = Arc::new(Event {
            rv: self.rv,
            kind,
            group: rt.group.clone(),
            plural: rt.plural.clone(),
            object: obj.clone(),
        });
        if self.history.len() == HISTORY {
            self.history.pop_front();
        }
        self.history.push_back(event.clone());
        // No receiver is fine: nobody watches.
        let _ = self.events.send(event);
        as_version(rt, &obj)
    }

    /// Checks `apiVersion` and `kind` of a request body against the URL.
    fn check_type(&self, rt: &ResourceType, obj: &Value) -> Result<(), ApiError> {
        if !obj.is_object() {
            return Err(ApiError::bad_request(
                "the request body is not a JSON object",
            ));
        }
        let kind = obj["kind"].as_str().unwrap_or("");
        let api_version = obj["apiVersion"].as_str().unwrap_or("");
        if kind.is_empty() || api_version.is_empty() {
            return Err(ApiError::bad_request(format!(
                "Object 'Kind' or 'apiVersion' is missing in the request body for {}",
                rt.plural
            )));
        }
        let same_type = self
            .registry
            .by_kind(api_version, kind)
            .is_some_and(|t| t.group == rt.group && t.plural == rt.plural);
        if !same_type {
            return Err(ApiError::bad_request(format!(
                "the API version in the data ({api_version}) and kind ({kind}) do not match the URL's resource {}/{}",
                rt.api_version(),
                rt.plural
            )));
        }
        Ok(())
    }

    /// Sets or checks the namespace of a request body; returns the namespace
    /// the object lives in (empty for cluster-scoped types).
    fn place(&self, rt: &ResourceType, ns: &str, obj: &mut Value) -> Result<String, ApiError> {
        let meta = metadata_mut(obj);
        if !rt.namespaced {
            meta.remove("namespace");
            return Ok(String::new());
        }
        match meta.get("namespace").and_then(Value::as_str).unwrap_or("") {
            "" => {
                meta.insert("namespace".into(), ns.into());
                Ok(ns.to_owned())
            }
            n if n == ns || ns.is_empty() => Ok(n.to_owned()),
            _ => Err(ApiError::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            )),
        }
    }

    /// `404` unless the namespace exists.
    fn require_namespace(&self, ns: &str) -> Result<(), ApiError> {
        let k: Key = (
            String::new(),
            "namespaces".into(),
            String::new(),
            ns.to_owned(),
        );
        if ns.is_empty() || !self.objects.contains_key(&k) {
            return Err(ApiError::not_found("", "namespaces", ns));
        }
        Ok(())
    }
}

/// The object as the requested version of its type serves it.
fn as_version(rt: &ResourceType, obj: &Value) -> Value {
    let mut obj = obj.clone();
    obj["apiVersion"] = rt.api_version().into();
    obj
}

fn finalizers(obj: &Value) -> Vec<Value> {
    obj["metadata"]["finalizers"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn owner_refs(obj: &Value) -> Vec<Value> {
    obj["metadata"]["ownerReferences"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The status the server gives new objects of some types.
fn initial_status(rt: &ResourceType, obj: &mut Value) {
    match (rt.group.as_str(), rt.kind.as_str()) {
        ("", "Namespace") => obj["status"] = json!({"phase": "Active"}),
        ("", "PersistentVolumeClaim" | "Pod") => obj["status"] = json!({"phase": "Pending"}),
        ("apiextensions.k8s.io", "CustomResourceDefinition") => {
            let versions: Vec<Value> = obj["spec"]["versions"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .filter(|v| v["storage"].as_bool() == Some(true))
                .map(|v| v["name"].clone())
                .collect();
            let time = now();
            obj["status"] = json!({
                "acceptedNames": obj["spec"]["names"].clone(),
                "storedVersions": versions,
                "conditions": [
                    {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts",
                     "message": "no conflicts found", "lastTransitionTime": time},
                    {"type": "Established", "status": "True", "reason": "InitialNamesAccepted",
                     "message": "the initial names have been accepted", "lastTransitionTime": time},
                ],
            });
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn configmaps(store: &Store) -> ResourceType {
        store
            .registry()
            .by_kind("v1", "ConfigMap")
            .cloned()
            .expect("built-in")
    }

    fn cm(name: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}})
    }

    #[test]
    fn resource_versions_increase_and_history_expires() {
        let mut store = Store::new();
        let rt = configmaps(&store);
        let start = store.resource_version();
        let a = store
            .create(&rt, "default", cm("a"), false)
            .expect("create");
        assert_eq!(a["metadata"]["resourceVersion"], (start + 1).to_string());
        assert_eq!(store.events_since(start).expect("kept").len(), 1);
        for i in 0..HISTORY {
            store
                .create(&rt, "default", cm(&format!("c{i}")), false)
                .expect("create");
        }
        let err = store.events_since(start).expect_err("expired");
        assert_eq!((err.code, err.reason), (410, "Expired"));
        let newest = store.resource_version();
        assert!(store.events_since(newest).expect("current").is_empty());
    }

    #[test]
    fn generate_name_and_invalid_names() {
        let mut store = Store::new();
        let rt = configmaps(&store);
        let obj =
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "job-"}});
        let made = store.create(&rt, "default", obj, false).expect("create");
        let name = made["metadata"]["name"].as_str().unwrap_or("");
        assert!(name.starts_with("job-") && name.len() == 9, "{name}");
        let bad = store
            .create(&rt, "default", cm("Not_Valid"), false)
            .expect_err("invalid");
        assert_eq!(bad.code, 422);
        let wrong_kind =
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}});
        assert_eq!(
            store
                .create(&rt, "default", wrong_kind, false)
                .map_err(|e| e.code),
            Err(400)
        );
    }

    #[test]
    fn terminating_namespace_waits_for_finalizers_and_refuses_new_objects() {
        let mut store = Store::new();
        let rt = configmaps(&store);
        let ns_type = store
            .registry()
            .by_kind("v1", "Namespace")
            .cloned()
            .expect("built-in");
        let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}});
        store.create(&ns_type, "", ns, false).expect("namespace");
        let mut held = cm("held");
        held["metadata"]["finalizers"] = json!(["example.com/hold"]);
        store.create(&rt, "team", held, false).expect("held object");
        store
            .create(&rt, "team", cm("plain"), false)
            .expect("plain object");
        store
            .delete(&ns_type, "", "team", Propagation::Background, false)
            .expect("delete");
        let terminating = store.get(&ns_type, "", "team").expect("still there");
        assert_eq!(terminating["status"]["phase"], "Terminating");
        assert_eq!(
            store.get(&rt, "team", "plain").map_err(|e| e.code),
            Err(404)
        );
        let refused = store
            .create(&rt, "team", cm("new"), false)
            .expect_err("refused");
        assert_eq!(refused.code, 403);
        let mut release = store.get(&rt, "team", "held").expect("held");
        release["metadata"]["finalizers"] = json!([]);
        store
            .update(&rt, "team", "held", release, false, false)
            .expect("release");
        assert_eq!(
            store.get(&ns_type, "", "team").map_err(|e| e.code),
            Err(404),
            "namespace goes with its last object"
        );
    }

    #[test]
    fn cluster_scoped_objects_drop_the_namespace() {
        let mut store = Store::new();
        let rt = store
            .registry()
            .by_kind("rbac.authorization.k8s.io/v1", "ClusterRole")
            .cloned()
            .expect("built-in");
        let obj = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                         "metadata": {"name": "r", "namespace": "ignored"}});
        let made = store.create(&rt, "", obj, false).expect("create");
        assert!(made["metadata"].get("namespace").is_none());
        assert!(store.get(&rt, "", "r").is_ok());
    }
}
