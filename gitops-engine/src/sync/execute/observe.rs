//! What the executor observes of live objects: the objects of tasks that have run, and
//! their health (`health::health` → `sync::LiveState`) as the decision function reads it.

use futures_util::future::join_all;
use serde_json::Value;

use super::apply::object_ref;
use super::run::Run;
use crate::cluster::Cluster;
use crate::health::{self, HealthRules};
use crate::sync::{LiveState, Progress, ResultCode, SyncTask, TaskPhase};

/// The state of a live object as the decision function reads it.
fn live_state(obj: &Value, rules: &HealthRules) -> LiveState {
    LiveState {
        health: health::health(obj, rules),
        deleting: obj
            .pointer("/metadata/deletionTimestamp")
            .is_some_and(|t| !t.is_null()),
    }
}

impl<C: Cluster> Run<'_, C> {
    /// What the decision function reads: results, and the state of observed objects.
    pub(super) fn progress(&self) -> Progress {
        let rules = &self.settings.health_rules;
        Progress {
            dry_run_done: self.dry_run_done,
            results: self.results.task_results(),
            live: self
                .live
                .iter()
                .map(|(key, obj)| (key.clone(), live_state(obj, rules)))
                .collect(),
        }
    }

    /// Reads the live objects the next decision depends on: those of running tasks, of
    /// pruned ones (still being deleted?) and of hooks that have run. A failed read keeps
    /// the previous observation.
    pub(super) async fn observe(&mut self) {
        let watched: Vec<&SyncTask> = self
            .plan
            .tasks
            .iter()
            .filter(|t| {
                let key = t.result_key();
                (t.is_hook() && self.results.status(&key).is_some())
                    || self.results.phase(&key) == Some(TaskPhase::Running)
                    || self.results.status(&key) == Some(ResultCode::Pruned)
            })
            .collect();
        let cluster = self.cluster;
        let reads = watched.iter().map(|t| async move {
            let reference = object_ref(t);
            (&t.key, cluster.get(&reference).await)
        });
        for (key, read) in join_all(reads).await {
            match read {
                Ok(Some(obj)) => {
                    self.live.insert(key.clone(), obj);
                }
                Ok(None) => {
                    self.live.remove(key);
                }
                Err(_) => {}
            }
        }
    }
}
