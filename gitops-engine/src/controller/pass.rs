//! One reconcile pass over one app: read it, render its source, compare with
//! the live objects, run a sync if one is requested or automated sync asks
//! for one, and write the status.

use std::time::{Duration, Instant};

use serde_json::Value;
use tracing::{debug, info, warn};

use super::comparison::{compare_live, render};
use super::deletion;
use super::destinations;
use super::operation;
use super::project::{self, PROJECT_CONDITION_TYPES, ProjectGuard};
use super::status_write;
use super::{ReconcileError, Shared};
use crate::app::conditions::{
    self, COMPARISON_ERROR, INVALID_SPEC_ERROR, ORPHANED_RESOURCE_WARNING, SYNC_ERROR,
    UNKNOWN_ERROR,
};
use crate::app::store::REFRESH_ANNOTATION;
use crate::app::{
    AppError, AppHealthStatus, Application, ApplicationCondition, AutoSync, OperationState,
    SelfHealWait, SyncStatusCode, auto_sync_with, format_time,
};
use crate::cluster::{ClusterError, EventType};
use crate::health::HealthStatusCode;
use crate::source::Refresh;
use crate::sync::execute::OperationPhase;

/// Annotation that makes the controller leave an app alone.
const SKIP_RECONCILE_ANNOTATION: &str = "argocd.argoproj.io/skip-reconcile";

/// What a pass did, and when to look at the app again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassOutcome {
    /// The app's sync status after the pass (`None` when the app is gone or
    /// was skipped).
    pub sync_status: Option<SyncStatusCode>,
    /// A sync operation ran in this pass.
    pub synced: bool,
    /// Reconcile again after this delay (a sync just ran, a self-heal is
    /// due, or a retry waits).
    pub requeue_after: Option<Duration>,
}

/// Reconciles the app whose key is `key` once.
pub(crate) async fn reconcile(shared: &Shared, key: &str) -> Result<PassOutcome, ReconcileError> {
    let started = Instant::now();
    let app_ref = shared.app_ref(key);
    let (namespace, name) = (app_ref.namespace.as_str(), app_ref.name.as_str());
    if !shared.manages_namespace(namespace) {
        debug!(app = key, "not in a namespace this controller manages");
        return Ok(PassOutcome::default());
    }
    let cluster_err = |source| ReconcileError::Cluster {
        app: format!("{namespace}/{name}"),
        source,
    };
    let Some(mut object) = crate::cluster::Cluster::get(&shared.cluster, &app_ref)
        .await
        .map_err(cluster_err)?
    else {
        shared.metrics.forget_app(namespace, name);
        shared.destinations.release(key);
        shared.wave_pauses.forget(key);
        return Ok(PassOutcome::default());
    };
    if !shared.shard_filter.manages(&object) {
        debug!(
            app = key,
            "the app's cluster is on a shard this replica does not hold"
        );
        shared.metrics.forget_app(namespace, name);
        return Ok(PassOutcome::default());
    }
    if annotation(&object, SKIP_RECONCILE_ANNOTATION) == Some("true") {
        debug!(app = key, "skip-reconcile is set");
        return Ok(PassOutcome::default());
    }
    let outcome = match Application::from_value(&object) {
        Ok(app) => reconcile_app(shared, app, &mut object).await,
        Err(e) => invalid_spec(shared, &object, &e).await,
    }
    .map_err(cluster_err)?;
    let dest_server = object["spec"]["destination"]["server"]
        .as_str()
        .unwrap_or_default();
    shared
        .metrics
        .observe_reconcile(namespace, dest_server, started.elapsed());
    Ok(outcome)
}

fn annotation<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    object["metadata"]["annotations"][key].as_str()
}

/// Records an unreadable spec as an `InvalidSpecError` condition.
async fn invalid_spec(
    shared: &Shared,
    object: &Value,
    error: &AppError,
) -> Result<PassOutcome, ClusterError> {
    status_write::write_invalid_spec(shared, object, &error.to_string()).await?;
    Ok(PassOutcome {
        sync_status: Some(SyncStatusCode::Unknown),
        ..PassOutcome::default()
    })
}

