//! `gitops-controller`: reconciles Argo CD `Application` objects with what
//! Git declares. Flags, logging, the metrics and health endpoints, leader
//! election and the embedded local API server live here; the reconcile loop
//! is `gitops_engine::controller`.

#[cfg(feature = "sandbox")]
mod embedded;
mod http;
mod leader;
mod logging;
mod readiness;
mod sharding;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use gitops_engine::appset::ApplicationsSyncPolicy;
use gitops_engine::appset::reconcile::{AppSetReconciler, AppSetSettings, EVENT_COMPONENT};
use gitops_engine::cluster::sharding::ShardingAlgorithm;
use gitops_engine::cluster::{EventRecorder, KubeCluster};
use gitops_engine::controller::{Controller, ControllerSettings, Metrics};
use gitops_engine::health::HealthRules;
use gitops_engine::image::updater::{UpdateOptions, registry_chooser};
use gitops_engine::source::{RepoTls, parse_repo_ca_flag};
use kustomize_core::BuildLimits;
use logging::LogFormat;
use readiness::{Readiness, wait_for_api_server};
use tracing::{error, info, warn};

/// The embedded API server kept alive while the controller runs (none
/// without the `sandbox` feature).
#[cfg(feature = "sandbox")]
type Sandbox = apiserver_emulator::EmulatorHandle;
#[cfg(not(feature = "sandbox"))]
type Sandbox = std::convert::Infallible;

/// How often the ApplicationSet reconciler looks for changed ApplicationSets
/// and cluster Secrets.
const APPSET_TICK: Duration = Duration::from_secs(2);

