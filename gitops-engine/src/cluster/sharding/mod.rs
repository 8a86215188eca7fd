//! Controller sharding as Argo CD does it: the clusters are distributed over
//! `replicas` shards by one of three algorithms ([`ShardingAlgorithm`]), a
//! cluster Secret's `shard` key pins its cluster, and every app follows its
//! destination cluster's shard ([`ShardDistribution`]). Which replica holds
//! which shard is recorded in the `argocd-app-controller-shard-cm`
//! ConfigMap ([`ShardMapping`], kept by [`ShardMembership`]).

mod mapping;
#[cfg(feature = "cluster")]
mod membership;
mod ring;

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use tracing::warn;

pub use mapping::{SHARD_MAPPING_CONFIGMAP, SHARD_MAPPING_KEY, ShardMapping, ShardSlot};
#[cfg(feature = "cluster")]
pub use membership::{MembershipConfig, ShardMembership, Shards};

use ring::BoundedRing;

use super::secrets::{ClusterSecret, fnv32a};

/// How clusters are distributed over shards (Argo CD's
/// `--sharding-method` / `controller.sharding.algorithm`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ShardingAlgorithm {
    /// `legacy`: FNV-32a of the cluster id, modulo the shard count; the
    /// in-cluster cluster without a Secret (empty id) is on shard 0.
    #[default]
    Legacy,
    /// `round-robin`: the clusters sorted by id, the i-th on shard
    /// `i mod shards`.
    RoundRobin,
    /// `consistent-hashing`: consistent hashing with bounded loads, the
    /// load of a cluster being the number of apps whose
    /// `destination.server` is its server.
    ConsistentHashing,
}

impl ShardingAlgorithm {
    /// The name Argo CD gives the algorithm.
    pub fn name(self) -> &'static str {
        match self {
            ShardingAlgorithm::Legacy => "legacy",
            ShardingAlgorithm::RoundRobin => "round-robin",
            ShardingAlgorithm::ConsistentHashing => "consistent-hashing",
        }
    }
}

impl fmt::Display for ShardingAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A sharding algorithm name that is none of Argo CD's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown sharding algorithm '{0}' (use legacy, round-robin or consistent-hashing)")]
pub struct UnknownShardingAlgorithm(pub String);

impl FromStr for ShardingAlgorithm {
    type Err = UnknownShardingAlgorithm;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "legacy" => Ok(ShardingAlgorithm::Legacy),
            "round-robin" => Ok(ShardingAlgorithm::RoundRobin),
            "consistent-hashing" => Ok(ShardingAlgorithm::ConsistentHashing),
            other => Err(UnknownShardingAlgorithm(other.to_owned())),
        }
    }
}

/// What sharding needs to know of a cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardedCluster {
    /// The cluster's id: its Secret's UID; empty for the in-cluster
    /// cluster when no Secret declares it.
    pub id: String,
    /// Its API server URL (the key apps name it by).
    pub server: String,
    /// The Secret's `shard`: pins the cluster to that shard when it is
    /// below the shard count.
    pub shard: Option<i64>,
}

impl From<&ClusterSecret> for ShardedCluster {
    fn from(cluster: &ClusterSecret) -> Self {
        ShardedCluster {
            id: cluster.id().to_owned(),
            server: cluster.server.clone(),
            shard: cluster.shard,
        }
    }
}

/// Which shard manages each cluster, by server URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShardDistribution {
    shards: usize,
    /// Server → shard; `None`: no shard manages the cluster (a negative
    /// pinned shard).
    by_server: HashMap<String, Option<usize>>,
}

impl ShardDistribution {
    /// Distributes `clusters` over `shards` shards with `algorithm`.
    /// `app_servers` are the `spec.destination.server` values of all apps,
    /// one per app (the loads of `consistent-hashing`).
    ///
    /// One shard or none: every cluster on shard 0. A pinned shard below
    /// `shards` wins; a pinned shard at or above it puts the cluster on
    /// shard 0 (with a warning), as Argo CD's controller does.
    pub fn compute<'a>(
        clusters: &[ShardedCluster],
        shards: usize,
        algorithm: ShardingAlgorithm,
        app_servers: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let computed = if shards <= 1 {
            HashMap::new()
        } else {
            match algorithm {
                ShardingAlgorithm::Legacy => clusters
                    .iter()
                    .map(|c| (c.id.as_str(), legacy_shard(&c.id, shards)))
                    .collect(),
                ShardingAlgorithm::RoundRobin => sorted_by_id(clusters)
                    .into_iter()
                    .enumerate()
                    .map(|(index, c)| (c.id.as_str(), index % shards))
                    .collect(),
                ShardingAlgorithm::ConsistentHashing => {
                    bounded_loads(clusters, shards, app_servers)
                }
            }
        };
        let by_server = clusters
            .iter()
            .map(|c| {
                let shard = match c.shard {
                    None => Some(computed.get(c.id.as_str()).copied().unwrap_or(0)),
                    Some(pinned) if pinned < 0 => None,
                    Some(pinned) => match usize::try_from(pinned) {
                        Ok(shard) if shard < shards.max(1) => Some(shard),
                        _ => {
                            warn!(
                                server = %c.server,
                                shard = pinned,
                                shards,
                                "the cluster's shard is not below the number of shards; using shard 0"
                            );
                            Some(0)
                        }
                    },
                };
                (c.server.trim_end_matches('/').to_owned(), shard)
            })
            .collect();
        ShardDistribution { shards, by_server }
    }

    /// The number of shards.
    pub fn shards(&self) -> usize {
        self.shards
    }

    /// The shard of the cluster `server`: `Some(0)` for a cluster it does
    /// not know (as Argo CD), `None` when no shard manages it.
    pub fn shard_of(&self, server: &str) -> Option<usize> {
        self.by_server
            .get(server.trim_end_matches('/'))
            .copied()
            .unwrap_or(Some(0))
    }

    /// Whether a replica holding `held` manages apps whose destination is
    /// the cluster `server`; `None` (a destination that names no known
    /// cluster) is managed by every shard, which reports the error.
    pub fn manages(&self, server: Option<&str>, held: &[usize]) -> bool {
        match server {
            None => !held.is_empty(),
            Some(server) => self.shard_of(server).is_some_and(|s| held.contains(&s)),
        }
    }
}

/// FNV-32a of `id` modulo `shards`; the empty id is on shard 0.
fn legacy_shard(id: &str, shards: usize) -> usize {
    if id.is_empty() {
        return 0;
    }
    (fnv32a(id.as_bytes()) as usize) % shards
}

fn sorted_by_id(clusters: &[ShardedCluster]) -> Vec<&ShardedCluster> {
    let mut sorted: Vec<_> = clusters.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    sorted
}

/// Consistent hashing with bounded loads over the clusters in id order.
fn bounded_loads<'c, 'a>(
    clusters: &'c [ShardedCluster],
    shards: usize,
    app_servers: impl IntoIterator<Item = &'a str>,
) -> HashMap<&'c str, usize> {
    let mut apps_per_server: HashMap<&str, u64> = HashMap::new();
    for server in app_servers {
        *apps_per_server.entry(server).or_default() += 1;
    }
    let mut ring = BoundedRing::new(shards);
    let mut assigned = HashMap::new();
    for cluster in sorted_by_id(clusters) {
        let Some(shard) = ring.least_loaded(&cluster.id) else {
            continue;
        };
        assigned.insert(cluster.id.as_str(), shard);
        let load = apps_per_server
            .get(cluster.server.as_str())
            .copied()
            .unwrap_or(0);
        ring.add_load(shard, load);
    }
    assigned
}

#[cfg(test)]
mod tests;
