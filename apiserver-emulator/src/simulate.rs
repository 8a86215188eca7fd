//! A deterministic workload simulator: what the deployment and replica set
//! controllers and the kubelet would do, one [`reconcile`] pass at a time.
//!
//! - A Deployment gets one ReplicaSet per distinct Pod template, named
//!   `<deployment>-<pod-template-hash>`, labelled and selected by that hash,
//!   owned by the Deployment and annotated with its revision
//!   (`deployment.kubernetes.io/revision`); the newest template's ReplicaSet
//!   gets the replicas and older ones are scaled to zero and kept up to
//!   `revisionHistoryLimit` (10). Going back to an older template (`kubectl
//!   rollout undo`) reuses its ReplicaSet under a new revision.
//! - A ReplicaSet gets Pods owned by it, created and deleted to match its
//!   replicas.
//! - A Pod created in one pass runs and is ready in the next, unless its
//!   image matches [`Simulator::broken_images`] (`*:broken`): then it waits
//!   in `ImagePullBackOff`.
//! - Deployment and ReplicaSet status count those Pods.
//!
//! Passes are pure functions of the store: tests call [`reconcile`]
//! directly, so every step is reproducible without a wall clock. Each pass
//! moves every object at most one step; the emulator runs one pass every
//! [`crate::EmulatorConfig::status_delay`].
//!
//! Approximation: a new template's ReplicaSet gets all replicas at once
//! (no `maxSurge`/`maxUnavailable` stepping); StatefulSets, DaemonSets and
//! Jobs get no Pods (their status is written by [`crate::progress`]).

use std::collections::{BTreeMap, HashMap};

use globset::{Glob, GlobMatcher};
use serde_json::{Value, json};

use crate::meta::now;
use crate::registry::ResourceType;
use crate::store::{Filter, Propagation, Store};

/// The label carrying a Pod template's hash.
pub const HASH_LABEL: &str = "pod-template-hash";
/// The annotation carrying a rollout revision.
pub const REVISION: &str = "deployment.kubernetes.io/revision";
/// How many old ReplicaSets a Deployment keeps without `revisionHistoryLimit`.
const DEFAULT_HISTORY: usize = 10;

/// Settings of the simulation.
#[derive(Debug, Clone)]
pub struct Simulator {
    broken: Option<GlobMatcher>,
}

impl Simulator {
    /// A simulator where images matching the glob `broken_images` (e.g.
    /// `*:broken`) never pull.
    pub fn new(broken_images: Option<&str>) -> Result<Self, globset::Error> {
        let broken = broken_images
            .map(|p| Glob::new(p).map(|g| g.compile_matcher()))
            .transpose()?;
        Ok(Simulator { broken })
    }

    /// Whether an image is one that never pulls.
    pub fn broken_image(&self, image: &str) -> bool {
        self.broken.as_ref().is_some_and(|m| m.is_match(image))
    }
}

/// The built-in types the simulator works with.
struct Types {
    deployments: ResourceType,
    replicasets: ResourceType,
    pods: ResourceType,
}

fn types(store: &Store) -> Option<Types> {
    let r = store.registry();
    Some(Types {
        deployments: r.by_kind("apps/v1", "Deployment")?.clone(),
        replicasets: r.by_kind("apps/v1", "ReplicaSet")?.clone(),
        pods: r.by_kind("v1", "Pod")?.clone(),
    })
}

/// One pass of every simulated controller: Pods first (so a Pod created in
/// this pass becomes ready in the next), then ReplicaSets, then Deployments.
///
/// Each stage reads the objects it owns once (by owner), so a pass is linear
/// in the number of objects: a ReplicaSet's Pods change only in its own sync,
/// a Deployment's ReplicaSets only in the Deployment's.
pub fn reconcile(store: &mut Store, sim: &Simulator) {
    let Some(t) = types(store) else { return };
    for pod in store.list(&t.pods, None, &Filter::default()) {
        run_pod(store, &t, sim, &pod);
    }
    let pods = ByOwner::read(store, &t.pods);
    for rs in store.list(&t.replicasets, None, &Filter::default()) {
        sync_replica_set(store, &t, &rs, pods.of(&rs));
    }
    let pods = ByOwner::read(store, &t.pods);
    let sets = ByOwner::read(store, &t.replicasets);
    for d in store.list(&t.deployments, None, &Filter::default()) {
        sync_deployment(store, &t, &d, sets.of(&d), &pods);
    }
}

