//! The daemon set controller: one Pod per Node its `nodeSelector` admits
//! (node affinity, taints and tolerations are not considered), a new
//! template rolled out Node by Node within `maxUnavailable`, and status as
//! `pkg/controller/daemon` writes it.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{
    Pass, PodName, counters, create_pod, deleting, int_or_percent, meta, pod_ready, remove,
    revision, write_status,
};
use crate::store::Store;

const REVISION_LABEL: &str = "controller-revision-hash";
const GENERATION_LABEL: &str = "pod-template-generation";

/// Syncs one DaemonSet whose live Pods are `pods` and whose revisions are
/// `revisions`, over `nodes`.
pub(super) fn sync(
    store: &mut Store,
    pass: &mut Pass,
    ds: &Value,
    pods: Vec<Value>,
    mut revisions: Vec<Value>,
    nodes: &[Value],
) {
    if deleting(ds) {
        return;
    }
    let Some(update) = revision::current(store, pass, ds, &mut revisions) else {
        return;
    };
    let hash = update["metadata"]["labels"][revision::HASH_KEY]
        .as_str()
        .unwrap_or("")
        .to_owned();
    // The Nodes the template's nodeSelector admits.
    let selector = &ds["spec"]["template"]["spec"]["nodeSelector"];
    let mut on: BTreeMap<String, Vec<Value>> = nodes
        .iter()
        .filter(|n| {
            selector
                .as_object()
                .into_iter()
                .flatten()
                .all(|(k, v)| n["metadata"]["labels"][k] == *v)
        })
        .map(|n| (meta(n, "name").to_owned(), Vec::new()))
        .collect();
    let desired = on.len();
    for pod in pods {
        let node = pod["spec"]["nodeName"].as_str().unwrap_or("").to_owned();
        match on.get_mut(&node) {
            Some(list) => list.push(pod),
            // A Pod on a Node that is gone.
            None => remove(store, &pass.t.pods, &pod),
        }
    }
    for (node, list) in on.iter_mut() {
        if list.is_empty() {
            list.extend(create(store, pass, ds, &hash, node));
        }
        // One Pod per Node: the oldest stays.
        list.sort_by(|a, b| meta(a, "creationTimestamp").cmp(meta(b, "creationTimestamp")));
        if list.len() > 1 {
            for extra in list.split_off(1) {
                remove(store, &pass.t.pods, &extra);
            }
        }
    }
    if ds["spec"]["updateStrategy"]["type"] != "OnDelete" {
        roll(store, pass, ds, &hash, &mut on);
    }
    let pods: Vec<&Value> = on.values().flatten().collect();
    let ready = pods.iter().filter(|p| pod_ready(p)).count();
    let updated = pods.iter().filter(|p| pod_hash(p) == hash).count();
    let mut status = counters(
        &[
            ("desiredNumberScheduled", desired),
            ("currentNumberScheduled", pods.len()),
            ("numberMisscheduled", 0),
            ("numberReady", ready),
        ],
        &[
            ("updatedNumberScheduled", updated),
            ("numberAvailable", ready),
            ("numberUnavailable", desired.saturating_sub(ready)),
        ],
    );
    status.insert(
        "observedGeneration".into(),
        ds["metadata"]["generation"].clone(),
    );
    let live: Vec<String> = pods
        .iter()
        .map(|p| format!("{}-{}", meta(ds, "name"), pod_hash(p)))
        .chain([meta(&update, "name").to_owned()])
        .collect();
    let live: Vec<&str> = live.iter().map(String::as_str).collect();
    revision::truncate(store, pass, ds, revisions, &live);
    write_status(store, &pass.t.daemonsets, ds, json!(status));
}

fn pod_hash(pod: &Value) -> &str {
    pod["metadata"]["labels"][REVISION_LABEL]
        .as_str()
        .unwrap_or("")
}

/// The Pod for `node`, pinned to it by node affinity as the controller
/// does (and scheduled there).
fn create(store: &mut Store, pass: &mut Pass, ds: &Value, hash: &str, node: &str) -> Option<Value> {
    let generation = ds["metadata"]["generation"].as_i64().unwrap_or(1);
    let labels = [
        (REVISION_LABEL, hash.to_owned()),
        (GENERATION_LABEL, generation.to_string()),
    ];
    let name = PodName::Generate(format!("{}-", meta(ds, "name")));
    create_pod(
        store,
        pass,
        ds,
        &ds["spec"]["template"],
        name,
        &labels,
        |spec| {
            spec["nodeName"] = node.into();
            spec["affinity"]["nodeAffinity"] = json!({
                "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                    {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}
                ]}
            });
        },
    )
}

