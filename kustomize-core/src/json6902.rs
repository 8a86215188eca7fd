//! JSON 6902 patches with the semantics of the library Kustomize 5.5 uses
//! (evanphx/json-patch v4), which differs from RFC 6902 in places:
//! - `replace` of an absent map key adds it; `replace` at the root path `""`
//!   swaps in the value when it is a map or list;
//! - array indices may be negative (counted from the end); `-` appends for `add`;
//! - `add`, `remove`, `move`, `copy` need every parent to exist, and the root
//!   path `""` is refused for them;
//! - `copy` from an absent map key copies a null; `test` of an absent map key
//!   passes when the expected value is null; numbers compare by value;
//! - a path's first segment is ignored, whatever it is (`a/b` acts as `/b`);
//! - an operation without `value` uses null.
//!
//! The `json-patch` crate follows the RFC on these points, so it is not used.

use serde_json::Value;

/// Why a JSON 6902 patch could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Json6902Error {
    /// The patch is not a list of operations.
    #[error("json patch: expected a list of operations, found {found}")]
    NotAList {
        /// What was found instead.
        found: &'static str,
    },
    /// An operation is malformed (not a map, no `op`, no `path`, unknown `op`).
    #[error("json patch operation {index}: {message}")]
    BadOperation {
        /// Index of the operation in the patch.
        index: usize,
        /// What is wrong.
        message: String,
    },
    /// An operation does not apply to the document.
    #[error("json patch operation {index} ({op} {path}): {reason}")]
    Failed {
        /// Index of the operation in the patch.
        index: usize,
        /// The operation name.
        op: String,
        /// Its `path`.
        path: String,
        /// Why it failed.
        reason: String,
    },
}

/// Applies the operations in `patch` (a list of `{op, path, from?, value?}`)
/// to `doc`. On error `doc` is left unchanged.
pub fn apply(doc: &mut Value, patch: &Value) -> Result<(), Json6902Error> {
    let mut work = doc.clone();
    apply_in_place(&mut work, patch)?;
    *doc = work;
    Ok(())
}

/// [`apply`] without the copy that keeps `doc` unchanged on error: after an
/// error, `doc` holds the operations that succeeded before it.
pub fn apply_in_place(doc: &mut Value, patch: &Value) -> Result<(), Json6902Error> {
    let ops = patch.as_array().ok_or(Json6902Error::NotAList {
        found: crate::value_kind::describe(patch),
    })?;
    for (index, op) in ops.iter().enumerate() {
        let parsed = Operation::parse(index, op)?;
        parsed.apply(doc).map_err(|reason| Json6902Error::Failed {
            index,
            op: parsed.op.to_owned(),
            path: parsed.path.to_owned(),
            reason,
        })?;
    }
    Ok(())
}

/// One decoded operation.
struct Operation<'a> {
    op: &'a str,
    path: &'a str,
    from: Option<&'a str>,
    value: Value,
}

impl<'a> Operation<'a> {
    fn parse(index: usize, op: &'a Value) -> Result<Self, Json6902Error> {
        let bad = |message: &str| Json6902Error::BadOperation {
            index,
            message: message.to_owned(),
        };
        let map = op.as_object().ok_or_else(|| bad("not a map"))?;
        let name = map
            .get("op")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("`op` is missing or not a string"))?;
        if !matches!(
            name,
            "add" | "remove" | "replace" | "move" | "copy" | "test"
        ) {
            return Err(bad(&format!("unknown op {name:?}")));
        }
        let path = map
            .get("path")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("`path` is missing or not a string"))?;
        let from = map.get("from").and_then(Value::as_str);
        if matches!(name, "move" | "copy") && from.is_none() {
            return Err(bad("`from` is missing or not a string"));
        }
        Ok(Operation {
            op: name,
            path,
            from,
            value: map.get("value").cloned().unwrap_or(Value::Null),
        })
    }

    fn apply(&self, doc: &mut Value) -> Result<(), String> {
        match self.op {
            "add" => add(doc, self.path, self.value.clone()),
            "remove" => remove(doc, self.path).map(drop),
            "replace" => replace(doc, self.path, self.value.clone()),
            "move" => {
                let from = self.from.unwrap_or_default();
                let value = remove(doc, from).map_err(|e| format!("from {from:?}: {e}"))?;
                add(doc, self.path, value)
            }
            "copy" => {
                let from = self.from.unwrap_or_default();
                let (parent, key) = parent_of(doc, from)
                    .ok_or_else(|| format!("doc is missing from path {from:?}"))?;
                let value = get(parent, &key)?.cloned().unwrap_or(Value::Null);
                add(doc, self.path, value)
            }
            _ => test(doc, self.path, &self.value),
        }
    }
}

