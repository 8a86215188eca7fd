//! Refreshing what a verified push concerns: Applications (Argo CD's normal
//! refresh annotation, as `argocd app get --refresh` sets it) and
//! ApplicationSets whose git generators read the pushed repository.

use regex::Regex;
use serde_json::{Value, json};
use tracing::{debug, info, warn};

use super::matching::{app_matches, repo_url_pattern, revision_matches};
use super::payloads::Push;
use crate::app::store::REFRESH_ANNOTATION;
use crate::app::{Application, application_gvk};
use crate::appset::reconcile::{APPSET_REFRESH_ANNOTATION, appset_gvk};
use crate::appset::{ApplicationSet, Generator};
use crate::cluster::{Cluster, ClusterError, Gvk, ObjectRef, WriteOptions};

/// What a push refreshed, as `namespace/name`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refreshed {
    /// Applications given `argocd.argoproj.io/refresh: normal`.
    pub applications: Vec<String>,
    /// ApplicationSets given `argocd.argoproj.io/application-set-refresh: "true"`.
    pub application_sets: Vec<String>,
}

/// Refreshes the Applications and ApplicationSets of `namespaces` that
/// `push` concerns. One object that cannot be read or patched is logged and
/// skipped; failing to list a namespace is an error.
pub async fn refresh_for_push<C: Cluster>(
    cluster: &C,
    namespaces: &[String],
    push: &Push,
) -> Result<Refreshed, ClusterError> {
    let patterns: Vec<Regex> = push
        .repo_urls
        .iter()
        .filter_map(|u| repo_url_pattern(u))
        .collect();
    let mut refreshed = Refreshed::default();
    if patterns.is_empty() {
        debug!("webhook push names no repository URL; nothing to refresh");
        return Ok(refreshed);
    }
    info!(
        repos = ?push.repo_urls,
        revision = %push.revision,
        touched_head = push.touched_head,
        "webhook push received"
    );
    for namespace in namespaces {
        for object in cluster
            .list(&application_gvk(), Some(namespace), "")
            .await?
        {
            let app = match Application::from_value(&object) {
                Ok(app) => app,
                Err(e) => {
                    debug!(error = %e, "webhook skips an unreadable Application");
                    continue;
                }
            };
            if app_matches(&app, &patterns, push) {
                let annotation = json!({REFRESH_ANNOTATION: "normal"});
                if let Some(name) = annotate(cluster, &application_gvk(), &object, annotation).await
                {
                    refreshed.applications.push(name);
                }
            }
        }
        // Without the ApplicationSet CRD installed there are none to refresh.
        let appsets = match cluster.list(&appset_gvk(), Some(namespace), "").await {
            Err(ClusterError::UnknownKind(_)) => Vec::new(),
            listed => listed?,
        };
        for object in appsets {
            let Ok(appset) = ApplicationSet::from_value(&object) else {
                continue;
            };
            if appset
                .spec
                .generators
                .iter()
                .any(|g| git_generator_matches(g, &patterns, push))
            {
                let annotation = json!({APPSET_REFRESH_ANNOTATION: "true"});
                if let Some(name) = annotate(cluster, &appset_gvk(), &object, annotation).await {
                    refreshed.application_sets.push(name);
                }
            }
        }
    }
    Ok(refreshed)
}

/// Whether a generator, or one nested in a matrix or merge, is a git
/// generator reading the pushed repository at a revision the push moved.
fn git_generator_matches(generator: &Generator, patterns: &[Regex], push: &Push) -> bool {
    let git = generator.git.as_ref().is_some_and(|git| {
        patterns.iter().any(|p| p.is_match(&git.repo_url)) && revision_matches(&git.revision, push)
    });
    let nested = [&generator.matrix, &generator.merge]
        .into_iter()
        .flatten()
        .flat_map(|c| &c.generators)
        .any(|g| git_generator_matches(g, patterns, push));
    git || nested
}

/// Merges `annotations` into the object's; its `namespace/name` when done.
async fn annotate<C: Cluster>(
    cluster: &C,
    gvk: &Gvk,
    object: &Value,
    annotations: Value,
) -> Option<String> {
    let meta = |key: &str| object["metadata"][key].as_str().unwrap_or("").to_owned();
    let target = ObjectRef {
        gvk: gvk.clone(),
        namespace: meta("namespace"),
        name: meta("name"),
    };
    let patch = json!({"metadata": {"annotations": annotations}});
    match cluster
        .merge_patch(&target, &patch, WriteOptions::default())
        .await
    {
        Ok(_) => {
            info!(kind = %gvk.kind, object = %format!("{}/{}", target.namespace, target.name), "webhook refresh");
            Some(format!("{}/{}", target.namespace, target.name))
        }
        Err(e) => {
            warn!(kind = %gvk.kind, error = %e, "webhook refresh failed");
            None
        }
    }
}
