//! A deterministic workload simulator: what the kube-controller-manager's
//! workload controllers, the EndpointSlice controller and the kubelet would
//! do, one [`reconcile`] pass at a time.
//!
//! - Deployments (`deployment`) get one ReplicaSet per distinct Pod
//!   template, named `<deployment>-<pod-template-hash>`, owned by the
//!   Deployment and annotated with its revision; a new template rolls out
//!   step by step within `maxSurge`/`maxUnavailable` (`RollingUpdate`) or
//!   after the old Pods are gone (`Recreate`); old ReplicaSets are kept up to
//!   `revisionHistoryLimit`, and `kubectl rollout undo` reuses one under a new
//!   revision. Status and the `Available`/`Progressing` conditions are
//!   computed as the deployment controller computes them.
//! - ReplicaSets (`replicaset`) get Pods owned by them, created and deleted
//!   to match their replicas.
//! - StatefulSets (`statefulset`) get Pods `<name>-0…N-1`, one at a time in
//!   ordinal order (`OrderedReady`) or all at once (`Parallel`), scale down
//!   from the highest ordinal, roll out a new template from the highest
//!   ordinal down (`RollingUpdate`, with `partition`), and record templates
//!   as ControllerRevisions (`revision`); claims from
//!   `volumeClaimTemplates` are created bound.
//! - DaemonSets (`daemonset`) get one Pod per Node their `nodeSelector`
//!   admits; the emulator's store holds one Node ([`node::NAME`]) when the
//!   simulation runs.
//! - Jobs (`job`) run `parallelism` Pods until `completions` succeeded,
//!   then get `SuccessCriteriaMet` and, in a later write, `Complete`.
//! - Services with a selector (`endpoints`) get an EndpointSlice listing
//!   the matching Pods that have an IP, with their readiness.
//! - The kubelet (`kubelet`): a Pod created in one pass runs and is ready
//!   at the start of the next, unless its image matches [`Simulator::broken_image`]
//!   (`*:broken`): then it waits in `ImagePullBackOff`; a running Pod of a
//!   Job succeeds one pass later.
//!
//! Passes are pure functions of the store: tests call [`reconcile`]
//! directly, so every step is reproducible without a wall clock. In a pass
//! every Pod moves one step and the controllers react to that (and to each
//! other) until they have nothing left to do, so a rollout moves as fast as
//! its Pods get ready; a pass creates at most [`POD_BUDGET`] Pods and writes
//! nothing once the store is settled. The emulator runs one pass every
//! [`crate::EmulatorConfig::status_delay`].
//!
//! A rollout that reports no progress for `progressDeadlineSeconds` (600 by
//! default) gets `Progressing=False` (`ProgressDeadlineExceeded`). Time
//! comes from the simulator's [`Clock`]: the system clock, or one a test
//! sets and advances ([`Clock::manual`]), which every condition, start and
//! completion time of a pass reads.
//!
//! A paused Deployment does not roll out; it still scales when it has one
//! active ReplicaSet.
//!
//! Approximations: no `minReadySeconds`; a Deployment scaled in the middle
//! of a rollout (or while paused with several active ReplicaSets) is not
//! scaled proportionally; Pods are bound to the Node (`spec.nodeName`)
//! without a scheduler's checks (capacity, affinity, taints; DaemonSets
//! only read `nodeSelector`) and leave at once when deleted (no graceful termination); Jobs ignore
//! `backoffLimit`, `Indexed` completion and success policies, and their
//! Pods never fail; a Service gets one EndpointSlice however many Pods it
//! selects, named targetPorts resolve against the first selected Pod, and
//! no legacy `Endpoints` object is written. CronJobs are not run.

mod daemonset;
mod deployment;
mod endpoints;
mod job;
mod kubelet;
pub mod node;
mod replicaset;
mod revision;
mod statefulset;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use globset::{Glob, GlobMatcher};
use serde_json::{Map, Value, json};

use crate::registry::ResourceType;
use crate::store::{Filter, Store};

pub use deployment::{HASH_LABEL, REVISION};

/// How many Pods one pass creates at most, over all controllers (the
/// replica set controller's `burstReplicas`).
pub const POD_BUDGET: usize = 500;

