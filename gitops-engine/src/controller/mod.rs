//! The Application controller: watches `Application` objects and the objects
//! they manage, and reconciles each app — render its source, compare with
//! the live objects, run the requested or automated sync, write the status.
//!
//! [`Controller::reconcile`] is one pass over one app; [`Controller::run`]
//! drives passes from a work queue fed by watches and a resync timer. Live
//! objects come from a [`LiveCache`] (watches, not a list per pass) per
//! destination cluster (Argo CD's cluster Secrets resolve
//! `spec.destination`; a cluster that cannot be reached marks only its
//! apps, with a `ComparisonError`), Git
//! through [`Sources`] (polled at most once per `repo_poll` unless the app
//! asks for a refresh, fetched only when the remote moved).

mod comparison;
mod deletion;
mod destinations;
mod images;
mod metrics;
mod operation;
mod pass;
mod project;
mod queue;
mod repo_access;
mod sharding;
mod status_write;

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use kube::api::ObjectMeta;
use kustomize_core::BuildLimits;
use serde_json::Value;
use tokio::sync::broadcast::error::RecvError;
use tracing::{debug, warn};

use crate::app::project::{is_namespace_enabled, project_gvk};
use crate::app::{CompareSettings, Comparison, application_gvk};
use crate::cluster::secrets::IN_CLUSTER_SERVER;
use crate::cluster::sharding::Shards;
use crate::cluster::{
    ClusterError, EventRecorder, Gvk, IndexKeyFn, KubeCluster, LiveCache, ObjectRef,
};
use crate::health::HealthRules;
use crate::image::updater::UpdateOptions;
use crate::source::{RepoAccess, RepoTls, Sources};
use crate::sync::tracking::{self, TrackingConfig, tracked_app_instance, tracking_key};

pub use metrics::{AppInfoLabels, Metrics};
pub use pass::PassOutcome;
use queue::WorkQueue;
pub use sharding::AppSharding;
use sharding::ShardFilter;

/// How the controller behaves.
#[derive(Debug, Clone)]
pub struct ControllerSettings {
    /// The control-plane namespace (Argo CD's `argocd`): its Applications
    /// are reconciled, and projects, settings and Secrets are read there.
    pub namespace: String,
    /// Further namespaces whose Applications are reconciled ("apps in any
    /// namespace": Argo CD's `application.namespaces`, the controller's
    /// `--application-namespaces`): globs, or `/regexp/`. Empty (the
    /// default): only `namespace`. Applications elsewhere are ignored; those
    /// reconciled must also be allowed by their project's `sourceNamespaces`.
    pub application_namespaces: Vec<String>,
    /// Where cache clones of repositories live.
    pub repo_cache_dir: PathBuf,
    /// Every app is reconciled at least this often (Argo CD's
    /// `timeout.reconciliation`, 120 s by default). Apps a change already
    /// brought to a pass within the last three quarters of it are left out
    /// of the periodic resync, which looks for due apps four times per
    /// period, so the periodic passes of many apps are spread over it.
    pub resync: Duration,
    /// Each repository's remote is asked for its refs (one ls-remote shared
    /// by all its apps) at most this often, and fetched only when they
    /// moved; a refresh asks at once (Argo CD's repo cache: 120 s).
    pub repo_poll: Duration,
    /// Certificate authorities trusted for `https://` repositories, besides
    /// the system's and those of `argocd-tls-certs-cm` (which, with the
    /// repository Secrets and `argocd-ssh-known-hosts-cm`, is read from
    /// `namespace` on start and then watched).
    pub repo_tls: RepoTls,
    /// Minimum time between two self-heal syncs of one app (Argo CD: 5 s).
    pub self_heal_timeout: Duration,
    /// Pause between sync waves (Argo CD: 2 s).
    pub wave_delay: Duration,
    /// How often a running sync looks at the health of what it applied.
    pub health_poll: Duration,
    /// A sync operation running longer than this fails (`None`: no limit).
    pub operation_timeout: Option<Duration>,
    /// Apps reconciled at the same time.
    pub workers: usize,
    /// On shutdown, how long passes in progress (a sync's current wave) may
    /// go on before they are cut off; their last checkpoint is resumed by
    /// the next start.
    pub shutdown_grace: Duration,
    /// Health rules for live objects.
    pub health_rules: Arc<HealthRules>,
    /// How deployed objects are attributed to apps.
    pub tracking: TrackingConfig,
    /// Reconcile only the apps of the shards this replica holds (`None`:
    /// every app).
    pub sharding: Option<AppSharding>,
    /// Render kustomizations' `helmCharts` (argocd-cm
    /// `kustomize.buildOptions: --enable-helm`; off by default, as in Argo CD).
    pub kustomize_enable_helm: bool,
    /// Bounds on each kustomization build of an app's source (kustomize-core's
    /// defaults unless set): the controller renders repositories it does not
    /// trust.
    pub kustomize_limits: BuildLimits,
}