fn meta<'a>(obj: &'a Value, field: &str) -> &'a str {
    obj["metadata"][field].as_str().unwrap_or("")
}

fn deleting(obj: &Value) -> bool {
    obj["metadata"]["deletionTimestamp"].is_string()
}

/// The objects of a type by the uid of their controller (the owner
/// reference with `controller: true`), as read at one moment.
struct ByOwner(HashMap<String, Vec<Value>>);

impl ByOwner {
    fn read(store: &Store, rt: &ResourceType) -> Self {
        let mut owned: HashMap<String, Vec<Value>> = HashMap::new();
        for object in store.list(rt, None, &Filter::default()) {
            let controller = object["metadata"]["ownerReferences"]
                .as_array()
                .and_then(|refs| refs.iter().find(|r| r["controller"] == true))
                .and_then(|r| r["uid"].as_str())
                .map(str::to_owned);
            if let Some(uid) = controller {
                owned.entry(uid).or_default().push(object);
            }
        }
        Self(owned)
    }

    /// The objects `owner` controls (UIDs are unique across namespaces).
    fn of(&self, owner: &Value) -> Vec<Value> {
        self.0.get(meta(owner, "uid")).cloned().unwrap_or_default()
    }

    /// The objects the object of uid `uid` controls.
    fn of_uid(&self, uid: &str) -> &[Value] {
        self.0.get(uid).map_or(&[], Vec::as_slice)
    }
}

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

fn write(store: &mut Store, rt: &ResourceType, obj: Value) {
    let (ns, name) = (
        meta(&obj, "namespace").to_owned(),
        meta(&obj, "name").to_owned(),
    );
    let _ = store.update(rt, &ns, &name, obj, false, false);
}

