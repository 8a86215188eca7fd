//! The three-way strategic merge patch `kubectl apply` sends for built-in
//! kinds, computed as apimachinery's `CreateThreeWayMergePatch` does with
//! `overwrite`:
//!
//! - the *delta* is the difference from live to the new manifest, ignoring
//!   deletions (fields only live has, set by others, stay);
//! - the *deletions* are the fields and list elements the previously applied
//!   manifest had and the new one dropped (`null`, `{"$patch": "delete",
//!   <key>: …}` and `$deleteFromPrimitiveList/<list>`);
//! - both carry `$setElementOrder/<list>` for merged lists whose content or
//!   order changed, and `$retainKeys` for maps with that strategy; the patch
//!   is the deletions merged with the delta.
//!
//! List and map strategies and merge keys come from kustomize-core's generated
//! OpenAPI table; lists the table does not mark as merging are replaced.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use kustomize_core::smp::At;
use serde_json::{Map, Value};

use crate::diff::type_schema;
use crate::object::Gvk;

const DIRECTIVE: &str = "$patch";
const SET_ORDER: &str = "$setElementOrder/";
const DELETE_PRIMITIVE: &str = "$deleteFromPrimitiveList/";
const RETAIN_KEYS: &str = "$retainKeys";

/// Why a strategic merge patch cannot be computed for a manifest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StrategicPatchError {
    /// An element of a list that merges by key lacks that key.
    #[error("field {path}: element {index} has no merge key `{key}`")]
    MissingMergeKey {
        /// Dotted field path of the list.
        path: String,
        /// Index of the element in its list.
        index: usize,
        /// The merge key.
        key: String,
    },
    /// A merged list mixes maps, lists and scalars, or holds lists.
    #[error("field {path}: a merged list must hold only maps or only scalars")]
    MixedList {
        /// Dotted field path of the list.
        path: String,
    },
    /// Two patches disagree about a directive (cannot happen for patches
    /// computed from one manifest).
    #[error("field {path}: conflicting {directive} directives")]
    ConflictingDirective {
        /// Dotted field path of the map holding it.
        path: String,
        /// The directive key.
        directive: String,
    },
}

/// The strategic merge patch that takes `current` (live) to `modified` (the
/// manifest to apply, with its last-applied annotation), deleting what
/// `original` (the previous last-applied configuration, `None` when live has
/// none) had and `modified` dropped. `{}` when nothing changes.
pub fn three_way_strategic_patch(
    original: Option<&Value>,
    modified: &Value,
    current: &Value,
) -> Result<Value, StrategicPatchError> {
    let ty = Gvk::named_by(modified);
    let empty = Map::new();
    let original = original.and_then(Value::as_object).unwrap_or(&empty);
    let modified = modified.as_object().unwrap_or(&empty);
    let current = current.as_object().unwrap_or(&empty);
    let root = type_schema(&ty);
    let delta = diff_maps(
        current,
        modified,
        root,
        DiffMode {
            ignore_deletions: true,
            ignore_additions: false,
            retain_keys: false,
        },
        &mut Vec::new(),
    )?;
    let deletions = diff_maps(
        original,
        modified,
        root,
        DiffMode {
            ignore_deletions: false,
            ignore_additions: true,
            retain_keys: false,
        },
        &mut Vec::new(),
    )?;
    let patch = merge_patches(deletions, delta, root, &mut Vec::new())?;
    Ok(Value::Object(patch))
}

/// Which side of the three-way patch a diff computes.
#[derive(Debug, Clone, Copy)]
struct DiffMode {
    /// The delta: fields missing from the new manifest are not deleted.
    ignore_deletions: bool,
    /// The deletions: new and changed fields are not recorded.
    ignore_additions: bool,
    /// The map being diffed has the `retainKeys` strategy.
    retain_keys: bool,
}

fn same_type(a: &Value, b: &Value) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

fn dotted(path: &[String]) -> String {
    path.join(".")
}

/// The text Go's `%v` prints for a merge-key value or scalar, by which
/// apimachinery sorts list elements.
fn sort_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "<nil>".to_owned(),
        other => other.to_string(),
    }
}

