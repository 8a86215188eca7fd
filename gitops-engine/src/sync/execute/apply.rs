//! One task's write to the cluster: `sync::TaskAction` mapped to `Cluster` calls, with the
//! result message kubectl would print (notes §2.5, §2.6).

use std::time::Duration;

use serde_json::Value;

use crate::cluster::{ApplyMode, Cluster, ClusterError, Gvk, ObjectRef, WriteOptions};
use crate::object;
use crate::sync::{PropagationPolicy, PruneAction, ResourceKey, ResultCode, SyncTask, TaskAction};

/// Field manager of server-side applies.
pub const SERVER_SIDE_MANAGER: &str = "argocd-controller";

/// How long to wait for a written CRD to be established (Argo CD: 3 s).
const CRD_READY_TIMEOUT: Duration = Duration::from_secs(3);

/// How many times a forced re-creation looks for the deleted object to be gone.
const RECREATE_POLLS: u32 = 30;

/// The address of a task's object.
pub(super) fn object_ref(task: &SyncTask) -> ObjectRef {
    let (group, version) = crate::object::split_api_version(&task.api_version);
    ObjectRef {
        gvk: Gvk::new(group, version, &task.key.kind),
        namespace: task.key.namespace.clone(),
        name: task.key.name.clone(),
    }
}

/// The cluster's own message in an error: the API server's `Status.message` when it
/// sent one, else the error as a sentence.
pub(super) fn error_message(e: &ClusterError) -> String {
    match e {
        ClusterError::Api { message, .. } | ClusterError::Conflict { message, .. }
            if !message.is_empty() =>
        {
            message.clone()
        }
        other => other.to_string(),
    }
}

/// `kind.group/name` in lower case (`deployment.apps/web`, `configmap/c`), as kubectl
/// names objects in its output.
fn kubectl_name(key: &ResourceKey) -> String {
    let kind = key.kind.to_lowercase();
    if key.group.is_empty() {
        format!("{kind}/{}", key.name)
    } else {
        format!("{kind}.{}/{}", key.group.to_lowercase(), key.name)
    }
}

/// Writes a task's object (apply, create, replace or update) and returns kubectl's
/// message, e.g. `deployment.apps/web configured`, with ` (dry run)` for a dry run; or
/// the error message.
pub(super) async fn write<C: Cluster>(
    cluster: &C,
    task: &SyncTask,
    dry_run: bool,
    poll_interval: Duration,
) -> Result<String, String> {
    if let (Some(target), false) = (task.target.as_ref(), dry_run)
        && let TaskAction::Apply {
            server_side: true,
            migrate_client_side: true,
            ..
        } = task.operation
    {
        migrate_client_side_fields(cluster, target)
            .await
            .map_err(|e| {
                format!(
                    "Failed to perform client-side apply migration: {}",
                    error_message(&e)
                )
            })?;
    }
    let message = write_object(cluster, task, dry_run, poll_interval)
        .await
        .map_err(|e| error_message(&e))?;
    if let (Some(target), false) = (task.target.as_ref(), dry_run)
        && object::is_crd(target)
    {
        wait_until_established(cluster, task, poll_interval).await;
    }
    Ok(message)
}

/// After a CRD is written: waits (at most [`CRD_READY_TIMEOUT`]) for its `Established`
/// condition, so its custom resources can be applied next. Not established in time is
/// not an error (Argo CD only logs it); the apply of a custom resource then says why.
async fn wait_until_established<C: Cluster>(cluster: &C, task: &SyncTask, poll: Duration) {
    let reference = object_ref(task);
    let established = async {
        loop {
            if let Ok(Some(crd)) = cluster.get(&reference).await
                && crd
                    .pointer("/status/conditions")
                    .and_then(Value::as_array)
                    .is_some_and(|cs| {
                        cs.iter()
                            .any(|c| c["type"] == "Established" && c["status"] == "True")
                    })
            {
                return;
            }
            tokio::time::sleep(poll).await;
        }
    };
    let _ = tokio::time::timeout(CRD_READY_TIMEOUT, established).await;
}

