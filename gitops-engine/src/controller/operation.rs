//! Running a sync operation for an app: plan, execute, retry with backoff,
//! and record the result, history and events.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde_json::Value;
use tracing::{debug, error, info, warn};

use super::Shared;
use super::comparison;
use super::destinations::Connection;
use super::project::{self, ProjectGuard};
use super::status_write;
use crate::app::{
    Application, Comparison, Operation, OperationState, PlanContext, SyncOperationResult,
    format_time, history_entry, plan_input, record_history,
};
use crate::cluster::{ClusterError, EventType, Gvk, KubeCluster, ObjectRef};
use crate::source::{Refresh, Rendered};
use crate::sync::execute::{
    ExecuteSettings, OperationPhase, SyncOutcome, step, terminate_recorded,
};
use crate::sync::plan;
use crate::sync::retry::{AfterFailure, RetryStrategy};

fn now() -> jiff::Timestamp {
    jiff::Timestamp::now()
}

/// Advances the app's sync operation by one call of the operation loop and
/// returns when to look at it again (`None` once it is over). `operation` is
/// a newly requested (or automated) operation; `running` the state of one
/// that earlier passes — or an earlier run of the controller, stopped or
/// killed mid-sync — left `Running`: its start time, retry count and results
/// are kept, and tasks with a result are not run again.
///
/// Nothing here waits for health, hooks, a retry's backoff or the delay
/// between waves: the state is checkpointed in `status.operationState` and
/// the worker is free for other apps; the next pass (a change of one of the
/// app's objects, or the returned delay) goes on from there, as Argo CD's
/// operation loop does — but not before the delay after a wave has passed
/// (kept in memory: a restarted controller goes on at once).
/// Objects (hooks included) the project forbids fail an attempt before
/// anything is applied. A sync window that blocks an operation in progress
/// (see `AppProject::can_continue`) keeps the pass from calling this at all:
/// the operation stays at its checkpoint until the windows let it go on.
pub(crate) async fn advance(
    shared: &Shared,
    app: &mut Application,
    object: &mut Value,
    pass: Pass,
) -> Result<Option<Duration>, ClusterError> {
    let Pass {
        operation,
        running,
        mut guard,
        mut rendered,
        mut comparison,
    } = pass;
    let state = match (operation, running) {
        (Some(op), _) => start(shared, app, object, op, &rendered).await?,
        (None, Some(state)) => state,
        (None, None) => return Ok(None),
    };
    let op = state.operation.clone();
    let retry = retry_strategy(app, &op);
    let started = state.started_at.parse().unwrap_or_else(|_| now());
    let retry_count = state.retry_count;
    let mut recorded = state
        .sync_result
        .as_ref()
        .map(|r| r.resources.clone())
        .unwrap_or_default();
    let retry_wait = state
        .finished_at
        .as_deref()
        .filter(|_| state.phase == OperationPhase::Running)
        .map(str::to_owned);
    let terminating = state.phase == OperationPhase::Terminating;
    let timed_out = timeout_passed(shared, started, now());
    let name = shared.app_key(&app.metadata.namespace, &app.metadata.name);
    let held = shared.wave_pauses.remaining(&name, &state.started_at);
    app.status.operation_state = Some(state);

    if let Some(remaining) = held.filter(|_| !terminating && timed_out.is_none()) {
        // The delay after the wave just run: the comparison is recorded, the
        // operation waits.
        status_write::write_status(shared, app, object, false).await?;
        return Ok(Some(remaining));
    }

    if let Some(failed_at) = retry_wait {
        // A failed attempt waits for its retry: start it once the backoff is over.
        let remaining = retry_remaining(&retry, retry_count, &failed_at);
        if !remaining.is_zero() {
            return Ok(Some(remaining));
        }
        recorded.clear();
        if let Some(state) = app.status.operation_state.as_mut() {
            state.finished_at = None;
            state.sync_result = None;
            state.message = retry.retry_message(retry_count);
        }
        // Retry against what is live now (and, with `refresh`, the newest revision).
        if retry.refresh
            && let Ok(newer) = comparison::render(shared, app, None, Refresh::Force).await
        {
            rendered = newer;
        }
        // The project may have changed meanwhile: a now non-compliant app stops.
        match project::guard(shared, app).await? {
            Ok(fresh) => guard = fresh,
            Err(problems) => {
                let message = problems
                    .iter()
                    .map(|c| c.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; ");
                let outcome = SyncOutcome {
                    phase: OperationPhase::Failed,
                    message,
                    resources: Vec::new(),
                };
                record_result(app, &outcome, &rendered.revision, retry_count);
                finish(shared, app, object, &outcome, &rendered).await?;
                return Ok(None);
            }
        }
        let target = connect(shared, app, &guard)?;
        comparison = comparison::compare_live(shared, app, &guard, &target, &rendered).await?;
    }

    let settings = ExecuteSettings {
        wave_delay: shared.settings.wave_delay,
        poll_interval: shared.settings.health_poll,
        timeout: shared.settings.operation_timeout,
        ..ExecuteSettings::new(shared.settings.health_rules.clone())
    };
    let target = connect(shared, app, &guard)?;
    let context = PlanContext {
        tracking: shared.settings.tracking.clone(),
        api_resources: None,
        destination_namespace_exists: destination_namespace_exists(&target.kube, app).await,
        started_at_unix: started.as_second(),
        prune_confirmed: false,
    };
    let input = plan_input(
        app,
        &comparison,
        &op.sync.clone().unwrap_or_default(),
        &context,
    );
    let (outcome, again_after, terminated) = match (guard.refuse(&comparison), plan(&input)) {
        (Some(refused), _) => (refused, None, false),
        (None, Ok(plan)) if terminating || timed_out.is_some() => {
            let outcome =
                terminate_recorded(&target.kube, &plan, &settings, &recorded, timed_out).await;
            (outcome, None, true)
        }
        (None, Ok(plan)) => {
            let stepped = step(&target.kube, &plan, &settings, &recorded).await;
            if let (Some(hold), Some(state)) = (stepped.not_before, &app.status.operation_state) {
                shared.wave_pauses.hold(&name, &state.started_at, hold);
            }
            (stepped.outcome, stepped.again_after, false)
        }
        (None, Err(e)) => (
            SyncOutcome {
                phase: OperationPhase::Error,
                message: e.to_string(),
                resources: Vec::new(),
            },
            None,
            false,
        ),
    };
    record_result(app, &outcome, &rendered.revision, retry_count);
    if outcome.phase == OperationPhase::Running {
        debug!(app = %app.metadata.name, message = %outcome.message, "operation waiting");
        status_write::write_status(shared, app, object, false).await?;
        return Ok(Some(again_after.unwrap_or(settings.poll_interval)));
    }
    if outcome.phase == OperationPhase::Failed {
        let failed_at = now();
        match retry.after_failure(
            &outcome.message,
            retry_count,
            terminated,
            failed_at.as_second(),
        ) {
            Ok(AfterFailure::Retry {
                retry_count: next,
                message,
                ..
            }) => {
                warn!(app = %app.metadata.name, %message, "sync failed; retrying");
                if let Some(state) = app.status.operation_state.as_mut() {
                    state.phase = OperationPhase::Running;
                    state.message = message;
                    state.retry_count = next;
                    state.finished_at = Some(format_time(failed_at));
                }
                status_write::write_status(shared, app, object, false).await?;
                return Ok(Some(retry_remaining(&retry, next, &format_time(failed_at))));
            }
            Ok(AfterFailure::GiveUp { message }) => {
                if let Some(state) = app.status.operation_state.as_mut() {
                    state.message = message;
                }
            }
            Err(e) => {
                if let Some(state) = app.status.operation_state.as_mut() {
                    state.message = format!("{}; invalid retry settings: {e}", outcome.message);
                }
            }
        }
    }
    finish(shared, app, object, &outcome, &rendered).await?;
    Ok(None)
}

/// The pauses between waves of the operations in progress: until when each
/// app's operation (by app key, with the operation's start time) must not
/// advance.
#[derive(Debug, Default)]
pub(crate) struct WavePauses(Mutex<HashMap<String, (String, Instant)>>);

impl WavePauses {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, Instant)>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Holds the operation started at `started_at` of the app `app` for `hold`.
    fn hold(&self, app: &str, started_at: &str, hold: Duration) {
        self.map().insert(
            app.to_owned(),
            (started_at.to_owned(), Instant::now() + hold),
        );
    }

    /// How long the operation started at `started_at` of the app `app` is
    /// still held (`None`: it may advance); a pause that is over, or that
    /// held another operation, is forgotten.
    fn remaining(&self, app: &str, started_at: &str) -> Option<Duration> {
        let mut pauses = self.map();
        let (held, until) = pauses.get(app)?;
        let remaining = until.saturating_duration_since(Instant::now());
        if held == started_at && !remaining.is_zero() {
            return Some(remaining);
        }
        pauses.remove(app);
        None
    }

    /// Forgets the pause of the app `app` (its operation ended, or the app is gone).
    pub(crate) fn forget(&self, app: &str) {
        self.map().remove(app);
    }
}

