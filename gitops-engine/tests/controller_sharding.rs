//! Three controller replicas share 60 automated apps on three clusters
//! (three API servers) through the shard ConfigMap: each app is reconciled
//! by exactly one replica (as each replica's own metrics show) and deployed
//! to its cluster; when a replica dies without a word its shard is adopted,
//! its apps are reconciled by the others, and a new commit reaches them all.

mod source_support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use apiserver_emulator::{Emulator, EmulatorHandle};
use base64::Engine;
use gitops_engine::cluster::sharding::{
    MembershipConfig, SHARD_MAPPING_CONFIGMAP, SHARD_MAPPING_KEY, ShardMapping, ShardMembership,
    ShardingAlgorithm,
};
use gitops_engine::cluster::{Cluster, Gvk, KubeCluster, ObjectRef, WriteOptions};
use gitops_engine::controller::{AppSharding, Controller, ControllerSettings, Metrics};
use serde_json::{Value, json};
use source_support::Upstream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

const ARGOCD: &str = "argocd";
const IN_CLUSTER: &str = "https://kubernetes.default.svc";
const REPLICAS: usize = 3;
const APPS: usize = 60;
/// Heartbeats in the shard ConfigMap; a slot is stale after three.
const HEARTBEAT: Duration = Duration::from_secs(2);
/// How long any awaited state may take.
const PATIENCE: Duration = Duration::from_secs(90);

/// A controller replica running in this process.
struct Replica {
    name: String,
    metrics: Arc<Metrics>,
    heartbeats: JoinHandle<()>,
    stop: std::sync::Mutex<Option<oneshot::Sender<()>>>,
}

impl Replica {
    async fn start(client: &kube::Client, up: &Upstream, name: &str) -> Replica {
        let membership = Arc::new(ShardMembership::new(
            client.clone(),
            MembershipConfig {
                namespace: ARGOCD.to_owned(),
                identity: name.to_owned(),
                shards: REPLICAS,
                pinned: None,
                heartbeat: HEARTBEAT,
            },
        ));
        let mut settings = ControllerSettings::new(ARGOCD, up.cache.join(name));
        settings.resync = Duration::from_secs(1);
        settings.repo_poll = Duration::from_secs(1);
        settings.shutdown_grace = Duration::ZERO;
        settings.wave_delay = Duration::from_millis(50);
        settings.health_poll = Duration::from_millis(200);
        settings.sharding = Some(AppSharding {
            algorithm: ShardingAlgorithm::RoundRobin,
            shards: membership.shards(),
        });
        let metrics = Arc::new(Metrics::new());
        let controller = Controller::new(client.clone(), settings, Arc::clone(&metrics));
        let heartbeats = tokio::spawn(async move { membership.run(std::future::pending()).await });
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            controller
                .run(async {
                    let _ = stopped.await;
                })
                .await
                .expect("controller run");
        });
        Replica {
            name: name.to_owned(),
            metrics,
            heartbeats,
            stop: std::sync::Mutex::new(Some(stop)),
        }
    }

    /// Stops the replica at once: no more heartbeats and no goodbye in the
    /// ConfigMap (a crash), passes in progress cut off.
    fn kill(&self) {
        self.heartbeats.abort();
        if let Some(stop) = self.stop.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = stop.send(());
        }
    }

    /// The apps in this replica's `argocd_app_info`.
    fn apps(&self) -> BTreeSet<String> {
        metric_lines(&self.metrics, "argocd_app_info{")
            .filter_map(|(labels, _)| label(&labels, "name"))
            .collect()
    }

    /// Its reconcile passes by `dest_server` (`argocd_app_reconcile_count`).
    fn passes_by_server(&self) -> BTreeMap<String, u64> {
        metric_lines(&self.metrics, "argocd_app_reconcile_count{")
            .filter_map(|(labels, value)| Some((label(&labels, "dest_server")?, value)))
            .collect()
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `(labels, value)` of the exposition lines starting with `prefix`.
fn metric_lines(metrics: &Metrics, prefix: &str) -> impl Iterator<Item = (String, u64)> {
    metrics
        .encode()
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix(prefix)?;
            let (labels, value) = rest.rsplit_once("} ")?;
            Some((labels.to_owned(), value.trim().parse().ok()?))
        })
        .collect::<Vec<_>>()
        .into_iter()
}

fn label(labels: &str, key: &str) -> Option<String> {
    let start = labels.find(&format!("{key}=\""))? + key.len() + 2;
    let len = labels[start..].find('"')?;
    Some(labels[start..start + len].to_owned())
}

