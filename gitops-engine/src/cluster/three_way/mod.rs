//! The patch of kubectl-style client-side apply: the last-applied
//! annotation as kubectl records it, and the three-way patch `kubectl apply`
//! sends to update an existing object (a strategic merge patch for built-in
//! kinds, see [`strategic`], a JSON merge patch for custom resources).

mod strategic;

use serde_json::{Map, Value};

use crate::diff::LAST_APPLIED_ANNOTATION;
use crate::object::Gvk;

pub use strategic::{StrategicPatchError, three_way_strategic_patch};

/// The manifest with its `last-applied-configuration` annotation set to
/// itself (without that annotation but with an `annotations` map, possibly
/// empty), encoded as kubectl's Go JSON encoder does: sorted keys, `<`, `>`
/// and `&` escaped, a trailing newline.
pub fn last_applied_annotated(desired: &Value) -> Value {
    let mut out = desired.clone();
    if !out["metadata"]["annotations"].is_object() {
        out["metadata"]["annotations"] = Value::Object(Map::new());
    }
    if let Some(annotations) = out["metadata"]["annotations"].as_object_mut() {
        annotations.remove(LAST_APPLIED_ANNOTATION);
    }
    let recorded = go_json(&out);
    out["metadata"]["annotations"][LAST_APPLIED_ANNOTATION] = recorded.into();
    out
}

/// `value` as Go's `json.Encoder` writes it.
fn go_json(value: &Value) -> String {
    let mut sorted = value.clone();
    sorted.sort_all_objects();
    let mut text = String::new();
    for c in sorted.to_string().chars() {
        match c {
            '<' => text.push_str("\\u003c"),
            '>' => text.push_str("\\u003e"),
            '&' => text.push_str("\\u0026"),
            '\u{2028}' => text.push_str("\\u2028"),
            '\u{2029}' => text.push_str("\\u2029"),
            c => text.push(c),
        }
    }
    text.push('\n');
    text
}

/// The patch `kubectl apply` sends to update an existing object.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientSidePatch {
    /// `application/strategic-merge-patch+json` (built-in kinds).
    Strategic(Value),
    /// `application/merge-patch+json` (custom resources).
    Merge(Value),
}

impl ClientSidePatch {
    /// The patch body.
    pub fn body(&self) -> &Value {
        match self {
            ClientSidePatch::Strategic(p) | ClientSidePatch::Merge(p) => p,
        }
    }

    /// Whether the patch changes nothing (`{}`), when kubectl sends nothing.
    pub fn is_empty(&self) -> bool {
        self.body().as_object().is_some_and(Map::is_empty)
    }
}

/// The three-way patch from `live` to `modified` (the manifest with its
/// last-applied annotation, see [`last_applied_annotated`]), deleting what
/// live's previous last-applied configuration had and `modified` dropped.
pub fn client_side_patch(
    modified: &Value,
    live: &Value,
) -> Result<ClientSidePatch, StrategicPatchError> {
    let original = live["metadata"]["annotations"][LAST_APPLIED_ANNOTATION]
        .as_str()
        .and_then(|s| serde_json::from_str::<Value>(s).ok());
    if Gvk::named_by(modified).is_built_in() {
        three_way_strategic_patch(original.as_ref(), modified, live).map(ClientSidePatch::Strategic)
    } else {
        Ok(ClientSidePatch::Merge(three_way_merge_patch(
            original.as_ref(),
            modified,
            live,
        )))
    }
}

/// The JSON merge patch kubectl computes for custom resources: additions and
/// changes from `live` to `desired` (no deletions), plus the fields
/// `original` had and `desired` dropped, set to `null`. Lists are replaced
/// as a whole.
pub fn three_way_merge_patch(original: Option<&Value>, desired: &Value, live: &Value) -> Value {
    let empty = Value::Object(Map::new());
    let mut patch = keep_nulls(merge_diff(original.unwrap_or(&empty), desired), true);
    let changes = keep_nulls(merge_diff(live, desired), false);
    json_patch::merge(&mut patch, &changes);
    patch
}

/// The RFC 7386 merge patch from `from` to `to`.
fn merge_diff(from: &Value, to: &Value) -> Value {
    let (Some(from), Some(to)) = (from.as_object(), to.as_object()) else {
        return to.clone();
    };
    let mut patch = Map::new();
    for (key, want) in to {
        match from.get(key) {
            Some(have) if have.is_object() && want.is_object() => {
                let sub = merge_diff(have, want);
                if sub.as_object().is_some_and(|m| !m.is_empty()) {
                    patch.insert(key.clone(), sub);
                }
            }
            Some(have) if have == want => {}
            _ => {
                patch.insert(key.clone(), want.clone());
            }
        }
    }
    for key in from.keys().filter(|k| !to.contains_key(*k)) {
        patch.insert(key.clone(), Value::Null);
    }
    Value::Object(patch)
}

/// Only the deletions (`nulls: true`) or only the additions and changes of
/// a merge patch; a non-empty map that keeps nothing is dropped, an empty
/// map is a value (kept with the changes).
fn keep_nulls(patch: Value, nulls: bool) -> Value {
    let Value::Object(map) = patch else {
        return patch;
    };
    let mut kept = Map::new();
    for (key, value) in map {
        match value {
            Value::Null if nulls => {
                kept.insert(key, Value::Null);
            }
            Value::Null => {}
            Value::Object(m) if m.is_empty() && !nulls => {
                kept.insert(key, Value::Object(m));
            }
            Value::Object(m) if m.is_empty() => {}
            Value::Object(m) => {
                let sub = keep_nulls(Value::Object(m), nulls);
                if sub.as_object().is_some_and(|m| !m.is_empty()) {
                    kept.insert(key, sub);
                }
            }
            other if !nulls => {
                kept.insert(key, other);
            }
            _ => {}
        }
    }
    Value::Object(kept)
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
