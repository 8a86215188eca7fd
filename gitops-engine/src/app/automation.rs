//! Automated sync: whether a comparison should start a sync, following Argo CD's rules.
//!
//! - Only with `syncPolicy.automated` enabled, no operation in progress, the app not
//!   being deleted, and the comparison `OutOfSync`.
//! - Without `automated.prune`, an app whose only differences are resources to prune is
//!   left alone.
//! - One attempt per (revision, source): after a completed attempt to the same revision
//!   and source, a failed attempt is not repeated (a `SyncError` condition says so; the
//!   operation's own `retry` policy already ran), and a successful one is repeated only
//!   with `selfHeal`, after the self-heal wait, syncing just the resources that are not
//!   `Synced`.
//! - With `automated.prune` and without `allowEmpty`, a sync that would prune every
//!   resource is refused with a `SyncError` condition.

use std::time::Duration;

use jiff::Timestamp;

use super::compare::Comparison;
use super::conditions::SYNC_ERROR;
use super::model::{
    Application, ApplicationCondition, InitiatedBy, Operation, SyncOperation, SyncStatusCode,
    parse_time,
};
use crate::sync::retry::RetryStrategy;
use crate::sync::{SelectedResource, TaskPhase};

/// Argo CD's default self-heal timeout (`--self-heal-timeout-seconds`).
pub const DEFAULT_SELF_HEAL_TIMEOUT: Duration = Duration::from_secs(5);

/// How long self-heal waits after the previous sync finished.
#[derive(Debug, Clone, PartialEq)]
pub enum SelfHealWait {
    /// A fixed wait after the previous operation finished (default 5 s).
    Timeout(Duration),
    /// Exponential backoff over consecutive self-heal attempts: the `n`-th attempt waits
    /// `min(duration × factor^(n-1), max)` after the previous operation finished; the
    /// first waits nothing.
    Backoff {
        /// First wait.
        duration: Duration,
        /// Multiplier per attempt.
        factor: u32,
        /// Cap.
        max: Duration,
    },
}

impl Default for SelfHealWait {
    fn default() -> Self {
        SelfHealWait::Timeout(DEFAULT_SELF_HEAL_TIMEOUT)
    }
}

impl SelfHealWait {
    /// The wait before self-heal attempt number `attempts + 1`.
    fn wait(&self, attempts: i64) -> Duration {
        match self {
            SelfHealWait::Timeout(timeout) => *timeout,
            SelfHealWait::Backoff {
                duration,
                factor,
                max,
            } => {
                if attempts <= 0 {
                    return Duration::ZERO;
                }
                let exponent = u32::try_from(attempts - 1).unwrap_or(u32::MAX);
                let scale = factor.checked_pow(exponent).unwrap_or(u32::MAX);
                duration.saturating_mul(scale).min(*max)
            }
        }
    }
}

/// The decision of [`auto_sync`].
#[derive(Debug, Clone, PartialEq)]
pub enum AutoSync {
    /// Nothing to do; the reason is for logs.
    Skip(String),
    /// Nothing to do now; evaluate again after `after` (self-heal wait).
    Later {
        /// How long to wait.
        after: Duration,
        /// Why (for logs).
        reason: String,
    },
    /// Refused: set this `SyncError` condition on the app.
    Refused(ApplicationCondition),
    /// Start this operation (write it to the Application's `operation`).
    Sync(Box<Operation>),
}

/// [`auto_sync_with`] with Argo CD's default self-heal wait (5 s).
pub fn auto_sync(app: &Application, cmp: &Comparison, revision: &str, now: Timestamp) -> AutoSync {
    auto_sync_with(app, cmp, revision, now, &SelfHealWait::default())
}