/// The allocator: reconciling is mostly small, short-lived allocations
/// (JSON values), which mimalloc serves faster and with less fragmentation
/// than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Keeps Argo CD Applications in sync with Git.
#[derive(Parser, Debug)]
#[command(name = "gitops-controller", version, about)]
struct Flags {
    /// Namespace whose Applications are reconciled.
    #[arg(long, env = "ARGOCD_NAMESPACE", default_value = "argocd")]
    namespace: String,
    /// Further namespaces whose Applications are reconciled, comma separated
    /// (Argo CD's application.namespaces): globs, or /regexp/. An app there
    /// also needs its project's sourceNamespaces to list the namespace.
    #[arg(
        long,
        env = "ARGOCD_APPLICATION_NAMESPACES",
        value_delimiter = ',',
        value_name = "NAMESPACES"
    )]
    application_namespaces: Vec<String>,
    /// Directory for cache clones of Git repositories.
    #[arg(long, default_value_os_t = std::env::temp_dir().join("gitops-repos"))]
    repo_cache_dir: PathBuf,
    /// How often every app is reconciled (Argo CD's timeout.reconciliation),
    /// e.g. 120s, 3m.
    #[arg(long, default_value = "120s", value_parser = parse_duration)]
    app_resync: Duration,
    /// How often a repository's remote is asked whether its branches or tags
    /// moved (one ls-remote shared by its apps; fetched only when they did).
    #[arg(long, default_value = "120s", value_parser = parse_duration)]
    repo_poll: Duration,
    /// Trust the PEM certificate authorities in FILE for https:// repositories
    /// on HOST (as Argo CD's argocd-tls-certs-cm does); repeatable.
    #[arg(long = "repo-ca", value_name = "HOST=FILE", value_parser = parse_repo_ca_flag)]
    repo_cas: Vec<(String, PathBuf)>,
    /// Minimum time between two self-heal syncs of one app.
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    self_heal_timeout: Duration,
    /// Pause between sync waves.
    #[arg(long, env = "ARGOCD_SYNC_WAVE_DELAY", default_value = "2s", value_parser = parse_duration)]
    sync_wave_delay: Duration,
    /// Apps reconciled at the same time.
    #[arg(long, default_value_t = 4)]
    workers: usize,
    /// On SIGTERM or SIGINT, how long syncs in progress may go on before they
    /// are cut off (and resumed by the next start).
    #[arg(long, default_value = "20s", value_parser = parse_duration)]
    shutdown_grace: Duration,
    /// Extra health rules (YAML files in the declarative rule format).
    #[arg(long = "health-rules", value_name = "FILE")]
    health_rules: Vec<PathBuf>,
    /// Address of the /metrics and /healthz endpoints.
    #[arg(long, default_value = "0.0.0.0:8082")]
    metrics_addr: SocketAddr,
    /// Run only while holding a coordination.k8s.io Lease (for several replicas).
    #[arg(long)]
    leader_elect: bool,
    /// Name of the Lease (in --namespace).
    #[arg(long, default_value = "gitops-controller")]
    lease_name: String,
    /// This replica's identity in the Lease and the shard ConfigMap (default:
    /// host name and process id).
    #[arg(long)]
    identity: Option<String>,
    /// Number of shards the apps are split into, one or more per replica
    /// (Argo CD's ARGOCD_CONTROLLER_REPLICAS); 0 or 1: no sharding.
    #[arg(long, env = "ARGOCD_CONTROLLER_REPLICAS", default_value_t = 0)]
    shards: usize,
    /// The shard this replica reconciles (below --shards). Without it,
    /// replicas claim shards in the argocd-app-controller-shard-cm ConfigMap.
    #[arg(long, env = "ARGOCD_CONTROLLER_SHARD")]
    shard: Option<usize>,
    /// How clusters are distributed over shards: legacy, round-robin or
    /// consistent-hashing.
    #[arg(
        long,
        env = "ARGOCD_CONTROLLER_SHARDING_ALGORITHM",
        default_value = "legacy"
    )]
    sharding_method: ShardingAlgorithm,
    /// Time between two heartbeats in the shard ConfigMap; a shard whose
    /// holder missed three is taken over.
    #[arg(long, env = "ARGOCD_CONTROLLER_HEARTBEAT_TIME", default_value = "10s", value_parser = parse_duration)]
    shard_heartbeat: Duration,
    /// Start an in-process API server emulator on this address (e.g.
    /// 127.0.0.1:8001) and reconcile against it: a local sandbox, no cluster needed.
    #[arg(long, value_name = "ADDR")]
    embedded_apiserver: Option<SocketAddr>,
    /// With --embedded-apiserver: write a kubeconfig for it here (for kubectl and `gitops app`).
    #[arg(long, value_name = "FILE", requires = "embedded_apiserver")]
    write_kubeconfig: Option<PathBuf>,
    /// Also run the image updater (argocd-image-updater.argoproj.io annotations) in process.
    #[arg(long)]
    image_updates: bool,
    /// Render kustomizations' `helmCharts` (Argo CD: `kustomize.buildOptions: --enable-helm`).
    #[arg(long)]
    kustomize_enable_helm: bool,
    /// Most kustomizations (and components) one render of an app's source may load.
    #[arg(long, value_name = "N", default_value_t = BuildLimits::default().max_kustomizations)]
    kustomize_max_kustomizations: usize,
    /// Most resources one render of an app's source may read from resource files.
    #[arg(long, value_name = "N", default_value_t = BuildLimits::default().max_resources)]
    kustomize_max_resources: usize,
    /// Most bytes of resource files one render of an app's source may read.
    #[arg(long, value_name = "BYTES", default_value_t = BuildLimits::default().max_resource_bytes)]
    kustomize_max_resource_bytes: usize,
    /// How often the image updater checks registries.
    #[arg(long, default_value = "2m", value_parser = parse_duration)]
    image_update_interval: Duration,
    /// Log lines as plain text (coloured only on a terminal) or JSON objects.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Registries reached over plain HTTP (host:port), e.g. a local test registry.
    #[arg(long = "insecure-registry", value_name = "HOST")]
    insecure_registries: Vec<String>,
    /// Do not reconcile ApplicationSets.
    #[arg(long)]
    disable_appsets: bool,
    /// What the ApplicationSet reconciler may do to generated Applications:
    /// sync, create-only, create-update or create-delete (Argo CD's --policy).
    #[arg(long, default_value = "sync", value_parser = parse_appset_policy)]
    appset_policy: ApplicationsSyncPolicy,
    /// Ignore an ApplicationSet's own spec.syncPolicy.applicationsSync (by
    /// default it overrides --appset-policy).
    #[arg(long)]
    appset_no_policy_override: bool,
}

