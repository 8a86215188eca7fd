//! Resources as a build carries them: the object itself plus the bookkeeping
//! kustomize keeps beside it (its earlier ids, the prefixes and suffixes added
//! to its name, how a generator wants it merged).

use serde_json::{Map, Value};
use std::fmt;

/// Group, version and kind of an object. The core group is `""`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Gvk {
    /// API group; empty for the core group.
    pub group: String,
    /// API version within the group.
    pub version: String,
    /// Kind, e.g. `Deployment`.
    pub kind: String,
}

impl Gvk {
    /// Splits an `apiVersion` (`apps/v1`, `v1`) and pairs it with `kind`.
    pub fn from_api_version(api_version: &str, kind: &str) -> Self {
        let (group, version) = match api_version.split_once('/') {
            Some((g, v)) => (g, v),
            None => ("", api_version),
        };
        Self { group: group.to_owned(), version: version.to_owned(), kind: kind.to_owned() }
    }

    /// The `apiVersion` string: `group/version`, or just `version` for core.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

impl fmt::Display for Gvk {
    /// Kustomize's form: `group_version_kind`, with `~G`, `~V`, `~K` for empty parts.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let or = |s: &str, d: &'static str| if s.is_empty() { d.to_owned() } else { s.to_owned() };
        write!(f, "{}_{}_{}", or(&self.group, "~G"), or(&self.version, "~V"), or(&self.kind, "~K"))
    }
}

/// The identity of a resource: kind, name and namespace.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ResId {
    /// Group, version and kind.
    pub gvk: Gvk,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`; empty when unset.
    pub namespace: String,
}

impl fmt::Display for ResId {
    /// Kustomize's form: `Kind.version.group/name.namespace`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ns = if self.namespace.is_empty() { "[noNs]" } else { &self.namespace };
        let mut kind = self.gvk.kind.clone();
        if !self.gvk.version.is_empty() {
            kind = format!("{kind}.{}", self.gvk.version);
        }
        if !self.gvk.group.is_empty() {
            kind = format!("{kind}.{}", self.gvk.group);
        } else {
            kind.push_str(".[noGrp]");
        }
        write!(f, "{kind}/{}.{ns}", self.name)
    }
}

/// How a generated ConfigMap or Secret combines with one of the same name
/// from a base (`behavior:` in a generator).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GeneratorBehavior {
    /// A new object; a clash with an existing one is an error.
    #[default]
    Create,
    /// Replace the base's object.
    Replace,
    /// Merge data into the base's object.
    Merge,
}

/// One object in a build, with kustomize's bookkeeping.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// The object as it will be printed.
    pub object: Map<String, Value>,
    /// Ids the resource had before renames (oldest first); empty if never renamed.
    pub previous_ids: Vec<ResId>,
    /// Name prefixes added so far, innermost first.
    pub name_prefixes: Vec<String>,
    /// Name suffixes added so far, innermost first.
    pub name_suffixes: Vec<String>,
    /// For generated objects: how to combine with a base's object of the same id.
    pub behavior: Option<GeneratorBehavior>,
    /// For generated objects: whether the content hash is appended to the name.
    pub needs_hash: bool,
}

impl Resource {
    /// Wraps a parsed object with no bookkeeping.
    pub fn new(object: Map<String, Value>) -> Self {
        Self {
            object,
            previous_ids: Vec::new(),
            name_prefixes: Vec::new(),
            name_suffixes: Vec::new(),
            behavior: None,
            needs_hash: false,
        }
    }

    fn str_at(&self, path: &[&str]) -> &str {
        let mut cur = self.object.get(path[0]);
        for key in &path[1..] {
            cur = cur.and_then(|v| v.get(key));
        }
        cur.and_then(Value::as_str).unwrap_or("")
    }

    /// `apiVersion` and `kind`.
    pub fn gvk(&self) -> Gvk {
        Gvk::from_api_version(self.str_at(&["apiVersion"]), self.str_at(&["kind"]))
    }

    /// `metadata.name`.
    pub fn name(&self) -> &str {
        self.str_at(&["metadata", "name"])
    }

    /// `metadata.namespace`.
    pub fn namespace(&self) -> &str {
        self.str_at(&["metadata", "namespace"])
    }

    /// The current id.
    pub fn id(&self) -> ResId {
        ResId { gvk: self.gvk(), name: self.name().to_owned(), namespace: self.namespace().to_owned() }
    }

    /// The id the resource had when it was loaded, before any rename.
    pub fn original_id(&self) -> ResId {
        self.previous_ids.first().cloned().unwrap_or_else(|| self.id())
    }

    /// The `metadata` map, created if missing.
    pub fn metadata_mut(&mut self) -> &mut Map<String, Value> {
        let md = self.object.entry("metadata").or_insert_with(|| Value::Object(Map::new()));
        if !md.is_object() {
            *md = Value::Object(Map::new());
        }
        md.as_object_mut().expect("metadata was just made an object")
    }

    /// Sets `metadata.name`, remembering the previous id.
    pub fn rename(&mut self, new_name: &str) {
        let id = self.id();
        self.previous_ids.push(id);
        self.metadata_mut().insert("name".into(), Value::String(new_name.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn res(v: Value) -> Resource {
        Resource::new(v.as_object().unwrap().clone())
    }

    #[test]
    fn id_of_core_and_grouped_kinds() {
        let r = res(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}));
        assert_eq!(r.id().to_string(), "ConfigMap.v1.[noGrp]/a.[noNs]");
        let r = res(json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "d", "namespace": "ns"}}));
        assert_eq!(r.id().to_string(), "Deployment.v1.apps/d.ns");
        assert_eq!(r.gvk().api_version(), "apps/v1");
    }

    #[test]
    fn rename_keeps_original_id() {
        let mut r = res(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}));
        r.rename("p-a");
        r.rename("p-a-s");
        assert_eq!(r.name(), "p-a-s");
        assert_eq!(r.original_id().name, "a");
    }
}
