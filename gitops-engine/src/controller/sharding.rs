//! The controller's side of sharding: which apps this replica reconciles.
//! An app belongs to the shard of its destination cluster (Argo CD's
//! rule); the clusters come from the cluster Secrets, the shards this
//! replica holds from [`Shards`]. Both are re-read on every resync and on
//! every change of the held shards.

use std::sync::{PoisonError, RwLock};

use serde_json::Value;
use tracing::info;

use super::Shared;
use crate::app::Destination;
use crate::app::project::{ClusterIdentity, resolve_destination};
use crate::cluster::ClusterError;
use crate::cluster::secrets;
use crate::cluster::sharding::{ShardDistribution, ShardedCluster, ShardingAlgorithm, Shards};

/// How a sharded controller splits the apps (Argo CD's
/// `ARGOCD_CONTROLLER_REPLICAS`, `--sharding-method` and shard).
#[derive(Debug, Clone)]
pub struct AppSharding {
    /// How clusters are distributed over the shards.
    pub algorithm: ShardingAlgorithm,
    /// The shards this replica holds.
    pub shards: Shards,
}

/// What the filter decides by: the clusters (for destination lookup and
/// the distribution), the distribution, and the held shards.
#[derive(Debug, Default)]
struct View {
    identities: Vec<ClusterIdentity>,
    sharded: Vec<ShardedCluster>,
    distribution: ShardDistribution,
    held: Vec<usize>,
}

/// Decides which apps this replica reconciles; without sharding, all.
#[derive(Debug)]
pub(crate) struct ShardFilter {
    sharding: Option<AppSharding>,
    view: RwLock<View>,
}

impl ShardFilter {
    pub(crate) fn new(sharding: Option<AppSharding>) -> Self {
        ShardFilter {
            sharding,
            view: RwLock::new(View::default()),
        }
    }

    /// The shards, to wait for their changes; `None` without sharding.
    pub(crate) fn shards(&self) -> Option<Shards> {
        self.sharding.as_ref().map(|s| s.shards.clone())
    }

    /// Whether sharding is on (otherwise this replica manages every app).
    pub(crate) fn is_sharded(&self) -> bool {
        self.sharding.is_some()
    }

    /// Whether this replica reconciles the app `app` (a manifest): its
    /// destination cluster is on a shard it holds, or its destination
    /// names no known cluster (every replica reports that error).
    pub(crate) fn manages(&self, app: &Value) -> bool {
        if self.sharding.is_none() {
            return true;
        }
        let view = self.view.read().unwrap_or_else(PoisonError::into_inner);
        let server = serde_json::from_value::<Destination>(app["spec"]["destination"].clone())
            .ok()
            .and_then(|d| resolve_destination(&d, &view.identities).ok())
            .map(|c| c.server);
        view.distribution.manages(server.as_deref(), &view.held)
    }

    /// Re-reads the cluster Secrets and the held shards and recomputes the
    /// distribution; `true` when the clusters or the held shards changed
    /// (so the apps this replica manages may have).
    pub(crate) async fn refresh(&self, shared: &Shared) -> Result<bool, ClusterError> {
        let Some(sharding) = &self.sharding else {
            return Ok(false);
        };
        // Unreadable Secrets are reported by the apps that use them.
        let (clusters, _) = secrets::list(&shared.cluster, &shared.settings.namespace).await?;
        let identities = clusters.identities();
        let sharded: Vec<ShardedCluster> = clusters.iter().map(ShardedCluster::from).collect();
        let held = sharding.shards.held();
        {
            let view = self.view.read().unwrap_or_else(PoisonError::into_inner);
            if view.identities == identities && view.sharded == sharded && view.held == held {
                return Ok(false);
            }
        }
        let apps = shared.applications();
        let servers = apps
            .iter()
            .map(|a| a["spec"]["destination"]["server"].as_str().unwrap_or(""));
        let distribution = ShardDistribution::compute(
            &sharded,
            sharding.shards.total(),
            sharding.algorithm,
            servers,
        );
        for cluster in &sharded {
            info!(
                server = %cluster.server,
                shard = ?distribution.shard_of(&cluster.server),
                held = ?held,
                "cluster shard"
            );
        }
        *self.view.write().unwrap_or_else(PoisonError::into_inner) = View {
            identities,
            sharded,
            distribution,
            held,
        };
        Ok(true)
    }
}
