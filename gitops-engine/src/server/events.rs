//! `GET /api/v1/applications/{name}/events`: the Kubernetes Events about the app, or
//! with `resourceName`/`resourceNamespace`/`resourceUID` about one of its resources.

use axum::Json;
use axum::extract::{Path, RawQuery};
use serde_json::{Value, json};

use super::State;
use super::auth::Caller;
use super::error::ApiError;
use crate::cluster::{Cluster, Gvk};

/// `GET …/events`: an `EventList` (`{"metadata", "items"}`), oldest first.
pub(super) async fn events(
    axum::extract::State(state): State,
    caller: Caller,
    Path(name): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let (app, _) = state.app_for(&caller, &name, None, "get").await?;
    let (mut resource_name, mut resource_namespace, mut resource_uid) =
        (String::new(), String::new(), String::new());
    for (key, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match &*key {
            "resourceName" => resource_name = value.into_owned(),
            "resourceNamespace" => resource_namespace = value.into_owned(),
            "resourceUID" => resource_uid = value.into_owned(),
            _ => {}
        }
    }
    let (namespace, involved_name, involved_uid) = if resource_name.is_empty() {
        (
            state.config.namespace.clone(),
            app.metadata.name.clone(),
            app.metadata.uid.clone(),
        )
    } else {
        if !app
            .status
            .resources
            .iter()
            .any(|r| r.name == resource_name && (r.namespace == resource_namespace))
        {
            return Err(ApiError::permission_denied());
        }
        (resource_namespace, resource_name, resource_uid)
    };
    let mut items: Vec<Value> = state
        .store
        .cluster()
        .list(&Gvk::new("", "v1", "Event"), Some(&namespace), "")
        .await?
        .into_iter()
        .filter(|event| {
            let involved = &event["involvedObject"];
            involved["name"] == involved_name.as_str()
                && (involved_uid.is_empty()
                    || involved["uid"].as_str().is_none_or(|u| u == involved_uid))
        })
        .collect();
    items.sort_by_key(|e| {
        e["lastTimestamp"]
            .as_str()
            .or_else(|| e["eventTime"].as_str())
            .unwrap_or("")
            .to_owned()
    });
    Ok(Json(json!({"metadata": {}, "items": items})))
}
