//! Service, Ingress, PersistentVolumeClaim and APIService.

use serde_json::Value;

use crate::health::status::HealthStatus;
use crate::object::path::{array_at, conditions, find_condition, str_at};

fn has_load_balancer_ingress(obj: &Value) -> bool {
    !array_at(obj, &["status", "loadBalancer", "ingress"]).is_empty()
}

/// Health of a `v1` Service: a LoadBalancer waits for an ingress point.
pub fn service(obj: &Value) -> HealthStatus {
    if str_at(obj, &["spec", "type"]) == "LoadBalancer" && !has_load_balancer_ingress(obj) {
        return HealthStatus::progressing("");
    }
    HealthStatus::healthy("")
}

/// Health of an Ingress (any version): healthy once it has a load-balancer ingress.
pub fn ingress(obj: &Value) -> HealthStatus {
    if has_load_balancer_ingress(obj) {
        HealthStatus::healthy("")
    } else {
        HealthStatus::progressing("")
    }
}

/// Health of a `v1` PersistentVolumeClaim, from its phase.
pub fn persistent_volume_claim(obj: &Value) -> HealthStatus {
    match str_at(obj, &["status", "phase"]) {
        "Lost" => HealthStatus::degraded(""),
        "Pending" => HealthStatus::progressing(""),
        "Bound" => HealthStatus::healthy(""),
        _ => HealthStatus::unknown(""),
    }
}

/// Health of an APIService, from its `Available` condition.
pub fn api_service(obj: &Value) -> HealthStatus {
    match find_condition(conditions(obj), "Available") {
        Some(c) => {
            let message = format!("{}: {}", str_at(c, &["reason"]), str_at(c, &["message"]));
            if str_at(c, &["status"]) == "True" {
                HealthStatus::healthy(message)
            } else {
                HealthStatus::progressing(message)
            }
        }
        None => HealthStatus::progressing("Waiting to be processed"),
    }
}
