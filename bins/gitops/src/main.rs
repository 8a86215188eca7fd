//! `gitops`: the command-line interface.

mod app_cmd;
mod appset_cmd;
mod build_cmd;
mod cluster_cmd;
mod edit_cmd;
mod proj_cmd;
mod repo_cmd;

use clap::{CommandFactory, Parser, Subcommand};
use std::io::Write;
use std::process::ExitCode;

mod helm_cmd;
mod image_cmd;
mod sandbox_cmd;
/// The allocator (feature `mimalloc`, on by default): a build of thousands
/// of resources is mostly small allocations, which mimalloc serves faster
/// and with less overhead than the system allocator.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// GitOps delivery for Kubernetes: render kustomizations, diff and sync applications.
#[derive(Parser)]
#[command(name = "gitops", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Render a kustomization directory, as `kubectl kustomize DIR` prints it.
    Build(build_cmd::BuildArgs),
    /// Edit a kustomization file in place, keeping its layout and comments
    /// (kustomize's `edit add|set|remove|fix`).
    Edit(edit_cmd::EditArgs),
    /// Create a new kustomization in the current directory (kustomize's `create`).
    #[command(alias = "init")]
    Create(edit_cmd::CreateArgs),
    /// Inspect, sync, wait for and diff Argo CD Applications.
    App(app_cmd::AppArgs),
    /// Inspect ApplicationSets and preview the Applications they generate.
    Appset(appset_cmd::AppSetArgs),
    /// Manage Argo CD AppProjects.
    Proj(proj_cmd::ProjArgs),
    /// Manage repository connection parameters (Argo CD's repository Secrets).
    Repo(repo_cmd::RepoArgs),
    /// Manage the destination clusters (Argo CD cluster Secrets).
    Cluster(cluster_cmd::ClusterArgs),
    /// Render Helm charts (`helm template`).
    Helm {
        #[command(subcommand)]
        command: helm_cmd::HelmCommand,
    },
    /// Check and update an Argo CD Application's images (Argo CD Image Updater annotations).
    Image {
        #[command(subcommand)]
        command: image_cmd::ImageCommand,
    },
    /// Print a shell completion script: `source <(gitops completion bash)`,
    /// `gitops completion zsh > "${fpath[1]}/_gitops"`,
    /// `gitops completion fish | source`.
    Completion {
        /// The shell: bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Run a local sandbox: the embedded API server and the controller in one process.
    Sandbox {
        #[command(subcommand)]
        command: sandbox_cmd::SandboxCommand,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::App(args) => app_cmd::run(args),
        Command::Appset(args) => appset_cmd::run(args),
        Command::Proj(args) => proj_cmd::run(args),
        Command::Repo(args) => repo_cmd::run(args),
        Command::Cluster(args) => cluster_cmd::run(args),
        Command::Image { command } => image_cmd::run(command),
        Command::Sandbox { command } => sandbox_cmd::run(command),
        Command::Helm { command } => helm_cmd::run(command),
        Command::Edit(args) => edit_cmd::run(args),
        Command::Create(args) => edit_cmd::run_create(args),
        Command::Build(args) => build_cmd::run(args),
        Command::Completion { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "gitops", &mut script);
            match std::io::stdout().lock().write_all(&script) {
                Ok(()) => ExitCode::SUCCESS,
                Err(_) => ExitCode::FAILURE,
            }
        }
    }
}
