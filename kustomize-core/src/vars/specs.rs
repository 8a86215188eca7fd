//! Where var references are expanded: kustomize 5.5's default
//! `varReference` field specs, and walking an object along one.

use super::expand::{Expanded, expand};
use crate::fieldspec::FieldSpec;
use crate::replacements::path::split_escaped;
use crate::replacements::scalar::float_value;
use serde_json::Value;

/// Why a field could not be expanded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WalkError {
    /// A scalar where the path continues.
    #[error("expected sequence or mapping node")]
    NotAContainer,
    /// An empty part in the path.
    #[error("cannot set or create an empty field name")]
    EmptyField,
    /// A list at the end of the path holds something other than strings.
    #[error("invalid value type expect a string")]
    NonStringItem,
    /// An error inside a list, with the rest of the path (Go's `%v` of it).
    #[error("visit traversal on path: [{}]: {source}", path.join(" "))]
    InList {
        /// The path still to walk.
        path: Vec<String>,
        /// The error.
        source: Box<WalkError>,
    },
}

/// Expands var references in the fields `spec` names inside `object`
/// (which must already be known to be of the spec's kind). `lookup` is as
/// for [`expand`].
pub fn expand_at(
    object: &mut Value,
    spec: &FieldSpec,
    lookup: &mut dyn FnMut(&str) -> Option<Value>,
) -> Result<(), WalkError> {
    walk(object, &split_escaped(&spec.path, '/'), lookup)
}

fn walk(
    node: &mut Value,
    path: &[String],
    lookup: &mut dyn FnMut(&str) -> Option<Value>,
) -> Result<(), WalkError> {
    let Some(first) = path.first() else {
        return set(node, lookup);
    };
    match node {
        Value::Null => Ok(()),
        Value::Array(items) => items.iter_mut().try_for_each(|item| {
            walk(item, path, lookup).map_err(|e| WalkError::InList {
                path: path.to_vec(),
                source: Box::new(e),
            })
        }),
        Value::Object(map) => {
            let name = first.strip_suffix("[]").unwrap_or(first);
            if name.is_empty() {
                return Err(WalkError::EmptyField);
            }
            match map.get_mut(name.trim()) {
                Some(child) => walk(child, &path[1..], lookup),
                None => Ok(()),
            }
        }
        _ => Err(WalkError::NotAContainer),
    }
}

/// The value a string takes after expansion, typed as kustomize types it.
fn expanded(s: &str, lookup: &mut dyn FnMut(&str) -> Option<Value>) -> Value {
    match expand(s, lookup) {
        Expanded::Text(t) => Value::String(t),
        Expanded::Whole(Value::Number(n)) if n.is_f64() => {
            n.as_f64().map_or(Value::Number(n), float_value)
        }
        Expanded::Whole(v) => v,
    }
}

fn set(node: &mut Value, lookup: &mut dyn FnMut(&str) -> Option<Value>) -> Result<(), WalkError> {
    match node {
        Value::String(s) => *node = expanded(s, lookup),
        Value::Object(map) => {
            for v in map.values_mut() {
                if let Value::String(s) = v {
                    *v = expanded(s, lookup);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                let Value::String(s) = item else {
                    return Err(WalkError::NonStringItem);
                };
                *item = expanded(s, lookup);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lookup(name: &str) -> Option<Value> {
        match name {
            "PORT" => Some(json!(80)),
            "HOST" => Some(json!("svc")),
            _ => None,
        }
    }

    fn spec(kind: &str, path: &str) -> FieldSpec {
        FieldSpec::new(path).kind(kind)
    }

    #[test]
    fn walks_lists_and_expands_strings_maps_and_lists() {
        let mut obj = json!({"spec": {"containers": [
            {"args": ["--port=$(PORT)", "$(HOST)"], "env": [{"name": "P", "value": "$(PORT)"}]},
            {"name": "no-args"}
        ]}, "metadata": {"annotations": {"a": "$(HOST).local", "n": 1}}});
        let mut l = lookup;
        expand_at(&mut obj, &spec("Pod", "spec/containers/args"), &mut l).unwrap();
        expand_at(&mut obj, &spec("Pod", "spec/containers/env/value"), &mut l).unwrap();
        expand_at(&mut obj, &spec("", "metadata/annotations"), &mut l).unwrap();
        assert_eq!(
            obj["spec"]["containers"][0]["args"],
            json!(["--port=80", "svc"])
        );
        assert_eq!(obj["spec"]["containers"][0]["env"][0]["value"], json!(80));
        assert_eq!(
            obj["metadata"]["annotations"],
            json!({"a": "svc.local", "n": 1})
        );
    }

    #[test]
    fn errors_name_the_problem() {
        let mut l = lookup;
        let mut obj = json!({"spec": {"containers": [{"args": ["a", 1]}]}});
        let err = expand_at(&mut obj, &spec("Pod", "spec/containers/args"), &mut l).unwrap_err();
        assert_eq!(
            err.to_string(),
            "visit traversal on path: [args]: invalid value type expect a string"
        );
        let mut obj = json!({"spec": "x"});
        let err = expand_at(&mut obj, &spec("Pod", "spec/containers/args"), &mut l).unwrap_err();
        assert_eq!(err, WalkError::NotAContainer);
    }
}
