//! `gitops app …`: Argo CD's `argocd app` commands against the Application objects of
//! the cluster in the kubeconfig. The controller picks up the operations these commands
//! write and records its results in the Application's status.

mod client;
mod error;
mod get;
mod history;
mod list;
mod operation;
mod output;
mod states;
mod summary;
mod sync;
mod wait;
mod waiter;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use client::Apps;
pub use error::{CliError, EXIT_GENERIC};

/// Arguments of `gitops app`.
#[derive(Debug, Args)]
pub struct AppArgs {
    /// The kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config).
    #[arg(long, global = true, value_name = "FILE")]
    kubeconfig: Option<PathBuf>,
    /// The namespace of the Application objects.
    #[arg(short = 'N', long, global = true, default_value = "argocd")]
    app_namespace: String,
    #[command(subcommand)]
    command: AppCommand,
}

#[derive(Debug, Subcommand)]
enum AppCommand {
    /// List applications.
    List(list::ListArgs),
    /// Show an application's details.
    Get(get::GetArgs),
    /// Sync an application to its target state.
    Sync(sync::SyncArgs),
    /// Wait for an application to be synced, healthy and without a running operation.
    Wait(wait::WaitArgs),
    /// Show an application's deployment history.
    History(history::HistoryArgs),
}

/// Runs an `app` command; failures are reported on stderr with exit code 20.
pub fn run(args: AppArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return fail(&CliError::Output(e)),
    };
    let mut out = std::io::stdout();
    let result = runtime.block_on(dispatch(&args, &mut out));
    let _ = out.flush();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

async fn dispatch<W: Write>(args: &AppArgs, out: &mut W) -> Result<(), CliError> {
    let apps = Apps::connect(args.kubeconfig.as_deref(), &args.app_namespace).await?;
    match &args.command {
        AppCommand::List(a) => list::run(&apps, a, out).await,
        AppCommand::Get(a) => get::run(&apps, a, out).await,
        AppCommand::Sync(a) => sync::run(&apps, a, out).await,
        AppCommand::Wait(a) => wait::run(&apps, a, out).await,
        AppCommand::History(a) => history::run(&apps, a, out).await,
    }
}

fn fail(error: &CliError) -> ExitCode {
    eprintln!("Error: {error}");
    ExitCode::from(EXIT_GENERIC)
}
