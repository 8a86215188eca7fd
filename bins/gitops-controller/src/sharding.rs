//! `--shards`, `--shard`, `--sharding-method`, `--shard-heartbeat`: which
//! shards this replica holds, fixed or claimed in the shard ConfigMap.

use std::sync::Arc;
use std::time::Duration;

use gitops_engine::cluster::sharding::{
    MembershipConfig, ShardMembership, ShardingAlgorithm, Shards,
};
use gitops_engine::controller::AppSharding;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tracing::info;

/// The sharding flags.
pub struct ShardFlags {
    /// The controller's namespace (where the shard ConfigMap lives).
    pub namespace: String,
    /// This replica's name in the ConfigMap.
    pub identity: String,
    /// `--shards`.
    pub shards: usize,
    /// `--shard`.
    pub shard: Option<usize>,
    /// `--sharding-method`.
    pub algorithm: ShardingAlgorithm,
    /// `--shard-heartbeat`.
    pub heartbeat: Duration,
}

/// This replica's shards while the controller runs.
pub struct Membership {
    sharding: Option<AppSharding>,
    heartbeats: Option<(oneshot::Sender<()>, JoinHandle<()>)>,
}

impl ShardFlags {
    /// Refuses contradictory flags before anything starts.
    pub fn check(&self) -> Result<(), String> {
        match self.shard {
            Some(shard) if self.shards > 1 && shard >= self.shards => Err(format!(
                "--shard {shard} must be below --shards {}",
                self.shards
            )),
            _ if self.shards > 1 && self.heartbeat.is_zero() => {
                Err("--shard-heartbeat must be longer than zero".to_owned())
            }
            _ => Ok(()),
        }
    }
}

impl Membership {
    /// No sharding (`--shards` 0 or 1), a fixed shard (`--shard`), or a
    /// member of the shard ConfigMap beating in the background.
    pub fn start(client: &kube::Client, flags: &ShardFlags) -> Result<Self, String> {
        if flags.shards <= 1 {
            return Ok(Membership {
                sharding: None,
                heartbeats: None,
            });
        }
        flags.check()?;
        if let Some(shard) = flags.shard {
            info!(shard, shards = flags.shards, algorithm = %flags.algorithm, "reconciling one shard");
            return Ok(Membership {
                sharding: Some(AppSharding {
                    algorithm: flags.algorithm,
                    shards: Shards::fixed(shard, flags.shards),
                }),
                heartbeats: None,
            });
        }
        let member = Arc::new(ShardMembership::new(
            client.clone(),
            MembershipConfig {
                namespace: flags.namespace.clone(),
                identity: flags.identity.clone(),
                shards: flags.shards,
                pinned: None,
                heartbeat: flags.heartbeat,
            },
        ));
        info!(shards = flags.shards, algorithm = %flags.algorithm, identity = %flags.identity, "claiming shards in the shard ConfigMap");
        let shards = member.shards();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            member
                .run(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Membership {
            sharding: Some(AppSharding {
                algorithm: flags.algorithm,
                shards,
            }),
            heartbeats: Some((stop, task)),
        })
    }

    /// What the controller's settings take.
    pub fn sharding(&self) -> Option<AppSharding> {
        self.sharding.clone()
    }

    /// Stops the heartbeats and frees the held shards.
    pub async fn stop(self) {
        if let Some((stop, task)) = self.heartbeats {
            let _ = stop.send(());
            let _ = task.await;
        }
    }
}