/// Splits a pointer into its parent container and last key, decoding `~1` and
/// `~0`; `None` when the path has fewer than two segments or a parent is missing.
fn parent_of<'d>(doc: &'d mut Value, path: &str) -> Option<(&'d mut Value, String)> {
    let segments: Vec<String> = path.split('/').map(decode).collect();
    if segments.len() < 2 {
        return None;
    }
    let (key, parents) = segments[1..].split_last()?;
    let mut cur = doc;
    for part in parents {
        cur = match cur {
            Value::Object(map) => map.get_mut(part)?,
            Value::Array(items) => {
                let i = index(part, items.len(), false).ok()?;
                items.get_mut(i)?
            }
            _ => return None,
        };
        if !cur.is_object() && !cur.is_array() {
            return None;
        }
    }
    Some((cur, key.clone()))
}

fn decode(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// Resolves an array index as the library does: an integer, negative ones
/// counted from the end; `inclusive` allows `len` (for insertion).
fn index(key: &str, len: usize, inclusive: bool) -> Result<usize, String> {
    let idx: i64 = key
        .parse()
        .map_err(|_| format!("value was not a proper array index: {key:?}"))?;
    let size = i64::try_from(len).unwrap_or(i64::MAX) + i64::from(inclusive);
    let resolved = if idx < 0 { idx + size } else { idx };
    if resolved < 0 || resolved >= size {
        return Err(format!("unable to access invalid index: {idx}"));
    }
    usize::try_from(resolved).map_err(|_| format!("unable to access invalid index: {idx}"))
}

fn get<'d>(container: &'d Value, key: &str) -> Result<Option<&'d Value>, String> {
    match container {
        Value::Object(map) => Ok(map.get(key)),
        Value::Array(items) => Ok(Some(&items[index(key, items.len(), false)?])),
        _ => Err("parent is not a map or list".to_owned()),
    }
}

fn add(doc: &mut Value, path: &str, value: Value) -> Result<(), String> {
    let (parent, key) = parent_of(doc, path).ok_or("doc is missing path")?;
    match parent {
        Value::Object(map) => {
            map.insert(key, value);
        }
        Value::Array(items) if key == "-" => items.push(value),
        Value::Array(items) => {
            let i = index(&key, items.len(), true)?;
            items.insert(i, value);
        }
        _ => return Err("parent is not a map or list".to_owned()),
    }
    Ok(())
}

fn remove(doc: &mut Value, path: &str) -> Result<Value, String> {
    let (parent, key) = parent_of(doc, path).ok_or("doc is missing path")?;
    match parent {
        Value::Object(map) => map
            .shift_remove(&key)
            .ok_or_else(|| format!("unable to remove nonexistent key: {key}")),
        Value::Array(items) => {
            let i = index(&key, items.len(), false)?;
            Ok(items.remove(i))
        }
        _ => Err("parent is not a map or list".to_owned()),
    }
}

