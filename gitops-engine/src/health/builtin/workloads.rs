//! Deployment, StatefulSet, DaemonSet and ReplicaSet (`apps/v1`).

use serde_json::Value;

use crate::health::status::HealthStatus;
use crate::object::name;
use crate::object::path::{at, conditions, find_condition, int_at, int_or_zero, str_at};

/// `metadata.generation` is ahead of `status.observedGeneration`.
fn generation_not_observed(obj: &Value) -> bool {
    int_or_zero(obj, &["metadata", "generation"])
        > int_or_zero(obj, &["status", "observedGeneration"])
}

/// Health of an `apps/v1` Deployment.
pub fn deployment(obj: &Value) -> HealthStatus {
    if at(obj, &["spec", "paused"]).and_then(Value::as_bool) == Some(true) {
        return HealthStatus::suspended("Deployment is paused");
    }
    if generation_not_observed(obj) {
        return HealthStatus::progressing(
            "Waiting for rollout to finish: observed deployment generation less than desired generation",
        );
    }
    let status = |field: &str| int_or_zero(obj, &["status", field]);
    let updated = status("updatedReplicas");
    if find_condition(conditions(obj), "Progressing")
        .is_some_and(|c| str_at(c, &["reason"]) == "ProgressDeadlineExceeded")
    {
        return HealthStatus::degraded(format!(
            "Deployment {:?} exceeded its progress deadline",
            name(obj).unwrap_or_default()
        ));
    }
    if let Some(replicas) = int_at(obj, &["spec", "replicas"]).filter(|r| updated < *r) {
        return HealthStatus::progressing(format!(
            "Waiting for rollout to finish: {updated} out of {replicas} new replicas have been updated..."
        ));
    }
    if status("replicas") > updated {
        return HealthStatus::progressing(format!(
            "Waiting for rollout to finish: {} old replicas are pending termination...",
            status("replicas") - updated
        ));
    }
    if status("availableReplicas") < updated {
        return HealthStatus::progressing(format!(
            "Waiting for rollout to finish: {} of {updated} updated replicas are available...",
            status("availableReplicas")
        ));
    }
    HealthStatus::healthy("")
}

/// Health of an `apps/v1` StatefulSet.
pub fn stateful_set(obj: &Value) -> HealthStatus {
    let status = |field: &str| int_or_zero(obj, &["status", field]);
    if status("observedGeneration") == 0 || generation_not_observed(obj) {
        return HealthStatus::progressing("Waiting for statefulset spec update to be observed...");
    }
    let replicas = int_at(obj, &["spec", "replicas"]);
    let ready = status("readyReplicas");
    if let Some(replicas) = replicas.filter(|r| ready < *r) {
        return HealthStatus::progressing(format!(
            "Waiting for {} pods to be ready...",
            replicas - ready
        ));
    }
    let updated = status("updatedReplicas");
    let strategy_type = str_at(obj, &["spec", "updateStrategy", "type"]);
    let rolling_update =
        at(obj, &["spec", "updateStrategy", "rollingUpdate"]).filter(|v| v.is_object());
    if strategy_type == "RollingUpdate" && rolling_update.is_some() {
        let partition = int_at(
            obj,
            &["spec", "updateStrategy", "rollingUpdate", "partition"],
        );
        if let (Some(replicas), Some(partition)) = (replicas, partition) {
            let target = replicas - partition;
            if updated < target {
                return HealthStatus::progressing(format!(
                    "Waiting for partitioned roll out to finish: {updated} out of {target} new pods have been updated..."
                ));
            }
        }
        return HealthStatus::healthy(format!(
            "partitioned roll out complete: {updated} new pods have been updated..."
        ));
    }
    if strategy_type == "OnDelete" {
        return HealthStatus::healthy(format!("statefulset has {ready} ready pods"));
    }
    let update_revision = str_at(obj, &["status", "updateRevision"]);
    let current_revision = str_at(obj, &["status", "currentRevision"]);
    if update_revision != current_revision {
        return HealthStatus::progressing(format!(
            "waiting for statefulset rolling update to complete {updated} pods at revision {update_revision}..."
        ));
    }
    HealthStatus::healthy(format!(
        "statefulset rolling update complete {} pods at revision {current_revision}...",
        status("currentReplicas")
    ))
}

/// Health of an `apps/v1` DaemonSet.
pub fn daemon_set(obj: &Value) -> HealthStatus {
    if generation_not_observed(obj) {
        return HealthStatus::progressing(
            "Waiting for rollout to finish: observed daemon set generation less than desired generation",
        );
    }
    let status = |field: &str| int_or_zero(obj, &["status", field]);
    let updated = status("updatedNumberScheduled");
    let desired = status("desiredNumberScheduled");
    if str_at(obj, &["spec", "updateStrategy", "type"]) == "OnDelete" {
        return HealthStatus::healthy(format!(
            "daemon set {updated} out of {desired} new pods have been updated"
        ));
    }
    if updated < desired {
        return HealthStatus::progressing(format!(
            "Waiting for daemon set {:?} rollout to finish: {updated} out of {desired} new pods have been updated...",
            name(obj).unwrap_or_default()
        ));
    }
    let available = status("numberAvailable");
    if available < desired {
        return HealthStatus::progressing(format!(
            "Waiting for daemon set {:?} rollout to finish: {available} of {desired} updated pods are available...",
            name(obj).unwrap_or_default()
        ));
    }
    HealthStatus::healthy("")
}

/// Health of an `apps/v1` ReplicaSet.
pub fn replica_set(obj: &Value) -> HealthStatus {
    if generation_not_observed(obj) {
        return HealthStatus::progressing(
            "Waiting for rollout to finish: observed replica set generation less than desired generation",
        );
    }
    if let Some(failure) = find_condition(conditions(obj), "ReplicaFailure")
        .filter(|c| str_at(c, &["status"]) == "True")
    {
        return HealthStatus::degraded(str_at(failure, &["message"]));
    }
    let available = int_or_zero(obj, &["status", "availableReplicas"]);
    if let Some(replicas) = int_at(obj, &["spec", "replicas"]).filter(|r| available < *r) {
        return HealthStatus::progressing(format!(
            "Waiting for rollout to finish: {available} out of {replicas} new replicas are available..."
        ));
    }
    HealthStatus::healthy("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::status::HealthStatusCode;
    use serde_json::json;

    #[test]
    fn statefulset_partitioned_rollout() {
        let sts = json!({"metadata": {"generation": 2}, "spec": {"replicas": 3,
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 1}}},
            "status": {"observedGeneration": 2, "readyReplicas": 3, "updatedReplicas": 1}});
        let h = stateful_set(&sts);
        assert_eq!(h.status, HealthStatusCode::Progressing);
        assert_eq!(
            h.message,
            "Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated..."
        );
    }

    #[test]
    fn daemonset_quotes_name() {
        let ds = json!({"metadata": {"name": "fluentd"},
            "status": {"desiredNumberScheduled": 3, "updatedNumberScheduled": 1}});
        assert_eq!(
            daemon_set(&ds).message,
            "Waiting for daemon set \"fluentd\" rollout to finish: 1 out of 3 new pods have been updated..."
        );
    }

    #[test]
    fn replicaset_failure_condition() {
        let rs = json!({"status": {"conditions": [{"type": "ReplicaFailure", "status": "True",
            "message": "pods \"x\" is forbidden"}]}});
        assert_eq!(
            replica_set(&rs),
            HealthStatus::degraded("pods \"x\" is forbidden")
        );
    }
}
