//! The clusters apps deploy to: a client and a watch cache per destination
//! cluster, made when the first app needs it and dropped when the last app
//! using it leaves (or when its watches fail, so the next pass reconnects
//! and lists afresh). The in-cluster destination is the controller's own
//! client and cache and is never dropped.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::broadcast;
use tracing::{info, warn};

use super::Shared;
use crate::app::Application;
use crate::app::project::resolve_destination;
use crate::cluster::secrets::{self, ClusterSecret};
use crate::cluster::{ClusterError, KubeCluster, LiveCache, ObjectRef, connect};

/// How many changes of remote objects the controller may fall behind.
const CHANGES_CAPACITY: usize = 4096;

/// A change seen in a destination cluster.
#[derive(Debug, Clone)]
pub(crate) enum RemoteChange {
    /// An object of the cluster `server` changed.
    Object(String, ObjectRef),
    /// The watches of the cluster `server` started failing.
    Failing(String),
}

/// One destination cluster in use.
pub(crate) struct Connection {
    /// The cluster as its Secret describes it.
    pub(crate) cluster: ClusterSecret,
    /// Writes go through this client.
    pub(crate) kube: KubeCluster,
    /// Live objects of the kinds its apps deploy.
    pub(crate) cache: LiveCache,
    /// The Secret's settings the client was made with: new settings, new client.
    settings: String,
    /// Forwards the cache's changes; stops with the connection.
    _forwarder: Option<AbortOnDrop>,
}

impl Connection {
    /// Why the remote cluster's watches fail, if they do (its cached objects
    /// may be stale then). The in-cluster connection, the controller's own,
    /// reports nothing: its watches retry in the background.
    pub(crate) fn failure(&self) -> Option<String> {
        if self.cluster.is_in_cluster() {
            return None;
        }
        self.cache.failure()
    }
}

struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The destination clusters in use and the apps using each.
pub(crate) struct Destinations {
    connections: Mutex<HashMap<String, Arc<Connection>>>,
    /// The server each app last deployed to.
    users: Mutex<HashMap<String, String>>,
    changes: broadcast::Sender<RemoteChange>,
}

impl Default for Destinations {
    fn default() -> Self {
        Destinations {
            connections: Mutex::new(HashMap::new()),
            users: Mutex::new(HashMap::new()),
            changes: broadcast::channel(CHANGES_CAPACITY).0,
        }
    }
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The settings a client depends on, to notice when a Secret changes them.
fn settings_of(cluster: &ClusterSecret) -> String {
    serde_json::to_string(&cluster.config).unwrap_or_default()
}

impl Destinations {
    /// Changes of objects in the remote clusters, and their failures.
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<RemoteChange> {
        self.changes.subscribe()
    }

    /// The connection to `cluster` for the app `app`, made if needed; the
    /// app stops using the cluster it used before. Errors (unusable
    /// settings, watches failing) are the ComparisonError message; a failing
    /// connection is dropped so that the next pass starts afresh.
    pub(crate) fn connect(
        &self,
        shared: &Shared,
        app: &str,
        cluster: &ClusterSecret,
    ) -> Result<Arc<Connection>, String> {
        self.use_server(app, &cluster.server);
        let settings = settings_of(cluster);
        let mut connections = locked(&self.connections);
        if let Some(existing) = connections.get(&cluster.server) {
            if let Some(failure) = existing.failure() {
                connections.remove(&cluster.server);
                return Err(sync_failure(&cluster.server, &failure));
            }
            if existing.settings == settings {
                return Ok(existing.clone());
            }
        }
        let connection = Arc::new(self.open(shared, cluster, settings)?);
        connections.insert(cluster.server.clone(), connection.clone());
        Ok(connection)
    }

