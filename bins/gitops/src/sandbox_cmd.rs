//! `gitops sandbox up|down`: a local sandbox in one process, the embedded
//! API server (kept in a data directory across restarts), the Application
//! controller and the ApplicationSet reconciler, with a kubeconfig for
//! kubectl and `gitops app`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use apiserver_emulator::{Authentication, Emulator, EmulatorConfig, TlsIdentity, TokenUser};

mod api_server;
use gitops_engine::appset::ApplicationsSyncPolicy;
use gitops_engine::appset::reconcile::{
    AppSetReconciler, AppSetSettings, EVENT_COMPONENT, appset_crd,
};
use gitops_engine::cluster::{Cluster, ClusterError, EventRecorder, KubeCluster, WriteOptions};
use gitops_engine::controller::{Controller, ControllerSettings, Metrics};

/// How often the sandbox's ApplicationSet reconciler looks for changes.
const APPSET_TICK: Duration = Duration::from_secs(2);
/// How often it reconciles every ApplicationSet regardless.
const APPSET_RESYNC: Duration = Duration::from_secs(120);

/// `gitops sandbox` subcommands.
#[derive(clap::Subcommand)]
pub enum SandboxCommand {
    /// Start the sandbox in the foreground (stop it with Ctrl-C or `gitops sandbox down`).
    Up {
        /// Where the sandbox keeps its objects, kubeconfig and repository caches.
        #[arg(long, default_value = ".gitops-sandbox", value_name = "DIR")]
        data_dir: PathBuf,
        /// The API server's port on 127.0.0.1 (0 picks a free one).
        #[arg(long, default_value_t = 6443)]
        port: u16,
        /// The namespace of Applications (Argo CD's `argocd`).
        #[arg(long, default_value = "argocd")]
        namespace: String,
        /// Serve HTTPS with a certificate from a fresh test authority (the
        /// kubeconfig trusts it).
        #[arg(long)]
        tls: bool,
        /// Require this bearer token on every request (the kubeconfig holds it).
        #[arg(long, value_name = "TOKEN")]
        token: Option<String>,
        /// The port of the Argo CD API server on 127.0.0.1 (plain HTTP; 0 picks a free one).
        #[arg(long, default_value_t = 8080)]
        server_port: u16,
        /// Also deploy the example monorepo's `shop-prod` Application from this
        /// checkout's Git history (run from the repository root).
        #[arg(long)]
        example: bool,
    },
    /// Stop the sandbox started with this data directory.
    Down {
        /// The data directory given to `gitops sandbox up`.
        #[arg(long, default_value = ".gitops-sandbox", value_name = "DIR")]
        data_dir: PathBuf,
    },
}

/// Runs a `gitops sandbox` subcommand.
pub fn run(command: SandboxCommand) -> ExitCode {
    let result = match command {
        SandboxCommand::Up {
            data_dir,
            port,
            namespace,
            tls,
            token,
            server_port,
            example,
        } => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the async runtime: {e}"))
            .and_then(|rt| {
                rt.block_on(up(
                    &data_dir,
                    Ports {
                        api: port,
                        server: server_port,
                    },
                    &namespace,
                    tls,
                    token.as_deref(),
                    example,
                ))
            }),
        SandboxCommand::Down { data_dir } => down(&data_dir),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn pid_file(dir: &Path) -> PathBuf {
    dir.join("sandbox.pid")
}

/// The pid of a running sandbox of this data directory, if any.
fn running(dir: &Path) -> Option<u32> {
    let pid: u32 = std::fs::read_to_string(pid_file(dir))
        .ok()?
        .trim()
        .parse()
        .ok()?;
    alive(pid).then_some(pid)
}

/// Whether a process runs (exited ones awaiting their parent do not).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit_once(") ")
            .is_some_and(|(_, rest)| !rest.starts_with('Z'))
    })
}

/// The sandbox's ports on 127.0.0.1.
struct Ports {
    /// The Kubernetes API server emulator.
    api: u16,
    /// The Argo CD API server.
    server: u16,
}

