//! `gitops image check|update APP`: one image-updater pass over an Argo CD
//! Application read from the cluster of the kubeconfig.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Subcommand};
use gitops_engine::image::registry::RegistryConfig;
use gitops_engine::image::updater::{
    ImageOutcome, UpdateOptions, UpdateReport, WriteBackResult, update_application, version_text,
};
use gitops_engine::image::writeback::WriteOutcome;
use gitops_engine::image::writeback::argocd::application_resource;
use kube::api::{Api, DynamicObject};

/// The image updater's commands.
#[derive(Subcommand)]
pub enum ImageCommand {
    /// Print what an update would change (`IMAGE  CURRENT -> NEW` per image); write nothing.
    Check(Target),
    /// Run one update pass: check the images and write the changes back.
    Update {
        #[command(flatten)]
        target: Target,
        /// Directory for the git write-back's work clones (and source clones).
        #[arg(long, value_name = "DIR")]
        work_dir: Option<PathBuf>,
        /// Commit author name for the git write-back.
        #[arg(long, default_value = "argocd-image-updater")]
        git_user: String,
        /// Commit author e-mail for the git write-back.
        #[arg(long, default_value = "noreply@argoproj.io")]
        git_email: String,
    },
}

/// Which Application, and how to reach registries.
#[derive(Args)]
pub struct Target {
    /// The Application's name.
    app: String,
    /// The Application's namespace.
    #[arg(short, long, default_value = "argocd")]
    namespace: String,
    /// A registry host (`host[:port]`) to reach over plain HTTP; repeatable.
    #[arg(long, value_name = "HOST")]
    insecure_registry: Vec<String>,
}

/// Runs an image command; the exit code is 1 when the Application cannot
/// be read or an image or the write-back failed.
pub fn run(command: ImageCommand) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("Error: starting the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run_async(command)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run_async(command: ImageCommand) -> Result<ExitCode, String> {
    let (target, dry_run, work_dir, author) = match command {
        ImageCommand::Check(target) => (target, true, None, None),
        ImageCommand::Update {
            target,
            work_dir,
            git_user,
            git_email,
        } => (target, false, work_dir, Some((git_user, git_email))),
    };
    let client = kube::Client::try_default()
        .await
        .map_err(|e| format!("connecting to the cluster: {e}"))?;
    let apps: Api<DynamicObject> =
        Api::namespaced_with(client.clone(), &target.namespace, &application_resource());
    let app = apps.get(&target.app).await.map_err(|e| {
        format!(
            "reading application {}/{}: {e}",
            target.namespace, target.app
        )
    })?;
    let app = serde_json::to_value(app).map_err(|e| e.to_string())?;

    let work_dir = work_dir.unwrap_or_else(|| std::env::temp_dir().join("gitops-image-writeback"));
    let mut options = UpdateOptions::new(&work_dir);
    options.source_cache_dir = Some(work_dir.join("sources"));
    options.dry_run = dry_run;
    options.client = Some(client);
    let insecure = target.insecure_registry.clone();
    options.registry = Arc::new(move |image| {
        if insecure.iter().any(|h| h == &image.registry) {
            RegistryConfig::new(format!("http://{}", image.registry))
        } else {
            RegistryConfig::for_image(image)
        }
    });
    if let Some((name, email)) = author {
        options.git_author = gitops_engine::image::writeback::GitAuthor { name, email };
    }
    let report = update_application(&app, &options)
        .await
        .map_err(|e| e.to_string())?;
    Ok(print_report(&report))
}

/// Prints one line per update (stdout) and per failure (stderr), then the
/// write-back; returns the exit code.
fn print_report(report: &UpdateReport) -> ExitCode {
    let mut failed = false;
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    for result in &report.images {
        match &result.outcome {
            ImageOutcome::Update { from, to } => println!(
                "{}  {} -> {}",
                result.image,
                or_none(version_text(from)),
                version_text(to)
            ),
            ImageOutcome::Failed(e) => {
                failed = true;
                eprintln!("{}: {e}", result.image);
            }
            ImageOutcome::UpToDate { .. } | ImageOutcome::NotDeployed => {}
        }
    }
    match &report.write_back {
        WriteBackResult::Skipped => {}
        WriteBackResult::Patched(_) => eprintln!("patched application {}", report.app),
        WriteBackResult::Git(WriteOutcome::Unchanged) => {
            eprintln!("git write-back: the target already holds these images")
        }
        WriteBackResult::Git(WriteOutcome::Pushed {
            commit,
            branch,
            path,
            ..
        }) => eprintln!("git write-back: pushed {commit} to {branch} ({path})"),
        WriteBackResult::Failed(e) => {
            failed = true;
            eprintln!("write-back failed: {e}");
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// `<none>` for an image deployed without tag or digest.
fn or_none(version: String) -> String {
    if version.is_empty() {
        "<none>".into()
    } else {
        version
    }
}