    fn open(
        &self,
        shared: &Shared,
        cluster: &ClusterSecret,
        settings: String,
    ) -> Result<Connection, String> {
        if cluster.is_in_cluster() {
            return Ok(Connection {
                cluster: cluster.clone(),
                kube: KubeCluster::new(shared.cluster.client().clone()),
                cache: shared.cache.clone(),
                settings,
                _forwarder: None,
            });
        }
        let client = connect::client(cluster).map_err(|e| e.to_string())?;
        info!(server = %cluster.server, "connecting to cluster");
        let cache = LiveCache::with_index(
            client.clone(),
            super::tracking_index(&shared.settings.tracking),
        );
        let forwarder = tokio::spawn(forward(
            cluster.server.clone(),
            cache.clone(),
            self.changes.clone(),
        ));
        Ok(Connection {
            cluster: cluster.clone(),
            kube: KubeCluster::new(client),
            cache,
            settings,
            _forwarder: Some(AbortOnDrop(forwarder.abort_handle())),
        })
    }

    /// Drops the connection to `server` after a failure found by a pass.
    pub(crate) fn disconnect(&self, server: &str) {
        if locked(&self.connections).remove(server).is_some() {
            warn!(%server, "dropped the connection to the cluster");
        }
    }

    /// Records that `app` deploys to `server`, releasing what it used before.
    fn use_server(&self, app: &str, server: &str) {
        let before = locked(&self.users).insert(app.to_owned(), server.to_owned());
        if let Some(before) = before.filter(|b| b != server) {
            self.drop_if_unused(&before);
        }
    }

    /// The app is gone (or deploys nowhere): its cluster's connection goes
    /// when no other app uses it.
    pub(crate) fn release(&self, app: &str) {
        let before = locked(&self.users).remove(app);
        if let Some(server) = before {
            self.drop_if_unused(&server);
        }
    }

    fn drop_if_unused(&self, server: &str) {
        let used = locked(&self.users).values().any(|s| s == server);
        if !used && locked(&self.connections).remove(server).is_some() {
            info!(%server, "no app uses the cluster any more; its watches stop");
        }
    }

    /// The apps that deploy to `server`.
    pub(crate) fn apps_of(&self, server: &str) -> Vec<String> {
        locked(&self.users)
            .iter()
            .filter(|(_, s)| *s == server)
            .map(|(app, _)| app.clone())
            .collect()
    }

    /// The open connection to `server`, if any.
    pub(crate) fn connection(&self, server: &str) -> Option<Arc<Connection>> {
        locked(&self.connections).get(server).cloned()
    }

    /// The servers with an open connection, sorted.
    pub(crate) fn connected(&self) -> Vec<String> {
        let mut servers: Vec<String> = locked(&self.connections).keys().cloned().collect();
        servers.sort();
        servers
    }
}

/// Argo CD's message for a cluster whose state cannot be loaded.
pub(crate) fn sync_failure(server: &str, cause: &str) -> String {
    format!("Failed to load live state: failed to sync cluster {server}: {cause}")
}

/// Resolves the destination cluster of `app` among the cluster Secrets (no
/// project check): the cluster, or Argo CD's resolution error.
pub(crate) async fn resolve(
    shared: &Shared,
    app: &Application,
) -> Result<Result<ClusterSecret, String>, ClusterError> {
    let (clusters, _) = secrets::list(&shared.cluster, &shared.settings.namespace).await?;
    Ok(
        resolve_destination(&app.spec.destination, &clusters.identities()).and_then(|identity| {
            clusters
                .by_server(&identity.server)
                .cloned()
                .ok_or_else(|| format!("cluster {:?} not found", identity.server))
        }),
    )
}

/// Sends a remote cache's changes, and its failures, to the controller.
async fn forward(server: String, cache: LiveCache, changes: broadcast::Sender<RemoteChange>) {
    let mut objects = cache.subscribe();
    let mut failures = cache.subscribe_failures();
    loop {
        tokio::select! {
            object = objects.recv() => match object {
                Ok(object) => {
                    let _ = changes.send(RemoteChange::Object(server.clone(), object));
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    let _ = changes.send(RemoteChange::Failing(server.clone()));
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
            changed = failures.changed() => {
                if changed.is_err() {
                    return;
                }
                let failing = failures.borrow_and_update().is_some();
                if failing {
                    let _ = changes.send(RemoteChange::Failing(server.clone()));
                }
            }
        }
    }
}
