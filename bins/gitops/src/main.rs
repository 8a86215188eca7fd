//! `gitops`: the command-line interface.

mod app_cmd;
mod appset_cmd;
mod build_cmd;
mod cluster_cmd;
mod proj_cmd;
mod repo_cmd;

use clap::{CommandFactory, Parser, Subcommand};
use kustomize_core::KUSTOMIZATION_FILE_NAMES as FILE_NAMES;
use kustomize_core::edit::{ImageEdit, set_images};
use std::io::Write;
use std::path::{Path, PathBuf};
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
    /// Edit a kustomization file in place, keeping its layout and comments.
    Edit {
        #[command(subcommand)]
        command: EditCommand,
    },
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

#[derive(Subcommand)]
enum EditCommand {
    /// Set a field of the kustomization.
    Set {
        #[command(subcommand)]
        command: SetCommand,
    },
}

#[derive(Subcommand)]
enum SetCommand {
    /// Set images' new names, tags or digests, as `kustomize edit set image` does.
    ///
    /// Each argument is one of <image>=<newimage>:<newtag>, <image>=<newimage>@<digest>,
    /// <image>=<newimage>:<newtag>@<digest>, <image>=<newimage>, <image>:<newtag>,
    /// <image>:<newtag>@<digest> or <image>@<digest>; `*` as the new name, tag or
    /// digest keeps the value already in the file.
    Image {
        /// The directory holding kustomization.yaml (or .yml, or Kustomization).
        #[arg(long, default_value = ".", value_name = "DIR")]
        kustomization: PathBuf,
        /// The images to set.
        #[arg(required = true, value_name = "IMAGE")]
        images: Vec<String>,
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
        Command::Edit {
            command:
                EditCommand::Set {
                    command:
                        SetCommand::Image {
                            kustomization,
                            images,
                        },
                },
        } => match set_image_in_dir(&kustomization, &images) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("Error: {e}");
                ExitCode::FAILURE
            }
        },
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

/// Applies `kustomize edit set image ARGS` to the kustomization file in
/// `dir`, rewriting it only when its text changes.
fn set_image_in_dir(dir: &Path, args: &[String]) -> Result<(), String> {
    let edits = args
        .iter()
        .map(|a| ImageEdit::parse(a))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    let found: Vec<PathBuf> = FILE_NAMES
        .iter()
        .map(|n| dir.join(n))
        .filter(|p| p.is_file())
        .collect();
    let path = match found.as_slice() {
        [one] => one,
        [] => {
            return Err(format!(
                "unable to find one of {} in directory '{}'",
                FILE_NAMES.map(|n| format!("'{n}'")).join(", "),
                dir.display()
            ));
        }
        _ => {
            return Err(format!(
                "found multiple kustomization files under: {}",
                dir.display()
            ));
        }
    };
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let edited = set_images(&text, &edits).map_err(|e| format!("{}: {e}", path.display()))?;
    if edited != text {
        std::fs::write(path, edited).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}