/// Settings of the simulation.
#[derive(Debug, Clone)]
pub struct Simulator {
    broken: Option<GlobMatcher>,
    clock: Clock,
}

/// Where the simulation reads the time.
#[derive(Debug, Clone, Default)]
pub enum Clock {
    /// The system clock.
    #[default]
    System,
    /// A clock that stands still until [`Clock::advance`]d (tests); clones
    /// share it.
    Manual(Arc<Mutex<jiff::Timestamp>>),
}

impl Clock {
    /// A manual clock showing `start`.
    pub fn manual(start: jiff::Timestamp) -> Self {
        Clock::Manual(Arc::new(Mutex::new(start)))
    }

    /// Moves a manual clock forward by `by` (the system clock moves by itself).
    pub fn advance(&self, by: jiff::SignedDuration) {
        if let Clock::Manual(t) = self {
            let mut t = t.lock().unwrap_or_else(PoisonError::into_inner);
            *t = t.checked_add(by).unwrap_or(*t);
        }
    }

    /// The time now.
    pub fn now(&self) -> jiff::Timestamp {
        match self {
            Clock::System => jiff::Timestamp::now(),
            Clock::Manual(t) => *t.lock().unwrap_or_else(PoisonError::into_inner),
        }
    }
}

impl Simulator {
    /// A simulator where images matching the glob `broken_images` (e.g.
    /// `*:broken`) never pull.
    pub fn new(broken_images: Option<&str>) -> Result<Self, globset::Error> {
        let broken = broken_images
            .map(|p| Glob::new(p).map(|g| g.compile_matcher()))
            .transpose()?;
        Ok(Simulator {
            broken,
            clock: Clock::System,
        })
    }

    /// The simulator reading the time from `clock`.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The time now, on the simulator's clock.
    pub fn now(&self) -> jiff::Timestamp {
        self.clock.now()
    }

    /// Whether an image is one that never pulls.
    pub fn broken_image(&self, image: &str) -> bool {
        self.broken.as_ref().is_some_and(|m| m.is_match(image))
    }
}

/// Whether the simulator writes the status of objects of this kind (so
/// [`crate::progress`] must not settle them).
pub fn simulates(group: &str, kind: &str) -> bool {
    matches!(
        (group, kind),
        (
            "apps",
            "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet"
        ) | ("batch", "Job")
            | ("", "Pod")
    )
}

/// The built-in types the simulator works with.
struct Types {
    deployments: ResourceType,
    replicasets: ResourceType,
    statefulsets: ResourceType,
    daemonsets: ResourceType,
    revisions: ResourceType,
    jobs: ResourceType,
    pods: ResourceType,
    nodes: ResourceType,
    claims: ResourceType,
    services: ResourceType,
    slices: ResourceType,
}

fn types(store: &Store) -> Option<Types> {
    let r = store.registry();
    let get = |api_version: &str, kind: &str| r.by_kind(api_version, kind).cloned();
    Some(Types {
        deployments: get("apps/v1", "Deployment")?,
        replicasets: get("apps/v1", "ReplicaSet")?,
        statefulsets: get("apps/v1", "StatefulSet")?,
        daemonsets: get("apps/v1", "DaemonSet")?,
        revisions: get("apps/v1", "ControllerRevision")?,
        jobs: get("batch/v1", "Job")?,
        pods: get("v1", "Pod")?,
        nodes: get("v1", "Node")?,
        claims: get("v1", "PersistentVolumeClaim")?,
        services: get("v1", "Service")?,
        slices: get("discovery.k8s.io/v1", "EndpointSlice")?,
    })
}

/// One pass: the types, the settings, the time it runs at and what is left
/// of the Pod budget.
struct Pass<'a> {
    t: Types,
    sim: &'a Simulator,
    now: jiff::Timestamp,
    budget: usize,
}

impl Pass<'_> {
    /// The pass's time as the API server writes timestamps.
    fn time(&self) -> String {
        crate::meta::timestamp(self.now)
    }
}

/// How many rounds of the controllers one pass runs at most.
pub const ROUNDS: usize = 8;