/// The kubelet: a pending Pod starts, or waits on an image that never pulls.
fn run_pod(store: &mut Store, t: &Types, sim: &Simulator, pod: &Value) {
    if deleting(pod) || pod["status"]["phase"] == "Running" {
        return;
    }
    let containers = pod["spec"]["containers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let broken: Vec<&Value> = containers
        .iter()
        .filter(|c| sim.broken_image(c["image"].as_str().unwrap_or("")))
        .collect();
    let time = now();
    let status = if broken.is_empty() {
        let statuses: Vec<Value> = containers
            .iter()
            .map(|c| {
                json!({"name": c["name"], "image": c["image"], "imageID": "", "ready": true,
                       "started": true, "restartCount": 0, "state": {"running": {"startedAt": time}}})
            })
            .collect();
        let conditions = [
            "PodReadyToStartContainers",
            "Initialized",
            "Ready",
            "ContainersReady",
            "PodScheduled",
        ]
        .map(|c| json!({"type": c, "status": "True", "lastTransitionTime": time}));
        json!({
            "phase": "Running",
            "conditions": conditions,
            "hostIP": "127.0.0.1",
            "podIP": "127.0.0.1",
            "startTime": time,
            "containerStatuses": statuses,
        })
    } else {
        let names: Vec<&str> = broken.iter().filter_map(|c| c["name"].as_str()).collect();
        let statuses: Vec<Value> = containers
            .iter()
            .map(|c| {
                let state = if broken.contains(&c) {
                    json!({"waiting": {"reason": "ImagePullBackOff",
                        "message": format!("Back-off pulling image {:?}", c["image"].as_str().unwrap_or(""))}})
                } else {
                    json!({"running": {"startedAt": time}})
                };
                json!({"name": c["name"], "image": c["image"], "imageID": "", "ready": false,
                       "started": false, "restartCount": 0, "state": state})
            })
            .collect();
        let unready = format!("containers with unready status: [{}]", names.join(" "));
        json!({
            "phase": "Pending",
            "conditions": [
                {"type": "Ready", "status": "False", "reason": "ContainersNotReady", "message": unready},
                {"type": "ContainersReady", "status": "False", "reason": "ContainersNotReady", "message": unready},
                {"type": "PodScheduled", "status": "True"},
            ],
            "hostIP": "127.0.0.1",
            "startTime": pod["status"]["startTime"].as_str().unwrap_or(&time),
            "containerStatuses": statuses,
        })
    };
    if pod["status"]["containerStatuses"] != status["containerStatuses"] {
        write_status(store, &t.pods, pod, status);
    }
}

fn pod_ready(pod: &Value) -> bool {
    pod["status"]["conditions"].as_array().is_some_and(|cs| {
        cs.iter()
            .any(|c| c["type"] == "Ready" && c["status"] == "True")
    })
}

fn replicas(obj: &Value) -> usize {
    obj["spec"]["replicas"]
        .as_i64()
        .unwrap_or(1)
        .try_into()
        .unwrap_or(0)
}

/// The replica set controller: as many live Pods as replicas (`owned`: the
/// Pods it controls).
fn sync_replica_set(store: &mut Store, t: &Types, rs: &Value, owned: Vec<Value>) {
    if deleting(rs) {
        return;
    }
    let mut pods: Vec<Value> = owned.into_iter().filter(|p| !deleting(p)).collect();
    let want = replicas(rs);
    let ns = meta(rs, "namespace").to_owned();
    for _ in pods.len()..want {
        let template = &rs["spec"]["template"];
        let mut metadata = template["metadata"].clone();
        if !metadata.is_object() {
            metadata = json!({});
        }
        metadata["generateName"] = format!("{}-", meta(rs, "name")).into();
        metadata["namespace"] = ns.clone().into();
        metadata["ownerReferences"] = owner_ref(rs);
        let mut spec = template["spec"].clone();
        // The API server defaults a pod template's restart policy; Pod health reads it.
        if spec.is_object() && spec["restartPolicy"].is_null() {
            spec["restartPolicy"] = "Always".into();
        }
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec});
        if let Ok(created) = store.create(&t.pods, &ns, pod, false) {
            pods.push(created);
        }
    }
    while pods.len() > want {
        // Not-ready Pods go first, then the newest.
        pods.sort_by_key(|p| (pod_ready(p), meta(p, "creationTimestamp").to_owned()));
        let victim = pods.remove(0);
        let _ = store.delete(
            &t.pods,
            &ns,
            meta(&victim, "name"),
            Propagation::Background,
            false,
        );
    }
    let ready = pods.iter().filter(|p| pod_ready(p)).count();
    let status = json!({
        "replicas": pods.len(),
        "fullyLabeledReplicas": pods.len(),
        "readyReplicas": ready,
        "availableReplicas": ready,
        "observedGeneration": rs["metadata"]["generation"],
    });
    write_status(store, &t.replicasets, rs, status);
}

/// A stable hash of a Pod template, in the alphabet Kubernetes uses for
/// generated names (no vowels, no look-alike digits).
pub fn template_hash(template: &Value) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    // FNV-1a over the canonical JSON text (object keys sorted).
    let canonical = serde_json::to_string(&sorted(template)).unwrap_or_default();
    let mut h: u32 = 0x811c_9dc5;
    for b in canonical.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    let mut n = h;
    let mut out = String::new();
    while n > 0 || out.is_empty() {
        out.push(ALPHABET[(n % ALPHABET.len() as u32) as usize] as char);
        n /= ALPHABET.len() as u32;
    }
    out
}

fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let ordered: BTreeMap<&String, Value> = m.iter().map(|(k, v)| (k, sorted(v))).collect();
            serde_json::to_value(ordered).unwrap_or(Value::Null)
        }
        Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

