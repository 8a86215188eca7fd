//! `gitops app sync`: request a sync operation and wait for its result.

use std::io::Write;

use clap::Args;
use gitops_engine::app::{
    Application, SyncRequest, SyncStatusCode, auto_sync_revision_conflict, select_resources,
    sync_operation,
};
use gitops_engine::sync::{ResultCode, SelectedResource, TaskPhase};

use super::client::Apps;
use super::error::CliError;
use super::operation::local_user;
use super::output::enum_text;
use super::waiter::{WaitRequest, Waited, WatchOpts, wait};

/// Arguments of `app sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The application (or `--selector`).
    #[arg(required_unless_present = "selector")]
    app: Option<String>,
    /// Sync every application whose labels match this selector, one after the other.
    #[arg(short = 'l', long = "selector", conflicts_with = "app")]
    selector: Option<String>,
    /// Sync to this revision instead of the target revision.
    #[arg(long, default_value = "")]
    revision: String,
    /// Delete resources that are no longer declared.
    #[arg(long)]
    prune: bool,
    /// Preview the apply without changing the cluster.
    #[arg(long)]
    dry_run: bool,
    /// Use a force apply.
    #[arg(long)]
    force: bool,
    /// Sync strategy: apply (no hooks) or hook.
    #[arg(long, value_parser = ["apply", "hook"])]
    strategy: Option<String>,
    /// Sync only this resource, as GROUP:KIND:NAME or GROUP:KIND:NAMESPACE/NAME (repeatable).
    #[arg(long = "resource", value_name = "GROUP:KIND:NAME")]
    resources: Vec<String>,
    /// Do not wait for the operation to finish.
    #[arg(long)]
    r#async: bool,
    /// Seconds to wait for the operation (0: no limit).
    #[arg(long, default_value_t = 0)]
    timeout: u64,
}

/// Parses `--resource` values: `GROUP:KIND:NAME` or `GROUP:KIND:NAMESPACE/NAME`.
pub fn parse_resources(values: &[String]) -> Result<Vec<SelectedResource>, CliError> {
    values
        .iter()
        .map(|value| {
            let fields: Vec<&str> = value.split(':').collect();
            let [group, kind, name] = fields.as_slice() else {
                return Err(CliError::Usage(format!(
                    "resource should have GROUP:KIND:NAME, but instead got: {value}"
                )));
            };
            let (namespace, name) = match name.split('/').collect::<Vec<_>>().as_slice() {
                [name] => ("", *name),
                [namespace, name] => (*namespace, *name),
                _ => {
                    return Err(CliError::Usage(format!(
                        "resource with namespace should have GROUP:KIND:NAMESPACE/NAME, but instead got: {value}"
                    )));
                }
            };
            Ok(SelectedResource {
                group: (*group).to_owned(),
                kind: (*kind).to_owned(),
                name: name.to_owned(),
                namespace: namespace.to_owned(),
            })
        })
        .collect()
}

/// The application's resources the selection names; an error when it names none.
fn filter_resources(
    app: &Application,
    selected: &[SelectedResource],
    values: &[String],
) -> Result<Vec<SelectedResource>, CliError> {
    if selected.is_empty() {
        return Ok(Vec::new());
    }
    let found = select_resources(app, selected);
    if found.is_empty() {
        return Err(CliError::Usage(format!(
            "No matching app resources found for resource filter: {}",
            values.join(", ")
        )));
    }
    Ok(found)
}

/// The sync request the arguments make.
fn sync_request(args: &SyncArgs, resources: Vec<SelectedResource>) -> SyncRequest {
    SyncRequest {
        revision: args.revision.clone(),
        prune: args.prune,
        dry_run: args.dry_run,
        force: args.force,
        strategy: args.strategy.clone(),
        resources,
        sync_options: None,
        username: local_user(),
    }
}

/// Syncs the named application, or each one the selector matches (an error when it
/// matches none).
pub async fn run<W: Write>(apps: &Apps, args: &SyncArgs, out: &mut W) -> Result<(), CliError> {
    let names = match (&args.app, &args.selector) {
        (Some(name), _) => vec![name.clone()],
        (None, selector) => {
            let selector = selector.as_deref().unwrap_or_default();
            let listed = apps.list(selector).await?;
            if listed.is_empty() {
                return Err(CliError::Usage(format!(
                    "no apps match selector {selector}"
                )));
            }
            listed
                .into_iter()
                .map(|(app, _)| app.metadata.name)
                .collect()
        }
    };
    for name in &names {
        sync_one(apps, args, name, out).await?;
    }
    Ok(())
}

/// Requests the sync of `name` and, unless `--async`, waits for it and checks its outcome.
async fn sync_one<W: Write>(
    apps: &Apps,
    args: &SyncArgs,
    name: &str,
    out: &mut W,
) -> Result<(), CliError> {
    let selected = parse_resources(&args.resources)?;
    let (app, _) = apps.get(name).await?;
    if !args.dry_run
        && let Some(message) = auto_sync_revision_conflict(&app, &args.revision)
    {
        return Err(CliError::Usage(message));
    }
    let resources = filter_resources(&app, &selected, &args.resources)?;
    let operation = sync_operation(&app, &sync_request(args, resources));
    let (requested_at, _) = apps.request_operation(name, &operation).await?;
    if args.r#async {
        return Ok(());
    }
    let waited = wait(
        apps,
        &WaitRequest {
            name,
            timeout: args.timeout,
            watch: WatchOpts {
                operation: true,
                ..WatchOpts::default()
            },
            selected: &selected,
            requested_at: Some(requested_at),
        },
        out,
    )
    .await?;
    if args.dry_run {
        return Ok(());
    }
    check_outcome(&waited, selected.is_empty())
}

/// Fails unless the operation succeeded; after an application-wide sync that left the
/// app out of sync, also when resources still require pruning.
pub fn check_outcome(waited: &Waited, whole_app: bool) -> Result<(), CliError> {
    let phase = waited.operation_state.as_ref().map(|s| s.phase);
    if phase != Some(TaskPhase::Succeeded) {
        return Err(CliError::OperationFailed(
            phase.map(|p| enum_text(&p)).unwrap_or_default(),
        ));
    }
    if whole_app && waited.app.status.sync.status != SyncStatusCode::Synced {
        let pruning = waited
            .operation_state
            .as_ref()
            .and_then(|s| s.sync_result.as_ref())
            .map_or(0, |r| {
                r.resources
                    .iter()
                    .filter(|r| r.status == ResultCode::PruneSkipped)
                    .count()
            });
        if pruning > 0 {
            return Err(CliError::PruningRequired(pruning));
        }
    }
    Ok(())
}
