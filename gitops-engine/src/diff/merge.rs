//! The three-way merge that predicts the live object after `kubectl apply`:
//! keys removed between `original` (last-applied) and `desired` are deleted
//! from live, keys whose desired value differs from live are set, and keys
//! only in live are left alone.
//!
//! Built-in kinds follow strategic-merge-patch semantics (lists with a merge
//! key, see [`merge_key`], merge element by element; other lists are
//! replaced). Custom resources follow JSON-merge-patch semantics: every list
//! is atomic and is compared against live stripped to the keys `original`
//! has, so server-populated fields inside list elements are no difference.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::kinds::{MergeKey, merge_key, retains_keys};
use crate::object::Gvk;

/// Which patch semantics the merge emulates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Semantics {
    /// Strategic merge patch (built-in kinds).
    Strategic,
    /// JSON merge patch (custom resources).
    JsonMerge,
}

struct Merger<'a> {
    ty: &'a Gvk,
    semantics: Semantics,
}

/// Predicts live after applying `desired`, given the previously applied
/// `original`. Namespace and empty annotations are ignored on the applied
/// side, as the reference does.
pub(crate) fn three_way_merge(original: &Value, desired: &Value, live: &Value) -> Value {
    let ty = Gvk::named_by(desired);
    let semantics = if ty.is_built_in() {
        Semantics::Strategic
    } else {
        Semantics::JsonMerge
    };
    let mut original = original.clone();
    let mut desired = desired.clone();
    strip_applied_metadata(&mut original);
    strip_applied_metadata(&mut desired);
    let merger = Merger { ty: &ty, semantics };
    merger.merge(&mut Vec::new(), Some(&original), &desired, live)
}

fn strip_applied_metadata(obj: &mut Value) {
    let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    meta.remove("namespace");
    let empty = meta
        .get("annotations")
        .is_some_and(|a| a.is_null() || a.as_object().is_some_and(Map::is_empty));
    if empty {
        meta.remove("annotations");
    }
}

/// `value` with null map entries removed, recursively (what applying a patch
/// that adds `value` to an absent key produces).
fn strip_nulls(value: &Value) -> Value {
    match value {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), strip_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(strip_nulls).collect()),
        other => other.clone(),
    }
}

/// The desired elements with those carrying a `$patch` directive replaced
/// by the live element they name (dropped when live has none): `kubectl
/// apply` removes them from the patch it sends, so they change nothing live,
/// but they still order the list through `$setElementOrder`.
fn without_directive_elements(d: &[Value], l: &[Value], key: MergeKey) -> Vec<Value> {
    d.iter()
        .filter_map(|e| {
            if e.get("$patch").is_none() {
                return Some(e.clone());
            }
            let MergeKey::Field(field) = key else {
                return None;
            };
            let wanted = e.get(field)?;
            l.iter().find(|x| x.get(field) == Some(wanted)).cloned()
        })
        .collect()
}

/// `live` pruned to the keys that `template` has (maps recursively, lists
/// element by element; extra trailing live elements are kept).
pub(crate) fn prune_to(live: &Value, template: &Value) -> Value {
    match (live, template) {
        (Value::Object(l), Value::Object(t)) => Value::Object(
            l.iter()
                .filter_map(|(k, v)| t.get(k).map(|tv| (k.clone(), prune_to(v, tv))))
                .collect(),
        ),
        (Value::Array(l), Value::Array(t)) => Value::Array(
            l.iter()
                .enumerate()
                .map(|(i, v)| t.get(i).map_or_else(|| v.clone(), |tv| prune_to(v, tv)))
                .collect(),
        ),
        _ => live.clone(),
    }
}