/// One pass: the kubelet moves every Pod one step (so a Pod created in a
/// pass runs in the next), then the controllers run in rounds until a round
/// writes nothing (at most [`ROUNDS`]), as real controllers react to each
/// other's writes at once while Pods take time to start.
pub fn reconcile(store: &mut Store, sim: &Simulator) {
    let Some(t) = types(store) else { return };
    let mut pass = Pass {
        t,
        sim,
        now: sim.clock.now(),
        budget: POD_BUDGET,
    };
    kubelet::run(store, &pass);
    for _ in 0..ROUNDS {
        let before = store.resource_version();
        controllers(store, &mut pass);
        if store.resource_version() == before {
            break;
        }
    }
}

/// The resource version of the last change to a kind the simulation reads
/// (workloads, Pods, Nodes, claims, Services, EndpointSlices): while it
/// stays the same, a settled store stays settled, whatever else is written
/// (Applications, ConfigMaps, Events).
pub fn inputs_version(store: &Store) -> u64 {
    let Some(t) = types(store) else { return 0 };
    [
        &t.deployments,
        &t.replicasets,
        &t.statefulsets,
        &t.daemonsets,
        &t.revisions,
        &t.jobs,
        &t.pods,
        &t.nodes,
        &t.claims,
        &t.services,
        &t.slices,
    ]
    .into_iter()
    .map(|rt| store.type_version(rt))
    .max()
    .unwrap_or(0)
}

/// When a settled store next needs a pass: the earliest progress deadline
/// of a Deployment still rolling out; `None` when nothing waits on time.
pub fn next_wake_up(store: &Store) -> Option<jiff::Timestamp> {
    let t = types(store)?;
    deployment::next_deadline(&all(store, &t.deployments))
}

/// One round of the controllers: ReplicaSets, Deployments, StatefulSets,
/// DaemonSets and Jobs, and EndpointSlices last (so they show this round's
/// Pods). Each stage reads the objects it owns once (by owner), so a round
/// is linear in the number of objects.
fn controllers(store: &mut Store, pass: &mut Pass) {
    let pods = ByOwner::read(store, &pass.t.pods);
    for rs in all(store, &pass.t.replicasets) {
        replicaset::sync(store, pass, &rs, pods.of(&rs));
    }
    let sets = ByOwner::read(store, &pass.t.replicasets);
    for d in all(store, &pass.t.deployments) {
        deployment::sync(store, pass, &d, sets.of(&d));
    }
    let revisions = ByOwner::read(store, &pass.t.revisions);
    for set in all(store, &pass.t.statefulsets) {
        statefulset::sync(store, pass, &set, pods.of(&set), revisions.of(&set));
    }
    let nodes: Vec<Value> = all(store, &pass.t.nodes)
        .into_iter()
        .filter(|n| !deleting(n))
        .collect();
    for ds in all(store, &pass.t.daemonsets) {
        daemonset::sync(store, pass, &ds, pods.of(&ds), revisions.of(&ds), &nodes);
    }
    for job in all(store, &pass.t.jobs) {
        job::sync(store, pass, &job, pods.of(&job));
    }
    let slices = ByOwner::read(store, &pass.t.slices);
    let pods = all(store, &pass.t.pods);
    for svc in all(store, &pass.t.services) {
        endpoints::sync(store, pass, &svc, slices.of(&svc), &pods);
    }
}

fn all(store: &Store, rt: &ResourceType) -> Vec<Value> {
    store.list(rt, None, &Filter::default())
}

fn meta<'a>(obj: &'a Value, field: &str) -> &'a str {
    obj["metadata"][field].as_str().unwrap_or("")
}

fn deleting(obj: &Value) -> bool {
    obj["metadata"]["deletionTimestamp"].is_string()
}

/// The uid of an object's controller (the owner reference with
/// `controller: true`).
fn controller_uid(obj: &Value) -> Option<&str> {
    obj["metadata"]["ownerReferences"]
        .as_array()?
        .iter()
        .find(|r| r["controller"] == true)?["uid"]
        .as_str()
}

/// The objects of a type by the uid of their controller, as read at one
/// moment.
struct ByOwner(HashMap<String, Vec<Value>>);

