//! The transformer configuration: kustomize's lists of field specs, one per
//! transformer, from the builtin defaults merged with user `configurations:`.

use super::{FieldSpecError, FieldSpecs, builtin, gvk_order, null_as_default};
use crate::resource::Gvk;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// For one kind of referenced object (e.g. ConfigMap), the fields of other
/// objects that hold its name (`nameReference` entries). The name-reference
/// fixer rewrites those fields when the referenced object is renamed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NameBackReference {
    /// API group of the referenced kind; empty matches any.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub group: String,
    /// API version of the referenced kind; empty matches any.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub version: String,
    /// The referenced kind.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub kind: String,
    /// The referring fields (kustomize's key is `fieldSpecs`).
    #[serde(rename = "fieldSpecs")]
    pub referrers: FieldSpecs,
}

impl NameBackReference {
    /// The referenced group, version and kind.
    pub fn gvk(&self) -> Gvk {
        Gvk {
            group: self.group.clone(),
            version: self.version.clone(),
            kind: self.kind.clone(),
        }
    }
}

/// Field specs per transformer, in kustomize's configuration file format
/// (the keys of a `configurations:` file).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default, rename_all = "camelCase")]
pub struct TransformerConfig {
    /// Where `namePrefix` goes.
    pub name_prefix: FieldSpecs,
    /// Where `nameSuffix` goes.
    pub name_suffix: FieldSpecs,
    /// Where `namespace` goes, beyond `metadata/namespace`.
    pub namespace: FieldSpecs,
    /// Where `commonLabels` (and `labels` with `includeSelectors`) go.
    pub common_labels: FieldSpecs,
    /// Extra places for every `labels:` entry (empty by default).
    pub labels: FieldSpecs,
    /// Where `labels` with `includeTemplates` go.
    pub template_labels: FieldSpecs,
    /// Where `commonAnnotations` go.
    pub common_annotations: FieldSpecs,
    /// Fields holding names of other objects, per referenced kind.
    #[serde(deserialize_with = "null_as_default")]
    pub name_reference: Vec<NameBackReference>,
    /// Fields where `$(VAR)` references are expanded.
    pub var_reference: FieldSpecs,
    /// Image fields the `images` transformer rewrites.
    pub images: FieldSpecs,
    /// Replica count fields the `replicas` transformer sets.
    pub replicas: FieldSpecs,
}

