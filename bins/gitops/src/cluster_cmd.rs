//! `gitops cluster list|add|rm`: Argo CD's `argocd cluster` commands over
//! the cluster Secrets of the control plane in the kubeconfig.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand};
use gitops_engine::cluster::kubeconfig::cluster_from_context;
use gitops_engine::cluster::secrets::{
    self, ClusterSecret, MANAGED_BY_ANNOTATION, SECRET_TYPE_LABEL,
};
use gitops_engine::cluster::{
    Cluster, ClusterError, Gvk, KubeCluster, ObjectRef, PropagationPolicy, WriteOptions, connect,
};
use serde_json::json;

use crate::app_cmd::client::kube_client;
use crate::app_cmd::{CliError, EXIT_GENERIC, block_on_command};

/// How long `cluster list` waits for each cluster's version.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// Arguments of `gitops cluster`.
#[derive(Debug, Args)]
pub struct ClusterArgs {
    /// The kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config).
    #[arg(long, global = true, value_name = "FILE")]
    kubeconfig: Option<PathBuf>,
    /// The namespace of the cluster Secrets (the control plane's).
    #[arg(short = 'N', long, global = true, default_value = "argocd")]
    cluster_namespace: String,
    #[command(subcommand)]
    command: ClusterCommand,
}

#[derive(Debug, Subcommand)]
enum ClusterCommand {
    /// List clusters: server, name, version, connection status, project.
    List {
        /// Output format: wide or server.
        #[arg(short, long, default_value = "wide", value_parser = ["wide", "server"])]
        output: String,
    },
    /// Register a kubeconfig context as a cluster (its own credentials are used).
    Add {
        /// The kubeconfig context.
        context: String,
        /// The cluster's name (default: the context's name).
        #[arg(long)]
        name: Option<String>,
        /// Namespaces the cluster is limited to (repeatable).
        #[arg(long = "namespace")]
        namespaces: Vec<String>,
        /// With --namespace: manage cluster-scoped resources too.
        #[arg(long)]
        cluster_resources: bool,
        /// The project the cluster is scoped to.
        #[arg(long, default_value = "")]
        project: String,
        /// The controller shard that manages the cluster.
        #[arg(long)]
        shard: Option<i64>,
        /// Replace an existing cluster with the same server.
        #[arg(long)]
        upsert: bool,
    },
    /// Remove a cluster, by server URL or name.
    Rm {
        /// Server URL or cluster name.
        cluster: String,
        /// Do not ask for confirmation.
        #[arg(short, long)]
        yes: bool,
    },
}

/// Runs a `cluster` command; failures are reported on stderr with exit code 20.
pub fn run(args: ClusterArgs) -> ExitCode {
    let mut out = std::io::stdout();
    block_on_command(EXIT_GENERIC, async {
        let result = dispatch(&args, &mut out).await;
        out.flush()?;
        result.map(|()| 0)
    })
}

async fn dispatch<W: Write>(args: &ClusterArgs, out: &mut W) -> Result<(), CliError> {
    let control = KubeCluster::new(kube_client(args.kubeconfig.as_deref()).await?);
    let namespace = &args.cluster_namespace;
    match &args.command {
        ClusterCommand::List { output } => list(&control, namespace, output, out).await,
        ClusterCommand::Add {
            context,
            name,
            namespaces,
            cluster_resources,
            project,
            shard,
            upsert,
        } => {
            let mut cluster = context_cluster(args.kubeconfig.as_deref(), context)?;
            if let Some(name) = name {
                cluster.name = name.clone();
            }
            cluster.namespaces = namespaces.clone();
            cluster.cluster_resources = *cluster_resources;
            cluster.project = project.clone();
            cluster.shard = *shard;
            add(&control, namespace, &cluster, *upsert).await?;
            writeln!(out, "Cluster '{}' added", cluster.server)?;
            Ok(())
        }
        ClusterCommand::Rm { cluster, yes } => {
            if !yes && !confirm(cluster)? {
                return Ok(());
            }
            remove(&control, namespace, cluster).await?;
            writeln!(out, "Cluster '{cluster}' removed")?;
            Ok(())
        }
    }
}

