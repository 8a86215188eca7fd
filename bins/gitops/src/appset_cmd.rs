//! `gitops appset …`: ApplicationSets in the cluster (`list`, `get`) and, offline,
//! the Applications an ApplicationSet file generates (`generate`, like
//! `argocd appset generate`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand};
use gitops_engine::appset::reconcile::appset_gvk;
use gitops_engine::appset::{ApplicationSet, KIND, RepoSources, generate_applications};
use gitops_engine::cluster::{Cluster, KubeCluster, ObjectRef};
use gitops_engine::source::{Refresh, Sources};
use serde_json::Value;

use crate::app_cmd::client::kube_client;
use crate::app_cmd::{CliError, EXIT_GENERIC, runtime};

/// Arguments of `gitops appset`.
#[derive(Debug, Args)]
pub struct AppSetArgs {
    /// The kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config).
    #[arg(long, global = true, value_name = "FILE")]
    kubeconfig: Option<PathBuf>,
    /// The namespace of the ApplicationSet objects.
    #[arg(short = 'N', long, global = true, default_value = "argocd")]
    appset_namespace: String,
    #[command(subcommand)]
    command: AppSetCommand,
}

#[derive(Debug, Subcommand)]
enum AppSetCommand {
    /// List ApplicationSets.
    List,
    /// Show an ApplicationSet (YAML, status included).
    Get {
        /// The ApplicationSet.
        name: String,
    },
    /// Print the Applications an ApplicationSet file generates, without a cluster.
    ///
    /// Git generators read their repositories (cloned under --repo-cache); the
    /// clusters generator sees the local in-cluster plus the cluster Secrets
    /// given with --cluster-secrets.
    Generate {
        /// The ApplicationSet manifest (YAML or JSON; the first ApplicationSet in it).
        file: PathBuf,
        /// Where repositories are cloned (default: a temporary directory).
        #[arg(long, value_name = "DIR")]
        repo_cache: Option<PathBuf>,
        /// A YAML file of cluster Secrets (several documents) for the clusters generator.
        #[arg(long, value_name = "FILE")]
        cluster_secrets: Option<PathBuf>,
    },
}

/// Runs an `appset` command; failures are reported on stderr with exit code 20.
pub fn run(args: AppSetArgs) -> ExitCode {
    let mut out = std::io::stdout();
    let result = dispatch(&args, &mut out).and_then(|()| Ok(out.flush()?));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::from(EXIT_GENERIC)
        }
    }
}

fn dispatch<W: Write>(args: &AppSetArgs, out: &mut W) -> Result<(), CliError> {
    match &args.command {
        AppSetCommand::Generate {
            file,
            repo_cache,
            cluster_secrets,
        } => generate(file, repo_cache.as_deref(), cluster_secrets.as_deref(), out),
        AppSetCommand::List => {
            let runtime = runtime()?;
            runtime.block_on(list(args, out))
        }
        AppSetCommand::Get { name } => {
            let runtime = runtime()?;
            runtime.block_on(get(args, name, out))
        }
    }
}

/// YAML documents of `path`, with the file named in errors.
pub(crate) fn read_documents(path: &Path) -> Result<Vec<Value>, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
    kustomize_core::yaml::parse_documents(&text)
        .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))
}

fn generate<W: Write>(
    file: &Path,
    repo_cache: Option<&Path>,
    cluster_secrets: Option<&Path>,
    out: &mut W,
) -> Result<(), CliError> {
    let doc = read_documents(file)?
        .into_iter()
        .find(|d| d["kind"] == KIND)
        .ok_or_else(|| {
            CliError::Usage(format!("{}: no ApplicationSet in the file", file.display()))
        })?;
    let appset = ApplicationSet::from_value(&doc)?;
    let secrets = match cluster_secrets {
        Some(path) => read_documents(path)?,
        None => Vec::new(),
    };
    let temp;
    let cache = match repo_cache {
        Some(dir) => dir.to_path_buf(),
        None => {
            temp = tempfile::tempdir()?;
            temp.path().to_path_buf()
        }
    };
    let sources = Sources::new(cache, Duration::ZERO);
    let repos = RepoSources::new(&sources, Refresh::Normal, secrets);
    let apps = generate_applications(&appset, &repos)?;
    out.write_all(kustomize_core::yaml::to_yaml_string(&apps).as_bytes())?;
    Ok(())
}

async fn list<W: Write>(args: &AppSetArgs, out: &mut W) -> Result<(), CliError> {
    let cluster = KubeCluster::new(kube_client(args.kubeconfig.as_deref()).await?);
    let sets = cluster
        .list(&appset_gvk(), Some(&args.appset_namespace), "")
        .await?;
    writeln!(
        out,
        "{:<32} {:<16} {:<24} CONDITIONS",
        "NAME", "GENERATORS", "APPLICATIONS-SYNC"
    )?;
    for set in &sets {
        let appset = ApplicationSet::from_value(set)?;
        let generators: Vec<&str> = appset
            .spec
            .generators
            .iter()
            .flat_map(|g| g.kinds().into_iter().map(|k| k.name()))
            .collect();
        let policy = appset
            .spec
            .sync_policy
            .as_ref()
            .and_then(|p| p.applications_sync.clone())
            .unwrap_or_else(|| "sync".into());
        let conditions: Vec<String> = set
            .pointer("/status/conditions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|c| c["status"] == "True")
            .filter_map(|c| c["type"].as_str().map(str::to_string))
            .collect();
        writeln!(
            out,
            "{:<32} {:<16} {:<24} {}",
            appset.metadata.name,
            generators.join(","),
            policy,
            conditions.join(",")
        )?;
    }
    Ok(())
}

async fn get<W: Write>(args: &AppSetArgs, name: &str, out: &mut W) -> Result<(), CliError> {
    let cluster = KubeCluster::new(kube_client(args.kubeconfig.as_deref()).await?);
    let object = cluster
        .get(&ObjectRef {
            gvk: appset_gvk(),
            namespace: args.appset_namespace.clone(),
            name: name.to_owned(),
        })
        .await?
        .ok_or_else(|| {
            CliError::Usage(format!(
                "applicationset '{name}' not found in namespace '{}'",
                args.appset_namespace
            ))
        })?;
    out.write_all(kustomize_core::yaml::to_yaml_string(&[object]).as_bytes())?;
    Ok(())
}