/// `RollingUpdate` without surge: outdated Pods that are not ready go at
/// once, ready ones while fewer than `maxUnavailable` (default 1) Nodes are
/// without a ready Pod.
fn roll(
    store: &mut Store,
    pass: &Pass,
    ds: &Value,
    hash: &str,
    on: &mut BTreeMap<String, Vec<Value>>,
) {
    let max = int_or_percent(
        &ds["spec"]["updateStrategy"]["rollingUpdate"]["maxUnavailable"],
        &json!(1),
        on.len(),
        true,
    );
    let mut unavailable = on
        .values()
        .filter(|list| !list.iter().any(pod_ready))
        .count();
    for list in on.values_mut() {
        let outdated = list.iter().position(|p| pod_hash(p) != hash);
        let Some(i) = outdated else { continue };
        let ready = pod_ready(&list[i]);
        if ready && unavailable >= max {
            continue;
        }
        unavailable += usize::from(ready);
        let pod = list.remove(i);
        remove(store, &pass.t.pods, &pod);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::testing::Sandbox;

    fn daemonset() -> Value {
        json!({"apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": {"name": "agent", "namespace": "default"},
            "spec": {"selector": {"matchLabels": {"app": "agent"}},
                "template": {"metadata": {"labels": {"app": "agent"}},
                    "spec": {"containers": [{"name": "agent", "image": "agent:1"}]}}}})
    }

    #[test]
    fn each_node_runs_one_pod() {
        let mut sandbox = Sandbox::new();
        sandbox.create(daemonset());
        sandbox.settle(20);
        let pods = sandbox.pods();
        assert_eq!(pods.len(), 1);
        assert_eq!(pods[0]["spec"]["nodeName"], "sandbox");
        assert_eq!(
            pods[0]["metadata"]["ownerReferences"][0]["kind"],
            "DaemonSet"
        );
        let ds = sandbox.get("apps/v1", "DaemonSet", "agent");
        for field in [
            "desiredNumberScheduled",
            "currentNumberScheduled",
            "numberReady",
            "updatedNumberScheduled",
            "numberAvailable",
        ] {
            assert_eq!(ds["status"][field], 1, "{field}");
        }
        // A second Node gets its own Pod.
        let rt = sandbox.rt("v1", "Node");
        let node = json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "worker"}});
        sandbox.store.create(&rt, "", node, false).expect("node");
        sandbox.settle(20);
        let mut nodes: Vec<Value> = sandbox
            .pods()
            .iter()
            .map(|p| p["spec"]["nodeName"].clone())
            .collect();
        nodes.sort_by_key(|n| n.to_string());
        assert_eq!(nodes, ["sandbox", "worker"]);
        let ds = sandbox.get("apps/v1", "DaemonSet", "agent");
        assert_eq!(ds["status"]["desiredNumberScheduled"], 2);
        assert_eq!(ds["status"]["numberReady"], 2);
        assert!(ds["status"]["numberUnavailable"].is_null());
    }

    #[test]
    fn a_node_selector_limits_the_nodes() {
        let mut sandbox = Sandbox::new();
        let mut ds = daemonset();
        ds["spec"]["template"]["spec"]["nodeSelector"] = json!({"disk": "ssd"});
        sandbox.create(ds);
        let rt = sandbox.rt("v1", "Node");
        let node = json!({"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": "fast", "labels": {"disk": "ssd"}}});
        sandbox.store.create(&rt, "", node, false).expect("node");
        sandbox.settle(20);
        let pods = sandbox.pods();
        assert_eq!(pods.len(), 1);
        assert_eq!(pods[0]["spec"]["nodeName"], "fast");
        let ds = sandbox.get("apps/v1", "DaemonSet", "agent");
        assert_eq!(ds["status"]["desiredNumberScheduled"], 1);
        assert_eq!(ds["status"]["numberReady"], 1);
    }

    #[test]
    fn without_nodes_nothing_is_scheduled() {
        let mut sandbox = Sandbox::new();
        let rt = sandbox.rt("v1", "Node");
        sandbox
            .store
            .delete(&rt, "", "sandbox", crate::Propagation::Background, false)
            .expect("delete node");
        sandbox.create(daemonset());
        sandbox.settle(20);
        assert!(sandbox.pods().is_empty());
        let ds = sandbox.get("apps/v1", "DaemonSet", "agent");
        assert_eq!(ds["status"]["desiredNumberScheduled"], 0);
        assert_eq!(ds["status"]["numberReady"], 0);
    }

    #[test]
    fn a_new_template_replaces_the_pod() {
        let mut sandbox = Sandbox::new();
        sandbox.create(daemonset());
        sandbox.settle(20);
        sandbox.edit("apps/v1", "DaemonSet", "agent", |ds| {
            ds["spec"]["template"]["spec"]["containers"][0]["image"] = "agent:2".into();
        });
        sandbox.pass();
        // The old Pod went and its replacement is starting.
        let ds = sandbox.get("apps/v1", "DaemonSet", "agent");
        assert_eq!(ds["status"]["updatedNumberScheduled"], 1);
        assert_eq!(ds["status"]["numberReady"], 0);
        assert_eq!(ds["status"]["numberUnavailable"], 1);
        sandbox.settle(20);
        let pods = sandbox.pods();
        assert_eq!(pods.len(), 1);
        assert_eq!(pods[0]["spec"]["containers"][0]["image"], "agent:2");
        let ds = sandbox.get("apps/v1", "DaemonSet", "agent");
        assert_eq!(ds["status"]["updatedNumberScheduled"], 1);
        assert_eq!(ds["status"]["numberReady"], 1);
    }
}
