//! The `argoproj.io/v1alpha1` ApplicationSet as typed Rust values, with Argo CD's field names.
//!
//! Templates (`spec.template`, a generator's `template`) stay JSON values: they are
//! Applications with placeholders, rendered string by string.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::error::AppSetError;
use crate::object::LabelSelector;

/// `kind` of ApplicationSets.
pub const KIND: &str = "ApplicationSet";

/// An Argo CD ApplicationSet.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ApplicationSet {
    /// `apiVersion` (`argoproj.io/v1alpha1`).
    pub api_version: String,
    /// `kind` (`ApplicationSet`).
    pub kind: String,
    /// `metadata`.
    pub metadata: AppSetMetadata,
    /// `spec`.
    pub spec: ApplicationSetSpec,
    /// `status`, kept as written.
    #[serde(skip_serializing_if = "Value::is_null")]
    pub status: Value,
}

impl ApplicationSet {
    /// Reads an ApplicationSet object; the error names the offending field.
    pub fn from_value(value: &Value) -> Result<Self, AppSetError> {
        let name = value
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("<unnamed>")
            .to_string();
        serde_path_to_error::deserialize(value).map_err(|e| AppSetError::InvalidField {
            appset: name,
            field: e.path().to_string(),
            message: e.inner().to_string(),
        })
    }
}

/// `metadata` of an ApplicationSet: the fields the engine reads, the rest kept as-is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AppSetMetadata {
    /// `name`.
    pub name: String,
    /// `namespace`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// `uid`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub uid: String,
    /// `labels`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// `annotations`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Every other metadata field, unchanged.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `spec` of an ApplicationSet.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ApplicationSetSpec {
    /// `goTemplate`: render with Go templates instead of `{{param}}` substitution.
    pub go_template: bool,
    /// `goTemplateOptions`, e.g. `missingkey=error`.
    pub go_template_options: Vec<String>,
    /// `generators`: each yields parameter sets; the union is rendered.
    pub generators: Vec<Generator>,
    /// `template`: the Application every parameter set is rendered into.
    pub template: Value,
    /// `templatePatch`: a YAML/JSON patch rendered per parameter set and merged into the result.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template_patch: Option<String>,
    /// `syncPolicy`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync_policy: Option<AppSetSyncPolicy>,
    /// `strategy` (progressive sync).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strategy: Option<AppSetStrategy>,
    /// `preservedFields`: annotation and label keys kept from the live Application on update.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preserved_fields: Option<PreservedFields>,
    /// `ignoreApplicationDifferences`: parts of the live Application left alone on update.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignore_application_differences: Vec<Value>,
    /// `applyNestedSelectors`: honour selectors of generators nested two levels deep.
    pub apply_nested_selectors: bool,
}

/// `spec.syncPolicy`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AppSetSyncPolicy {
    /// `preserveResourcesOnDeletion`: no resources finalizer on generated Applications.
    pub preserve_resources_on_deletion: bool,
    /// `applicationsSync`: `create-only`, `create-update`, `create-delete` or absent (`sync`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applications_sync: Option<String>,
}

/// `spec.strategy`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AppSetStrategy {
    /// `type`: `AllAtOnce` or `RollingSync`.
    #[serde(rename = "type")]
    pub type_: String,
    /// `rollingSync`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rolling_sync: Option<RollingSyncStrategy>,
}

/// `spec.strategy.rollingSync`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RollingSyncStrategy {
    /// `steps`, in rollout order.
    pub steps: Vec<RollingSyncStep>,
}

/// One step of a RollingSync.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RollingSyncStep {
    /// `matchExpressions` over the generated Applications' labels.
    pub match_expressions: Vec<crate::object::LabelSelectorRequirement>,
    /// `maxUpdate`: an integer or a percentage string; absent means all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_update: Option<Value>,
}

/// `spec.preservedFields`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PreservedFields {
    /// Annotation keys kept from the live Application.
    pub annotations: Vec<String>,
    /// Label keys kept from the live Application.
    pub labels: Vec<String>,
}

/// One entry of `spec.generators` (or of a matrix/merge's `generators`).
///
/// Exactly one generator field should be set; `selector` filters its output.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Generator {
    /// `list`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list: Option<ListGenerator>,
    /// `clusters`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clusters: Option<ClusterGenerator>,
    /// `git`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub git: Option<GitGenerator>,
    /// `matrix`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matrix: Option<CombiningGenerator>,
    /// `merge`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merge: Option<CombiningGenerator>,
    /// `clusterDecisionResource`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_decision_resource: Option<DecisionResourceGenerator>,
    /// `pullRequest`: accepted, reported unsupported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pull_request: Option<Value>,
    /// `scmProvider`: accepted, reported unsupported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scm_provider: Option<Value>,
    /// `plugin`: accepted, reported unsupported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plugin: Option<Value>,
    /// `selector`: keeps only the parameter sets whose (flattened) values match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<LabelSelector>,
}

/// `list` generator.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ListGenerator {
    /// `elements`: one parameter set each.
    pub elements: Vec<Value>,
    /// `elementsYaml`: a YAML list of further parameter sets.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub elements_yaml: String,
    /// `template` override.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<Value>,
}

/// `clusters` generator.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ClusterGenerator {
    /// `selector` over cluster Secret labels.
    pub selector: LabelSelector,
    /// `values`: extra parameters, rendered with the cluster's parameters.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, String>,
    /// `flatList`: one parameter set `{clusters: [...]}` instead of one per cluster.
    pub flat_list: bool,
    /// `template` override.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<Value>,
}