/// What a reconcile pass hands to [`advance`]: the operation and what the
/// pass found.
pub(crate) struct Pass {
    /// A newly requested or automated operation.
    pub(crate) operation: Option<Operation>,
    /// The state of the operation in progress, when no new one is requested.
    pub(crate) running: Option<OperationState>,
    /// The app's project rules.
    pub(crate) guard: ProjectGuard,
    /// The rendering of the operation's revision.
    pub(crate) rendered: Arc<Rendered>,
    /// The rendering compared with the live objects.
    pub(crate) comparison: Comparison,
}

/// Records the start of `op` (phase `Running`, no results) and announces it.
async fn start(
    shared: &Shared,
    app: &mut Application,
    object: &mut Value,
    op: Operation,
    rendered: &Rendered,
) -> Result<OperationState, ClusterError> {
    shared
        .wave_pauses
        .forget(&shared.app_key(&app.metadata.namespace, &app.metadata.name));
    let automated = op.initiated_by.automated;
    let state = OperationState {
        operation: op,
        phase: OperationPhase::Running,
        message: String::new(),
        sync_result: None,
        started_at: format_time(now()),
        finished_at: None,
        retry_count: 0,
    };
    app.status.operation_state = Some(state.clone());
    status_write::write_status(shared, app, object, false).await?;
    shared
        .events
        .publish(
            &*object,
            EventType::Normal,
            "OperationStarted",
            &format!(
                "Initiated {}sync to {}",
                if automated { "automated " } else { "" },
                rendered.revision
            ),
        )
        .await
        .ok();
    Ok(state)
}

