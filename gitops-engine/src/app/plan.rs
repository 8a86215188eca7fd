//! Turning an application, its comparison and a sync operation into the input of
//! [`crate::sync::plan`].

use super::compare::Comparison;
use super::model::{Application, SyncOperation};
use crate::sync::{ApiResource, OperationSettings, PlanInput, SyncOptions, TrackingConfig};

/// The app annotation naming the manager whose client-side-applied fields migrate to
/// server-side apply.
pub const CLIENT_SIDE_APPLY_MIGRATION_MANAGER_ANNOTATION: &str =
    "argocd.argoproj.io/client-side-apply-migration-manager";

/// What planning needs besides the app, the comparison and the operation.
#[derive(Debug, Clone, Default)]
pub struct PlanContext {
    /// Tracking settings (the ones the comparison used).
    pub tracking: TrackingConfig,
    /// Kinds the API server serves; `None` without discovery.
    pub api_resources: Option<Vec<ApiResource>>,
    /// Whether the destination namespace exists (for `CreateNamespace=true`).
    pub destination_namespace_exists: bool,
    /// The operation's start time, UTC seconds (names generated hooks).
    pub started_at_unix: i64,
    /// `argocd.argoproj.io/deletion-approved` is not before the operation start.
    pub prune_confirmed: bool,
}

/// The sync options in force for an operation: the operation's items, then the app's
/// (`Prune=` takes the first item found, so the operation's wins).
pub fn sync_options(app: &Application, op: &SyncOperation) -> SyncOptions {
    let items: Vec<&str> = op
        .sync_options
        .iter()
        .chain(app.spec.sync_options())
        .map(String::as_str)
        .collect();
    SyncOptions::from_list(&items)
}

/// Builds the plan input of `op` on `app` from the comparison `cmp` (stamped desired
/// objects, relevant live objects, the `modified` map). The revision is the operation's,
/// or the compared one when the operation names none.
pub fn plan_input(
    app: &Application,
    cmp: &Comparison,
    op: &SyncOperation,
    ctx: &PlanContext,
) -> PlanInput {
    let revision = if op.revision.is_empty() {
        cmp.revision.clone()
    } else {
        op.revision.clone()
    };
    let managed_namespace_metadata = app
        .spec
        .sync_policy
        .as_ref()
        .and_then(|p| p.managed_namespace_metadata.as_ref())
        .and_then(|m| serde_json::to_value(m).ok());
    PlanInput {
        app_instance: cmp.app_instance.clone(),
        destination_namespace: app.spec.destination.namespace.clone(),
        desired: cmp.desired.clone(),
        live: cmp.live.clone(),
        modified: cmp.modified.clone(),
        options: sync_options(app, op),
        operation: OperationSettings {
            prune: op.prune,
            dry_run: op.dry_run,
            skip_hooks: op.skips_hooks(),
            force: op.force(),
            prune_confirmed: ctx.prune_confirmed,
            revision,
            started_at_unix: ctx.started_at_unix,
            resources: op.resources.clone(),
        },
        tracking: ctx.tracking.clone(),
        api_resources: ctx.api_resources.clone(),
        destination_namespace_exists: ctx.destination_namespace_exists,
        managed_namespace_metadata,
        client_side_apply_migration_manager: app
            .metadata
            .annotations
            .get(CLIENT_SIDE_APPLY_MIGRATION_MANAGER_ANNOTATION)
            .cloned(),
    }
}
