//! The stateful set controller: Pods `<name>-<ordinal>` with stable names,
//! created in ordinal order and removed from the highest ordinal, a new
//! template rolled out from the highest ordinal down, claims from
//! `volumeClaimTemplates`, and status as `pkg/controller/statefulset`
//! writes it.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{
    Pass, PodName, count, counters, create_pod, deleting, meta, pod_ready, remove, replicas,
    revision, write_status,
};
use crate::store::Store;

/// The Pod label naming the ControllerRevision a Pod was made from.
const REVISION_LABEL: &str = "controller-revision-hash";
const POD_NAME_LABEL: &str = "statefulset.kubernetes.io/pod-name";
const POD_INDEX_LABEL: &str = "apps.kubernetes.io/pod-index";

/// What one sync sees of a StatefulSet.
struct Members<'a> {
    set: &'a Value,
    /// Live Pods by ordinal (Pods not named `<set>-<ordinal>` are ignored).
    pods: BTreeMap<usize, Value>,
    current: Value,
    update: Value,
    /// Pods deleted in this step: still counted in this pass's status, as
    /// terminating Pods are.
    deleted: Vec<Value>,
}

/// Syncs one StatefulSet whose live Pods are `pods` and whose revisions
/// are `revisions`.
pub(super) fn sync(
    store: &mut Store,
    pass: &mut Pass,
    set: &Value,
    pods: Vec<Value>,
    mut revisions: Vec<Value>,
) {
    if deleting(set) {
        return;
    }
    let Some(update) = revision::current(store, pass, set, &mut revisions) else {
        return;
    };
    let current = set["status"]["currentRevision"]
        .as_str()
        .and_then(|name| revisions.iter().find(|r| meta(r, "name") == name))
        .cloned()
        .unwrap_or_else(|| update.clone());
    let prefix = format!("{}-", meta(set, "name"));
    let pods = pods
        .into_iter()
        .filter_map(|p| {
            let ordinal = meta(&p, "name").strip_prefix(&prefix)?.parse().ok()?;
            Some((ordinal, p))
        })
        .collect();
    let mut members = Members {
        set,
        pods,
        current,
        update,
        deleted: Vec::new(),
    };
    members.step(store, pass);
    let status = members.status();
    let mut live: Vec<&str> = members
        .pods
        .values()
        .filter_map(|p| p["metadata"]["labels"][REVISION_LABEL].as_str())
        .collect();
    live.extend([
        meta(&members.current, "name"),
        meta(&members.update, "name"),
    ]);
    revision::truncate(store, pass, set, revisions, &live);
    write_status(store, &pass.t.statefulsets, set, status);
}

fn healthy(pod: &Value) -> bool {
    pod["status"]["phase"] == "Running" && pod_ready(pod)
}

fn pod_revision(pod: &Value) -> &str {
    pod["metadata"]["labels"][REVISION_LABEL]
        .as_str()
        .unwrap_or("")
}

