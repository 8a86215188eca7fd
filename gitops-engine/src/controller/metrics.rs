//! Prometheus metrics of the reconcile loop, named as Argo CD's application
//! controller names them so existing dashboards and alerts keep working.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Labels of `argocd_app_info`: one series per app with its current state.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct AppInfoLabels {
    /// Application name.
    pub name: String,
    /// Application namespace.
    pub namespace: String,
    /// `spec.project`.
    pub project: String,
    /// `spec.source.repoURL`.
    pub repo: String,
    /// `spec.destination.server` (or `name`).
    pub dest_server: String,
    /// `spec.destination.namespace`.
    pub dest_namespace: String,
    /// `status.sync.status`.
    pub sync_status: String,
    /// `status.health.status`.
    pub health_status: String,
    /// Whether automated sync is on (`true`/`false`).
    pub autosync_enabled: String,
}

/// Labels of `argocd_app_sync_total`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct SyncLabels {
    name: String,
    namespace: String,
    project: String,
    phase: String,
}

/// Labels of `argocd_app_reconcile`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ReconcileLabels {
    namespace: String,
    dest_server: String,
}

/// Labels of `argocd_git_request_total`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct GitLabels {
    repo: String,
    result: String,
}

/// The controller's metrics and the registry that exposes them.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    app_info: Family<AppInfoLabels, Gauge>,
    /// The label set currently exported per app (`namespace/name`).
    app_info_current: Mutex<HashMap<String, AppInfoLabels>>,
    syncs: Family<SyncLabels, Counter>,
    reconcile: Family<ReconcileLabels, Histogram>,
    renders: Family<GitLabels, Counter>,
    leader: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

fn reconcile_histogram() -> Histogram {
    // Argo CD's buckets for argocd_app_reconcile, in seconds.
    Histogram::new([0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0])
}

impl Metrics {
    /// Fresh metrics, registered.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let app_info = Family::<AppInfoLabels, Gauge>::default();
        registry.register(
            "argocd_app_info",
            "Information about application",
            app_info.clone(),
        );
        let syncs = Family::<SyncLabels, Counter>::default();
        registry.register(
            "argocd_app_sync",
            "Number of application syncs",
            syncs.clone(),
        );
        let reconcile = Family::<ReconcileLabels, Histogram>::new_with_constructor(
            reconcile_histogram as fn() -> Histogram,
        );
        registry.register(
            "argocd_app_reconcile",
            "Application reconciliation performance in seconds",
            reconcile.clone(),
        );
        let renders = Family::<GitLabels, Counter>::default();
        registry.register(
            "argocd_git_request",
            "Number of Git fetch-and-render requests",
            renders.clone(),
        );
        let leader = Gauge::default();
        registry.register(
            "gitops_controller_leader",
            "1 while this replica holds the leader lease",
            leader.clone(),
        );
        Self {
            registry,
            app_info,
            app_info_current: Mutex::new(HashMap::new()),
            syncs,
            reconcile,
            renders,
            leader,
        }
    }

    /// The registry, for serving `/metrics`.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The metrics in the Prometheus text exposition format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }

    /// Records an app's current state, replacing its previous series.
    pub fn set_app_info(&self, labels: AppInfoLabels) {
        let key = format!("{}/{}", labels.namespace, labels.name);
        let mut current = self
            .app_info_current
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(old) = current.get(&key)
            && *old != labels
        {
            self.app_info.remove(old);
        }
        self.app_info.get_or_create(&labels).set(1);
        current.insert(key, labels);
    }

    /// Drops the series of an app that no longer exists.
    pub fn forget_app(&self, namespace: &str, name: &str) {
        let key = format!("{namespace}/{name}");
        let mut current = self
            .app_info_current
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(old) = current.remove(&key) {
            self.app_info.remove(&old);
        }
    }

    /// Counts a finished sync operation with its phase.
    pub fn count_sync(&self, namespace: &str, name: &str, project: &str, phase: &str) {
        self.syncs
            .get_or_create(&SyncLabels {
                name: name.to_owned(),
                namespace: namespace.to_owned(),
                project: project.to_owned(),
                phase: phase.to_owned(),
            })
            .inc();
    }

    /// Observes the duration of one reconcile pass of an app whose
    /// `spec.destination.server` is `dest_server`.
    pub fn observe_reconcile(&self, namespace: &str, dest_server: &str, took: Duration) {
        self.reconcile
            .get_or_create(&ReconcileLabels {
                namespace: namespace.to_owned(),
                dest_server: dest_server.to_owned(),
            })
            .observe(took.as_secs_f64());
    }

    /// Counts a fetch-and-render of a repository, successful or not.
    pub fn count_render(&self, repo: &str, ok: bool) {
        self.renders
            .get_or_create(&GitLabels {
                repo: repo.to_owned(),
                result: if ok { "success" } else { "failure" }.to_owned(),
            })
            .inc();
    }

    /// Records whether this replica leads.
    pub fn set_leader(&self, leading: bool) {
        self.leader.set(i64::from(leading));
    }
}