fn replace(doc: &mut Value, path: &str, value: Value) -> Result<(), String> {
    if path.is_empty() {
        if !value.is_object() && !value.is_array() {
            return Err("replace operation value must be object or array".to_owned());
        }
        *doc = value;
        return Ok(());
    }
    let (parent, key) = parent_of(doc, path).ok_or("doc is missing path")?;
    match parent {
        Value::Object(map) => {
            map.insert(key, value);
        }
        Value::Array(items) => {
            let i = index(&key, items.len(), false)?;
            items[i] = value;
        }
        _ => return Err("parent is not a map or list".to_owned()),
    }
    Ok(())
}

fn test(doc: &mut Value, path: &str, expected: &Value) -> Result<(), String> {
    let actual = if path.is_empty() {
        Some(&*doc)
    } else {
        let (parent, key) = parent_of(doc, path).ok_or("doc is missing path")?;
        get(parent, &key)?
    };
    match actual {
        None if expected.is_null() => Ok(()),
        Some(actual) if same(actual, expected) => Ok(()),
        _ => Err("testing value failed".to_owned()),
    }
}

/// Structural equality with numbers compared by value.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(doc: Value, ops: Value) -> Result<Value, Json6902Error> {
        let mut doc = doc;
        apply(&mut doc, &ops).map(|()| doc)
    }

    fn failed_index(r: Result<Value, Json6902Error>) -> usize {
        match r {
            Err(Json6902Error::Failed { index, .. }) => index,
            other => panic!("expected a failed operation, got {other:?}"),
        }
    }

    #[test]
    fn add_sets_map_keys_and_inserts_into_lists() {
        let out = run(
            json!({"a": {"b": 1}, "l": [1, 2]}),
            json!([
                {"op": "add", "path": "/a/c", "value": 2},
                {"op": "add", "path": "/a/b", "value": 3},
                {"op": "add", "path": "/l/0", "value": 0},
                {"op": "add", "path": "/l/-", "value": 9},
                {"op": "add", "path": "/l/-1", "value": 8},
                {"op": "add", "path": "/l/5", "value": 10}
            ]),
        )
        .unwrap();
        assert_eq!(
            out,
            json!({"a": {"b": 3, "c": 2}, "l": [0, 1, 2, 9, 8, 10]})
        );
    }

    #[test]
    fn add_needs_existing_parents_and_valid_index() {
        assert_eq!(
            failed_index(run(
                json!({"a": {}}),
                json!([{"op": "add", "path": "/x/y", "value": 1}])
            )),
            0
        );
        assert_eq!(
            failed_index(run(
                json!({"l": [1]}),
                json!([{"op": "test", "path": "/l/0", "value": 1}, {"op": "add", "path": "/l/3", "value": 1}])
            )),
            1
        );
        assert_eq!(
            failed_index(run(
                json!({"a": 1}),
                json!([{"op": "add", "path": "", "value": {}}])
            )),
            0
        );
        assert_eq!(
            failed_index(run(
                json!({"a": 1}),
                json!([{"op": "add", "path": "/a/b", "value": 1}])
            )),
            0
        );
    }

    #[test]
    fn remove_errors_on_missing_key_and_leaves_doc_unchanged() {
        let mut doc = json!({"a": 1, "l": [1, 2, 3]});
        let err = apply(
            &mut doc,
            &json!([{"op": "remove", "path": "/a"}, {"op": "remove", "path": "/zz"}]),
        )
        .unwrap_err();
        assert_eq!(
            err,
            Json6902Error::Failed {
                index: 1,
                op: "remove".into(),
                path: "/zz".into(),
                reason: "unable to remove nonexistent key: zz".into()
            }
        );
        assert_eq!(doc, json!({"a": 1, "l": [1, 2, 3]}));
        let out = run(
            doc,
            json!([{"op": "remove", "path": "/l/-1"}, {"op": "remove", "path": "/l/0"}]),
        )
        .unwrap();
        assert_eq!(out, json!({"a": 1, "l": [2]}));
    }

    #[test]
    fn replace_adds_absent_key_but_not_absent_index() {
        let out = run(json!({"a": 1, "l": [1]}), json!([{"op": "replace", "path": "/b", "value": 2}, {"op": "replace", "path": "/l/-1", "value": 5}])).unwrap();
        assert_eq!(out, json!({"a": 1, "b": 2, "l": [5]}));
        assert_eq!(
            failed_index(run(
                json!({"l": [1]}),
                json!([{"op": "replace", "path": "/l/1", "value": 2}])
            )),
            0
        );
        assert_eq!(
            run(
                json!({"a": 1}),
                json!([{"op": "replace", "path": "", "value": {"b": 2}}])
            )
            .unwrap(),
            json!({"b": 2})
        );
        assert_eq!(
            failed_index(run(
                json!({"a": 1}),
                json!([{"op": "replace", "path": "", "value": 3}])
            )),
            0
        );
    }

    #[test]
    fn move_and_copy() {
        let out = run(
            json!({"a": {"x": 1}, "b": {}, "l": [1, 2]}),
            json!([
                {"op": "move", "from": "/a/x", "path": "/b/y"},
                {"op": "copy", "from": "/l/1", "path": "/l/0"},
                {"op": "copy", "from": "/missing", "path": "/n"}
            ]),
        )
        .unwrap();
        assert_eq!(
            out,
            json!({"a": {}, "b": {"y": 1}, "l": [2, 1, 2], "n": null})
        );
        assert_eq!(
            failed_index(run(
                json!({"a": 1}),
                json!([{"op": "move", "from": "/zz", "path": "/b"}])
            )),
            0
        );
        assert_eq!(
            failed_index(run(
                json!({"a": {"b": 1}}),
                json!([{"op": "move", "from": "/a", "path": "/a/b/c"}])
            )),
            0
        );
    }

    #[test]
    fn test_compares_numbers_by_value_and_absent_as_null() {
        let doc = json!({"n": 1, "m": {"k": [1.0]}});
        assert!(run(doc.clone(), json!([{"op": "test", "path": "/n", "value": 1.0}, {"op": "test", "path": "/m", "value": {"k": [1]}}, {"op": "test", "path": "/absent", "value": null}])).is_ok());
        assert_eq!(
            failed_index(run(
                doc.clone(),
                json!([{"op": "test", "path": "/n", "value": 2}])
            )),
            0
        );
        assert_eq!(
            failed_index(run(
                doc,
                json!([{"op": "test", "path": "/absent", "value": 0}])
            )),
            0
        );
    }

    #[test]
    fn pointer_escapes_and_ignored_first_segment() {
        let out = run(json!({"a/b": {"c~d": 1}}), json!([{"op": "replace", "path": "/a~1b/c~0d", "value": 2}, {"op": "add", "path": "x/y", "value": 3}])).unwrap();
        assert_eq!(out, json!({"a/b": {"c~d": 2}, "y": 3}));
    }

    #[test]
    fn malformed_operations_are_reported_with_their_index() {
        assert_eq!(
            apply(&mut json!({}), &json!({"op": "add"})).unwrap_err(),
            Json6902Error::NotAList { found: "a map" }
        );
        for (ops, message) in [
            (json!([{"path": "/a"}]), "`op` is missing or not a string"),
            (json!([{"op": "frob", "path": "/a"}]), "unknown op \"frob\""),
            (
                json!([{"op": "add", "value": 1}]),
                "`path` is missing or not a string",
            ),
            (
                json!([{"op": "copy", "path": "/a"}]),
                "`from` is missing or not a string",
            ),
            (json!(["add"]), "not a map"),
        ] {
            assert_eq!(
                apply(&mut json!({}), &ops).unwrap_err(),
                Json6902Error::BadOperation {
                    index: 0,
                    message: message.into()
                }
            );
        }
    }

    #[test]
    fn add_without_value_adds_null() {
        assert_eq!(
            run(json!({}), json!([{"op": "add", "path": "/a"}])).unwrap(),
            json!({"a": null})
        );
    }
}
