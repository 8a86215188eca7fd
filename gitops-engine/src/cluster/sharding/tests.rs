//! Expected shards come from Argo CD's own test vectors where it has them
//! and otherwise from an independent implementation of the algorithms'
//! definitions (`gitops-engine/tests/testdata/sharding/reference.py`).

use super::*;

const IN_CLUSTER: &str = "https://kubernetes.default.svc";
const UIDS: [&str; 4] = [
    "6b1d1a2e-0000-4000-8000-000000000001",
    "0a2c3f11-0000-4000-8000-000000000002",
    "f00dcafe-0000-4000-8000-000000000003",
    "9e8d7c6b-0000-4000-8000-000000000004",
];

fn cluster(id: &str, server: &str) -> ShardedCluster {
    ShardedCluster {
        id: id.to_owned(),
        server: server.to_owned(),
        shard: None,
    }
}

/// The four clusters of `UIDS` (servers `https://c<i>.example:6443`) and the
/// in-cluster cluster without a Secret.
fn five_clusters() -> Vec<ShardedCluster> {
    let mut clusters: Vec<_> = UIDS
        .iter()
        .enumerate()
        .map(|(i, uid)| cluster(uid, &format!("https://c{i}.example:6443")))
        .collect();
    clusters.push(cluster("", IN_CLUSTER));
    clusters
}

fn shards_of(distribution: &ShardDistribution) -> Vec<Option<usize>> {
    (0..4)
        .map(|i| distribution.shard_of(&format!("https://c{i}.example:6443")))
        .chain([distribution.shard_of(IN_CLUSTER)])
        .collect()
}

#[test]
fn fnv32a_test_vectors() {
    // FNV-1a 32-bit: "" → 0x811c9dc5, "a" → 0xe40c292c, "foobar" → 0xbf9cf968.
    assert_eq!(legacy_shard("a", 0xe40c_292c + 1), 0xe40c_292c);
    assert_eq!(legacy_shard("foobar", 0xbf9c_f968 + 1), 0xbf9c_f968);
    // The notes' example: this UID hashes to 1379416368, shard 0 of 3.
    assert_eq!(
        legacy_shard("0d5c3a7e-4f1e-4b8a-9c2d-1a2b3c4d5e6f", 1_379_416_369),
        1_379_416_368
    );
    assert_eq!(legacy_shard("0d5c3a7e-4f1e-4b8a-9c2d-1a2b3c4d5e6f", 3), 0);
}

#[test]
fn legacy_matches_argo_cds_vectors() {
    // Argo CD's TestGetShardByID_NotEmptyID and _EmptyID.
    let shards: Vec<_> = ["1", "2", "3", "4"]
        .iter()
        .map(|id| legacy_shard(id, 2))
        .collect();
    assert_eq!(shards, [0, 1, 0, 1]);
    assert_eq!(legacy_shard("", 10), 0);
}

#[test]
fn legacy_distribution() {
    let d = ShardDistribution::compute(&five_clusters(), 3, ShardingAlgorithm::Legacy, []);
    assert_eq!(shards_of(&d), [Some(0), Some(1), Some(2), Some(2), Some(0)]);
}

#[test]
fn round_robin_goes_by_sorted_id_with_in_cluster_first() {
    let d = ShardDistribution::compute(&five_clusters(), 3, ShardingAlgorithm::RoundRobin, []);
    // Sorted: "", 0a2c…, 6b1d…, 9e8d…, f00d… → 0, 1, 2, 0, 1.
    assert_eq!(shards_of(&d), [Some(2), Some(1), Some(1), Some(0), Some(0)]);
}

#[test]
fn consistent_hashing_bounds_the_load() {
    let apps: Vec<&str> = std::iter::repeat_n("https://c0.example:6443", 10)
        .chain(std::iter::repeat_n("https://c1.example:6443", 3))
        .chain(std::iter::repeat_n("https://c2.example:6443", 7))
        .chain(std::iter::repeat_n(IN_CLUSTER, 5))
        .collect();
    let d = ShardDistribution::compute(
        &five_clusters(),
        3,
        ShardingAlgorithm::ConsistentHashing,
        apps,
    );
    assert_eq!(shards_of(&d), [Some(2), Some(0), Some(0), Some(1), Some(1)]);
    // Without apps every load is zero and the bound never bites.
    let d = ShardDistribution::compute(
        &five_clusters(),
        3,
        ShardingAlgorithm::ConsistentHashing,
        [],
    );
    assert_eq!(shards_of(&d), [Some(2), Some(0), Some(2), Some(2), Some(1)]);
}

#[test]
fn a_pinned_shard_wins_below_the_shard_count() {
    let mut clusters = five_clusters();
    clusters[0].shard = Some(1);
    clusters[1].shard = Some(7);
    clusters[2].shard = Some(-1);
    let d = ShardDistribution::compute(&clusters, 3, ShardingAlgorithm::Legacy, []);
    assert_eq!(d.shard_of("https://c0.example:6443"), Some(1));
    // At or above the count: shard 0, as Argo CD's controller.
    assert_eq!(d.shard_of("https://c1.example:6443"), Some(0));
    // Negative: no shard manages it.
    assert_eq!(d.shard_of("https://c2.example:6443"), None);
    assert!(!d.manages(Some("https://c2.example:6443"), &[0, 1, 2]));
}

#[test]
fn one_shard_manages_everything() {
    for algorithm in [
        ShardingAlgorithm::Legacy,
        ShardingAlgorithm::RoundRobin,
        ShardingAlgorithm::ConsistentHashing,
    ] {
        let d = ShardDistribution::compute(&five_clusters(), 1, algorithm, []);
        assert_eq!(shards_of(&d), [Some(0); 5], "{algorithm}");
    }
}

#[test]
fn unknown_and_unresolved_destinations() {
    let d = ShardDistribution::compute(&five_clusters(), 3, ShardingAlgorithm::Legacy, []);
    // A server no Secret declares: shard 0.
    assert_eq!(d.shard_of("https://elsewhere.example"), Some(0));
    // A trailing slash names the same cluster.
    assert_eq!(d.shard_of("https://c1.example:6443/"), Some(1));
    // A destination that resolves to no cluster: every replica with a shard.
    assert!(d.manages(None, &[2]));
    assert!(!d.manages(None, &[]));
}

#[test]
fn algorithm_names() {
    for name in ["legacy", "round-robin", "consistent-hashing"] {
        let algorithm: ShardingAlgorithm = name.parse().unwrap();
        assert_eq!(algorithm.to_string(), name);
    }
    assert_eq!(
        "hash".parse::<ShardingAlgorithm>().unwrap_err().to_string(),
        "unknown sharding algorithm 'hash' (use legacy, round-robin or consistent-hashing)"
    );
}
