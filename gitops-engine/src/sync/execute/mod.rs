//! Runs a [`SyncPlan`] against a [`Cluster`]: the operation loop of Argo CD's engine
//! (notes §2.4–§2.8), driving the pure decision function [`next_step`](super::next_step)
//! to completion.
//!
//! [`execute`] dry-runs the plan (creating the destination namespace for real first),
//! then runs it wave by wave — prunes, deletion of old hook instances, applies in runs
//! of the same kind — observing live objects (`Cluster::get` and
//! [`health`](crate::health::health)) between steps, waiting for health where the decision says
//! so, deleting hooks by their delete policies and starting `SyncFail` hooks when the
//! operation fails. Every cluster error becomes a per-resource `SyncFailed` result with
//! the server's message; nothing panics. A timeout terminates the operation.

mod apply;
mod hooks;
mod observe;
mod result;
mod run;
mod wave;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::cluster::Cluster;
use crate::health::HealthRules;
use crate::sync::{PropagationPolicy, ResourceResult, SyncPlan};

pub use apply::SERVER_SIDE_MANAGER;

/// How an operation is run.
#[derive(Debug, Clone)]
pub struct ExecuteSettings {
    /// Health rules judging live objects while waiting for them.
    pub health_rules: Arc<HealthRules>,
    /// Pause after applying a wave that is not the last (Argo CD: 2 s,
    /// `ARGOCD_SYNC_WAVE_DELAY`).
    pub wave_delay: Duration,
    /// Pause between two observations of live objects while waiting.
    pub poll_interval: Duration,
    /// The operation is terminated after this long (Argo CD's sync timeout); `None`:
    /// never.
    pub timeout: Option<Duration>,
    /// Delete propagation for hook deletions (`PrunePropagationPolicy=…`; prune tasks
    /// carry their own).
    pub hook_deletion_propagation: PropagationPolicy,
}

impl ExecuteSettings {
    /// Argo CD's defaults: a 2 s wave delay, observing every second, no timeout,
    /// foreground deletion of hooks.
    pub fn new(health_rules: Arc<HealthRules>) -> Self {
        ExecuteSettings {
            health_rules,
            wave_delay: Duration::from_secs(2),
            poll_interval: Duration::from_secs(1),
            timeout: None,
            hook_deletion_propagation: PropagationPolicy::Foreground,
        }
    }
}

/// Phase of a sync operation (`status.operationState.phase`): the same
/// type as a task's phase, as in Argo CD.
pub use crate::sync::TaskPhase as OperationPhase;

/// Where an operation stands: its phase and message and the per-resource results.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncOutcome {
    /// The operation phase.
    pub phase: OperationPhase,
    /// The operation message, e.g. `successfully synced (all tasks run)`.
    pub message: String,
    /// Per-resource results in the order each resource first got one.
    pub resources: Vec<ResourceResult>,
}

/// Runs `plan` against `cluster` until the operation is over and returns how it ended.
/// Intermediate outcomes (phase `Running`, the current message and results) are sent on
/// `progress` as they change.
pub async fn execute<C: Cluster>(
    cluster: &C,
    plan: &SyncPlan,
    settings: &ExecuteSettings,
    progress: Option<&watch::Sender<SyncOutcome>>,
) -> SyncOutcome {
    execute_until(cluster, plan, settings, progress, std::future::pending()).await
}

/// Where one call of the operation loop ([`step`]) left an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stepped {
    /// The operation's phase, message and results: terminal when it is over,
    /// `Running` while it waits.
    pub outcome: SyncOutcome,
    /// While the operation waits (for health, hooks, deletions or the pause
    /// between waves): when to call [`step`] again at the latest. `None`
    /// once the operation is over.
    pub again_after: Option<Duration>,
    /// After a wave that is not the last: the delay between waves
    /// ([`ExecuteSettings::wave_delay`]), before which [`step`] must not be
    /// called again, even when an object of the operation changes (the
    /// operation is not over then; `None` otherwise).
    pub not_before: Option<Duration>,
}

/// One call of Argo CD's operation loop (notes §2.4): the plan is made anew
/// against what is live now, `recorded` are the results earlier calls (or an
/// earlier process, before a restart) checkpointed
/// (`status.operationState.syncResult.resources`). Tasks with a recorded
/// result are not run again (a completed hook is never re-created), running
/// ones are observed, and the operation advances — dry run, then waves —
/// until it has to wait or is over. Nothing waits inside: the caller calls
/// again after [`Stepped::again_after`], or sooner when an object of the
/// operation changed (never before [`Stepped::not_before`], the delay
/// between waves), with the results of this call. The sync timeout is the
/// caller's to enforce, with [`terminate_recorded`].
pub async fn step<C: Cluster>(
    cluster: &C,
    plan: &SyncPlan,
    settings: &ExecuteSettings,
    recorded: &[ResourceResult],
) -> Stepped {
    let (sender, _) = watch::channel(SyncOutcome::default());
    let mut run = run::Run::new(cluster, plan, settings, Some(&sender));
    run.restore(recorded);
    run.step_until_wait().await
}

/// Terminates an operation whose results so far are `recorded` (see
/// [`step`]): running hooks are deleted and the operation ends `Failed`,
/// "Operation terminated", or, with `timeout`, as a sync that exceeded it.
pub async fn terminate_recorded<C: Cluster>(
    cluster: &C,
    plan: &SyncPlan,
    settings: &ExecuteSettings,
    recorded: &[ResourceResult],
    timeout: Option<Duration>,
) -> SyncOutcome {
    let mut run = run::Run::new(cluster, plan, settings, None);
    run.restore(recorded);
    run.terminate(timeout).await
}

/// [`execute`], terminated when `terminate` completes first (Argo CD's
/// `terminate-op`): running hooks are deleted and the operation ends `Failed`,
/// "Operation terminated" (`Error`, "Operation termination had errors", when a hook could
/// not be deleted).
pub async fn execute_until<C: Cluster>(
    cluster: &C,
    plan: &SyncPlan,
    settings: &ExecuteSettings,
    progress: Option<&watch::Sender<SyncOutcome>>,
    terminate: impl Future<Output = ()>,
) -> SyncOutcome {
    run::Run::new(cluster, plan, settings, progress)
        .execute(terminate)
        .await
}