/// `git` generator.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct GitGenerator {
    /// `repoURL`.
    #[serde(rename = "repoURL")]
    pub repo_url: String,
    /// `revision`.
    pub revision: String,
    /// `directories`: include/exclude patterns over the repository's directories.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub directories: Vec<GitPathItem>,
    /// `files`: include/exclude patterns over the repository's files.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<GitPathItem>,
    /// `pathParamPrefix`: prefix of the `path` parameters.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub path_param_prefix: String,
    /// `values`: extra parameters, rendered with each parameter set.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, String>,
    /// `requeueAfterSeconds`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requeue_after_seconds: Option<u64>,
    /// `template` override.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<Value>,
}

/// One `directories`/`files` pattern of a git generator.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GitPathItem {
    /// `path`: the pattern.
    pub path: String,
    /// `exclude`: drop matches (beats any include).
    pub exclude: bool,
}

/// `matrix` and `merge` generators.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CombiningGenerator {
    /// `generators`: the children.
    pub generators: Vec<Generator>,
    /// `mergeKeys` (merge only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub merge_keys: Vec<String>,
    /// `template` override.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<Value>,
}

/// `clusterDecisionResource` generator (duck-typed placement decisions).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DecisionResourceGenerator {
    /// `configMapRef`: the ConfigMap naming the resource's `apiVersion`, `kind`,
    /// `statusListKey` and `matchKey`.
    pub config_map_ref: String,
    /// `name` of one decision resource.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// `labelSelector` over decision resources.
    pub label_selector: LabelSelector,
    /// `values`: extra parameters, rendered with each parameter set.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, String>,
    /// `requeueAfterSeconds`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requeue_after_seconds: Option<u64>,
    /// `template` override.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<Value>,
}

impl Generator {
    /// The generators set in this entry, in field order.
    pub fn kinds(&self) -> Vec<GeneratorKind<'_>> {
        let mut out = Vec::new();
        out.extend(self.list.as_ref().map(GeneratorKind::List));
        out.extend(self.clusters.as_ref().map(GeneratorKind::Clusters));
        out.extend(self.git.as_ref().map(GeneratorKind::Git));
        out.extend(self.matrix.as_ref().map(GeneratorKind::Matrix));
        out.extend(self.merge.as_ref().map(GeneratorKind::Merge));
        out.extend(
            self.cluster_decision_resource
                .as_ref()
                .map(GeneratorKind::ClusterDecisionResource),
        );
        for (set, name) in [
            (&self.pull_request, "pullRequest"),
            (&self.scm_provider, "scmProvider"),
            (&self.plugin, "plugin"),
        ] {
            if set.is_some() {
                out.push(GeneratorKind::Unsupported(name));
            }
        }
        out
    }

    /// The generator's own `template` override, if any.
    pub fn template_override(&self) -> Option<&Value> {
        [
            self.list.as_ref().and_then(|g| g.template.as_ref()),
            self.clusters.as_ref().and_then(|g| g.template.as_ref()),
            self.git.as_ref().and_then(|g| g.template.as_ref()),
            self.matrix.as_ref().and_then(|g| g.template.as_ref()),
            self.merge.as_ref().and_then(|g| g.template.as_ref()),
            self.cluster_decision_resource
                .as_ref()
                .and_then(|g| g.template.as_ref()),
        ]
        .into_iter()
        .flatten()
        .next()
    }

    /// `requeueAfterSeconds` of this entry's git or decision generator (recursively for
    /// matrix and merge children): the shortest one.
    pub fn requeue_after_seconds(&self) -> Option<u64> {
        let own = [
            self.git.as_ref().and_then(|g| g.requeue_after_seconds),
            self.cluster_decision_resource
                .as_ref()
                .and_then(|g| g.requeue_after_seconds),
        ];
        let children = [&self.matrix, &self.merge]
            .into_iter()
            .flatten()
            .flat_map(|c| c.generators.iter().map(Generator::requeue_after_seconds));
        own.into_iter().chain(children).flatten().min()
    }
}

/// One generator of an entry, borrowed.
#[derive(Debug, Clone, Copy)]
pub enum GeneratorKind<'a> {
    /// `list`.
    List(&'a ListGenerator),
    /// `clusters`.
    Clusters(&'a ClusterGenerator),
    /// `git`.
    Git(&'a GitGenerator),
    /// `matrix`.
    Matrix(&'a CombiningGenerator),
    /// `merge`.
    Merge(&'a CombiningGenerator),
    /// `clusterDecisionResource`.
    ClusterDecisionResource(&'a DecisionResourceGenerator),
    /// A generator accepted but not run, by field name.
    Unsupported(&'static str),
}

impl GeneratorKind<'_> {
    /// The generator's field name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::List(_) => "list",
            Self::Clusters(_) => "clusters",
            Self::Git(_) => "git",
            Self::Matrix(_) => "matrix",
            Self::Merge(_) => "merge",
            Self::ClusterDecisionResource(_) => "clusterDecisionResource",
            Self::Unsupported(name) => name,
        }
    }

    /// Whether this is a matrix or merge (a generator with children).
    pub fn is_combining(&self) -> bool {
        matches!(self, Self::Matrix(_) | Self::Merge(_))
    }
}
