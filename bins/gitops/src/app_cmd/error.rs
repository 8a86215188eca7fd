//! Errors of the `gitops app` commands and the exit codes they map to.

use gitops_engine::app::AppError;
use gitops_engine::app::store::StoreError;
use gitops_engine::cluster::ClusterError;
use gitops_engine::source::SourceError;
use thiserror::Error;

/// argocd's `ErrorGeneric`: the exit code of every failed command.
pub const EXIT_GENERIC: u8 = 20;

/// Why an `app` command failed.
#[derive(Debug, Error)]
pub enum CliError {
    /// The kubeconfig could not be read or the client not built.
    #[error("cannot connect to the cluster: {0}")]
    Connect(String),
    /// A request to the API server failed.
    #[error("{0}")]
    Cluster(#[from] ClusterError),
    /// The stored Application cannot be read, or an action on it is refused.
    #[error("{0}")]
    App(#[from] AppError),
    /// The application's health turned Degraded while waiting for it to be healthy.
    #[error("application '{app}' health state has transitioned from {from} to Degraded")]
    Degraded {
        /// The application.
        app: String,
        /// The health before.
        from: String,
    },
    /// The AppProject does not exist.
    #[error("project '{0}' not found")]
    ProjectNotFound(String),
    /// A stored AppProject cannot be read.
    #[error("{0}")]
    Project(#[from] gitops_engine::app::project::ProjectError),
    /// A flag or argument has an unusable value.
    #[error("{0}")]
    Usage(String),
    /// An ApplicationSet could not generate its Applications.
    #[error("{0}")]
    AppSet(#[from] gitops_engine::appset::AppSetError),
    /// The wait ended before the conditions were met.
    #[error("timed out ({seconds}s) waiting for app \"{app}\" to match the expected conditions")]
    Timeout {
        /// The `--timeout` in seconds.
        seconds: u64,
        /// The (qualified) application name.
        app: String,
    },
    /// The sync operation ended without success.
    #[error("Operation has completed with phase: {0}")]
    OperationFailed(String),
    /// The sync left resources that need pruning.
    #[error("{0} resources require pruning")]
    PruningRequired(usize),
    /// The desired state could not be rendered.
    #[error("rendering the desired state: {0}")]
    Source(#[from] SourceError),
    /// Reading an Application or writing a request for it failed.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// Writing to standard output failed.
    #[error("writing output: {0}")]
    Output(#[from] std::io::Error),
}
