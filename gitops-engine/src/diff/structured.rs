//! Structured-merge diff: predicts a server-side apply (as the manager, with
//! force) without a server. List identities come from live's managedFields
//! (see [`super::ssa`]); without the OpenAPI schema, a missing `protocol`
//! key field of a keyed list item reads as its API default `TCP`.

use serde_json::Value;

use super::LAST_APPLIED_ANNOTATION;
use super::defaults::apply_defaults;
use super::location::{Loc, child, delete_all};
use super::managed_fields::{FieldSet, PathElement, resolve};
use super::ssa::{ListKind, ListKinds, merge};

/// Key fields with an API default, filled in on desired list items that
/// lack them so the items find their live counterparts.
const DEFAULTED_KEY_FIELDS: &[(&str, &str)] = &[("protocol", "TCP")];

/// Applies `desired` over `live` as `manager` would with server-side apply
/// and returns `(predicted, normalized_live)`. Fields the manager applied
/// before (its `Apply` managedFields entries) that desired no longer has and
/// no other manager owns are removed. When the apply changes nothing both
/// are live; otherwise both lose the last-applied annotation and get the API
/// defaults.
pub(crate) fn structured_merge(desired: &Value, live: &Value, manager: &str) -> (Value, Value) {
    let kinds = ListKinds::learn([live]);
    let mut desired = desired.clone();
    default_key_fields(&mut desired, &kinds, &mut Vec::new());
    let mut merged = merge(live, &desired, &kinds, &mut Vec::new());

    let (previous, others) = ownership(live, manager);
    let mut removals = Vec::new();
    collect_removals(
        &previous,
        Some(&others),
        &merged,
        Some(&desired),
        &[],
        &mut removals,
    );
    delete_all(&mut merged, removals);

    if merged == *live {
        return (live.clone(), live.clone());
    }
    let mut live = live.clone();
    for obj in [&mut merged, &mut live] {
        if let Some(a) = obj
            .pointer_mut("/metadata/annotations")
            .and_then(Value::as_object_mut)
        {
            a.shift_remove(LAST_APPLIED_ANNOTATION);
        }
        apply_defaults(obj);
    }
    (merged, live)
}

/// The manager's previously applied fields, and everything other managers
/// (or the manager's non-apply operations) own.
fn ownership(live: &Value, manager: &str) -> (FieldSet, FieldSet) {
    let mut previous = FieldSet::default();
    let mut others = FieldSet::default();
    let entries = live
        .pointer("/metadata/managedFields")
        .and_then(Value::as_array);
    for entry in entries.into_iter().flatten() {
        let set = FieldSet::parse(entry.get("fieldsV1").unwrap_or(&Value::Null));
        let is_manager = entry.get("manager").and_then(Value::as_str) == Some(manager);
        let is_apply = entry.get("operation").and_then(Value::as_str) == Some("Apply");
        let target = if is_manager && is_apply {
            &mut previous
        } else {
            &mut others
        };
        target.children.extend(set.children);
    }
    (previous.merged(), others.merged())
}

fn default_key_fields(v: &mut Value, kinds: &ListKinds, path: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                path.push(k.clone());
                default_key_fields(child, kinds, path);
                path.pop();
            }
        }
        Value::Array(items) => {
            let keys = match kinds.get(path) {
                Some(ListKind::Keyed(keys)) => keys.clone(),
                _ => Vec::new(),
            };
            for item in items.iter_mut() {
                if let Some(obj) = item.as_object_mut() {
                    for (field, default) in DEFAULTED_KEY_FIELDS {
                        if keys.iter().any(|k| k == field) && !obj.contains_key(*field) {
                            obj.insert((*field).to_string(), Value::String((*default).to_string()));
                        }
                    }
                }
                default_key_fields(item, kinds, path);
            }
        }
        _ => {}
    }
}

/// Locations in `merged` of fields in `previous` that `desired` lacks and
/// `others` does not claim.
fn collect_removals(
    previous: &FieldSet,
    others: Option<&FieldSet>,
    merged: &Value,
    desired: Option<&Value>,
    at: &[Loc],
    out: &mut Vec<Vec<Loc>>,
) {
    for (element, sub) in &previous.children {
        let Some((loc, merged_child)) = resolve(merged, element) else {
            continue;
        };
        let other_sub = others.and_then(|o| find(o, element));
        let desired_child = desired.and_then(|d| resolve(d, element)).map(|(_, v)| v);
        match desired_child {
            None if other_sub.is_none() => out.push(child(at, loc)),
            None => {}
            Some(d) if !sub.is_leaf() => {
                collect_removals(sub, other_sub, merged_child, Some(d), &child(at, loc), out);
            }
            Some(_) => {}
        }
    }
}

fn find<'a>(set: &'a FieldSet, element: &PathElement) -> Option<&'a FieldSet> {
    set.children
        .iter()
        .find(|(e, _)| e == element)
        .map(|(_, s)| s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn service(ports: Value, fields: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "managedFields": fields},
            "spec": {"type": "NodePort", "ports": ports}})
    }

    #[test]
    fn unchanged_apply_returns_live() {
        let fields = json!([{"manager": "m", "operation": "Apply", "fieldsV1": {"f:spec": {"f:ports": {
            "k:{\"port\":80,\"protocol\":\"TCP\"}": {".": {}, "f:port": {}}}}}}]);
        let live = service(
            json!([{"port": 80, "protocol": "TCP", "nodePort": 3}]),
            fields,
        );
        let desired = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {"ports": [{"port": 80}]}});
        let (p, l) = structured_merge(&desired, &live, "m");
        assert_eq!(p, live);
        assert_eq!(l, live);
    }

    #[test]
    fn previously_applied_fields_are_removed_unless_shared() {
        let fields = json!([
            {"manager": "m", "operation": "Apply", "fieldsV1": {"f:spec": {"f:type": {}, "f:ports": {
                "k:{\"port\":80,\"protocol\":\"TCP\"}": {".": {}, "f:port": {}},
                "k:{\"port\":81,\"protocol\":\"TCP\"}": {".": {}, "f:port": {}},
                "k:{\"port\":82,\"protocol\":\"TCP\"}": {".": {}, "f:port": {}}}}}},
            {"manager": "kubectl", "operation": "Update", "fieldsV1": {"f:spec": {"f:ports": {
                "k:{\"port\":82,\"protocol\":\"TCP\"}": {".": {}, "f:port": {}}}}}}]);
        let live = service(
            json!([{"port": 80, "protocol": "TCP"}, {"port": 81, "protocol": "TCP"}, {"port": 82, "protocol": "TCP"}]),
            fields,
        );
        let desired = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {"ports": [{"port": 80}]}});
        let (p, _) = structured_merge(&desired, &live, "m");
        let ports: Vec<i64> = p["spec"]["ports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["port"].as_i64().unwrap())
            .collect();
        assert_eq!(ports, [80, 82]);
        assert_eq!(p["spec"]["type"], "ClusterIP");
    }
}
