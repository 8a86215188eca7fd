//! The engine's built-in health rules for Kubernetes kinds, dispatched on group and kind.

mod argo;
mod hpa;
mod job;
mod network;
mod pod;
mod typed;
mod workloads;

use serde_json::Value;

use crate::health::status::HealthStatus;
use crate::object::{group_version, gvk_string, kind};

pub(crate) use argo::application;

/// `Unknown` "unsupported <label> GVK: <group>/<version>, Kind=<Kind>".
fn unsupported(label: &str, obj: &Value) -> HealthStatus {
    HealthStatus::unknown(format!("unsupported {label} GVK: {}", gvk_string(obj)))
}

/// Applies `rule` when the object's version is one of `versions` and the fields it
/// reads have the right types; otherwise `Unknown` saying why.
fn versioned(
    obj: &Value,
    versions: &[&str],
    (label, fields): (&str, &[typed::Field]),
    rule: fn(&Value) -> HealthStatus,
) -> HealthStatus {
    if !versions.contains(&group_version(obj).1) {
        return unsupported(label, obj);
    }
    typed::check(obj, label, fields).unwrap_or_else(|| rule(obj))
}

const V1: &[&str] = &["v1"];

/// The built-in health of `obj`, or `None` when the engine has no rule for its kind.
pub fn health(obj: &Value) -> Option<HealthStatus> {
    let (group, version) = group_version(obj);
    let kind = kind(obj).unwrap_or_default();
    Some(match (group, kind) {
        ("apps", "Deployment") => {
            versioned(obj, V1, (kind, typed::DEPLOYMENT), workloads::deployment)
        }
        ("apps", "StatefulSet") => versioned(
            obj,
            V1,
            (kind, typed::STATEFUL_SET),
            workloads::stateful_set,
        ),
        ("apps", "ReplicaSet") => {
            versioned(obj, V1, (kind, typed::REPLICA_SET), workloads::replica_set)
        }
        ("apps", "DaemonSet") => {
            versioned(obj, V1, (kind, typed::DAEMON_SET), workloads::daemon_set)
        }
        ("extensions" | "networking.k8s.io", "Ingress") => network::ingress(obj),
        ("argoproj.io", "Workflow") => argo::workflow(obj),
        ("apiregistration.k8s.io", "APIService") => {
            let fields = (kind, typed::CONDITIONS_ONLY);
            versioned(obj, &["v1", "v1beta1"], fields, network::api_service)
        }
        ("", "Service") => versioned(obj, V1, (kind, typed::SERVICE), network::service),
        ("", "PersistentVolumeClaim") => versioned(
            obj,
            V1,
            (kind, typed::PVC),
            network::persistent_volume_claim,
        ),
        ("", "Pod") => versioned(obj, V1, (kind, typed::POD), pod::pod),
        ("batch", "Job") => versioned(obj, V1, (kind, typed::CONDITIONS_ONLY), job::job),
        ("autoscaling", "HorizontalPodAutoscaler") => match version {
            "v1" | "v2" => typed::check(obj, kind, typed::CONDITIONS_ONLY)
                .unwrap_or_else(|| hpa::hpa(obj, version)),
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
    fn wrongly_typed_fields_are_unknown() {
        let d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"replicas": "3"}});
        assert_eq!(
            health(&d),
            Some(HealthStatus::unknown(
                "failed to convert unstructured Deployment to typed: spec.replicas: expected an integer, got a string"
            ))
        );
        let p = json!({"apiVersion": "v1", "kind": "Pod", "spec": {"restartPolicy": null},
            "status": {"phase": "Running", "containerStatuses": {}}});
        assert_eq!(
            health(&p).map(|h| h.status),
            Some(HealthStatusCode::Unknown)
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