fn revision(obj: &Value) -> u64 {
    obj["metadata"]["annotations"][REVISION]
        .as_str()
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

/// The deployment controller: one ReplicaSet per template, the newest with
/// the replicas, revisions, history and status (`sets`: the ReplicaSets it
/// controls; `pods`: every Pod by its ReplicaSet).
fn sync_deployment(store: &mut Store, t: &Types, d: &Value, mut sets: Vec<Value>, pods: &ByOwner) {
    if deleting(d) {
        return;
    }
    let template = &d["spec"]["template"];
    let hash = template_hash(template);
    let newest = sets.iter().map(revision).max().unwrap_or(0);
    let want = replicas(d);
    let current = sets
        .iter()
        .position(|rs| rs["metadata"]["labels"][HASH_LABEL] == hash.as_str());
    let new_rs = match current {
        Some(i) => {
            let mut rs = sets.remove(i);
            let mut changed = false;
            if revision(&rs) < newest || revision(&rs) == 0 {
                rs["metadata"]["annotations"][REVISION] =
                    (newest.max(revision(&rs)) + 1).to_string().into();
                changed = true;
            }
            if replicas(&rs) != want {
                rs["spec"]["replicas"] = want.into();
                changed = true;
            }
            if changed {
                write(store, &t.replicasets, rs.clone());
            }
            rs
        }
        None => {
            let Some(rs) = create_replica_set(store, t, d, &hash, newest + 1, want) else {
                return;
            };
            rs
        }
    };
    for old in sets.iter().filter(|rs| replicas(rs) != 0) {
        let mut old = old.clone();
        old["spec"]["replicas"] = 0.into();
        write(store, &t.replicasets, old);
    }
    let limit = d["spec"]["revisionHistoryLimit"]
        .as_u64()
        .map_or(DEFAULT_HISTORY, |n| n as usize);
    sets.sort_by_key(revision);
    let surplus = sets.len().saturating_sub(limit);
    for old in sets.iter().take(surplus) {
        let _ = store.delete(
            &t.replicasets,
            meta(old, "namespace"),
            meta(old, "name"),
            Propagation::Background,
            false,
        );
    }
    let rev = revision(&new_rs).to_string();
    if d["metadata"]["annotations"][REVISION] != rev.as_str() {
        let mut next = d.clone();
        next["metadata"]["annotations"][REVISION] = rev.into();
        write(store, &t.deployments, next);
    }
    if let Ok(d) = store.get(&t.deployments, meta(d, "namespace"), meta(d, "name")) {
        let kept = sets.iter().skip(surplus).chain([&new_rs]);
        let pods: Vec<Value> = kept
            .flat_map(|rs| pods.of_uid(meta(rs, "uid")))
            .filter(|p| !deleting(p))
            .cloned()
            .collect();
        let status = deployment_status(&d, &new_rs, &pods);
        write_status(store, &t.deployments, &d, status);
    }
}

fn create_replica_set(
    store: &mut Store,
    t: &Types,
    d: &Value,
    hash: &str,
    revision: u64,
    replicas: usize,
) -> Option<Value> {
    let mut template = d["spec"]["template"].clone();
    template["metadata"]["labels"][HASH_LABEL] = hash.into();
    let mut selector = d["spec"]["selector"].clone();
    selector["matchLabels"][HASH_LABEL] = hash.into();
    let rs = json!({
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": format!("{}-{hash}", meta(d, "name")),
            "namespace": meta(d, "namespace"),
            "labels": template["metadata"]["labels"],
            "annotations": {
                REVISION: revision.to_string(),
                "deployment.kubernetes.io/desired-replicas": replicas.to_string(),
                "deployment.kubernetes.io/max-replicas": replicas.to_string(),
            },
            "ownerReferences": owner_ref(d),
        },
        "spec": {"replicas": replicas, "selector": selector, "template": template},
    });
    store
        .create(&t.replicasets, meta(d, "namespace"), rs, false)
        .ok()
}

