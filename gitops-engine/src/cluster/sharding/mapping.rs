//! The shard table of `argocd-app-controller-shard-cm` (key
//! `shardControllerMapping`): one slot per shard with the replica holding it
//! and its last heartbeat, and the rules by which a replica claims, renews,
//! adopts and takes over slots.

use std::time::Duration;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Name of the ConfigMap holding the shard table (Argo CD's).
pub const SHARD_MAPPING_CONFIGMAP: &str = "argocd-app-controller-shard-cm";
/// Key of the table in the ConfigMap's data.
pub const SHARD_MAPPING_KEY: &str = "shardControllerMapping";

/// One shard's slot, serialised with Argo CD's (Go) field names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardSlot {
    /// The shard.
    #[serde(rename = "ShardNumber")]
    pub shard_number: usize,
    /// The replica holding it; empty when free.
    #[serde(rename = "ControllerName", default)]
    pub controller_name: String,
    /// The holder's last heartbeat (RFC 3339, whole seconds; `null` when
    /// never written). On a free slot: when it was freed.
    #[serde(rename = "HeartbeatTime", default, with = "rfc3339_seconds")]
    pub heartbeat_time: Option<Timestamp>,
}

/// The outcome of one heartbeat on the table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claim {
    /// The shards this replica holds now, ascending.
    pub held: Vec<usize>,
    /// Among them, one taken in this heartbeat from a live replica that held
    /// more than its share: that replica lets go at its next heartbeat, so
    /// the taker must wait one stale period before acting on it.
    pub taken_from_live: Option<usize>,
}

/// The shard table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShardMapping {
    /// The slots, slot `i` for shard `i`.
    pub slots: Vec<ShardSlot>,
}

impl ShardMapping {
    /// Reads the table from the ConfigMap's `shardControllerMapping` text.
    pub fn parse(text: &str) -> Result<Self, serde_json::Error> {
        Ok(ShardMapping {
            slots: serde_json::from_str(text)?,
        })
    }

    /// The table as the ConfigMap stores it.
    pub fn to_json(&self) -> String {
        // A Vec of plain structs always serialises.
        serde_json::to_string(&self.slots).unwrap_or_else(|_| "[]".to_owned())
    }

    /// One heartbeat of replica `me` at `now` on a table of `shards` slots:
    ///
    /// - a table of another length, or with slots out of order, is reset to
    ///   free slots (padded when shorter, as Argo CD);
    /// - `pinned` (Argo CD's `ARGOCD_CONTROLLER_SHARD`): take that slot;
    /// - otherwise renew every slot `me` holds; holding none, claim the
    ///   first free or stale slot (Argo CD's rule); holding some, also adopt
    ///   the slots free or stale for longer than `stale_after` (a dead
    ///   replica's shards); and when some live replica holds at least two
    ///   slots more than `me`, take its highest one (so a replica started
    ///   after others adopted its shard gets work again).
    pub fn heartbeat(
        &mut self,
        me: &str,
        shards: usize,
        pinned: Option<usize>,
        now: Timestamp,
        stale_after: Duration,
    ) -> Claim {
        self.normalise(shards, now);
        let expired = |slot: &ShardSlot| {
            slot.heartbeat_time.is_none_or(|at| {
                now.duration_since(at)
                    .try_into()
                    .is_ok_and(|age: Duration| age > stale_after)
            })
        };
        let take = |slot: &mut ShardSlot| {
            slot.controller_name = me.to_owned();
            slot.heartbeat_time = Some(now);
        };
        if let Some(shard) = pinned.filter(|&s| s < shards) {
            take(&mut self.slots[shard]);
            return Claim {
                held: vec![shard],
                taken_from_live: None,
            };
        }
        let mut held = Vec::new();
        for slot in &mut self.slots {
            if slot.controller_name == me {
                take(slot);
                held.push(slot.shard_number);
            }
        }
        if held.is_empty() {
            if let Some(slot) = self
                .slots
                .iter_mut()
                .find(|s| s.controller_name.is_empty() || expired(s))
            {
                take(slot);
                held.push(slot.shard_number);
            }
        } else {
            for slot in &mut self.slots {
                if slot.controller_name != me && expired(slot) {
                    take(slot);
                    held.push(slot.shard_number);
                }
            }
        }
        let taken_from_live = self.take_from_busiest(me, held.len(), &expired);
        if let Some(shard) = taken_from_live {
            take(&mut self.slots[shard]);
            held.push(shard);
        }
        held.sort_unstable();
        Claim {
            held,
            taken_from_live,
        }
    }

    /// The highest slot of the live replica holding the most slots, when it
    /// holds at least two more than `mine`.
    fn take_from_busiest(
        &self,
        me: &str,
        mine: usize,
        expired: &impl Fn(&ShardSlot) -> bool,
    ) -> Option<usize> {
        let live = |s: &&ShardSlot| {
            !s.controller_name.is_empty() && s.controller_name != me && !expired(s)
        };
        let count = |name: &str| {
            self.slots
                .iter()
                .filter(|s| s.controller_name == name)
                .count()
        };
        let busiest = self
            .slots
            .iter()
            .filter(live)
            .max_by_key(|s| (count(&s.controller_name), std::cmp::Reverse(s.shard_number)))?;
        let name = &busiest.controller_name;
        if count(name) < mine + 2 {
            return None;
        }
        self.slots
            .iter()
            .rev()
            .find(|s| s.controller_name == *name)
            .map(|s| s.shard_number)
    }

