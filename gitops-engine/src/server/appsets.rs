//! `GET /api/v1/applicationsets` and `GET /api/v1/applicationsets/{name}` (read only).

use axum::Json;
use axum::extract::{Path, RawQuery};
use serde_json::{Value, json};

use super::State;
use super::auth::Caller;
use super::error::ApiError;
use crate::cluster::{Cluster, Gvk, ObjectRef};

/// The group, version and kind of ApplicationSets.
fn appset_gvk() -> Gvk {
    Gvk::new("argoproj.io", "v1alpha1", "ApplicationSet")
}

/// The project of an ApplicationSet: its template's `spec.project`.
fn appset_project(appset: &Value) -> &str {
    appset["spec"]["template"]["spec"]["project"]
        .as_str()
        .unwrap_or("")
}

/// The RBAC object of an ApplicationSet: `<project>/<name>`.
fn rbac_object(appset: &Value) -> String {
    format!(
        "{}/{}",
        appset_project(appset),
        appset["metadata"]["name"].as_str().unwrap_or("")
    )
}

/// `GET /api/v1/applicationsets?selector=&projects=`: `{"metadata", "items"}` by name.
pub(super) async fn list(
    axum::extract::State(state): State,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let (mut selector, mut projects) = (String::new(), Vec::new());
    for (key, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match &*key {
            "selector" => selector = value.into_owned(),
            "projects" | "project" => projects.push(value.into_owned()),
            _ => {}
        }
    }
    let mut items = match state
        .store
        .cluster()
        .list(&appset_gvk(), Some(&state.config.namespace), &selector)
        .await
    {
        Ok(items) => items,
        Err(crate::cluster::ClusterError::UnknownKind(_)) => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    items.retain(|a| {
        (projects.is_empty() || projects.iter().any(|p| p == appset_project(a)))
            && caller.can("applicationsets", "get", &rbac_object(a))
    });
    items.sort_by_key(|a| a["metadata"]["name"].as_str().unwrap_or("").to_owned());
    let items = if items.is_empty() {
        Value::Null
    } else {
        Value::Array(items)
    };
    Ok(Json(json!({"metadata": {}, "items": items})))
}

/// `GET /api/v1/applicationsets/{name}`.
pub(super) async fn get(
    axum::extract::State(state): State,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let object = ObjectRef {
        gvk: appset_gvk(),
        namespace: state.config.namespace.clone(),
        name: name.clone(),
    };
    match state.store.cluster().get(&object).await {
        Ok(Some(appset)) if caller.can("applicationsets", "get", &rbac_object(&appset)) => {
            Ok(Json(appset))
        }
        Ok(Some(_)) => Err(ApiError::permission_denied()),
        Ok(None) | Err(crate::cluster::ClusterError::UnknownKind(_)) => Err(ApiError::new(
            super::Code::NotFound,
            format!("applicationsets.argoproj.io \"{name}\" not found"),
        )),
        Err(e) => Err(e.into()),
    }
}
