//! The engine's built-in health rules for Kubernetes kinds, dispatched on group and kind.

mod argo;
mod hpa;
mod job;
mod network;
mod pod;
mod workloads;

use serde_json::Value;

use crate::health::object::{group_version, gvk_string, kind};
use crate::health::status::HealthStatus;

pub(crate) use argo::application;

/// `Unknown` "unsupported <label> GVK: <group>/<version>, Kind=<Kind>".
fn unsupported(label: &str, obj: &Value) -> HealthStatus {
    HealthStatus::unknown(format!("unsupported {label} GVK: {}", gvk_string(obj)))
}

/// Applies `rule` when the object's version is one of `versions`, else reports the
/// GVK as unsupported.
fn versioned(
    obj: &Value,
    versions: &[&str],
    label: &str,
    rule: fn(&Value) -> HealthStatus,
) -> HealthStatus {
    if versions.contains(&group_version(obj).1) {
        rule(obj)
    } else {
        unsupported(label, obj)
    }
}

/// The built-in health of `obj`, or `None` when the engine has no rule for its kind.
pub fn health(obj: &Value) -> Option<HealthStatus> {
    let (group, version) = group_version(obj);
    let kind = kind(obj);
    Some(match (group, kind) {
        ("apps", "Deployment") => versioned(obj, &["v1"], kind, workloads::deployment),
        ("apps", "StatefulSet") => versioned(obj, &["v1"], kind, workloads::stateful_set),
        ("apps", "ReplicaSet") => versioned(obj, &["v1"], kind, workloads::replica_set),
        ("apps", "DaemonSet") => versioned(obj, &["v1"], kind, workloads::daemon_set),
        ("extensions" | "networking.k8s.io", "Ingress") => network::ingress(obj),
        ("argoproj.io", "Workflow") => argo::workflow(obj),
        ("apiregistration.k8s.io", "APIService") => {
            versioned(obj, &["v1", "v1beta1"], kind, network::api_service)
        }
        ("", "Service") => versioned(obj, &["v1"], kind, network::service),
        ("", "PersistentVolumeClaim") => {
            versioned(obj, &["v1"], kind, network::persistent_volume_claim)
        }
        ("", "Pod") => versioned(obj, &["v1"], kind, pod::pod),
        ("batch", "Job") => versioned(obj, &["v1"], kind, job::job),
        ("autoscaling", "HorizontalPodAutoscaler") => match version {
            "v1" | "v2" => hpa::hpa(obj, version),
            _ => unsupported("HPA", obj),
        },
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::status::HealthStatusCode;
    use serde_json::json;

    #[test]
    fn unsupported_versions_are_unknown() {
        let d = json!({"apiVersion": "apps/v1beta2", "kind": "Deployment"});
        assert_eq!(
            health(&d),
            Some(HealthStatus::unknown(
                "unsupported Deployment GVK: apps/v1beta2, Kind=Deployment"
            ))
        );
    }

    #[test]
    fn kinds_without_rule_have_no_health() {
        for (api_version, kind) in [("v1", "ConfigMap"), ("argoproj.io/v1alpha1", "Application")] {
            assert_eq!(
                health(&json!({"apiVersion": api_version, "kind": kind})),
                None
            );
        }
        let svc = json!({"apiVersion": "v1", "kind": "Service"});
        assert_eq!(
            health(&svc).map(|h| h.status),
            Some(HealthStatusCode::Healthy)
        );
    }
}