impl Merger<'_> {
    fn merge(&self, path: &mut Vec<String>, o: Option<&Value>, d: &Value, l: &Value) -> Value {
        match (d, l) {
            (Value::Object(dm), Value::Object(lm)) => {
                let mut merged = self.merge_map(path, o.and_then(Value::as_object), dm, lm);
                if self.semantics == Semantics::Strategic
                    && retains_keys(self.ty, path)
                    && merged != *lm
                {
                    merged.retain(|k, _| dm.contains_key(k));
                }
                Value::Object(merged)
            }
            (Value::Array(da), Value::Array(la)) => self.merge_list(path, o, da, la),
            _ if d == l => l.clone(),
            _ => strip_nulls(d),
        }
    }

    fn merge_map(
        &self,
        path: &mut Vec<String>,
        o: Option<&Map<String, Value>>,
        d: &Map<String, Value>,
        l: &Map<String, Value>,
    ) -> Map<String, Value> {
        let mut out = l.clone();
        // A `$patch` directive in a manifest is no field of the result.
        for (k, dv) in d.iter().filter(|(k, _)| *k != "$patch") {
            if dv.is_null() && !l.get(k).is_some_and(Value::is_null) {
                out.remove(k);
                continue;
            }
            let merged = match l.get(k) {
                Some(lv) => {
                    path.push(k.clone());
                    let m = self.merge(path, o.and_then(|o| o.get(k)), dv, lv);
                    path.pop();
                    m
                }
                None => strip_nulls(dv),
            };
            out.insert(k.clone(), merged);
        }
        if let Some(o) = o {
            for k in o.keys().filter(|k| !d.contains_key(*k)) {
                out.remove(k);
            }
        }
        out
    }

    fn merge_list(
        &self,
        path: &mut Vec<String>,
        o: Option<&Value>,
        d: &[Value],
        l: &[Value],
    ) -> Value {
        if self.semantics == Semantics::Strategic
            && let Some(key) = merge_key(self.ty, path)
        {
            let d = without_directive_elements(d, l, key);
            if let Some(merged) =
                self.merge_keyed_list(path, o.and_then(Value::as_array), &d, l, key)
            {
                return Value::Array(merged);
            }
        }
        let live = Value::Array(l.to_vec());
        let compared = match (self.semantics, o) {
            (Semantics::JsonMerge, Some(o)) => prune_to(&live, o),
            (Semantics::Strategic, Some(o)) if self.is_statefulset_claim_templates(path) => {
                prune_to(&live, o)
            }
            _ => live.clone(),
        };
        let desired = Value::Array(d.to_vec());
        if desired == compared {
            live
        } else {
            strip_nulls(&desired)
        }
    }

    /// The API server defaults fields inside StatefulSet claim templates that
    /// cannot be reproduced client-side; the reference compares them pruned.
    fn is_statefulset_claim_templates(&self, path: &[String]) -> bool {
        self.ty.group == "apps"
            && self.ty.kind == "StatefulSet"
            && path.len() == 2
            && path[0] == "spec"
            && path[1] == "volumeClaimTemplates"
    }

    /// Merges a list element-wise by `key` (set lists by value). `None` when
    /// an element lacks the key or keys repeat (then the list is treated
    /// atomically).
    fn merge_keyed_list(
        &self,
        path: &mut Vec<String>,
        o: Option<&Vec<Value>>,
        d: &[Value],
        l: &[Value],
        key: MergeKey,
    ) -> Option<Vec<Value>> {
        let keys_of = |items: &[Value]| -> Option<Vec<Value>> {
            let keys: Vec<Value> = items
                .iter()
                .map(|i| match key {
                    MergeKey::Field(field) => i.get(field).cloned(),
                    MergeKey::Value => Some(i.clone()),
                })
                .collect::<Option<_>>()?;
            let unique: HashSet<String> = keys.iter().map(Value::to_string).collect();
            (unique.len() == keys.len()).then_some(keys)
        };
        let d_keys = keys_of(d)?;
        let l_keys = keys_of(l)?;
        let o_list = o.map(Vec::as_slice).unwrap_or(&[]);
        let o_keys = keys_of(o_list).unwrap_or_default();
        let find = |keys: &[Value], k: &Value| keys.iter().position(|x| x == k);

        let merge_elem = |path: &mut Vec<String>, di: usize| -> Value {
            let k = &d_keys[di];
            match find(&l_keys, k) {
                Some(li) => {
                    let oe = find(&o_keys, k).map(|oi| &o_list[oi]);
                    self.merge(path, oe, &d[di], &l[li])
                }
                None => strip_nulls(&d[di]),
            }
        };
        // As the API server orders a patched list: desired elements (in
        // desired order) and the remaining live-only elements (in live
        // order) are interleaved; a live-only element goes first when it
        // stood before the desired element in live.
        let live_only: Vec<usize> = (0..l.len())
            .filter(|&li| {
                find(&d_keys, &l_keys[li]).is_none() && find(&o_keys, &l_keys[li]).is_none()
            })
            .collect();
        let mut out = Vec::with_capacity(live_only.len() + d.len());
        let (mut i, mut j) = (0, 0);
        while i < live_only.len() || j < d.len() {
            let take_live = j >= d.len()
                || (i < live_only.len()
                    && find(&l_keys, &d_keys[j]).is_some_and(|dj| live_only[i] < dj));
            if take_live {
                out.push(l[live_only[i]].clone());
                i += 1;
            } else {
                out.push(merge_elem(path, j));
                j += 1;
            }
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment(containers: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
            "spec": {"template": {"spec": {"containers": containers}}}})
    }

    #[test]
    fn removed_from_applied_is_deleted_live_only_kept() {
        let o = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"annotations": {"a": "1", "b": "2"}}});
        let d = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"annotations": {"a": "1"}}});
        let l = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"annotations": {"a": "1", "b": "2", "c": "3"}}});
        let p = three_way_merge(&o, &d, &l);
        assert_eq!(p["metadata"]["annotations"], json!({"a": "1", "c": "3"}));
    }

    #[test]
    fn namespace_only_on_one_side_is_ignored() {
        let d = json!({"apiVersion": "foo.io/v1", "kind": "Foo", "metadata": {"name": "x", "namespace": "a"}});
        let l = json!({"apiVersion": "foo.io/v1", "kind": "Foo", "metadata": {"name": "x"}});
        assert_eq!(three_way_merge(&d, &d, &l), l);
    }

    #[test]
    fn keyed_list_merges_and_keeps_live_only_elements_in_place() {
        let d = deployment(json!([{"name": "app", "env": [{"name": "A", "value": "1"}]}]));
        let l = deployment(json!([{"name": "app", "imagePullPolicy": "Always",
            "env": [{"name": "Z", "value": "z"}, {"name": "A", "value": "0"}]}]));
        let p = three_way_merge(&d, &d, &l);
        assert_eq!(
            p["spec"]["template"]["spec"]["containers"],
            json!([{"name": "app", "imagePullPolicy": "Always",
            "env": [{"name": "Z", "value": "z"}, {"name": "A", "value": "1"}]}])
        );
    }

    #[test]
    fn keyed_list_deletes_elements_removed_from_applied() {
        let o = deployment(json!([{"name": "a"}, {"name": "b"}]));
        let d = deployment(json!([{"name": "a"}, {"name": "c"}]));
        let l = deployment(json!([{"name": "a", "x": 1}, {"name": "b"}, {"name": "side"}]));
        let p = three_way_merge(&o, &d, &l);
        assert_eq!(
            p["spec"]["template"]["spec"]["containers"],
            json!([{"name": "a", "x": 1}, {"name": "c"}, {"name": "side"}])
        );
    }

    #[test]
    fn custom_resource_lists_compare_against_pruned_live() {
        let d = json!({"apiVersion": "foo.io/v1", "kind": "Foo", "spec": {"items": [{"a": 1}]}});
        let l = json!({"apiVersion": "foo.io/v1", "kind": "Foo", "spec": {"items": [{"a": 1, "defaulted": true}]}});
        assert_eq!(three_way_merge(&d, &d, &l), l);
        let changed =
            json!({"apiVersion": "foo.io/v1", "kind": "Foo", "spec": {"items": [{"a": 2}]}});
        assert_eq!(
            three_way_merge(&changed, &changed, &l)["spec"]["items"],
            json!([{"a": 2}])
        );
    }

    #[test]
    fn finalizers_merge_as_a_set() {
        let cm = |f: Value| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"finalizers": f}});
        let o = cm(json!(["a", "old"]));
        let d = cm(json!(["a", "new"]));
        let l = cm(json!(["a", "old", "controller"]));
        assert_eq!(
            three_way_merge(&o, &d, &l)["metadata"]["finalizers"],
            json!(["a", "new", "controller"])
        );
    }

    #[test]
    fn list_order_follows_the_api_server() {
        let env = |names: &[&str]| {
            let env: Vec<Value> = names.iter().map(|n| json!({"name": n})).collect();
            deployment(json!([{"name": "c", "env": env}]))
        };
        let order = |o: &Value, d: &Value, l: &Value| -> Vec<String> {
            three_way_merge(o, d, l)["spec"]["template"]["spec"]["containers"][0]["env"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["name"].as_str().unwrap().to_string())
                .collect()
        };
        let d = env(&["C", "A"]);
        assert_eq!(order(&d, &d, &env(&["A", "X", "C"])), ["X", "C", "A"]);
        let d = env(&["A", "B", "C"]);
        assert_eq!(order(&d, &d, &env(&["X", "A", "C"])), ["X", "A", "B", "C"]);
        let d = env(&["A"]);
        assert_eq!(order(&d, &d, &env(&["V", "A"])), ["V", "A"]);
    }

    #[test]
    fn retain_keys_clears_replaced_alternatives() {
        let dep = |strategy: Value| json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"strategy": strategy}});
        let live = dep(json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}));
        let recreate = dep(json!({"type": "Recreate"}));
        assert_eq!(
            three_way_merge(&recreate, &recreate, &live)["spec"]["strategy"],
            json!({"type": "Recreate"})
        );
        let same = dep(json!({"type": "RollingUpdate"}));
        assert_eq!(three_way_merge(&same, &same, &live), live);
        let vol = |v: Value| json!({"apiVersion": "v1", "kind": "Pod", "spec": {"volumes": [v]}});
        let live = vol(json!({"name": "v", "emptyDir": {}}));
        let desired = vol(json!({"name": "v", "configMap": {"name": "c"}}));
        assert_eq!(three_way_merge(&desired, &desired, &live), desired);
    }

    #[test]
    fn null_in_desired_deletes() {
        let d = json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": null}});
        let l = json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "x", "b": "y"}});
        assert_eq!(three_way_merge(&d, &d, &l)["data"], json!({"b": "y"}));
    }
}