fn parse_appset_policy(text: &str) -> Result<ApplicationsSyncPolicy, String> {
    ApplicationsSyncPolicy::parse(text).map_err(|e| e.to_string())
}

/// Parses `90s`, `2m`, `1h`, `500ms` or a plain number of seconds.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a duration like 30s, 2m or 500ms"))?;
    match unit {
        "" | "s" => Ok(Duration::from_secs(n)),
        "ms" => Ok(Duration::from_millis(n)),
        "m" => Ok(Duration::from_secs(n * 60)),
        "h" => Ok(Duration::from_secs(n * 3600)),
        _ => Err(format!(
            "'{text}': unknown unit '{unit}' (use ms, s, m or h)"
        )),
    }
}

fn main() -> ExitCode {
    let flags = Flags::parse();
    logging::init(flags.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("gitops-controller: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(flags)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            error!("{e}");
            eprintln!("gitops-controller: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(flags: Flags) -> Result<(), String> {
    let identity = flags
        .identity
        .clone()
        .unwrap_or_else(leader::default_identity);
    let shard_flags = sharding::ShardFlags {
        namespace: flags.namespace.clone(),
        identity: identity.clone(),
        shards: flags.shards,
        shard: flags.shard,
        algorithm: flags.sharding_method,
        heartbeat: flags.shard_heartbeat,
    };
    shard_flags.check()?;
    let mut rules = HealthRules::builtin();
    for file in &flags.health_rules {
        rules.load_custom_file(file).map_err(|e| e.to_string())?;
    }
    let (client, endpoint, _emulator) = match flags.embedded_apiserver {
        #[cfg(feature = "sandbox")]
        Some(addr) => {
            let (client, handle) =
                embedded::start(addr, &flags.namespace, flags.write_kubeconfig.as_deref()).await?;
            (client, handle.url(), Some(handle))
        }
        #[cfg(not(feature = "sandbox"))]
        Some(_) => {
            return Err(
                "--embedded-apiserver: this build has no embedded API server \
                        (built without the `sandbox` feature)"
                    .to_owned(),
            );
        }
        None => {
            let config = kube::Config::infer()
                .await
                .map_err(|e| format!("cannot read the kubeconfig: {e}"))?;
            let endpoint = config.cluster_url.to_string();
            let client = kube::Client::try_from(config)
                .map_err(|e| format!("cannot make a client for {endpoint}: {e}"))?;
            (client, endpoint, None::<Sandbox>)
        }
    };
    let metrics = Arc::new(Metrics::new());
    let readiness = Readiness::not_ready(format!("connecting to the API server {endpoint}"));
    let server = http::serve(flags.metrics_addr, Arc::clone(&metrics), readiness.clone()).await?;
    info!(addr = %server, "serving /metrics and /healthz");
    let mut shutdown: leader::Stop = Box::pin(shutdown_signal());
    tokio::select! {
        () = wait_for_api_server(&client, &endpoint, &readiness) => {}
        () = &mut shutdown => return Ok(()),
    }

    let mut settings = ControllerSettings::new(&flags.namespace, &flags.repo_cache_dir);
    settings.resync = flags.app_resync;
    settings.repo_poll = flags.repo_poll;
    settings.application_namespaces = flags
        .application_namespaces
        .iter()
        .map(|ns| ns.trim().to_owned())
        .filter(|ns| !ns.is_empty())
        .collect();
    settings.repo_tls = RepoTls::from_flags(&flags.repo_cas)?;
    settings.self_heal_timeout = flags.self_heal_timeout;
    settings.wave_delay = flags.sync_wave_delay;
    settings.workers = flags.workers;
    settings.shutdown_grace = flags.shutdown_grace;
    settings.health_rules = Arc::new(rules);
    let membership = sharding::Membership::start(&client, &shard_flags)?;
    settings.sharding = membership.sharding();
    settings.kustomize_enable_helm = flags.kustomize_enable_helm;
    settings.kustomize_limits = BuildLimits {
        max_kustomizations: flags.kustomize_max_kustomizations,
        max_resources: flags.kustomize_max_resources,
        max_resource_bytes: flags.kustomize_max_resource_bytes,
    };
    let controller = Controller::new(client.clone(), settings, Arc::clone(&metrics));

    // ApplicationSets are reconciled by one replica: the leader, and of
    // sharded replicas the one holding shard 0.
    let appsets = (!flags.disable_appsets).then(|| {
        let reconciler = AppSetReconciler::new(
            KubeCluster::new(client.clone()),
            controller.sources().clone(),
            AppSetSettings {
                namespace: flags.namespace.clone(),
                policy: flags.appset_policy,
                enable_policy_override: !flags.appset_no_policy_override,
            },
        )
        .with_events(EventRecorder::new(client.clone(), EVENT_COMPONENT))
        .with_application_cache(controller.control_plane_cache().clone());
        let shards = membership.sharding().map(|s| s.shards);
        let resync = flags.app_resync;
        move || {
            info!("ApplicationSet reconciler running");
            tokio::spawn(async move {
                let holds_first_shard = || shards.as_ref().is_none_or(|s| s.held().contains(&0));
                reconciler
                    .run_while(
                        resync,
                        APPSET_TICK,
                        holds_first_shard,
                        std::future::pending(),
                    )
                    .await
            })
        }
    });

    if flags.image_updates {
        let mut options = UpdateOptions::new(flags.repo_cache_dir.join("image-updater"));
        options.client = Some(client.clone());
        options.controller_namespace = flags.namespace.clone();
        options.source_cache_dir = Some(flags.repo_cache_dir.join("image-updater-sources"));
        options.registry = registry_chooser(flags.insecure_registries.clone());
        let updater = controller.clone();
        let interval = flags.image_update_interval;
        tokio::spawn(async move { updater.run_image_updates(options, interval).await });
        info!(?interval, "image updater running");
    }

    let run = |stop: leader::Stop| async move {
        let appsets = appsets.map(|start| start());
        let result = controller.run(stop).await.map_err(|e| e.to_string());
        if let Some(task) = appsets {
            task.abort();
        }
        result
    };
    let result = if flags.leader_elect {
        leader::run_while_leading(
            client,
            &flags.namespace,
            &flags.lease_name,
            &identity,
            &metrics,
            run,
            shutdown,
        )
        .await
    } else {
        metrics.set_leader(true);
        run(shutdown).await
    };
    membership.stop().await;
    result
}

/// Completes on SIGTERM (what Kubernetes sends) or SIGINT.
async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                warn!(error = %e, "cannot handle SIGTERM; only SIGINT stops the controller");
                std::future::pending::<()>().await;
            }
        }
    };
    let signal = tokio::select! {
        _ = tokio::signal::ctrl_c() => "SIGINT",
        () = terminate => "SIGTERM",
    };
    info!(
        signal,
        "shutting down: no new passes; finishing those in progress"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_the_usual_units() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("3m"), Ok(Duration::from_secs(180)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("3 days").is_err());
        assert!(parse_duration("m").is_err());
    }

    #[test]
    fn application_namespaces_are_comma_separated() {
        let flags = Flags::try_parse_from([
            "gitops-controller",
            "--application-namespaces",
            "team-*,/^ops$/",
        ])
        .expect("flags");
        assert_eq!(flags.application_namespaces, ["team-*", "/^ops$/"]);
        let default = Flags::try_parse_from(["gitops-controller"]).expect("flags");
        assert!(default.application_namespaces.is_empty());
    }
}