fn diff_maps(
    original: &Map<String, Value>,
    modified: &Map<String, Value>,
    schema: Option<At<'_>>,
    mode: DiffMode,
    path: &mut Vec<String>,
) -> Result<Map<String, Value>, StrategicPatchError> {
    let mut patch = Map::new();
    let mut retained = Vec::new();
    for (key, new) in modified {
        if mode.retain_keys && !new.is_null() {
            retained.push(Value::String(key.clone()));
        }
        let Some(old) = original.get(key) else {
            if !mode.ignore_additions {
                patch.insert(key.clone(), new.clone());
            }
            continue;
        };
        if key == DIRECTIVE {
            if old != new {
                patch.insert(key.clone(), new.clone());
            }
            continue;
        }
        if !same_type(old, new) {
            if !mode.ignore_additions {
                patch.insert(key.clone(), new.clone());
            }
            continue;
        }
        path.push(key.clone());
        let field = schema.and_then(|s| s.field(key));
        let merging_list = field.filter(|f| f.merges());
        match (old, new, merging_list) {
            (Value::Object(old), Value::Object(new), _) => {
                let child = DiffMode {
                    retain_keys: field.is_some_and(At::retains_keys),
                    ..mode
                };
                let sub = diff_maps(old, new, field, child, path)?;
                if !sub.is_empty() {
                    patch.insert(key.clone(), Value::Object(sub));
                }
            }
            (Value::Array(old), Value::Array(new), Some(list)) => {
                patch.extend(diff_merged_lists(key, old, new, list, mode, path)?);
            }
            _ => {
                if !mode.ignore_additions && old != new {
                    patch.insert(key.clone(), new.clone());
                }
            }
        }
        path.pop();
    }
    if !mode.ignore_deletions {
        for key in original.keys().filter(|k| !modified.contains_key(*k)) {
            patch.insert(key.clone(), Value::Null);
        }
    }
    let drops_fields = original
        .iter()
        .any(|(k, v)| !v.is_null() && !modified.contains_key(k));
    if !retained.is_empty() && (!patch.is_empty() || drops_fields) {
        retained.sort_by_key(sort_text);
        patch.insert(RETAIN_KEYS.to_owned(), Value::Array(retained));
    }
    Ok(patch)
}

/// apimachinery's `handleSliceDiff` for a list with the `merge` strategy:
/// the patch entries for the list `key` (changed elements, primitive
/// deletions, element order).
fn diff_merged_lists(
    key: &str,
    old: &[Value],
    new: &[Value],
    field: At<'_>,
    mode: DiffMode,
    path: &mut Vec<String>,
) -> Result<Map<String, Value>, StrategicPatchError> {
    let mut patch = Map::new();
    let mode = DiffMode {
        retain_keys: field.retains_keys(),
        ..mode
    };
    if old.is_empty() {
        if !new.is_empty() && !mode.ignore_additions {
            patch.insert(key.to_owned(), Value::Array(new.to_vec()));
        }
        return Ok(patch);
    }
    let (changes, deletions, order) = if list_of_maps(old, new, path)? {
        let merge_key = field.keys().first().map(String::as_str).unwrap_or("");
        let (mut changes, deletions) =
            diff_lists_of_maps(old, new, field.elements(), merge_key, mode, path)?;
        sort_by_order(
            &mut changes,
            &Index::of(new, Some(merge_key)),
            Some(merge_key),
        );
        let same_order = old.len() == new.len()
            && old
                .iter()
                .zip(new)
                .all(|(o, n)| o.get(merge_key) == n.get(merge_key));
        changes.extend(deletions);
        let order = ((!mode.ignore_additions && (!changes.is_empty() || !same_order))
            || (!mode.ignore_deletions && !changes.is_empty()))
        .then(|| {
            new.iter()
                .map(|n| {
                    let mut only_key = Map::new();
                    only_key.insert(
                        merge_key.to_owned(),
                        n.get(merge_key).cloned().unwrap_or(Value::Null),
                    );
                    Value::Object(only_key)
                })
                .collect()
        });
        (changes, Vec::new(), order)
    } else {
        let (mut additions, deletions) = diff_lists_of_scalars(old, new, mode);
        sort_by_order(&mut additions, &Index::of(new, None), None);
        let order = ((!mode.ignore_deletions && !deletions.is_empty())
            || (!mode.ignore_additions && old != new))
            .then(|| new.to_vec());
        (additions, deletions, order)
    };
    if !changes.is_empty() {
        patch.insert(key.to_owned(), Value::Array(changes));
    }
    if !deletions.is_empty() {
        patch.insert(format!("{DELETE_PRIMITIVE}{key}"), Value::Array(deletions));
    }
    if let Some(order) = order.filter(|o: &Vec<Value>| !o.is_empty()) {
        patch.insert(format!("{SET_ORDER}{key}"), Value::Array(order));
    }
    Ok(patch)
}

