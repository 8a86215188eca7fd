//! Running a sync operation for an app: plan, execute, retry with backoff,
//! and record the result, history and events.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::watch;
use tracing::{error, info, warn};

use super::Shared;
use super::destinations::Connection;
use super::pass;
use super::project::{self, ProjectGuard};
use super::status_write;
use crate::app::{
    Application, Comparison, Operation, OperationState, PlanContext, SyncOperationResult,
    format_time, history_entry, plan_input, record_history,
};
use crate::cluster::{ClusterError, EventType, Gvk, KubeCluster, ObjectRef};
use crate::source::{Refresh, Rendered};
use crate::sync::execute::{
    ExecuteSettings, OperationPhase, ResourceResult, SyncOutcome, execute_resumed,
};
use crate::sync::retry::{AfterFailure, RetryStrategy};
use crate::sync::{SyncPlan, TaskPhase, plan};

fn now() -> jiff::Timestamp {
    jiff::Timestamp::now()
}

/// Runs the operation to its end, writing `status.operationState` when it
/// starts, whenever its results change (a checkpoint a restarted controller
/// resumes from), on every retry and when it ends. `resumed` is the state an
/// earlier run left `Running`: its start time, retry count and results are
/// kept, and tasks with a result are not run again.
/// Objects (hooks included) the project forbids fail an attempt before
/// anything is applied.
#[allow(clippy::too_many_arguments)] // the pass's state, handed over whole
pub(crate) async fn run(
    shared: &Shared,
    app: &mut Application,
    object: &mut Value,
    op: Operation,
    mut guard: ProjectGuard,
    mut rendered: Arc<Rendered>,
    mut comparison: Comparison,
    resumed: Option<OperationState>,
) -> Result<(), ClusterError> {
    let automated = op.initiated_by.automated;
    let sync = op.sync.clone().unwrap_or_default();
    let retry = op.retry.clone().or_else(|| {
        app.spec
            .sync_policy
            .as_ref()
            .and_then(|p| p.retry.clone())
            .or_else(|| automated.then(|| RetryStrategy::for_automated_sync(None)))
    });
    let retry = retry.unwrap_or_default();
    let (started, mut retry_count, mut recorded) = match resumed {
        Some(state) => {
            info!(app = %app.metadata.name, revision = %rendered.revision, "resuming the operation left running");
            let started = state.started_at.parse().unwrap_or_else(|_| now());
            let recorded = state
                .sync_result
                .as_ref()
                .map(|r| r.resources.clone())
                .unwrap_or_default();
            let retry_count = state.retry_count;
            app.status.operation_state = Some(state);
            (started, retry_count, recorded)
        }
        None => {
            let started = now();
            app.status.operation_state = Some(OperationState {
                operation: op.clone(),
                phase: TaskPhase::Running,
                message: String::new(),
                sync_result: None,
                started_at: format_time(started),
                finished_at: None,
                retry_count: 0,
            });
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
            (started, 0, Vec::new())
        }
    };

    let settings = ExecuteSettings {
        wave_delay: shared.settings.wave_delay,
        poll_interval: shared.settings.health_poll,
        timeout: shared.settings.operation_timeout,
        ..ExecuteSettings::new(shared.settings.health_rules.clone())
    };
    let outcome = loop {
        let target = connect(shared, app, &guard)?;
        let context = PlanContext {
            tracking: shared.settings.tracking.clone(),
            api_resources: None,
            destination_namespace_exists: destination_namespace_exists(&target.kube, app).await,
            started_at_unix: started.as_second(),
            prune_confirmed: false,
        };
        let input = plan_input(app, &comparison, &sync, &context);
        let outcome = match (guard.refuse(app, &comparison), plan(&input)) {
            (Some(refused), _) => refused,
            (None, Ok(plan)) => {
                let run = Checkpointed {
                    shared,
                    cluster: &target.kube,
                    revision: &rendered.revision,
                    retry_count,
                };
                // Recorded results belong to the attempt that was interrupted only.
                let recorded = std::mem::take(&mut recorded);
                let blocked = blocked_by_window(shared, app.clone(), !automated, started);
                match run
                    .execute(app, object, &plan, &settings, &recorded, blocked)
                    .await?
                {
                    Some(outcome) => outcome,
                    None => return hold(shared, app, object).await,
                }
            }
            (None, Err(e)) => SyncOutcome {
                phase: OperationPhase::Error,
                message: e.to_string(),
                resources: Vec::new(),
            },
        };
        record_result(app, &outcome, &rendered.revision, retry_count);
        if outcome.phase != OperationPhase::Failed {
            break outcome;
        }
        match retry.after_failure(&outcome.message, retry_count, false, now().as_second()) {
            Ok(AfterFailure::Retry {
                retry_count: next,
                retry_at_unix,
                message,
            }) => {
                warn!(app = %app.metadata.name, %message, "sync failed; retrying");
                if let Some(state) = app.status.operation_state.as_mut() {
                    state.phase = TaskPhase::Running;
                    state.message = message;
                    state.retry_count = next;
                }
                status_write::write_status(shared, app, object, false).await?;
                let wait = retry_at_unix - now().as_second();
                tokio::time::sleep(Duration::from_secs(u64::try_from(wait).unwrap_or(0))).await;
                retry_count = next;
                // Retry against what is live now (and, with `refresh`, the newest revision).
                let refresh = if retry.refresh {
                    Refresh::Force
                } else {
                    Refresh::Normal
                };
                let revision = (!retry.refresh).then(|| rendered.revision.clone());
                if let Ok(newer) = pass::render(shared, app, revision.as_deref(), refresh).await {
                    rendered = newer;
                }
                // The project may have changed meanwhile: a now non-compliant app stops.
                match project::guard(shared, app).await? {
                    Ok(fresh) => guard = fresh,
                    Err(problems) => {
                        if let Some(state) = app.status.operation_state.as_mut() {
                            state.phase = OperationPhase::Failed;
                            state.message = problems
                                .iter()
                                .map(|c| c.message.as_str())
                                .collect::<Vec<_>>()
                                .join("; ");
                        }
                        break outcome;
                    }
                }
                let target = connect(shared, app, &guard)?;
                comparison = pass::compare_live(shared, app, &guard, &target, &rendered).await?;
            }
            Ok(AfterFailure::GiveUp { message }) => {
                if let Some(state) = app.status.operation_state.as_mut() {
                    state.message = message;
                }
                break outcome;
            }
            Err(e) => {
                if let Some(state) = app.status.operation_state.as_mut() {
                    state.message = format!("{}; invalid retry settings: {e}", outcome.message);
                }
                break outcome;
            }
        }
    };
    finish(shared, app, object, &outcome, &rendered).await
}

