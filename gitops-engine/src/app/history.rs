//! `status.history`: recording deployments and rolling back to one.

use super::AppError;
use super::model::{
    Application, ApplicationStatus, InitiatedBy, Operation, OperationState, RevisionHistory,
    StrategyForce, SyncOperation, SyncStrategy,
};
use crate::sync::TaskPhase;

/// Appends `entry` to the history with the next id (the last entry's id + 1, or 0 when
/// the history is empty, as Argo CD numbers them), then drops the oldest entries beyond `limit` (a limit of 0 or
/// less keeps none).
pub fn record_history(status: &mut ApplicationStatus, mut entry: RevisionHistory, limit: i64) {
    entry.id = status.history.last().map_or(0, |last| last.id + 1);
    status.history.push(entry);
    let keep = usize::try_from(limit).unwrap_or(0);
    if status.history.len() > keep {
        let excess = status.history.len() - keep;
        status.history.drain(..excess);
    }
}

/// The history entry of a finished operation: only a successful, non-dry-run sync is a
/// deployment. `deployedAt` is the operation's `finishedAt` (or `now` when unset),
/// `deployStartedAt` its `startedAt`; revision and source come from the sync result.
pub fn history_entry(state: &OperationState, now: &str) -> Option<RevisionHistory> {
    let sync = state.operation.sync.as_ref()?;
    if state.phase != TaskPhase::Succeeded || sync.dry_run {
        return None;
    }
    let result = state.sync_result.clone().unwrap_or_default();
    Some(RevisionHistory {
        id: 0,
        revision: result.revision,
        revisions: result.revisions,
        source: result.source,
        sources: result.sources,
        deployed_at: state.finished_at.clone().unwrap_or_else(|| now.to_owned()),
        deploy_started_at: Some(state.started_at.clone()).filter(|s| !s.is_empty()),
        initiated_by: state.operation.initiated_by.clone(),
    })
}

/// What a rollback request asks for besides the history id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RollbackRequest {
    /// Prune resources not in the rolled-back revision.
    pub prune: bool,
    /// Only a dry run.
    pub dry_run: bool,
    /// Who asked.
    pub username: String,
}

/// [`rollback_operation_with`] without pruning, dry run or user name.
pub fn rollback_operation(app: &Application, id: i64) -> Result<Operation, AppError> {
    rollback_operation_with(app, id, &RollbackRequest::default())
}

/// The sync operation that rolls `app` back to history entry `id`: that entry's
/// revision and source, the app's sync options, the `apply` strategy (no hooks). Refused
/// while the app is being deleted or automated sync is enabled, and for unknown ids.
pub fn rollback_operation_with(
    app: &Application,
    id: i64,
    request: &RollbackRequest,
) -> Result<Operation, AppError> {
    if app.metadata.deletion_timestamp.is_some() {
        return Err(AppError::RollbackWhileDeleting);
    }
    if app.spec.automated().is_some() {
        return Err(AppError::RollbackWithAutoSync);
    }
    let entry = app
        .status
        .history
        .iter()
        .find(|h| h.id == id)
        .ok_or_else(|| AppError::UnknownHistoryId {
            app: app.metadata.name.clone(),
            id,
        })?;
    let source = entry
        .source
        .clone()
        .ok_or(AppError::RollbackWithoutSource)?;
    Ok(Operation {
        sync: Some(SyncOperation {
            revision: entry.revision.clone(),
            prune: request.prune,
            dry_run: request.dry_run,
            sync_options: app.spec.sync_options().to_vec(),
            sync_strategy: Some(SyncStrategy {
                apply: Some(StrategyForce::default()),
                hook: None,
            }),
            source: Some(source),
            ..SyncOperation::default()
        }),
        initiated_by: InitiatedBy {
            username: request.username.clone(),
            automated: false,
        },
        ..Operation::default()
    })
}
