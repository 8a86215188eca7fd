//! [`LeaderElector`]: leader election on a `coordination.k8s.io/v1` Lease,
//! with client-go's rules, so that one controller replica acts at a time.

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, PostParams};
use tokio::time::Instant;

use super::client::object_error;
use super::{ClusterError, Gvk, ObjectRef};

/// Where the lease lives and how it is held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseConfig {
    /// Namespace of the Lease.
    pub namespace: String,
    /// Name of the Lease.
    pub name: String,
    /// This candidate's identity (`spec.holderIdentity` while it leads);
    /// unique among candidates, e.g. the pod name.
    pub identity: String,
    /// How long a holder's claim lasts without renewal
    /// (`spec.leaseDurationSeconds`, rounded up to whole seconds, at least 1).
    pub lease_duration: Duration,
    /// How often the caller should call
    /// [`try_acquire_or_renew`](LeaderElector::try_acquire_or_renew); well
    /// below `lease_duration` (client-go: 2 s against 15 s).
    pub renew_period: Duration,
}

/// The outcome of an election round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Leadership {
    /// This candidate holds the lease.
    Leader,
    /// Another candidate holds it.
    Follower {
        /// Its identity; empty in the rare case where the write that beat
        /// ours was already followed by a release.
        holder: String,
    },
}

/// A candidate for the leadership a Lease records.
///
/// Rules (client-go's `LeaderElector` with a `LeaseLock`): the candidate
/// takes the lease when it does not exist, has no holder, or has expired;
/// it renews it when it holds it; otherwise it follows. Expiry is judged on
/// this candidate's clock: a lease held by another expires
/// `leaseDurationSeconds` after this candidate first saw its current
/// record unchanged (so clocks need not agree, and a fresh candidate waits
/// one full duration before taking over). Writes carry the
/// `resourceVersion` read: a conflict means another candidate wrote first,
/// and this one follows.
pub struct LeaderElector {
    api: Api<Lease>,
    config: LeaseConfig,
    /// The lease record last seen and when it was first seen.
    observed: Mutex<Option<(LeaseSpec, Instant)>>,
}

