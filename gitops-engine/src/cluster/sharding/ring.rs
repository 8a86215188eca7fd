//! Consistent hashing with bounded loads, as Argo CD's
//! `consistent-hashing` sharding algorithm uses it: a ring of points per
//! shard, and a walk along it that skips shards whose load is over the
//! bound.

use std::collections::BTreeMap;
use std::ops::Bound::{Excluded, Unbounded};

use blake2::{Blake2b512, Digest};

/// Ring points per shard (Argo CD's replication factor).
const POINTS_PER_SHARD: usize = 1000;

/// The hash of a ring key: the first 8 bytes of its BLAKE2b-512 digest,
/// read little-endian.
pub(super) fn ring_hash(key: &str) -> u64 {
    let digest = Blake2b512::digest(key.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(first)
}

/// A ring of shards `0..n` with a load per shard.
#[derive(Debug)]
pub(super) struct BoundedRing {
    /// Ring position → shard. A position two keys hash to belongs to the
    /// shard added last, as in Argo CD.
    points: BTreeMap<u64, usize>,
    loads: Vec<u64>,
}

impl BoundedRing {
    /// A ring with shards `0..shards`, each at the positions of the keys
    /// `"<shard><i>"` for `i` in `0..1000`, all loads zero.
    pub(super) fn new(shards: usize) -> Self {
        let mut points = BTreeMap::new();
        for shard in 0..shards {
            for i in 0..POINTS_PER_SHARD {
                points.insert(ring_hash(&format!("{shard}{i}")), shard);
            }
        }
        BoundedRing {
            points,
            loads: vec![0; shards],
        }
    }

    /// The shard for `key`: the owner of the first ring point after the
    /// key's hash (wrapping around), or of the points after it, skipping
    /// shards whose load is at the bound. `None` for a ring without shards.
    pub(super) fn least_loaded(&self, key: &str) -> Option<usize> {
        let total: u64 = self.loads.iter().sum();
        let bound = self.load_bound(total);
        let start = ring_hash(key);
        // One turn from the first point after the key's hash; the walk ends
        // within it, as the bound always admits the least loaded shard.
        self.points
            .range((Excluded(start), Unbounded))
            .chain(self.points.range(..=start))
            .map(|(_, &shard)| shard)
            .find(|&shard| self.loads[shard] < bound)
    }

    /// Adds `load` to the load of `shard`.
    pub(super) fn add_load(&mut self, shard: usize, load: u64) {
        self.loads[shard] += load;
    }

    /// The most a shard may carry and still take one more:
    /// `ceil(max(1, (total + 1) div shards) × 1.25)`.
    fn load_bound(&self, total: u64) -> u64 {
        let shards = self.loads.len().max(1) as u64;
        let average = ((total + 1) / shards).max(1);
        // ceil(average × 5 / 4) in integers.
        (average * 5).div_ceil(4)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_hash_is_blake2b_512_little_endian() {
        // BLAKE2b-512("abc") starts ba 80 a5 3f 98 1c 4d 0d (RFC 7693, appendix A).
        assert_eq!(ring_hash("abc"), 0x0d4d_1c98_3fa5_80ba);
        // BLAKE2b-512("") starts 78 6a 02 f7 42 01 59 03.
        assert_eq!(ring_hash(""), 0x0359_0142_f702_6a78);
    }

    #[test]
    fn bound_is_a_quarter_above_the_average() {
        let ring = BoundedRing::new(3);
        // (0+1) div 3 = 0 → 1 → ceil(1.25) = 2.
        assert_eq!(ring.load_bound(0), 2);
        // (5+1) div 3 = 2 → ceil(2.5) = 3.
        assert_eq!(ring.load_bound(5), 3);
        // (11+1) div 3 = 4 → 5.
        assert_eq!(ring.load_bound(11), 5);
    }

    #[test]
    fn an_overloaded_shard_is_skipped() {
        let mut ring = BoundedRing::new(2);
        let first = ring.least_loaded("some-cluster").unwrap();
        ring.add_load(first, 100);
        assert_eq!(ring.least_loaded("some-cluster"), Some(1 - first));
    }
}