impl ControllerSettings {
    /// Argo CD's defaults for apps in `namespace`, cloning under `repo_cache_dir`.
    pub fn new(namespace: &str, repo_cache_dir: impl Into<PathBuf>) -> Self {
        Self {
            namespace: namespace.to_owned(),
            application_namespaces: Vec::new(),
            repo_cache_dir: repo_cache_dir.into(),
            resync: Duration::from_secs(120),
            repo_poll: Duration::from_secs(120),
            repo_tls: RepoTls::default(),
            self_heal_timeout: Duration::from_secs(5),
            wave_delay: Duration::from_secs(2),
            health_poll: Duration::from_secs(1),
            operation_timeout: None,
            workers: 4,
            shutdown_grace: Duration::from_secs(20),
            health_rules: Arc::new(HealthRules::default()),
            tracking: TrackingConfig::default(),
            sharding: None,
            kustomize_enable_helm: false,
            kustomize_limits: BuildLimits::default(),
        }
    }
}

/// Why a reconcile pass could not finish. Problems of the app itself
/// (invalid spec, render errors, failed syncs) are not errors: they end up
/// in the app's status and events.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReconcileError {
    /// The API server refused or failed a request.
    #[error("application {app}: {source}")]
    Cluster {
        /// `namespace/name` of the app.
        app: String,
        /// The cluster error.
        #[source]
        source: ClusterError,
    },
}

/// The controller; clones share its caches and queue.
#[derive(Clone)]
pub struct Controller {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Controller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Controller")
            .field("namespace", &self.shared.settings.namespace)
            .finish_non_exhaustive()
    }
}

pub(crate) struct Shared {
    pub(crate) cluster: KubeCluster,
    pub(crate) cache: LiveCache,
    pub(crate) sources: Sources,
    pub(crate) events: EventRecorder,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) settings: ControllerSettings,
    pub(crate) queue: WorkQueue,
    /// The destination clusters in use.
    pub(crate) destinations: destinations::Destinations,
    /// Comparison settings derived from `settings`.
    pub(crate) compare: CompareSettings,
    /// Which apps this replica reconciles.
    pub(crate) shard_filter: ShardFilter,
    /// The app that last claimed each object, by (cluster server, group,
    /// kind, namespace, name): how a change (or deletion) of a managed object
    /// finds its app.
    owners: Mutex<HashMap<ObjectKey, String>>,
    /// When each app's last pass ended, for the periodic resync.
    reconciled: Mutex<HashMap<String, Instant>>,
    /// The delays between waves the apps' operations are waiting out.
    pub(crate) wave_pauses: operation::WavePauses,
}

/// An object's identity in a cluster, independent of its API version.
type ObjectKey = (String, String, String, String, String);

fn object_key(server: &str, group: &str, kind: &str, namespace: &str, name: &str) -> ObjectKey {
    (
        server.to_owned(),
        group.to_owned(),
        kind.to_owned(),
        namespace.to_owned(),
        name.to_owned(),
    )
}

