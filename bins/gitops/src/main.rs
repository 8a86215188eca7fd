//! `gitops`: the command-line interface.

use clap::{Parser, Subcommand};
use kustomize_core::fs::LoadRestrictor;
use kustomize_core::{BuildOptions, build_disk};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

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
    Build {
        /// The kustomization directory.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Which files kustomizations may read: LoadRestrictionsRootOnly or LoadRestrictionsNone.
        #[arg(long, default_value = "LoadRestrictionsRootOnly")]
        load_restrictor: LoadRestrictor,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Build {
            dir,
            load_restrictor,
        } => {
            let options = BuildOptions { load_restrictor };
            match build_disk(&dir, &options) {
                Ok(build) => {
                    for w in &build.warnings {
                        eprintln!("{w}");
                    }
                    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
                    if build
                        .write_yaml(&mut out)
                        .and_then(|_| out.flush())
                        .is_err()
                    {
                        return ExitCode::FAILURE;
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("Error: {e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}
