//! Gateway API: `Gateway` and `HTTPRoute` (and the other route kinds, which share
//! the route status shape).

use serde_json::Value;

use crate::health::status::HealthStatus;
use crate::object::path::{array_at, as_int, int_at, str_at};

/// How a failed (status `False`) condition of a given type is judged.
fn judge_false(condition_type: &str, message: String) -> Option<HealthStatus> {
    match condition_type {
        "Accepted" | "ResolvedRefs" => Some(HealthStatus::degraded(message)),
        "Programmed" => Some(HealthStatus::progressing(message)),
        _ => None,
    }
}

/// The first verdict from a condition list that is not stale for `generation`:
/// `Accepted`/`ResolvedRefs` false is degraded, `Programmed` false is progressing.
/// Degraded conditions are looked for before progressing ones.
fn judge(conditions: &[Value], generation: Option<i64>, prefix: &str) -> Option<HealthStatus> {
    let current = conditions.iter().filter(|c| {
        let observed = c.get("observedGeneration").and_then(as_int);
        !matches!((generation, observed), (Some(g), Some(o)) if o < g)
    });
    let verdicts: Vec<HealthStatus> = current
        .filter(|c| str_at(c, &["status"]) == "False")
        .filter_map(|c| {
            judge_false(
                str_at(c, &["type"]),
                format!("{prefix}{}", str_at(c, &["message"])),
            )
        })
        .collect();
    verdicts
        .iter()
        .find(|v| v.status == crate::health::status::HealthStatusCode::Degraded)
        .or(verdicts.first())
        .cloned()
}

/// Health of a Gateway: its own conditions, then each listener's.
pub fn gateway(obj: &Value) -> Option<HealthStatus> {
    let generation = int_at(obj, &["metadata", "generation"]);
    if let Some(verdict) = judge(array_at(obj, &["status", "conditions"]), generation, "") {
        return Some(verdict);
    }
    let listeners = array_at(obj, &["status", "listeners"]);
    let verdict = listeners
        .iter()
        .find_map(|l| judge(array_at(l, &["conditions"]), generation, "Listener: "));
    Some(verdict.unwrap_or_else(|| HealthStatus::healthy("Gateway is healthy")))
}

/// Health of a route (`HTTPRoute`, `GRPCRoute`, ...): each parent's conditions.
pub fn route(obj: &Value) -> Option<HealthStatus> {
    let generation = int_at(obj, &["metadata", "generation"]);
    let verdict = array_at(obj, &["status", "parents"])
        .iter()
        .find_map(|parent| {
            let prefix = format!("Parent {}: ", str_at(parent, &["parentRef", "name"]));
            judge(array_at(parent, &["conditions"]), generation, &prefix)
        });
    Some(verdict.unwrap_or_else(|| {
        HealthStatus::healthy(format!(
            "{} is healthy",
            crate::object::kind(obj).unwrap_or_default()
        ))
    }))
}