async fn list<W: Write>(
    control: &KubeCluster,
    namespace: &str,
    output: &str,
    out: &mut W,
) -> Result<(), CliError> {
    let (clusters, unreadable) = secrets::list(control, namespace).await?;
    for problem in &unreadable {
        eprintln!("warning: {problem}");
    }
    if output == "server" {
        for cluster in clusters.iter() {
            writeln!(out, "{}", cluster.server)?;
        }
        return Ok(());
    }
    let mut table = tabwriter::TabWriter::new(out);
    writeln!(table, "SERVER\tNAME\tVERSION\tSTATUS\tMESSAGE\tPROJECT")?;
    for cluster in clusters.iter() {
        let (version, status, message) = match probe(control, cluster).await {
            Ok(version) => (version, "Successful", String::new()),
            Err(message) => (String::new(), "Failed", message),
        };
        writeln!(
            table,
            "{}\t{}\t{version}\t{status}\t{message}\t{}",
            cluster.server, cluster.name, cluster.project
        )?;
    }
    table.flush()?;
    Ok(())
}

/// The cluster's `major.minor` version, or why it cannot be reached.
async fn probe(control: &KubeCluster, cluster: &ClusterSecret) -> Result<String, String> {
    let client = if cluster.is_in_cluster() {
        control.client().clone()
    } else {
        connect::client(cluster).map_err(|e| e.to_string())?
    };
    match tokio::time::timeout(PROBE_TIMEOUT, client.apiserver_version()).await {
        Ok(Ok(info)) => Ok(format!(
            "{}.{}",
            info.major,
            info.minor.trim_end_matches('+')
        )),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {PROBE_TIMEOUT:?}")),
    }
}

fn context_cluster(kubeconfig: Option<&Path>, context: &str) -> Result<ClusterSecret, CliError> {
    let (config, base_dir) = match kubeconfig {
        Some(path) => (
            kube::config::Kubeconfig::read_from(path),
            path.parent().map(Path::to_path_buf).unwrap_or_default(),
        ),
        None => (kube::config::Kubeconfig::read(), PathBuf::from(".")),
    };
    let config = config.map_err(|e| CliError::Connect(e.to_string()))?;
    cluster_from_context(&config, context, &base_dir).map_err(|e| CliError::Usage(e.to_string()))
}

async fn add(
    control: &KubeCluster,
    namespace: &str,
    cluster: &ClusterSecret,
    upsert: bool,
) -> Result<(), CliError> {
    let secret = cluster.to_secret(namespace);
    match control.create(&secret, WriteOptions::default()).await {
        Ok(_) => Ok(()),
        Err(ClusterError::AlreadyExists(_)) if upsert => control
            .replace(&secret, WriteOptions::default())
            .await
            .map(|_| ())
            .map_err(CliError::from),
        Err(ClusterError::AlreadyExists(_)) => Err(CliError::Usage(format!(
            "cluster '{}' already exists; use --upsert to replace it",
            cluster.server
        ))),
        Err(e) => Err(e.into()),
    }
}

/// Deletes the Secret of the cluster `server_or_name`; a Secret the API did
/// not create (no `managed-by` annotation) only loses its cluster label, as
/// Argo CD does.
async fn remove(
    control: &KubeCluster,
    namespace: &str,
    server_or_name: &str,
) -> Result<(), CliError> {
    let (clusters, _) = secrets::list(control, namespace).await?;
    let by_server = clusters.by_server(server_or_name);
    let found = by_server.or_else(|| clusters.iter().find(|c| c.name == server_or_name));
    let Some(secret) = found.and_then(|c| c.secret.as_ref()) else {
        return Err(CliError::Usage(format!(
            "cluster {server_or_name:?} not found (the built-in in-cluster cannot be removed)"
        )));
    };
    let object = ObjectRef {
        gvk: Gvk::new("", "v1", "Secret"),
        namespace: secret.namespace.clone(),
        name: secret.name.clone(),
    };
    let managed = control
        .get(&object)
        .await?
        .is_some_and(|s| s["metadata"]["annotations"][MANAGED_BY_ANNOTATION].is_string());
    if managed {
        control
            .delete(
                &object,
                PropagationPolicy::Background,
                WriteOptions::default(),
            )
            .await?;
    } else {
        let patch = json!({"metadata": {"labels": {SECRET_TYPE_LABEL: null}}});
        control
            .merge_patch(&object, &patch, WriteOptions::default())
            .await?;
    }
    Ok(())
}

fn confirm(cluster: &str) -> Result<bool, CliError> {
    print!(
        "Are you sure you want to remove '{cluster}'? Any Apps deploying to this cluster will go to health status Unknown.[y/n] "
    );
    std::io::stdout().flush()?;
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}
