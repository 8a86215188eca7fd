//! Writing an app's status back: a JSON merge patch holding only what
//! changed, so concurrent edits of the spec (or a refresh annotation set
//! meanwhile) are never overwritten, and no write happens when nothing but
//! timestamps would change (a write wakes the app's own watch).

use serde_json::{Map, Value, json};

use super::Shared;
use super::application_gvk;
use super::pass::REFRESH_ANNOTATION;
use crate::app::{Application, format_time};
use crate::cluster::{Cluster, ClusterError, ObjectRef, WriteOptions};

/// Status fields that change on every pass; a change of these alone is not
/// worth a write.
const TIMESTAMP_FIELDS: [&str; 2] = ["reconciledAt", "observedAt"];

/// Writes `app.status` over the status of `object` (the app as last read or
/// written in this pass, updated to the stored result); also removes a
/// pending `operation` once it is taken over, and the refresh annotation
/// when `clear_refresh`.
pub(crate) async fn write_status(
    shared: &Shared,
    app: &Application,
    object: &mut Value,
    clear_refresh: bool,
) -> Result<(), ClusterError> {
    let status = app.to_value().get("status").cloned().unwrap_or(json!({}));
    let mut patch = Map::new();
    if object.get("operation").is_some_and(|op| !op.is_null()) && app.operation.is_none() {
        patch.insert("operation".into(), Value::Null);
    }
    if clear_refresh {
        patch.insert(
            "metadata".into(),
            json!({"annotations": {REFRESH_ANNOTATION: null}}),
        );
    }
    let old = object.get("status").cloned().unwrap_or(json!({}));
    if !only_timestamps_differ(&old, &status) {
        patch.insert("status".into(), merge_diff(&old, &status));
    }
    if patch.is_empty() {
        return Ok(());
    }
    let target = ObjectRef::of(object)?;
    *object = shared
        .cluster
        .merge_patch(&target, &Value::Object(patch), WriteOptions::default())
        .await?;
    Ok(())
}

/// Writes a raw status (for an app whose spec cannot be read).
pub(crate) async fn write_raw_status(
    shared: &Shared,
    object: &Value,
    status: Value,
) -> Result<(), ClusterError> {
    let old = object.get("status").cloned().unwrap_or(json!({}));
    if only_timestamps_differ(&old, &status) {
        return Ok(());
    }
    let target = ObjectRef {
        gvk: application_gvk(),
        namespace: object["metadata"]["namespace"]
            .as_str()
            .unwrap_or("")
            .to_owned(),
        name: object["metadata"]["name"].as_str().unwrap_or("").to_owned(),
    };
    shared
        .cluster
        .merge_patch(
            &target,
            &json!({"status": merge_diff(&old, &status)}),
            WriteOptions::default(),
        )
        .await
        .map(|_| ())
}

/// Sets a condition in a raw status value, keeping its transition time when
/// the message is unchanged.
pub(crate) fn set_raw_condition(status: &mut Value, kind: &str, message: &str) {
    if !status.is_object() {
        *status = json!({});
    }
    let conditions = status["conditions"].as_array().cloned().unwrap_or_default();
    let unchanged = conditions
        .iter()
        .any(|c| c["type"] == kind && c["message"] == message);
    if unchanged {
        return;
    }
    let mut kept: Vec<Value> = conditions
        .into_iter()
        .filter(|c| c["type"] != kind)
        .collect();
    kept.push(json!({
        "type": kind,
        "message": message,
        "lastTransitionTime": format_time(jiff::Timestamp::now()),
    }));
    status["conditions"] = Value::Array(kept);
}

fn only_timestamps_differ(old: &Value, new: &Value) -> bool {
    let strip = |v: &Value| {
        let mut v = v.clone();
        if let Some(map) = v.as_object_mut() {
            for field in TIMESTAMP_FIELDS {
                map.remove(field);
            }
        }
        v
    };
    strip(old) == strip(new)
}

/// The JSON merge patch (RFC 7386) turning `old` into `new`: changed and new
/// fields, `null` for removed ones; arrays and scalars are replaced whole.
fn merge_diff(old: &Value, new: &Value) -> Value {
    match (old, new) {
        (Value::Object(old), Value::Object(new)) => {
            let mut patch = Map::new();
            for (key, value) in new {
                match old.get(key) {
                    Some(before) if before == value => {}
                    Some(before) if before.is_object() && value.is_object() => {
                        patch.insert(key.clone(), merge_diff(before, value));
                    }
                    _ => {
                        patch.insert(key.clone(), value.clone());
                    }
                }
            }
            for key in old.keys().filter(|k| !new.contains_key(*k)) {
                patch.insert(key.clone(), Value::Null);
            }
            Value::Object(patch)
        }
        _ => new.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7386's merge algorithm, to check that a diff reproduces `new`.
    fn apply(target: &Value, patch: &Value) -> Value {
        let Value::Object(patch) = patch else {
            return patch.clone();
        };
        let mut out = target.as_object().cloned().unwrap_or_default();
        for (key, value) in patch {
            if value.is_null() {
                out.remove(key);
            } else {
                let merged = apply(out.get(key).unwrap_or(&Value::Null), value);
                out.insert(key.clone(), merged);
            }
        }
        Value::Object(out)
    }

    #[test]
    fn merge_diff_round_trips_through_rfc_7386() {
        let old = json!({"sync": {"status": "OutOfSync", "revision": "a"}, "health": {"status": "Healthy"},
                         "resources": [{"name": "x"}], "gone": {"k": 1}});
        let new = json!({"sync": {"status": "Synced", "revision": "a"}, "health": {"status": "Healthy"},
                         "resources": [{"name": "x"}, {"name": "y"}]});
        let patch = merge_diff(&old, &new);
        assert_eq!(
            patch,
            json!({"sync": {"status": "Synced"}, "resources": [{"name": "x"}, {"name": "y"}], "gone": null})
        );
        assert_eq!(apply(&old, &patch), new);
    }

    #[test]
    fn timestamps_alone_are_not_a_change() {
        let old = json!({"sync": {"status": "Synced"}, "reconciledAt": "2026-01-01T00:00:00Z"});
        let new = json!({"sync": {"status": "Synced"}, "reconciledAt": "2026-01-01T00:01:00Z"});
        assert!(only_timestamps_differ(&old, &new));
        let changed =
            json!({"sync": {"status": "OutOfSync"}, "reconciledAt": "2026-01-01T00:01:00Z"});
        assert!(!only_timestamps_differ(&old, &changed));
    }

    #[test]
    fn a_raw_condition_keeps_its_time_while_the_message_is_unchanged() {
        let mut status = json!({"conditions": [{"type": "InvalidSpecError", "message": "bad", "lastTransitionTime": "t0"}]});
        set_raw_condition(&mut status, "InvalidSpecError", "bad");
        assert_eq!(status["conditions"][0]["lastTransitionTime"], "t0");
        set_raw_condition(&mut status, "InvalidSpecError", "worse");
        assert_eq!(status["conditions"].as_array().map(Vec::len), Some(1));
        assert_eq!(status["conditions"][0]["message"], "worse");
    }
}
