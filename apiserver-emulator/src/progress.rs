//! Settled statuses: what the kube-controller-manager (and kubelet, volume
//! binder, load balancer) would eventually write, in one step, so that a
//! GitOps engine sees objects go from `Progressing` to `Healthy`.
//!
//! The emulator writes them for the kinds the workload simulation
//! ([`crate::simulate`], see [`crate::simulate::simulates`]) does not run,
//! and for every kind when the simulation is off: every replica becomes
//! ready at once; Jobs succeed; Pods run; claims bind; autoscalers settle
//! at `minReplicas`; `LoadBalancer` Services and Ingresses get the address
//! `127.0.0.1`.

use serde_json::{Value, json};

use crate::meta::now;

fn replicas(obj: &Value) -> i64 {
    obj["spec"]["replicas"].as_i64().unwrap_or(1)
}

fn has_condition(obj: &Value, kind: &str) -> bool {
    obj["status"]["conditions"].as_array().is_some_and(|cs| {
        cs.iter()
            .any(|c| c["type"] == kind && c["status"] == "True")
    })
}

/// The status a settled object of this kind has, or `None` when the kind is
/// not simulated or the object needs no change (a finished Job, a suspended
/// Job, a ClusterIP Service).
pub fn settled_status(obj: &Value) -> Option<Value> {
    let generation = obj["metadata"]["generation"].as_i64().unwrap_or(1);
    let api_version = obj["apiVersion"].as_str().unwrap_or("");
    let status = match (api_version, obj["kind"].as_str().unwrap_or("")) {
        ("apps/v1", "Deployment") => {
            let n = replicas(obj);
            json!({
                "observedGeneration": generation,
                "replicas": n, "updatedReplicas": n, "readyReplicas": n, "availableReplicas": n,
                "conditions": [
                    {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
                     "message": "Deployment has minimum availability."},
                    {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
                     "message": format!("ReplicaSet {:?} has successfully progressed.", obj["metadata"]["name"].as_str().unwrap_or(""))},
                ],
            })
        }
        ("apps/v1", "StatefulSet") => {
            let n = replicas(obj);
            let revision = format!(
                "{}-{generation}",
                obj["metadata"]["name"].as_str().unwrap_or("")
            );
            json!({
                "observedGeneration": generation,
                "replicas": n, "readyReplicas": n, "currentReplicas": n, "updatedReplicas": n,
                "availableReplicas": n, "currentRevision": revision, "updateRevision": revision,
                "collisionCount": 0,
            })
        }
        ("apps/v1", "DaemonSet") => json!({
            "observedGeneration": generation,
            "desiredNumberScheduled": 1, "currentNumberScheduled": 1, "numberReady": 1,
            "updatedNumberScheduled": 1, "numberAvailable": 1, "numberMisscheduled": 0,
        }),
        ("apps/v1", "ReplicaSet") => {
            let n = replicas(obj);
            json!({
                "observedGeneration": generation,
                "replicas": n, "fullyLabeledReplicas": n, "readyReplicas": n, "availableReplicas": n,
            })
        }
        ("batch/v1", "Job") => {
            if obj["spec"]["suspend"] == true
                || has_condition(obj, "Complete")
                || has_condition(obj, "Failed")
            {
                return None;
            }
            let time = now();
            json!({
                "startTime": time, "completionTime": time,
                "succeeded": obj["spec"]["completions"].as_i64().unwrap_or(1),
                "active": 0, "ready": 0,
                "conditions": [
                    {"type": "SuccessCriteriaMet", "status": "True", "reason": "CompletionsReached",
                     "message": "Reached expected number of succeeded pods", "lastTransitionTime": time},
                    {"type": "Complete", "status": "True", "reason": "CompletionsReached",
                     "message": "Reached expected number of succeeded pods", "lastTransitionTime": time},
                ],
            })
        }
        ("v1", "Pod") => {
            let containers: Vec<Value> = obj["spec"]["containers"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|c| {
                    json!({"name": c["name"], "image": c["image"], "ready": true, "started": true,
                                "restartCount": 0, "state": {"running": {}}})
                })
                .collect();
            let conditions = ["PodScheduled", "Initialized", "ContainersReady", "Ready"]
                .map(|t| json!({"type": t, "status": "True"}));
            json!({
                "phase": "Running",
                "conditions": conditions,
                "containerStatuses": containers,
            })
        }
        ("v1", "PersistentVolumeClaim") => json!({
            "phase": "Bound",
            "accessModes": obj["spec"]["accessModes"],
            "capacity": obj["spec"]["resources"]["requests"],
        }),
        ("v1", "Service") if obj["spec"]["type"] == "LoadBalancer" => {
            json!({"loadBalancer": {"ingress": [{"ip": "127.0.0.1"}]}})
        }
        ("autoscaling/v2", "HorizontalPodAutoscaler") => {
            let n = obj["spec"]["minReplicas"].as_i64().unwrap_or(1);
            json!({
                "observedGeneration": generation,
                "currentReplicas": n, "desiredReplicas": n,
                "conditions": [
                    {"type": "AbleToScale", "status": "True", "reason": "ReadyForNewScale",
                     "message": "recommended size matches current size"},
                    {"type": "ScalingActive", "status": "True", "reason": "ValidMetricFound",
                     "message": "the HPA was able to successfully calculate a replica count"},
                ],
            })
        }
        ("networking.k8s.io/v1", "Ingress") => {
            json!({"loadBalancer": {"ingress": [{"ip": "127.0.0.1"}]}})
        }
        _ => return None,
    };
    (obj.get("status") != Some(&status)).then_some(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settled_deployment_observes_its_generation() {
        let mut d = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "generation": 3}, "spec": {"replicas": 2}});
        let status = settled_status(&d).expect("simulated");
        assert_eq!(status["observedGeneration"], 3);
        assert_eq!(status["availableReplicas"], 2);
        d["status"] = status;
        assert_eq!(settled_status(&d), None, "a settled object needs no write");
    }

    #[test]
    fn finished_job_and_plain_objects_are_left_alone() {
        let done = json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"},
            "status": {"conditions": [{"type": "Complete", "status": "True"}]}});
        assert_eq!(settled_status(&done), None);
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
        assert_eq!(settled_status(&cm), None);
        let svc =
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {}});
        assert_eq!(settled_status(&svc), None);
    }
}
