//! The deployment controller's status: the counters over its ReplicaSets
//! and the `Available` and `Progressing` conditions (`calculateStatus`,
//! `syncRolloutStatus`, `checkPausedConditions`, `DeploymentTimedOut`).

use serde_json::{Map, Value, json};

use super::status;
use crate::simulate::{count, counters, meta, replicas, set_condition};

/// `progressDeadlineSeconds` meaning "no deadline".
const NO_DEADLINE: i64 = i32::MAX as i64;
/// `progressDeadlineSeconds` when unset (the API server's default).
const DEFAULT_DEADLINE: i64 = 600;
/// The Progressing reason of a rollout past its deadline.
const TIMED_OUT: &str = "ProgressDeadlineExceeded";
/// The Progressing reason of a paused Deployment.
const PAUSED: &str = "DeploymentPaused";

pub(super) fn has_deadline(d: &Value) -> bool {
    d["spec"]["progressDeadlineSeconds"].as_i64() != Some(NO_DEADLINE)
}

/// A Deployment condition as the controller writes it.
pub(super) fn new_condition(
    kind: &str,
    status: &str,
    reason: &str,
    message: &str,
    now: jiff::Timestamp,
) -> Value {
    let time = crate::meta::timestamp(now);
    json!({
        "type": kind,
        "status": status,
        "lastUpdateTime": time,
        "lastTransitionTime": time,
        "reason": reason,
        "message": message,
    })
}

/// `checkPausedConditions`: `Progressing=Unknown` when the Deployment is
/// paused or resumed (a timed-out rollout keeps its condition); whether
/// that changed the conditions.
pub(super) fn paused_condition(
    d: &Value,
    conditions: &mut Vec<Value>,
    now: jiff::Timestamp,
) -> bool {
    if !has_deadline(d) {
        return false;
    }
    let paused = d["spec"]["paused"] == true;
    let (reason, message) = match progressing(conditions).and_then(|c| c["reason"].as_str()) {
        Some(TIMED_OUT) => return false,
        Some(PAUSED) if !paused => ("DeploymentResumed", "Deployment is resumed"),
        Some(PAUSED) => return false,
        _ if paused => (PAUSED, "Deployment is paused"),
        _ => return false,
    };
    set_condition(
        conditions,
        new_condition("Progressing", "Unknown", reason, message, now),
    );
    true
}

/// `DeploymentTimedOut`: no progress reported (the Progressing condition's
/// `lastUpdateTime`) for `progressDeadlineSeconds` (600 when unset).
fn timed_out(d: &Value, conditions: &[Value], now: jiff::Timestamp) -> bool {
    match progressing(conditions).and_then(|c| c["reason"].as_str()) {
        Some(TIMED_OUT) => true,
        _ => deadline(d, conditions).is_some_and(|end| end < now),
    }
}

/// The Progressing condition among `conditions`.
fn progressing(conditions: &[Value]) -> Option<&Value> {
    conditions.iter().find(|c| c["type"] == "Progressing")
}

/// When a rollout in progress passes its deadline: its last progress plus
/// `progressDeadlineSeconds`; `None` when it is complete, already timed out,
/// or has no deadline.
pub(super) fn deadline(d: &Value, conditions: &[Value]) -> Option<jiff::Timestamp> {
    if !has_deadline(d) {
        return None;
    }
    let progressing = progressing(conditions)?;
    if matches!(
        progressing["reason"].as_str(),
        Some("NewReplicaSetAvailable" | TIMED_OUT)
    ) {
        return None;
    }
    let seconds = d["spec"]["progressDeadlineSeconds"]
        .as_i64()
        .unwrap_or(DEFAULT_DEADLINE);
    let from = progressing["lastUpdateTime"]
        .as_str()?
        .parse::<jiff::Timestamp>()
        .ok()?;
    from.checked_add(jiff::SignedDuration::from_secs(seconds))
        .ok()
}