/// apimachinery's `diffListsOfMaps`: both lists sorted by merge key and
/// walked together; elements only in `new` are added whole, elements in
/// both are diffed, elements only in `old` get a delete directive.
fn diff_lists_of_maps(
    old: &[Value],
    new: &[Value],
    elements: Option<At<'_>>,
    merge_key: &str,
    mode: DiffMode,
    path: &mut Vec<String>,
) -> Result<(Vec<Value>, Vec<Value>), StrategicPatchError> {
    let old = sorted_by_merge_key(old, merge_key, path)?;
    let new = sorted_by_merge_key(new, merge_key, path)?;
    let (mut changes, mut deletions) = (Vec::new(), Vec::new());
    for step in sorted_walk(&old, &new) {
        match step {
            Step::Both(i, j) => {
                let (o, n) = (old[i].1, new[j].1);
                let mut sub = diff_maps(o, n, elements, mode, path)?;
                if !sub.is_empty() {
                    sub.insert(merge_key.to_owned(), n[merge_key].clone());
                    changes.push(Value::Object(sub));
                }
            }
            Step::New(j) if !mode.ignore_additions => {
                changes.push(Value::Object(new[j].1.clone()));
            }
            Step::Old(i) if !mode.ignore_deletions => {
                let mut directive = Map::new();
                directive.insert(DIRECTIVE.to_owned(), "delete".into());
                directive.insert(merge_key.to_owned(), old[i].1[merge_key].clone());
                deletions.push(Value::Object(directive));
            }
            Step::New(_) | Step::Old(_) => {}
        }
    }
    Ok((changes, deletions))
}

/// apimachinery's `mergeMap` of the delta into the deletions, as
/// `CreateThreeWayMergePatch` combines them (parallel lists copied, not
/// merged).
fn merge_patches(
    mut into: Map<String, Value>,
    mut patch: Map<String, Value>,
    schema: Option<At<'_>>,
    path: &mut Vec<String>,
) -> Result<Map<String, Value>, StrategicPatchError> {
    match patch.get(DIRECTIVE).and_then(Value::as_str) {
        Some("replace") => {
            patch.remove(DIRECTIVE);
            return Ok(patch);
        }
        Some("delete") => return Ok(Map::new()),
        _ => {}
    }
    for (key, value) in patch {
        let parallel = key == RETAIN_KEYS || key.starts_with(SET_ORDER);
        if parallel {
            match into.get(&key) {
                Some(existing) if *existing != value => {
                    return Err(StrategicPatchError::ConflictingDirective {
                        path: dotted(path),
                        directive: key,
                    });
                }
                _ => {
                    into.insert(key, value);
                }
            }
            continue;
        }
        if key.starts_with(DELETE_PRIMITIVE) {
            into.insert(key, value);
            continue;
        }
        // A delta value taken whole loses the maps that carry `$patch`
        // directives, as apimachinery's merge of the two patches does.
        let Some(existing) = into.remove(&key) else {
            let mut value = value;
            if without_directives(&mut value) {
                into.insert(key, value);
            }
            continue;
        };
        path.push(key.clone());
        let field = schema.and_then(|s| s.field(&key));
        let merged = match (existing, value) {
            (Value::Object(existing), Value::Object(value)) => {
                Value::Object(merge_patches(existing, value, field, path)?)
            }
            (Value::Array(existing), Value::Array(value)) if field.is_some_and(At::merges) => {
                let merge_key = field.and_then(|f| f.keys().first().cloned());
                merge_patch_lists(
                    existing,
                    value,
                    field.and_then(At::elements),
                    merge_key,
                    path,
                )?
            }
            (existing, mut value) if !same_type(&existing, &value) => {
                if !without_directives(&mut value) {
                    path.pop();
                    continue;
                }
                value
            }
            (_, value) => value,
        };
        path.pop();
        into.insert(key, merged);
    }
    Ok(into)
}

