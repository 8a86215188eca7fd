//! The controller's side of sharding: which apps this replica reconciles.
//! An app belongs to the shard of its destination cluster (Argo CD's
//! rule); the clusters come from the cluster Secrets, the shards this
//! replica holds from [`Shards`]. Both are re-read on every cluster poll and
//! on every change of the held shards.

use std::sync::{PoisonError, RwLock};

use base64::Engine;
use serde_json::Value;
use tracing::{info, warn};

use super::Shared;
use crate::app::project::{ClusterIdentity, resolve_destination};
use crate::app::{Destination, application_gvk};
use crate::cluster::sharding::{ShardDistribution, ShardedCluster, ShardingAlgorithm, Shards};
use crate::cluster::{Cluster, ClusterError, Gvk};

/// Label selecting cluster Secrets.
const CLUSTER_SECRET_SELECTOR: &str = "argocd.argoproj.io/secret-type=cluster";
/// The cluster the controller runs in, present without a Secret.
const IN_CLUSTER_SERVER: &str = "https://kubernetes.default.svc";
const IN_CLUSTER_NAME: &str = "in-cluster";

/// How a sharded controller splits the apps (Argo CD's
/// `ARGOCD_CONTROLLER_REPLICAS`, `--sharding-method` and shard).
#[derive(Debug, Clone)]
pub struct AppSharding {
    /// How clusters are distributed over the shards.
    pub algorithm: ShardingAlgorithm,
    /// The shards this replica holds.
    pub shards: Shards,
}

/// A cluster as sharding and destination lookup see it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct KnownCluster {
    name: String,
    sharded: ShardedCluster,
}

#[derive(Debug, Default)]
struct View {
    clusters: Vec<KnownCluster>,
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

    /// Whether this replica reconciles the app `app` (a manifest): its
    /// destination cluster is on a shard it holds, or its destination
    /// names no known cluster (every replica reports that error).
    pub(crate) fn manages(&self, app: &Value) -> bool {
        if self.sharding.is_none() {
            return true;
        }
        let view = self.view.read().unwrap_or_else(PoisonError::into_inner);
        let server = destination_server(app, &view.clusters);
        view.distribution.manages(server.as_deref(), &view.held)
    }

    /// Re-reads the cluster Secrets and the held shards and recomputes the
    /// distribution; `true` when the clusters or the held shards changed
    /// (so the apps this replica manages may have).
    pub(crate) async fn refresh(&self, shared: &Shared) -> Result<bool, ClusterError> {
        let Some(sharding) = &self.sharding else {
            return Ok(false);
        };
        let secrets = shared
            .cluster
            .list(
                &Gvk::new("", "v1", "Secret"),
                Some(&shared.settings.namespace),
                CLUSTER_SECRET_SELECTOR,
            )
            .await?;
        let clusters = known_clusters(&secrets);
        let held = sharding.shards.held();
        {
            let view = self.view.read().unwrap_or_else(PoisonError::into_inner);
            if view.clusters == clusters && view.held == held && !view.clusters.is_empty() {
                return Ok(false);
            }
        }
        let apps = shared
            .cache
            .list(&application_gvk(), Some(&shared.settings.namespace));
        let servers: Vec<&str> = apps
            .iter()
            .map(|a| a["spec"]["destination"]["server"].as_str().unwrap_or(""))
            .collect();
        let sharded: Vec<ShardedCluster> = clusters.iter().map(|c| c.sharded.clone()).collect();
        let distribution = ShardDistribution::compute(
            &sharded,
            sharding.shards.total(),
            sharding.algorithm,
            servers,
        );
        for cluster in &clusters {
            info!(
                server = %cluster.sharded.server,
                shard = ?distribution.shard_of(&cluster.sharded.server),
                held = ?held,
                "cluster shard"
            );
        }
        *self.view.write().unwrap_or_else(PoisonError::into_inner) = View {
            clusters,
            distribution,
            held,
        };
        Ok(true)
    }
}

/// The server of the cluster the app's destination resolves to; `None`
/// when it resolves to none.
fn destination_server(app: &Value, clusters: &[KnownCluster]) -> Option<String> {
    let destination: Destination =
        serde_json::from_value(app["spec"]["destination"].clone()).ok()?;
    let identities: Vec<ClusterIdentity> = clusters
        .iter()
        .map(|c| ClusterIdentity {
            name: c.name.clone(),
            server: c.sharded.server.clone(),
        })
        .collect();
    resolve_destination(&destination, &identities)
        .ok()
        .map(|c| c.server)
}

/// The clusters of the cluster Secrets, plus the in-cluster cluster unless
/// a Secret declares its server. A Secret without a server is skipped.
fn known_clusters(secrets: &[Value]) -> Vec<KnownCluster> {
    let mut clusters: Vec<KnownCluster> = secrets.iter().filter_map(known_cluster).collect();
    if !clusters
        .iter()
        .any(|c| c.sharded.server == IN_CLUSTER_SERVER)
    {
        clusters.push(KnownCluster {
            name: IN_CLUSTER_NAME.to_owned(),
            sharded: ShardedCluster {
                id: String::new(),
                server: IN_CLUSTER_SERVER.to_owned(),
                shard: None,
            },
        });
    }
    clusters.sort_by(|a, b| a.sharded.id.cmp(&b.sharded.id));
    clusters
}

fn known_cluster(secret: &Value) -> Option<KnownCluster> {
    let secret_name = secret["metadata"]["name"].as_str().unwrap_or("");
    let field = |key: &str| -> Option<String> {
        let encoded = secret["data"][key].as_str()?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .ok()?;
        String::from_utf8(bytes).ok()
    };
    let server = field("server")?.trim_end_matches('/').to_owned();
    let shard = match field("shard") {
        None => None,
        Some(text) => match text.trim().parse() {
            Ok(shard) => Some(shard),
            Err(_) => {
                warn!(secret = secret_name, field = "shard", value = %text, "not an integer; ignored");
                None
            }
        },
    };
    Some(KnownCluster {
        name: field("name").unwrap_or_else(|| server.clone()),
        sharded: ShardedCluster {
            id: secret["metadata"]["uid"].as_str().unwrap_or("").to_owned(),
            server,
            shard,
        },
    })
}