impl Shared {
    /// Records the objects an app manages on the cluster `server`, replacing
    /// what it managed before.
    pub(crate) fn remember_resources(&self, app: &str, server: &str, comparison: &Comparison) {
        let mut owners = self.owners.lock().unwrap_or_else(PoisonError::into_inner);
        owners.retain(|_, owner| owner != app);
        for r in &comparison.resources {
            owners.insert(
                object_key(server, &r.group, &r.kind, &r.namespace, &r.name),
                app.to_owned(),
            );
        }
    }

    /// Whether the Applications in `namespace` are this controller's: those
    /// of its own namespace and of the `application_namespaces`.
    pub(crate) fn manages_namespace(&self, namespace: &str) -> bool {
        is_namespace_enabled(
            namespace,
            &self.settings.namespace,
            &self.settings.application_namespaces,
        )
    }

    /// The namespaces holding cached Applications this controller manages.
    fn application_namespaces(&self) -> Vec<String> {
        if self.settings.application_namespaces.is_empty() {
            return vec![self.settings.namespace.clone()];
        }
        let mut namespaces = self.cache.namespaces(&application_gvk());
        namespaces.retain(|ns| self.manages_namespace(ns));
        namespaces
    }

    /// The cached Applications of the namespaces this controller manages,
    /// sorted by namespace and name.
    pub(crate) fn applications(&self) -> Vec<Value> {
        self.application_namespaces()
            .iter()
            .flat_map(|ns| self.cache.list(&application_gvk(), Some(ns)))
            .collect()
    }

    /// The keys of the cached Applications this controller manages; read
    /// from the cache's namespace index, no manifest is rendered.
    fn application_keys(&self) -> Vec<String> {
        self.application_namespaces()
            .iter()
            .flat_map(|ns| {
                self.cache
                    .names_in(&application_gvk(), ns)
                    .into_iter()
                    .map(|name| self.app_key(ns, &name))
            })
            .collect()
    }

    /// The key of the app `name` in `namespace` in the work queue and the
    /// controller's books: its instance name (the name, or
    /// `<namespace>_<name>` outside the controller's namespace; names cannot
    /// hold `_`, so the key is unambiguous).
    pub(crate) fn app_key(&self, namespace: &str, name: &str) -> String {
        tracking::instance_name(name, namespace, &self.settings.namespace)
    }

    /// The key of the Application object `app`.
    pub(crate) fn key_of(&self, app: &Value) -> Option<String> {
        let name = app["metadata"]["name"].as_str()?;
        let namespace = app["metadata"]["namespace"].as_str().unwrap_or_default();
        Some(self.app_key(namespace, name))
    }

    /// Queues the apps this replica manages (in the controller's namespace
    /// and the `application_namespaces`) whose last pass is older than three
    /// quarters of the resync period, or (`all`) every managed app; drops
    /// the metrics of apps it does not manage.
    fn queue_resync(&self, all: bool) {
        let keys = self.application_keys();
        let due = self.settings.resync.mul_f64(0.75);
        let mut reconciled = self
            .reconciled
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let present: HashSet<&str> = keys.iter().map(String::as_str).collect();
        reconciled.retain(|key, _| present.contains(key.as_str()));
        for key in &keys {
            if !all && reconciled.get(key).is_some_and(|at| at.elapsed() < due) {
                continue;
            }
            let app_ref = self.app_ref(key);
            if self.shard_filter.is_sharded()
                && self
                    .cache
                    .get(&app_ref)
                    .is_some_and(|app| !self.shard_filter.manages(&app))
            {
                self.metrics.forget_app(&app_ref.namespace, &app_ref.name);
            } else {
                self.queue.add(key);
            }
        }
    }

