//! `gitops repo …`: Argo CD's `argocd repo list|add|rm` over the repository
//! Secrets of the control-plane namespace in the kubeconfig's cluster.
//! Secret values are never printed.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use gitops_engine::cluster::{
    Cluster, ClusterError, Gvk, KubeCluster, ObjectRef, PropagationPolicy, WriteOptions,
};
use gitops_engine::source::{
    MANAGED_BY_ANNOTATION, MANAGED_BY_ARGOCD, REPOSITORY_SECRET_TYPE, RepoCredentials,
    SECRET_TYPE_LABEL, normalize_git_url,
};
use serde_json::{Value, json};

use crate::app_cmd::client::kube_client;
use crate::app_cmd::output::{print_document, row, table};
use crate::app_cmd::{CliError, EXIT_GENERIC, block_on_command};

/// Arguments of `gitops repo`.
#[derive(Debug, Args)]
pub struct RepoArgs {
    /// The kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config).
    #[arg(long, global = true, value_name = "FILE")]
    kubeconfig: Option<PathBuf>,
    /// The namespace of the repository Secrets (the control plane's).
    #[arg(short = 'N', long, global = true, default_value = "argocd")]
    repo_namespace: String,
    #[command(subcommand)]
    command: RepoCommand,
}

#[derive(Debug, Subcommand)]
enum RepoCommand {
    /// List configured repositories.
    List {
        /// Output format: wide, url, json or yaml (json and yaml show no secrets).
        #[arg(short, long, default_value = "wide", value_parser = ["wide", "url", "json", "yaml"])]
        output: String,
    },
    /// Add git repository connection parameters (a repository Secret).
    Add(AddArgs),
    /// Remove repository credentials.
    Rm {
        /// The repository URLs.
        #[arg(required = true)]
        repos: Vec<String>,
    },
}

/// `gitops repo add`'s flags, as `argocd repo add` spells them.
#[derive(Debug, Args)]
struct AddArgs {
    /// The repository URL.
    repo: String,
    /// Username of the repository.
    #[arg(long, default_value = "")]
    username: String,
    /// Password (or token) of the repository.
    #[arg(long, default_value = "")]
    password: String,
    /// Path to the private SSH key (e.g. ~/.ssh/id_rsa).
    #[arg(long, value_name = "FILE")]
    ssh_private_key_path: Option<PathBuf>,
    /// Disables server certificate and host key checks.
    #[arg(long)]
    insecure_skip_server_verification: bool,
    /// Disables SSH strict host key checking.
    #[arg(long)]
    insecure_ignore_host_key: bool,
    /// The project of the repository.
    #[arg(long, default_value = "")]
    project: String,
    /// The name of the repository.
    #[arg(long, default_value = "")]
    name: String,
    /// The type of the repository: git or helm.
    #[arg(long = "type", default_value = "git", value_parser = ["git", "helm"])]
    repo_type: String,
    /// Use the following proxy server for requests.
    #[arg(long, default_value = "")]
    proxy: String,
    /// Don't access these targets via proxy.
    #[arg(long, default_value = "")]
    no_proxy: String,
    /// Whether to force the use of basic auth.
    #[arg(long)]
    force_http_basic_auth: bool,
    /// Override an existing repository with the same name even if the spec differs.
    #[arg(long)]
    upsert: bool,
}

/// Runs a `repo` command; failures are reported on stderr with exit code 20.
pub fn run(args: RepoArgs) -> ExitCode {
    let mut out = std::io::stdout();
    block_on_command(EXIT_GENERIC, async {
        let cluster = KubeCluster::new(kube_client(args.kubeconfig.as_deref()).await?);
        let namespace = args.repo_namespace.as_str();
        match &args.command {
            RepoCommand::List { output } => list(&cluster, namespace, output, &mut out).await?,
            RepoCommand::Add(add_args) => add(&cluster, namespace, add_args, &mut out).await?,
            RepoCommand::Rm { repos } => {
                for repo in repos {
                    remove(&cluster, namespace, repo, &mut out).await?;
                }
            }
        }
        out.flush()?;
        Ok(0)
    })
}

fn secret_gvk() -> Gvk {
    Gvk::new("", "v1", "Secret")
}

/// The repository Secrets of `namespace` (by name) with what they declare.
async fn repositories(
    cluster: &KubeCluster,
    namespace: &str,
) -> Result<Vec<(Value, RepoCredentials)>, CliError> {
    let selector = format!("{SECRET_TYPE_LABEL}={REPOSITORY_SECRET_TYPE}");
    let secrets = cluster
        .list(&secret_gvk(), Some(namespace), &selector)
        .await?;
    secrets
        .into_iter()
        .map(|secret| {
            let credentials = RepoCredentials::from_secret(&secret)
                .map_err(|e| CliError::Usage(e.to_string()))?;
            Ok((secret, credentials))
        })
        .collect()
}

