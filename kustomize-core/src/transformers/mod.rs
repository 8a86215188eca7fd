//! The builtin transformers that a kustomization's fields configure, as pure
//! functions over the resources of a build, one module each. Each takes its
//! field specs from a [`TransformerConfig`](crate::fieldspec::TransformerConfig)
//! list (the caller picks the list, so custom transformer configs can pass
//! their own). Kustomize runs them in this order: namespace, prefix, suffix,
//! labels, annotations, replicas, images.

pub mod annotations;
pub mod images;
pub mod labels;
pub mod name_affix;
pub mod namespace;
pub mod replicas;
pub mod value_add;

use crate::fieldspec::{CreateKind, FieldSpec, FieldSpecError, apply_all, node_kind};
use crate::resource::Resource;
use serde_json::Value;

/// Why a transformer failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransformError {
    /// A field along a spec's path has the wrong type, or a setter refused it.
    #[error(transparent)]
    Field(#[from] FieldSpecError),
    /// Two resources have the same id after setting the namespace.
    #[error("namespace transformation produces ID conflict: {id} appears {count} times")]
    NamespaceConflict {
        /// The id shared.
        id: String,
        /// How many resources have it.
        count: usize,
    },
    /// A (cluster) role binding's `subjects` is not a list.
    #[error("setting namespace on (cluster)role binding subjects of {object}: {reason}")]
    Subjects {
        /// The binding's id.
        object: String,
        /// What is wrong.
        reason: String,
    },
    /// An image in a `containers` or `initContainers` list could not be
    /// rewritten (the list holds a non-map, or the image is not a scalar).
    #[error("updating container images of {object}: {reason}")]
    ContainerImage {
        /// The object's id.
        object: String,
        /// What is wrong.
        reason: String,
    },
    /// An `images` entry's name is not a valid regular expression.
    #[error("images: name '{name}' is not a valid pattern: {reason}")]
    ImageName {
        /// The entry's `name`.
        name: String,
        /// The regex error.
        reason: String,
    },
    /// A `replicas` entry names no resource of the kinds replicas apply to.
    #[error("resource with name {name} does not match a config with the following GVK [{gvks}]")]
    ReplicaTarget {
        /// The entry's `name`.
        name: String,
        /// The kinds searched, space-separated.
        gvks: String,
    },
}

/// The text of a scalar as kustomize reads it (`null` reads as empty), or
/// `None` for maps and lists.
pub(crate) fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => Some(String::new()),
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(_) | Value::Array(_) => None,
    }
}

/// Kustomize's message for a node of the wrong kind.
pub(crate) fn wrong_kind(expected: &str, got: &Value) -> String {
    format!(
        "wrong node kind: expected {expected} but got {}",
        node_kind(got)
    )
}

/// Replaces a scalar (or null) field with `value`; refuses maps and lists.
pub(crate) fn replace_scalar(field: &mut Value, value: Value) -> Result<(), String> {
    if scalar_text(field).is_none() {
        return Err(wrong_kind("ScalarNode", field));
    }
    *field = value;
    Ok(())
}

/// Sets `key: value` (strings) in each map the specs designate, for each
/// pair in key order: the shared body of the labels and annotations
/// transformers. A null map is left alone; a non-map is an error.
pub(crate) fn set_map_entries<'a>(
    resources: &mut [Resource],
    pairs: impl IntoIterator<Item = (&'a String, &'a String)>,
    specs: &[FieldSpec],
) -> Result<(), TransformError> {
    let mut pairs: Vec<(&String, &String)> = pairs.into_iter().collect();
    if pairs.is_empty() {
        return Ok(());
    }
    pairs.sort();
    for r in resources.iter_mut() {
        for (k, v) in &pairs {
            apply_all(
                specs,
                &mut r.object,
                CreateKind::Map,
                &mut |field: &mut Value| match field {
                    Value::Object(m) => {
                        m.insert((*k).clone(), Value::String((*v).clone()));
                        Ok(())
                    }
                    Value::Null => Ok(()),
                    other => Err(wrong_kind("MappingNode", other)),
                },
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod test_util {
    use crate::resource::Resource;
    use serde_json::Value;

    /// A resource from a JSON object literal.
    pub fn res(v: Value) -> Resource {
        Resource::new(v.as_object().expect("an object").clone())
    }

    /// The objects, as one JSON list.
    pub fn objects(rs: &[Resource]) -> Value {
        Value::Array(rs.iter().map(|r| Value::Object(r.object.clone())).collect())
    }
}