    /// Notes that a pass over the app `key` just ended.
    fn mark_reconciled(&self, key: &str) {
        self.reconciled
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key.to_owned(), Instant::now());
    }

    /// The address of the app whose key is `key`.
    pub(crate) fn app_ref(&self, key: &str) -> ObjectRef {
        let (namespace, name) = key
            .split_once('_')
            .unwrap_or((&self.settings.namespace, key));
        ObjectRef {
            gvk: application_gvk(),
            namespace: namespace.to_owned(),
            name: name.to_owned(),
        }
    }

    fn owner_of(&self, server: &str, object: &ObjectRef) -> Option<String> {
        let key = object_key(
            server,
            &object.gvk.group,
            &object.gvk.kind,
            &object.namespace,
            &object.name,
        );
        self.owners
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
            .cloned()
    }
}

impl Controller {
    /// A controller talking to the cluster of `client`.
    pub fn new(client: kube::Client, settings: ControllerSettings, metrics: Arc<Metrics>) -> Self {
        let access = RepoAccess {
            tls: settings.repo_tls.clone(),
            ..RepoAccess::default()
        };
        let sources =
            Sources::with_access(settings.repo_cache_dir.clone(), settings.repo_poll, access);
        let shard_filter = ShardFilter::new(settings.sharding.clone());
        let compare = CompareSettings {
            tracking: settings.tracking.clone(),
            control_plane_namespace: settings.namespace.clone(),
            ..CompareSettings::default()
        };
        Self {
            shared: Arc::new(Shared {
                cluster: KubeCluster::new(client.clone()),
                cache: LiveCache::with_index(client.clone(), tracking_index(&settings.tracking)),
                sources,
                events: EventRecorder::new(client, "gitops-controller"),
                metrics,
                settings,
                queue: WorkQueue::default(),
                destinations: destinations::Destinations::default(),
                compare,
                shard_filter,
                owners: Mutex::new(HashMap::new()),
                reconciled: Mutex::new(HashMap::new()),
                wave_pauses: operation::WavePauses::default(),
            }),
        }
    }

    /// The repositories this controller reads (shared with the ApplicationSet
    /// reconciler so a repository is fetched once per polling interval).
    pub fn sources(&self) -> &Sources {
        &self.shared.sources
    }

    /// The controller's watch cache of its own cluster (Applications,
    /// AppProjects and the objects of apps deployed there), for readers in
    /// the same process that would otherwise list them from the API server
    /// (the ApplicationSet reconciler's loop).
    pub fn control_plane_cache(&self) -> &LiveCache {
        &self.shared.cache
    }

