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
use crate::object::{ApiResource, ResourceKey, Scopes};
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
    let mut request = crate::app::source_request(
        app,
        revision,
        &shared.app_key(&app.metadata.namespace, &app.metadata.name),
        shared.settings.kustomize_enable_helm,
    )
    .map_err(|e| e.to_string())?;
    request.options.kustomize_limits = shared.settings.kustomize_limits;
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
    // The scope of each kind the cluster serves; a kind it does not serve
    // (yet: its CRD may come with this sync) has no live objects, and the
    // sync reports it.
    let mut api_resources = Vec::new();
    for gvk in &kinds {
        match target.cache.watch(gvk).await {
            Ok(()) => api_resources.extend(target.cache.is_namespaced(gvk).map(|namespaced| {
                ApiResource {
                    group: gvk.group.clone(),
                    kind: gvk.kind.clone(),
                    namespaced,
                }
            })),
            Err(ClusterError::UnknownKind(_)) => {}
            Err(e) => return Err(e),
        }
    }
    // Only the live objects the comparison can use: those with the key of a
    // desired (or previously managed) object, and those tracked by the app,
    // found through the cache's indexes: other apps' objects are not even
    // looked at.
    let scopes = Scopes::new(Some(&api_resources));
    let destination = app.spec.destination.namespace.as_str();
    let keys: Vec<ResourceKey> = rendered
        .objects
        .iter()
        .map(|o| scopes.desired_key(o, destination))
        .chain(
            app.status
                .resources
                .iter()
                .map(|r| ResourceKey::new(&r.group, &r.kind, &r.namespace, &r.name)),
        )
        .collect();
    let instance = tracking::instance_name(
        &app.metadata.name,
        &app.metadata.namespace,
        &shared.compare.control_plane_namespace,
    );
    let mut live = Vec::new();
    for gvk in &kinds {
        live.extend(
            app_objects(&target.cache, gvk, &instance, &keys)
                .into_iter()
                .filter(|obj| guard.permits_live(obj)),
        );
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
        api_resources: Some(&api_resources),
    }))
}

/// The cached objects of kind `gvk` an app's comparison needs: those its
/// tracking names `instance` (the cache's index key) and those with one of
/// `keys`, sorted by namespace and name.
fn app_objects(cache: &LiveCache, gvk: &Gvk, instance: &str, keys: &[ResourceKey]) -> Vec<Value> {
    let by_key = keys
        .iter()
        .filter(|key| key.group == gvk.group && key.kind == gvk.kind)
        .filter_map(|key| {
            cache.get(&ObjectRef {
                gvk: gvk.clone(),
                namespace: key.namespace.clone(),
                name: key.name.clone(),
            })
        });
    let mut found = BTreeMap::new();
    for obj in cache.list_by_key(gvk, instance).into_iter().chain(by_key) {
        let namespace = obj["metadata"]["namespace"].as_str().unwrap_or_default();
        let name = obj["metadata"]["name"].as_str().unwrap_or_default();
        found
            .entry((namespace.to_owned(), name.to_owned()))
            .or_insert(obj);
    }
    found.into_values().collect()
}
