//! `--leader-elect`: run the controller only while this replica holds the
//! Lease; stop when the lease is lost (another replica takes over).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use gitops_engine::cluster::{LeaderElector, Leadership, LeaseConfig};
use gitops_engine::controller::Metrics;
use tracing::{info, warn};

/// How long a lease is valid without renewal (client-go's default).
const LEASE_DURATION: Duration = Duration::from_secs(15);
/// How often the leader renews and followers retry (client-go's default).
const RETRY_PERIOD: Duration = Duration::from_secs(2);

/// The default identity: host name and process id.
pub fn default_identity() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "gitops-controller".to_owned());
    format!("{host}_{}", std::process::id())
}

/// A future that completes when the work should stop.
pub type Stop = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Waits for leadership, then runs `work` until `shutdown` completes or the
/// lease is lost; releases the lease on the way out.
pub async fn run_while_leading<W, F>(
    client: kube::Client,
    namespace: &str,
    lease_name: &str,
    identity: &str,
    metrics: &Metrics,
    work: W,
    mut shutdown: Stop,
) -> Result<(), String>
where
    W: FnOnce(Stop) -> F,
    F: Future<Output = Result<(), String>>,
{
    let elector = Arc::new(LeaderElector::new(
        client,
        LeaseConfig {
            namespace: namespace.to_owned(),
            name: lease_name.to_owned(),
            identity: identity.to_owned(),
            lease_duration: LEASE_DURATION,
            renew_period: RETRY_PERIOD,
        },
    ));
    loop {
        match elector.try_acquire_or_renew().await {
            Ok(Leadership::Leader) => break,
            Ok(Leadership::Follower { holder }) => {
                info!(%holder, "waiting for the lease {namespace}/{lease_name}");
            }
            Err(e) => warn!("leader election: {e}"),
        }
        tokio::select! {
            () = &mut shutdown => return Ok(()),
            () = tokio::time::sleep(RETRY_PERIOD) => {}
        }
    }
    info!(%identity, "became leader");
    metrics.set_leader(true);
    let (lost_tx, lost_rx) = tokio::sync::oneshot::channel::<()>();
    let renewer = {
        let elector = Arc::clone(&elector);
        tokio::spawn(async move {
            let mut last_renewed = tokio::time::Instant::now();
            loop {
                tokio::time::sleep(RETRY_PERIOD).await;
                match elector.try_acquire_or_renew().await {
                    Ok(Leadership::Leader) => last_renewed = tokio::time::Instant::now(),
                    Ok(Leadership::Follower { holder }) => {
                        warn!(%holder, "lost the lease");
                        break;
                    }
                    Err(e) if last_renewed.elapsed() < LEASE_DURATION => {
                        warn!("renewing the lease failed, retrying: {e}");
                    }
                    Err(e) => {
                        warn!("could not renew the lease in time: {e}");
                        break;
                    }
                }
            }
            let _ = lost_tx.send(());
        })
    };
    let lost = Arc::new(AtomicBool::new(false));
    let stop: Stop = {
        let lost = Arc::clone(&lost);
        Box::pin(async move {
            tokio::select! {
                () = shutdown => {}
                _ = lost_rx => lost.store(true, Ordering::SeqCst),
            }
        })
    };
    let result = work(stop).await;
    renewer.abort();
    metrics.set_leader(false);
    if let Err(e) = elector.release().await {
        warn!("releasing the lease: {e}");
    }
    if lost.load(Ordering::SeqCst) {
        // Exit so the process restarts as a candidate, as client-go's
        // controllers do.
        return Err("lost the leader lease".to_owned());
    }
    result
}
