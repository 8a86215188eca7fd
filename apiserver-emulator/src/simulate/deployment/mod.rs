//! The deployment controller: one ReplicaSet per Pod template, rolled out
//! with `RollingUpdate` (`maxSurge`/`maxUnavailable`) or `Recreate`, with
//! revisions, history and status as `pkg/controller/deployment` writes them.

mod status;

use serde_json::{Value, json};

use status::{deadline, has_deadline, new_condition, paused_condition, rollout_status};

use super::{
    Pass, count, deleting, int_or_percent, meta, owner_ref, remove, replicas, scale, set_condition,
    template_hash, write, write_status,
};
use crate::store::Store;

/// The label carrying a Pod template's hash.
pub const HASH_LABEL: &str = "pod-template-hash";
/// The annotation carrying a rollout revision.
pub const REVISION: &str = "deployment.kubernetes.io/revision";
/// How many old ReplicaSets a Deployment keeps without `revisionHistoryLimit`.
const DEFAULT_HISTORY: usize = 10;

fn revision(obj: &Value) -> u64 {
    obj["metadata"]["annotations"][REVISION]
        .as_str()
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

/// A status counter of a ReplicaSet.
fn status(rs: &Value, field: &str) -> usize {
    count(&rs["status"][field]).unwrap_or(0)
}

/// How a Deployment replaces its Pods.
#[derive(Clone, Copy)]
enum Strategy {
    /// At most `surge` Pods over and `unavailable` under the replicas.
    Rolling { surge: usize, unavailable: usize },
    /// Old Pods all go before new ones start.
    Recreate,
}

impl Strategy {
    fn of(d: &Value) -> Self {
        let strategy = &d["spec"]["strategy"];
        if strategy["type"] == "Recreate" {
            return Strategy::Recreate;
        }
        let want = replicas(d);
        let rolling = &strategy["rollingUpdate"];
        let default = json!("25%");
        let surge = int_or_percent(&rolling["maxSurge"], &default, want, true);
        let mut unavailable = int_or_percent(&rolling["maxUnavailable"], &default, want, false);
        // ResolveFenceposts: both rounding to zero means one may be unavailable.
        if surge == 0 && unavailable == 0 {
            unavailable = 1;
        }
        Strategy::Rolling {
            surge,
            unavailable: unavailable.min(want),
        }
    }

    /// `MaxUnavailable`: what the Available condition tolerates.
    fn max_unavailable(self) -> usize {
        match self {
            Strategy::Rolling { unavailable, .. } => unavailable,
            Strategy::Recreate => 0,
        }
    }
}

/// Syncs one Deployment whose live ReplicaSets are `sets`.
pub(super) fn sync(store: &mut Store, pass: &Pass, d: &Value, mut sets: Vec<Value>) {
    if deleting(d) {
        return;
    }
    let strategy = Strategy::of(d);
    let mut conditions: Vec<Value> = d["status"]["conditions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if paused_condition(d, &mut conditions, pass.now) {
        // Written on its own, as the controller does, before anything else.
        let mut status = d["status"].clone();
        status["conditions"] = conditions.into();
        write_status(store, &pass.t.deployments, d, status);
        return;
    }
    let paused = d["spec"]["paused"] == true;
    let hash = template_hash(&d["spec"]["template"]);
    let found = sets
        .iter()
        .position(|rs| rs["metadata"]["labels"][HASH_LABEL] == hash.as_str())
        .map(|i| sets.remove(i));
    let newest = sets.iter().map(revision).max().unwrap_or(0);
    let found = match found {
        Some(rs) => match sync_revision(store, pass, rs, newest) {
            Some(rs) => Some(rs),
            // A conflict: the next pass retries.
            None => return,
        },
        None => None,
    };
    let mut rollout = Rollout {
        store,
        pass,
        d,
        hash: &hash,
        newest,
        conditions: &mut conditions,
    };
    let step = match strategy {
        _ if paused => Some(rollout.scale_paused(found, &mut sets)),
        Strategy::Rolling { surge, unavailable } => {
            rollout.rolling(found, &mut sets, surge, unavailable)
        }
        Strategy::Recreate => rollout.recreate(found, &mut sets),
    };
    // The new ReplicaSet could not be created: the next pass retries.
    let Some((new_rs, scaled)) = step else { return };
    if !scaled && sets.iter().all(|rs| replicas(rs) == 0) {
        sets = cleanup(store, pass, d, sets);
    }
    let mut d = d.clone();
    if let Some(rs) = &new_rs {
        let rev = revision(rs).to_string();
        if d["metadata"]["annotations"][REVISION] != rev.as_str() {
            d["metadata"]["annotations"][REVISION] = rev.into();
            match write(store, &pass.t.deployments, d) {
                Some(stored) => d = stored,
                None => return,
            }
        }
    }
    let status = rollout_status(
        &d,
        &sets,
        new_rs.as_ref(),
        strategy.max_unavailable(),
        conditions,
        paused,
        pass.now,
    );
    write_status(store, &pass.t.deployments, &d, status);
}

/// Gives a reused ReplicaSet (a template rolled back to) a revision above
/// every other; `None` when that write conflicted.
fn sync_revision(store: &mut Store, pass: &Pass, mut rs: Value, newest: u64) -> Option<Value> {
    if revision(&rs) > newest {
        return Some(rs);
    }
    rs["metadata"]["annotations"][REVISION] = (newest + 1).to_string().into();
    write(store, &pass.t.replicasets, rs)
}

/// One rollout step of a Deployment.
struct Rollout<'a, 'p> {
    store: &'a mut Store,
    pass: &'a Pass<'p>,
    d: &'a Value,
    hash: &'a str,
    newest: u64,
    conditions: &'a mut Vec<Value>,
}

impl Rollout<'_, '_> {
    /// `rolloutRolling`: scale the new ReplicaSet up within the surge, or
    /// else the old ones down within the unavailability; the new
    /// ReplicaSet and whether anything was scaled (`None` when the new
    /// ReplicaSet could not be created).
    fn rolling(
        &mut self,
        found: Option<Value>,
        old: &mut [Value],
        surge: usize,
        unavailable: usize,
    ) -> Option<(Option<Value>, bool)> {
        let want = replicas(self.d);
        let old_total: usize = old.iter().map(replicas).sum();
        let surged = |new: usize| {
            // NewRSNewReplicas: up to the surge, never past the replicas.
            let room = (want + surge).saturating_sub(old_total + new);
            new + room.min(want.saturating_sub(new))
        };
        let mut new_rs = match found {
            Some(rs) => rs,
            None => self.create(surged(0), want + surge)?,
        };
        let now = replicas(&new_rs);
        let target = if now > want { want } else { surged(now) };
        if scale(self.store, &self.pass.t.replicasets, &mut new_rs, target) {
            return Some((Some(new_rs), true));
        }
        let scaled = self.scale_down_old(old, &new_rs, unavailable);
        Some((Some(new_rs), scaled))
    }

    /// `reconcileOldReplicaSets`: first the unavailable Pods of old
    /// ReplicaSets, then available ones while enough stay available.
    fn scale_down_old(&mut self, old: &mut [Value], new_rs: &Value, unavailable: usize) -> bool {
        let old_total: usize = old.iter().map(replicas).sum();
        if old_total == 0 {
            return false;
        }
        let want = replicas(self.d);
        let min_available = want.saturating_sub(unavailable);
        let new_unavailable = replicas(new_rs).saturating_sub(status(new_rs, "availableReplicas"));
        let all_total = old_total + replicas(new_rs);
        let Some(max_down) = all_total
            .checked_sub(min_available + new_unavailable)
            .filter(|n| *n > 0)
        else {
            return false;
        };
        old.sort_by(|a, b| {
            (meta(a, "creationTimestamp"), meta(a, "name"))
                .cmp(&(meta(b, "creationTimestamp"), meta(b, "name")))
        });
        let rt = &self.pass.t.replicasets;
        // cleanupUnhealthyReplicas
        let mut cleaned = 0;
        for rs in old.iter_mut() {
            let (n, ok) = (replicas(rs), status(rs, "availableReplicas"));
            if cleaned >= max_down || n == 0 || n <= ok {
                continue;
            }
            let down = (max_down - cleaned).min(n - ok);
            if scale(self.store, rt, rs, n - down) {
                cleaned += down;
            }
        }
        // scaleDownOldReplicaSetsForRollingUpdate
        let available: usize = old
            .iter()
            .chain([new_rs])
            .map(|rs| status(rs, "availableReplicas"))
            .sum();
        let mut to_remove = available.saturating_sub(min_available);
        let mut scaled_down = 0;
        for rs in old.iter_mut() {
            let n = replicas(rs);
            if to_remove == 0 || n == 0 {
                continue;
            }
            let down = n.min(to_remove);
            if scale(self.store, rt, rs, n - down) {
                to_remove -= down;
                scaled_down += down;
            }
        }
        cleaned + scaled_down > 0
    }

    /// `rolloutRecreate`: old ReplicaSets to zero, then, once their Pods
    /// are gone, the new one to the replicas; as [`Rollout::rolling`].
    fn recreate(
        &mut self,
        found: Option<Value>,
        old: &mut [Value],
    ) -> Option<(Option<Value>, bool)> {
        let rt = &self.pass.t.replicasets;
        let mut scaled = false;
        for rs in old.iter_mut() {
            scaled |= scale(self.store, rt, rs, 0);
        }
        if scaled || old.iter().any(|rs| status(rs, "replicas") > 0) {
            return Some((found, scaled));
        }
        let want = replicas(self.d);
        let mut new_rs = match found {
            Some(rs) => rs,
            None => return Some((Some(self.create(want, want)?), false)),
        };
        let scaled = scale(self.store, rt, &mut new_rs, want);
        Some((Some(new_rs), scaled))
    }

    /// `sync` of a paused Deployment: no rollout; a change of replicas goes
    /// to the one active ReplicaSet, or the newest when none is active
    /// (`FindActiveOrLatest`); with several active ones nothing is scaled.
    fn scale_paused(
        &mut self,
        mut found: Option<Value>,
        old: &mut [Value],
    ) -> (Option<Value>, bool) {
        let want = replicas(self.d);
        let rt = &self.pass.t.replicasets;
        let active = found
            .iter()
            .chain(old.iter())
            .filter(|rs| replicas(rs) > 0)
            .count();
        let target = match (active, found.as_mut()) {
            (0, Some(rs)) => Some(rs),
            (1, Some(rs)) if replicas(rs) > 0 => Some(rs),
            (0, None) => old
                .iter_mut()
                .max_by(|a, b| meta(a, "creationTimestamp").cmp(meta(b, "creationTimestamp"))),
            (1, _) => old.iter_mut().find(|rs| replicas(rs) > 0),
            _ => None,
        };
        let scaled = target.is_some_and(|rs| scale(self.store, rt, rs, want));
        (found, scaled)
    }

    /// Creates the ReplicaSet of the current template with `start` replicas,
    /// noting it in the Progressing condition.
    fn create(&mut self, start: usize, max: usize) -> Option<Value> {
        let d = self.d;
        let hash = self.hash;
        let mut template = d["spec"]["template"].clone();
        template["metadata"]["labels"][HASH_LABEL] = hash.into();
        let mut selector = d["spec"]["selector"].clone();
        selector["matchLabels"][HASH_LABEL] = hash.into();
        let name = format!("{}-{hash}", meta(d, "name"));
        let rs = json!({
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": name,
                "namespace": meta(d, "namespace"),
                "labels": template["metadata"]["labels"],
                "annotations": {
                    REVISION: (self.newest + 1).to_string(),
                    "deployment.kubernetes.io/desired-replicas": replicas(d).to_string(),
                    "deployment.kubernetes.io/max-replicas": max.to_string(),
                },
                "ownerReferences": owner_ref(d),
            },
            "spec": {"replicas": start, "selector": selector, "template": template},
        });
        let created = self
            .store
            .create(&self.pass.t.replicasets, meta(d, "namespace"), rs, false)
            .ok()?;
        if has_deadline(d) {
            let message = format!("Created new replica set {name:?}");
            set_condition(
                self.conditions,
                new_condition(
                    "Progressing",
                    "True",
                    "NewReplicaSetCreated",
                    &message,
                    self.pass.now,
                ),
            );
        }
        Some(created)
    }
}

