//! What users ask of an Application, turned into the `operation` the controller runs:
//! a sync (revision, prune, dry run, strategy, selected resources, options), as both the
//! CLI and the API server request it. Pure functions; [`super::store`] writes the result.

use super::model::{
    Application, InitiatedBy, Operation, StrategyForce, SyncOperation, SyncStrategy,
};
use crate::sync::SelectedResource;

/// A sync request as `argocd app sync` and `POST /api/v1/applications/{name}/sync` make it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncRequest {
    /// Revision to sync to (empty: the target revision).
    pub revision: String,
    /// Delete resources that are no longer declared.
    pub prune: bool,
    /// Preview without changing the cluster.
    pub dry_run: bool,
    /// Force apply.
    pub force: bool,
    /// `apply` (no hooks); anything else means `hook`.
    pub strategy: Option<String>,
    /// Resources to sync (empty: all).
    pub resources: Vec<SelectedResource>,
    /// Sync options replacing the application's (`None`: the application's own).
    pub sync_options: Option<Vec<String>>,
    /// Who asks (`initiatedBy.username`).
    pub username: String,
}

/// The sync operation `request` asks for on `app`.
pub fn sync_operation(app: &Application, request: &SyncRequest) -> Operation {
    let force = StrategyForce {
        force: request.force,
    };
    let strategy = match request.strategy.as_deref() {
        Some("apply") => SyncStrategy {
            apply: Some(force),
            hook: None,
        },
        _ => SyncStrategy {
            apply: None,
            hook: Some(force),
        },
    };
    Operation {
        sync: Some(SyncOperation {
            revision: request.revision.clone(),
            prune: request.prune,
            dry_run: request.dry_run,
            resources: request.resources.clone(),
            sync_strategy: Some(strategy),
            sync_options: request
                .sync_options
                .clone()
                .unwrap_or_else(|| app.spec.sync_options().to_vec()),
            source: (!app.spec.is_multi_source())
                .then(|| app.spec.source.clone())
                .flatten(),
            sources: app.spec.sources.clone(),
            ..SyncOperation::default()
        }),
        initiated_by: InitiatedBy {
            username: request.username.clone(),
            automated: false,
        },
        retry: app.spec.sync_policy.as_ref().and_then(|p| p.retry.clone()),
        ..Operation::default()
    }
}

/// The application's resources (from `status.resources`) that `selected` names, with
/// their namespaces filled in; empty when it names none of them.
pub fn select_resources(app: &Application, selected: &[SelectedResource]) -> Vec<SelectedResource> {
    app.status
        .resources
        .iter()
        .filter(|r| {
            selected.iter().any(|s| {
                s.group == r.group
                    && s.kind == r.kind
                    && s.name == r.name
                    && (s.namespace.is_empty() || s.namespace == r.namespace)
            })
        })
        .map(|r| SelectedResource {
            group: r.group.clone(),
            kind: r.kind.clone(),
            name: r.name.clone(),
            namespace: r.namespace.clone(),
        })
        .collect()
}

/// The revision an automated app may be synced to, when `revision` is not it: the
/// message Argo CD refuses the sync with.
pub fn auto_sync_revision_conflict(app: &Application, revision: &str) -> Option<String> {
    app.spec.automated()?;
    if revision.is_empty() {
        return None;
    }
    let target = app.spec.target_revision();
    let target = if target.is_empty() { "HEAD" } else { target };
    (revision != target)
        .then(|| format!("Cannot sync to {revision}: auto-sync currently set to {target}"))
}