/// The status of `d` whose newest ReplicaSet is `new_rs`, from the live
/// Pods of its ReplicaSets.
fn deployment_status(d: &Value, new_rs: &Value, pods: &[Value]) -> Value {
    let new_uid = meta(new_rs, "uid");
    let updated = pods
        .iter()
        .filter(|p| p["metadata"]["ownerReferences"][0]["uid"] == new_uid)
        .count();
    let ready = pods.iter().filter(|p| pod_ready(p)).count();
    let want = replicas(d);
    let done = updated == want && ready == want && pods.len() == want;
    let rs_name = meta(new_rs, "name");
    let time = now();
    let (progress_reason, progress_message) = if done {
        (
            "NewReplicaSetAvailable",
            format!("ReplicaSet {rs_name:?} has successfully progressed."),
        )
    } else {
        (
            "ReplicaSetUpdated",
            format!("ReplicaSet {rs_name:?} is progressing."),
        )
    };
    let available = if ready >= want {
        json!({"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
               "message": "Deployment has minimum availability.", "lastUpdateTime": time, "lastTransitionTime": time})
    } else {
        json!({"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable",
               "message": "Deployment does not have minimum availability.", "lastUpdateTime": time, "lastTransitionTime": time})
    };
    let mut status = json!({
        "observedGeneration": d["metadata"]["generation"],
        "replicas": pods.len(),
        "updatedReplicas": updated,
        "readyReplicas": ready,
        "availableReplicas": ready,
        "conditions": [
            available,
            {"type": "Progressing", "status": "True", "reason": progress_reason,
             "message": progress_message, "lastUpdateTime": time, "lastTransitionTime": time},
        ],
    });
    if pods.len() > ready {
        status["unavailableReplicas"] = (pods.len() - ready).into();
    }
    // Keep the stored times when nothing else changed, so a settled
    // Deployment is not rewritten on every pass.
    if let Some(old) = d.get("status") {
        let strip = |s: &Value| {
            let mut s = s.clone();
            for c in s["conditions"].as_array_mut().into_iter().flatten() {
                if let Some(c) = c.as_object_mut() {
                    c.remove("lastUpdateTime");
                    c.remove("lastTransitionTime");
                }
            }
            s
        };
        if strip(old) == strip(&status) {
            return old.clone();
        }
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment(image: &str) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "web", "image": image}]}}}})
    }

    fn settle(store: &mut Store, sim: &Simulator) {
        for _ in 0..4 {
            reconcile(store, sim);
        }
    }

    #[test]
    fn hashes_are_stable_and_differ_by_template() {
        let a = template_hash(&json!({"b": 1, "a": [1, 2]}));
        assert_eq!(a, template_hash(&json!({"a": [1, 2], "b": 1})));
        assert_ne!(a, template_hash(&json!({"a": [2, 1], "b": 1})));
        assert!(a.chars().all(|c| "bcdfghjklmnpqrstvwxz2456789".contains(c)));
    }

    #[test]
    fn pods_get_the_default_restart_policy() {
        let mut store = Store::new();
        let sim = Simulator::new(None).expect("simulator");
        let t = types(&store).expect("built-in");
        store
            .create(&t.deployments, "default", deployment("app:1"), false)
            .expect("create");
        settle(&mut store, &sim);
        let pods = store.list(&t.pods, Some("default"), &Filter::default());
        assert_eq!(pods.len(), 2);
        assert!(pods.iter().all(|p| p["spec"]["restartPolicy"] == "Always"));
    }

    #[test]
    fn deployments_of_one_namespace_each_count_only_their_own_pods() {
        let mut store = Store::new();
        let sim = Simulator::new(None).expect("simulator");
        let t = types(&store).expect("built-in");
        let mut api = deployment("app:1");
        api["metadata"]["name"] = "api".into();
        api["spec"]["replicas"] = 3.into();
        for d in [deployment("app:1"), api] {
            store
                .create(&t.deployments, "default", d, false)
                .expect("create");
        }
        settle(&mut store, &sim);
        assert_eq!(
            store
                .list(&t.pods, Some("default"), &Filter::default())
                .len(),
            5
        );
        for (name, want) in [("web", 2), ("api", 3)] {
            let d = store
                .get(&t.deployments, "default", name)
                .expect("deployment");
            assert_eq!(d["status"]["replicas"], want, "{name}");
            assert_eq!(d["status"]["readyReplicas"], want, "{name}");
        }
    }

    #[test]
    fn broken_images_match_the_glob() {
        let sim = Simulator::new(Some("*:broken")).expect("glob");
        assert!(sim.broken_image("registry.local/app:broken"));
        assert!(!sim.broken_image("nginx:1"));
        assert!(Simulator::new(Some("[")).is_err());
    }

    #[test]
    fn broken_pods_keep_the_deployment_unavailable() {
        let mut store = Store::new();
        let sim = Simulator::new(Some("*:broken")).expect("glob");
        let t = types(&store).expect("built-in");
        store
            .create(&t.deployments, "default", deployment("app:broken"), false)
            .expect("create");
        settle(&mut store, &sim);
        let pods = store.list(&t.pods, Some("default"), &Filter::default());
        assert_eq!(pods.len(), 2);
        assert!(pods.iter().all(
            |p| p["status"]["containerStatuses"][0]["state"]["waiting"]["reason"]
                == "ImagePullBackOff"
        ));
        let d = store
            .get(&t.deployments, "default", "web")
            .expect("deployment");
        assert_eq!(d["status"]["readyReplicas"], 0);
        assert_eq!(d["status"]["conditions"][0]["status"], "False");
    }
}
