//! The controller's side of AppProjects: reading an app's project, recording its
//! verdict, keeping forbidden objects out of comparisons and syncs, sync windows, and
//! the `default` project.

use serde_json::Value;

use super::Shared;
use crate::app::conditions::{INVALID_SPEC_ERROR, UNKNOWN_ERROR};
use crate::app::project::{
    AppProject, ClusterIdentity, DEFAULT_PROJECT, check_application, invalid_tasks_message,
    orphaned_condition, orphaned_resources, resolve_destination, resource_problem, stored,
};
use crate::app::{
    Application, ApplicationCondition, Comparison, Operation, OperationState, SyncStatusCode,
};
use crate::cluster::secrets::ClusterSecret;
use crate::cluster::{Cluster, ClusterError, LiveCache, WriteOptions};
use crate::object;
use crate::sync::ResourceResult;
use crate::sync::execute::{OperationPhase, SyncOutcome};
use crate::sync::tracking::tracked_app_instance;
use crate::sync::{ResourceKey, ResultCode};

/// Condition types the project verdict owns.
pub(crate) const PROJECT_CONDITION_TYPES: [&str; 2] = [INVALID_SPEC_ERROR, UNKNOWN_ERROR];
/// Operation message while a sync window holds a requested sync back.
pub(crate) const BLOCKED_BY_WINDOW: &str = "Sync operation blocked by sync window";

/// An app's project, once the app is found compliant with it.
#[derive(Debug, Clone)]
pub(crate) struct ProjectGuard {
    /// The project.
    pub(crate) project: AppProject,
    /// The app's resolved destination cluster.
    pub(crate) cluster: ClusterIdentity,
    /// That cluster's settings (its Secret, or the built-in in-cluster one).
    pub(crate) destination: ClusterSecret,
}

/// Reads the project of `app` and the destination clusters, and checks the
/// app against them: the guard when it complies, else the conditions to
/// record.
pub(crate) async fn guard(
    shared: &Shared,
    app: &Application,
) -> Result<Result<ProjectGuard, Vec<ApplicationCondition>>, ClusterError> {
    let (project, clusters) =
        stored::read_for_app(&shared.cluster, &shared.settings.namespace, app).await?;
    let project = project.map(|mut project| {
        project.add_scoped_repositories(shared.sources.access().credentials.repositories());
        project
    });
    let identities = clusters.identities();
    let conditions = check_application(
        app,
        project.as_ref(),
        &shared.settings.namespace,
        &identities,
    );
    Ok(match (project, conditions.is_empty()) {
        (Some(project), true) => {
            let resolved =
                resolve_destination(&app.spec.destination, &identities).and_then(|cluster| {
                    let destination = clusters
                        .by_server(&cluster.server)
                        .cloned()
                        .ok_or_else(|| format!("cluster {:?} not found", cluster.server))?;
                    Ok((cluster, destination))
                });
            match resolved {
                Ok((cluster, destination)) => Ok(ProjectGuard {
                    project,
                    cluster,
                    destination,
                }),
                // check_application reports resolution errors; not reached.
                Err(message) => Err(vec![ApplicationCondition {
                    condition_type: INVALID_SPEC_ERROR.to_owned(),
                    message,
                    last_transition_time: None,
                }]),
            }
        }
        _ => Err(conditions),
    })
}