impl std::fmt::Debug for LeaderElector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeaderElector")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl LeaderElector {
    /// A candidate for the lease `config` names.
    pub fn new(client: kube::Client, config: LeaseConfig) -> Self {
        LeaderElector {
            api: Api::namespaced(client, &config.namespace),
            config,
            observed: Mutex::new(None),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &LeaseConfig {
        &self.config
    }

    /// One election round: reads the lease, then creates, takes over or
    /// renews it when the rules allow.
    ///
    /// Errors: the server's refusal of a read or write other than a
    /// conflict, and transport failures. A leader that cannot renew for
    /// `lease_duration` must assume it lost the lease.
    pub async fn try_acquire_or_renew(&self) -> Result<Leadership, ClusterError> {
        let now = Timestamp::now();
        let Some(lease) = self.read().await? else {
            let lease = Lease {
                metadata: ObjectMeta {
                    name: Some(self.config.name.clone()),
                    namespace: Some(self.config.namespace.clone()),
                    ..ObjectMeta::default()
                },
                spec: Some(self.claim(None, now)),
            };
            return match self.api.create(&PostParams::default(), &lease).await {
                Ok(created) => self.won(&created),
                Err(kube::Error::Api(status)) if status.code == 409 => self.follow().await,
                Err(e) => Err(self.error(e)),
            };
        };
        let spec = lease.spec.clone().unwrap_or_default();
        let first_seen = self.observe(&spec);
        let holder = spec.holder_identity.clone().unwrap_or_default();
        if !holder.is_empty() && holder != self.config.identity {
            let duration = spec
                .lease_duration_seconds
                .map_or(self.config.lease_duration, |s| {
                    Duration::from_secs(u64::try_from(s).unwrap_or(0))
                });
            if first_seen + duration > Instant::now() {
                return Ok(Leadership::Follower { holder });
            }
        }
        let mut claimed = lease;
        claimed.spec = Some(self.claim(Some(&spec), now));
        match self
            .api
            .replace(&self.config.name, &PostParams::default(), &claimed)
            .await
        {
            Ok(written) => self.won(&written),
            Err(kube::Error::Api(status)) if status.code == 409 => self.follow().await,
            Err(e) => Err(self.error(e)),
        }
    }

    /// Gives up the lease if this candidate holds it: clears
    /// `spec.holderIdentity` so another candidate can take it at once.
    /// Nothing happens when another holds it (or wrote it meanwhile).
    pub async fn release(&self) -> Result<(), ClusterError> {
        let Some(mut lease) = self.read().await? else {
            return Ok(());
        };
        let Some(spec) = lease.spec.as_mut() else {
            return Ok(());
        };
        if spec.holder_identity.as_deref() != Some(self.config.identity.as_str()) {
            return Ok(());
        }
        let now = MicroTime(Timestamp::now());
        spec.holder_identity = None;
        spec.lease_duration_seconds = Some(1);
        spec.acquire_time = Some(now.clone());
        spec.renew_time = Some(now);
        match self
            .api
            .replace(&self.config.name, &PostParams::default(), &lease)
            .await
        {
            Ok(_) => {
                *self.observed() = None;
                Ok(())
            }
            Err(kube::Error::Api(status)) if status.code == 409 => Ok(()),
            Err(e) => Err(self.error(e)),
        }
    }

    /// The lease record this candidate writes to hold the lease, given the
    /// current one.
    fn claim(&self, current: Option<&LeaseSpec>, now: Timestamp) -> LeaseSpec {
        let seconds = self.config.lease_duration.as_secs()
            + u64::from(self.config.lease_duration.subsec_nanos() > 0);
        let seconds = i32::try_from(seconds.max(1)).unwrap_or(i32::MAX);
        let renewing = current
            .is_some_and(|c| c.holder_identity.as_deref() == Some(self.config.identity.as_str()));
        // Creating the lease starts the count; taking it from another holder
        // (or after a release) is a transition.
        let transitions = current.map_or(0, |c| {
            let before = c.lease_transitions.unwrap_or(0);
            if renewing {
                before
            } else {
                before.saturating_add(1)
            }
        });
        let current = current.cloned().unwrap_or_default();
        LeaseSpec {
            holder_identity: Some(self.config.identity.clone()),
            lease_duration_seconds: Some(seconds),
            renew_time: Some(MicroTime(now)),
            acquire_time: if renewing {
                current.acquire_time.clone()
            } else {
                Some(MicroTime(now))
            },
            lease_transitions: Some(transitions),
            ..current
        }
    }

    /// The lease, or `None` when it does not exist.
    async fn read(&self) -> Result<Option<Lease>, ClusterError> {
        self.api
            .get_opt(&self.config.name)
            .await
            .map_err(|e| self.error(e))
    }

    /// After a lost race: reads the lease and reports who holds it.
    async fn follow(&self) -> Result<Leadership, ClusterError> {
        let spec = self.read().await?.and_then(|l| l.spec).unwrap_or_default();
        self.observe(&spec);
        Ok(Leadership::Follower {
            holder: spec.holder_identity.unwrap_or_default(),
        })
    }

    fn won(&self, lease: &Lease) -> Result<Leadership, ClusterError> {
        self.observe(&lease.spec.clone().unwrap_or_default());
        Ok(Leadership::Leader)
    }

    /// Notes a lease record; returns when this record was first seen.
    fn observe(&self, spec: &LeaseSpec) -> Instant {
        let mut observed = self.observed();
        match observed.as_ref() {
            Some((seen, at)) if seen == spec => *at,
            _ => {
                let at = Instant::now();
                *observed = Some((spec.clone(), at));
                at
            }
        }
    }

    fn observed(&self) -> MutexGuard<'_, Option<(LeaseSpec, Instant)>> {
        self.observed.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn error(&self, e: kube::Error) -> ClusterError {
        let lease = ObjectRef {
            gvk: Gvk::new("coordination.k8s.io", "v1", "Lease"),
            namespace: self.config.namespace.clone(),
            name: self.config.name.clone(),
        };
        object_error(&lease, e)
    }
}
