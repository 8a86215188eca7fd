//! The three-way merge patch of kubectl-style client-side apply.

use serde_json::{Map, Value};

use crate::diff::LAST_APPLIED_ANNOTATION;

/// The manifest with its `last-applied-configuration` annotation set to
/// itself (compact JSON, without that annotation but with an `annotations`
/// map, possibly empty), as kubectl records it.
pub fn last_applied_annotated(desired: &Value) -> Value {
    let mut out = desired.clone();
    if !out["metadata"]["annotations"].is_object() {
        out["metadata"]["annotations"] = Value::Object(Map::new());
    }
    if let Some(annotations) = out["metadata"]["annotations"].as_object_mut() {
        annotations.remove(LAST_APPLIED_ANNOTATION);
    }
    let recorded = out.to_string();
    out["metadata"]["annotations"][LAST_APPLIED_ANNOTATION] = recorded.into();
    out
}

/// The JSON merge patch that takes `live` to `desired` while removing what
/// the previously applied manifest (`original`) had and `desired` dropped:
/// fields only in `original` become `null`, fields of `desired` that differ
/// from `live` are set, and fields only `live` has (set by others) stay.
///
/// Lists are replaced as a whole, as kubectl does for custom resources (for
/// built-in types kubectl sends a strategic merge patch that merges some
/// lists by key instead).
pub fn three_way_merge_patch(original: Option<&Value>, desired: &Value, live: &Value) -> Value {
    let empty = Map::new();
    Value::Object(patch_maps(
        original.and_then(Value::as_object),
        desired.as_object().unwrap_or(&empty),
        live.as_object(),
    ))
}

fn patch_maps(
    original: Option<&Map<String, Value>>,
    desired: &Map<String, Value>,
    live: Option<&Map<String, Value>>,
) -> Map<String, Value> {
    let mut patch = Map::new();
    for key in original.into_iter().flat_map(Map::keys) {
        if !desired.contains_key(key) && live.is_some_and(|l| l.contains_key(key)) {
            patch.insert(key.clone(), Value::Null);
        }
    }
    for (key, want) in desired {
        let have = live.and_then(|l| l.get(key));
        match (want, have) {
            (Value::Object(want), Some(Value::Object(have))) => {
                let before = original.and_then(|o| o.get(key)).and_then(Value::as_object);
                let sub = patch_maps(before, want, Some(have));
                if !sub.is_empty() {
                    patch.insert(key.clone(), Value::Object(sub));
                }
            }
            _ if have != Some(want) => {
                patch.insert(key.clone(), want.clone());
            }
            _ => {}
        }
    }
    patch
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn removes_dropped_fields_keeps_foreign_ones_sets_changes() {
        let original = json!({"data": {"a": "1", "b": "2"}, "metadata": {"labels": {"x": "1"}}});
        let desired = json!({"data": {"a": "9"}, "metadata": {"labels": {"x": "1"}}});
        let live = json!({"data": {"a": "1", "b": "2", "c": "3"}, "metadata": {"labels": {"x": "1", "y": "2"}}});
        assert_eq!(
            three_way_merge_patch(Some(&original), &desired, &live),
            json!({"data": {"a": "9", "b": null}})
        );
    }

    #[test]
    fn without_original_nothing_is_removed() {
        let desired = json!({"data": {"a": "1"}});
        let live = json!({"data": {"a": "1", "b": "2"}});
        assert_eq!(three_way_merge_patch(None, &desired, &live), json!({}));
    }

    #[test]
    fn annotation_records_the_manifest_without_itself() {
        let desired = json!({"kind": "ConfigMap", "metadata": {"name": "c", "annotations": {LAST_APPLIED_ANNOTATION: "old"}}});
        let out = last_applied_annotated(&desired);
        let recorded: Value = serde_json::from_str(
            out["metadata"]["annotations"][LAST_APPLIED_ANNOTATION]
                .as_str()
                .expect("set"),
        )
        .expect("json");
        assert_eq!(
            recorded,
            json!({"kind": "ConfigMap", "metadata": {"name": "c", "annotations": {}}})
        );
    }
}