async fn list<W: Write>(
    cluster: &KubeCluster,
    namespace: &str,
    output: &str,
    out: &mut W,
) -> Result<(), CliError> {
    let repos = repositories(cluster, namespace).await?;
    match output {
        "url" => {
            for (_, repo) in &repos {
                writeln!(out, "{}", repo.url)?;
            }
        }
        "wide" => {
            let mut t = table(&mut *out, 0);
            row(
                &mut t,
                &["TYPE", "NAME", "REPO", "INSECURE", "CREDS", "PROJECT"],
            )?;
            for (_, repo) in &repos {
                let insecure = repo.insecure.to_string();
                let creds = repo.has_credentials().to_string();
                row(
                    &mut t,
                    &[
                        repo_type(repo),
                        &repo.name,
                        &repo.url,
                        &insecure,
                        &creds,
                        &repo.project,
                    ],
                )?;
            }
            t.flush()?;
        }
        format => {
            let items: Vec<Value> = repos.iter().map(|(_, repo)| summary(repo)).collect();
            print_document(out, &json!({"items": items}), format)?;
        }
    }
    Ok(())
}

/// The repository's type; `git` when the Secret does not say.
fn repo_type(repo: &RepoCredentials) -> &str {
    if repo.repo_type.is_empty() {
        "git"
    } else {
        &repo.repo_type
    }
}

/// What `list -o json|yaml` shows of a repository: Argo CD's `Repository`
/// fields without any secret.
fn summary(repo: &RepoCredentials) -> Value {
    json!({
        "repo": repo.url,
        "type": repo_type(repo),
        "name": repo.name,
        "project": repo.project,
        "username": repo.username,
        "insecure": repo.insecure,
        "insecureIgnoreHostKey": repo.insecure_ignore_host_key,
        "forceHttpBasicAuth": repo.force_http_basic_auth,
        "proxy": repo.proxy,
        "noProxy": repo.no_proxy,
    })
}

async fn add<W: Write>(
    cluster: &KubeCluster,
    namespace: &str,
    args: &AddArgs,
    out: &mut W,
) -> Result<(), CliError> {
    let ssh_private_key = match &args.ssh_private_key_path {
        Some(path) => std::fs::read_to_string(path).map_err(|e| {
            CliError::Usage(format!("--ssh-private-key-path {}: {e}", path.display()))
        })?,
        None => String::new(),
    };
    let credentials = RepoCredentials {
        url: args.repo.clone(),
        repo_type: args.repo_type.clone(),
        name: args.name.clone(),
        project: args.project.clone(),
        username: args.username.clone(),
        password: args.password.clone(),
        ssh_private_key,
        insecure: args.insecure_skip_server_verification,
        insecure_ignore_host_key: args.insecure_ignore_host_key,
        force_http_basic_auth: args.force_http_basic_auth,
        proxy: args.proxy.clone(),
        no_proxy: args.no_proxy.clone(),
        ..RepoCredentials::default()
    };
    let secret = credentials.to_secret(namespace);
    let object = ObjectRef::of(&secret).map_err(ClusterError::from)?;
    match cluster.get(&object).await? {
        None => {
            cluster.create(&secret, WriteOptions::default()).await?;
        }
        Some(existing) => {
            let same = RepoCredentials::from_secret(&existing).ok()
                == RepoCredentials::from_secret(&secret).ok();
            if !same && !args.upsert {
                return Err(CliError::Usage(
                    "existing repository spec is different; use upsert flag to force update"
                        .to_owned(),
                ));
            }
            let mut patch = json!({"data": secret["data"], "metadata": {
                "labels": secret["metadata"]["labels"],
                "annotations": secret["metadata"]["annotations"],
            }});
            // Keys set before and not now are removed.
            if let Some(old) = existing["data"].as_object() {
                for key in old
                    .keys()
                    .filter(|k| secret["data"].get(k.as_str()).is_none())
                {
                    patch["data"][key] = Value::Null;
                }
            }
            cluster
                .merge_patch(&object, &patch, WriteOptions::default())
                .await?;
        }
    }
    writeln!(out, "Repository '{}' added", args.repo)?;
    Ok(())
}

async fn remove<W: Write>(
    cluster: &KubeCluster,
    namespace: &str,
    repo: &str,
    out: &mut W,
) -> Result<(), CliError> {
    let wanted = normalize_git_url(repo);
    let matching: Vec<Value> = repositories(cluster, namespace)
        .await?
        .into_iter()
        .filter(|(_, c)| !wanted.is_empty() && normalize_git_url(&c.url) == wanted)
        .map(|(secret, _)| secret)
        .collect();
    if matching.is_empty() {
        return Err(CliError::Usage(format!("repository '{repo}' not found")));
    }
    for secret in matching {
        let object = ObjectRef::of(&secret).map_err(ClusterError::from)?;
        let managed = secret["metadata"]["annotations"][MANAGED_BY_ANNOTATION] == MANAGED_BY_ARGOCD;
        if managed {
            cluster
                .delete(
                    &object,
                    PropagationPolicy::Background,
                    WriteOptions::default(),
                )
                .await?;
        } else {
            // A declared Secret is kept; it just stops being a repository.
            let patch = json!({"metadata": {"labels": {SECRET_TYPE_LABEL: null}}});
            cluster
                .merge_patch(&object, &patch, WriteOptions::default())
                .await?;
        }
    }
    writeln!(out, "Repository '{repo}' removed")?;
    Ok(())
}
