//! The object core: Kubernetes objects held as `serde_json::Value`, read
//! through one set of accessors (metadata here, any field by [`path`]), named
//! by one identity ([`ResourceKey`], spec §0) and one API version split
//! ([`split_api_version`]). Diff, health, sync, cluster access and the
//! Application code all read objects through this module.

mod gvk;
mod label_selector;
pub mod path;
mod propagation;
mod scope;

pub use gvk::{Gvk, InvalidObject, ObjectRef};
pub use label_selector::{InvalidLabelSelector, LabelSelector, LabelSelectorRequirement};
pub use propagation::PropagationPolicy;
pub(crate) use scope::Scopes;
pub use scope::{ApiResource, CLUSTER_SCOPED_BUILTINS};

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Identity of a resource: `(group, kind, namespace, name)`; the version is not part of it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ResourceKey {
    /// API group; empty for the core group.
    pub group: String,
    /// Kind, e.g. `Deployment`.
    pub kind: String,
    /// Namespace; empty for cluster-scoped objects.
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
}

impl ResourceKey {
    /// Builds a key from its four parts.
    pub fn new(group: &str, kind: &str, namespace: &str, name: &str) -> Self {
        Self {
            group: group.to_owned(),
            kind: kind.to_owned(),
            namespace: namespace.to_owned(),
            name: name.to_owned(),
        }
    }

    /// The key of an object as it stands (missing fields read as empty strings).
    pub fn of(obj: &Value) -> Self {
        Self::new(
            group_version(obj).0,
            kind(obj).unwrap_or_default(),
            namespace(obj).unwrap_or_default(),
            name(obj).unwrap_or_default(),
        )
    }

    /// The same key in another namespace.
    pub fn with_namespace(&self, namespace: &str) -> Self {
        Self {
            namespace: namespace.to_owned(),
            ..self.clone()
        }
    }
}

/// Printed as `group/kind/namespace/name`, e.g. `/Namespace//default`.
impl fmt::Display for ResourceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{}/{}",
            self.group, self.kind, self.namespace, self.name
        )
    }
}

/// Core `Namespace` kind.
pub(crate) const NAMESPACE_KIND: &str = "Namespace";
/// Kind of CustomResourceDefinitions.
pub(crate) const CRD_KIND: &str = "CustomResourceDefinition";
/// Group of CustomResourceDefinitions.
pub(crate) const CRD_GROUP: &str = "apiextensions.k8s.io";

fn str_at<'a>(obj: &'a Value, path: &[&str]) -> Option<&'a str> {
    path::at(obj, path).and_then(Value::as_str)
}

/// The group and version of an `apiVersion` (`apps/v1` → `("apps", "v1")`,
/// `v1` → `("", "v1")`).
pub fn split_api_version(api_version: &str) -> (&str, &str) {
    api_version.split_once('/').unwrap_or(("", api_version))
}

/// The object's API group (`""` for the core group) and version, from `apiVersion`.
pub fn group_version(obj: &Value) -> (&str, &str) {
    split_api_version(api_version(obj).unwrap_or_default())
}

/// `apiVersion`.
pub fn api_version(obj: &Value) -> Option<&str> {
    str_at(obj, &["apiVersion"])
}

/// `kind`.
pub fn kind(obj: &Value) -> Option<&str> {
    str_at(obj, &["kind"])
}

/// `metadata.name` (absent or empty reads as `None`).
pub fn name(obj: &Value) -> Option<&str> {
    str_at(obj, &["metadata", "name"]).filter(|s| !s.is_empty())
}

/// `metadata.generateName` (absent or empty reads as `None`).
pub fn generate_name(obj: &Value) -> Option<&str> {
    str_at(obj, &["metadata", "generateName"]).filter(|s| !s.is_empty())
}

/// `metadata.namespace` (absent or empty reads as `None`).
pub fn namespace(obj: &Value) -> Option<&str> {
    str_at(obj, &["metadata", "namespace"]).filter(|s| !s.is_empty())
}

/// `metadata.uid` (absent or empty reads as `None`).
pub fn uid(obj: &Value) -> Option<&str> {
    str_at(obj, &["metadata", "uid"]).filter(|s| !s.is_empty())
}

/// The value of annotation `key`.
pub fn annotation<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.get("metadata")?.get("annotations")?.get(key)?.as_str()
}

/// The value of label `key`.
pub fn label<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.get("metadata")?.get("labels")?.get(key)?.as_str()
}

/// Whether `metadata.ownerReferences` is a non-empty list.
pub fn has_owner_references(obj: &Value) -> bool {
    obj.pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .is_some_and(|refs| !refs.is_empty())
}

/// Whether the object is a CustomResourceDefinition.
pub fn is_crd(obj: &Value) -> bool {
    kind(obj) == Some(CRD_KIND) && group_version(obj).0 == CRD_GROUP
}

/// Whether the object is a core `Namespace`.
pub fn is_namespace(obj: &Value) -> bool {
    kind(obj) == Some(NAMESPACE_KIND) && group_version(obj).0.is_empty()
}

/// For a CRD, the `group/Kind` it defines (`spec.group`, `spec.names.kind`).
pub fn crd_defines(obj: &Value) -> Option<(String, String)> {
    if !is_crd(obj) {
        return None;
    }
    let group = str_at(obj, &["spec", "group"])?;
    let kind = str_at(obj, &["spec", "names", "kind"])?;
    Some((group.to_owned(), kind.to_owned()))
}

/// Go's `GroupVersionKind.String()`: `apps/v1beta2, Kind=Deployment` (`/v1, Kind=Pod`
/// for the core group).
pub fn gvk_string(obj: &Value) -> String {
    let (group, version) = group_version(obj);
    format!("{group}/{version}, Kind={}", kind(obj).unwrap_or_default())
}

/// Mutable access to `metadata`, creating it when absent or not an object.
fn metadata_mut(obj: &mut Value) -> Option<&mut serde_json::Map<String, Value>> {
    let metadata = obj
        .as_object_mut()?
        .entry("metadata")
        .or_insert_with(empty_map);
    if !metadata.is_object() {
        *metadata = empty_map();
    }
    metadata.as_object_mut()
}

/// Mutable access to `metadata.<field>` as a map, creating it when absent or not an object.
pub(crate) fn metadata_map_mut<'a>(
    obj: &'a mut Value,
    field: &str,
) -> Option<&'a mut serde_json::Map<String, Value>> {
    let map = metadata_mut(obj)?.entry(field).or_insert_with(empty_map);
    if !map.is_object() {
        *map = empty_map();
    }
    map.as_object_mut()
}

/// Sets `metadata.<field>` to a string value.
pub(crate) fn set_metadata_str(obj: &mut Value, field: &str, value: &str) {
    if let Some(meta) = metadata_mut(obj) {
        meta.insert(field.to_owned(), Value::String(value.to_owned()));
    }
}

fn empty_map() -> Value {
    Value::Object(serde_json::Map::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_versions_split_into_group_and_version() {
        let obj = serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment"});
        assert_eq!(group_version(&obj), ("apps", "v1"));
        assert_eq!(gvk_string(&obj), "apps/v1, Kind=Deployment");
        assert_eq!(
            group_version(&serde_json::json!({"apiVersion": "v1"})),
            ("", "v1")
        );
        assert_eq!(
            split_api_version("networking.k8s.io/v1"),
            ("networking.k8s.io", "v1")
        );
    }
}
