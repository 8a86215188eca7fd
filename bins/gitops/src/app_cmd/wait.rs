//! `gitops app wait`: wait until an application is synced, healthy and idle.

use std::io::Write;

use clap::Args;

use super::client::Apps;
use super::error::CliError;
use super::sync::parse_resources;
use super::waiter::{WaitRequest, WatchOpts, wait};

/// Arguments of `app wait`.
#[derive(Debug, Args)]
pub struct WaitArgs {
    /// The application.
    app: String,
    /// Wait for the sync status to be Synced.
    #[arg(long)]
    sync: bool,
    /// Wait for the health to be Healthy.
    #[arg(long)]
    health: bool,
    /// Wait for pending operations to finish.
    #[arg(long)]
    operation: bool,
    /// Only these resources count, as GROUP:KIND:NAME (repeatable).
    #[arg(long = "resource", value_name = "GROUP:KIND:NAME")]
    resources: Vec<String>,
    /// Seconds to wait (0: no limit).
    #[arg(long, default_value_t = 0)]
    timeout: u64,
}

/// Waits for the conditions (all three when none is given).
pub async fn run<W: Write>(apps: &Apps, args: &WaitArgs, out: &mut W) -> Result<(), CliError> {
    let selected = parse_resources(&args.resources)?;
    let watch = WatchOpts {
        sync: args.sync,
        health: args.health,
        operation: args.operation,
    }
    .or_all();
    wait(
        apps,
        &WaitRequest {
            name: &args.app,
            timeout: args.timeout,
            watch,
            selected: &selected,
            requested_at: None,
        },
        out,
    )
    .await?;
    Ok(())
}
