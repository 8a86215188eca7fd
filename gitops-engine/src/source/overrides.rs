//! Argo CD's `spec.source.kustomize`: overrides applied to the root
//! kustomization of a source path before it is built (Argo CD runs
//! `kustomize edit set …` on the checkout; the effect is the same).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The Kustomize overrides of an Application source
/// (`ApplicationSourceKustomize`). Every field is optional; an empty value
/// changes nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct KustomizeOverrides {
    /// `namePrefix`: set as by `kustomize edit set nameprefix`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name_prefix: String,
    /// `nameSuffix`: set as by `kustomize edit set namesuffix`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name_suffix: String,
    /// `images`: entries in `kustomize edit set image` syntax
    /// (`name=newName:tag`, `name:tag`, `name@digest`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<String>,
    /// `commonLabels`: added as by `kustomize edit add label`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub common_labels: BTreeMap<String, String>,
    /// `commonAnnotations`: added as by `kustomize edit add annotation`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub common_annotations: BTreeMap<String, String>,
    /// `forceCommonLabels`: overwrite labels the kustomization already sets.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub force_common_labels: bool,
    /// `forceCommonAnnotations`: overwrite annotations the kustomization already sets.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub force_common_annotations: bool,
    /// `namespace`: set as by `kustomize edit set namespace`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// `replicas`: replica counts by workload name.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replicas: Vec<ReplicaOverride>,
    /// `components`: component paths (relative to the source path) added.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<String>,
}

impl KustomizeOverrides {
    /// Whether the overrides change nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// One `replicas` override: the workload name and its count.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ReplicaOverride {
    /// Name of the Deployment/StatefulSet/ReplicaSet.
    pub name: String,
    /// Replica count (Argo CD accepts a number or a numeric string).
    pub count: i64,
}
