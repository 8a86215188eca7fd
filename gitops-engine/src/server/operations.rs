//! Writes: `POST …/sync`, `POST …/rollback` (the `operation` the controller runs) and
//! `DELETE /api/v1/applications/{name}` (with or without cascading to its resources).

use axum::Json;
use axum::extract::{Path, RawQuery};
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

use super::State;
use super::auth::Caller;
use super::error::{ApiError, Code};
use crate::app::{
    RESOURCES_FINALIZER, RESOURCES_FINALIZER_BACKGROUND, RESOURCES_FINALIZER_FOREGROUND,
    RollbackRequest, SyncRequest, auto_sync_revision_conflict, rollback_operation_with,
    sync_operation,
};
use crate::cluster::{Cluster, PropagationPolicy, WriteOptions};
use crate::sync::SelectedResource;

/// The body of `POST …/sync` (Argo CD's `ApplicationSyncRequest`).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct SyncBody {
    revision: String,
    prune: bool,
    dry_run: bool,
    strategy: Option<StrategyBody>,
    /// Argo CD's `SyncOperationResource`s: `group` and `namespace` may be omitted.
    #[serde(deserialize_with = "crate::app::serde_util::resources::deserialize")]
    resources: Vec<SelectedResource>,
    sync_options: Option<SyncOptionsBody>,
    manifests: Vec<String>,
}

/// `strategy`: `{"apply": {"force": b}}` or `{"hook": {"force": b}}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct StrategyBody {
    apply: Option<ForceBody>,
    hook: Option<ForceBody>,
}

/// `{"force": b}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ForceBody {
    force: bool,
}

/// `syncOptions`: `{"items": [...]}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SyncOptionsBody {
    items: Vec<String>,
}

/// The body of `POST …/rollback`; `id` is an int64, which grpc-gateway also accepts
/// as a JSON string.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct RollbackBody {
    #[serde(deserialize_with = "int64")]
    id: i64,
    dry_run: bool,
    prune: bool,
}

/// An int64 given as a JSON number or string.
fn int64<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    match Value::deserialize(d)? {
        Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| serde::de::Error::custom(format!("{n} is not an int64"))),
        Value::String(s) => s
            .parse()
            .map_err(|_| serde::de::Error::custom(format!("{s:?} is not an int64"))),
        Value::Null => Ok(0),
        other => Err(serde::de::Error::custom(format!("{other} is not an int64"))),
    }
}

/// Parses a JSON body, answering `InvalidArgument` with the field at fault.
fn parse_body<T: for<'de> Deserialize<'de> + Default>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de)
        .map_err(|e| ApiError::invalid(format!("request body: field {}: {}", e.path(), e.inner())))
}

/// `POST /api/v1/applications/{name}/sync`: requests a sync; answers the Application.
pub(super) async fn sync(
    axum::extract::State(state): State,
    caller: Caller,
    Path(name): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    let body: SyncBody = parse_body(&body)?;
    if !body.manifests.is_empty() {
        return Err(ApiError::invalid(
            "syncing to local manifests is not supported by this server",
        ));
    }
    let (app, _) = state.app_for(&caller, &name, None, "sync").await?;
    if !body.dry_run
        && let Some(message) = auto_sync_revision_conflict(&app, &body.revision)
    {
        return Err(ApiError::new(Code::FailedPrecondition, message));
    }
    let strategy = body.strategy.unwrap_or_default();
    let (strategy, force) = match (strategy.apply, strategy.hook) {
        (Some(apply), _) => (Some("apply".to_owned()), apply.force),
        (None, Some(hook)) => (Some("hook".to_owned()), hook.force),
        (None, None) => (None, false),
    };
    let request = SyncRequest {
        revision: body.revision,
        prune: body.prune,
        dry_run: body.dry_run,
        force,
        strategy,
        resources: body.resources,
        sync_options: body.sync_options.map(|o| o.items),
        username: caller.username.clone(),
    };
    let operation = sync_operation(&app, &request);
    let (_, written) = state.store.request_operation(&name, &operation).await?;
    Ok(Json(written))
}