    /// The metrics this controller records.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.shared.metrics
    }

    /// The destination clusters (server URLs, sorted) the controller holds a
    /// connection and watches for: those some app deploys to.
    pub fn connected_clusters(&self) -> Vec<String> {
        self.shared.destinations.connected()
    }

    /// One reconcile pass over the app `key`: its name, or
    /// `<namespace>_<name>` for an app outside the controller's namespace
    /// (its instance name, as Argo CD writes it in tracking metadata).
    pub async fn reconcile(&self, key: &str) -> Result<PassOutcome, ReconcileError> {
        pass::reconcile(&self.shared, key).await
    }

    /// Runs the image updater over the annotated apps every `interval`
    /// (Argo CD Image Updater's loop, in process), until dropped. Start it
    /// next to [`Controller::run`]; it reads apps from the same cache.
    pub async fn run_image_updates(&self, options: UpdateOptions, interval: Duration) {
        images::run(&self.shared, options, interval).await;
    }

    /// Reconciles apps until `shutdown` completes: on every change of an
    /// Application or of an object an app manages, and every resync period.
    /// Then no new pass starts, and passes in progress get
    /// `shutdown_grace` to finish before they are cut off (a sync cut off
    /// mid-way stays `Running` and is resumed from its checkpoint by the
    /// next start).
    pub async fn run(&self, shutdown: impl Future<Output = ()>) -> Result<(), ReconcileError> {
        let shared = &self.shared;
        let app_gvk = application_gvk();
        let namespace = shared.settings.namespace.clone();
        let mut changes = shared.cache.subscribe();
        let mut remote_changes = shared.destinations.subscribe();
        let startup_error = |source| ReconcileError::Cluster {
            app: format!("{namespace}/*"),
            source,
        };
        shared.cache.watch(&app_gvk).await.map_err(startup_error)?;
        project::ensure_default(shared)
            .await
            .map_err(startup_error)?;
        shared
            .cache
            .watch(&project_gvk())
            .await
            .map_err(startup_error)?;
        repo_access::load(shared).await;
        let access_watch = tokio::spawn({
            let shared = Arc::clone(shared);
            async move { repo_access::watch(&shared).await }
        });
        let (stop_workers, stopping) = tokio::sync::watch::channel(false);
        let mut workers: Vec<_> = (0..shared.settings.workers.max(1))
            .map(|_| tokio::spawn(worker(Arc::clone(shared), stopping.clone())))
            .collect();
        let poller = tokio::spawn(poll_repositories(Arc::clone(shared)));
        // Due apps are looked for four times per resync period; the shard
        // view (a list of the cluster Secrets) is re-read once per period.
        const TICKS_PER_RESYNC: u32 = 4;
        let mut resync = tokio::time::interval(
            (shared.settings.resync / TICKS_PER_RESYNC).max(Duration::from_millis(10)),
        );
        let mut resync_ticks: u32 = 0;
        let mut shards = shared.shard_filter.shards();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                _ = resync.tick() => {
                    let period_starts = resync_ticks.is_multiple_of(TICKS_PER_RESYNC);
                    resync_ticks = resync_ticks.wrapping_add(1);
                    let shards_changed = period_starts && refresh_shards(shared).await;
                    shared.queue_resync(shards_changed);
                }
                () = shards_changed(&mut shards) => {
                    if refresh_shards(shared).await {
                        shared.queue_resync(true);
                    }
                }
                change = changes.recv() => match change {
                    Ok(object) => route_change(shared, &app_gvk, &object),
                    Err(RecvError::Lagged(missed)) => {
                        warn!(missed, "missed object changes; resyncing every app");
                        shared.queue_resync(true);
                    }
                    Err(RecvError::Closed) => break,
                },
                change = remote_changes.recv() => match change {
                    Ok(change) => route_remote_change(shared, &change),
                    Err(RecvError::Lagged(missed)) => {
                        warn!(missed, "missed changes in destination clusters; resyncing every app");
                        shared.queue_resync(true);
                    }
                    Err(RecvError::Closed) => break,
                },
            }
        }
        poller.abort();
        access_watch.abort();
        stop_workers.send_replace(true);
        let grace = shared.settings.shutdown_grace;
        let finished = tokio::time::timeout(grace, async {
            for worker in &mut workers {
                let _ = worker.await;
            }
        })
        .await;
        if finished.is_err() {
            warn!(
                ?grace,
                "passes still running at the end of the shutdown grace period are cut off"
            );
        }
        for worker in workers {
            worker.abort();
        }
        Ok(())
    }
}

/// The cache's index key: the app instance an object's tracking label or
/// annotation names, so that an app's live objects are found without
/// looking at every object of their kinds.
fn tracking_index(config: &TrackingConfig) -> IndexKeyFn {
    let config = config.clone();
    Arc::new(move |meta: &ObjectMeta| {
        tracking_key(meta.labels.as_ref(), meta.annotations.as_ref(), &config).map(str::to_owned)
    })
}

/// Completes when the held shards change; never without sharding.
async fn shards_changed(shards: &mut Option<Shards>) {
    match shards {
        Some(shards) => shards.changed().await,
        None => std::future::pending().await,
    }
}

/// Re-reads the clusters and the shards this replica holds; `true` when
/// the apps it manages may have changed. A failure keeps the previous view.
async fn refresh_shards(shared: &Shared) -> bool {
    match shared.shard_filter.refresh(shared).await {
        Ok(changed) => changed,
        Err(e) => {
            warn!(error = %e, "cannot read the cluster Secrets; keeping the shard view");
            false
        }
    }
}

