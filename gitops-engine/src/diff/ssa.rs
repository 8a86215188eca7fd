//! Building blocks of server-side apply, emulated without the OpenAPI
//! schema: list identities are learnt from the `k:`/`v:` entries of the
//! objects' managedFields (a list never mentioned there is atomic).

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::managed_fields::{FieldSet, PathElement};

/// How the items of a list are identified.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ListKind {
    /// Associative list keyed by these fields.
    Keyed(Vec<String>),
    /// Set of scalars, identified by value.
    Set,
}

/// List identities by field-name path (list indices and keys omitted).
#[derive(Debug, Clone, Default)]
pub(crate) struct ListKinds(HashMap<Vec<String>, ListKind>);

impl ListKinds {
    /// Learns list identities from every managedFields entry of `objects`.
    pub fn learn<'a>(objects: impl IntoIterator<Item = &'a Value>) -> Self {
        let mut kinds = ListKinds::default();
        for obj in objects {
            let entries = obj
                .pointer("/metadata/managedFields")
                .and_then(Value::as_array);
            for entry in entries.into_iter().flatten() {
                let set = FieldSet::parse(entry.get("fieldsV1").unwrap_or(&Value::Null));
                kinds.collect(&set, &mut Vec::new());
            }
        }
        kinds
    }

    fn collect(&mut self, set: &FieldSet, path: &mut Vec<String>) {
        for (element, sub) in &set.children {
            match element {
                PathElement::Field(name) => {
                    path.push(name.clone());
                    self.collect(sub, path);
                    path.pop();
                }
                PathElement::Key(keys) => {
                    self.0
                        .entry(path.clone())
                        .or_insert_with(|| ListKind::Keyed(keys.keys().cloned().collect()));
                    self.collect(sub, path);
                }
                PathElement::Value(_) => {
                    self.0.entry(path.clone()).or_insert(ListKind::Set);
                }
                PathElement::Index(_) => self.collect(sub, path),
            }
        }
    }

    /// The identity of the list at `path`, if it is not atomic.
    pub fn get(&self, path: &[String]) -> Option<&ListKind> {
        self.0.get(path)
    }
}

/// The identity of `item` in a list of kind `kind` (comparable across lists).
fn identity(kind: &ListKind, item: &Value) -> Value {
    match kind {
        ListKind::Keyed(keys) => Value::Object(
            keys.iter()
                .map(|k| (k.clone(), item.get(k).cloned().unwrap_or(Value::Null)))
                .collect(),
        ),
        ListKind::Set => item.clone(),
    }
}

/// Whether `element` of a FieldsV1 tree names `item`.
fn names_item(element: &PathElement, kind: &ListKind, item: &Value) -> bool {
    match (element, kind) {
        (PathElement::Key(keys), ListKind::Keyed(_)) => keys
            .iter()
            .all(|(k, v)| item.get(k).unwrap_or(&Value::Null) == v),
        (PathElement::Value(v), ListKind::Set) => v == item,
        _ => false,
    }
}

/// `value` reduced to the fields `owned` covers. Key fields of items in
/// lists with a composite key are kept even when not owned, so items keep
/// their identity. Maps emptied by the reduction are dropped. A field owned
/// as a leaf keeps its whole value: without the schema, atomic maps (label
/// selectors) cannot be told apart from granular ones.
pub(crate) fn keep_owned(
    value: &Value,
    owned: &FieldSet,
    kinds: &ListKinds,
    path: &mut Vec<String>,
) -> Option<Value> {
    match value {
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let sub = owned.children.iter().find_map(|(e, s)| match e {
                    PathElement::Field(name) if name == k => Some(s),
                    _ => None,
                });
                let Some(sub) = sub else { continue };
                if sub.is_leaf() {
                    out.insert(k.clone(), v.clone());
                    continue;
                }
                path.push(k.clone());
                let kept = keep_owned(v, sub, kinds, path);
                path.pop();
                if let Some(kept) = kept {
                    out.insert(k.clone(), kept);
                }
            }
            (!out.is_empty() || m.is_empty()).then_some(Value::Object(out))
        }
        Value::Array(items) => {
            let Some(kind) = kinds.get(path) else {
                return Some(value.clone());
            };
            let kept: Vec<Value> = items
                .iter()
                .filter_map(|item| {
                    let (_, sub) = owned
                        .children
                        .iter()
                        .find(|(e, _)| names_item(e, kind, item))?;
                    if sub.is_leaf() || !item.is_object() {
                        return Some(item.clone());
                    }
                    let mut reduced =
                        keep_owned(item, sub, kinds, path).unwrap_or(Value::Object(Map::new()));
                    if let (ListKind::Keyed(keys), Some(r)) = (kind, reduced.as_object_mut())
                        && keys.len() > 1
                    {
                        for k in keys {
                            if let Some(v) = item.get(k) {
                                r.entry(k.clone()).or_insert_with(|| v.clone());
                            }
                        }
                    }
                    Some(reduced)
                })
                .collect();
            Some(Value::Array(kept))
        }
        other => Some(other.clone()),
    }
}

