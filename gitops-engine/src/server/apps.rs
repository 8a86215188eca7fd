//! `GET /api/version`, `GET /api/v1/applications` and `GET /api/v1/applications/{name}`.

use axum::Json;
use axum::extract::{Path, RawQuery};
use serde_json::{Value, json};

use super::auth::Caller;
use super::error::{ApiError, Code};
use super::{ServerState, State, rbac_object};
use crate::app::Application;

/// The list query of applications (also the stream's): every filter Argo CD's
/// `ApplicationQuery` has that this server honours.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct AppQuery {
    /// `name`: only this application.
    pub name: Option<String>,
    /// `projects` (repeatable): only applications of these projects.
    pub projects: Vec<String>,
    /// `project`: the project the caller says a single application is in.
    pub project: Option<String>,
    /// `selector`: a label selector.
    pub selector: String,
    /// `repo`: only applications with this source repository.
    pub repo: Option<String>,
    /// `refresh`: `normal` or `hard`.
    pub refresh: Option<String>,
}

impl AppQuery {
    /// Parses a URL query string (`None`: no query).
    pub fn parse(raw: Option<&str>) -> Self {
        let mut query = AppQuery::default();
        for (key, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            let value = value.into_owned();
            match &*key {
                "name" if !value.is_empty() => query.name = Some(value),
                "projects" if !value.is_empty() => query.projects.push(value),
                "project" if !value.is_empty() => query.project = Some(value),
                "selector" => query.selector = value,
                "repo" if !value.is_empty() => query.repo = Some(value),
                "refresh" if !value.is_empty() => query.refresh = Some(value),
                _ => {}
            }
        }
        query
    }

    /// Whether `caller` may see `app` and it passes the name, project and repository
    /// filters (the selector is applied by the API server).
    pub fn admits(&self, caller: &Caller, app: &Application) -> bool {
        caller.can("applications", "get", &rbac_object(app))
            && self.name.as_ref().is_none_or(|n| *n == app.metadata.name)
            && (self.projects.is_empty() || self.projects.contains(&app.spec.project))
            && self.repo.as_ref().is_none_or(|repo| {
                app.spec
                    .source
                    .iter()
                    .chain(&app.spec.sources)
                    .any(|s| s.repo_url.eq_ignore_ascii_case(repo))
            })
    }
}

/// `GET /api/version`.
pub(super) async fn version() -> Json<Value> {
    Json(json!({
        "Version": concat!("v", env!("CARGO_PKG_VERSION")),
        "BuildDate": "",
        "GitCommit": "",
        "GitTreeState": "",
        "GoVersion": "",
        "Compiler": "rustc",
        "Platform": format!("{}/{}", std::env::consts::OS, std::env::consts::ARCH),
    }))
}

/// `GET /api/v1/applications`: the applications the query admits, by name;
/// `"items": null` when there are none (as Argo CD answers).
pub(super) async fn list(
    axum::extract::State(state): State,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let query = AppQuery::parse(raw.as_deref());
    let items = visible_apps(&state, &caller, &query).await?;
    let items = if items.is_empty() {
        Value::Null
    } else {
        Value::Array(items)
    };
    Ok(Json(json!({"metadata": {}, "items": items})))
}

/// The objects of the applications `query` admits for `caller`, sorted by name.
async fn visible_apps(
    state: &ServerState,
    caller: &Caller,
    query: &AppQuery,
) -> Result<Vec<Value>, ApiError> {
    let mut apps = state.store.list(&query.selector).await?;
    apps.retain(|(app, _)| query.admits(caller, app));
    apps.sort_by(|a, b| a.0.metadata.name.cmp(&b.0.metadata.name));
    Ok(apps.into_iter().map(|(_, object)| object).collect())
}

/// `GET /api/v1/applications/{name}`, with `?refresh=normal|hard` asking the controller
/// for a refresh and waiting until it has done it.
pub(super) async fn get(
    axum::extract::State(state): State,
    caller: Caller,
    Path(name): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let query = AppQuery::parse(raw.as_deref());
    let (_, object) = state
        .app_for(&caller, &name, query.project.as_deref(), "get")
        .await?;
    if let Some(kind) = &query.refresh {
        if kind != "normal" && kind != "hard" {
            return Err(ApiError::invalid(format!(
                "unknown refresh type {kind:?}: expected normal or hard"
            )));
        }
        let refreshed = state
            .store
            .refresh(&name, kind, state.config.refresh_patience)
            .await?;
        if !refreshed {
            return Err(ApiError::new(
                Code::DeadlineExceeded,
                "application refresh deadline exceeded",
            ));
        }
        let (_, refreshed) = state.store.get(&name).await?;
        return Ok(Json(refreshed));
    }
    Ok(Json(object))
}