/// `calculateStatus` and `syncRolloutStatus`: the counters over every
/// ReplicaSet, `Available` (true when at most `max_unavailable` Pods short
/// of the replicas), and, unless `paused`, `Progressing` from how the counters
/// moved since the stored status.
pub(super) fn rollout_status(
    d: &Value,
    old: &[Value],
    new_rs: Option<&Value>,
    max_unavailable: usize,
    mut conditions: Vec<Value>,
    paused: bool,
    now: jiff::Timestamp,
) -> Value {
    let all: Vec<&Value> = old.iter().chain(new_rs).collect();
    let sum = |field: &str| all.iter().map(|rs| status(rs, field)).sum::<usize>();
    let available = sum("availableReplicas");
    let total: usize = all.iter().map(|rs| replicas(rs)).sum();
    let want = replicas(d);
    let name = meta(d, "name");
    let pods = sum("replicas");
    let updated = new_rs.map_or(0, |rs| status(rs, "replicas"));
    let ready = sum("readyReplicas");
    let min_available = want.saturating_sub(max_unavailable);
    let availability = if available >= min_available {
        new_condition(
            "Available",
            "True",
            "MinimumReplicasAvailable",
            "Deployment has minimum availability.",
            now,
        )
    } else {
        new_condition(
            "Available",
            "False",
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.",
            now,
        )
    };
    set_condition(&mut conditions, availability);
    let complete_before = pods == updated
        && conditions
            .iter()
            .any(|c| c["type"] == "Progressing" && c["reason"] == "NewReplicaSetAvailable");
    let rs_name = new_rs.map(|rs| meta(rs, "name"));
    if !has_deadline(d) {
        conditions.retain(|c| c["type"] != "Progressing");
    } else if !complete_before && !paused {
        let old_status = |field: &str| count(&d["status"][field]).unwrap_or(0);
        if updated == want && pods == want && available == want {
            let message = match rs_name {
                Some(rs) => format!("ReplicaSet {rs:?} has successfully progressed."),
                None => format!("Deployment {name:?} has successfully progressed."),
            };
            set_condition(
                &mut conditions,
                new_condition(
                    "Progressing",
                    "True",
                    "NewReplicaSetAvailable",
                    &message,
                    now,
                ),
            );
        } else if updated > old_status("updatedReplicas")
            || pods - updated.min(pods)
                < old_status("replicas").saturating_sub(old_status("updatedReplicas"))
            || ready > old_status("readyReplicas")
            || available > old_status("availableReplicas")
        {
            let message = match rs_name {
                Some(rs) => format!("ReplicaSet {rs:?} is progressing."),
                None => format!("Deployment {name:?} is progressing."),
            };
            let mut next = new_condition("Progressing", "True", "ReplicaSetUpdated", &message, now);
            if let Some(i) = conditions.iter().position(|c| c["type"] == "Progressing") {
                if conditions[i]["status"] == "True" {
                    next["lastTransitionTime"] = conditions[i]["lastTransitionTime"].clone();
                }
                conditions.remove(i);
            }
            conditions.push(next);
        } else if timed_out(d, &conditions, now) {
            let message = match rs_name {
                Some(rs) => format!("ReplicaSet {rs:?} has timed out progressing."),
                None => format!("Deployment {name:?} has timed out progressing."),
            };
            set_condition(
                &mut conditions,
                new_condition("Progressing", "False", TIMED_OUT, &message, now),
            );
        }
    }
    let mut status: Map<String, Value> = Map::new();
    status.insert(
        "observedGeneration".into(),
        d["metadata"]["generation"].clone(),
    );
    status.extend(counters(
        &[],
        &[
            ("replicas", pods),
            ("updatedReplicas", updated),
            ("readyReplicas", ready),
            ("availableReplicas", available),
            ("unavailableReplicas", total.saturating_sub(available)),
        ],
    ));
    if !conditions.is_empty() {
        status.insert("conditions".into(), conditions.into());
    }
    Value::Object(status)
}
