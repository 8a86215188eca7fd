//! Field specs: where in which kinds a transformer writes (the builtin defaults
//! and user `configurations`), and walking an object along them.
//!
//! A [`FieldSpec`] names a path (`spec/template/metadata/labels`) and the
//! kinds it applies to; empty group, version or kind match anything.
//! [`TransformerConfig`] holds kustomize's lists of them, one per
//! transformer; [`apply`] walks an object along a spec and hands each field
//! it finds to a setter.

mod builtin;
mod config;
mod path;

pub use config::{NameBackReference, TransformerConfig};
pub use path::{CreateKind, apply, apply_all, node_kind, split_path};

use crate::resource::Gvk;
use serde::{Deserialize, Deserializer, Serialize};

/// One place a transformer reads or writes: a slash-separated path in the
/// objects of the selected kinds. The serialized form is kustomize's
/// configuration file format (`group`, `version`, `kind`, `path`, `create`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FieldSpec {
    /// API group the spec applies to; empty matches any.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub group: String,
    /// API version the spec applies to; empty matches any.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub version: String,
    /// Kind the spec applies to; empty matches any.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub kind: String,
    /// The path, e.g. `spec/containers[]/image` (see [`split_path`]).
    #[serde(deserialize_with = "null_as_default")]
    pub path: String,
    /// Whether missing fields along the path are created.
    #[serde(
        skip_serializing_if = "std::ops::Not::not",
        deserialize_with = "null_as_default"
    )]
    pub create: bool,
}

impl FieldSpec {
    /// A spec for `path` in every kind, not creating anything.
    pub fn new(path: &str) -> Self {
        Self {
            path: path.to_owned(),
            ..Self::default()
        }
    }

    /// The same spec, limited to `kind`.
    pub fn kind(mut self, kind: &str) -> Self {
        kind.clone_into(&mut self.kind);
        self
    }

    /// The same spec, limited to API group `group`.
    pub fn group(mut self, group: &str) -> Self {
        group.clone_into(&mut self.group);
        self
    }

    /// The same spec, limited to API version `version`.
    pub fn version(mut self, version: &str) -> Self {
        version.clone_into(&mut self.version);
        self
    }

    /// The same spec, creating missing fields.
    pub fn creating(mut self) -> Self {
        self.create = true;
        self
    }

    /// The group, version and kind the spec selects.
    pub fn gvk(&self) -> Gvk {
        Gvk {
            group: self.group.clone(),
            version: self.version.clone(),
            kind: self.kind.clone(),
        }
    }

    /// Whether the spec applies to objects of `gvk`: each non-empty part of
    /// the spec must equal the object's.
    pub fn selects(&self, gvk: &Gvk) -> bool {
        (self.group.is_empty() || self.group == gvk.group)
            && (self.version.is_empty() || self.version == gvk.version)
            && (self.kind.is_empty() || self.kind == gvk.kind)
    }

    /// Kustomize's duplicate test when merging lists: same path, and `other`
    /// selects this spec's group, version and kind.
    fn effectively_equals(&self, other: &FieldSpec) -> bool {
        self.path == other.path && other.selects(&self.gvk())
    }
}

/// A list of field specs, merged the way kustomize merges them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(transparent)]
pub struct FieldSpecs(pub Vec<FieldSpec>);

impl<'de> Deserialize<'de> for FieldSpecs {
    /// A list of specs; `null` (an empty key in YAML) is an empty list.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self(
            Option::<Vec<FieldSpec>>::deserialize(d)?.unwrap_or_default(),
        ))
    }
}

impl std::ops::Deref for FieldSpecs {
    type Target = [FieldSpec];
    fn deref(&self) -> &[FieldSpec] {
        &self.0
    }
}

impl From<Vec<FieldSpec>> for FieldSpecs {
    fn from(v: Vec<FieldSpec>) -> Self {
        Self(v)
    }
}

impl FieldSpecs {
    /// Adds `spec` unless an effectively equal one is present; one that
    /// differs only in `create` is a conflict.
    pub fn merge_one(&mut self, spec: FieldSpec) -> Result<(), FieldSpecError> {
        match self.0.iter().find(|x| x.effectively_equals(&spec)) {
            Some(x) if x.create != spec.create => Err(FieldSpecError::Conflict { spec }),
            Some(_) => Ok(()),
            None => {
                self.0.push(spec);
                Ok(())
            }
        }
    }

    /// [`merge_one`](Self::merge_one) for each of `specs`, in order.
    pub fn merge_all(&mut self, specs: &[FieldSpec]) -> Result<(), FieldSpecError> {
        specs.iter().try_for_each(|s| self.merge_one(s.clone()))
    }

