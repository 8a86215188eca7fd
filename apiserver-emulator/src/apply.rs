//! Server-side apply (`application/apply-patch+yaml`), approximated.
//!
//! What is modelled: each field manager's applied fields are recorded in
//! `metadata.managedFields` (operation `Apply`, `fieldsType: FieldsV1`); a new
//! apply removes the fields its manager applied before and applies no longer
//! (unless another applier also owns them), then merges the applied
//! configuration into the live object with strategic merge (associative lists
//! of built-in types merge by key); a field another `Apply` manager owns with a
//! different value is a conflict (`409`) unless `force=true`, which transfers
//! ownership.
//!
//! What is approximated: ownership is tracked per map field, and every list is
//! owned as a whole (no `k:`/`v:` element keys), so an element dropped from an
//! associative list stays until the list is replaced by another writer;
//! `Update` operations (PUT, other patches) record no managed fields and so
//! never conflict; the result is not validated against a schema.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::meta::now;
use crate::patch::strategic;

/// A path of map keys from the object's root to an owned field.
type FieldPath = Vec<String>;

/// Who applies and whether conflicts are overridden.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyOptions {
    /// The `fieldManager` query parameter (required for apply).
    pub manager: String,
    /// The `force` query parameter.
    pub force: bool,
}

/// The object that results from applying `applied` over `live` (or creating
/// it when `live` is `None`), with its `managedFields` updated.
pub fn server_side_apply(
    live: Option<&Value>,
    applied: &Value,
    opts: &ApplyOptions,
) -> Result<Value, ApiError> {
    if !applied.is_object() {
        return Err(ApiError::bad_request(
            "the applied configuration is not an object",
        ));
    }
    let mut applied = applied.clone();
    if let Some(m) = applied.as_object_mut() {
        m.remove("status");
    }
    let new_fields = leaves(&applied);
    let api_version = applied["apiVersion"].clone();
    let Some(live) = live else {
        let mut obj = applied;
        obj["metadata"]["managedFields"] = json!([entry(&opts.manager, &api_version, &new_fields)]);
        return Ok(obj);
    };
    let mut managers: Vec<Value> = live["metadata"]["managedFields"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let is_mine = |e: &Value| {
        e["manager"].as_str() == Some(&opts.manager) && e["operation"].as_str() == Some("Apply")
    };
    let others_apply = |e: &Value| !is_mine(e) && e["operation"].as_str() == Some("Apply");

    let mut conflicts = Vec::new();
    for other in managers.iter_mut().filter(|e| others_apply(e)) {
        let mut owned = from_fields_v1(&other["fieldsV1"]);
        let contested: Vec<FieldPath> = owned
            .iter()
            .filter(|p| new_fields.contains(*p) && value_at(live, p) != value_at(&applied, p))
            .cloned()
            .collect();
        if contested.is_empty() {
            continue;
        }
        if opts.force {
            owned.retain(|p| !contested.contains(p));
            other["fieldsV1"] = to_fields_v1(&owned);
        } else {
            let name = other["manager"].as_str().unwrap_or("").to_owned();
            conflicts.extend(
                contested
                    .iter()
                    .map(|p| format!("conflict with {name:?}: .{}", p.join("."))),
            );
        }
    }
    if !conflicts.is_empty() {
        return Err(ApiError::apply_conflict(&conflicts));
    }

    let previous = managers
        .iter()
        .find(|e| is_mine(e))
        .map(|e| from_fields_v1(&e["fieldsV1"]))
        .unwrap_or_default();
    let kept_by_others: BTreeSet<FieldPath> = managers
        .iter()
        .filter(|e| others_apply(e))
        .flat_map(|e| from_fields_v1(&e["fieldsV1"]))
        .collect();
    let mut pruned = live.clone();
    for path in previous
        .difference(&new_fields)
        .filter(|p| !kept_by_others.contains(*p))
    {
        remove_at(&mut pruned, path);
    }
    let mut merged = strategic(&pruned, &applied)?;
    managers.retain(|e| !is_mine(e));
    managers.push(entry(&opts.manager, &api_version, &new_fields));
    merged["metadata"]["managedFields"] = Value::Array(managers);
    Ok(merged)
}

/// A `managedFields` entry for an apply.
fn entry(manager: &str, api_version: &Value, fields: &BTreeSet<FieldPath>) -> Value {
    json!({
        "manager": manager,
        "operation": "Apply",
        "apiVersion": api_version,
        "time": now(),
        "fieldsType": "FieldsV1",
        "fieldsV1": to_fields_v1(fields),
    })
}

/// Identity fields every apply names and nobody removes.
fn is_identity(path: &[String]) -> bool {
    matches!(
        path.iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice(),
        ["apiVersion"]
            | ["kind"]
            | ["metadata", "name"]
            | ["metadata", "namespace"]
            | ["metadata", "resourceVersion"]
            | ["metadata", "managedFields"]
    )
}

/// The owned fields of an applied configuration: every path to a scalar, a
/// list or an empty map.
fn leaves(obj: &Value) -> BTreeSet<FieldPath> {
    fn walk(v: &Value, path: &mut FieldPath, out: &mut BTreeSet<FieldPath>) {
        match v {
            Value::Object(m) if !m.is_empty() => {
                for (k, child) in m {
                    path.push(k.clone());
                    walk(child, path, out);
                    path.pop();
                }
            }
            _ if !is_identity(path) => {
                out.insert(path.clone());
            }
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    walk(obj, &mut Vec::new(), &mut out);
    out
}

/// The `FieldsV1` form (`{"f:spec": {"f:replicas": {}}}`) of a set of paths.
fn to_fields_v1(fields: &BTreeSet<FieldPath>) -> Value {
    let mut root = Map::new();
    for path in fields {
        let mut node = &mut root;
        for k in path {
            let child = node
                .entry(format!("f:{k}"))
                .or_insert_with(|| Value::Object(Map::new()));
            let Value::Object(m) = child else { break };
            node = m;
        }
    }
    Value::Object(root)
}

/// The paths a `FieldsV1` value owns; element keys (`k:`, `v:`, `i:`) make
/// their list owned as a whole.
fn from_fields_v1(v: &Value) -> BTreeSet<FieldPath> {
    fn walk(v: &Value, path: &mut FieldPath, out: &mut BTreeSet<FieldPath>) {
        let fields: Vec<(&String, &Value)> = v
            .as_object()
            .map(|m| m.iter().filter(|(k, _)| k.starts_with("f:")).collect())
            .unwrap_or_default();
        if fields.is_empty() {
            if !path.is_empty() {
                out.insert(path.clone());
            }
            return;
        }
        for (k, child) in fields {
            path.push(k[2..].to_owned());
            walk(child, path, out);
            path.pop();
        }
    }
    let mut out = BTreeSet::new();
    walk(v, &mut Vec::new(), &mut out);
    out
}

fn value_at<'a>(obj: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(obj, |v, k| v.get(k))
}

fn remove_at(obj: &mut Value, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let parent = parents.iter().try_fold(obj, |v, k| v.get_mut(k));
    if let Some(Value::Object(m)) = parent {
        m.remove(last);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(manager: &str, force: bool) -> ApplyOptions {
        ApplyOptions {
            manager: manager.into(),
            force,
        }
    }

    fn cm(data: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "default"}, "data": data})
    }

    #[test]
    fn fields_v1_round_trip() {
        let f = leaves(&cm(json!({"a": "1", "b": "2"})));
        let v1 = to_fields_v1(&f);
        assert_eq!(v1, json!({"f:data": {"f:a": {}, "f:b": {}}}));
        assert_eq!(from_fields_v1(&v1), f);
    }

    #[test]
    fn reapply_removes_fields_no_longer_applied() {
        let first = server_side_apply(None, &cm(json!({"a": "1", "b": "2"})), &opts("m", false))
            .expect("create");
        let second = server_side_apply(Some(&first), &cm(json!({"a": "1"})), &opts("m", false))
            .expect("apply");
        assert_eq!(second["data"], json!({"a": "1"}));
        assert_eq!(
            second["metadata"]["managedFields"].as_array().map(Vec::len),
            Some(1)
        );
    }

    #[test]
    fn other_manager_conflicts_unless_forced() {
        let first =
            server_side_apply(None, &cm(json!({"a": "1"})), &opts("one", false)).expect("create");
        let err = server_side_apply(Some(&first), &cm(json!({"a": "2"})), &opts("two", false))
            .expect_err("conflict");
        assert_eq!(err.code, 409);
        assert!(err.message.contains("\"one\": .data.a"), "{}", err.message);
        // Same value: shared ownership, no conflict.
        server_side_apply(Some(&first), &cm(json!({"a": "1"})), &opts("two", false))
            .expect("shared");
        let forced = server_side_apply(Some(&first), &cm(json!({"a": "2"})), &opts("two", true))
            .expect("forced");
        assert_eq!(forced["data"]["a"], "2");
        let one = &forced["metadata"]["managedFields"][0];
        assert_eq!(one["manager"], "one");
        assert_eq!(one["fieldsV1"], json!({}));
    }
}
