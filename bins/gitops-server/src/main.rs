//! `gitops-server`: Argo CD's API server (REST API, login, RBAC) over the Applications
//! of a cluster; the handlers are `gitops_engine::server`. Flags, logging, TLS and
//! the first start's bootstrap live here.

mod tls;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use gitops_engine::cluster::{Cluster, Gvk, KubeCluster, ObjectRef};
use gitops_engine::server::auth::accounts::{INITIAL_ADMIN_SECRET, bootstrap};
use gitops_engine::server::auth::session::LoginLimits;
use gitops_engine::server::{ServerConfig, ServerState, router};
use tracing::{error, info};

/// Serves Argo CD's API over the Applications of a cluster.
#[derive(Parser, Debug)]
#[command(name = "gitops-server", version, about)]
struct Flags {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "0.0.0.0")]
    address: IpAddr,
    /// The namespace of Applications and of Argo CD's ConfigMaps and Secrets.
    #[arg(long, env = "ARGOCD_NAMESPACE", default_value = "argocd")]
    namespace: String,
    /// The kubeconfig (default: $KUBECONFIG, ~/.kube/config, else in-cluster).
    #[arg(long, value_name = "FILE")]
    kubeconfig: Option<PathBuf>,
    /// Serve plain HTTP instead of TLS with a generated self-signed certificate.
    #[arg(long)]
    insecure: bool,
    /// Directory for cache clones of Git repositories (for diffs).
    #[arg(long, default_value_os_t = std::env::temp_dir().join("gitops-server-repos"))]
    repo_cache_dir: PathBuf,
    /// Failed logins of a user before its logins are refused.
    #[arg(
        long,
        env = "ARGOCD_SESSION_FAILURE_MAX_FAIL_COUNT",
        default_value_t = 5
    )]
    max_login_failures: u32,
    /// Seconds failed logins are counted.
    #[arg(
        long,
        env = "ARGOCD_SESSION_FAILURE_WINDOW_SECONDS",
        default_value_t = 300
    )]
    login_failure_window: u64,
    /// Log lines as plain text or JSON objects.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

/// How log lines are written (to stderr; the level from `RUST_LOG`, default `info`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

#[tokio::main]
async fn main() -> ExitCode {
    let flags = Flags::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match flags.log_format {
        LogFormat::Json => subscriber.json().init(),
        LogFormat::Text => subscriber.with_ansi(false).init(),
    }
    match run(flags).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            error!("{e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(flags: Flags) -> Result<(), String> {
    let client = gitops_engine::cluster::client_from_kubeconfig(flags.kubeconfig.as_deref())
        .await
        .map_err(|e| e.to_string())?;
    let namespace = &flags.namespace;
    if bootstrap(&KubeCluster::new(client.clone()), namespace)
        .await
        .map_err(|e| format!("preparing accounts in namespace {namespace}: {e}"))?
    {
        info!(
            "generated the admin password: Secret {namespace}/{INITIAL_ADMIN_SECRET}, key password"
        );
    }
    let mut config = ServerConfig::new(namespace, &flags.repo_cache_dir);
    config.secure_cookies = !flags.insecure;
    config.login_limits = LoginLimits {
        max_failures: flags.max_login_failures,
        failure_window: Duration::from_secs(flags.login_failure_window),
        ..LoginLimits::default()
    };
    config.webhook = config
        .webhook
        .with_argocd_cm(&argocd_cm(&client, namespace).await?);
    let app = router(Arc::new(ServerState::new(client, config)));
    let addr = SocketAddr::new(flags.address, flags.port);
    let tcp = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let bound = tcp
        .local_addr()
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let scheme = if flags.insecure { "http" } else { "https" };
    // The first line on stdout is the URL (scripts and tests read it).
    println!("gitops-server listening on {scheme}://{bound}");
    info!(%bound, scheme, "serving the API");
    let served = if flags.insecure {
        axum::serve(tcp, app)
            .with_graceful_shutdown(gitops_engine::server::shutdown_signal())
            .await
    } else {
        let listener = tls::TlsListener::new(tcp, tls::self_signed_acceptor()?)
            .map_err(|e| format!("serving TLS on {bound}: {e}"))?;
        axum::serve(listener, app)
            .with_graceful_shutdown(gitops_engine::server::shutdown_signal())
            .await
    };
    served.map_err(|e| format!("serving on {bound}: {e}"))
}

/// The `argocd-cm` ConfigMap of `namespace` (`null` when absent), for settings read at start.
async fn argocd_cm(client: &kube::Client, namespace: &str) -> Result<serde_json::Value, String> {
    let target = ObjectRef {
        gvk: Gvk::new("", "v1", "ConfigMap"),
        namespace: namespace.to_owned(),
        name: "argocd-cm".to_owned(),
    };
    let found = KubeCluster::new(client.clone())
        .get(&target)
        .await
        .map_err(|e| format!("reading ConfigMap {namespace}/argocd-cm: {e}"))?;
    Ok(found.unwrap_or_default())
}