async fn up(
    dir: &Path,
    ports: Ports,
    namespace: &str,
    tls: bool,
    token: Option<&str>,
    example: bool,
) -> Result<(), String> {
    let port = ports.api;
    if let Some(pid) = running(dir) {
        return Err(format!(
            "a sandbox (pid {pid}) already runs with data directory {}",
            dir.display()
        ));
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let tls = if tls {
        Some(TlsIdentity::generate().map_err(|e| e.to_string())?)
    } else {
        None
    };
    let authentication = token.map(|token| Authentication {
        tokens: vec![TokenUser::admin(token, "sandbox-admin")],
    });
    let emulator = Emulator::start_with(EmulatorConfig {
        listen: ([127, 0, 0, 1], port).into(),
        data_dir: Some(dir.join("store")),
        tls,
        authentication,
        ..EmulatorConfig::default()
    })
    .await
    .map_err(|e| format!("cannot start the API server on 127.0.0.1:{port}: {e}"))?;
    let url = emulator.url();
    let kubeconfig_text = match token {
        Some(token) => emulator.kubeconfig_with_token("gitops-sandbox", namespace, token),
        None => emulator.kubeconfig("gitops-sandbox", namespace),
    };
    let client = client_from(&kubeconfig_text)
        .await
        .map_err(|e| format!("client for {url}: {e}"))?;
    let namespaces: kube::Api<k8s_openapi::api::core::v1::Namespace> =
        kube::Api::all(client.clone());
    if namespaces
        .get_opt(namespace)
        .await
        .map_err(|e| e.to_string())?
        .is_none()
    {
        let mut ns = k8s_openapi::api::core::v1::Namespace::default();
        ns.metadata.name = Some(namespace.to_owned());
        namespaces
            .create(&Default::default(), &ns)
            .await
            .map_err(|e| format!("creating namespace {namespace}: {e}"))?;
    }
    // Before the kubeconfig is written: what a user applies once it is there is served.
    register_appset_kind(&client).await?;
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(&kubeconfig, &kubeconfig_text)
        .map_err(|e| format!("{}: {e}", kubeconfig.display()))?;
    std::fs::write(pid_file(dir), std::process::id().to_string())
        .map_err(|e| format!("{}: {e}", pid_file(dir).display()))?;
    let server = api_server::start(client.clone(), dir, namespace, ports.server).await?;
    if example {
        api_server::create_example(&client, namespace).await?;
    }
    println!("sandbox API server: {url}");
    println!("kubeconfig:         {}", kubeconfig.display());
    println!("Argo CD API:        {}", server.url);
    println!("admin password:     {}", server.admin_password);
    println!();
    println!("  export KUBECONFIG={}", kubeconfig.display());
    println!("  kubectl get all -A");
    println!("  kubectl apply -n {namespace} -f <an Argo CD Application>");
    println!("  gitops app list");
    println!();
    println!(
        "Stop it with Ctrl-C or `gitops sandbox down --data-dir {}`.",
        dir.display()
    );
    let settings = ControllerSettings::new(namespace, dir.join("repositories"));
    let controller = Controller::new(client.clone(), settings, Arc::new(Metrics::new()));
    let appsets = start_appsets(&client, &controller, namespace);
    let result = controller
        .run(gitops_engine::server::shutdown_signal())
        .await
        .map_err(|e| e.to_string());
    appsets.abort();
    let _ = std::fs::remove_file(pid_file(dir));
    emulator.shutdown().await;
    println!("sandbox stopped");
    result
}

/// Serves the ApplicationSet kind: creates its CRD unless present.
async fn register_appset_kind(client: &kube::Client) -> Result<(), String> {
    match KubeCluster::new(client.clone())
        .create(&appset_crd(), WriteOptions::default())
        .await
    {
        Ok(_) | Err(ClusterError::AlreadyExists(_)) => Ok(()),
        Err(e) => Err(format!("registering the ApplicationSet kind: {e}")),
    }
}

/// Starts the ApplicationSet reconciler beside `controller`, sharing its sources.
fn start_appsets(
    client: &kube::Client,
    controller: &Controller,
    namespace: &str,
) -> tokio::task::JoinHandle<()> {
    let reconciler = AppSetReconciler::new(
        KubeCluster::new(client.clone()),
        controller.sources().clone(),
        AppSetSettings {
            namespace: namespace.to_owned(),
            policy: ApplicationsSyncPolicy::Sync,
            enable_policy_override: true,
        },
    )
    .with_events(EventRecorder::new(client.clone(), EVENT_COMPONENT))
    .with_application_cache(controller.control_plane_cache().clone());
    tokio::spawn(async move {
        reconciler
            .run(APPSET_RESYNC, APPSET_TICK, std::future::pending())
            .await;
    })
}

/// A client for the sandbox's own kubeconfig.
async fn client_from(kubeconfig: &str) -> Result<kube::Client, String> {
    let kubeconfig = kube::config::Kubeconfig::from_yaml(kubeconfig).map_err(|e| e.to_string())?;
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .map_err(|e| e.to_string())?;
    kube::Client::try_from(config).map_err(|e| e.to_string())
}

fn down(dir: &Path) -> Result<(), String> {
    let Some(pid) = running(dir) else {
        return Err(format!(
            "no sandbox runs with data directory {}",
            dir.display()
        ));
    };
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .map_err(|e| format!("cannot run kill: {e}"))?;
    if !status.success() {
        return Err(format!("kill -TERM {pid} failed"));
    }
    for _ in 0..100 {
        if !alive(pid) {
            println!("sandbox (pid {pid}) stopped");
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!("the sandbox (pid {pid}) did not stop within 10 s"))
}
