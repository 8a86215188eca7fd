//! The strategic-merge-patch directives of apimachinery that Kustomize's
//! merge copies through as plain fields: `$setElementOrder/<list>`,
//! `$retainKeys` and `$deleteFromPrimitiveList/<list>`. kubectl sends the
//! first with every client-side apply of a built-in type. They are applied
//! to the merged result here and then removed from it.

use serde_json::{Map, Value};

const SET_ORDER: &str = "$setElementOrder/";
const DELETE_PRIMITIVE: &str = "$deleteFromPrimitiveList/";
const RETAIN_KEYS: &str = "$retainKeys";

/// Keys that identify list elements when a patch element is matched to a
/// merged one (the patch-merge keys of built-in types).
const MERGE_KEYS: [&str; 8] = [
    "name",
    "mountPath",
    "containerPort",
    "devicePath",
    "topologyKey",
    "ip",
    "port",
    "type",
];

/// Applies the directives found in `patch` to `merged` (the result of the
/// merge) and strips every directive key from it.
pub fn apply_directives(patch: &Value, merged: &mut Value) {
    apply(patch, merged);
    strip(merged);
}

fn apply(patch: &Value, merged: &mut Value) {
    match (patch, merged) {
        (Value::Object(p), Value::Object(m)) => apply_map(p, m),
        (Value::Array(p), Value::Array(m)) => {
            for element in p {
                if let Some(target) = m.iter_mut().find(|t| same_element(element, t)) {
                    apply(element, target);
                }
            }
        }
        _ => {}
    }
}

fn apply_map(patch: &Map<String, Value>, merged: &mut Map<String, Value>) {
    for (key, value) in patch {
        if let Some(field) = key.strip_prefix(SET_ORDER) {
            if let (Some(Value::Array(list)), Some(order)) =
                (merged.get_mut(field), value.as_array())
            {
                reorder(list, order);
            }
        } else if let Some(field) = key.strip_prefix(DELETE_PRIMITIVE) {
            if let (Some(Value::Array(list)), Some(gone)) =
                (merged.get_mut(field), value.as_array())
            {
                list.retain(|v| !gone.contains(v));
            }
        } else if key == RETAIN_KEYS {
            if let Some(keep) = value.as_array() {
                merged.retain(|k, _| {
                    k.starts_with('$') || keep.iter().any(|x| x.as_str() == Some(k))
                });
            }
        } else if let Some(target) = merged.get_mut(key) {
            apply(value, target);
        }
    }
}

/// Whether a patch list element and a merged one are the same element:
/// equal scalars, or maps agreeing on the first merge key the patch names.
fn same_element(patch: &Value, merged: &Value) -> bool {
    match patch.as_object() {
        Some(p) => MERGE_KEYS
            .iter()
            .find_map(|k| p.get(*k).map(|v| merged.get(*k) == Some(v)))
            .unwrap_or(false),
        None => patch == merged,
    }
}

/// Puts the elements named by `order` first, in that order; the rest keep
/// their relative order after them.
fn reorder(list: &mut Vec<Value>, order: &[Value]) {
    let mut rest = std::mem::take(list);
    for wanted in order {
        if let Some(i) = rest.iter().position(|e| same_element(wanted, e)) {
            list.push(rest.remove(i));
        }
    }
    list.append(&mut rest);
}

fn strip(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|k, _| {
                !(k.starts_with(SET_ORDER) || k.starts_with(DELETE_PRIMITIVE) || k == RETAIN_KEYS)
            });
            m.values_mut().for_each(strip);
        }
        Value::Array(a) => a.iter_mut().for_each(strip),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn element_order_retain_keys_and_primitive_deletion() {
        let patch = json!({"spec": {
            "$setElementOrder/containers": [{"name": "a"}, {"name": "b"}],
            "containers": [{"name": "b", "$retainKeys": ["name", "image"], "image": "b:2"}],
            "$deleteFromPrimitiveList/finalizers": ["x"]}});
        let mut merged = json!({"spec": {
            "$setElementOrder/containers": [{"name": "a"}, {"name": "b"}],
            "containers": [{"name": "b", "image": "b:2", "args": ["old"], "$retainKeys": ["name", "image"]},
                           {"name": "a", "image": "a:1"}],
            "finalizers": ["x", "y"],
            "$deleteFromPrimitiveList/finalizers": ["x"]}});
        apply_directives(&patch, &mut merged);
        assert_eq!(
            merged,
            json!({"spec": {
            "containers": [{"name": "a", "image": "a:1"}, {"name": "b", "image": "b:2"}],
            "finalizers": ["y"]}})
        );
    }
}
