//! Argo kinds judged by the engine itself: Workflow, and the opt-in Application rule.

use serde_json::Value;

use crate::health::status::{HealthStatus, HealthStatusCode};
use crate::object::path::{at, str_at};

/// Health of an `argoproj.io` Workflow, from `status.phase`.
pub fn workflow(obj: &Value) -> HealthStatus {
    let message = str_at(obj, &["status", "message"]);
    match str_at(obj, &["status", "phase"]) {
        "" | "Pending" | "Running" => HealthStatus::progressing(message),
        "Succeeded" => HealthStatus::healthy(message),
        "Failed" | "Error" => HealthStatus::degraded(message),
        _ => HealthStatus::unknown(message),
    }
}

/// Health of an `argoproj.io` Application as app-of-apps setups want it: the child's
/// own `status.health`, or `Progressing` until the child reports one.
///
/// Argo CD has no built-in rule for Applications; this is the rule users commonly add,
/// offered through [`crate::health::HealthRules::with_application_health`].
pub fn application(obj: &Value) -> Option<HealthStatus> {
    let Some(reported) = at(obj, &["status", "health", "status"]).and_then(Value::as_str) else {
        return Some(HealthStatus::progressing(""));
    };
    let message = str_at(obj, &["status", "health", "message"]);
    Some(match reported.parse::<HealthStatusCode>() {
        Ok(code) => HealthStatus::new(code, message),
        Err(err) => HealthStatus::unknown(err.to_string()),
    })
}
