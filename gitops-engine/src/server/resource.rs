//! `GET /api/v1/applications/{name}/resource`: the live manifest of one object of the
//! app's tree (`?namespace=&resourceName=&group=&version=&kind=`), Secret values masked.

use axum::Json;
use axum::extract::{Path, RawQuery};
use serde_json::{Value, json};

use super::State;
use super::auth::Caller;
use super::error::{ApiError, Code};
use super::tree::tree_nodes;
use crate::cluster::{Cluster, Gvk, ObjectRef};
use crate::diff::hide_secret_data;

/// `GET …/resource`: `{"manifest": "<JSON text>"}`; only objects of the app's tree.
pub(super) async fn resource(
    axum::extract::State(state): State,
    caller: Caller,
    Path(name): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let (app, _) = state.app_for(&caller, &name, None, "get").await?;
    let (mut namespace, mut resource_name) = (String::new(), String::new());
    let (mut group, mut version, mut kind) = (String::new(), String::new(), String::new());
    for (key, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        let value = value.into_owned();
        match &*key {
            "namespace" => namespace = value,
            "resourceName" => resource_name = value,
            "group" => group = value,
            "version" => version = value,
            "kind" => kind = value,
            _ => {}
        }
    }
    let nodes = tree_nodes(&state, &app).await?;
    let node = nodes
        .iter()
        .find(|n| {
            n["group"] == group.as_str()
                && n["kind"] == kind.as_str()
                && n["namespace"] == namespace.as_str()
                && n["name"] == resource_name.as_str()
        })
        .ok_or_else(|| {
            ApiError::new(
                Code::NotFound,
                format!(
                    "{kind} {namespace}/{resource_name} not found as part of application {name}"
                ),
            )
        })?;
    let version = if version.is_empty() {
        node["version"].as_str().unwrap_or("").to_owned()
    } else {
        version
    };
    let object = ObjectRef {
        gvk: Gvk::new(&group, &version, &kind),
        namespace,
        name: resource_name,
    };
    let live = state
        .store
        .cluster()
        .get(&object)
        .await?
        .ok_or_else(|| ApiError::new(Code::NotFound, format!("{object} not found")))?;
    let (_, masked) = hide_secret_data(None, Some(&live), &[]);
    Ok(Json(
        json!({"manifest": masked.unwrap_or(Value::Null).to_string()}),
    ))
}
