//! Argo CD's tracking normalisation: with annotation-based tracking, the
//! legacy instance label and a missing tracking-id on live objects must not
//! make resources OutOfSync.

use serde_json::{Map, Value};

use crate::object::Gvk;

/// The annotation that records which application tracks an object.
pub const TRACKING_ID_ANNOTATION: &str = "argocd.argoproj.io/tracking-id";

/// The default instance label key (`application.instanceLabelKey`).
pub const DEFAULT_INSTANCE_LABEL: &str = "app.kubernetes.io/instance";

/// Settings of the tracking normalisation, used when the tracking method is
/// `annotation` or `annotation+label`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnnotationTracking {
    /// The instance label key (`app.kubernetes.io/instance` when empty).
    pub instance_label_key: String,
}

impl AnnotationTracking {
    fn label_key(&self) -> &str {
        if self.instance_label_key.is_empty() {
            DEFAULT_INSTANCE_LABEL
        } else {
            &self.instance_label_key
        }
    }

    /// On a live object that is not a CustomResourceDefinition: if it has
    /// the instance label but no tracking-id, desired's tracking-id is
    /// copied onto it; if desired has no instance label, live's is removed.
    pub(crate) fn normalize(&self, desired: &Value, live: &mut Value) {
        if Gvk::named_by(live).is("apiextensions.k8s.io", "CustomResourceDefinition") {
            return;
        }
        let key = self.label_key();
        let label = |obj: &Value| {
            obj.pointer("/metadata/labels")
                .and_then(|l| l.get(key))
                .cloned()
        };
        let annotation = |obj: &Value| {
            obj.pointer("/metadata/annotations")
                .and_then(|a| a.get(TRACKING_ID_ANNOTATION))
                .cloned()
        };
        let copy_id = label(live).is_some() && annotation(live).is_none();
        let drop_label = label(desired).is_none();
        let Some(meta) = live.get_mut("metadata").and_then(Value::as_object_mut) else {
            return;
        };
        if copy_id && let Some(id) = annotation(desired) {
            let annotations = meta
                .entry("annotations")
                .or_insert_with(|| Value::Object(Map::new()));
            if !annotations.is_object() {
                *annotations = Value::Object(Map::new());
            }
            if let Some(a) = annotations.as_object_mut() {
                a.insert(TRACKING_ID_ANNOTATION.to_string(), id);
            }
        }
        if drop_label && let Some(labels) = meta.get_mut("labels").and_then(Value::as_object_mut) {
            labels.shift_remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(labels: Value, annotations: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": labels, "annotations": annotations}})
    }

    #[test]
    fn migrating_from_label_tracking() {
        let desired = obj(
            json!({}),
            json!({TRACKING_ID_ANNOTATION: "app:/ConfigMap:ns/c"}),
        );
        let mut live = obj(json!({DEFAULT_INSTANCE_LABEL: "app", "x": "1"}), json!({}));
        AnnotationTracking::default().normalize(&desired, &mut live);
        assert_eq!(
            live["metadata"]["annotations"][TRACKING_ID_ANNOTATION],
            "app:/ConfigMap:ns/c"
        );
        assert_eq!(live["metadata"]["labels"], json!({"x": "1"}));
    }

    #[test]
    fn label_kept_when_desired_has_it_and_custom_key() {
        let tracking = AnnotationTracking {
            instance_label_key: "team/app".into(),
        };
        let desired = obj(json!({"team/app": "a"}), json!({}));
        let mut live = obj(
            json!({"team/app": "a"}),
            json!({TRACKING_ID_ANNOTATION: "old"}),
        );
        tracking.normalize(&desired, &mut live);
        assert_eq!(live["metadata"]["labels"], json!({"team/app": "a"}));
        assert_eq!(
            live["metadata"]["annotations"][TRACKING_ID_ANNOTATION],
            "old"
        );
    }

    #[test]
    fn crds_are_left_alone() {
        let desired = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": {}});
        let mut live = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"labels": {DEFAULT_INSTANCE_LABEL: "a"}}});
        let before = live.clone();
        AnnotationTracking::default().normalize(&desired, &mut live);
        assert_eq!(live, before);
    }
}