    /// Sorts by group, version and kind in kustomize's order (see
    /// [`gvk_order`]); specs of equal kinds keep their relative order.
    pub fn sort(&mut self) {
        self.0.sort_by(|a, b| gvk_order(&a.gvk(), &b.gvk()));
    }
}

pub use crate::kind_order::gvk_order;

/// Errors from field specs: merging lists, or walking an object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldSpecError {
    /// A merged spec repeats one already present but with another `create`.
    #[error("conflicting fieldspecs: {spec:?} is already present with another 'create'")]
    Conflict {
        /// The incoming spec.
        spec: FieldSpec,
    },
    /// A list of a configuration failed to merge.
    #[error("failed to merge {list} fieldSpec: {source}")]
    Merge {
        /// The list, e.g. `commonLabels`.
        list: &'static str,
        /// Why.
        source: Box<FieldSpecError>,
    },
    /// The object's content does not fit the spec's path, or the setter
    /// refused the field it found.
    #[error("considering field '{path}' of object {object}: {reason}")]
    Field {
        /// The spec's path.
        path: String,
        /// The object's id, e.g. `Deployment.v1.apps/web.[noNs]`.
        object: String,
        /// What went wrong.
        reason: String,
    },
}

/// Deserializes `null` as the type's default, as Go's YAML decoding does.
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn gvk(g: &str, v: &str, k: &str) -> Gvk {
        Gvk {
            group: g.into(),
            version: v.into(),
            kind: k.into(),
        }
    }

    #[test]
    fn empty_parts_select_anything() {
        let deploy = gvk("apps", "v1", "Deployment");
        assert!(FieldSpec::new("a").selects(&deploy));
        assert!(FieldSpec::new("a").kind("Deployment").selects(&deploy));
        assert!(
            FieldSpec::new("a")
                .group("apps")
                .kind("Deployment")
                .selects(&deploy)
        );
        assert!(
            !FieldSpec::new("a")
                .group("batch")
                .kind("Deployment")
                .selects(&deploy)
        );
        assert!(!FieldSpec::new("a").version("v2").selects(&deploy));
        assert!(!FieldSpec::new("a").kind("Service").selects(&deploy));
    }

    #[test]
    fn merge_dedupes_and_detects_conflicts() {
        let mut l = FieldSpecs(vec![FieldSpec::new("metadata/labels").kind("X").creating()]);
        // An incoming spec with an empty kind selects the present one.
        l.merge_one(FieldSpec::new("metadata/labels").creating())
            .unwrap();
        assert_eq!(l.len(), 1);
        // A more specific incoming spec does not select a general one.
        let mut g = FieldSpecs(vec![FieldSpec::new("metadata/name")]);
        g.merge_one(FieldSpec::new("metadata/name").kind("X"))
            .unwrap();
        assert_eq!(g.len(), 2);
        let err = l.merge_one(FieldSpec::new("metadata/labels")).unwrap_err();
        assert!(matches!(err, FieldSpecError::Conflict { .. }));
        l.merge_one(FieldSpec::new("spec/x")).unwrap();
        assert_eq!(l.len(), 2);
    }

    #[test]
    fn sort_puts_known_kinds_first_and_webhooks_last() {
        let mut l = FieldSpecs(vec![
            FieldSpec::new("a").kind("ValidatingWebhookConfiguration"),
            FieldSpec::new("b").kind("Zebra"),
            FieldSpec::new("c"),
            FieldSpec::new("d").kind("Deployment"),
            FieldSpec::new("e").group("apps").kind("Deployment"),
            FieldSpec::new("f").kind("Namespace"),
            FieldSpec::new("g").kind("Apple"),
        ]);
        l.sort();
        let paths: Vec<&str> = l.iter().map(|s| s.path.as_str()).collect();
        assert_eq!(paths, ["f", "e", "d", "g", "b", "c", "a"]);
    }

    #[test]
    fn parses_kustomize_config_format() {
        let spec: FieldSpec = serde_json::from_value(json!(
            {"path": "spec/x", "create": true, "group": "g", "version": "v", "kind": "K"}
        ))
        .unwrap();
        assert_eq!(
            spec,
            FieldSpec::new("spec/x")
                .group("g")
                .version("v")
                .kind("K")
                .creating()
        );
        assert!(serde_json::from_value::<FieldSpec>(json!({"path": "a", "bogus": 1})).is_err());
        let l: FieldSpecs = serde_json::from_value(json!(null)).unwrap();
        assert!(l.is_empty());
        assert_eq!(
            serde_json::to_value(FieldSpec::new("a").kind("K")).unwrap(),
            json!({"kind": "K", "path": "a"})
        );
    }
}
