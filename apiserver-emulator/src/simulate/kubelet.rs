//! The scheduler and kubelet of the simulated Node: an unscheduled Pod is
//! bound to the Node, a pending Pod starts (or waits on an image that never
//! pulls), and a running Pod of a Job exits successfully one pass later.

use serde_json::{Value, json};

use super::{Pass, all, deleting, fnv, meta, node, write, write_status};
use crate::meta::now;
use crate::store::Store;

/// One kubelet pass over every Pod.
pub(super) fn run(store: &mut Store, pass: &Pass) {
    for mut pod in all(store, &pass.t.pods) {
        if deleting(&pod) {
            continue;
        }
        if pod["spec"]["nodeName"].is_null() {
            // The scheduler binds it to the sandbox's Node.
            pod["spec"]["nodeName"] = node::NAME.into();
            match write(store, &pass.t.pods, pod) {
                Some(bound) => pod = bound,
                None => continue,
            }
        }
        let status = match pod["status"]["phase"].as_str() {
            Some("Succeeded" | "Failed") => continue,
            Some("Running") if owned_by_job(&pod) => succeeded(&pod, &pass.time()),
            Some("Running") => continue,
            _ => started(pass, &pod),
        };
        write_status(store, &pass.t.pods, &pod, status);
    }
}

fn owned_by_job(pod: &Value) -> bool {
    pod["metadata"]["ownerReferences"]
        .as_array()
        .is_some_and(|refs| {
            refs.iter()
                .any(|r| r["controller"] == true && r["kind"] == "Job")
        })
}

/// The Pod's IP: `10.244.0.0/16`, derived from its namespace and name so a
/// pass is reproducible.
fn pod_ip(pod: &Value) -> String {
    let h = fnv(format!("{}/{}", meta(pod, "namespace"), meta(pod, "name")).as_bytes());
    format!("10.244.{}.{}", (h >> 8) & 0xff, 1 + h % 254)
}

fn containers(pod: &Value) -> &[Value] {
    pod["spec"]["containers"]
        .as_array()
        .map_or(&[], Vec::as_slice)
}

/// The status of a Pod that started: every container running and ready,
/// or waiting in `ImagePullBackOff` when its image never pulls.
fn started(pass: &Pass, pod: &Value) -> Value {
    let time = pod["status"]["startTime"]
        .as_str()
        .map_or_else(now, str::to_owned);
    let broken = |c: &Value| pass.sim.broken_image(c["image"].as_str().unwrap_or(""));
    let ip = pod_ip(pod);
    let containers = containers(pod);
    let statuses: Vec<Value> = containers
        .iter()
        .map(|c| {
            let ok = !broken(c);
            let state = if ok {
                json!({"running": {"startedAt": time}})
            } else {
                json!({"waiting": {"reason": "ImagePullBackOff",
                    "message": format!("Back-off pulling image {:?}", c["image"].as_str().unwrap_or(""))}})
            };
            json!({"name": c["name"], "image": c["image"], "imageID": "", "ready": ok,
                   "started": ok, "restartCount": 0, "state": state})
        })
        .collect();
    let unready: Vec<&str> = containers
        .iter()
        .filter(|c| broken(c))
        .filter_map(|c| c["name"].as_str())
        .collect();
    let (phase, conditions) = if unready.is_empty() {
        let conditions = [
            "PodReadyToStartContainers",
            "Initialized",
            "Ready",
            "ContainersReady",
            "PodScheduled",
        ]
        .map(|c| json!({"type": c, "status": "True", "lastTransitionTime": time}));
        ("Running", json!(conditions))
    } else {
        let message = format!("containers with unready status: [{}]", unready.join(" "));
        let not_ready = |kind: &str| {
            json!({"type": kind, "status": "False", "reason": "ContainersNotReady",
                   "message": message, "lastTransitionTime": time})
        };
        let conditions = json!([
            {"type": "PodReadyToStartContainers", "status": "True", "lastTransitionTime": time},
            {"type": "Initialized", "status": "True", "lastTransitionTime": time},
            not_ready("Ready"),
            not_ready("ContainersReady"),
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": time},
        ]);
        ("Pending", conditions)
    };
    json!({
        "phase": phase,
        "conditions": conditions,
        "hostIP": "127.0.0.1",
        "hostIPs": [{"ip": "127.0.0.1"}],
        "podIP": ip,
        "podIPs": [{"ip": ip}],
        "startTime": time,
        "containerStatuses": statuses,
    })
}

/// The status of a running Pod whose containers all exited with 0.
fn succeeded(pod: &Value, time: &str) -> Value {
    let started = pod["status"]["startTime"].as_str().unwrap_or(time);
    let mut status = pod["status"].clone();
    status["phase"] = "Succeeded".into();
    let completed = |kind: &str, ok: bool| {
        json!({"type": kind, "status": if ok { "True" } else { "False" },
               "reason": "PodCompleted", "lastTransitionTime": time})
    };
    status["conditions"] = json!([
        {"type": "PodReadyToStartContainers", "status": "False", "lastTransitionTime": time},
        completed("Initialized", true),
        completed("Ready", false),
        completed("ContainersReady", false),
        {"type": "PodScheduled", "status": "True", "lastTransitionTime": started},
    ]);
    status["containerStatuses"] = containers(pod)
        .iter()
        .map(|c| {
            json!({"name": c["name"], "image": c["image"], "imageID": "", "ready": false,
                   "started": false, "restartCount": 0,
                   "state": {"terminated": {"exitCode": 0, "reason": "Completed",
                                            "startedAt": started, "finishedAt": time}}})
        })
        .collect();
    status
}
