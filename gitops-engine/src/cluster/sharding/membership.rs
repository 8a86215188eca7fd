//! Which shards this replica holds: fixed (`--shard N`), or claimed in the
//! `argocd-app-controller-shard-cm` ConfigMap with heartbeats
//! ([`ShardMembership`]), the Kubernetes API arbitrating concurrent writers
//! through the ConfigMap's `resourceVersion`.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, ObjectMeta, PostParams};
use tokio::sync::watch;
use tokio::time::Instant;
use tracing::{info, warn};

use super::mapping::{Claim, SHARD_MAPPING_CONFIGMAP, SHARD_MAPPING_KEY, ShardMapping};
use crate::cluster::client::object_error;
use crate::cluster::{ClusterError, Gvk, ObjectRef};

/// Attempts of one heartbeat when other replicas write the ConfigMap at
/// the same time (Argo CD: 3).
const CONFLICT_ATTEMPTS: usize = 3;
/// The precision of the stored heartbeat times (whole seconds).
const TIME_PRECISION: Duration = Duration::from_secs(1);

/// The shards this replica holds, as they change. Clones share them.
#[derive(Debug, Clone)]
pub struct Shards {
    held: watch::Receiver<Vec<usize>>,
    total: usize,
}

impl Shards {
    /// A fixed shard `shard` of `total` (`--shard`, or a single replica).
    pub fn fixed(shard: usize, total: usize) -> Self {
        let (sender, held) = watch::channel(vec![shard]);
        // A receiver whose sender is gone keeps the last value.
        drop(sender);
        Shards { held, total }
    }

    /// The number of shards.
    pub fn total(&self) -> usize {
        self.total
    }

    /// The shards held now, ascending (empty: none, the replica manages
    /// nothing).
    pub fn held(&self) -> Vec<usize> {
        self.held.borrow().clone()
    }

    /// Completes when the held shards change; never for fixed shards.
    pub async fn changed(&mut self) {
        if self.held.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Completes at `at`; never for `None`.
async fn deadline(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// How a replica takes part in the dynamic shard table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipConfig {
    /// Namespace of the ConfigMap (the controller's).
    pub namespace: String,
    /// This replica's name in the table (the pod's host name); unique.
    pub identity: String,
    /// The number of shards (Argo CD's `ARGOCD_CONTROLLER_REPLICAS`).
    pub shards: usize,
    /// A shard this replica always takes (`ARGOCD_CONTROLLER_SHARD`).
    pub pinned: Option<usize>,
    /// Time between two heartbeats (`ARGOCD_CONTROLLER_HEARTBEAT_TIME`,
    /// 10 s in Argo CD).
    pub heartbeat: Duration,
}

impl MembershipConfig {
    /// How old a heartbeat gets before its slot counts as free: three
    /// heartbeats, as Argo CD. A replica that could not renew for this
    /// long drops its shards.
    pub fn stale_after(&self) -> Duration {
        self.heartbeat * 3
    }
}

/// A replica's membership in the shard table.
pub struct ShardMembership {
    api: Api<ConfigMap>,
    config: MembershipConfig,
    sender: watch::Sender<Vec<usize>>,
}

impl std::fmt::Debug for ShardMembership {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShardMembership")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl ShardMembership {
    /// A member holding no shard yet.
    pub fn new(client: kube::Client, config: MembershipConfig) -> Self {
        ShardMembership {
            api: Api::namespaced(client, &config.namespace),
            config,
            sender: watch::channel(Vec::new()).0,
        }
    }

    /// The shards this member holds, updated by [`run`](Self::run).
    pub fn shards(&self) -> Shards {
        Shards {
            held: self.sender.subscribe(),
            total: self.config.shards,
        }
    }

    /// One heartbeat: reads the table (creating the ConfigMap when it is
    /// missing), applies [`ShardMapping::heartbeat`] and writes it back
    /// under the `resourceVersion` read, retrying on conflicts.
    pub async fn heartbeat(&self) -> Result<Claim, ClusterError> {
        let mut attempt = 1;
        loop {
            match self.heartbeat_once().await {
                Err(ClusterError::Conflict { .. } | ClusterError::AlreadyExists(_))
                    if attempt < CONFLICT_ATTEMPTS =>
                {
                    attempt += 1;
                }
                result => return result,
            }
        }
    }

    /// Beats every heartbeat period until `shutdown`, publishing the held
    /// shards; then frees them so others adopt them at once. A shard taken
    /// from a live replica counts only one stale period later (that replica
    /// lets go within one heartbeat). All shards are dropped as soon as
    /// other replicas may judge this one's heartbeat stale (a stale period
    /// after the last successful one, less the second the stored time may
    /// have lost), even while a heartbeat is still under way.
    pub async fn run(&self, shutdown: impl Future<Output = ()>) {
        let stale_after = self.config.stale_after();
        let mut ticks = tokio::time::interval(self.config.heartbeat);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // When others may judge this replica stale; `None`: nothing to drop.
        let mut valid_until: Option<Instant> = None;
        let mut waiting: HashMap<usize, Instant> = HashMap::new();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                () = deadline(valid_until) => {
                    self.publish(Vec::new());
                    valid_until = None;
                    continue;
                }
                _ = ticks.tick() => {}
            }
            let started = Instant::now();
            let beat = self.heartbeat();
            tokio::pin!(beat);
            let result = loop {
                tokio::select! {
                    result = &mut beat => break result,
                    () = deadline(valid_until) => {
                        self.publish(Vec::new());
                        valid_until = None;
                    }
                }
            };
            match result {
                Ok(claim) => {
                    valid_until = Some(started + stale_after.saturating_sub(TIME_PRECISION));
                    if let Some(shard) = claim.taken_from_live {
                        waiting.insert(shard, Instant::now() + stale_after);
                    }
                    waiting.retain(|shard, until| {
                        claim.held.contains(shard) && *until > Instant::now()
                    });
                    self.publish(
                        claim
                            .held
                            .into_iter()
                            .filter(|shard| !waiting.contains_key(shard))
                            .collect(),
                    );
                }
                Err(e) => warn!(error = %e, "shard heartbeat failed"),
            }
        }
        self.publish(Vec::new());
        if let Err(e) = self.release().await {
            warn!(error = %e, "freeing the shards on shutdown failed");
        }
    }