/// The operation's retry strategy: its own, else the app's, else (automated
/// syncs) Argo CD's default.
fn retry_strategy(app: &Application, op: &Operation) -> RetryStrategy {
    op.retry
        .clone()
        .or_else(|| {
            app.spec
                .sync_policy
                .as_ref()
                .and_then(|p| p.retry.clone())
                .or_else(|| {
                    op.initiated_by
                        .automated
                        .then(|| RetryStrategy::for_automated_sync(None))
                })
        })
        .unwrap_or_default()
}

/// How long the attempt that failed at `failed_at` still waits before retry
/// number `retry_count` (the backoff for that count, from the failure).
fn retry_remaining(retry: &RetryStrategy, retry_count: i64, failed_at: &str) -> Duration {
    let wait = Duration::from_nanos(
        u64::try_from(retry.wait_ns(retry_count.saturating_sub(1)).unwrap_or(0))
            .unwrap_or(u64::MAX),
    );
    let since = failed_at
        .parse::<jiff::Timestamp>()
        .map_or(wait, elapsed_since);
    wait.saturating_sub(since)
}

/// Time passed since `then` (zero when it is in the future).
fn elapsed_since(then: jiff::Timestamp) -> Duration {
    Duration::try_from(now().duration_since(then)).unwrap_or(Duration::ZERO)
}