fn cluster_secret(name: &str, server: &str) -> Value {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": name,
            "namespace": ARGOCD,
            "labels": {"argocd.argoproj.io/secret-type": "cluster"},
        },
        "type": "Opaque",
        "data": {"name": b64(name), "server": b64(server), "config": b64("{}")},
    })
}

fn settings_yaml(greeting: &str) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  greeting: {greeting}\n"
    )
}

fn application(up: &Upstream, index: usize, server: &str) -> Value {
    json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": format!("app-{index:02}"), "namespace": ARGOCD},
        "spec": {
            "project": "default",
            "source": {"repoURL": up.url(), "path": "settings", "targetRevision": "main"},
            "destination": {"server": server, "namespace": format!("team-{index:02}")},
            "syncPolicy": {"automated": {}, "syncOptions": ["CreateNamespace=true"]},
        }
    })
}

/// The `greeting` of every app's ConfigMap in its cluster (`None` while
/// missing), by app index.
async fn greetings(clusters: &[KubeCluster]) -> Vec<Option<String>> {
    let mut found = Vec::new();
    for index in 0..APPS {
        let settings = ObjectRef {
            gvk: Gvk::new("", "v1", "ConfigMap"),
            namespace: format!("team-{index:02}"),
            name: "settings".to_owned(),
        };
        let live = clusters[index % clusters.len()]
            .get(&settings)
            .await
            .ok()
            .flatten();
        found.push(live.and_then(|cm| cm["data"]["greeting"].as_str().map(str::to_owned)));
    }
    found
}

/// Waits until every app's ConfigMap in its cluster says `greeting`.
async fn wait_for_greeting(clusters: &[KubeCluster], greeting: &str) {
    eventually(
        &format!("every app deployed '{greeting}' to its cluster"),
        async || {
            let found = greetings(clusters).await;
            let behind = found
                .iter()
                .filter(|g| g.as_deref() != Some(greeting))
                .count();
            if behind == 0 {
                Ok(())
            } else {
                Err(format!("{behind} apps behind"))
            }
        },
    )
    .await;
}

/// The shard table as stored.
async fn shard_table(cluster: &KubeCluster) -> ShardMapping {
    let configmap = cluster
        .get(&ObjectRef {
            gvk: Gvk::new("", "v1", "ConfigMap"),
            namespace: ARGOCD.to_owned(),
            name: SHARD_MAPPING_CONFIGMAP.to_owned(),
        })
        .await
        .expect("read the shard ConfigMap")
        .expect("the shard ConfigMap exists");
    ShardMapping::parse(
        configmap["data"][SHARD_MAPPING_KEY]
            .as_str()
            .unwrap_or("[]"),
    )
    .expect("a readable shard table")
}

