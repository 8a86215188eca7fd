//! `Application.status`: what the controller writes.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::operation::{InitiatedBy, Operation};
use super::serde_util::{self, is_false, is_zero};
use super::spec::{ApplicationSource, Destination};
use crate::diff::IgnoreDifference;
use crate::health::{HealthStatus, HealthStatusCode};
pub use crate::sync::ResourceResult;
use crate::sync::TaskPhase;

/// `status`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ApplicationStatus {
    /// `resources`: one entry per managed resource.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<ResourceStatus>,
    /// `sync`: the comparison result.
    #[serde(skip_serializing_if = "SyncStatus::is_unset")]
    pub sync: SyncStatus,
    /// `health`: the aggregate health.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health: Option<AppHealthStatus>,
    /// `history`: deployed revisions, oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<RevisionHistory>,
    /// `conditions`: errors and warnings.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<ApplicationCondition>,
    /// `reconciledAt`: last full reconciliation (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reconciled_at: Option<String>,
    /// `operationState`: the current or last operation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_state: Option<OperationState>,
    /// `observedAt` (deprecated upstream; kept for round trips).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed_at: Option<String>,
    /// `sourceType`: `Kustomize`, `Helm`, `Directory` or `Plugin`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub source_type: String,
    /// `sourceTypes` (multi-source).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub source_types: Vec<String>,
    /// `summary`.
    #[serde(skip_serializing_if = "Summary::is_empty")]
    pub summary: Summary,
    /// `controllerNamespace`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub controller_namespace: String,
}

/// A sync status code: `Synced`, `OutOfSync` or `Unknown`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SyncStatusCode {
    /// Live matches desired.
    Synced,
    /// Live differs from desired.
    OutOfSync,
    /// Not compared (yet), or the comparison failed.
    #[default]
    Unknown,
}

impl SyncStatusCode {
    /// The code as Argo CD spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            SyncStatusCode::Synced => "Synced",
            SyncStatusCode::OutOfSync => "OutOfSync",
            SyncStatusCode::Unknown => "Unknown",
        }
    }
}

impl fmt::Display for SyncStatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `status.sync`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SyncStatus {
    /// `status`.
    pub status: SyncStatusCode,
    /// `revision`: the resolved commit compared against.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub revision: String,
    /// `revisions` (multi-source).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub revisions: Vec<String>,
    /// `comparedTo`: the spec the comparison used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compared_to: Option<ComparedTo>,
}

impl SyncStatus {
    /// Nothing compared yet (the default value).
    pub fn is_unset(&self) -> bool {
        *self == Self::default()
    }
}

/// `status.sync.comparedTo`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ComparedTo {
    /// `source`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<ApplicationSource>,
    /// `sources` (multi-source).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<ApplicationSource>,
    /// `destination`.
    pub destination: Destination,
    /// `ignoreDifferences`.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        serialize_with = "serde_util::compact"
    )]
    pub ignore_differences: Vec<IgnoreDifference>,
}

/// `status.health` and `status.resources[].health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppHealthStatus {
    /// `status`.
    pub status: HealthStatusCode,
    /// `message`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// `lastTransitionTime` (app health only; RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<String>,
}

impl From<HealthStatus> for AppHealthStatus {
    fn from(h: HealthStatus) -> Self {
        AppHealthStatus {
            status: h.status,
            message: h.message,
            last_transition_time: None,
        }
    }
}

/// `status.resources[]`: one managed resource.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ResourceStatus {
    /// `group` (empty for core).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub group: String,
    /// `version`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub version: String,
    /// `kind`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// `namespace` (empty for cluster-scoped objects).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// `name`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// `status`: `Synced`, `OutOfSync` or `Unknown`; absent for hooks, `Skip` resources and
    /// objects that only copied this app's tracking metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<SyncStatusCode>,
    /// `health` (absent for kinds without a health rule).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health: Option<AppHealthStatus>,
    /// `hook`: the resource is a hook.
    #[serde(skip_serializing_if = "is_false")]
    pub hook: bool,
    /// `requiresPruning`: live only, would be deleted by a pruning sync.
    #[serde(skip_serializing_if = "is_false")]
    pub requires_pruning: bool,
    /// `syncWave`.
    #[serde(skip_serializing_if = "is_zero")]
    pub sync_wave: i64,
    /// `requiresDeletionConfirmation` (`Prune=confirm` / `Delete=confirm`).
    #[serde(skip_serializing_if = "is_false")]
    pub requires_deletion_confirmation: bool,
}

/// `status.operationState`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationState {
    /// `operation`: the operation being run (a copy of the request).
    pub operation: Operation,
    /// `phase`: `Running`, `Terminating`, `Failed`, `Error` or `Succeeded`.
    pub phase: TaskPhase,
    /// `message`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// `syncResult`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_result: Option<SyncOperationResult>,
    /// `startedAt` (RFC 3339).
    #[serde(default)]
    pub started_at: String,
    /// `finishedAt` (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    /// `retryCount`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub retry_count: i64,
}

impl OperationState {
    /// The operation has ended (`Failed`, `Error` or `Succeeded`).
    pub fn is_completed(&self) -> bool {
        matches!(
            self.phase,
            TaskPhase::Failed | TaskPhase::Error | TaskPhase::Succeeded
        )
    }
}

/// `status.operationState.syncResult`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SyncOperationResult {
    /// `resources`: per-task results.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<ResourceResult>,
    /// `revision` synced.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub revision: String,
    /// `source` synced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<ApplicationSource>,
    /// `revisions` (multi-source).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub revisions: Vec<String>,
    /// `sources` (multi-source).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<ApplicationSource>,
}

/// `status.history[]`: one deployment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RevisionHistory {
    /// `id`: increases by one per deployment.
    pub id: i64,
    /// `revision` deployed.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub revision: String,
    /// `revisions` (multi-source).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub revisions: Vec<String>,
    /// `source` deployed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<ApplicationSource>,
    /// `sources` (multi-source).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<ApplicationSource>,
    /// `deployedAt` (RFC 3339).
    pub deployed_at: String,
    /// `deployStartedAt` (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deploy_started_at: Option<String>,
    /// `initiatedBy`.
    #[serde(skip_serializing_if = "is_default_initiator")]
    pub initiated_by: InitiatedBy,
}

fn is_default_initiator(i: &InitiatedBy) -> bool {
    *i == InitiatedBy::default()
}

/// `status.conditions[]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ApplicationCondition {
    /// `type`, e.g. `ComparisonError`, `SyncError`, `SharedResourceWarning`.
    #[serde(rename = "type")]
    pub condition_type: String,
    /// `message`.
    pub message: String,
    /// `lastTransitionTime` (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<String>,
}

/// `status.summary`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Summary {
    /// `externalURLs`.
    #[serde(rename = "externalURLs", skip_serializing_if = "Vec::is_empty")]
    pub external_urls: Vec<String>,
    /// `images`: container images of the desired workloads, sorted, unique.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<String>,
}

impl Summary {
    /// No URLs and no images.
    pub fn is_empty(&self) -> bool {
        self.external_urls.is_empty() && self.images.is_empty()
    }
}
