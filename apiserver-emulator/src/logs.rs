//! `GET …/pods/<name>/log`: no process runs in the emulator, so a Pod's log
//! is a short synthetic text naming its container and image.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::error::ApiError;

/// The log of one container of a Pod (`container` picks it; required when
/// the Pod has several), honouring `tailLines`.
pub fn pod_log(
    pod: &Value,
    params: &std::collections::HashMap<String, String>,
) -> Result<Response, ApiError> {
    let name = pod["metadata"]["name"].as_str().unwrap_or("");
    let containers: Vec<&Value> = pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let container = match params.get("container") {
        Some(wanted) => containers
            .iter()
            .find(|c| c["name"].as_str() == Some(wanted))
            .ok_or_else(|| {
                ApiError::bad_request(format!("container {wanted} is not valid for pod {name}"))
            })?,
        None if containers.len() == 1 => &containers[0],
        None => {
            let names: Vec<&str> = containers
                .iter()
                .filter_map(|c| c["name"].as_str())
                .collect();
            return Err(ApiError::bad_request(format!(
                "a container name must be specified for pod {name}, choose one of: [{}]",
                names.join(" ")
            )));
        }
    };
    let running = pod["status"]["phase"] == "Running";
    if !running {
        return Err(ApiError::bad_request(format!(
            "container {:?} in pod {name:?} is waiting to start: ContainerCreating",
            container["name"].as_str().unwrap_or("")
        )));
    }
    let started = pod["status"]["startTime"].as_str().unwrap_or("");
    let image = container["image"].as_str().unwrap_or("");
    let lines = [
        format!(
            "{started} container {} started from image {image}",
            container["name"].as_str().unwrap_or("")
        ),
        format!("{started} (apiserver-emulator: no process runs; this log is synthetic)"),
    ];
    let tail = params
        .get("tailLines")
        .and_then(|t| t.parse::<usize>().ok())
        .unwrap_or(lines.len())
        .min(lines.len());
    let text: String = lines[lines.len() - tail..]
        .iter()
        .map(|l| format!("{l}\n"))
        .collect();
    Ok(([(header::CONTENT_TYPE, "text/plain")], text).into_response())
}