/// The operation timeout, when an operation started at `started` has run
/// past it at `at`.
pub(super) fn timeout_passed(
    shared: &Shared,
    started: jiff::Timestamp,
    at: jiff::Timestamp,
) -> Option<Duration> {
    let elapsed = Duration::try_from(at.duration_since(started)).unwrap_or(Duration::ZERO);
    shared
        .settings
        .operation_timeout
        .filter(|limit| elapsed > *limit)
}

/// Copies the executor's outcome into `status.operationState`.
fn record_result(app: &mut Application, outcome: &SyncOutcome, revision: &str, retry_count: i64) {
    let source = app.spec.source.clone();
    if let Some(state) = app.status.operation_state.as_mut() {
        state.phase = outcome.phase;
        state.message = outcome.message.clone();
        state.retry_count = retry_count;
        state.sync_result = Some(SyncOperationResult {
            resources: outcome.resources.clone(),
            revision: revision.to_owned(),
            source,
            ..SyncOperationResult::default()
        });
    }
}

async fn finish(
    shared: &Shared,
    app: &mut Application,
    object: &mut Value,
    outcome: &SyncOutcome,
    rendered: &Rendered,
) -> Result<(), ClusterError> {
    shared
        .wave_pauses
        .forget(&shared.app_key(&app.metadata.namespace, &app.metadata.name));
    let finished = format_time(now());
    let mut entry = None;
    if let Some(state) = app.status.operation_state.as_mut() {
        state.finished_at = Some(finished.clone());
        entry = history_entry(state, &finished);
    }
    if let Some(entry) = entry {
        let limit = app.spec.history_limit();
        record_history(&mut app.status, entry, limit);
    }
    let succeeded = outcome.phase == OperationPhase::Succeeded;
    status_write::write_status(shared, app, object, false).await?;
    let message = app
        .status
        .operation_state
        .as_ref()
        .map(|s| s.message.clone())
        .unwrap_or_default();
    let (kind, phase) = if succeeded {
        (EventType::Normal, "Succeeded")
    } else {
        (EventType::Warning, "Failed")
    };
    if succeeded {
        info!(app = %app.metadata.name, phase, %message, "sync finished");
    } else {
        error!(app = %app.metadata.name, phase, error = %message, "sync failed");
    }
    shared
        .events
        .publish(
            &*object,
            kind,
            "OperationCompleted",
            &format!(
                "Sync operation to {} {}: {message}",
                rendered.revision,
                phase.to_lowercase()
            ),
        )
        .await
        .ok();
    shared.metrics.count_sync(
        &app.metadata.namespace,
        &app.metadata.name,
        &app.spec.project,
        phase,
    );
    Ok(())
}

/// The connection to the app's destination cluster.
fn connect(
    shared: &Shared,
    app: &Application,
    guard: &ProjectGuard,
) -> Result<Arc<Connection>, ClusterError> {
    shared
        .destinations
        .connect(
            shared,
            &shared.app_key(&app.metadata.namespace, &app.metadata.name),
            &guard.destination,
        )
        .map_err(ClusterError::Transport)
}

/// Whether the app's destination namespace exists (for `CreateNamespace=true`).
async fn destination_namespace_exists(cluster: &KubeCluster, app: &Application) -> bool {
    let namespace = &app.spec.destination.namespace;
    if namespace.is_empty() {
        return true;
    }
    let object = ObjectRef {
        gvk: Gvk::new("", "v1", "Namespace"),
        namespace: String::new(),
        name: namespace.clone(),
    };
    matches!(
        crate::cluster::Cluster::get(cluster, &object).await,
        Ok(Some(_))
    )
}