/// Structured merge of `rhs` over `lhs`: maps merge field by field with
/// `rhs` winning, keyed lists and sets merge item by item (the order
/// interleaves both sides as structured-merge-diff does), everything else is
/// replaced by `rhs`.
pub(crate) fn merge(lhs: &Value, rhs: &Value, kinds: &ListKinds, path: &mut Vec<String>) -> Value {
    match (lhs, rhs) {
        (Value::Object(l), Value::Object(r)) => {
            let mut out = l.clone();
            for (k, rv) in r {
                let merged = match l.get(k) {
                    Some(lv) => {
                        path.push(k.clone());
                        let m = merge(lv, rv, kinds, path);
                        path.pop();
                        m
                    }
                    None => rv.clone(),
                };
                out.insert(k.clone(), merged);
            }
            Value::Object(out)
        }
        (Value::Array(l), Value::Array(r)) => match kinds.get(path) {
            Some(kind) => Value::Array(merge_items(l, r, kind, kinds, path)),
            None => rhs.clone(),
        },
        _ => rhs.clone(),
    }
}

fn merge_items(
    l: &[Value],
    r: &[Value],
    kind: &ListKind,
    kinds: &ListKinds,
    path: &mut Vec<String>,
) -> Vec<Value> {
    let lk: Vec<Value> = l.iter().map(|i| identity(kind, i)).collect();
    let rk: Vec<Value> = r.iter().map(|i| identity(kind, i)).collect();
    let in_r = |k: &Value| rk.iter().position(|x| x == k);
    let in_l = |k: &Value| lk.iter().position(|x| x == k);
    let mut shared = rk.iter().filter(|k| in_l(k).is_some());
    let mut next_shared = shared.next();
    let mut out = Vec::new();
    let (mut li, mut ri) = (0, 0);
    while li < l.len() || ri < r.len() {
        if li < l.len() && ri < r.len() {
            if lk[li] == rk[ri] {
                out.push(merge(&l[li], &r[ri], kinds, path));
                li += 1;
                ri += 1;
                next_shared = shared.next();
                continue;
            }
            if in_r(&lk[li]).is_some() && next_shared.is_some_and(|n| *n != lk[li]) {
                li += 1;
                continue;
            }
        }
        if li < l.len() && in_r(&lk[li]).is_none() {
            out.push(l[li].clone());
            li += 1;
            continue;
        }
        if ri < r.len() {
            out.push(match in_l(&rk[ri]) {
                Some(i) => merge(&l[i], &r[ri], kinds, path),
                None => r[ri].clone(),
            });
            if next_shared == Some(&rk[ri]) {
                next_shared = shared.next();
            }
            ri += 1;
        } else {
            // Only shared left-hand items remain; they were emitted already.
            li += 1;
        }
    }
    out
}