    fn publish(&self, held: Vec<usize>) {
        self.sender.send_if_modified(|current| {
            if *current == held {
                return false;
            }
            info!(identity = %self.config.identity, shards = ?held, of = self.config.shards, "holding shards");
            *current = held;
            true
        });
    }

    async fn heartbeat_once(&self) -> Result<Claim, ClusterError> {
        let now = Timestamp::now();
        let stale_after = self.config.stale_after();
        let (me, shards, pinned) = (
            self.config.identity.as_str(),
            self.config.shards,
            self.config.pinned,
        );
        let Some(mut configmap) = self
            .api
            .get_opt(SHARD_MAPPING_CONFIGMAP)
            .await
            .map_err(|e| self.error(e))?
        else {
            let mut mapping = ShardMapping::default();
            let claim = mapping.heartbeat(me, shards, pinned, now, stale_after);
            let configmap = ConfigMap {
                metadata: ObjectMeta {
                    name: Some(SHARD_MAPPING_CONFIGMAP.to_owned()),
                    namespace: Some(self.config.namespace.clone()),
                    ..ObjectMeta::default()
                },
                data: Some(BTreeMap::from([(
                    SHARD_MAPPING_KEY.to_owned(),
                    mapping.to_json(),
                )])),
                ..ConfigMap::default()
            };
            self.api
                .create(&PostParams::default(), &configmap)
                .await
                .map_err(|e| self.error(e))?;
            return Ok(claim);
        };
        let mut mapping = self.read_mapping(&configmap);
        let claim = mapping.heartbeat(me, shards, pinned, now, stale_after);
        self.write_mapping(&mut configmap, &mapping).await?;
        Ok(claim)
    }

    /// Frees the slots this replica holds (no heartbeat time: adoptable at once).
    async fn release(&self) -> Result<(), ClusterError> {
        let Some(mut configmap) = self
            .api
            .get_opt(SHARD_MAPPING_CONFIGMAP)
            .await
            .map_err(|e| self.error(e))?
        else {
            return Ok(());
        };
        let mut mapping = self.read_mapping(&configmap);
        let mut changed = false;
        for slot in &mut mapping.slots {
            if slot.controller_name == self.config.identity {
                slot.controller_name.clear();
                slot.heartbeat_time = None;
                changed = true;
            }
        }
        if changed {
            self.write_mapping(&mut configmap, &mapping).await?;
        }
        Ok(())
    }

    /// The table in the ConfigMap; an unreadable one counts as empty (and is
    /// rewritten), with a warning.
    fn read_mapping(&self, configmap: &ConfigMap) -> ShardMapping {
        let text = configmap
            .data
            .as_ref()
            .and_then(|d| d.get(SHARD_MAPPING_KEY))
            .map_or("[]", String::as_str);
        ShardMapping::parse(text).unwrap_or_else(|e| {
            warn!(
                configmap = SHARD_MAPPING_CONFIGMAP,
                key = SHARD_MAPPING_KEY,
                error = %e,
                "unreadable shard table; starting a new one"
            );
            ShardMapping::default()
        })
    }

    async fn write_mapping(
        &self,
        configmap: &mut ConfigMap,
        mapping: &ShardMapping,
    ) -> Result<(), ClusterError> {
        configmap
            .data
            .get_or_insert_with(BTreeMap::new)
            .insert(SHARD_MAPPING_KEY.to_owned(), mapping.to_json());
        self.api
            .replace(SHARD_MAPPING_CONFIGMAP, &PostParams::default(), configmap)
            .await
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    fn error(&self, e: kube::Error) -> ClusterError {
        let configmap = ObjectRef {
            gvk: Gvk::new("", "v1", "ConfigMap"),
            namespace: self.config.namespace.clone(),
            name: SHARD_MAPPING_CONFIGMAP.to_owned(),
        };
        object_error(&configmap, e)
    }
}