impl Members<'_> {
    fn ordered(&self) -> bool {
        self.set["spec"]["podManagementPolicy"] != "Parallel"
    }

    fn rolling(&self) -> bool {
        self.set["spec"]["updateStrategy"]["type"] != "OnDelete"
    }

    fn partition(&self) -> usize {
        count(&self.set["spec"]["updateStrategy"]["rollingUpdate"]["partition"]).unwrap_or(0)
    }

    /// One step of `updateStatefulSet`: create missing Pods, then remove
    /// condemned ones, then replace outdated ones; with `OrderedReady` each
    /// phase waits for every earlier Pod to be running and ready.
    fn step(&mut self, store: &mut Store, pass: &mut Pass) {
        let want = replicas(self.set);
        let ordered = self.ordered();
        for ordinal in 0..want {
            match self.pods.get(&ordinal) {
                None => {
                    if let Some(pod) = self.create(store, pass, ordinal) {
                        self.pods.insert(ordinal, pod);
                    }
                    if ordered {
                        return;
                    }
                }
                Some(pod) if ordered && !healthy(pod) => return,
                Some(_) => {}
            }
        }
        let condemned: Vec<usize> = self.pods.range(want..).map(|(o, _)| *o).rev().collect();
        for ordinal in condemned {
            let unhealthy = self.pods.iter().any(|(o, p)| *o != ordinal && !healthy(p));
            if ordered && unhealthy {
                return;
            }
            self.delete(store, pass, ordinal);
            if ordered {
                return;
            }
        }
        if !self.rolling() {
            return;
        }
        let update = meta(&self.update, "name").to_owned();
        for ordinal in (self.partition()..want).rev() {
            let Some(pod) = self.pods.get(&ordinal) else {
                return;
            };
            if pod_revision(pod) != update {
                self.delete(store, pass, ordinal);
                return;
            }
            if !healthy(pod) {
                return;
            }
        }
    }

    fn delete(&mut self, store: &mut Store, pass: &Pass, ordinal: usize) {
        if let Some(pod) = self.pods.remove(&ordinal) {
            remove(store, &pass.t.pods, &pod);
            self.deleted.push(pod);
        }
    }

    /// Creates the Pod of `ordinal` (and its claims) from the current
    /// revision below the partition, the update revision otherwise
    /// (`newVersionedStatefulSetPod`).
    fn create(&mut self, store: &mut Store, pass: &mut Pass, ordinal: usize) -> Option<Value> {
        let set = self.set;
        // The API server defaults `rollingUpdate.partition` to 0, so only
        // the partition decides.
        let old = self.rolling() && ordinal < self.partition();
        let rev = if old { &self.current } else { &self.update };
        let name = format!("{}-{ordinal}", meta(set, "name"));
        let claims = claims(store, pass, set, ordinal);
        let labels = [
            (REVISION_LABEL, meta(rev, "name").to_owned()),
            (POD_NAME_LABEL, name.clone()),
            (POD_INDEX_LABEL, ordinal.to_string()),
        ];
        let service = set["spec"]["serviceName"].clone();
        let template = revision::template(rev);
        let hostname = name.clone();
        create_pod(
            store,
            pass,
            set,
            &template,
            PodName::Fixed(name),
            &labels,
            |spec| {
                spec["hostname"] = hostname.into();
                if service.is_string() {
                    spec["subdomain"] = service;
                }
                if !claims.is_empty() {
                    let mut volumes = spec["volumes"].as_array().cloned().unwrap_or_default();
                    volumes.retain(|v| !claims.iter().any(|(t, _)| v["name"] == t.as_str()));
                    volumes.extend(claims.iter().map(|(t, claim)| {
                        json!({"name": t, "persistentVolumeClaim": {"claimName": claim}})
                    }));
                    spec["volumes"] = volumes.into();
                }
            },
        )
    }

    /// `StatefulSetStatus` from the Pods after this step.
    fn status(&self) -> Value {
        let pods: Vec<&Value> = self.pods.values().chain(&self.deleted).collect();
        let (current, update) = (meta(&self.current, "name"), meta(&self.update, "name"));
        let total = pods.len();
        let ready = pods.iter().filter(|p| pod_ready(p)).count();
        let with = |rev: &str| pods.iter().filter(|p| pod_revision(p) == rev).count();
        let mut current_replicas = with(current);
        let updated = with(update);
        let mut current_revision = current;
        // completeRollingUpdate
        if self.rolling() && updated == total && ready == total {
            current_replicas = updated;
            current_revision = update;
        }
        let mut status = counters(
            &[("replicas", total), ("availableReplicas", ready)],
            &[
                ("readyReplicas", ready),
                ("currentReplicas", current_replicas),
                ("updatedReplicas", updated),
            ],
        );
        status.insert(
            "observedGeneration".into(),
            self.set["metadata"]["generation"].clone(),
        );
        status.insert("currentRevision".into(), current_revision.into());
        status.insert("updateRevision".into(), update.into());
        status.insert("collisionCount".into(), 0.into());
        Value::Object(status)
    }
}