/// One attempt of the operation, writing `status.operationState` whenever
/// the executor reports new results.
struct Checkpointed<'a> {
    shared: &'a Shared,
    /// The destination cluster.
    cluster: &'a KubeCluster,
    revision: &'a str,
    retry_count: i64,
}

impl Checkpointed<'_> {
    /// Runs the attempt to its outcome, or stops it where it is (its results
    /// checkpointed) when `blocked` completes first: `None`.
    async fn execute(
        &self,
        app: &mut Application,
        object: &mut Value,
        plan: &SyncPlan,
        settings: &ExecuteSettings,
        recorded: &[ResourceResult],
        blocked: impl Future<Output = ()>,
    ) -> Result<Option<SyncOutcome>, ClusterError> {
        let (sender, mut receiver) = watch::channel(SyncOutcome::default());
        let execution = execute_resumed(
            self.cluster,
            plan,
            settings,
            Some(&sender),
            recorded,
            std::future::pending(),
        );
        tokio::pin!(execution);
        tokio::pin!(blocked);
        loop {
            tokio::select! {
                biased;
                outcome = &mut execution => return Ok(Some(outcome)),
                () = &mut blocked => return Ok(None),
                Ok(()) = receiver.changed() => {
                    let progress = receiver.borrow_and_update().clone();
                    let checkpointed = app.status.operation_state.as_ref()
                        .and_then(|s| s.sync_result.as_ref())
                        .is_some_and(|r| r.resources == progress.resources);
                    if !checkpointed {
                        record_result(app, &progress, self.revision, self.retry_count);
                        status_write::write_status(self.shared, app, object, false).await?;
                    }
                }
            }
        }
    }
}

/// Completes once the sync windows of the app's project stop an operation
/// running since `started` (`manual`: a user's): checked as often as the
/// health of applied objects, with the project as it is then (see
/// [`AppProject::can_continue`](crate::app::project::AppProject::can_continue)).
async fn blocked_by_window(
    shared: &Shared,
    app: Application,
    manual: bool,
    started: jiff::Timestamp,
) {
    loop {
        tokio::time::sleep(shared.settings.health_poll).await;
        // A project that cannot be read, or refuses the app, is the next pass's concern.
        if let Ok(Ok(guard)) = project::guard(shared, &app).await
            && !guard
                .project
                .can_continue(&app, manual, started, now())
                .unwrap_or(false)
        {
            return;
        }
    }
}

/// Leaves the operation `Running`, held by a sync window: its results so far
/// are kept, and a later pass resumes it once the windows allow.
async fn hold(
    shared: &Shared,
    app: &mut Application,
    object: &mut Value,
) -> Result<(), ClusterError> {
    info!(app = %app.metadata.name, "{}", project::BLOCKED_BY_WINDOW);
    if let Some(state) = app.status.operation_state.as_mut() {
        state.phase = TaskPhase::Running;
        project::BLOCKED_BY_WINDOW.clone_into(&mut state.message);
    }
    status_write::write_status(shared, app, object, false).await
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
