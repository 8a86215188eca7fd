//! `gitops app rollback`: sync back to a deployment of the history.

use std::io::Write;

use clap::Args;
use gitops_engine::app::{RollbackRequest, rollback_operation_with};

use super::client::Apps;
use super::error::CliError;
use super::operation::local_user;
use super::sync::check_outcome;
use super::waiter::{WaitRequest, WatchOpts, wait};

/// Arguments of `app rollback`.
#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The application.
    app: String,
    /// The history id to roll back to (default: the previous deployment).
    id: Option<i64>,
    /// Delete resources that the rolled-back revision does not declare.
    #[arg(long)]
    prune: bool,
    /// Seconds to wait for the operation (0: no limit).
    #[arg(long, default_value_t = 0)]
    timeout: u64,
}

/// Requests the rollback and waits for it.
pub async fn run<W: Write>(apps: &Apps, args: &RollbackArgs, out: &mut W) -> Result<(), CliError> {
    let (app, _) = apps.get(&args.app).await?;
    let id = match args.id {
        Some(id) => id,
        None => match app.status.history.iter().rev().nth(1) {
            Some(previous) => previous.id,
            None => {
                return Err(CliError::Usage(format!(
                    "application '{}' should have at least two successful deployments",
                    args.app
                )));
            }
        },
    };
    let operation = rollback_operation_with(
        &app,
        id,
        &RollbackRequest {
            prune: args.prune,
            dry_run: false,
            username: local_user(),
        },
    )?;
    let (requested_at, _) = apps.request_operation(&args.app, &operation).await?;
    let waited = wait(
        apps,
        &WaitRequest {
            name: &args.app,
            timeout: args.timeout,
            watch: WatchOpts {
                operation: true,
                ..WatchOpts::default()
            },
            selected: &[],
            requested_at: Some(requested_at),
        },
        out,
    )
    .await?;
    check_outcome(&waited, true)
}