/// Before the first server-side apply of an object written by client-side apply: one
/// more client-side apply (manager `kubectl-client-side-apply`), so the server hands
/// the fields that manager owns over to the server-side apply manager (as Argo CD's
/// engine does).
async fn migrate_client_side_fields<C: Cluster>(
    cluster: &C,
    target: &Value,
) -> Result<(), ClusterError> {
    cluster
        .apply(target, &ApplyMode::ClientSide, WriteOptions::default())
        .await
        .map(drop)
}

async fn write_object<C: Cluster>(
    cluster: &C,
    task: &SyncTask,
    dry_run: bool,
    poll_interval: Duration,
) -> Result<String, ClusterError> {
    let Some(target) = task.target.as_ref() else {
        return Err(ClusterError::InvalidObject(format!(
            "the task for {} has no object to write",
            task.key
        )));
    };
    let opts = WriteOptions { dry_run };
    let name = kubectl_name(&task.key);
    let verb = match task.operation {
        TaskAction::Apply {
            server_side, force, ..
        } => {
            // Dry runs validate the manifest only: never server-side (Argo CD).
            if server_side && !dry_run {
                let mode = ApplyMode::ServerSide {
                    manager: SERVER_SIDE_MANAGER.to_owned(),
                    force: true,
                };
                cluster.apply(target, &mode, opts).await?;
                "serverside-applied"
            } else {
                client_side_apply(
                    cluster,
                    task,
                    target,
                    opts,
                    force && !dry_run,
                    poll_interval,
                )
                .await?
            }
        }
        TaskAction::Create { .. } => {
            cluster.create(target, opts).await?;
            "created"
        }
        TaskAction::Replace { force } if force && !dry_run => {
            recreate(cluster, task, poll_interval, || {
                cluster.create(target, opts)
            })
            .await?;
            "replaced"
        }
        TaskAction::Replace { .. } => {
            cluster.replace(target, opts).await?;
            "replaced"
        }
        TaskAction::Update => {
            let reference = object_ref(task);
            let live = cluster
                .get(&reference)
                .await?
                .ok_or_else(|| ClusterError::NotFound(Box::new(reference)))?;
            let mut update = target.clone();
            update["metadata"]["resourceVersion"] = live["metadata"]["resourceVersion"].clone();
            cluster.replace(&update, opts).await?;
            // Argo CD reports this write as `<Kind>/<name> updated`.
            let message = format!("{}/{} updated", task.key.kind, task.key.name);
            return Ok(dry_run_suffix(message, dry_run));
        }
        TaskAction::Prune(_) => {
            return Err(ClusterError::InvalidObject(format!(
                "{} is pruned, not written",
                task.key
            )));
        }
    };
    Ok(dry_run_suffix(format!("{name} {verb}"), dry_run))
}

fn dry_run_suffix(message: String, dry_run: bool) -> String {
    if dry_run {
        format!("{message} (dry run)")
    } else {
        message
    }
}

/// kubectl-style client-side apply: `created` when the object did not exist,
/// `unchanged` when the write changed nothing, else `configured`. With `force`, an
/// object the server refuses to patch (conflict, invalid change) is deleted and created.
async fn client_side_apply<C: Cluster>(
    cluster: &C,
    task: &SyncTask,
    target: &Value,
    opts: WriteOptions,
    force: bool,
    poll_interval: Duration,
) -> Result<&'static str, ClusterError> {
    let mode = ApplyMode::ClientSide;
    let before = cluster.get(&object_ref(task)).await?;
    let written = match cluster.apply(target, &mode, opts).await {
        Err(e) if force && refused_update(&e) => {
            recreate(cluster, task, poll_interval, || {
                cluster.apply(target, &mode, opts)
            })
            .await?;
            return Ok("configured");
        }
        other => other?,
    };
    Ok(match before {
        None => "created",
        Some(before) if same_object(&before, &written) => "unchanged",
        Some(_) => "configured",
    })
}

