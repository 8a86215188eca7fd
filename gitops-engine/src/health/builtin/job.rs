//! Jobs (`batch/v1`).

use serde_json::Value;

use crate::health::status::HealthStatus;
use crate::object::path::{conditions, str_at};

/// Health of a `batch/v1` Job.
///
/// A `Suspended` condition counts as completion whatever its status, so a resumed
/// job that is still running reads as `Healthy` (the reference engine does the same).
pub fn job(obj: &Value) -> HealthStatus {
    let mut complete = false;
    let mut failed = false;
    let mut suspended = false;
    let mut message = "";
    let mut failure_message = "";
    for condition in conditions(obj) {
        let text = str_at(condition, &["message"]);
        match str_at(condition, &["type"]) {
            "Failed" => {
                failed = true;
                complete = true;
                failure_message = text;
            }
            "Complete" => {
                complete = true;
                message = text;
            }
            "Suspended" => {
                complete = true;
                message = text;
                if str_at(condition, &["status"]) == "True" {
                    suspended = true;
                }
            }
            _ => {}
        }
    }
    if !complete {
        HealthStatus::progressing(message)
    } else if failed {
        HealthStatus::degraded(failure_message)
    } else if suspended {
        HealthStatus::suspended(message)
    } else {
        HealthStatus::healthy(message)
    }
}
