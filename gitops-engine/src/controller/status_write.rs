//! Writing an app's status back: a JSON merge patch holding only what
//! changed, so concurrent edits of the spec (or a refresh annotation set
//! meanwhile) are never overwritten, and no write happens when nothing but
//! timestamps would change (a write wakes the app's own watch).

use serde_json::{Map, Value, json};

use super::Shared;
use crate::app::conditions::{self, INVALID_SPEC_ERROR};
use crate::app::store::REFRESH_ANNOTATION;
use crate::app::{Application, ApplicationCondition, format_time};
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
    if !only_timestamps_differ(&old, &status) || reconciled_before_last_operation(&old) {
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

/// Records `message` as the `InvalidSpecError` condition of an app whose
/// spec cannot be read, leaving the rest of its stored status alone.
pub(crate) async fn write_invalid_spec(
    shared: &Shared,
    object: &Value,
    message: &str,
) -> Result<(), ClusterError> {
    let now = format_time(jiff::Timestamp::now());
    let Some(conditions) = invalid_spec_conditions(&object["status"], message, &now) else {
        return Ok(());
    };
    shared
        .cluster
        .merge_patch(
            &ObjectRef::of(object)?,
            &json!({"status": {"conditions": conditions}}),
            WriteOptions::default(),
        )
        .await
        .map(|_| ())
}

/// The stored conditions with `InvalidSpecError` set to `message` (its
/// transition time kept while the message is unchanged), or `None` when
/// that changes nothing.
fn invalid_spec_conditions(status: &Value, message: &str, now: &str) -> Option<Value> {
    let old = status.get("conditions").cloned().unwrap_or(Value::Null);
    let mut list: Vec<ApplicationCondition> =
        serde_json::from_value(old.clone()).unwrap_or_default();
    conditions::set(&mut list, INVALID_SPEC_ERROR, message, now);
    let new = serde_json::to_value(list).ok()?;
    (new != old).then_some(new)
}

/// Whether the stored status was compared before its last operation ended:
/// clients (`gitops app sync`, `argocd app sync`) wait for a `reconciledAt`
/// at or after `finishedAt` before trusting the sync status.
fn reconciled_before_last_operation(status: &Value) -> bool {
    let finished = status["operationState"]["finishedAt"].as_str();
    let reconciled = status["reconciledAt"].as_str();
    // RFC 3339 UTC times with whole seconds compare as text.
    matches!((finished, reconciled), (Some(f), Some(r)) if r < f)
        || (finished.is_some() && reconciled.is_none())
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
    fn a_comparison_older_than_the_last_operation_is_rewritten() {
        let stale = json!({"reconciledAt": "2026-01-01T00:00:00Z",
                           "operationState": {"finishedAt": "2026-01-01T00:00:05Z"}});
        assert!(reconciled_before_last_operation(&stale));
        let fresh = json!({"reconciledAt": "2026-01-01T00:00:05Z",
                           "operationState": {"finishedAt": "2026-01-01T00:00:05Z"}});
        assert!(!reconciled_before_last_operation(&fresh));
        assert!(!reconciled_before_last_operation(
            &json!({"reconciledAt": "2026-01-01T00:00:00Z"})
        ));
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
    fn an_invalid_spec_condition_keeps_its_time_while_the_message_is_unchanged() {
        let status = json!({"conditions": [{"type": "InvalidSpecError", "message": "bad", "lastTransitionTime": "t0"}]});
        assert_eq!(invalid_spec_conditions(&status, "bad", "t1"), None);
        let worse = invalid_spec_conditions(&status, "worse", "t1").expect("changed");
        assert_eq!(worse.as_array().map(Vec::len), Some(1));
        assert_eq!(worse[0]["message"], "worse");
        assert_eq!(worse[0]["lastTransitionTime"], "t1");
    }
}