/// apimachinery's `mergeSlice` of two patch lists.
fn merge_patch_lists(
    into: Vec<Value>,
    patch: Vec<Value>,
    elements: Option<At<'_>>,
    merge_key: Option<String>,
    path: &mut Vec<String>,
) -> Result<Value, StrategicPatchError> {
    if into.is_empty() && patch.is_empty() {
        return Ok(Value::Array(into));
    }
    if !list_of_maps(&into, &patch, path)? {
        let mut seen: HashSet<String> = into.iter().map(Value::to_string).collect();
        let mut both = into;
        both.extend(patch.into_iter().filter(|v| seen.insert(v.to_string())));
        return Ok(Value::Array(both));
    }
    let merge_key = merge_key.unwrap_or_default();
    let key_of = |v: &Value| identity(v, Some(&merge_key));
    // Delete directives in the delta remove the deletions' element.
    let (deletes, plain): (Vec<Value>, Vec<Value>) = patch
        .into_iter()
        .partition(|item| item.get(DIRECTIVE).and_then(Value::as_str) == Some("delete"));
    let deleted: HashSet<Option<String>> = deletes.iter().map(key_of).collect();
    let mut server = into;
    server.retain(|s| !deleted.contains(&key_of(s)));
    let server_order = Index::of(&server, Some(&merge_key));
    let mut merged = server;
    let mut at: HashMap<Option<String>, usize> = merged
        .iter()
        .enumerate()
        .map(|(i, m)| (key_of(m), i))
        .collect();
    for item in &plain {
        match at.get(&key_of(item)) {
            Some(&i) => {
                let existing = std::mem::take(&mut merged[i]);
                if let (Value::Object(e), Value::Object(p)) = (existing, item.clone()) {
                    merged[i] = Value::Object(merge_patches(e, p, elements, path)?);
                }
            }
            None => {
                at.insert(key_of(item), merged.len());
                merged.push(item.clone());
            }
        }
    }
    let in_patch: HashSet<Option<String>> = plain.iter().map(key_of).collect();
    let (mut ours, mut theirs): (Vec<Value>, Vec<Value>) = merged
        .into_iter()
        .partition(|m| in_patch.contains(&key_of(m)));
    sort_by_order(
        &mut ours,
        &Index::of(&plain, Some(&merge_key)),
        Some(&merge_key),
    );
    sort_by_order(&mut theirs, &server_order, Some(&merge_key));
    Ok(Value::Array(merge_sorted(
        theirs,
        ours,
        &server_order,
        &merge_key,
    )))
}

/// Removes, below `value`, every map that carries a `$patch` directive;
/// false when `value` itself is one.
fn without_directives(value: &mut Value) -> bool {
    match value {
        Value::Object(map) => {
            if map.contains_key(DIRECTIVE) {
                return false;
            }
            map.retain(|_, v| without_directives(v));
            true
        }
        Value::Array(items) => {
            items.retain_mut(without_directives);
            true
        }
        _ => true,
    }
}

/// Whether two lists (checked together) hold maps; an error when they mix
/// types or hold lists.
fn list_of_maps(a: &[Value], b: &[Value], path: &[String]) -> Result<bool, StrategicPatchError> {
    let mut items = a.iter().chain(b);
    let Some(first) = items.next() else {
        return Ok(false);
    };
    if first.is_array() || items.any(|v| !same_type(v, first)) {
        return Err(StrategicPatchError::MixedList { path: dotted(path) });
    }
    Ok(first.is_object())
}

/// List elements with the text of their merge key, sorted by it.
type KeyedElements<'v> = Vec<(String, &'v Map<String, Value>)>;

fn sorted_by_merge_key<'v>(
    items: &'v [Value],
    merge_key: &str,
    path: &[String],
) -> Result<KeyedElements<'v>, StrategicPatchError> {
    let mut keyed = items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let map = item
                .as_object()
                .ok_or_else(|| StrategicPatchError::MixedList { path: dotted(path) })?;
            match map.get(merge_key) {
                Some(k) => Ok((sort_text(k), map)),
                None => Err(StrategicPatchError::MissingMergeKey {
                    path: dotted(path),
                    index,
                    key: merge_key.to_owned(),
                }),
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(keyed)
}

/// One step of walking two lists sorted by text together.
enum Step {
    /// Equal texts: `old[i]` and `new[j]`.
    Both(usize, usize),
    /// `old[i]` has no counterpart in `new`.
    Old(usize),
    /// `new[j]` has no counterpart in `old`.
    New(usize),
}

/// The steps of a merge walk over two lists sorted by their texts.
fn sorted_walk<T>(old: &[(String, T)], new: &[(String, T)]) -> Vec<Step> {
    let mut steps = Vec::with_capacity(old.len() + new.len());
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < new.len() {
        let order = match (old.get(i), new.get(j)) {
            (Some(o), Some(n)) => o.0.cmp(&n.0),
            (Some(_), None) => Ordering::Less,
            _ => Ordering::Greater,
        };
        match order {
            Ordering::Equal => {
                steps.push(Step::Both(i, j));
                i += 1;
                j += 1;
            }
            Ordering::Less => {
                steps.push(Step::Old(i));
                i += 1;
            }
            Ordering::Greater => {
                steps.push(Step::New(j));
                j += 1;
            }
        }
    }
    steps
}

