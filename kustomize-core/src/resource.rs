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
        Self {
            group: group.to_owned(),
            version: version.to_owned(),
            kind: kind.to_owned(),
        }
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

impl Gvk {
    /// Whether this is a built-in cluster-scoped kind.
    pub fn is_cluster_scoped(&self) -> bool {
        crate::scope::is_cluster_scoped(&self.group, &self.version, &self.kind)
    }

    /// Whether this matches a selector whose empty parts match anything.
    pub fn is_selected_by(&self, selector: &Gvk) -> bool {
        (selector.group.is_empty() || selector.group == self.group)
            && (selector.version.is_empty() || selector.version == self.version)
            && (selector.kind.is_empty() || selector.kind == self.kind)
    }
}

impl fmt::Display for Gvk {
    /// Kustomize's form: `Kind.version.group`, with `[noKind]`, `[noVer]`,
    /// `[noGrp]` for empty parts.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn or<'a>(s: &'a str, d: &'a str) -> &'a str {
            if s.is_empty() { d } else { s }
        }
        write!(
            f,
            "{}.{}.{}",
            or(&self.kind, "[noKind]"),
            or(&self.version, "[noVer]"),
            or(&self.group, "[noGrp]")
        )
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

impl ResId {
    /// The namespace used for comparisons: `default` when unset, and a
    /// marker that equals no real namespace for cluster-scoped kinds.
    pub fn effective_namespace(&self) -> &str {
        if self.gvk.is_cluster_scoped() {
            "_non_namespaceable_"
        } else if self.namespace.is_empty() {
            "default"
        } else {
            &self.namespace
        }
    }

    /// Kustomize's id equality: same group, version, kind and name, and the
    /// same effective namespace.
    pub fn matches(&self, other: &ResId) -> bool {
        self.gvk == other.gvk
            && self.name == other.name
            && self.effective_namespace() == other.effective_namespace()
    }
}

impl fmt::Display for ResId {
    /// Kustomize's form: `Kind.version.group/name.namespace`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = if self.name.is_empty() {
            "[noName]"
        } else {
            &self.name
        };
        let ns = if self.namespace.is_empty() {
            "[noNs]"
        } else {
            &self.namespace
        };
        write!(f, "{}/{name}.{ns}", self.gvk)
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
    /// Ids the resource had before renames, oldest first (kustomize's
    /// "previous ids": the namespace is stored in its effective form, and
    /// group and version are always the current ones).
    pub previous_ids: Vec<ResId>,
    /// Name prefixes added so far, innermost first.
    pub name_prefixes: Vec<String>,
    /// Name suffixes added so far, innermost first.
    pub name_suffixes: Vec<String>,
    /// For generated objects: how to combine with a base's object of the same id.
    pub behavior: Option<GeneratorBehavior>,
    /// For generated objects: whether the content hash is appended to the name.
    pub needs_hash: bool,
    /// Ids of the resources whose name references point at this one.
    pub referenced_by: Vec<ResId>,
    /// Names of the `vars` whose `objref` is this resource.
    pub var_names: Vec<String>,
    /// From a patch: whether it may change the target's name.
    pub allow_name_change: bool,
    /// From a patch: whether it may change the target's kind.
    pub allow_kind_change: bool,
    /// Where the resource came from, when the build tracks origins.
    pub origin: Option<crate::origin::Origin>,
    /// The transformers that ran over it, when the build tracks origins.
    pub transformations: Vec<crate::origin::Origin>,
    /// Where the object holds a null that its file wrote as a key with no
    /// value (`key:`): a strategic merge drops those where it walks, and
    /// says which are left. A JSON patch leaves none.
    pub(crate) empty_fields: Vec<crate::yaml::FieldPath>,
    /// How its file wrote the annotation values that are not strings as
    /// written (`0x10`, `~`): kustomize writes annotations back from that
    /// text. A JSON patch leaves none.
    pub(crate) annotation_texts: Vec<crate::yaml::AnnotationText>,
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
            referenced_by: Vec::new(),
            var_names: Vec::new(),
            allow_name_change: false,
            allow_kind_change: false,
            origin: None,
            transformations: Vec::new(),
            empty_fields: Vec::new(),
            annotation_texts: Vec::new(),
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

    /// `kind`.
    pub fn kind(&self) -> &str {
        self.str_at(&["kind"])
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
        ResId {
            gvk: self.gvk(),
            name: self.name().to_owned(),
            namespace: self.namespace().to_owned(),
        }
    }

    /// The id the resource had when it was loaded, before any rename.
    pub fn original_id(&self) -> ResId {
        self.previous_ids
            .first()
            .cloned()
            .unwrap_or_else(|| self.id())
    }

    /// The previous ids followed by the current one.
    pub fn all_ids(&self) -> impl Iterator<Item = ResId> + '_ {
        self.previous_ids
            .iter()
            .cloned()
            .chain(std::iter::once(self.id()))
    }

    /// Remembers the current id as a previous one (before a rename).
    pub fn store_previous_id(&mut self) {
        let id = self.id();
        let namespace = id.effective_namespace().to_owned();
        let gvk = id.gvk;
        self.previous_ids.push(ResId {
            gvk,
            name: id.name,
            namespace,
        });
    }

    /// The `metadata` map, created if missing.
    pub fn metadata_mut(&mut self) -> &mut Map<String, Value> {
        let md = self
            .object
            .entry("metadata")
            .or_insert_with(|| Value::Object(Map::new()));
        if !md.is_object() {
            *md = Value::Object(Map::new());
        }
        md.as_object_mut()
            .expect("metadata was just made an object")
    }

    /// Sets `metadata.name` (without recording the old id).
    pub fn set_name(&mut self, name: &str) {
        self.metadata_mut()
            .insert("name".into(), Value::String(name.to_owned()));
    }

    /// Sets `metadata.namespace`, removing it when `namespace` is empty.
    pub fn set_namespace(&mut self, namespace: &str) {
        if namespace.is_empty() {
            self.metadata_mut().remove("namespace");
        } else {
            self.metadata_mut()
                .insert("namespace".into(), Value::String(namespace.to_owned()));
        }
    }

    /// Sets `kind`.
    pub fn set_kind(&mut self, kind: &str) {
        self.object
            .insert("kind".into(), Value::String(kind.to_owned()));
    }

    /// A string map under `metadata` (`labels` or `annotations`), empty if absent.
    pub fn metadata_map(&self, field: &str) -> Map<String, Value> {
        self.object
            .get("metadata")
            .and_then(|m| m.get(field))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    }

    /// Replaces a string map under `metadata`, removing the field when empty.
    pub fn set_metadata_map(&mut self, field: &str, map: Map<String, Value>) {
        if map.is_empty() {
            self.metadata_mut().remove(field);
        } else {
            self.metadata_mut()
                .insert(field.to_owned(), Value::Object(map));
        }
    }

    /// Whether two resources carry the same name prefixes and suffixes, as
    /// kustomize decides which of several same-named objects a reference
    /// means. With `allow_empty`, a side with none matches anything.
    pub fn prefixes_suffixes_match(&self, other: &Resource, allow_empty: bool) -> bool {
        affixes_match(
            (&self.name_prefixes, &self.name_suffixes),
            (&other.name_prefixes, &other.name_suffixes),
            allow_empty,
        )
    }
}

