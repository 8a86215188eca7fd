//! `GET /api/v1/applications/{name}/managed-resources`: per managed resource its target,
//! live, normalised and predicted states (JSON text, Secret values masked), from a
//! comparison of the live objects with the desired state rendered now (reaching
//! private repositories with the repository Secrets of the namespace).

use axum::Json;
use axum::extract::Path;
use serde_json::{Value, json};

use super::State;
use super::auth::Caller;
use super::error::ApiError;
use crate::diff::hide_secret_data;
use crate::sync::ResourceKey;

/// `GET …/managed-resources`: `{"items": [...]}` in the order of `status.resources`.
pub(super) async fn managed_resources(
    axum::extract::State(state): State,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (app, _) = state.app_for(&caller, &name, None, "get").await?;
    let namespace = &state.config.namespace;
    // Private repositories: the repository Secrets as they are now.
    let (access, problems) = state.store.repo_access().await;
    for problem in problems {
        tracing::warn!(%problem, "repository access");
    }
    state.sources.set_access(access);
    let rendered = state
        .store
        .render_desired(&app, &state.sources, None, None, namespace)
        .await?;
    let comparison = state.store.compare_live(&app, rendered, namespace).await?;
    let items: Vec<Value> = comparison
        .resources
        .iter()
        .map(|resource| {
            let key = ResourceKey::new(
                &resource.group,
                &resource.kind,
                &resource.namespace,
                &resource.name,
            );
            let target = comparison
                .desired
                .iter()
                .find(|d| ResourceKey::of(d) == key);
            let live = comparison.live.iter().find(|l| ResourceKey::of(l) == key);
            let (target, live) = hide_secret_data(target, live, &[]);
            let diff = comparison.diffs.iter().find(|d| d.key == key);
            let (normalized, predicted) = match diff {
                Some(d) => (
                    d.result.normalized_live.clone(),
                    d.result.predicted_live.clone(),
                ),
                None => (live.clone().unwrap_or(Value::Null), Value::Null),
            };
            let resource_version = live
                .as_ref()
                .and_then(|l| l["metadata"]["resourceVersion"].as_str())
                .unwrap_or("")
                .to_owned();
            json!({
                "group": resource.group,
                "kind": resource.kind,
                "namespace": resource.namespace,
                "name": resource.name,
                "targetState": text(&target.unwrap_or(Value::Null)),
                "liveState": text(&live.unwrap_or(Value::Null)),
                "normalizedLiveState": text(&normalized),
                "predictedLiveState": text(&predicted),
                "hook": resource.hook,
                "resourceVersion": resource_version,
                "modified": comparison.modified.get(&key).copied().unwrap_or(false),
            })
        })
        .collect();
    Ok(Json(json!({"items": items})))
}

/// A state as Argo CD sends it: compact JSON text (`"null"` for none).
fn text(value: &Value) -> String {
    value.to_string()
}
