//! `gitops app …`: Argo CD's `argocd app` commands against the Application objects of
//! the cluster in the kubeconfig. The controller picks up the operations these commands
//! write and records its results in the Application's status.

pub(crate) mod client;
mod diff;
mod error;
mod get;
mod history;
mod list;
mod operation;
pub(crate) mod output;
mod rollback;
mod states;
mod summary;
mod sync;
mod wait;
mod waiter;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

pub use error::{CliError, EXIT_GENERIC};

/// The namespace of the Argo CD control plane: applications there are shown by name
/// alone, others as `<namespace>/<name>`.
pub const CONTROL_PLANE_NAMESPACE: &str = "argocd";

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
    /// Roll an application back to a deployment of its history.
    Rollback(rollback::RollbackArgs),
    /// Show the differences between the live objects and the desired state
    /// (exit code 0: none, 1: some, 2: error).
    Diff(diff::DiffArgs),
}

/// Runs an `app` command; failures are reported on stderr with exit code 20 (2 for
/// `app diff`, as argocd).
pub fn run(args: AppArgs) -> ExitCode {
    let error_code = match args.command {
        AppCommand::Diff(_) => diff::EXIT_DIFF_ERROR,
        _ => EXIT_GENERIC,
    };
    let mut out = std::io::stdout();
    block_on_command(error_code, async {
        let result = dispatch(&args, &mut out).await;
        out.flush()?;
        result
    })
}

/// The current-thread async runtime the cluster commands run on.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CliError::Output)
}

/// Runs a command to its exit code on [`runtime`]; a failure is printed as
/// `Error: …` on stderr and exits with `error_code`.
pub(crate) fn block_on_command(
    error_code: u8,
    command: impl Future<Output = Result<u8, CliError>>,
) -> ExitCode {
    match runtime().and_then(|runtime| runtime.block_on(command)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::from(error_code)
        }
    }
}

/// Runs the command; the exit code on success.
async fn dispatch<W: Write>(args: &AppArgs, out: &mut W) -> Result<u8, CliError> {
    let apps = client::connect(args.kubeconfig.as_deref(), &args.app_namespace).await?;
    match &args.command {
        AppCommand::List(a) => list::run(&apps, a, out).await.map(|()| 0),
        AppCommand::Get(a) => get::run(&apps, a, out).await.map(|()| 0),
        AppCommand::Sync(a) => sync::run(&apps, a, out).await.map(|()| 0),
        AppCommand::Wait(a) => wait::run(&apps, a, out).await.map(|()| 0),
        AppCommand::History(a) => history::run(&apps, a, out).await.map(|()| 0),
        AppCommand::Rollback(a) => rollback::run(&apps, a, out).await.map(|()| 0),
        AppCommand::Diff(a) => diff::run(&apps, a, out).await,
    }
}