/// Polls `check` until it returns `Some`, at most `PATIENCE`.
async fn eventually<T>(what: &str, mut check: impl AsyncFnMut() -> Result<T, String>) -> T {
    let deadline = Instant::now() + PATIENCE;
    loop {
        match check().await {
            Ok(value) => return value,
            Err(state) if Instant::now() > deadline => panic!("{what}: still {state}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(250)).await,
        }
    }
}

/// The apps per replica once every app is in some replica's metrics; else
/// how many are missing. Fails at once when an app is in two replicas'.
fn partition(
    replicas: &[&Replica],
    apps: &BTreeSet<String>,
) -> Result<Vec<BTreeSet<String>>, String> {
    let per_replica: Vec<BTreeSet<String>> = replicas.iter().map(|r| r.apps()).collect();
    let mut seen = BTreeSet::new();
    for (replica, names) in replicas.iter().zip(&per_replica) {
        for name in names {
            assert!(
                seen.insert(name.clone()),
                "{name} is reconciled by more than one replica (also {})",
                replica.name
            );
        }
    }
    if seen != *apps {
        let missing: Vec<_> = apps.difference(&seen).collect();
        return Err(format!(
            "{} apps not reconciled yet: {missing:?}",
            missing.len()
        ));
    }
    Ok(per_replica)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_app_has_one_replica_and_a_dead_replicas_apps_move_to_the_others() {
    let emulator = Emulator::start().await.expect("emulator");
    // Two more API servers stand for the remote clusters.
    let remotes: Vec<EmulatorHandle> = vec![
        Emulator::start().await.expect("emulator"),
        Emulator::start().await.expect("emulator"),
    ];
    let client = kube::Client::try_from(kube::Config::new(emulator.url().parse().expect("url")))
        .expect("client");
    let cluster = KubeCluster::new(client.clone());
    cluster
        .create(
            &json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ARGOCD}}),
            WriteOptions::default(),
        )
        .await
        .expect("namespace");
    let servers: Vec<String> = std::iter::once(IN_CLUSTER.to_owned())
        .chain(remotes.iter().map(|r| r.url()))
        .collect();
    for (i, server) in servers.iter().enumerate().skip(1) {
        cluster
            .create(
                &cluster_secret(&format!("remote-{i}"), server),
                WriteOptions::default(),
            )
            .await
            .expect("cluster secret");
    }
    let up = Upstream::new();
    up.write("settings/settings.yaml", &settings_yaml("hello"));
    up.commit("settings");
    let clusters: Vec<KubeCluster> = std::iter::once(emulator.url())
        .chain(remotes.iter().map(|r| r.url()))
        .map(|url| {
            let client = kube::Client::try_from(kube::Config::new(url.parse().expect("url")))
                .expect("client");
            KubeCluster::new(client)
        })
        .collect();

    let replicas: Vec<Replica> = start_replicas(&client, &up).await;
    let mut apps = BTreeSet::new();
    for index in 0..APPS {
        let app = application(&up, index, &servers[index % servers.len()]);
        apps.insert(app["metadata"]["name"].as_str().unwrap().to_owned());
        cluster
            .create(&app, WriteOptions::default())
            .await
            .expect("create app");
    }

    // Every app is reconciled, each by one replica, and each replica works
    // on whole clusters: no two replicas ever passed over apps of one cluster.
    let all: Vec<&Replica> = replicas.iter().collect();
    let before = eventually("each app reconciled by exactly one replica", async || {
        partition(&all, &apps)
    })
    .await;
    wait_for_greeting(&clusters, "hello").await;
    let table = shard_table(&cluster).await;
    let holders: BTreeSet<&str> = table
        .slots
        .iter()
        .map(|s| s.controller_name.as_str())
        .collect();
    assert_eq!(holders.len(), REPLICAS, "one shard per replica: {table:?}");
    let passes: Vec<_> = replicas.iter().map(Replica::passes_by_server).collect();
    for server in &servers {
        let by: Vec<&str> = replicas
            .iter()
            .zip(&passes)
            .filter(|(_, p)| p.contains_key(server))
            .map(|(r, _)| r.name.as_str())
            .collect();
        assert_eq!(by.len(), 1, "apps of {server} reconciled by {by:?}");
    }
    // Still the same partition a few resyncs later.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        partition(&all, &apps).expect("every app still reconciled"),
        before
    );

    // One replica dies. Its shard goes stale, a survivor adopts it, and
    // every app of the dead replica is reconciled again by a survivor.
    let dead = replicas
        .iter()
        .position(|r| !r.apps().is_empty())
        .expect("a replica with apps");
    replicas[dead].kill();
    let orphans = &before[dead];
    let dead_servers: BTreeSet<String> = passes[dead].keys().cloned().collect();
    let survivors: Vec<&Replica> = replicas
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != dead)
        .map(|(_, r)| r)
        .collect();
    eventually(
        "the dead replica's apps reconciled by the others",
        async || {
            let now = partition(&survivors, &apps)?;
            let adopted: usize = now
                .iter()
                .map(|names| names.intersection(orphans).count())
                .sum();
            let passes_on_dead_servers = survivors
                .iter()
                .flat_map(|r| r.passes_by_server())
                .filter(|(server, _)| dead_servers.contains(server))
                .count();
            if adopted == orphans.len() && passes_on_dead_servers > 0 {
                Ok(())
            } else {
                Err(format!(
                    "{adopted} of {} orphaned apps adopted",
                    orphans.len()
                ))
            }
        },
    )
    .await;
    // A new commit reaches every app's cluster, the dead replica's included.
    up.write("settings/settings.yaml", &settings_yaml("bye"));
    up.commit("bye");
    wait_for_greeting(&clusters, "bye").await;
    let table = shard_table(&cluster).await;
    assert!(
        table
            .slots
            .iter()
            .all(|s| s.controller_name != replicas[dead].name && !s.controller_name.is_empty()),
        "the dead replica's slot is adopted: {table:?}"
    );
}

/// Starts the replicas, one after the other.
async fn start_replicas(client: &kube::Client, up: &Upstream) -> Vec<Replica> {
    let mut replicas = Vec::new();
    for i in 0..REPLICAS {
        replicas.push(Replica::start(client, up, &format!("replica-{i}")).await);
    }
    replicas
}
