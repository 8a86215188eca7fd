//! Knative Serving `Service`.

use serde_json::Value;

use crate::health::status::HealthStatus;
use crate::object::path::{conditions, str_at};

/// Health of a Knative Service: every condition that is not `True` is listed as
/// "<type> is <status>, since <reason>. <message>" (one per line); any `False` one
/// makes it Degraded, otherwise any `Unknown` one makes it Progressing.
pub fn service(obj: &Value) -> Option<HealthStatus> {
    let mut message = String::new();
    let mut any_false = false;
    let mut any_unknown = false;
    for condition in conditions(obj) {
        let status = str_at(condition, &["status"]);
        if status == "True" {
            continue;
        }
        any_false |= status == "False";
        any_unknown |= status != "False";
        message.push_str(&format!(
            "{} is {status}, since {}. {}\n",
            str_at(condition, &["type"]),
            str_at(condition, &["reason"]),
            str_at(condition, &["message"])
        ));
    }
    Some(if any_false {
        HealthStatus::degraded(message)
    } else if any_unknown {
        HealthStatus::progressing(message)
    } else {
        HealthStatus::healthy("Knative Service is healthy.")
    })
}