/// `cleanupDeployment`: the oldest scaled-down ReplicaSets past the
/// history limit go; the others are returned.
fn cleanup(store: &mut Store, pass: &Pass, d: &Value, mut old: Vec<Value>) -> Vec<Value> {
    let limit = count(&d["spec"]["revisionHistoryLimit"]).unwrap_or(DEFAULT_HISTORY);
    old.sort_by_key(revision);
    let mut surplus = old.len().saturating_sub(limit);
    old.retain(|rs| {
        let idle = status(rs, "replicas") == 0 && replicas(rs) == 0;
        if surplus > 0 && idle {
            surplus -= 1;
            remove(store, &pass.t.replicasets, rs);
            return false;
        }
        true
    });
    old
}

/// The earliest time one of `deployments` passes its progress deadline
/// (see [`status::deadline`]); `None` when none is rolling out.
pub(super) fn next_deadline(deployments: &[Value]) -> Option<jiff::Timestamp> {
    deployments
        .iter()
        .filter_map(|d| {
            let conditions = d["status"]["conditions"].as_array()?;
            deadline(d, conditions)
        })
        .min()
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::Clock;
    use super::super::testing::{Sandbox, name};
    use super::*;
    use crate::store::EventType;

    fn deployment(replicas: usize, image: &str, strategy: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                "strategy": strategy,
                "template": {"metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "web", "image": image}]}}}})
    }

    fn set_image(sandbox: &mut Sandbox, image: &str) {
        sandbox.edit("apps/v1", "Deployment", "web", |d| {
            d["spec"]["template"]["spec"]["containers"][0]["image"] = image.into();
        });
    }

    /// `spec.replicas` of the ReplicaSets running `old` and `new`.
    fn sizes(sandbox: &Sandbox, old: &str, new: &str) -> (usize, Option<usize>) {
        let sets = sandbox.list("apps/v1", "ReplicaSet");
        let of = |image: &str| {
            sets.iter()
                .find(|rs| rs["spec"]["template"]["spec"]["containers"][0]["image"] == image)
                .map(replicas)
        };
        (of(old).unwrap_or(0), of(new))
    }

    fn ready_pods(sandbox: &Sandbox) -> usize {
        sandbox
            .pods()
            .iter()
            .filter(|p| super::super::pod_ready(p))
            .count()
    }

    fn progressing(d: &Value) -> (String, String) {
        let c = d["status"]["conditions"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["type"] == "Progressing"))
            .cloned()
            .unwrap_or_default();
        (
            c["reason"].as_str().unwrap_or("").to_owned(),
            c["message"].as_str().unwrap_or("").to_owned(),
        )
    }

    /// `(old, new)` replicas after each write to a ReplicaSet since `rv`,
    /// starting from `from`.
    fn writes_since(sandbox: &Sandbox, rv: u64, from: (usize, usize)) -> Vec<(usize, usize)> {
        let mut now = from;
        let mut steps = Vec::new();
        for (kind, rs) in sandbox.events(rv, "replicasets") {
            if kind == EventType::Deleted {
                continue;
            }
            match rs["spec"]["template"]["spec"]["containers"][0]["image"].as_str() {
                Some("app:1") => now.0 = replicas(&rs),
                Some("app:2") => now.1 = replicas(&rs),
                _ => continue,
            }
            if steps.last() != Some(&now) {
                steps.push(now);
            }
        }
        steps
    }

    #[test]
    fn surge_one_unavailable_zero_replaces_one_pod_at_a_time() {
        let mut sandbox = Sandbox::new();
        let strategy = json!({"type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}});
        sandbox.create(deployment(4, "app:1", strategy));
        sandbox.settle(20);
        set_image(&mut sandbox, "app:2");
        let rv = sandbox.store.resource_version();
        let mut passes = Vec::new();
        for _ in 0..20 {
            sandbox.pass();
            let (old, new) = sizes(&sandbox, "app:1", "app:2");
            passes.push((old, new.unwrap_or(0)));
            // Never more than replicas + maxSurge Pods, never fewer than
            // replicas - maxUnavailable ready.
            assert!(sandbox.pods().len() <= 5, "{passes:?}");
            assert!(ready_pods(&sandbox) >= 4, "{passes:?}");
        }
        assert_eq!(
            writes_since(&sandbox, rv, (4, 0)),
            [
                (4, 1),
                (3, 1),
                (3, 2),
                (2, 2),
                (2, 3),
                (1, 3),
                (1, 4),
                (0, 4)
            ]
        );
        // One step per pass: each waits for a new Pod to get ready.
        passes.dedup();
        assert_eq!(passes, [(4, 1), (3, 2), (2, 3), (1, 4), (0, 4)]);
        let d = sandbox.get("apps/v1", "Deployment", "web");
        assert_eq!(d["status"]["updatedReplicas"], 4);
        assert_eq!(d["status"]["availableReplicas"], 4);
        assert!(d["status"]["unavailableReplicas"].is_null());
    }

    #[test]
    fn default_strategy_rounds_surge_up_and_unavailable_down() {
        // 25% of 10: maxSurge 3 (2.5 up), maxUnavailable 2 (2.5 down): the
        // new ReplicaSet starts at 3, the old one goes down to 8 at once,
        // and the new one fills the surge again up to 13 Pods in all.
        let mut sandbox = Sandbox::new();
        sandbox.create(deployment(10, "app:1", Value::Null));
        sandbox.settle(20);
        set_image(&mut sandbox, "app:2");
        let rv = sandbox.store.resource_version();
        sandbox.pass();
        assert_eq!(
            writes_since(&sandbox, rv, (10, 0)),
            [(10, 3), (8, 3), (8, 5)]
        );
        assert_eq!(sandbox.pods().len(), 13);
        assert_eq!(ready_pods(&sandbox), 8);
        // 25% of 3: maxSurge 1, maxUnavailable 0.
        let mut sandbox = Sandbox::new();
        sandbox.create(deployment(3, "app:1", Value::Null));
        sandbox.settle(20);
        set_image(&mut sandbox, "app:2");
        sandbox.pass();
        assert_eq!(sizes(&sandbox, "app:1", "app:2"), (3, Some(1)));
    }

    #[test]
    fn recreate_removes_every_old_pod_before_creating_new_ones() {
        let mut sandbox = Sandbox::new();
        sandbox.create(deployment(2, "app:1", json!({"type": "Recreate"})));
        sandbox.settle(20);
        set_image(&mut sandbox, "app:2");
        let rv = sandbox.store.resource_version();
        sandbox.settle(20);
        let image = |p: &Value| p["spec"]["containers"][0]["image"].clone();
        let events = sandbox.events(rv, "pods");
        let last_old_gone = events
            .iter()
            .rposition(|(kind, p)| *kind == EventType::Deleted && image(p) == "app:1");
        let first_new = events
            .iter()
            .position(|(kind, p)| *kind == EventType::Added && image(p) == "app:2");
        assert!(
            last_old_gone.is_some() && last_old_gone < first_new,
            "{events:?}"
        );
        assert_eq!(sizes(&sandbox, "app:1", "app:2"), (0, Some(2)));
        assert_eq!(ready_pods(&sandbox), 2);
    }

    /// The Progressing reasons the Deployment's writes since `rv` carried,
    /// each once, in order.
    fn reasons_since(sandbox: &Sandbox, rv: u64) -> Vec<String> {
        let mut reasons: Vec<String> = sandbox
            .events(rv, "deployments")
            .iter()
            .map(|(_, d)| progressing(d).0)
            .collect();
        reasons.dedup();
        reasons
    }

    #[test]
    fn conditions_follow_the_rollout_as_the_controller_writes_them() {
        let mut sandbox = Sandbox::new();
        let rv = sandbox.store.resource_version();
        sandbox.create(deployment(2, "app:1", Value::Null));
        sandbox.settle(20);
        assert_eq!(
            reasons_since(&sandbox, rv),
            [
                "",
                "NewReplicaSetCreated",
                "ReplicaSetUpdated",
                "NewReplicaSetAvailable"
            ]
        );
        let rs = name(&sandbox.list("apps/v1", "ReplicaSet")[0]).to_owned();
        let d = sandbox.get("apps/v1", "Deployment", "web");
        assert_eq!(
            progressing(&d),
            (
                "NewReplicaSetAvailable".to_owned(),
                format!("ReplicaSet {rs:?} has successfully progressed.")
            )
        );
        let types: Vec<&Value> = d["status"]["conditions"]
            .as_array()
            .expect("conditions")
            .iter()
            .map(|c| &c["type"])
            .collect();
        assert_eq!(types, ["Available", "Progressing"]);
        assert_eq!(
            d["status"]["conditions"][0]["reason"],
            "MinimumReplicasAvailable"
        );

        set_image(&mut sandbox, "app:2");
        sandbox.pass();
        let d = sandbox.get("apps/v1", "Deployment", "web");
        let new_rs = sandbox
            .list("apps/v1", "ReplicaSet")
            .into_iter()
            .find(|rs| rs["spec"]["template"]["spec"]["containers"][0]["image"] == "app:2")
            .expect("new replica set");
        assert_eq!(
            progressing(&d),
            (
                "ReplicaSetUpdated".to_owned(),
                format!("ReplicaSet {:?} is progressing.", name(&new_rs))
            )
        );
        assert_eq!(d["status"]["updatedReplicas"], 1);
        assert_eq!(d["status"]["replicas"], 3);
        assert_eq!(d["metadata"]["annotations"][REVISION], "2");
        sandbox.settle(40);
        let d = sandbox.get("apps/v1", "Deployment", "web");
        assert_eq!(progressing(&d).0, "NewReplicaSetAvailable");
    }

    #[test]
    fn a_new_template_that_never_pulls_stops_after_the_surge() {
        // maxUnavailable rounds to 0: the old Pods stay until new ones are
        // available, which never happens.
        let mut sandbox = Sandbox::new();
        sandbox.create(deployment(3, "app:1", Value::Null));
        sandbox.settle(20);
        set_image(&mut sandbox, "app:broken");
        sandbox.settle(20);
        assert_eq!(sizes(&sandbox, "app:1", "app:broken"), (3, Some(1)));
        let d = sandbox.get("apps/v1", "Deployment", "web");
        assert_eq!(d["status"]["replicas"], 4);
        assert_eq!(d["status"]["updatedReplicas"], 1);
        assert_eq!(d["status"]["availableReplicas"], 3);
        assert_eq!(d["status"]["unavailableReplicas"], 1);
        assert_eq!(d["status"]["conditions"][0]["type"], "Available");
        assert_eq!(d["status"]["conditions"][0]["status"], "True");
        assert_eq!(progressing(&d).0, "ReplicaSetUpdated");
    }

    #[test]
    fn a_rollout_without_progress_past_its_deadline_times_out() {
        let mut sandbox = Sandbox::new();
        let clock = Clock::manual("2026-01-01T00:00:00Z".parse().expect("time"));
        sandbox.sim = sandbox.sim.clone().with_clock(clock.clone());
        let mut d = deployment(3, "app:1", Value::Null);
        d["spec"]["progressDeadlineSeconds"] = 60.into();
        sandbox.create(d);
        sandbox.settle(20);
        set_image(&mut sandbox, "app:broken");
        sandbox.settle(20);
        let stuck = sandbox.get("apps/v1", "Deployment", "web");
        assert_eq!(progressing(&stuck).0, "ReplicaSetUpdated");
        // At the deadline the rollout is not late yet; a second later it is.
        clock.advance(jiff::SignedDuration::from_secs(60));
        assert_eq!(sandbox.settle(5), 0, "not past the deadline");
        clock.advance(jiff::SignedDuration::from_secs(1));
        sandbox.pass();
        let d = sandbox.get("apps/v1", "Deployment", "web");
        let new_rs = sandbox
            .list("apps/v1", "ReplicaSet")
            .into_iter()
            .find(|rs| rs["spec"]["template"]["spec"]["containers"][0]["image"] == "app:broken")
            .expect("new replica set");
        assert_eq!(
            progressing(&d),
            (
                "ProgressDeadlineExceeded".to_owned(),
                format!("ReplicaSet {:?} has timed out progressing.", name(&new_rs))
            )
        );
        let condition = d["status"]["conditions"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["type"] == "Progressing"))
            .expect("Progressing");
        assert_eq!(condition["status"], "False");
        assert_eq!(sandbox.settle(5), 0, "a timed-out rollout stays so");
    }

    #[test]
    fn a_paused_deployment_scales_but_rolls_out_only_once_resumed() {
        let mut sandbox = Sandbox::new();
        sandbox.create(deployment(2, "app:1", Value::Null));
        sandbox.settle(20);
        let rv = sandbox.store.resource_version();
        sandbox.edit("apps/v1", "Deployment", "web", |d| {
            d["spec"]["paused"] = true.into();
            d["spec"]["replicas"] = 3.into();
            d["spec"]["template"]["spec"]["containers"][0]["image"] = "app:2".into();
        });
        sandbox.settle(20);
        assert_eq!(sizes(&sandbox, "app:1", "app:2"), (3, None));
        let d = sandbox.get("apps/v1", "Deployment", "web");
        assert_eq!(
            progressing(&d),
            (
                "DeploymentPaused".to_owned(),
                "Deployment is paused".to_owned()
            )
        );
        assert_eq!(d["status"]["readyReplicas"], 3);
        sandbox.edit("apps/v1", "Deployment", "web", |d| {
            d["spec"]["paused"] = false.into();
        });
        sandbox.settle(20);
        assert_eq!(sizes(&sandbox, "app:1", "app:2"), (0, Some(3)));
        assert_eq!(
            reasons_since(&sandbox, rv),
            [
                "NewReplicaSetAvailable",
                "DeploymentPaused",
                "DeploymentResumed",
                "NewReplicaSetCreated",
                "ReplicaSetUpdated",
                "NewReplicaSetAvailable"
            ]
        );
    }

    #[test]
    fn a_first_rollout_of_a_broken_image_is_unavailable() {
        let mut sandbox = Sandbox::new();
        sandbox.create(deployment(2, "app:broken", Value::Null));
        sandbox.settle(20);
        let d = sandbox.get("apps/v1", "Deployment", "web");
        // The zero counters are omitted, as the API types serialize them.
        assert!(d["status"]["readyReplicas"].is_null());
        assert_eq!(d["status"]["unavailableReplicas"], 2);
        let available = d["status"]["conditions"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["type"] == "Available"))
            .expect("Available");
        assert_eq!(available["status"], "False");
        assert_eq!(available["reason"], "MinimumReplicasUnavailable");
    }

    #[test]
    fn history_keeps_revision_history_limit_old_replica_sets() {
        let mut sandbox = Sandbox::new();
        let mut d = deployment(1, "app:1", Value::Null);
        d["spec"]["revisionHistoryLimit"] = 1.into();
        sandbox.create(d);
        sandbox.settle(20);
        for image in ["app:2", "app:3"] {
            set_image(&mut sandbox, image);
            sandbox.settle(40);
        }
        let mut revisions: Vec<String> = sandbox
            .list("apps/v1", "ReplicaSet")
            .iter()
            .map(|rs| {
                rs["metadata"]["annotations"][REVISION]
                    .as_str()
                    .unwrap_or("")
                    .to_owned()
            })
            .collect();
        revisions.sort();
        assert_eq!(revisions, ["2", "3"]);
        // Going back to app:2 reuses its ReplicaSet under revision 4.
        set_image(&mut sandbox, "app:2");
        sandbox.settle(40);
        let sets = sandbox.list("apps/v1", "ReplicaSet");
        assert_eq!(sets.len(), 2);
        let back = sets
            .iter()
            .find(|rs| rs["spec"]["template"]["spec"]["containers"][0]["image"] == "app:2")
            .expect("reused");
        assert_eq!(back["metadata"]["annotations"][REVISION], "4");
        assert_eq!(replicas(back), 1);
    }

    #[test]
    fn deployments_of_one_namespace_each_count_only_their_own_pods() {
        let mut sandbox = Sandbox::new();
        let mut api = deployment(3, "app:1", Value::Null);
        api["metadata"]["name"] = "api".into();
        sandbox.create(deployment(2, "app:1", Value::Null));
        sandbox.create(api);
        sandbox.settle(20);
        assert_eq!(sandbox.pods().len(), 5);
        assert!(
            sandbox
                .pods()
                .iter()
                .all(|p| p["spec"]["restartPolicy"] == "Always")
        );
        for (name, want) in [("web", 2), ("api", 3)] {
            let d = sandbox.get("apps/v1", "Deployment", name);
            assert_eq!(d["status"]["replicas"], want, "{name}");
            assert_eq!(d["status"]["readyReplicas"], want, "{name}");
        }
    }
}