impl ByOwner {
    fn read(store: &Store, rt: &ResourceType) -> Self {
        let mut owned: HashMap<String, Vec<Value>> = HashMap::new();
        for object in all(store, rt) {
            if let Some(uid) = controller_uid(&object).map(str::to_owned) {
                owned.entry(uid).or_default().push(object);
            }
        }
        Self(owned)
    }

    /// The live objects `owner` controls (UIDs are unique across
    /// namespaces), without those being deleted.
    fn of(&self, owner: &Value) -> Vec<Value> {
        self.0
            .get(meta(owner, "uid"))
            .into_iter()
            .flatten()
            .filter(|o| !deleting(o))
            .cloned()
            .collect()
    }
}

/// The owner references of an object `owner` controls.
fn owner_ref(owner: &Value) -> Value {
    json!([{
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": true,
        "blockOwnerDeletion": true,
    }])
}

/// Writes `status` to `obj` unless it already has it.
fn write_status(store: &mut Store, rt: &ResourceType, obj: &Value, status: Value) {
    if obj.get("status") == Some(&status) {
        return;
    }
    let mut next = obj.clone();
    next["status"] = status;
    // A conflict or a vanished object is settled by the next pass.
    let _ = store.update(
        rt,
        meta(obj, "namespace"),
        meta(obj, "name"),
        next,
        true,
        false,
    );
}

/// Writes an object's main resource (its status is kept); the stored
/// object, or `None` on a conflict (settled by the next pass).
fn write(store: &mut Store, rt: &ResourceType, obj: Value) -> Option<Value> {
    let (ns, name) = (
        meta(&obj, "namespace").to_owned(),
        meta(&obj, "name").to_owned(),
    );
    store.update(rt, &ns, &name, obj, false, false).ok()
}

/// Deletes an object (its dependents in the background).
fn remove(store: &mut Store, rt: &ResourceType, obj: &Value) {
    let _ = store.delete(
        rt,
        meta(obj, "namespace"),
        meta(obj, "name"),
        crate::store::Propagation::Background,
        false,
    );
}

/// Sets `spec.replicas` of `obj` when it differs, keeping `obj` the
/// stored version; whether it was written.
fn scale(store: &mut Store, rt: &ResourceType, obj: &mut Value, to: usize) -> bool {
    if replicas(obj) == to {
        return false;
    }
    let mut next = obj.clone();
    next["spec"]["replicas"] = to.into();
    match write(store, rt, next) {
        Some(stored) => {
            *obj = stored;
            true
        }
        None => false,
    }
}

fn pod_ready(pod: &Value) -> bool {
    has_true_condition(pod, "Ready")
}

fn has_true_condition(obj: &Value, kind: &str) -> bool {
    condition(obj, kind).is_some_and(|c| c["status"] == "True")
}

fn condition<'a>(obj: &'a Value, kind: &str) -> Option<&'a Value> {
    obj["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == kind)
}

/// `spec.replicas`, 1 when unset (the API server's default).
fn replicas(obj: &Value) -> usize {
    count(&obj["spec"]["replicas"]).unwrap_or(1)
}

/// A non-negative count field.
fn count(v: &Value) -> Option<usize> {
    v.as_u64().and_then(|n| usize::try_from(n).ok())
}

/// An `intstr` (`maxSurge`, `maxUnavailable`) scaled to `total`: an
/// integer as is, a percentage rounded up or down
/// (`GetScaledValueFromIntOrPercent`); `default` when unset or unreadable.
fn int_or_percent(v: &Value, default: &Value, total: usize, round_up: bool) -> usize {
    if let Some(n) = count(v) {
        return n;
    }
    let Some(percent) = v
        .as_str()
        .and_then(|s| s.strip_suffix('%'))
        .and_then(|p| p.parse::<usize>().ok())
    else {
        return match default {
            Value::Null => 0,
            other => int_or_percent(other, &Value::Null, total, round_up),
        };
    };
    let product = percent.saturating_mul(total);
    if round_up {
        product.div_ceil(100)
    } else {
        product / 100
    }
}

/// Status counters as the API types serialize them: the `omitempty` ones
/// (`optional`) only when not zero.
fn counters(required: &[(&str, usize)], optional: &[(&str, usize)]) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, v) in required {
        out.insert((*k).into(), (*v).into());
    }
    for (k, v) in optional.iter().filter(|(_, v)| *v > 0) {
        out.insert((*k).into(), (*v).into());
    }
    out
}

