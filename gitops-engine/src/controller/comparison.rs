//! An app's comparison as a pass makes it: its source rendered (through the
//! shared render cache), then compared with the live objects of its
//! destination's watch cache.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::Shared;
use super::destinations::Connection;
use super::project::ProjectGuard;
use crate::app::{Application, CompareInput, Comparison, compare};
use crate::cluster::{ClusterError, Gvk, LiveCache, ObjectRef};
use crate::source::{Refresh, Rendered};
use crate::sync::tracking;

/// Renders the app's source at `revision` (default: its target revision).
/// Errors come back as the condition message.
pub(crate) async fn render(
    shared: &Shared,
    app: &Application,
    revision: Option<&str>,
    refresh: Refresh,
) -> Result<std::sync::Arc<Rendered>, String> {
    let request = crate::app::source_request(
        app,
        revision,
        &shared.app_key(&app.metadata.namespace, &app.metadata.name),
        shared.settings.kustomize_enable_helm,
    )
    .map_err(|e| e.to_string())?;
    let result = shared.sources.render(&request, refresh).await;
    shared
        .metrics
        .count_render(&request.repo_url, result.is_ok());
    result.map_err(|e| format!("Failed to load target state: {e}"))
}

/// Compares the rendering with the live objects of the kinds involved (the
/// rendered kinds and those the app managed before) in the destination
/// cluster `target`. Live objects the project forbids are left out, so they
/// are never pruned. A cache whose watches fail is an error: its objects may
/// be stale.
pub(crate) async fn compare_live(
    shared: &Shared,
    app: &Application,
    guard: &ProjectGuard,
    target: &Connection,
    rendered: &Rendered,
) -> Result<Comparison, ClusterError> {
    let mut kinds: BTreeSet<Gvk> = rendered.objects.iter().filter_map(Gvk::of).collect();
    for resource in &app.status.resources {
        kinds.insert(Gvk::new(&resource.group, &resource.version, &resource.kind));
    }
    // Only the live objects the comparison can use: those with the identity
    // of a desired (or previously managed) object, and those tracked by the
    // app, found through the cache's indexes: other apps' objects are not
    // even looked at.
    let destination = app.spec.destination.namespace.as_str();
    let identities: Vec<Identity<'_>> = rendered
        .objects
        .iter()
        .map(|o| Identity {
            group: crate::object::group_version(o).0,
            kind: o["kind"].as_str().unwrap_or_default(),
            namespace: o["metadata"]["namespace"]
                .as_str()
                .filter(|ns| !ns.is_empty())
                .unwrap_or(destination),
            name: o["metadata"]["name"].as_str().unwrap_or_default(),
        })
        .chain(app.status.resources.iter().map(|r| Identity {
            group: &r.group,
            kind: &r.kind,
            namespace: &r.namespace,
            name: &r.name,
        }))
        .collect();
    let instance = tracking::instance_name(
        &app.metadata.name,
        &app.metadata.namespace,
        &shared.compare.control_plane_namespace,
    );
    let mut live = Vec::new();
    for gvk in &kinds {
        match target.cache.watch(gvk).await {
            Ok(()) => live.extend(
                app_objects(&target.cache, gvk, &instance, &identities)
                    .into_iter()
                    .filter(|obj| guard.permits_live(obj)),
            ),
            // A kind the server does not serve (yet: its CRD may come with
            // this sync) has no live objects; the sync reports it.
            Err(ClusterError::UnknownKind(_)) => {}
            Err(e) => return Err(e),
        }
    }
    if let Some(failure) = target.failure() {
        return Err(ClusterError::Transport(failure));
    }
    Ok(compare(&CompareInput {
        app,
        revision: &rendered.revision,
        desired: &rendered.objects,
        live: &live,
        health_rules: &shared.settings.health_rules,
        settings: &shared.compare,
        api_resources: None,
    }))
}

/// An object's identity apart from its API version.
struct Identity<'a> {
    group: &'a str,
    kind: &'a str,
    namespace: &'a str,
    name: &'a str,
}

/// The cached objects of kind `gvk` an app's comparison needs: those its
/// tracking names `instance` (the cache's index key) and those with one of
/// `identities`, sorted by namespace and name.
fn app_objects(
    cache: &LiveCache,
    gvk: &Gvk,
    instance: &str,
    identities: &[Identity<'_>],
) -> Vec<Value> {
    let by_identity = identities
        .iter()
        .filter(|id| id.group == gvk.group && id.kind == gvk.kind)
        .filter_map(|id| {
            cache.get(&ObjectRef {
                gvk: gvk.clone(),
                namespace: id.namespace.to_owned(),
                name: id.name.to_owned(),
            })
        });
    let mut found = BTreeMap::new();
    for obj in cache
        .list_by_key(gvk, instance)
        .into_iter()
        .chain(by_identity)
    {
        let namespace = obj["metadata"]["namespace"].as_str().unwrap_or_default();
        let name = obj["metadata"]["name"].as_str().unwrap_or_default();
        found
            .entry((namespace.to_owned(), name.to_owned()))
            .or_insert(obj);
    }
    found.into_values().collect()
}
