//! Requesting an operation: writing the Application's top-level `operation` field, as
//! Argo CD's API server does, and who asks.

use gitops_engine::app::Operation;
use jiff::Timestamp;
use serde_json::{Value, json};

use super::client::{Apps, WriteConflict};
use super::error::CliError;

/// How often a write that raced another one is retried.
const CONFLICT_RETRIES: usize = 5;

/// The local user, recorded in `initiatedBy.username`.
pub fn local_user() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Writes `operation` onto application `name` and clears `status.operationState`,
/// refusing when an operation is already requested. Returns the request time (whole
/// seconds, like the controller's `startedAt`).
pub async fn request(
    apps: &Apps,
    name: &str,
    operation: &Operation,
) -> Result<Timestamp, CliError> {
    let operation = serde_json::to_value(operation).map_err(|e| CliError::Write {
        name: name.to_owned(),
        message: e.to_string(),
    })?;
    for _ in 0..CONFLICT_RETRIES {
        let (app, object) = apps.get(name).await?;
        if app.operation.is_some() {
            return Err(CliError::OperationInProgress);
        }
        let requested_at = Timestamp::from_second(Timestamp::now().as_second())
            .unwrap_or_else(|_| Timestamp::now());
        let patch = json!({
            "metadata": {"resourceVersion": object["metadata"]["resourceVersion"].clone()},
            "operation": operation.clone(),
            "status": {"operationState": Value::Null},
        });
        match apps.merge_patch(name, &patch).await {
            Ok(_) => return Ok(requested_at),
            Err(WriteConflict::Conflict(_)) => continue,
            Err(WriteConflict::Failed(e)) => return Err(e),
        }
    }
    Err(CliError::Conflict(name.to_owned()))
}
