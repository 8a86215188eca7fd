//! Reading `metadata.managedFields` (the `FieldsV1` ownership trees of
//! server-side apply) and the `managedFieldsManagers` normalisation: fields
//! that a trusted manager owns and that differ from desired are removed from
//! both sides.

use serde_json::{Map, Value};

use super::location::{Loc, child, delete_all};

/// One step of a `FieldsV1` path.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PathElement {
    /// `f:<name>` — a map field.
    Field(String),
    /// `k:{...}` — the list element whose key fields have these values.
    Key(Map<String, Value>),
    /// `v:<json>` — the set-list element equal to this value.
    Value(Value),
    /// `i:<n>` — a list element by position.
    Index(usize),
}

/// A parsed `FieldsV1` tree.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct FieldSet {
    /// Children, in the order given.
    pub children: Vec<(PathElement, FieldSet)>,
}

impl FieldSet {
    /// Parses a `fieldsV1` object; unknown or malformed entries are skipped.
    pub fn parse(fields: &Value) -> FieldSet {
        let Some(map) = fields.as_object() else {
            return FieldSet::default();
        };
        let children = map
            .iter()
            .filter_map(|(k, v)| Some((parse_element(k)?, FieldSet::parse(v))))
            .collect();
        FieldSet { children }
    }

    /// Whether this node has no children (the whole value is owned).
    pub fn is_leaf(&self) -> bool {
        self.children.is_empty()
    }

    /// The union of entries naming the same element, recursively (for sets
    /// concatenated from several managedFields entries).
    pub fn merged(self) -> FieldSet {
        let mut children: Vec<(PathElement, FieldSet)> = Vec::new();
        for (element, sub) in self.children {
            match children.iter_mut().find(|(e, _)| *e == element) {
                Some((_, existing)) => existing.children.extend(sub.children),
                None => children.push((element, sub)),
            }
        }
        FieldSet {
            children: children.into_iter().map(|(e, s)| (e, s.merged())).collect(),
        }
    }
}

fn parse_element(s: &str) -> Option<PathElement> {
    let (prefix, rest) = s.split_at_checked(2)?;
    match prefix {
        "f:" => Some(PathElement::Field(rest.to_string())),
        "k:" => serde_json::from_str::<Map<String, Value>>(rest)
            .ok()
            .map(PathElement::Key),
        "v:" => serde_json::from_str(rest).ok().map(PathElement::Value),
        "i:" => rest.parse().ok().map(PathElement::Index),
        _ => None,
    }
}

/// Finds the child of `node` that `element` names.
pub(crate) fn resolve<'a>(node: &'a Value, element: &PathElement) -> Option<(Loc, &'a Value)> {
    match (element, node) {
        (PathElement::Field(name), Value::Object(m)) => {
            m.get(name).map(|v| (Loc::Key(name.clone()), v))
        }
        (PathElement::Key(keys), Value::Array(items)) => items
            .iter()
            .position(|item| keys.iter().all(|(k, kv)| item.get(k) == Some(kv)))
            .map(|i| (Loc::Index(i), &items[i])),
        (PathElement::Value(wanted), Value::Array(items)) => items
            .iter()
            .position(|item| item == wanted)
            .map(|i| (Loc::Index(i), &items[i])),
        (PathElement::Index(i), Value::Array(items)) => items.get(*i).map(|v| (Loc::Index(*i), v)),
        _ => None,
    }
}

/// The `FieldsV1` trees of `obj`'s managedFields entries whose manager is in
/// `managers`.
pub(crate) fn owned_by<'a>(
    obj: &'a Value,
    managers: &'a [String],
) -> impl Iterator<Item = FieldSet> + 'a {
    obj.pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|entry| {
            entry
                .get("manager")
                .and_then(Value::as_str)
                .is_some_and(|m| managers.iter().any(|t| t == m))
        })
        .map(|entry| FieldSet::parse(entry.get("fieldsV1").unwrap_or(&Value::Null)))
}

