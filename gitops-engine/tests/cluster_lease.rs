//! `LeaderElector` against the API server emulator: one leader among two
//! candidates, renewal, takeover after expiry, and release.

use std::future::Future;
use std::time::Duration;

use apiserver_emulator::{Emulator, EmulatorHandle};
use gitops_engine::cluster::{
    Cluster, Gvk, KubeCluster, LeaderElector, Leadership, LeaseConfig, ObjectRef,
};
use serde_json::Value;

async fn within<T>(f: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), f)
        .await
        .expect("timed out")
}

struct Setup {
    emu: EmulatorHandle,
    cluster: KubeCluster,
    a: LeaderElector,
    b: LeaderElector,
    c: LeaderElector,
}

/// Three candidates for one lease lasting `lease_duration`.
async fn setup(lease_duration: Duration) -> Setup {
    let emu = within(Emulator::start()).await.expect("emulator");
    let client =
        kube::Client::try_from(kube::Config::new(emu.url().parse().expect("url"))).expect("client");
    let config = |identity: &str| LeaseConfig {
        namespace: "kube-system".into(),
        name: "gitops-controller".into(),
        identity: identity.into(),
        lease_duration,
        renew_period: lease_duration / 4,
    };
    Setup {
        cluster: KubeCluster::new(client.clone()),
        a: LeaderElector::new(client.clone(), config("a")),
        b: LeaderElector::new(client.clone(), config("b")),
        c: LeaderElector::new(client, config("c")),
        emu,
    }
}

async fn round(e: &LeaderElector) -> Leadership {
    within(e.try_acquire_or_renew()).await.expect("election")
}

fn follower(holder: &str) -> Leadership {
    Leadership::Follower {
        holder: holder.into(),
    }
}

async fn lease(c: &KubeCluster) -> Value {
    let lease = ObjectRef {
        gvk: Gvk::new("coordination.k8s.io", "v1", "Lease"),
        namespace: "kube-system".into(),
        name: "gitops-controller".into(),
    };
    within(c.get(&lease))
        .await
        .expect("get lease")
        .expect("lease exists")
}

#[tokio::test]
async fn one_leader_the_other_follows() {
    let s = setup(Duration::from_secs(15)).await;
    assert_eq!(round(&s.a).await, Leadership::Leader);
    assert_eq!(round(&s.b).await, follower("a"));
    let created = lease(&s.cluster).await;
    assert_eq!(created["spec"]["holderIdentity"], "a");
    assert_eq!(created["spec"]["leaseDurationSeconds"], 15);
    assert_eq!(created["spec"]["leaseTransitions"], 0);
    assert!(created["spec"]["acquireTime"].is_string());

    assert_eq!(round(&s.a).await, Leadership::Leader, "renewal");
    let renewed = lease(&s.cluster).await;
    assert_eq!(
        renewed["spec"]["acquireTime"],
        created["spec"]["acquireTime"]
    );
    assert_ne!(
        renewed["metadata"]["resourceVersion"],
        created["metadata"]["resourceVersion"]
    );
    assert_eq!(renewed["spec"]["leaseTransitions"], 0);
    assert_eq!(round(&s.b).await, follower("a"));
    s.emu.shutdown().await;
}

#[tokio::test]
async fn racing_candidates_elect_exactly_one() {
    let s = setup(Duration::from_secs(15)).await;
    let (a, b) =
        within(async { tokio::join!(s.a.try_acquire_or_renew(), s.b.try_acquire_or_renew()) })
            .await;
    let outcome = (a.expect("a"), b.expect("b"));
    assert!(
        outcome == (Leadership::Leader, follower("a"))
            || outcome == (follower("b"), Leadership::Leader),
        "{outcome:?}"
    );
    s.emu.shutdown().await;
}

#[tokio::test]
async fn an_expired_lease_is_taken_over() {
    let s = setup(Duration::from_secs(1)).await;
    assert_eq!(round(&s.a).await, Leadership::Leader);
    assert_eq!(round(&s.b).await, follower("a"));
    // `a` stops renewing; `b` has seen the record unchanged for a full
    // lease duration after this.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(round(&s.b).await, Leadership::Leader);
    assert_eq!(round(&s.a).await, follower("b"));
    let taken = lease(&s.cluster).await;
    assert_eq!(taken["spec"]["holderIdentity"], "b");
    assert_eq!(taken["spec"]["leaseTransitions"], 1);
    s.emu.shutdown().await;
}

#[tokio::test]
async fn racing_takeovers_elect_exactly_one() {
    let s = setup(Duration::from_secs(1)).await;
    assert_eq!(round(&s.a).await, Leadership::Leader);
    assert_eq!(round(&s.b).await, follower("a"));
    assert_eq!(round(&s.c).await, follower("a"));
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // Both read the expired lease; the second write carries a stale
    // resourceVersion and loses.
    let (b, c) =
        within(async { tokio::join!(s.b.try_acquire_or_renew(), s.c.try_acquire_or_renew()) })
            .await;
    let outcome = (b.expect("b"), c.expect("c"));
    assert!(
        outcome == (Leadership::Leader, follower("b"))
            || outcome == (follower("c"), Leadership::Leader),
        "{outcome:?}"
    );
    assert_eq!(lease(&s.cluster).await["spec"]["leaseTransitions"], 1);
    s.emu.shutdown().await;
}

#[tokio::test]
async fn a_renewed_lease_does_not_expire() {
    let s = setup(Duration::from_secs(1)).await;
    assert_eq!(round(&s.a).await, Leadership::Leader);
    for _ in 0..3 {
        assert_eq!(round(&s.b).await, follower("a"));
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(round(&s.a).await, Leadership::Leader);
    }
    assert_eq!(round(&s.b).await, follower("a"));
    s.emu.shutdown().await;
}

#[tokio::test]
async fn release_lets_the_other_acquire() {
    let s = setup(Duration::from_secs(15)).await;
    assert_eq!(round(&s.a).await, Leadership::Leader);
    assert_eq!(round(&s.b).await, follower("a"));
    within(s.b.release()).await.expect("release by a follower");
    assert_eq!(lease(&s.cluster).await["spec"]["holderIdentity"], "a");

    within(s.a.release()).await.expect("release");
    let released = lease(&s.cluster).await;
    assert!(
        released["spec"]["holderIdentity"].is_null(),
        "{released:#?}"
    );
    assert_eq!(round(&s.b).await, Leadership::Leader);
    assert_eq!(round(&s.a).await, follower("b"));
    assert_eq!(lease(&s.cluster).await["spec"]["leaseTransitions"], 1);
    s.emu.shutdown().await;
}
