//! `gitops app get`: an application's summary, conditions and resources.

use std::io::Write;
use std::time::Duration;

use clap::Args;

use super::client::Apps;
use super::error::CliError;
use super::output::print_document;
use super::summary::{
    print_app_summary, print_conditions, print_operation_result, print_resources,
};

/// How long a refresh is waited for before the current state is shown anyway.
const REFRESH_WAIT: Duration = Duration::from_secs(60);

/// How often the application is read while waiting.
pub const POLL_INTERVAL: Duration = Duration::from_millis(200);

/// Arguments of `app get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// The application.
    app: String,
    /// Output format: wide, json or yaml.
    #[arg(short, long, default_value = "wide", value_parser = ["wide", "json", "yaml"])]
    output: String,
    /// Ask the controller to compare again, and wait until it has.
    #[arg(long)]
    refresh: bool,
    /// Like --refresh, also regenerating the manifests.
    #[arg(long, conflicts_with = "refresh")]
    hard_refresh: bool,
    /// Also show the current or last operation.
    #[arg(long)]
    show_operation: bool,
}

/// Shows the application.
pub async fn run<W: Write>(apps: &Apps, args: &GetArgs, out: &mut W) -> Result<(), CliError> {
    let kind = match (args.refresh, args.hard_refresh) {
        (_, true) => Some("hard"),
        (true, false) => Some("normal"),
        _ => None,
    };
    if let Some(kind) = kind {
        refresh(apps, &args.app, kind).await?;
    }
    let (app, object) = apps.get(&args.app).await?;
    if args.output != "wide" {
        print_document(out, &object, &args.output)?;
        return Ok(());
    }
    print_app_summary(out, &app)?;
    if !app.status.conditions.is_empty() {
        writeln!(out)?;
        print_conditions(out, &app)?;
        writeln!(out)?;
    }
    if args.show_operation
        && let Some(state) = &app.status.operation_state
    {
        writeln!(out)?;
        print_operation_result(out, state)?;
    }
    if !app.status.resources.is_empty() {
        writeln!(out)?;
        print_resources(out, &app)?;
    }
    Ok(())
}

/// Sets the refresh annotation and waits (bounded) until the controller removed it.
pub async fn refresh(apps: &Apps, name: &str, kind: &str) -> Result<(), CliError> {
    if !apps.refresh(name, kind, REFRESH_WAIT).await? {
        eprintln!(
            "warning: the controller did not refresh application '{name}' within {}s; showing its last known state",
            REFRESH_WAIT.as_secs()
        );
    }
    Ok(())
}