/// Removes from `live` and `desired` every field owned by one of `managers`
/// (per live's managedFields) whose live value differs from desired's.
pub(crate) fn remove_trusted_fields(desired: &mut Value, live: &mut Value, managers: &[String]) {
    let mut live_locs = Vec::new();
    let mut desired_locs = Vec::new();
    for set in owned_by(live, managers) {
        collect_differing(
            &set,
            live,
            Some(desired),
            &[],
            &[],
            &mut live_locs,
            &mut desired_locs,
        );
    }
    delete_all(live, live_locs);
    delete_all(desired, desired_locs);
}

fn collect_differing(
    set: &FieldSet,
    live: &Value,
    desired: Option<&Value>,
    live_at: &[Loc],
    desired_at: &[Loc],
    live_out: &mut Vec<Vec<Loc>>,
    desired_out: &mut Vec<Vec<Loc>>,
) {
    for (element, sub) in &set.children {
        let Some((l_loc, l_val)) = resolve(live, element) else {
            continue;
        };
        let d = desired.and_then(|d| resolve(d, element));
        let l_path = child(live_at, l_loc);
        let d_path = d.as_ref().map(|(loc, _)| child(desired_at, loc.clone()));
        if sub.is_leaf() {
            if d.as_ref().map(|(_, v)| *v) != Some(l_val) {
                live_out.push(l_path);
                desired_out.extend(d_path);
            }
        } else {
            let d_path = d_path.unwrap_or_default();
            collect_differing(
                sub,
                l_val,
                d.map(|(_, v)| v),
                &l_path,
                &d_path,
                live_out,
                desired_out,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_path_elements() {
        let set = FieldSet::parse(
            &json!({"f:spec": {"f:ports": {".": {}, "k:{\"port\":80}": {"f:name": {}}}},
            "v:\"x\"": {}, "i:2": {}, "bogus": {}}),
        );
        assert_eq!(set.children.len(), 3);
        let ports = &set.children[0].1.children[0].1;
        assert_eq!(ports.children.len(), 1);
        assert!(matches!(&ports.children[0].0, PathElement::Key(k) if k["port"] == 80));
    }

    #[test]
    fn union_of_sets() {
        let mut a = FieldSet::parse(&json!({"f:spec": {"f:a": {}}}));
        a.children
            .extend(FieldSet::parse(&json!({"f:spec": {"f:b": {}}, "f:x": {}})).children);
        assert_eq!(
            a.merged(),
            FieldSet::parse(&json!({"f:spec": {"f:a": {}, "f:b": {}}, "f:x": {}}))
        );
    }

    #[test]
    fn trusted_manager_fields_are_removed_when_different() {
        let mut live = json!({"metadata": {"managedFields": [
            {"manager": "hpa", "fieldsV1": {"f:spec": {"f:replicas": {}, "f:paused": {}}}},
            {"manager": "other", "fieldsV1": {"f:spec": {"f:minReadySeconds": {}}}}]},
            "spec": {"replicas": 5, "paused": false, "minReadySeconds": 3}});
        let mut desired = json!({"spec": {"replicas": 2, "paused": false, "minReadySeconds": 1}});
        remove_trusted_fields(&mut desired, &mut live, &["hpa".to_string()]);
        assert_eq!(live["spec"], json!({"paused": false, "minReadySeconds": 3}));
        assert_eq!(
            desired["spec"],
            json!({"paused": false, "minReadySeconds": 1})
        );
    }

    #[test]
    fn keyed_list_elements_are_followed() {
        let mut live = json!({"metadata": {"managedFields": [{"manager": "m", "fieldsV1":
            {"f:spec": {"f:containers": {"k:{\"name\":\"b\"}": {"f:image": {}}}}}}]},
            "spec": {"containers": [{"name": "a", "image": "1"}, {"name": "b", "image": "2"}]}});
        let mut desired = json!({"spec": {"containers": [{"name": "b", "image": "3"}]}});
        remove_trusted_fields(&mut desired, &mut live, &["m".to_string()]);
        assert_eq!(
            live["spec"]["containers"],
            json!([{"name": "a", "image": "1"}, {"name": "b"}])
        );
        assert_eq!(desired["spec"]["containers"], json!([{"name": "b"}]));
    }
}