/// Queues the app an object change concerns: the Application itself, or the
/// app that tracks the changed object.
fn route_change(shared: &Shared, app_gvk: &Gvk, object: &ObjectRef) {
    if object.gvk == *app_gvk {
        if shared.manages_namespace(&object.namespace)
            && shared
                .cache
                .get(object)
                .is_none_or(|app| shared.shard_filter.manages(&app))
        {
            shared
                .queue
                .add(&shared.app_key(&object.namespace, &object.name));
        }
        return;
    }
    if object.gvk == project_gvk() {
        // Re-check every app of a changed project.
        for name in project::apps_using(shared, &object.name) {
            shared.queue.add(&name);
        }
        return;
    }
    route_managed_change(shared, IN_CLUSTER_SERVER, &shared.cache, object);
}

/// Queues the apps a change in a destination cluster concerns: the app
/// managing the object, or every app of a cluster whose watches fail.
fn route_remote_change(shared: &Shared, change: &destinations::RemoteChange) {
    match change {
        destinations::RemoteChange::Object(server, object) => {
            if let Some(connection) = shared.destinations.connection(server) {
                route_managed_change(shared, server, &connection.cache, object);
            }
        }
        destinations::RemoteChange::Failing(server) => {
            for app in shared.destinations.apps_of(server) {
                debug!(%app, %server, "destination cluster failing");
                shared.queue.add(&app);
            }
        }
    }
}

/// Queues the app that manages (or tracks) the changed `object` of the
/// cluster `server`, whose live objects are in `cache`.
fn route_managed_change(shared: &Shared, server: &str, cache: &LiveCache, object: &ObjectRef) {
    if let Some(app) = shared.owner_of(server, object) {
        debug!(%app, %object, "managed object changed");
        shared.queue.add(&app);
        return;
    }
    // A new object: attributed by its tracking label or annotation.
    let Some(live) = cache.get(object) else {
        return;
    };
    if let Some(instance) = tracked_app_instance(&live, &shared.settings.tracking) {
        // Instance names are the apps' keys.
        debug!(app = %instance, %object, "managed object changed");
        shared.queue.add(&instance);
    }
}

/// Every `repo_poll`, asks each repository in use whether its refs moved
/// (fetching those that did) and queues the apps of those that moved or
/// whose remote became unreachable or reachable again: a new commit is
/// deployed within one polling interval and one pass, whatever the resync
/// period.
async fn poll_repositories(shared: Arc<Shared>) {
    let period = shared.settings.repo_poll.max(Duration::from_millis(100));
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let changed = shared.sources.poll_all().await;
        if changed.is_empty() {
            continue;
        }
        for app in shared.applications() {
            let repo = app["spec"]["source"]["repoURL"]
                .as_str()
                .unwrap_or_default();
            if changed.iter().any(|url| url == repo)
                && let Some(key) = shared.key_of(&app)
            {
                debug!(app = %key, repo, "repository changed");
                shared.queue.add(&key);
            }
        }
    }
}

/// Takes apps off the queue and reconciles them, one at a time per worker,
/// until `stopping` turns true.
async fn worker(shared: Arc<Shared>, mut stopping: tokio::sync::watch::Receiver<bool>) {
    loop {
        let name = tokio::select! {
            biased;
            _ = stopping.wait_for(|stop| *stop) => return,
            name = shared.queue.next() => name,
        };
        let passed = pass::reconcile(&shared, &name).await;
        shared.mark_reconciled(&name);
        match passed {
            Ok(outcome) => {
                if let Some(after) = outcome.requeue_after {
                    shared.queue.add_after(&name, after);
                }
            }
            Err(e) => {
                warn!(app = %name, error = %e, "reconcile failed; retrying");
                shared.queue.add_after(&name, Duration::from_secs(5));
            }
        }
        shared.queue.done(&name);
    }
}
