//! What the executor observes of live objects, and the hook bookkeeping it does on them:
//! health (`health::health` → `sync::LiveState`) and the hook finalizer.

use serde_json::Value;

use crate::cluster::{Cluster, ClusterError, ObjectRef, WriteOptions};
use crate::health::{self, HealthRules, HealthStatus, HealthStatusCode};
use crate::sync::hooks::HOOK_FINALIZER;
use crate::sync::{Health, HealthCode, LiveState};

/// How many times a finalizer removal is retried after a write conflict.
const CONFLICT_RETRIES: u32 = 3;

/// The state of a live object as the decision function reads it.
pub(super) fn live_state(obj: &Value, rules: &HealthRules) -> LiveState {
    LiveState {
        health: health::health(obj, rules).map(to_sync_health),
        deleting: obj
            .pointer("/metadata/deletionTimestamp")
            .is_some_and(|t| !t.is_null()),
    }
}

fn to_sync_health(status: HealthStatus) -> Health {
    let code = match status.status {
        HealthStatusCode::Healthy => HealthCode::Healthy,
        HealthStatusCode::Suspended => HealthCode::Suspended,
        HealthStatusCode::Progressing => HealthCode::Progressing,
        HealthStatusCode::Missing => HealthCode::Missing,
        HealthStatusCode::Degraded => HealthCode::Degraded,
        HealthStatusCode::Unknown => HealthCode::Unknown,
    };
    Health {
        code,
        message: status.message,
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
