//! HorizontalPodAutoscalers (`autoscaling/v1` and `autoscaling/v2`).

use serde_json::Value;

use crate::health::object::{annotation, conditions, str_at};
use crate::health::status::HealthStatus;

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

/// Health of an HPA; `version` is `v1` or `v2` (the caller rejects others).
pub fn hpa(obj: &Value, version: &str) -> HealthStatus {
    let parsed;
    let conditions: &[Value] = if version == "v1" {
        match annotation(obj, V1_CONDITIONS_ANNOTATION) {
            None => &[],
            Some(text) => match serde_json::from_str::<Vec<Value>>(text) {
                Ok(list) => {
                    parsed = list;
                    &parsed
                }
                Err(err) => {
                    return HealthStatus::unknown(format!(
                        "cannot parse annotation {V1_CONDITIONS_ANNOTATION}: {err}"
                    ));
                }
            },
        }
    } else {
        conditions(obj)
    };
    if let Some(c) = conditions.iter().find(|c| is_degrading(c)) {
        return HealthStatus::degraded(str_at(c, &["message"]));
    }
    if let Some(c) = conditions.iter().find(|c| is_healthy(c)) {
        return HealthStatus::healthy(str_at(c, &["message"]));
    }
    HealthStatus::progressing("Waiting to Autoscale")
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
