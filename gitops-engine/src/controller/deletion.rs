//! Deleting an app: with Argo CD's resources finalizer, the objects the app
//! manages are deleted (foreground, or background for the `/background`
//! variant) before the finalizer is removed and the Application goes away;
//! without it the objects stay, as in Argo CD.

use std::time::Duration;

use serde_json::{Value, json};
use tracing::info;

use super::{PassOutcome, Shared, destinations};
use crate::app::Application;
use crate::cluster::{
    Cluster, ClusterError, EventType, Gvk, ObjectRef, PropagationPolicy, WriteOptions,
};

use crate::app::{
    RESOURCES_FINALIZER, RESOURCES_FINALIZER_BACKGROUND, RESOURCES_FINALIZER_FOREGROUND,
};

/// How long to wait before looking again at objects still being deleted.
const RECHECK: Duration = Duration::from_secs(1);

/// Handles an app being deleted: deletes its resources when a resources
/// finalizer asks for it, then removes the finalizer once they are gone.
pub(crate) async fn finalize(
    shared: &Shared,
    app: &Application,
    object: &Value,
) -> Result<PassOutcome, ClusterError> {
    let propagation = if app
        .metadata
        .finalizers
        .iter()
        .any(|f| f == RESOURCES_FINALIZER || f == RESOURCES_FINALIZER_FOREGROUND)
    {
        PropagationPolicy::Foreground
    } else if app
        .metadata
        .finalizers
        .iter()
        .any(|f| f == RESOURCES_FINALIZER_BACKGROUND)
    {
        PropagationPolicy::Background
    } else {
        return Ok(PassOutcome::default());
    };
    let destination = match destinations::resolve(shared, app).await? {
        Ok(destination) => destination,
        Err(message) => {
            return Err(ClusterError::InvalidObject(format!(
                "cannot delete the resources of {}: {message}",
                app.metadata.name
            )));
        }
    };
    let target = shared
        .destinations
        .connect(
            shared,
            &shared.app_key(&app.metadata.namespace, &app.metadata.name),
            &destination,
        )
        .map_err(ClusterError::Transport)?;
    let mut remaining = 0;
    for resource in app.status.resources.iter().filter(|r| !r.hook) {
        let object = ObjectRef {
            gvk: Gvk::new(&resource.group, &resource.version, &resource.kind),
            namespace: resource.namespace.clone(),
            name: resource.name.clone(),
        };
        match target.kube.get(&object).await {
            Ok(None) | Err(ClusterError::UnknownKind(_)) => continue,
            Ok(Some(live)) if live["metadata"]["deletionTimestamp"].is_string() => {}
            Ok(Some(_)) => {
                target
                    .kube
                    .delete(&object, propagation, WriteOptions::default())
                    .await?;
            }
            Err(e) => return Err(e),
        }
        remaining += 1;
    }
    if remaining > 0 {
        return Ok(PassOutcome {
            requeue_after: Some(RECHECK),
            ..PassOutcome::default()
        });
    }
    let kept: Vec<&String> = app
        .metadata
        .finalizers
        .iter()
        .filter(|f| {
            ![
                RESOURCES_FINALIZER,
                RESOURCES_FINALIZER_FOREGROUND,
                RESOURCES_FINALIZER_BACKGROUND,
            ]
            .contains(&f.as_str())
        })
        .collect();
    let patch = json!({"metadata": {
        "finalizers": kept,
        "resourceVersion": object["metadata"]["resourceVersion"],
    }});
    shared
        .cluster
        .merge_patch(&ObjectRef::of(object)?, &patch, WriteOptions::default())
        .await?;
    info!(app = %app.metadata.name, "resources deleted; finalizer removed");
    shared
        .destinations
        .release(&shared.app_key(&app.metadata.namespace, &app.metadata.name));
    let _ = shared
        .events
        .publish(
            object,
            EventType::Normal,
            "ResourcesDeleted",
            "deleted the application's resources",
        )
        .await;
    Ok(PassOutcome::default())
}