/// Why an app's spec cannot be reconciled by this controller.
fn unsupported(app: &Application) -> Option<String> {
    if app.spec.is_multi_source() {
        return Some("multi-source applications (spec.sources) are not supported".to_owned());
    }
    let source = app.spec.source.as_ref()?;
    if !source.chart.is_empty() || source.plugin.is_some() {
        return Some(
            "only Git sources (Kustomize, Helm chart directories, plain directories) are supported (spec.source.chart/plugin is set)"
                .to_owned(),
        );
    }
    let helm = source.helm.as_ref()?;
    crate::source::parse_helm_source(helm)
        .err()
        .map(|e| format!("spec.source.helm: {e}"))
}

async fn reconcile_app(
    shared: &Shared,
    mut app: Application,
    object: &mut Value,
) -> Result<PassOutcome, ClusterError> {
    if app.metadata.deletion_timestamp.is_some() {
        return deletion::finalize(shared, &app, object).await;
    }
    let name = shared.app_key(&app.metadata.namespace, &app.metadata.name);
    let now_time = jiff::Timestamp::now();
    let now = format_time(now_time);
    let guard = match project::guard(shared, &app).await? {
        Ok(guard) => guard,
        Err(problems) => return record_conditions(shared, app, object, &problems).await,
    };
    conditions::clear(&mut app.status.conditions, UNKNOWN_ERROR);
    if app.spec.source.is_none() && !app.spec.is_multi_source() {
        return record_spec_problem(shared, app, object, "spec.source is required").await;
    }
    if let Some(problem) = unsupported(&app) {
        return record_spec_problem(shared, app, object, &problem).await;
    }
    conditions::clear(&mut app.status.conditions, INVALID_SPEC_ERROR);

    // An operation in progress (advanced by earlier passes, or left running
    // by a previous run of the controller, stopped or killed mid-sync) goes
    // on from its checkpoint, as Argo CD does. Its revision is pinned, so
    // only a new operation asks the remote for the newest commits.
    let running = app
        .operation
        .is_none()
        .then(|| app.status.operation_state.clone())
        .flatten()
        .filter(|state| !state.phase.is_completed());
    let refresh = match annotation(object, REFRESH_ANNOTATION) {
        Some("hard") => Refresh::Hard,
        Some(_) => Refresh::Force,
        None if app.operation.is_some() => Refresh::Force,
        None => Refresh::Normal,
    };
    let requested_revision = match &running {
        Some(state) => state
            .sync_result
            .as_ref()
            .map(|r| r.revision.clone())
            .or_else(|| state.operation.sync.as_ref().map(|s| s.revision.clone())),
        None => app
            .operation
            .as_ref()
            .and_then(|op| op.sync.as_ref())
            .map(|s| s.revision.clone()),
    }
    .filter(|r| !r.is_empty());
    let target = match shared
        .destinations
        .connect(shared, &name, &guard.destination)
    {
        Ok(target) => target,
        Err(message) => {
            return comparison_error(shared, app, object, &message, refresh, Unreachable::Yes)
                .await;
        }
    };
    let rendered = match render(shared, &app, requested_revision.as_deref(), refresh).await {
        Ok(rendered) => rendered,
        Err(message) => {
            return comparison_error(shared, app, object, &message, refresh, Unreachable::No).await;
        }
    };
    let mut comparison = match compare_live(shared, &app, &guard, &target, &rendered).await {
        Ok(comparison) => comparison,
        Err(e) => {
            shared.destinations.disconnect(&guard.destination.server);
            let message = destinations::sync_failure(&guard.destination.server, &e.to_string());
            return comparison_error(shared, app, object, &message, refresh, Unreachable::Yes)
                .await;
        }
    };
    guard.mark_forbidden(&mut comparison);
    // Also replaces an earlier ComparisonError with this comparison's conditions.
    comparison.write_status(&mut app, &now);
    let orphans = guard.orphan_warning(shared, &target.cache, &app);
    conditions::replace_types(
        &mut app.status.conditions,
        &[ORPHANED_RESOURCE_WARNING],
        orphans.as_slice(),
        &now,
    );
    shared.remember_resources(&name, &guard.destination.server, &comparison);

    let mut outcome = PassOutcome::default();
    let mut held_by_window = false;
    let operation = match app.operation.take() {
        Some(op)
            if !guard
                .project
                .can_sync(&app, !op.initiated_by.automated, now_time)
                .unwrap_or(false) =>
        {
            info!(app = %name, "{}", project::BLOCKED_BY_WINDOW);
            project::hold_operation(&mut app, op, &now);
            outcome.requeue_after = Some(shared.settings.resync);
            None
        }
        Some(op) => Some(op),
        // A sync window that starts blocking the operation in progress holds
        // it at its checkpoint: it does not advance in this pass, and stays
        // Running with the window's message until the windows let it go on
        // (an AppProject change queues the app at once; otherwise it is
        // looked at again as often as a waiting sync's health).
        None if running
            .as_ref()
            .is_some_and(|state| !may_continue(shared, &guard, &app, state, now_time)) =>
        {
            info!(app = %name, "{}", project::BLOCKED_BY_WINDOW);
            if let Some(state) = app.status.operation_state.as_mut() {
                project::BLOCKED_BY_WINDOW.clone_into(&mut state.message);
            }
            held_by_window = true;
            outcome.requeue_after = Some(shared.settings.health_poll);
            None
        }
        None if running.is_some() => None,
        None => {
            let self_heal = SelfHealWait::Timeout(shared.settings.self_heal_timeout);
            let verdict =
                auto_sync_with(&app, &comparison, &rendered.revision, now_time, &self_heal);
            match verdict {
                AutoSync::Sync(_)
                    if !guard
                        .project
                        .can_sync(&app, false, now_time)
                        .unwrap_or(false) =>
                {
                    info!(app = %name, "Sync prevented by sync window");
                    outcome.requeue_after = Some(shared.settings.resync);
                    None
                }
                AutoSync::Sync(op) => {
                    conditions::clear(&mut app.status.conditions, SYNC_ERROR);
                    Some(*op)
                }
                AutoSync::Later { after, reason } => {
                    debug!(app = %name, %reason, "automated sync later");
                    outcome.requeue_after = Some(after);
                    None
                }
                AutoSync::Refused(condition) => {
                    conditions::replace_types(
                        &mut app.status.conditions,
                        &[SYNC_ERROR],
                        &[condition],
                        &now,
                    );
                    None
                }
                AutoSync::Skip(reason) => {
                    debug!(app = %name, %reason, "no automated sync");
                    None
                }
            }
        }
    };
    let running = running.filter(|_| !held_by_window);
    if operation.is_some() || running.is_some() {
        if let Some(op) = &operation {
            info!(app = %name, revision = %rendered.revision, automated = op.initiated_by.automated, "sync starting");
        }
        let pass = operation::Pass {
            operation,
            running,
            guard,
            rendered,
            comparison,
        };
        let again_after = operation::advance(shared, &mut app, object, pass).await?;
        outcome.synced = true;
        // Go on with the operation, or look again once what was applied has
        // had time to settle.
        outcome.requeue_after = Some(again_after.unwrap_or(shared.settings.health_poll));
    } else {
        status_write::write_status(shared, &app, object, refresh != Refresh::Normal).await?;
    }
    outcome.sync_status = Some(app.status.sync.status);
    report(shared, &app);
    Ok(outcome)
}

