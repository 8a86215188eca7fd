//! What renders an Application's desired state: one rule, shared by the
//! controller, `gitops app diff` and the image updater, so that all three see
//! the same manifests for the same app.

use thiserror::Error;

use super::model::Application;
use crate::source::{HelmContext, RenderOptions, SourceRequest, parse_helm_source};

/// Why an Application's source cannot be rendered.
#[derive(Debug, Error)]
pub enum DesiredError {
    /// The Application has no single `spec.source`.
    #[error("spec.source is required")]
    NoSource,
    /// `spec.source.helm` does not decode.
    #[error("spec.source.helm: {0}")]
    Helm(#[from] serde_json::Error),
}

/// The request that renders `app`'s source at `revision` (`None`: its
/// `targetRevision`) for the app instance `instance` (its
/// [`instance_name`](crate::sync::tracking::instance_name), which names the
/// `.argocd-source-<instance>.yaml` override file); `kustomize_enable_helm`
/// is the controller's `--kustomize-enable-helm` (Argo CD's
/// `kustomize.buildOptions: --enable-helm`).
pub fn source_request(
    app: &Application,
    revision: Option<&str>,
    instance: &str,
    kustomize_enable_helm: bool,
) -> Result<SourceRequest, DesiredError> {
    let source = app.spec.source.as_ref().ok_or(DesiredError::NoSource)?;
    let helm = source
        .helm
        .as_ref()
        .filter(|h| !h.is_null())
        .map(parse_helm_source)
        .transpose()?
        .unwrap_or_default();
    Ok(SourceRequest {
        repo_url: source.repo_url.clone(),
        revision: revision.unwrap_or(&source.target_revision).to_owned(),
        path: source.path.clone(),
        project: super::project::project_name(app).to_owned(),
        options: RenderOptions {
            directory: source.directory.clone().unwrap_or_default(),
            kustomize: source.kustomize.clone().unwrap_or_default(),
            app_name: Some(instance.to_owned()),
            helm: HelmContext {
                source: helm,
                destination_namespace: app.spec.destination.namespace.clone(),
                project: app.spec.project.clone(),
                target_revision: source.target_revision.clone(),
            },
            kustomize_enable_helm,
            ..RenderOptions::default()
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn app(source: serde_json::Value) -> Application {
        serde_json::from_value(json!({
            "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
            "metadata": {"name": "web", "namespace": "argocd"},
            "spec": {"project": "team", "source": source,
                     "destination": {"server": "https://kubernetes.default.svc", "namespace": "prod"}},
        }))
        .expect("application")
    }

    #[test]
    fn a_request_carries_the_source_and_what_helm_and_kustomize_read() {
        let app = app(json!({
            "repoURL": "https://git.example.com/r.git", "targetRevision": "main", "path": "chart",
            "helm": {"releaseName": "rel", "valueFiles": ["v.yaml"]},
        }));
        let request = source_request(&app, None, "web", true).expect("request");
        assert_eq!(request.repo_url, "https://git.example.com/r.git");
        assert_eq!(request.revision, "main");
        assert_eq!(request.path, "chart");
        assert_eq!(request.project, "team");
        assert_eq!(request.options.app_name.as_deref(), Some("web"));
        assert!(request.options.kustomize_enable_helm);
        let helm = &request.options.helm;
        assert_eq!(helm.destination_namespace, "prod");
        assert_eq!(helm.project, "team");
        assert_eq!(helm.target_revision, "main");
        assert_eq!(helm.source.release_name, "rel");

        let pinned = source_request(&app, Some("abc123"), "web", false).expect("request");
        assert_eq!(pinned.revision, "abc123");
        assert_eq!(pinned.options.helm.target_revision, "main");
    }

    #[test]
    fn no_source_or_a_bad_helm_block_is_an_error() {
        let mut no_source = app(json!(null));
        no_source.spec.source = None;
        assert_eq!(
            source_request(&no_source, None, "web", false)
                .expect_err("no source")
                .to_string(),
            "spec.source is required"
        );
        let bad = app(json!({"repoURL": "r", "path": ".", "helm": {"valueFiles": "v.yaml"}}));
        let err = source_request(&bad, None, "web", false).expect_err("bad helm");
        assert!(err.to_string().starts_with("spec.source.helm: "), "{err}");
    }
}