/// Creates the `default` project when it is missing, as Argo CD does.
pub(crate) async fn ensure_default(shared: &Shared) -> Result<(), ClusterError> {
    if stored::read(&shared.cluster, &shared.settings.namespace, DEFAULT_PROJECT)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let project = AppProject::default_project(&shared.settings.namespace);
    match shared
        .cluster
        .create(&project.to_value(), WriteOptions::default())
        .await
    {
        Ok(_) | Err(ClusterError::AlreadyExists(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Keeps a requested operation pending while a sync window blocks it: the operation
/// stays, and `status.operationState` says it is `Running` and why it waits.
pub(crate) fn hold_operation(app: &mut Application, op: Operation, now: &str) {
    let started_at = app
        .status
        .operation_state
        .as_ref()
        .filter(|s| s.phase == OperationPhase::Running && s.operation == op)
        .map_or_else(|| now.to_owned(), |s| s.started_at.clone());
    app.status.operation_state = Some(OperationState {
        operation: op.clone(),
        phase: OperationPhase::Running,
        message: BLOCKED_BY_WINDOW.to_owned(),
        sync_result: None,
        started_at,
        finished_at: None,
        retry_count: 0,
    });
    app.operation = Some(op);
}

/// The keys of the controller's apps that use the project `project`.
pub(crate) fn apps_using(shared: &Shared, project: &str) -> Vec<String> {
    shared
        .applications()
        .iter()
        .filter(|app| {
            let name = app["spec"]["project"].as_str().unwrap_or_default();
            (if name.is_empty() {
                DEFAULT_PROJECT
            } else {
                name
            }) == project
        })
        .filter_map(|app| shared.key_of(app))
        .collect()
}

impl ProjectGuard {
    /// Marks the resources the project forbids (desired objects: forbidden live ones
    /// are not compared at all) with sync status `Unknown`, as Argo CD does.
    pub(crate) fn mark_forbidden(&self, comparison: &mut Comparison) {
        for resource in &mut comparison.resources {
            let key = ResourceKey::new(
                &resource.group,
                &resource.kind,
                &resource.namespace,
                &resource.name,
            );
            if resource_problem(&self.project, &self.cluster, &key).is_some() {
                resource.status = Some(SyncStatusCode::Unknown);
            }
        }
    }

    /// The `OrphanedResourceWarning` of `app`, when its project monitors orphans:
    /// untracked top-level objects in the destination namespace, among the kinds the
    /// destination's cache watches.
    pub(crate) fn orphan_warning(
        &self,
        shared: &Shared,
        cache: &LiveCache,
        app: &Application,
    ) -> Option<ApplicationCondition> {
        self.project.spec.orphaned_resources.as_ref()?;
        let namespace = &app.spec.destination.namespace;
        let live: Vec<Value> = cache
            .watched()
            .iter()
            .flat_map(|gvk| cache.list(gvk, Some(namespace)))
            .collect();
        let orphans = orphaned_resources(&self.project, namespace, &live, |obj| {
            tracked_app_instance(obj, &shared.settings.tracking).is_some()
        });
        orphaned_condition(&self.project, orphans.len())
    }

    /// Whether the project permits the live object `obj` (forbidden ones are left out of
    /// the comparison, so never pruned).
    pub(crate) fn permits_live(&self, obj: &Value) -> bool {
        resource_problem(&self.project, &self.cluster, &ResourceKey::of(obj)).is_none()
    }

    /// The failed outcome of a sync some of whose objects (hooks included) the
    /// project forbids, or `None` when it permits them all. Nothing is applied then.
    pub(crate) fn refuse(&self, comparison: &Comparison) -> Option<SyncOutcome> {
        let mut problems = Vec::new();
        let mut resources = Vec::new();
        for obj in &comparison.desired {
            let key = ResourceKey::of(obj);
            let Some(problem) = resource_problem(&self.project, &self.cluster, &key) else {
                continue;
            };
            let version = object::api_version(obj)
                .and_then(|v| v.rsplit('/').next())
                .unwrap_or_default();
            resources.push(ResourceResult {
                group: key.group,
                version: version.to_owned(),
                kind: key.kind,
                namespace: key.namespace,
                name: key.name,
                status: ResultCode::SyncFailed,
                message: problem.clone(),
                hook_type: None,
                hook_phase: Some(OperationPhase::Failed),
                sync_phase: Default::default(),
                images: Vec::new(),
            });
            problems.push(problem);
        }
        (!problems.is_empty()).then(|| SyncOutcome {
            phase: OperationPhase::Failed,
            message: invalid_tasks_message(&problems),
            resources,
        })
    }
}