/// The claims of the Pod `ordinal`, `(template name, claim name)`, created
/// (and bound) when missing; like the controller, they are not owned by
/// the set, so they outlive it (`whenDeleted: Retain`).
fn claims(store: &mut Store, pass: &Pass, set: &Value, ordinal: usize) -> Vec<(String, String)> {
    let templates = set["spec"]["volumeClaimTemplates"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    let ns = meta(set, "namespace");
    let mut out = Vec::new();
    for t in templates {
        let template_name = meta(t, "name");
        let name = format!("{template_name}-{}-{ordinal}", meta(set, "name"));
        if store.get(&pass.t.claims, ns, &name).is_err() {
            let mut labels = t["metadata"]["labels"].clone();
            for (k, v) in set["spec"]["selector"]["matchLabels"]
                .as_object()
                .into_iter()
                .flatten()
            {
                labels[k] = v.clone();
            }
            let claim = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                "metadata": {"name": name, "namespace": ns, "labels": labels},
                "spec": t["spec"]});
            if let Ok(created) = store.create(&pass.t.claims, ns, claim, false) {
                let bound = json!({"phase": "Bound", "accessModes": t["spec"]["accessModes"],
                                   "capacity": t["spec"]["resources"]["requests"]});
                write_status(store, &pass.t.claims, &created, bound);
            }
        }
        out.push((template_name.to_owned(), name));
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::testing::{Sandbox, name};
    use super::*;

    fn statefulset(replicas: usize, policy: &str) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "db", "namespace": "default"},
            "spec": {"replicas": replicas, "serviceName": "db", "podManagementPolicy": policy,
                "selector": {"matchLabels": {"app": "db"}},
                "template": {"metadata": {"labels": {"app": "db"}},
                    "spec": {"containers": [{"name": "db", "image": "db:1"}]}}}})
    }

    fn names(sandbox: &Sandbox) -> Vec<String> {
        sandbox.pods().iter().map(|p| name(p).to_owned()).collect()
    }

    fn ready(sandbox: &Sandbox, pod: &str) -> bool {
        sandbox
            .pods()
            .iter()
            .any(|p| name(p) == pod && pod_ready(p))
    }

    #[test]
    fn ordered_ready_creates_each_pod_after_the_previous_is_ready() {
        let mut sandbox = Sandbox::new();
        sandbox.create(statefulset(3, "OrderedReady"));
        let mut appeared = Vec::new();
        for _ in 0..10 {
            let before = names(&sandbox);
            sandbox.pass();
            for pod in names(&sandbox) {
                if !before.contains(&pod) {
                    // Every lower ordinal was running and ready when it came.
                    let ordinal: usize = pod["db-".len()..].parse().expect("ordinal");
                    for lower in 0..ordinal {
                        assert!(ready(&sandbox, &format!("db-{lower}")), "{pod}");
                    }
                    appeared.push(pod);
                }
            }
        }
        assert_eq!(appeared, ["db-0", "db-1", "db-2"]);
        let set = sandbox.get("apps/v1", "StatefulSet", "db");
        let revision = set["status"]["updateRevision"].as_str().expect("revision");
        assert_eq!(set["status"]["currentRevision"], revision);
        for field in [
            "replicas",
            "readyReplicas",
            "currentReplicas",
            "updatedReplicas",
            "availableReplicas",
        ] {
            assert_eq!(set["status"][field], 3, "{field}");
        }
        let rev = sandbox.get("apps/v1", "ControllerRevision", revision);
        assert_eq!(rev["revision"], 1);
        assert_eq!(rev["metadata"]["ownerReferences"][0]["kind"], "StatefulSet");
        for pod in sandbox.pods() {
            let labels = &pod["metadata"]["labels"];
            assert_eq!(labels[REVISION_LABEL], revision);
            assert_eq!(labels[POD_NAME_LABEL], name(&pod));
            assert_eq!(pod["spec"]["hostname"], name(&pod));
            assert_eq!(pod["spec"]["subdomain"], "db");
            assert_eq!(pod["metadata"]["ownerReferences"][0]["name"], "db");
        }
    }

    #[test]
    fn parallel_creates_every_pod_at_once() {
        let mut sandbox = Sandbox::new();
        sandbox.create(statefulset(3, "Parallel"));
        sandbox.pass();
        assert_eq!(names(&sandbox), ["db-0", "db-1", "db-2"]);
        sandbox.pass();
        let set = sandbox.get("apps/v1", "StatefulSet", "db");
        assert_eq!(set["status"]["readyReplicas"], 3);
    }

    #[test]
    fn scale_down_removes_the_highest_ordinal_first() {
        let mut sandbox = Sandbox::new();
        sandbox.create(statefulset(3, "OrderedReady"));
        sandbox.settle(20);
        sandbox.edit("apps/v1", "StatefulSet", "db", |s| {
            s["spec"]["replicas"] = 1.into()
        });
        let rv = sandbox.store.resource_version();
        sandbox.settle(5);
        assert_eq!(sandbox.deleted(rv, "pods"), ["db-2", "db-1"]);
        assert_eq!(names(&sandbox), ["db-0"]);
        assert_eq!(
            sandbox.get("apps/v1", "StatefulSet", "db")["status"]["replicas"],
            1
        );
    }

    #[test]
    fn a_new_template_replaces_pods_from_the_highest_ordinal_down() {
        let mut sandbox = Sandbox::new();
        sandbox.create(statefulset(3, "OrderedReady"));
        sandbox.settle(20);
        let old = sandbox.get("apps/v1", "StatefulSet", "db")["status"]["currentRevision"].clone();
        sandbox.edit("apps/v1", "StatefulSet", "db", |s| {
            s["spec"]["template"]["spec"]["containers"][0]["image"] = "db:2".into();
        });
        let rv = sandbox.store.resource_version();
        for _ in 0..20 {
            sandbox.pass();
            let set = sandbox.get("apps/v1", "StatefulSet", "db");
            if set["status"]["updatedReplicas"] != 3 {
                assert_eq!(set["status"]["currentRevision"], old);
            }
        }
        assert_eq!(sandbox.deleted(rv, "pods"), ["db-2", "db-1", "db-0"]);
        let set = sandbox.get("apps/v1", "StatefulSet", "db");
        assert_ne!(set["status"]["updateRevision"], old);
        assert_eq!(
            set["status"]["currentRevision"],
            set["status"]["updateRevision"]
        );
        assert_eq!(set["status"]["currentReplicas"], 3);
        assert_eq!(sandbox.list("apps/v1", "ControllerRevision").len(), 2);
    }

    #[test]
    fn a_partition_keeps_the_lower_ordinals_at_the_current_revision() {
        let mut sandbox = Sandbox::new();
        let mut set = statefulset(3, "OrderedReady");
        set["spec"]["updateStrategy"] =
            json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 2}});
        sandbox.create(set);
        sandbox.settle(20);
        sandbox.edit("apps/v1", "StatefulSet", "db", |s| {
            s["spec"]["template"]["spec"]["containers"][0]["image"] = "db:2".into();
        });
        sandbox.settle(20);
        let images: Vec<Value> = sandbox
            .pods()
            .iter()
            .map(|p| p["spec"]["containers"][0]["image"].clone())
            .collect();
        assert_eq!(images, ["db:1", "db:1", "db:2"]);
        let set = sandbox.get("apps/v1", "StatefulSet", "db");
        assert_eq!(set["status"]["updatedReplicas"], 1);
        assert_eq!(set["status"]["currentReplicas"], 2);
        assert_ne!(
            set["status"]["currentRevision"],
            set["status"]["updateRevision"]
        );
    }

    #[test]
    fn claim_templates_give_each_pod_a_bound_claim() {
        let mut sandbox = Sandbox::new();
        let mut set = statefulset(2, "Parallel");
        set["spec"]["volumeClaimTemplates"] = json!([{"metadata": {"name": "data"},
            "spec": {"accessModes": ["ReadWriteOnce"],
                     "resources": {"requests": {"storage": "1Gi"}}}}]);
        sandbox.create(set);
        sandbox.settle(20);
        for ordinal in 0..2 {
            let claim = sandbox.get("v1", "PersistentVolumeClaim", &format!("data-db-{ordinal}"));
            assert_eq!(claim["status"]["phase"], "Bound");
            assert_eq!(claim["metadata"]["labels"]["app"], "db");
            let pod = sandbox.get("v1", "Pod", &format!("db-{ordinal}"));
            assert_eq!(
                pod["spec"]["volumes"][0],
                json!({"name": "data", "persistentVolumeClaim": {"claimName": format!("data-db-{ordinal}")}})
            );
        }
    }
}
