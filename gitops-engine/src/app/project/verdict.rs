//! A project's verdict on an application and on each object it would write, with Argo
//! CD's condition types and messages.

use serde_json::Value;

use super::glob;
use super::model::{AppProject, DEFAULT_PROJECT, OrphanedIgnore};
use crate::app::conditions::{INVALID_SPEC_ERROR, ORPHANED_RESOURCE_WARNING, UNKNOWN_ERROR};
use crate::app::{Application, ApplicationCondition, Destination};
use crate::cluster::secrets::ClusterIdentity;
use crate::object;
use crate::sync::ResourceKey;

/// The project an application uses: `spec.project`, `default` when empty.
pub fn project_name(app: &Application) -> &str {
    match app.spec.project.as_str() {
        "" => DEFAULT_PROJECT,
        name => name,
    }
}

/// Resolves `spec.destination` among the known clusters, with Argo CD's errors.
pub fn resolve_destination(
    destination: &Destination,
    clusters: &[ClusterIdentity],
) -> Result<ClusterIdentity, String> {
    let (name, server) = (&destination.name, &destination.server);
    match (name.is_empty(), server.is_empty()) {
        (false, false) => Err(format!(
            "application destination can't have both name and server defined: {name} {server}"
        )),
        (true, false) => {
            let server = server.trim_end_matches('/');
            clusters
                .iter()
                .find(|c| c.server.trim_end_matches('/') == server)
                .cloned()
                .ok_or_else(|| {
                    format!(
                        "error getting cluster by server {server:?}: rpc error: code = NotFound desc = cluster {server:?} not found"
                    )
                })
        }
        (false, true) => {
            let found: Vec<&ClusterIdentity> =
                clusters.iter().filter(|c| c.name == *name).collect();
            match found.as_slice() {
                [] => Err(format!("there are no clusters with this name: {name}")),
                [one] => Ok((*one).clone()),
                many => Err(format!(
                    "there are {} clusters with the same name: [{}]",
                    many.len(),
                    many.iter()
                        .map(|c| c.server.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                )),
            }
        }
        (true, true) => Err("Destination server missing from app spec".to_owned()),
    }
}

/// The spec errors the project finds in `app` (`project` is `None` when it does not
/// exist), in Argo CD's order and without transition times. Empty: the app may be
/// compared and synced (subject to sync windows).
pub fn check_application(
    app: &Application,
    project: Option<&AppProject>,
    control_plane_namespace: &str,
    clusters: &[ClusterIdentity],
) -> Vec<ApplicationCondition> {
    let name = project_name(app);
    let Some(project) = project else {
        return vec![condition(
            INVALID_SPEC_ERROR,
            format!("Application referencing project {name} which does not exist"),
        )];
    };
    if !project.is_app_namespace_permitted(&app.metadata.namespace, control_plane_namespace) {
        return vec![condition(
            UNKNOWN_ERROR,
            format!(
                "application '{}' in namespace '{}' is not permitted to use project '{name}'",
                app.metadata.name, app.metadata.namespace
            ),
        )];
    }
    let mut conditions = Vec::new();
    let sources = app.spec.source.iter().chain(&app.spec.sources);
    for source in sources {
        if source.repo_url.is_empty() || (source.path.is_empty() && source.chart.is_empty()) {
            return vec![condition(
                INVALID_SPEC_ERROR,
                "spec.source.repoURL and either spec.source.path or spec.source.chart are required",
            )];
        }
        if !source.chart.is_empty() && source.target_revision.is_empty() {
            return vec![condition(
                INVALID_SPEC_ERROR,
                "spec.source.targetRevision is required if the manifest source is a helm chart",
            )];
        }
        if !project.is_source_permitted(&source.repo_url) {
            conditions.push(condition(
                INVALID_SPEC_ERROR,
                format!(
                    "application repo {} is not permitted in project '{name}'",
                    source.repo_url
                ),
            ));
        }
    }
    let destination = &app.spec.destination;
    match resolve_destination(destination, clusters) {
        Err(message) => conditions.push(condition(INVALID_SPEC_ERROR, message)),
        Ok(cluster) if !project.is_destination_permitted(&cluster, &destination.namespace) => {
            let shown = if destination.name.is_empty() {
                &destination.server
            } else {
                &destination.name
            };
            conditions.push(condition(
                INVALID_SPEC_ERROR,
                format!(
                    "application destination server '{shown}' and namespace '{}' do not match any of the allowed destinations in project '{name}'",
                    destination.namespace
                ),
            ));
        }
        Ok(_) => {}
    }
    conditions
}

/// Why the project forbids writing (or deleting) the object `key` on `cluster`, as the
/// sync reports it per resource; `None` when permitted. `key.namespace` is empty
/// exactly for cluster-scoped objects.
pub fn resource_problem(
    project: &AppProject,
    cluster: &ClusterIdentity,
    key: &ResourceKey,
) -> Option<String> {
    let namespaced = !key.namespace.is_empty();
    if !project.is_kind_permitted(&key.group, &key.kind, &key.name, namespaced) {
        return Some(format!(
            "resource {}:{} is not permitted in project {}",
            key.group, key.kind, project.metadata.name
        ));
    }
    (namespaced && !project.is_destination_permitted(cluster, &key.namespace)).then(|| {
        format!(
            "namespace {} is not permitted in project '{}'",
            key.namespace, project.metadata.name
        )
    })
}

/// The operation message of a sync refused because of `problems` (per-resource
/// messages): distinct, sorted, joined by `; `.
pub fn invalid_tasks_message(problems: &[String]) -> String {
    let mut distinct: Vec<&str> = problems.iter().map(String::as_str).collect();
    distinct.sort_unstable();
    distinct.dedup();
    format!(
        "one or more synchronization tasks are not valid: {}",
        distinct.join("; ")
    )
}

/// The live objects the project reports as orphans of an app deploying to `namespace`
/// on `cluster`: namespaced top-level objects (no owner) in that namespace whose kind
/// the project permits, that no application tracks (`is_tracked`), and that neither
/// Argo CD's built-in list (ServiceAccount `default`, ConfigMap `kube-root-ca.crt`,
/// Service `default/kubernetes`) nor `orphanedResources.ignore` excludes. Empty when
/// the project does not monitor orphans.
pub fn orphaned_resources<'a>(
    project: &AppProject,
    namespace: &str,
    live: &'a [Value],
    is_tracked: impl Fn(&Value) -> bool,
) -> Vec<&'a Value> {
    let Some(settings) = &project.spec.orphaned_resources else {
        return Vec::new();
    };
    live.iter()
        .filter(|obj| {
            let key = ResourceKey::of(obj);
            !namespace.is_empty()
                && key.namespace == namespace
                && !object::has_owner_references(obj)
                && project.is_kind_permitted(&key.group, &key.kind, &key.name, true)
                && !always_ignored(&key)
                && !settings.ignore.iter().any(|rule| ignores(rule, &key))
                && !is_tracked(obj)
        })
        .collect()
}

