//! The top-level `operation` field: a requested sync.

use serde::{Deserialize, Serialize};

use super::serde_util::{self, is_false, is_zero};
use super::spec::{ApplicationSource, Info};
use crate::sync::SelectedResource;
use crate::sync::retry::RetryStrategy;

/// `operation` (and `status.operationState.operation`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Operation {
    /// `sync`: the requested sync.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync: Option<SyncOperation>,
    /// `initiatedBy`: who asked.
    pub initiated_by: InitiatedBy,
    /// `info`: free-form details.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub info: Vec<Info>,
    /// `retry`: how a failed operation is retried.
    #[serde(skip_serializing_if = "Option::is_none", with = "serde_util::retry")]
    pub retry: Option<RetryStrategy>,
}

/// `operation.sync`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SyncOperation {
    /// `revision` to sync to (empty: the app's target revision).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub revision: String,
    /// `prune` extraneous resources.
    #[serde(skip_serializing_if = "is_false")]
    pub prune: bool,
    /// `dryRun`.
    #[serde(skip_serializing_if = "is_false")]
    pub dry_run: bool,
    /// `resources`: selective sync (empty: everything).
    #[serde(skip_serializing_if = "Vec::is_empty", with = "serde_util::resources")]
    pub resources: Vec<SelectedResource>,
    /// `syncStrategy`: `apply` (no hooks) or `hook`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync_strategy: Option<SyncStrategy>,
    /// `syncOptions` of this operation (`Key=value`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sync_options: Vec<String>,
    /// `source`: sync this source instead of the spec's (rollback).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<ApplicationSource>,
    /// `revisions` (multi-source).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub revisions: Vec<String>,
    /// `sources` (multi-source rollback).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<ApplicationSource>,
    /// `selfHealAttemptsCount`: consecutive self-heal syncs (drives the self-heal backoff).
    #[serde(skip_serializing_if = "is_zero")]
    pub self_heal_attempts_count: i64,
}

impl SyncOperation {
    /// The `apply` strategy was chosen: hooks do not run.
    pub fn skips_hooks(&self) -> bool {
        self.sync_strategy
            .as_ref()
            .is_some_and(|s| s.apply.is_some() && s.hook.is_none())
    }

    /// The chosen strategy's `force` flag.
    pub fn force(&self) -> bool {
        self.sync_strategy.as_ref().is_some_and(|s| {
            s.apply.as_ref().is_some_and(|a| a.force) || s.hook.as_ref().is_some_and(|h| h.force)
        })
    }
}

/// `operation.sync.syncStrategy`: exactly one of `apply` or `hook`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SyncStrategy {
    /// `apply`: plain apply, hooks skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apply: Option<StrategyForce>,
    /// `hook`: apply with hooks (the default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hook: Option<StrategyForce>,
}

/// The body of `syncStrategy.apply` / `syncStrategy.hook`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StrategyForce {
    /// `force`: delete and re-create objects that cannot be patched.
    #[serde(skip_serializing_if = "is_false")]
    pub force: bool,
}

/// `initiatedBy`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InitiatedBy {
    /// `username` of the person who asked.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub username: String,
    /// `automated`: started by automated sync.
    #[serde(skip_serializing_if = "is_false")]
    pub automated: bool,
}