impl TransformerConfig {
    /// Kustomize 5.5's builtin configuration.
    pub fn builtin() -> &'static TransformerConfig {
        static BUILTIN: OnceLock<TransformerConfig> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            let mut c = builtin::config();
            c.sort();
            c
        })
    }

    /// Reads one `configurations:` file already parsed into a value.
    pub fn from_value(value: serde_json::Value) -> Result<Self, serde_json::Error> {
        let mut c: Self = serde_json::from_value(value)?;
        c.sort();
        Ok(c)
    }

    /// The builtin configuration merged with the user's `configurations:`
    /// files, in order (kustomize merges the files together first).
    pub fn with_user_configs(files: &[TransformerConfig]) -> Result<Self, FieldSpecError> {
        if files.is_empty() {
            return Ok(Self::builtin().clone());
        }
        let user = files
            .iter()
            .try_fold(Self::default(), |acc, f| acc.merge(f))?;
        Self::builtin().merge(&user)
    }

    /// Kustomize's merge: each list of `other` merged into this one's
    /// (duplicates dropped, a `create` mismatch is an error), name references
    /// merged per referenced kind, then every list sorted.
    pub fn merge(&self, other: &TransformerConfig) -> Result<Self, FieldSpecError> {
        let mut merged = self.clone();
        let mut other = other.clone();
        for ((list, specs), (_, add)) in merged.lists_mut().into_iter().zip(other.lists_mut()) {
            specs.merge_all(add).map_err(|e| FieldSpecError::Merge {
                list,
                source: Box::new(e),
            })?;
        }
        for nbr in other.name_reference {
            match merged
                .name_reference
                .iter_mut()
                .find(|c| c.gvk() == nbr.gvk())
            {
                Some(c) => {
                    c.referrers
                        .merge_all(&nbr.referrers)
                        .map_err(|e| FieldSpecError::Merge {
                            list: "NameReference",
                            source: Box::new(e),
                        })?
                }
                None => merged.name_reference.push(nbr),
            }
        }
        merged.sort();
        Ok(merged)
    }

    /// The plain lists with kustomize's names for them (for messages).
    fn lists_mut(&mut self) -> [(&'static str, &mut FieldSpecs); 10] {
        [
            ("NamePrefix", &mut self.name_prefix),
            ("NameSuffix", &mut self.name_suffix),
            ("NameSpace", &mut self.namespace),
            ("CommonAnnotations", &mut self.common_annotations),
            ("CommonLabels", &mut self.common_labels),
            ("Labels", &mut self.labels),
            ("TemplateLabels", &mut self.template_labels),
            ("VarReference", &mut self.var_reference),
            ("Images", &mut self.images),
            ("Replicas", &mut self.replicas),
        ]
    }

    /// Sorts every list by kind in kustomize's order.
    fn sort(&mut self) {
        for (_, list) in self.lists_mut() {
            list.sort();
        }
        self.name_reference
            .sort_by(|a, b| gvk_order(&a.gvk(), &b.gvk()));
    }

    /// The name references whose referenced kind selects `gvk`, in order.
    pub fn name_references_for<'a>(
        &'a self,
        gvk: &'a Gvk,
    ) -> impl Iterator<Item = &'a NameBackReference> + 'a {
        self.name_reference
            .iter()
            .filter(move |r| gvk.is_selected_by(&r.gvk()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn user_file_adds_and_dedupes() {
        let user = TransformerConfig::from_value(json!({
            "namePrefix": [{"path": "metadata/name"}, {"path": "spec/x", "kind": "Foo"}],
            "nameReference": [
                {"kind": "Gorilla", "fieldSpecs": [{"kind": "Park", "path": "spec/gorillaRef/name"}]},
                {"kind": "ConfigMap", "version": "v1", "fieldSpecs": [{"kind": "Park", "path": "spec/cm"}]}
            ],
            "templateLabels": null
        }))
        .unwrap();
        let c = TransformerConfig::with_user_configs(&[user]).unwrap();
        let b = TransformerConfig::builtin();
        assert_eq!(c.name_prefix.len(), 2);
        assert_eq!(c.name_reference.len(), b.name_reference.len() + 1);
        let cm = |c: &TransformerConfig| {
            c.name_reference
                .iter()
                .find(|r| r.kind == "ConfigMap")
                .unwrap()
                .referrers
                .len()
        };
        assert_eq!(cm(&c), cm(b) + 1);
        assert_eq!(c.common_labels, b.common_labels);
    }

    #[test]
    fn conflicting_create_is_an_error() {
        let user =
            TransformerConfig::from_value(json!({"commonLabels": [{"path": "metadata/labels"}]}))
                .unwrap();
        let err = TransformerConfig::with_user_configs(&[user]).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("failed to merge CommonLabels fieldSpec"),
            "{err}"
        );
    }

    #[test]
    fn unknown_keys_are_rejected() {
        assert!(TransformerConfig::from_value(json!({"nameprefix": []})).is_err());
    }

    #[test]
    fn name_references_select_by_referenced_kind() {
        let b = TransformerConfig::builtin();
        let gvk = Gvk {
            group: String::new(),
            version: "v1".into(),
            kind: "Secret".into(),
        };
        let kinds: Vec<&str> = b
            .name_references_for(&gvk)
            .map(|r| r.kind.as_str())
            .collect();
        assert_eq!(kinds, ["Secret"]);
    }
}