/// Whether the sync windows of the app's project let the operation `state`
/// in progress go on at `now` (see
/// [`AppProject::can_continue`](crate::app::project::AppProject::can_continue)).
/// An operation being terminated, or past the operation timeout (which
/// terminates it), ends whatever the windows say.
fn may_continue(
    shared: &Shared,
    guard: &ProjectGuard,
    app: &Application,
    state: &OperationState,
    now: jiff::Timestamp,
) -> bool {
    let started = state.started_at.parse().unwrap_or(now);
    let timed_out = super::operation::timeout_passed(shared, started, now).is_some();
    if state.phase != OperationPhase::Running || timed_out {
        return true;
    }
    guard
        .project
        .can_continue(app, !state.operation.initiated_by.automated, started, now)
        .unwrap_or(false)
}

/// Whether a comparison failed because the destination cluster could not be
/// reached (its health is then unknown too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unreachable {
    Yes,
    No,
}

/// Records a failed comparison: a `ComparisonError` condition with the
/// cause, sync status `Unknown` (and health `Unknown` when the cluster
/// cannot be reached), a Warning event.
async fn comparison_error(
    shared: &Shared,
    mut app: Application,
    object: &mut Value,
    message: &str,
    refresh: Refresh,
    unreachable: Unreachable,
) -> Result<PassOutcome, ClusterError> {
    let now = format_time(jiff::Timestamp::now());
    warn!(app = %app.metadata.name, error = %message, "ComparisonError");
    conditions::set(&mut app.status.conditions, COMPARISON_ERROR, message, &now);
    app.status.sync.status = SyncStatusCode::Unknown;
    app.status.reconciled_at = Some(now.clone());
    if unreachable == Unreachable::Yes {
        set_health_unknown(&mut app, now);
    }
    shared
        .events
        .publish(&*object, EventType::Warning, "ComparisonError", message)
        .await
        .ok();
    status_write::write_status(shared, &app, object, refresh != Refresh::Normal).await?;
    report(shared, &app);
    Ok(PassOutcome {
        sync_status: Some(SyncStatusCode::Unknown),
        ..PassOutcome::default()
    })
}