/// Decides whether the comparison `cmp` of `app` at the resolved `revision` starts an
/// automated sync at `now`.
pub fn auto_sync_with(
    app: &Application,
    cmp: &Comparison,
    revision: &str,
    now: Timestamp,
    self_heal: &SelfHealWait,
) -> AutoSync {
    let Some(automated) = app.spec.automated() else {
        return AutoSync::Skip("automated sync is not enabled".into());
    };
    let state = app.status.operation_state.as_ref();
    if app.operation.is_some()
        || state.is_some_and(|s| matches!(s.phase, TaskPhase::Running | TaskPhase::Terminating))
    {
        return AutoSync::Skip("another operation is in progress".into());
    }
    if app.metadata.deletion_timestamp.is_some() {
        return AutoSync::Skip("deletion in progress".into());
    }
    if cmp.sync_status != SyncStatusCode::OutOfSync {
        return AutoSync::Skip(format!("application status is {}", cmp.sync_status));
    }
    let managed = || cmp.resources.iter().filter(|r| !r.hook);
    if !automated.prune
        && managed().all(|r| r.status == Some(SyncStatusCode::Synced) || r.requires_pruning)
    {
        return AutoSync::Skip(
            "need to prune extra resources only but automated prune is disabled".into(),
        );
    }

    let mut sync = SyncOperation {
        revision: revision.to_owned(),
        prune: automated.prune,
        sync_options: app.spec.sync_options().to_vec(),
        source: app.spec.source.clone(),
        ..SyncOperation::default()
    };
    let revisions = format!("[{revision}]");
    if let Some(state) = state.filter(|_| already_attempted(app, revision)) {
        if state.phase != TaskPhase::Succeeded {
            return AutoSync::Refused(sync_error(format!(
                "Failed last sync attempt to {revisions}: {}",
                state.message
            )));
        }
        if !automated.self_heal {
            return AutoSync::Skip(format!("most recent sync already to {revisions}"));
        }
        let attempts = state
            .operation
            .sync
            .as_ref()
            .map_or(0, |s| s.self_heal_attempts_count);
        let wait = self_heal.wait(attempts);
        let since_finish = state
            .finished_at
            .as_deref()
            .and_then(|t| {
                parse_time(&app.metadata.name, "status.operationState.finishedAt", t).ok()
            })
            .and_then(|finished| Duration::try_from(now.duration_since(finished)).ok())
            .unwrap_or(Duration::ZERO);
        if let Some(remaining) = wait.checked_sub(since_finish).filter(|d| !d.is_zero()) {
            return AutoSync::Later {
                after: remaining,
                reason: format!(
                    "already attempted sync to {revisions} with timeout {wait:?} (retrying in {remaining:?})"
                ),
            };
        }
        sync.self_heal_attempts_count = attempts + 1;
        sync.resources = managed()
            .filter(|r| r.status != Some(SyncStatusCode::Synced))
            .map(|r| SelectedResource {
                group: r.group.clone(),
                kind: r.kind.clone(),
                name: r.name.clone(),
                namespace: String::new(),
            })
            .collect();
    }

    if automated.prune && !automated.allow_empty && managed().all(|r| r.requires_pruning) {
        return AutoSync::Refused(sync_error(format!(
            "Skipping sync attempt to {revisions}: auto-sync will wipe out all resources"
        )));
    }

    let retry = app.spec.sync_policy.as_ref().and_then(|p| p.retry.clone());
    AutoSync::Sync(Box::new(Operation {
        sync: Some(sync),
        initiated_by: InitiatedBy {
            username: String::new(),
            automated: true,
        },
        info: Vec::new(),
        retry: Some(RetryStrategy::for_automated_sync(retry)),
    }))
}

/// The last operation completed a sync to `revision` from the app's current source (or
/// completed without any result, which Argo CD also counts as attempted).
fn already_attempted(app: &Application, revision: &str) -> bool {
    let Some(state) = &app.status.operation_state else {
        return false;
    };
    match &state.sync_result {
        None => state.is_completed(),
        Some(result) => result.revision == revision && result.source == app.spec.source,
    }
}

fn sync_error(message: String) -> ApplicationCondition {
    ApplicationCondition {
        condition_type: SYNC_ERROR.to_owned(),
        message,
        last_transition_time: None,
    }
}
