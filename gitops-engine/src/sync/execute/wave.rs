//! The two steps that write: the initial dry-run, and one phase+wave (prunes, deletion
//! of old hook instances, then applies in runs of the same kind).

use std::collections::BTreeSet;

use futures_util::future::join_all;

use super::apply::{self, error_message, object_ref};
use super::hooks::remove_hook_finalizer;
use super::run::{Run, WaveState};
use crate::cluster::{Cluster, ClusterError, WriteOptions};
use crate::sync::{ResultCode, SyncTask, TaskAction, TaskPhase};

impl<C: Cluster> Run<'_, C> {
    /// The first step: creates the destination namespace (for real, unless the whole
    /// operation is a dry run), then dry-runs the listed tasks concurrently. `Err` holds
    /// the operation message when anything failed; nothing else has been written then.
    pub(super) async fn dry_run(
        &mut self,
        create_namespace_first: Option<&str>,
        keys: &[String],
    ) -> Result<(), String> {
        if let Some(task) = create_namespace_first.and_then(|k| self.tasks.get(k).copied())
            && !self.apply_group(&[task.result_key()]).await.is_empty()
        {
            return Err("the namespace failed to apply".to_owned());
        }
        // The server cannot dry-run an object in a namespace that does not exist yet:
        // objects in namespaces a later step creates are checked when they are applied.
        let created: BTreeSet<&str> = self
            .plan
            .tasks
            .iter()
            .filter(|t| t.key.group.is_empty() && t.key.kind == "Namespace")
            .filter(|t| !t.live_exists && !t.is_prune())
            .filter(|t| Some(t.result_key().as_str()) != create_namespace_first)
            .map(|t| t.key.name.as_str())
            .collect();
        let (cluster, poll) = (self.cluster, self.settings.poll_interval);
        let checks = keys
            .iter()
            .filter_map(|k| self.tasks.get(k).copied())
            .filter(|t| !t.is_prune() && !created.contains(t.key.namespace.as_str()))
            .map(|t| async move { (t, apply::write(cluster, t, true, poll).await) });
        let mut failed = false;
        for (task, checked) in join_all(checks).await {
            if let Err(message) = checked {
                failed = true;
                self.results
                    .record(task, ResultCode::SyncFailed, TaskPhase::Failed, &message);
            }
        }
        if failed {
            return Err("one or more objects failed to apply (dry run)".to_owned());
        }
        Ok(())
    }

    /// Runs one phase+wave: prunes in parallel; then deletes old instances of hooks to be
    /// re-created (pending until they are gone); then writes the runs of tasks in order.
    /// A failed write does not stop later runs.
    pub(super) async fn run_wave(
        &mut self,
        prune: &[String],
        delete_before_creation: &[String],
        apply: &[Vec<String>],
    ) -> WaveState {
        if !self.prune(prune).await {
            return WaveState::Failed;
        }
        match self.delete_old_hooks(delete_before_creation).await {
            WaveState::Done => {}
            other => return other,
        }
        let mut state = WaveState::Done;
        for group in apply {
            if !self.apply_group(group).await.is_empty() {
                state = WaveState::Failed;
            }
        }
        state
    }

    /// Prunes concurrently; `false` when a deletion failed.
    async fn prune(&mut self, keys: &[String]) -> bool {
        let (cluster, dry_run) = (self.cluster, self.plan.dry_run);
        let prunes = keys
            .iter()
            .filter_map(|k| self.tasks.get(k).copied())
            .filter_map(|t| match t.operation {
                TaskAction::Prune(action) => Some((t, action)),
                _ => None,
            })
            .map(|(t, action)| async move { (t, apply::prune(cluster, t, action, dry_run).await) });
        let mut ok = true;
        for (task, (status, message)) in join_all(prunes).await {
            let phase = if status == ResultCode::SyncFailed {
                ok = false;
                TaskPhase::Failed
            } else {
                TaskPhase::Succeeded
            };
            self.results.record(task, status, phase, &message);
        }
        ok
    }

    /// Deletes the live instances of hooks about to be created again (their hook
    /// finalizer removed first). `Pending` while any still exists.
    async fn delete_old_hooks(&mut self, keys: &[String]) -> WaveState {
        if self.plan.dry_run {
            return WaveState::Done;
        }
        let mut state = WaveState::Done;
        for key in keys {
            let Some(task) = self.tasks.get(key).copied() else {
                continue;
            };
            match self.delete_old_hook(task).await {
                Ok(false) => {}
                Ok(true) => {
                    if state == WaveState::Done {
                        state = WaveState::Pending;
                    }
                }
                Err(e) => {
                    state = WaveState::Failed;
                    let message = format!("failed to delete resource: {}", error_message(&e));
                    self.results
                        .record(task, ResultCode::SyncFailed, TaskPhase::Error, &message);
                }
            }
        }
        state
    }

    /// `Ok(true)` while the old instance still exists (its deletion is issued once).
    async fn delete_old_hook(&self, task: &SyncTask) -> Result<bool, ClusterError> {
        let reference = object_ref(task);
        let Some(live) = self.cluster.get(&reference).await? else {
            return Ok(false);
        };
        remove_hook_finalizer(self.cluster, &reference, &live).await?;
        if live.pointer("/metadata/deletionTimestamp").is_none() {
            let policy = self.settings.hook_deletion_propagation;
            self.cluster
                .delete(&reference, policy, WriteOptions::default())
                .await?;
        }
        Ok(true)
    }
}
