//! Argo Rollouts `Rollout`.

use serde_json::Value;

use crate::health::status::{HealthStatus, HealthStatusCode};
use crate::object::annotation;
use crate::object::path::{
    array_at, at, bool_at, conditions, find_condition, int_at, int_or_zero, str_at,
};

const SPEC_NOT_OBSERVED: &str = "Waiting for rollout spec update to be observed";

/// A generation number written as an integer or a decimal string; old controllers
/// stored a hash in `observedGeneration`, which reads as `None`.
fn generation_number(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::String(s) => s.parse().ok(),
        other => crate::object::path::as_int(other),
    }
}

/// Whether the controller has not yet observed the current spec (or workload).
fn spec_not_observed(obj: &Value) -> bool {
    let Some(observed) = at(obj, &["status", "observedGeneration"]) else {
        return true;
    };
    let generation = int_at(obj, &["metadata", "generation"]);
    if matches!((generation, generation_number(Some(observed))), (Some(g), Some(o)) if g > o) {
        return true;
    }
    let workload = annotation(obj, "rollout.argoproj.io/workload-generation")
        .and_then(|s| s.parse::<i64>().ok());
    let observed_workload = generation_number(at(obj, &["status", "workloadObservedGeneration"]));
    matches!((workload, observed_workload), (Some(w), Some(o)) if w > o)
}

/// The health a Rollout controller (v1.0+) wrote into `status.phase`.
fn from_phase(obj: &Value) -> Option<HealthStatus> {
    let code = match str_at(obj, &["status", "phase"]) {
        "Healthy" => HealthStatusCode::Healthy,
        "Progressing" => HealthStatusCode::Progressing,
        "Paused" => HealthStatusCode::Suspended,
        "Degraded" => HealthStatusCode::Degraded,
        _ => return None,
    };
    Some(HealthStatus::new(code, str_at(obj, &["status", "message"])))
}

/// A failure reported through conditions by older controllers.
fn from_conditions(obj: &Value) -> Option<HealthStatus> {
    let conditions = conditions(obj);
    if let Some(invalid) =
        find_condition(conditions, "InvalidSpec").filter(|c| str_at(c, &["status"]) == "True")
    {
        return Some(HealthStatus::degraded(str_at(invalid, &["message"])));
    }
    let progressing = find_condition(conditions, "Progressing")?;
    match str_at(progressing, &["reason"]) {
        "RolloutAborted" => Some(HealthStatus::degraded("Rollout is aborted")),
        "ProgressDeadlineExceeded" => {
            Some(HealthStatus::degraded(str_at(progressing, &["message"])))
        }
        _ => None,
    }
}

fn is_paused(obj: &Value) -> bool {
    bool_at(obj, &["spec", "paused"])
        || bool_at(obj, &["status", "controllerPause"])
        || !array_at(obj, &["status", "pauseConditions"]).is_empty()
}

/// Replica counts still converging, as for a Deployment.
fn from_replicas(obj: &Value) -> Option<HealthStatus> {
    let status = |field: &str| int_or_zero(obj, &["status", field]);
    let updated = status("updatedReplicas");
    let waiting = |why: &str| {
        Some(HealthStatus::progressing(format!(
            "Waiting for roll out to finish: {why}"
        )))
    };
    if int_at(obj, &["spec", "replicas"]).is_some_and(|r| updated < r) {
        return waiting("More replicas need to be updated");
    }
    if status("availableReplicas") < updated {
        return waiting("updated replicas are still becoming available");
    }
    if status("replicas") > updated {
        return waiting("old replicas are pending termination");
    }
    None
}

/// Health of an `argoproj.io` Rollout.
pub fn rollout(obj: &Value) -> Option<HealthStatus> {
    if spec_not_observed(obj) {
        return Some(HealthStatus::progressing(SPEC_NOT_OBSERVED));
    }
    let verdict = from_phase(obj)
        .or_else(|| from_conditions(obj))
        .or_else(|| is_paused(obj).then(|| HealthStatus::suspended("Rollout is paused")))
        .or_else(|| from_replicas(obj))
        .unwrap_or_else(|| HealthStatus::healthy(""));
    Some(verdict)
}