/// apimachinery's `diffListsOfScalars`: additions and deletions between two
/// lists compared as sorted texts.
fn diff_lists_of_scalars(old: &[Value], new: &[Value], mode: DiffMode) -> (Vec<Value>, Vec<Value>) {
    let sorted = |items: &[Value]| {
        let mut v: Vec<(String, Value)> = items.iter().map(|i| (sort_text(i), i.clone())).collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    let (old, new) = (sorted(old), sorted(new));
    let (mut additions, mut deletions) = (Vec::new(), Vec::<Value>::new());
    for step in sorted_walk(&old, &new) {
        match step {
            Step::Old(i) if !mode.ignore_deletions && deletions.last() != Some(&old[i].1) => {
                deletions.push(old[i].1.clone());
            }
            Step::New(j) if !mode.ignore_additions => additions.push(new[j].1.clone()),
            _ => {}
        }
    }
    (additions, deletions)
}

/// What identifies a list element: its merge key's value for maps, itself
/// for scalars (as JSON text); `None` for a map without the key.
fn identity(item: &Value, merge_key: Option<&str>) -> Option<String> {
    match merge_key {
        Some(k) => item.get(k).map(Value::to_string),
        None => Some(item.to_string()),
    }
}

/// The position of each element of a list by [`identity`] (the first one
/// when an identity repeats).
struct Index(HashMap<String, usize>);

impl Index {
    fn of(order: &[Value], merge_key: Option<&str>) -> Self {
        let mut positions = HashMap::with_capacity(order.len());
        for (i, item) in order.iter().enumerate() {
            if let Some(id) = identity(item, merge_key) {
                positions.entry(id).or_insert(i);
            }
        }
        Index(positions)
    }

    /// Where `item` stands in the indexed list.
    fn position(&self, item: &Value, merge_key: Option<&str>) -> Option<usize> {
        self.0.get(&identity(item, merge_key)?).copied()
    }
}

/// apimachinery's `normalizeSliceOrder`: a stable sort by position in
/// `order`, delete directives last.
fn sort_by_order(items: &mut Vec<Value>, order: &Index, merge_key: Option<&str>) {
    let (mut kept, deletes): (Vec<Value>, Vec<Value>) = std::mem::take(items)
        .into_iter()
        .partition(|i| merge_key.is_none() || i.get(DIRECTIVE).is_none());
    kept.sort_by_key(|i| order.position(i, merge_key).unwrap_or(usize::MAX));
    kept.extend(deletes);
    *items = kept;
}

/// apimachinery's `mergeSortedSlice`: interleaves the elements only the first
/// patch has (`left`) with the delta's (`right`), left first when both stand
/// in `server_order` and left comes earlier there.
fn merge_sorted(
    left: Vec<Value>,
    right: Vec<Value>,
    server_order: &Index,
    merge_key: &str,
) -> Vec<Value> {
    let mut out = Vec::with_capacity(left.len() + right.len());
    let (mut left, mut right) = (left.into_iter().peekable(), right.into_iter().peekable());
    loop {
        let take_left = match (left.peek(), right.peek()) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(l), Some(r)) => matches!(
                (server_order.position(l, Some(merge_key)), server_order.position(r, Some(merge_key))),
                (Some(li), Some(ri)) if li < ri
            ),
        };
        let next = if take_left { left.next() } else { right.next() };
        out.extend(next);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment(containers: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "spec": {"template": {"spec": {"containers": containers}}}})
    }

    #[test]
    fn a_delete_directive_in_the_manifest_cancels_the_deletions_entry() {
        let original =
            deployment(json!([{"name": "web", "image": "a"}, {"name": "side", "image": "b"}]));
        let modified = deployment(
            json!([{"name": "web", "image": "a"}, {"name": "side", "$patch": "delete"}]),
        );
        let current = deployment(
            json!([{"name": "web", "image": "a", "imagePullPolicy": "Always"},
            {"name": "side", "image": "b", "imagePullPolicy": "Always"}]),
        );
        let patch = three_way_strategic_patch(Some(&original), &modified, &current).expect("patch");
        assert_eq!(
            patch,
            json!({"spec": {"template": {"spec": {
                "$setElementOrder/containers": [{"name": "web"}, {"name": "side"}],
                "containers": []}}}})
        );
    }
}