fn set_health_unknown(app: &mut Application, now: String) {
    if app.status.health.as_ref().map(|h| h.status) != Some(HealthStatusCode::Unknown) {
        app.status.health = Some(AppHealthStatus {
            status: HealthStatusCode::Unknown,
            message: String::new(),
            last_transition_time: Some(now),
        });
    }
}

async fn record_spec_problem(
    shared: &Shared,
    app: Application,
    object: &mut Value,
    problem: &str,
) -> Result<PassOutcome, ClusterError> {
    let condition = ApplicationCondition {
        condition_type: INVALID_SPEC_ERROR.to_owned(),
        message: problem.to_owned(),
        last_transition_time: None,
    };
    record_conditions(shared, app, object, &[condition]).await
}

/// Records spec errors (`InvalidSpecError`, `UnknownError`) that stop the app from
/// being compared or synced: sync status and health `Unknown`, no resources.
async fn record_conditions(
    shared: &Shared,
    mut app: Application,
    object: &mut Value,
    problems: &[ApplicationCondition],
) -> Result<PassOutcome, ClusterError> {
    // The app deploys nowhere until its spec is fixed.
    shared
        .destinations
        .release(&shared.app_key(&app.metadata.namespace, &app.metadata.name));
    let now = format_time(jiff::Timestamp::now());
    conditions::replace_types(
        &mut app.status.conditions,
        &PROJECT_CONDITION_TYPES,
        problems,
        &now,
    );
    app.status.sync.status = SyncStatusCode::Unknown;
    app.status.resources.clear();
    set_health_unknown(&mut app, now);
    status_write::write_status(shared, &app, object, false).await?;
    report(shared, &app);
    Ok(PassOutcome {
        sync_status: Some(SyncStatusCode::Unknown),
        ..PassOutcome::default()
    })
}

/// Publishes the app's state as metrics.
fn report(shared: &Shared, app: &Application) {
    let source = app.spec.source.as_ref();
    shared.metrics.set_app_info(super::AppInfoLabels {
        name: app.metadata.name.clone(),
        namespace: app.metadata.namespace.clone(),
        project: app.spec.project.clone(),
        repo: source.map(|s| s.repo_url.clone()).unwrap_or_default(),
        dest_server: app.spec.destination.server.clone(),
        dest_namespace: app.spec.destination.namespace.clone(),
        sync_status: app.status.sync.status.as_str().to_owned(),
        health_status: app
            .status
            .health
            .as_ref()
            .map(|h| h.status.to_string())
            .unwrap_or_else(|| "Unknown".to_owned()),
        autosync_enabled: app.spec.automated().is_some().to_string(),
    });
}
