//! One resource's result in the shape of Argo CD's
//! `status.operationState.syncResult.resources[]`.

use serde::{Deserialize, Serialize};

use crate::sync::{ResultCode, SyncPhase, TaskPhase};

/// The result of one task, as Argo CD reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceResult {
    /// API group; empty for the core group.
    #[serde(default)]
    pub group: String,
    /// API version inside the group.
    #[serde(default)]
    pub version: String,
    /// Kind.
    #[serde(default)]
    pub kind: String,
    /// Namespace; empty for cluster-scoped objects.
    #[serde(default)]
    pub namespace: String,
    /// `metadata.name`.
    #[serde(default)]
    pub name: String,
    /// `Synced`, `SyncFailed`, `Pruned` or `PruneSkipped`.
    pub status: ResultCode,
    /// What happened (e.g. `deployment.apps/web created`, `pruned`, the server's error).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// For hooks, the phase the hook runs in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hook_type: Option<String>,
    /// Phase of the task (set for plain resources too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hook_phase: Option<TaskPhase>,
    /// Phase of the sync the task ran in.
    #[serde(default)]
    pub sync_phase: SyncPhase,
    /// Container images of the object written (`spec.containers`,
    /// `spec.template.spec.containers`, `spec.jobTemplate.spec.template.spec.containers`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<String>,
}