/// `POST /api/v1/applications/{name}/rollback`: requests a sync back to history entry
/// `id`; answers the Application.
pub(super) async fn rollback(
    axum::extract::State(state): State,
    caller: Caller,
    Path(name): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    let body: RollbackBody = parse_body(&body)?;
    let (app, _) = state.app_for(&caller, &name, None, "sync").await?;
    let operation = rollback_operation_with(
        &app,
        body.id,
        &RollbackRequest {
            prune: body.prune,
            dry_run: body.dry_run,
            username: caller.username.clone(),
        },
    )
    .map_err(|e| match e {
        crate::app::AppError::UnknownHistoryId { app: name, id } => ApiError::invalid(format!(
            "application {}/{name} does not have deployment with id {id}",
            state.config.namespace
        )),
        e => e.into(),
    })?;
    let (_, written) = state.store.request_operation(&name, &operation).await?;
    Ok(Json(written))
}

/// Argo CD's finalizers that make the controller delete an app's resources.
const RESOURCES_FINALIZERS: [&str; 3] = [
    RESOURCES_FINALIZER,
    RESOURCES_FINALIZER_FOREGROUND,
    RESOURCES_FINALIZER_BACKGROUND,
];

/// How often the finalizer write of a deletion is retried when it raced a status write.
const DELETE_RETRIES: usize = 5;

/// The finalizer a cascading deletion with `policy` sets (`""`: the default).
fn cascade_finalizer(policy: &str) -> Result<&'static str, ApiError> {
    match policy {
        "" => Ok(RESOURCES_FINALIZERS[0]),
        "foreground" => Ok(RESOURCES_FINALIZERS[1]),
        "background" => Ok(RESOURCES_FINALIZERS[2]),
        other => Err(ApiError::invalid(format!(
            "invalid propagation policy: {other}"
        ))),
    }
}

/// `DELETE /api/v1/applications/{name}?cascade=&propagationPolicy=`: with cascade (the
/// default) a resources finalizer makes the controller delete the app's resources
/// first; without, the finalizers are removed and the resources stay. Answers `{}`.
pub(super) async fn delete(
    axum::extract::State(state): State,
    caller: Caller,
    Path(name): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let mut cascade = true;
    let mut policy = String::new();
    for (key, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match &*key {
            "cascade" => {
                cascade = value.parse().map_err(|_| {
                    ApiError::invalid(format!("cascade: {value:?} is not true or false"))
                })?
            }
            "propagationPolicy" => policy = value.to_lowercase(),
            _ => {}
        }
    }
    if !cascade && !policy.is_empty() {
        return Err(ApiError::invalid(
            "cannot set propagation policy when cascading is disabled",
        ));
    }
    // The controller writes the app's status meanwhile: retry the conditional write.
    let mut attempts = 0;
    loop {
        attempts += 1;
        let (app, object) = state.app_for(&caller, &name, None, "delete").await?;
        let mut finalizers: Vec<String> = app
            .metadata
            .finalizers
            .iter()
            .filter(|f| !RESOURCES_FINALIZERS.contains(&f.as_str()))
            .cloned()
            .collect();
        let had_cascade = finalizers.len() != app.metadata.finalizers.len();
        if cascade {
            let wanted = cascade_finalizer(&policy)?;
            match app
                .metadata
                .finalizers
                .iter()
                .find(|f| RESOURCES_FINALIZERS.contains(&f.as_str()))
            {
                Some(existing) if policy.is_empty() => finalizers.push(existing.clone()),
                _ => finalizers.push(wanted.to_owned()),
            }
        }
        if cascade || had_cascade {
            let patch = json!({
                "metadata": {
                    "resourceVersion": object["metadata"]["resourceVersion"].clone(),
                    "finalizers": finalizers,
                }
            });
            match state.store.merge_patch(&name, &patch).await {
                Err(crate::app::store::StoreError::Conflict(_)) if attempts < DELETE_RETRIES => {
                    continue;
                }
                written => {
                    written?;
                }
            }
        }
        break;
    }
    state
        .store
        .cluster()
        .delete(
            &state.store.object_ref(&name),
            PropagationPolicy::Background,
            WriteOptions::default(),
        )
        .await?;
    Ok(Json(json!({})))
}
