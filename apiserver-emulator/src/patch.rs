//! The patch types of `PATCH` requests, chosen by `Content-Type`.

use kustomize_core::smp::{self, Schema};
use serde_json::Value;

use crate::directives::apply_directives;
use crate::error::ApiError;

/// A patch type the emulator accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchType {
    /// `application/json-patch+json` (RFC 6902).
    Json,
    /// `application/merge-patch+json` (RFC 7386).
    Merge,
    /// `application/strategic-merge-patch+json`.
    Strategic,
    /// `application/apply-patch+yaml` (server-side apply, see [`crate::apply`]).
    Apply,
}

impl PatchType {
    /// The patch type of a `Content-Type` header value.
    pub fn from_content_type(content_type: &str) -> Result<Self, ApiError> {
        let media = content_type.split(';').next().unwrap_or("").trim();
        match media {
            "application/json-patch+json" => Ok(PatchType::Json),
            "application/merge-patch+json" => Ok(PatchType::Merge),
            "application/strategic-merge-patch+json" => Ok(PatchType::Strategic),
            "application/apply-patch+yaml" | "application/apply-patch+cbor" => Ok(PatchType::Apply),
            other => Err(ApiError::unsupported_media_type(other)),
        }
    }
}

/// Parses a request body as JSON.
pub fn parse_json(body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("the request body is not valid JSON: {e}")))
}

/// Parses a request body as YAML (which includes JSON).
pub fn parse_yaml(body: &[u8]) -> Result<Value, ApiError> {
    let text = std::str::from_utf8(body)
        .map_err(|e| ApiError::bad_request(format!("the request body is not UTF-8: {e}")))?;
    serde_saphyr::from_str(text)
        .map_err(|e| ApiError::bad_request(format!("the request body is not valid YAML: {e}")))
}

/// Applies a JSON, merge or strategic merge patch to `current`.
///
/// Strategic merge uses Kustomize's merge with the built-in Kubernetes schema:
/// lists of built-in types merge by their patch-merge keys, and lists of
/// types the schema does not know (custom resources) are replaced, as a
/// merge patch would. apimachinery's `$setElementOrder`, `$retainKeys` and
/// `$deleteFromPrimitiveList` directives are then applied (see
/// [`crate::directives`]). Known difference from the API server: without
/// `$setElementOrder`, merged list elements come in Kustomize's order (patch
/// elements first, then the remaining live ones), where the API server keeps
/// the live order.
pub fn apply_patch(current: &Value, kind: PatchType, body: &[u8]) -> Result<Value, ApiError> {
    match kind {
        PatchType::Json => {
            let patch: json_patch::Patch = serde_json::from_slice(body)
                .map_err(|e| ApiError::bad_request(format!("the JSON patch is not valid: {e}")))?;
            let mut doc = current.clone();
            json_patch::patch(&mut doc, &patch).map_err(|e| {
                ApiError::invalid(
                    "",
                    "",
                    "",
                    format!("the JSON patch could not be applied: {e}"),
                )
            })?;
            Ok(doc)
        }
        PatchType::Merge => {
            let patch = parse_json(body)?;
            let mut doc = current.clone();
            json_patch::merge(&mut doc, &patch);
            Ok(doc)
        }
        PatchType::Strategic => strategic(current, &parse_json(body)?),
        PatchType::Apply => Err(ApiError::bad_request(
            "apply patches are handled by server-side apply",
        )),
    }
}

/// Strategic merge of `patch` into `current`.
pub fn strategic(current: &Value, patch: &Value) -> Result<Value, ApiError> {
    match smp::merge(current, patch, Schema::builtin()) {
        Ok(Some(mut merged)) => {
            apply_directives(patch, &mut merged);
            Ok(merged)
        }
        Ok(None) => Err(ApiError::bad_request(
            "a strategic merge patch that deletes the whole object is not supported",
        )),
        Err(e) => Err(ApiError::bad_request(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment() -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
               "spec": {"template": {"spec": {"containers": [
                   {"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1"}]}}}})
    }

    #[test]
    fn content_types() {
        assert_eq!(
            PatchType::from_content_type("application/merge-patch+json; charset=utf-8"),
            Ok(PatchType::Merge)
        );
        assert_eq!(
            PatchType::from_content_type("application/json").map_err(|e| e.code),
            Err(415)
        );
    }

    #[test]
    fn strategic_merges_containers_by_name_while_merge_patch_replaces() {
        let patch =
            br#"{"spec":{"template":{"spec":{"containers":[{"name":"b","image":"b:2"}]}}}}"#;
        let smp = apply_patch(&deployment(), PatchType::Strategic, patch).expect("smp");
        let containers = &smp["spec"]["template"]["spec"]["containers"];
        assert_eq!(containers.as_array().map(Vec::len), Some(2));
        assert!(
            containers
                .as_array()
                .is_some_and(|c| c.contains(&json!({"name": "b", "image": "b:2"})))
        );
        let merged = apply_patch(&deployment(), PatchType::Merge, patch).expect("merge");
        assert_eq!(
            merged["spec"]["template"]["spec"]["containers"],
            json!([{"name": "b", "image": "b:2"}])
        );
    }

    #[test]
    fn json_patch_test_failure_is_invalid() {
        let patch = br#"[{"op":"test","path":"/metadata/name","value":"x"}]"#;
        let err = apply_patch(&deployment(), PatchType::Json, patch).expect_err("test op fails");
        assert_eq!(err.code, 422);
        let ok = br#"[{"op":"replace","path":"/metadata/name","value":"e"}]"#;
        assert_eq!(
            apply_patch(&deployment(), PatchType::Json, ok).expect("ok")["metadata"]["name"],
            "e"
        );
    }
}