/// The `OrphanedResourceWarning` for `count` orphans, when the project warns and
/// there are any.
pub fn orphaned_condition(project: &AppProject, count: usize) -> Option<ApplicationCondition> {
    let warn = project
        .spec
        .orphaned_resources
        .as_ref()
        .is_some_and(|o| o.is_warn());
    (warn && count > 0).then(|| {
        condition(
            ORPHANED_RESOURCE_WARNING,
            format!("Application has {count} orphaned resources"),
        )
    })
}

fn always_ignored(key: &ResourceKey) -> bool {
    key.group.is_empty()
        && matches!(
            (key.kind.as_str(), key.name.as_str(), key.namespace.as_str()),
            ("ServiceAccount", "default", _)
                | ("ConfigMap", "kube-root-ca.crt", _)
                | ("Service", "kubernetes", "default")
        )
}

fn ignores(rule: &OrphanedIgnore, key: &ResourceKey) -> bool {
    let group_ok = if rule.group.is_empty() {
        key.group.is_empty()
    } else {
        glob::matches(&rule.group, &key.group, false, false)
    };
    let kind_ok = rule.kind.is_empty() || glob::matches(&rule.kind, &key.kind, false, false);
    let name_ok = rule.name.is_empty() || glob::matches(&rule.name, &key.name, false, false);
    group_ok && kind_ok && name_ok
}

fn condition(condition_type: &str, message: impl Into<String>) -> ApplicationCondition {
    ApplicationCondition {
        condition_type: condition_type.to_owned(),
        message: message.into(),
        last_transition_time: None,
    }
}