/// Sets a condition as the controllers' `SetCondition` helpers do: an
/// existing one of the same type, status and reason is kept as is;
/// otherwise the old one is removed (keeping its transition time when the
/// status is unchanged) and the new one appended.
fn set_condition(conditions: &mut Vec<Value>, mut new: Value) {
    let existing = conditions.iter().position(|c| c["type"] == new["type"]);
    if let Some(i) = existing {
        let old = &conditions[i];
        if old["status"] == new["status"] && old["reason"] == new["reason"] {
            return;
        }
        if old["status"] == new["status"] && old.get("lastTransitionTime").is_some() {
            new["lastTransitionTime"] = old["lastTransitionTime"].clone();
        }
        conditions.remove(i);
    }
    conditions.push(new);
}

/// How a new Pod is named.
enum PodName {
    /// `<prefix><random suffix>`.
    Generate(String),
    /// Exactly this name.
    Fixed(String),
}

/// Creates a Pod from `template` owned by `owner` with extra labels, when
/// the pass still has budget; `edit` adjusts the spec.
fn create_pod(
    store: &mut Store,
    pass: &mut Pass,
    owner: &Value,
    template: &Value,
    name: PodName,
    labels: &[(&str, String)],
    edit: impl FnOnce(&mut Value),
) -> Option<Value> {
    if pass.budget == 0 {
        return None;
    }
    pass.budget -= 1;
    let ns = meta(owner, "namespace").to_owned();
    let mut metadata = template["metadata"].clone();
    if !metadata.is_object() {
        metadata = json!({});
    }
    match name {
        PodName::Generate(prefix) => metadata["generateName"] = prefix.into(),
        PodName::Fixed(name) => metadata["name"] = name.into(),
    }
    metadata["namespace"] = ns.clone().into();
    metadata["ownerReferences"] = owner_ref(owner);
    if !metadata["labels"].is_object() {
        metadata["labels"] = json!({});
    }
    for (k, v) in labels {
        metadata["labels"][*k] = v.clone().into();
    }
    let mut spec = template["spec"].clone();
    if !spec.is_object() {
        spec = json!({});
    }
    // The API server defaults a pod template's restart policy; Pod health reads it.
    if spec["restartPolicy"].is_null() {
        spec["restartPolicy"] = "Always".into();
    }
    spec["nodeName"] = node::NAME.into();
    edit(&mut spec);
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec});
    store.create(&pass.t.pods, &ns, pod, false).ok()
}

/// A stable hash of a Pod template, in the alphabet Kubernetes uses for
/// generated names (no vowels, no look-alike digits).
pub fn template_hash(template: &Value) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let canonical = serde_json::to_string(&sorted(template)).unwrap_or_default();
    let mut n = fnv(canonical.as_bytes());
    let mut out = String::new();
    while n > 0 || out.is_empty() {
        out.push(ALPHABET[(n % ALPHABET.len() as u32) as usize] as char);
        n /= ALPHABET.len() as u32;
    }
    out
}

