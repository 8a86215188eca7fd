//! HorizontalPodAutoscalers (`autoscaling/v1` and `autoscaling/v2`).

use serde_json::Value;

use crate::health::status::HealthStatus;
use crate::object::annotation;
use crate::object::path::{conditions, str_at};

/// Annotation in which `autoscaling/v1` objects carry their conditions as JSON.
const V1_CONDITIONS_ANNOTATION: &str = "autoscaling.alpha.kubernetes.io/conditions";

/// (type, reason) pairs that mean the autoscaler cannot do its job, whatever the status.
const DEGRADING: [(&str, &str); 8] = [
    ("AbleToScale", "FailedGetScale"),
    ("AbleToScale", "FailedUpdateScale"),
    ("ScalingActive", "FailedGetResourceMetric"),
    ("ScalingActive", "InvalidSelector"),
    ("ScalingActive", "FailedGetObjectMetric"),
    ("ScalingActive", "FailedGetPodsMetric"),
    ("ScalingActive", "FailedGetExternalMetric"),
    ("ScalingActive", "FailedComputeMetricsReplicas"),
];

fn is_degrading(condition: &Value) -> bool {
    let pair = (str_at(condition, &["type"]), str_at(condition, &["reason"]));
    DEGRADING.contains(&pair)
}

fn is_healthy(condition: &Value) -> bool {
    matches!(
        str_at(condition, &["type"]),
        "AbleToScale" | "ScalingLimited"
    ) && str_at(condition, &["status"]) == "True"
}

/// Health from a list of HPA conditions: any degrading one first, then any healthy
/// one, else waiting.
fn judge(conditions: &[Value]) -> HealthStatus {
    if let Some(c) = conditions.iter().find(|c| is_degrading(c)) {
        return HealthStatus::degraded(str_at(c, &["message"]));
    }
    if let Some(c) = conditions.iter().find(|c| is_healthy(c)) {
        return HealthStatus::healthy(str_at(c, &["message"]));
    }
    HealthStatus::progressing("Waiting to Autoscale")
}

/// Health of an HPA; `version` is `v1` or `v2` (the caller rejects others). `v1`
/// objects carry their conditions as JSON in an annotation.
pub fn hpa(obj: &Value, version: &str) -> HealthStatus {
    if version != "v1" {
        return judge(conditions(obj));
    }
    match annotation(obj, V1_CONDITIONS_ANNOTATION) {
        None => judge(&[]),
        Some(text) => match serde_json::from_str::<Vec<Value>>(text) {
            Ok(list) => judge(&list),
            Err(err) => HealthStatus::unknown(format!(
                "cannot parse annotation {V1_CONDITIONS_ANNOTATION}: {err}"
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::status::HealthStatusCode;
    use serde_json::json;

    #[test]
    fn bad_v1_annotation_is_unknown() {
        let obj = json!({"metadata": {"annotations": {V1_CONDITIONS_ANNOTATION: "{not json"}}});
        let h = hpa(&obj, "v1");
        assert_eq!(h.status, HealthStatusCode::Unknown);
        assert!(h.message.contains(V1_CONDITIONS_ANNOTATION));
    }

    #[test]
    fn degrading_condition_wins_over_healthy_one() {
        let obj = json!({"status": {"conditions": [
            {"type": "AbleToScale", "status": "True", "message": "ok"},
            {"type": "ScalingActive", "status": "False", "reason": "FailedGetPodsMetric", "message": "no metrics"}]}});
        assert_eq!(hpa(&obj, "v2"), HealthStatus::degraded("no metrics"));
    }
}