/// Whether the server refused to update the object in place.
fn refused_update(e: &ClusterError) -> bool {
    matches!(
        e,
        ClusterError::Conflict { .. } | ClusterError::Api { code: 422, .. }
    )
}

/// Whether a write left the object as it was: equal but for the bookkeeping every write
/// may touch (`resourceVersion`, `managedFields`).
fn same_object(before: &Value, after: &Value) -> bool {
    let strip = |obj: &Value| {
        let mut obj = obj.clone();
        if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.remove("resourceVersion");
            meta.remove("managedFields");
        }
        obj
    };
    strip(before) == strip(after)
}

/// `--force`: deletes the object, waits (bounded) until it is gone, then writes it anew.
async fn recreate<C, F, Fut>(
    cluster: &C,
    task: &SyncTask,
    poll_interval: Duration,
    write: F,
) -> Result<Value, ClusterError>
where
    C: Cluster,
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<Value, ClusterError>>,
{
    let reference = object_ref(task);
    cluster
        .delete(
            &reference,
            PropagationPolicy::Background,
            WriteOptions::default(),
        )
        .await?;
    for _ in 0..RECREATE_POLLS {
        if cluster.get(&reference).await?.is_none() {
            return write().await;
        }
        tokio::time::sleep(poll_interval).await;
    }
    Err(ClusterError::Conflict {
        object: Box::new(reference),
        message: "the object is still being deleted; it cannot be re-created yet".to_owned(),
    })
}

/// Prunes one extraneous object: deletes it, or reports why it stays.
pub(super) async fn prune<C: Cluster>(
    cluster: &C,
    task: &SyncTask,
    action: PruneAction,
    dry_run: bool,
) -> (ResultCode, String) {
    match action {
        PruneAction::RequiresPruning | PruneAction::NoPrune => {
            (ResultCode::PruneSkipped, action.message(dry_run).to_owned())
        }
        PruneAction::Delete { .. } if dry_run => {
            (ResultCode::Pruned, action.message(dry_run).to_owned())
        }
        PruneAction::Delete {
            propagation: policy,
        } => {
            let opts = WriteOptions::default();
            match cluster.delete(&object_ref(task), policy, opts).await {
                Ok(_) => (ResultCode::Pruned, action.message(dry_run).to_owned()),
                Err(e) => (ResultCode::SyncFailed, error_message(&e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // kubectl names objects `<kind>.<group>/<name>` in lower case, the group left out for
    // the core group.
    #[test]
    fn kubectl_names_are_lowercase_kind_dot_group() {
        let name = |g: &str, k: &str, n: &str| kubectl_name(&ResourceKey::new(g, k, "ns", n));
        assert_eq!(name("", "ConfigMap", "c"), "configmap/c");
        assert_eq!(name("apps", "Deployment", "web"), "deployment.apps/web");
        assert_eq!(
            name(
                "apiextensions.k8s.io",
                "CustomResourceDefinition",
                "foos.example.com"
            ),
            "customresourcedefinition.apiextensions.k8s.io/foos.example.com"
        );
    }

    // Every write bumps resourceVersion and may rewrite managedFields; only other changes
    // make an apply "configured".
    #[test]
    fn unchanged_ignores_write_bookkeeping() {
        let before = serde_json::json!({"metadata": {"name": "a", "resourceVersion": "1",
            "managedFields": [{"manager": "x"}]}, "data": {"k": "v"}});
        let mut after = before.clone();
        after["metadata"]["resourceVersion"] = "2".into();
        after["metadata"]["managedFields"] = serde_json::json!([{"manager": "y"}]);
        assert!(same_object(&before, &after));
        after["data"]["k"] = "w".into();
        assert!(!same_object(&before, &after));
    }
}
