//! The sandbox's one Node, as a single-node cluster has it: ready, with the
//! capacity of a small machine. DaemonSets run one Pod on it and every
//! simulated Pod is scheduled to it.

use serde_json::json;

use crate::discovery::KUBERNETES_VERSION;
use crate::meta::now;
use crate::store::Store;

/// The Node's name.
pub const NAME: &str = "sandbox";

/// Creates the Node when the store has none of that name (a store kept in a
/// data directory keeps it across restarts).
pub fn ensure(store: &mut Store) {
    let Some(rt) = store.registry().by_kind("v1", "Node").cloned() else {
        return;
    };
    if store.get(&rt, "", NAME).is_ok() {
        return;
    }
    let node = json!({
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": NAME, "labels": {
            "kubernetes.io/hostname": NAME,
            "kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64",
            "node-role.kubernetes.io/control-plane": "",
        }},
        "spec": {"podCIDR": "10.244.0.0/16", "podCIDRs": ["10.244.0.0/16"]},
    });
    let Ok(mut node) = store.create(&rt, "", node, false) else {
        return;
    };
    let (major, minor) = KUBERNETES_VERSION;
    let time = now();
    let resources =
        json!({"cpu": "2", "memory": "4Gi", "pods": "110", "ephemeral-storage": "20Gi"});
    node["status"] = json!({
        "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
            "message": "kubelet is posting ready status",
            "lastHeartbeatTime": time, "lastTransitionTime": time}],
        "addresses": [{"type": "InternalIP", "address": "127.0.0.1"},
                      {"type": "Hostname", "address": NAME}],
        "capacity": resources,
        "allocatable": resources,
        "nodeInfo": {"kubeletVersion": format!("v{major}.{minor}.0"),
            "kubeProxyVersion": format!("v{major}.{minor}.0"),
            "operatingSystem": "linux", "architecture": "amd64",
            "containerRuntimeVersion": "containerd://1.7.0",
            "osImage": "sandbox", "kernelVersion": "", "machineID": "", "systemUUID": "",
            "bootID": ""},
    });
    let _ = store.update(&rt, "", NAME, node, true, false);
}
