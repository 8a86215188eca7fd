//! Argo CD AppProjects: the security boundary between teams.
//!
//! [`AppProject`] reads and writes `argoproj.io/v1alpha1` AppProject objects. The rules
//! are pure functions with Argo CD's matching and messages:
//! [`AppProject::is_source_permitted`], [`AppProject::is_destination_permitted`],
//! [`AppProject::is_kind_permitted`], [`AppProject::is_app_namespace_permitted`],
//! sync windows ([`AppProject::can_sync`]), and the verdicts the controller records:
//! [`check_application`] (spec conditions), [`resource_problem`] (per object, before
//! anything is applied or pruned) and [`orphaned_resources`]. [`stored`] reads an app's
//! project from the control plane as the controller enforces it (feature `cluster`).

mod glob;
mod global;
mod model;
mod permits;
#[cfg(feature = "cluster")]
pub mod stored;
mod validate;
mod verdict;
mod windows;

/// Argo CD's `glob.Match` without separators (RBAC): `*` crosses `/`.
#[cfg(feature = "controller")]
pub(crate) fn glob_matches(pattern: &str, value: &str) -> bool {
    glob::matches(pattern, value, false, false)
}

pub use crate::cluster::secrets::ClusterIdentity;
pub use global::{ARGOCD_CM, GLOBAL_PROJECTS_KEY, GlobalProject, global_projects};
pub use model::{
    AppProject, AppProjectSpec, ClusterResourceRestriction, DEFAULT_PROJECT, GroupKind,
    OrphanedIgnore, OrphanedResources, PROJECT_KIND, ProjectDestination, ProjectError,
    ProjectMetadata, project_gvk,
};
pub use permits::is_namespace_enabled;
pub use verdict::{
    check_application, invalid_tasks_message, orphaned_condition, orphaned_resources, project_name,
    resolve_destination, resource_problem,
};
pub use windows::{SyncWindow, WindowError, WindowVerdict};