/// Removes from `merged` what `live` has and `predicted` lacks (fields the
/// dry run removed), recursing where both have a value.
pub(crate) fn remove_dropped(
    merged: &mut Value,
    live: &Value,
    predicted: &Value,
    kinds: &ListKinds,
    path: &mut Vec<String>,
) {
    match (merged, live, predicted) {
        (Value::Object(m), Value::Object(l), Value::Object(p)) => {
            for (k, lv) in l {
                match p.get(k) {
                    None => {
                        m.shift_remove(k);
                    }
                    Some(pv) => {
                        if let Some(mv) = m.get_mut(k) {
                            path.push(k.clone());
                            remove_dropped(mv, lv, pv, kinds, path);
                            path.pop();
                        }
                    }
                }
            }
        }
        (Value::Array(m), Value::Array(l), Value::Array(p)) => {
            let Some(kind) = kinds.get(path) else { return };
            let pk: Vec<Value> = p.iter().map(|i| identity(kind, i)).collect();
            let lk: Vec<Value> = l.iter().map(|i| identity(kind, i)).collect();
            m.retain(|item| {
                let id = identity(kind, item);
                !lk.contains(&id) || pk.contains(&id)
            });
            for item in m.iter_mut() {
                let id = identity(kind, item);
                let (Some(li), Some(pi)) = (
                    lk.iter().position(|x| *x == id),
                    pk.iter().position(|x| *x == id),
                ) else {
                    continue;
                };
                remove_dropped(item, &l[li], &p[pi], kinds, path);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kinds() -> ListKinds {
        ListKinds::learn([
            &json!({"metadata": {"managedFields": [{"fieldsV1": {"f:spec": {"f:ports": {
            "k:{\"port\":1,\"protocol\":\"TCP\"}": {}}, "f:finalizers": {"v:\"a\"": {}}}}}]}}),
        ])
    }

    #[test]
    fn learns_list_kinds() {
        let k = kinds();
        let mut keys = match k.get(&["spec".to_string(), "ports".to_string()]) {
            Some(ListKind::Keyed(keys)) => keys.clone(),
            other => panic!("{other:?}"),
        };
        keys.sort();
        assert_eq!(keys, ["port", "protocol"]);
        assert_eq!(
            k.get(&["spec".to_string(), "finalizers".to_string()]),
            Some(&ListKind::Set)
        );
        assert_eq!(k.get(&["spec".to_string()]), None);
    }

    #[test]
    fn merge_interleaves_keyed_items() {
        let l = json!({"spec": {"ports": [{"port": 1, "protocol": "TCP", "a": 1}, {"port": 2, "protocol": "TCP"}]}});
        let r = json!({"spec": {"ports": [{"port": 3, "protocol": "TCP"}, {"port": 1, "protocol": "TCP", "b": 2}]}});
        let m = merge(&l, &r, &kinds(), &mut Vec::new());
        assert_eq!(
            m["spec"]["ports"],
            json!([{"port": 3, "protocol": "TCP"},
            {"port": 1, "protocol": "TCP", "a": 1, "b": 2}, {"port": 2, "protocol": "TCP"}])
        );
    }

    #[test]
    fn keep_owned_keeps_composite_keys() {
        let owned = FieldSet::parse(
            &json!({"f:spec": {"f:ports": {"k:{\"port\":1,\"protocol\":\"TCP\"}": {".": {}, "f:name": {}}}}}),
        );
        let v = json!({"spec": {"ports": [{"port": 1, "protocol": "TCP", "name": "a", "x": 1}, {"port": 2, "protocol": "TCP"}],
            "other": {"a": 1}}});
        let kept = keep_owned(&v, &owned, &kinds(), &mut Vec::new()).unwrap();
        assert_eq!(
            kept,
            json!({"spec": {"ports": [{"name": "a", "port": 1, "protocol": "TCP"}]}})
        );
    }

    #[test]
    fn remove_dropped_follows_live_minus_predicted() {
        let live = json!({"metadata": {"labels": {"a": "1", "gone": "x"}}, "spec": {"ports": [{"port": 1, "protocol": "TCP"}, {"port": 2, "protocol": "TCP"}]}});
        let predicted = json!({"metadata": {"labels": {"a": "1"}}, "spec": {"ports": [{"port": 1, "protocol": "TCP"}]}});
        let mut merged = live.clone();
        remove_dropped(&mut merged, &live, &predicted, &kinds(), &mut Vec::new());
        assert_eq!(merged, predicted);
    }
}