/// FNV-1a, 32 bits.
fn fnv(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in bytes {
        h ^= u32::from(*b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// A JSON value with its object keys sorted and without what a typed
/// template cannot tell from absent (nulls, empty maps and lists: kubectl
/// sends `creationTimestamp: null` and `resources: {}` where the manifest
/// had nothing, and the controllers compare templates semantically): a
/// canonical form to hash.
fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let ordered: BTreeMap<&String, Value> = m
                .iter()
                .map(|(k, v)| (k, sorted(v)))
                .filter(|(_, v)| !is_unset(v))
                .collect();
            serde_json::to_value(ordered).unwrap_or(Value::Null)
        }
        Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// Whether a field's value is what a typed object holds when it is unset.
fn is_unset(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod testing;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_stable_and_differ_by_template() {
        let a = template_hash(&json!({"b": 1, "a": [1, 2]}));
        assert_eq!(a, template_hash(&json!({"a": [1, 2], "b": 1})));
        assert_ne!(a, template_hash(&json!({"a": [2, 1], "b": 1})));
        assert!(a.chars().all(|c| "bcdfghjklmnpqrstvwxz2456789".contains(c)));
        // As `kubectl rollout undo` sends a ReplicaSet's template back.
        let applied = json!({"metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1"}]}});
        let undone = json!({"metadata": {"creationTimestamp": null, "labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1", "resources": {}}]}});
        assert_eq!(template_hash(&applied), template_hash(&undone));
    }

    #[test]
    fn only_writes_to_simulated_kinds_unsettle_the_store() {
        let mut sandbox = testing::Sandbox::new();
        let before = inputs_version(&sandbox.store);
        sandbox.create(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}));
        assert_eq!(
            inputs_version(&sandbox.store),
            before,
            "a ConfigMap is not read"
        );
        sandbox.create(
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "c", "image": "nginx:1"}]}}),
        );
        assert!(inputs_version(&sandbox.store) > before, "a Pod is");
    }

    #[test]
    fn broken_images_match_the_glob() {
        let sim = Simulator::new(Some("*:broken")).expect("glob");
        assert!(sim.broken_image("registry.local/app:broken"));
        assert!(!sim.broken_image("nginx:1"));
        assert!(Simulator::new(Some("[")).is_err());
    }

    /// One object of every simulated kind, selected by one Service.
    fn workloads() -> Vec<Value> {
        let template = json!({"metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "web:1"}]}});
        let selector = json!({"matchLabels": {"app": "web"}});
        let mut job_template = template.clone();
        job_template["spec"]["restartPolicy"] = "Never".into();
        ["Deployment", "StatefulSet", "DaemonSet"]
            .iter()
            .map(|kind| {
                let mut obj = json!({"apiVersion": "apps/v1", "kind": kind,
                    "metadata": {"name": kind.to_lowercase()},
                    "spec": {"selector": selector, "template": template}});
                if *kind != "DaemonSet" {
                    obj["spec"]["replicas"] = 2.into();
                }
                obj
            })
            .chain([
                json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "job"},
                       "spec": {"template": job_template}}),
                json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                       "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}),
            ])
            .collect()
    }

    #[test]
    fn a_settled_store_is_not_written_and_deleting_owners_takes_what_they_made() {
        let mut sandbox = testing::Sandbox::new();
        for obj in workloads() {
            sandbox.create(obj);
        }
        sandbox.settle(30);
        let rv = sandbox.store.resource_version();
        sandbox.pass();
        assert_eq!(sandbox.store.resource_version(), rv);
        // 2 Deployment + 2 StatefulSet + 1 DaemonSet + 1 Job Pods.
        assert_eq!(sandbox.pods().len(), 6);
        assert_eq!(sandbox.list("apps/v1", "ControllerRevision").len(), 2);
        assert_eq!(
            sandbox.list("discovery.k8s.io/v1", "EndpointSlice").len(),
            1
        );
        for obj in workloads() {
            let rt = sandbox.rt(
                obj["apiVersion"].as_str().unwrap_or(""),
                obj["kind"].as_str().unwrap_or(""),
            );
            sandbox
                .store
                .delete(
                    &rt,
                    "default",
                    meta(&obj, "name"),
                    crate::Propagation::Background,
                    false,
                )
                .expect("delete");
        }
        for (api_version, kind) in [
            ("v1", "Pod"),
            ("apps/v1", "ReplicaSet"),
            ("apps/v1", "ControllerRevision"),
            ("discovery.k8s.io/v1", "EndpointSlice"),
        ] {
            assert!(sandbox.list(api_version, kind).is_empty(), "{kind}");
        }
    }

    #[test]
    fn percentages_round_as_the_controllers_round_them() {
        let quarter = json!("25%");
        assert_eq!(int_or_percent(&quarter, &Value::Null, 10, true), 3);
        assert_eq!(int_or_percent(&quarter, &Value::Null, 10, false), 2);
        assert_eq!(int_or_percent(&json!(2), &Value::Null, 10, true), 2);
        assert_eq!(int_or_percent(&Value::Null, &quarter, 3, true), 1);
        assert_eq!(int_or_percent(&Value::Null, &quarter, 3, false), 0);
    }
}
