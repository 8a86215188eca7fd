//! `Application.spec`: what users write.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::serde_util::{self, is_false};
use crate::diff::IgnoreDifference;
use crate::source::{DirectoryOptions, KustomizeOverrides};
use crate::sync::retry::RetryStrategy;

/// Default of `spec.revisionHistoryLimit`.
pub const DEFAULT_REVISION_HISTORY_LIMIT: i64 = 10;

/// `spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ApplicationSpec {
    /// `project` (Argo CD's `default` project exists out of the box).
    pub project: String,
    /// `source`: the single source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<ApplicationSource>,
    /// `sources`: multi-source applications.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<ApplicationSource>,
    /// `destination`.
    pub destination: Destination,
    /// `syncPolicy`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync_policy: Option<SyncPolicy>,
    /// `ignoreDifferences`.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        serialize_with = "serde_util::compact"
    )]
    pub ignore_differences: Vec<IgnoreDifference>,
    /// `info`: free-form key/value pairs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub info: Vec<Info>,
    /// `revisionHistoryLimit`; see [`ApplicationSpec::history_limit`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision_history_limit: Option<i64>,
    /// Every other spec field (`sourceHydrator`, …), kept unchanged.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl ApplicationSpec {
    /// The number of history entries kept: `revisionHistoryLimit`, 10 when unset.
    pub fn history_limit(&self) -> i64 {
        self.revision_history_limit
            .unwrap_or(DEFAULT_REVISION_HISTORY_LIMIT)
    }

    /// Whether the app uses `sources` (multi-source) rather than `source`.
    pub fn is_multi_source(&self) -> bool {
        !self.sources.is_empty()
    }

    /// The sources the app renders: `sources` for a multi-source app, else
    /// `source` (none when neither is set), as Argo CD's `GetSources`.
    pub fn all_sources(&self) -> Vec<&ApplicationSource> {
        if self.is_multi_source() {
            self.sources.iter().collect()
        } else {
            self.source.iter().collect()
        }
    }

    /// The `targetRevision` of the single `source` as written (empty when unset or
    /// when the app has no `source`).
    pub fn target_revision(&self) -> &str {
        self.source
            .as_ref()
            .map(|s| s.target_revision.as_str())
            .unwrap_or_default()
    }

    /// The automated sync policy when automated sync is enabled (`automated` present and
    /// `enabled` not `false`).
    pub fn automated(&self) -> Option<&Automated> {
        self.sync_policy
            .as_ref()
            .and_then(|p| p.automated.as_ref())
            .filter(|a| a.is_enabled())
    }

    /// `syncPolicy.syncOptions` (empty when there is no sync policy).
    pub fn sync_options(&self) -> &[String] {
        self.sync_policy
            .as_ref()
            .map_or(&[], |p| p.sync_options.as_slice())
    }
}

/// One source of an application (`spec.source`, `spec.sources[]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ApplicationSource {
    /// `repoURL`: Git URL, Helm repository URL or OCI reference.
    #[serde(rename = "repoURL")]
    pub repo_url: String,
    /// `path` inside the repository.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub path: String,
    /// `targetRevision`: branch, tag, commit or (Helm) version constraint.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub target_revision: String,
    /// `chart`: Helm chart name (Helm repositories only).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub chart: String,
    /// `ref` (multi-source: lets other sources use `$ref/...`).
    #[serde(rename = "ref", skip_serializing_if = "String::is_empty")]
    pub ref_name: String,
    /// `name` (multi-source CLI addressing).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// `kustomize` overrides.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kustomize: Option<KustomizeOverrides>,
    /// `directory` options.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serde_util::compact"
    )]
    pub directory: Option<DirectoryOptions>,
    /// `helm`: Argo CD's Helm options, read as [`crate::source::HelmSource`] when rendering.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub helm: Option<Value>,
    /// `plugin`, kept as written (config-management plugins are not supported).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plugin: Option<Value>,
    /// Every other source field, kept unchanged.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `spec.destination`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Destination {
    /// `server`: the cluster API URL.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub server: String,
    /// `name`: the cluster name (instead of `server`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// `namespace`: default namespace of namespaced objects lacking one.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub namespace: String,
}

/// `spec.syncPolicy`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SyncPolicy {
    /// `automated`: present means automated sync (unless `enabled: false`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub automated: Option<Automated>,
    /// `syncOptions`: `Key=value` strings.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sync_options: Vec<String>,
    /// `retry`.
    #[serde(skip_serializing_if = "Option::is_none", with = "serde_util::retry")]
    pub retry: Option<RetryStrategy>,
    /// `managedNamespaceMetadata` (with `CreateNamespace=true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub managed_namespace_metadata: Option<ManagedNamespaceMetadata>,
}

/// `spec.syncPolicy.automated`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Automated {
    /// `enabled`: an explicit toggle; unset counts as enabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// `prune`: delete resources no longer declared during automated syncs.
    #[serde(skip_serializing_if = "is_false")]
    pub prune: bool,
    /// `selfHeal`: sync again when live state drifts without a Git change.
    #[serde(skip_serializing_if = "is_false")]
    pub self_heal: bool,
    /// `allowEmpty`: allow an automated pruning sync with no desired resources.
    #[serde(skip_serializing_if = "is_false")]
    pub allow_empty: bool,
}

impl Automated {
    /// `enabled` unset or `true`.
    pub fn is_enabled(&self) -> bool {
        self.enabled.unwrap_or(true)
    }
}

/// `spec.syncPolicy.managedNamespaceMetadata`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ManagedNamespaceMetadata {
    /// Labels put on the created namespace.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Annotations put on the created namespace.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// One `spec.info[]` (or `operation.info[]`) entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Info {
    /// Name.
    pub name: String,
    /// Value.
    pub value: String,
}
