//! Hook bookkeeping: the hook finalizer comes off completed hooks, and hooks are deleted
//! by their delete policies (notes §2.2, §2.8).

use serde_json::Value;

use super::apply::{error_message, object_ref};
use super::run::Run;
use crate::cluster::{Cluster, ClusterError, ObjectRef, WriteOptions};
use crate::sync::hooks::HOOK_FINALIZER;
use crate::sync::{SyncTask, TaskPhase, TaskResult};

/// How many times a finalizer removal is retried after a write conflict.
const CONFLICT_RETRIES: u32 = 3;

impl<C: Cluster> Run<'_, C> {
    /// Marks a task's result `Error` with `message`, keeping its status.
    fn record_error(&mut self, task: &SyncTask, message: String) {
        let result = TaskResult {
            status: None,
            phase: Some(TaskPhase::Error),
            message,
        };
        self.results.update(task, &result);
    }

    /// Removes the hook finalizer from completed hooks (nothing in a dry-run operation).
    pub(super) async fn remove_hook_finalizers(&mut self, keys: &[String]) {
        if self.plan.dry_run {
            return;
        }
        for key in keys {
            let Some(task) = self.tasks.get(key).copied() else {
                continue;
            };
            let Some(live) = self.live.get(&task.key) else {
                continue;
            };
            if let Err(e) = remove_hook_finalizer(self.cluster, &object_ref(task), live).await {
                let message = format!("Failed to remove hook finalizer: {}", error_message(&e));
                self.record_error(task, message);
            }
        }
    }

    /// Deletes hooks by their delete policy; `false` when a deletion failed (recorded on
    /// the hook's result).
    pub(super) async fn delete_hooks(&mut self, keys: &[String]) -> bool {
        if self.plan.dry_run {
            return true;
        }
        let policy = self.settings.hook_deletion_propagation;
        let mut all_deleted = true;
        for key in keys {
            let Some(task) = self.tasks.get(key).copied() else {
                continue;
            };
            let deleted = self
                .cluster
                .delete(&object_ref(task), policy, WriteOptions::default())
                .await;
            if let Err(e) = deleted {
                all_deleted = false;
                let message = format!("failed to delete resource: {}", error_message(&e));
                self.record_error(task, message);
            }
        }
        all_deleted
    }
}

fn has_hook_finalizer(obj: &Value) -> bool {
    obj.pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .is_some_and(|fs| fs.iter().any(|f| f == HOOK_FINALIZER))
}

/// Removes the hook finalizer from a live object (an update with its resourceVersion,
/// re-read and retried on conflict); nothing to do when it has none or is gone.
pub(super) async fn remove_hook_finalizer<C: Cluster>(
    cluster: &C,
    reference: &ObjectRef,
    live: &Value,
) -> Result<(), ClusterError> {
    let mut live = live.clone();
    for _ in 0..CONFLICT_RETRIES {
        if !has_hook_finalizer(&live) {
            return Ok(());
        }
        if let Some(finalizers) = live
            .pointer_mut("/metadata/finalizers")
            .and_then(Value::as_array_mut)
        {
            finalizers.retain(|f| f != HOOK_FINALIZER);
        }
        match cluster.replace(&live, WriteOptions::default()).await {
            Ok(_) | Err(ClusterError::NotFound(_)) => return Ok(()),
            Err(ClusterError::Conflict { .. }) => match cluster.get(reference).await? {
                Some(fresh) => live = fresh,
                None => return Ok(()),
            },
            Err(e) => return Err(e),
        }
    }
    Err(ClusterError::Conflict {
        object: Box::new(reference.clone()),
        message: "the object kept changing while its hook finalizer was removed".to_owned(),
    })
}
