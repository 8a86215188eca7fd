//! The replica set controller: as many live Pods as replicas.

use serde_json::{Value, json};

use super::{
    Pass, PodName, counters, create_pod, deleting, meta, pod_ready, remove, replicas, write_status,
};
use crate::store::Store;

/// Syncs one ReplicaSet whose live Pods are `pods`.
pub(super) fn sync(store: &mut Store, pass: &mut Pass, rs: &Value, mut pods: Vec<Value>) {
    if deleting(rs) {
        return;
    }
    let want = replicas(rs);
    let prefix = format!("{}-", meta(rs, "name"));
    while pods.len() < want {
        let template = &rs["spec"]["template"];
        let name = PodName::Generate(prefix.clone());
        match create_pod(store, pass, rs, template, name, &[], |_| {}) {
            Some(pod) => pods.push(pod),
            None => break,
        }
    }
    if pods.len() > want {
        // Not-ready Pods go first, then the newest.
        pods.sort_by_key(|p| {
            (
                pod_ready(p),
                std::cmp::Reverse(meta(p, "creationTimestamp").to_owned()),
            )
        });
        for victim in pods.drain(..pods.len() - want) {
            remove(store, &pass.t.pods, &victim);
        }
    }
    let ready = pods.iter().filter(|p| pod_ready(p)).count();
    let mut status = counters(
        &[("replicas", pods.len())],
        &[
            ("fullyLabeledReplicas", pods.len()),
            ("readyReplicas", ready),
            ("availableReplicas", ready),
        ],
    );
    status.insert(
        "observedGeneration".into(),
        rs["metadata"]["generation"].clone(),
    );
    write_status(store, &pass.t.replicasets, rs, json!(status));
}
