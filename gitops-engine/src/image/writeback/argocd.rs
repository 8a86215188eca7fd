//! The `argocd` write-back method: a JSON merge patch of the Application's
//! `spec.source.kustomize.images`, or of `spec.source.helm.parameters` for
//! a Helm application.
//!
//! A merge patch replaces a list whole, so the patch carries the complete
//! new list: the Application's current entries with each new image merged
//! in as Argo CD's `MergeImage` does (an entry for the same image is
//! replaced, others are kept, a new image is appended).

use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::{Value, json};

use crate::source::set_argocd_source_image;

use super::helm::{merge_parameters, parameters_at};
use crate::source::HelmParameter;

/// Why the patch could not be made or applied.
#[derive(Debug, thiserror::Error)]
pub enum ArgocdPatchError {
    /// `spec.source.kustomize.images` holds something other than strings.
    #[error("application {app}: spec.source.kustomize.images: expected a list of strings")]
    NotAStringList {
        /// The application's name.
        app: String,
    },
    /// `spec.source.helm.parameters` is not a list of parameters.
    #[error("application {app}: spec.source.helm.parameters: {problem}")]
    BadParameters {
        /// The application's name.
        app: String,
        /// What is wrong.
        problem: String,
    },
    /// An image entry is invalid.
    #[error("application {app}: image {image:?}: {problem}")]
    InvalidImage {
        /// The application's name.
        app: String,
        /// The entry.
        image: String,
        /// What is wrong.
        problem: String,
    },
    /// The API server refused the patch.
    #[error("patching application {namespace}/{app}: {source}")]
    Api {
        /// The application's namespace.
        namespace: String,
        /// The application's name.
        app: String,
        /// The client error.
        #[source]
        source: kube::Error,
    },
}

/// The merge patch setting `images` (entries like `nginx:1.21.0` or
/// `orig=new:tag`) in the Application's `spec.source.kustomize.images`.
pub fn images_patch(app: &Value, images: &[String]) -> Result<Value, ArgocdPatchError> {
    let name = app
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let current = match app.pointer("/spec/source/kustomize/images") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| ArgocdPatchError::NotAStringList { app: name.clone() })?,
        Some(_) => return Err(ArgocdPatchError::NotAStringList { app: name }),
    };
    // The override-file editor merges images the way Argo CD does; run it
    // on the list written as YAML (JSON strings are YAML scalars).
    let mut text = String::from("kustomize:\n  images:\n");
    for image in &current {
        text.push_str(&format!("  - {}\n", Value::String(image.clone())));
    }
    if current.is_empty() {
        text = String::new();
    }
    for image in images {
        text =
            set_argocd_source_image(&text, image).map_err(|e| ArgocdPatchError::InvalidImage {
                app: name.clone(),
                image: image.clone(),
                problem: e.to_string(),
            })?;
    }
    let merged = kustomize_core::yaml::parse_document(&text)
        .ok()
        .and_then(|doc| doc.pointer("/kustomize/images").cloned())
        .unwrap_or_else(|| json!([]));
    Ok(json!({ "spec": { "source": { "kustomize": { "images": merged } } } }))
}

/// The merge patch setting `updates` in the Application's
/// `spec.source.helm.parameters`: the complete list, an entry of the same
/// name replaced, sorted by name.
pub fn helm_parameters_patch(
    app: &Value,
    updates: &[HelmParameter],
) -> Result<Value, ArgocdPatchError> {
    let current = parameters_at(app, "/spec/source/helm/parameters").map_err(|problem| {
        ArgocdPatchError::BadParameters {
            app: app
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            problem,
        }
    })?;
    let merged = merge_parameters(&current, updates);
    Ok(json!({ "spec": { "source": { "helm": { "parameters": merged } } } }))
}

/// The API resource of Argo CD Applications.
pub fn application_resource() -> ApiResource {
    let gvk = crate::app::application_gvk();
    ApiResource::from_gvk(&GroupVersionKind::gvk(&gvk.group, &gvk.version, &gvk.kind))
}

/// Applies `patch` (a JSON merge patch) to Application `namespace/name`.
pub async fn patch_application(
    client: &kube::Client,
    namespace: &str,
    name: &str,
    patch: &Value,
) -> Result<Value, ArgocdPatchError> {
    let api: Api<DynamicObject> =
        Api::namespaced_with(client.clone(), namespace, &application_resource());
    let patched = api
        .patch(name, &PatchParams::default(), &Patch::Merge(patch))
        .await
        .map_err(|source| ArgocdPatchError::Api {
            namespace: namespace.to_owned(),
            app: name.to_owned(),
            source,
        })?;
    Ok(serde_json::to_value(patched).unwrap_or(Value::Null))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helm_patch_replaces_parameters_by_name() {
        let app = json!({"metadata": {"name": "web"}, "spec": {"source": {"helm": {"parameters": [
            {"name": "replicas", "value": "2"},
            {"name": "image.tag", "value": "1.0", "forceString": true}]}}}});
        let update = HelmParameter {
            name: "image.tag".into(),
            value: "1.1".into(),
            force_string: true,
        };
        assert_eq!(
            helm_parameters_patch(&app, &[update]).unwrap(),
            json!({"spec": {"source": {"helm": {"parameters": [
                {"name": "image.tag", "value": "1.1", "forceString": true},
                {"name": "replicas", "value": "2", "forceString": false}]}}}})
        );
        let bad =
            json!({"metadata": {"name": "web"}, "spec": {"source": {"helm": {"parameters": "x"}}}});
        assert!(matches!(
            helm_parameters_patch(&bad, &[]),
            Err(ArgocdPatchError::BadParameters { .. })
        ));
    }

    #[test]
    fn patch_merges_into_the_current_list() {
        let app = json!({"metadata": {"name": "web"}, "spec": {"source": {"kustomize": {
            "images": ["nginx:1.20", "redis=cache:6", "busybox:1"]}}}});
        let patch = images_patch(
            &app,
            &[
                "nginx:1.21.0".into(),
                "redis=cache:7".into(),
                "new:2".into(),
            ],
        )
        .unwrap();
        assert_eq!(
            patch,
            json!({"spec": {"source": {"kustomize": {"images":
                ["nginx:1.21.0", "redis=cache:7", "busybox:1", "new:2"]}}}})
        );
        let bare = json!({"metadata": {"name": "web"}, "spec": {"source": {}}});
        assert_eq!(
            images_patch(&bare, &["nginx:1.21.0".into()]).unwrap(),
            json!({"spec": {"source": {"kustomize": {"images": ["nginx:1.21.0"]}}}})
        );
        let bad = json!({"metadata": {"name": "web"}, "spec": {"source": {"kustomize": {"images": [1]}}}});
        assert!(matches!(
            images_patch(&bad, &[]),
            Err(ArgocdPatchError::NotAStringList { .. })
        ));
    }
}
