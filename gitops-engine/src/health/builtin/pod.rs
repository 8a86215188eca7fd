//! Pods (`v1`).

use serde_json::Value;

use crate::health::hook::is_hook;
use crate::health::status::HealthStatus;
use crate::object::annotation;
use crate::object::path::{array_at, as_int, at, conditions, find_condition, str_at};

/// Whether the pod is judged as long-running: `restartPolicy: Always`, or a non-hook
/// pod annotated `argocd.argoproj.io/ignore-restart-policy: "true"`.
fn is_long_running(pod: &Value) -> bool {
    str_at(pod, &["spec", "restartPolicy"]) == "Always"
        || (annotation(pod, "argocd.argoproj.io/ignore-restart-policy") == Some("true")
            && !is_hook(pod))
}

/// A waiting reason that means the container cannot start (CrashLoopBackOff,
/// ImagePullBackOff, ErrImagePull, CreateContainerConfigError, ...).
fn is_failing_wait_reason(reason: &str) -> bool {
    reason.starts_with("Err") || reason.ends_with("Error") || reason.ends_with("BackOff")
}

/// The failure text of a terminated container, or `""`.
fn terminated_message(container: &Value) -> String {
    let Some(terminated) = at(container, &["state", "terminated"]).filter(|t| t.is_object()) else {
        return String::new();
    };
    let message = str_at(terminated, &["message"]);
    if !message.is_empty() {
        return message.to_string();
    }
    if str_at(terminated, &["reason"]) == "OOMKilled" {
        return "OOMKilled".to_string();
    }
    match at(terminated, &["exitCode"]).and_then(as_int) {
        Some(code) if code != 0 => format!(
            "container {:?} failed with exit code {code}",
            str_at(container, &["name"])
        ),
        _ => String::new(),
    }
}

/// Health of a `v1` Pod.
pub fn pod(pod: &Value) -> HealthStatus {
    let long_running = is_long_running(pod);
    let containers = array_at(pod, &["status", "containerStatuses"]);
    if long_running {
        let waiting_messages: Vec<&str> = containers
            .iter()
            .filter_map(|c| at(c, &["state", "waiting"]).filter(|w| w.is_object()))
            .filter(|w| is_failing_wait_reason(str_at(w, &["reason"])))
            .map(|w| str_at(w, &["message"]))
            .collect();
        if !waiting_messages.is_empty() {
            return HealthStatus::degraded(waiting_messages.join(", "));
        }
    }
    let status_message = str_at(pod, &["status", "message"]);
    match str_at(pod, &["status", "phase"]) {
        "Pending" => HealthStatus::progressing(status_message),
        "Succeeded" => HealthStatus::healthy(status_message),
        "Failed" => {
            if !status_message.is_empty() {
                return HealthStatus::degraded(status_message);
            }
            let message = array_at(pod, &["status", "initContainerStatuses"])
                .iter()
                .chain(containers)
                .map(terminated_message)
                .find(|m| !m.is_empty())
                .unwrap_or_default();
            HealthStatus::degraded(message)
        }
        "Running" if long_running => {
            let ready = find_condition(conditions(pod), "Ready")
                .is_some_and(|c| str_at(c, &["status"]) == "True");
            if ready {
                HealthStatus::healthy(status_message)
            } else if containers
                .iter()
                .any(|c| at(c, &["lastState", "terminated"]).is_some_and(Value::is_object))
            {
                HealthStatus::degraded(status_message)
            } else {
                HealthStatus::progressing(status_message)
            }
        }
        "Running"
            if matches!(
                str_at(pod, &["spec", "restartPolicy"]),
                "OnFailure" | "Never"
            ) =>
        {
            HealthStatus::progressing(status_message)
        }
        _ => HealthStatus::unknown(status_message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::status::HealthStatusCode;
    use serde_json::json;

    #[test]
    fn oom_killed_init_container_is_reported_first() {
        let p = json!({"spec": {"restartPolicy": "Never"}, "status": {"phase": "Failed",
            "initContainerStatuses": [{"name": "init", "state": {"terminated": {"reason": "OOMKilled", "exitCode": 137}}}],
            "containerStatuses": [{"name": "main", "state": {"terminated": {"exitCode": 1}}}]}});
        assert_eq!(pod(&p), HealthStatus::degraded("OOMKilled"));
    }

    #[test]
    fn running_pod_with_previous_termination_is_degraded() {
        let p = json!({"spec": {"restartPolicy": "Always"}, "status": {"phase": "Running",
            "containerStatuses": [{"name": "main", "lastState": {"terminated": {"exitCode": 1}}}]}});
        assert_eq!(pod(&p).status, HealthStatusCode::Degraded);
    }
}
