//! `gitops app sync`: request a sync operation and wait for its result.

use std::io::Write;

use clap::Args;
use gitops_engine::app::{
    Application, InitiatedBy, Operation, StrategyForce, SyncOperation, SyncStatusCode, SyncStrategy,
};
use gitops_engine::sync::{ResultCode, SelectedResource, TaskPhase};

use super::client::Apps;
use super::error::CliError;
use super::operation::{local_user, request};
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
    let found: Vec<SelectedResource> = app
        .status
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
        .collect();
    if found.is_empty() {
        return Err(CliError::Usage(format!(
            "No matching app resources found for resource filter: {}",
            values.join(", ")
        )));
    }
    Ok(found)
}

/// The sync operation the arguments ask for.
fn sync_operation(
    app: &Application,
    args: &SyncArgs,
    resources: Vec<SelectedResource>,
) -> Operation {
    let force = StrategyForce { force: args.force };
    let strategy = match args.strategy.as_deref() {
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
            revision: args.revision.clone(),
            prune: args.prune,
            dry_run: args.dry_run,
            resources,
            sync_strategy: Some(strategy),
            sync_options: app.spec.sync_options().to_vec(),
            source: (!app.spec.is_multi_source())
                .then(|| app.spec.source.clone())
                .flatten(),
            sources: app.spec.sources.clone(),
            ..SyncOperation::default()
        }),
        initiated_by: InitiatedBy {
            username: local_user(),
            automated: false,
        },
        retry: app.spec.sync_policy.as_ref().and_then(|p| p.retry.clone()),
        ..Operation::default()
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
    if app.spec.automated().is_some() && !args.revision.is_empty() && !args.dry_run {
        let target = app
            .spec
            .source
            .as_ref()
            .map(|s| s.target_revision.as_str())
            .unwrap_or_default();
        let target = if target.is_empty() { "HEAD" } else { target };
        if args.revision != target {
            return Err(CliError::Usage(format!(
                "Cannot sync to {}: auto-sync currently set to {target}",
                args.revision
            )));
        }
    }
    let resources = filter_resources(&app, &selected, &args.resources)?;
    let operation = sync_operation(&app, args, resources);
    let requested_at = request(apps, name, &operation).await?;
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