    /// Pads a short table with free slots; resets one that is too long or
    /// out of order.
    fn normalise(&mut self, shards: usize, now: Timestamp) {
        let free = |shard_number| ShardSlot {
            shard_number,
            controller_name: String::new(),
            heartbeat_time: Some(now),
        };
        let in_order = self
            .slots
            .iter()
            .enumerate()
            .all(|(i, s)| s.shard_number == i);
        if self.slots.len() > shards || !in_order {
            self.slots.clear();
        }
        let len = self.slots.len();
        self.slots.extend((len..shards).map(free));
    }
}

/// `metav1.Time` as JSON: RFC 3339 in UTC with whole seconds, `null` for none.
mod rfc3339_seconds {
    use jiff::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        time: &Option<Timestamp>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match time {
            Some(t) => serializer.serialize_str(&t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()),
            None => serializer.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Timestamp>, D::Error> {
        Option::<String>::deserialize(deserializer)?
            .map(|text| text.parse().map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STALE: Duration = Duration::from_secs(30);

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + seconds).unwrap()
    }

    fn names(mapping: &ShardMapping) -> Vec<&str> {
        mapping
            .slots
            .iter()
            .map(|s| s.controller_name.as_str())
            .collect()
    }

    #[test]
    fn reads_and_writes_argo_cds_format() {
        let text = r#"[{"ShardNumber":0,"ControllerName":"argocd-application-controller-7d9f-x2","HeartbeatTime":"2026-08-22T10:00:00Z"},{"ShardNumber":1,"ControllerName":"","HeartbeatTime":null}]"#;
        let mapping = ShardMapping::parse(text).unwrap();
        assert_eq!(
            mapping.slots[0].heartbeat_time,
            Some("2026-08-22T10:00:00Z".parse().unwrap())
        );
        assert_eq!(mapping.slots[1].heartbeat_time, None);
        assert_eq!(mapping.to_json(), text);
    }

    #[test]
    fn replicas_claim_one_free_slot_each() {
        let mut mapping = ShardMapping::default();
        let claims: Vec<_> = ["a", "b", "c"]
            .iter()
            .map(|me| mapping.heartbeat(me, 3, None, at(0), STALE).held)
            .collect();
        assert_eq!(claims, [vec![0], vec![1], vec![2]]);
        // Renewing keeps the slot, and a fourth replica finds none.
        assert_eq!(mapping.heartbeat("b", 3, None, at(10), STALE).held, [1]);
        assert_eq!(
            mapping.heartbeat("d", 3, None, at(10), STALE).held,
            Vec::<usize>::new()
        );
        assert_eq!(names(&mapping), ["a", "b", "c"]);
    }

    #[test]
    fn a_dead_replicas_slot_is_adopted_once_stale() {
        let mut mapping = ShardMapping::default();
        for me in ["a", "b", "c"] {
            mapping.heartbeat(me, 3, None, at(0), STALE);
        }
        // "b" stops. Within the stale period its slot stays.
        mapping.heartbeat("a", 3, None, at(20), STALE);
        assert_eq!(mapping.heartbeat("c", 3, None, at(30), STALE).held, [2]);
        // After it, the next replica to beat adopts it.
        assert_eq!(mapping.heartbeat("a", 3, None, at(31), STALE).held, [0, 1]);
        assert_eq!(names(&mapping), ["a", "a", "c"]);
        // "b" returns (or its replacement starts): it takes one slot back
        // from "a", which holds two more than it.
        let claim = mapping.heartbeat("b", 3, None, at(32), STALE);
        assert_eq!(claim.held, [1]);
        assert_eq!(claim.taken_from_live, Some(1));
        assert_eq!(mapping.heartbeat("a", 3, None, at(40), STALE).held, [0]);
    }

    #[test]
    fn a_lone_replica_adopts_free_slots_only_after_the_stale_period() {
        let mut mapping = ShardMapping::default();
        assert_eq!(mapping.heartbeat("a", 3, None, at(0), STALE).held, [0]);
        // The other free slots are left to replicas starting meanwhile.
        assert_eq!(mapping.heartbeat("a", 3, None, at(10), STALE).held, [0]);
        assert_eq!(
            mapping.heartbeat("a", 3, None, at(31), STALE).held,
            [0, 1, 2]
        );
        // Slots Argo CD wrote free (no time) are adopted at once.
        let mut argo = ShardMapping::parse(
            r#"[{"ShardNumber":0,"ControllerName":"a","HeartbeatTime":null},{"ShardNumber":1,"ControllerName":"","HeartbeatTime":null}]"#,
        )
        .unwrap();
        assert_eq!(argo.heartbeat("a", 2, None, at(0), STALE).held, [0, 1]);
    }

    #[test]
    fn a_pinned_replica_takes_its_slot() {
        let mut mapping = ShardMapping::default();
        mapping.heartbeat("a", 3, None, at(0), STALE);
        assert_eq!(mapping.heartbeat("b", 3, Some(0), at(1), STALE).held, [0]);
        assert_eq!(names(&mapping), ["b", "", ""]);
        // A pinned shard past the count is ignored.
        assert_eq!(mapping.heartbeat("c", 3, Some(5), at(1), STALE).held, [1]);
    }

    #[test]
    fn a_table_of_another_size_is_padded_or_reset() {
        let mut mapping = ShardMapping::default();
        mapping.heartbeat("a", 2, None, at(0), STALE);
        mapping.heartbeat("b", 2, None, at(0), STALE);
        assert_eq!(mapping.heartbeat("c", 3, None, at(1), STALE).held, [2]);
        // Shrunk to 2: everyone starts over.
        assert_eq!(mapping.heartbeat("c", 2, None, at(2), STALE).held, [0]);
        assert_eq!(names(&mapping), ["c", ""]);
    }
}