/// [`Resource::prefixes_suffixes_match`] on `(prefixes, suffixes)` pairs.
pub fn affixes_match(
    a: (&[String], &[String]),
    b: (&[String], &[String]),
    allow_empty: bool,
) -> bool {
    let check = |x: &[String], y: &[String]| {
        (allow_empty && (x.is_empty() || y.is_empty())) || same_ending(x, y)
    };
    check(a.0, b.0) && check(a.1, b.1)
}

/// Whether the shorter slice equals the end of the longer one (an empty
/// slice only matches an empty one).
fn same_ending(a: &[String], b: &[String]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.is_empty() {
        return long.is_empty();
    }
    long[long.len() - short.len()..] == *short
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
        assert_eq!(r.id().effective_namespace(), "default");
        let r = res(json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "d", "namespace": "ns"}}));
        assert_eq!(r.id().to_string(), "Deployment.v1.apps/d.ns");
        assert_eq!(r.gvk().api_version(), "apps/v1");
    }

    #[test]
    fn previous_ids_keep_original_id() {
        let mut r =
            res(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}));
        r.store_previous_id();
        r.set_name("p-a");
        r.store_previous_id();
        r.set_name("p-a-s");
        assert_eq!(r.name(), "p-a-s");
        assert_eq!(r.original_id().name, "a");
        assert_eq!(r.original_id().namespace, "default");
    }

    #[test]
    fn prefix_suffix_matching() {
        let mut a = res(json!({"kind": "ConfigMap", "metadata": {"name": "a"}}));
        let mut b = a.clone();
        a.name_prefixes = vec!["x-".into(), "y-".into()];
        b.name_prefixes = vec!["y-".into()];
        assert!(a.prefixes_suffixes_match(&b, false));
        b.name_prefixes = vec!["x-".into()];
        assert!(!a.prefixes_suffixes_match(&b, false));
        b.name_prefixes.clear();
        assert!(a.prefixes_suffixes_match(&b, true));
        assert!(!a.prefixes_suffixes_match(&b, false));
    }
}
