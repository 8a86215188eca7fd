//! Argo CD ApplicationSets: generators, templates and the Applications they produce.
//!
//! [`ApplicationSet`] reads `argoproj.io/v1alpha1` ApplicationSets with Argo CD's
//! field names. [`generate_applications`] runs the generators (list, clusters,
//! git directories and files, matrix, merge, clusterDecisionResource; pull
//! request, SCM provider and plugin are reported unsupported), renders the
//! template for every parameter set and validates the result. Everything
//! outside the ApplicationSet (repositories, cluster Secrets, decision
//! resources) comes through [`GeneratorSources`], so generation does no I/O;
//! the [`reconcile`] module reads them from Git and the cluster.
//! Templates are plain `{{param}}` substitution or, with `goTemplate: true`, Go
//! templates with Argo CD's Sprig function set (the `gotemplate` crate).

#[cfg(feature = "controller")]
mod duck_type;
mod error;
mod generators;
mod glob;
mod gotmpl;
mod model;
mod ownership;
mod params;
#[cfg(feature = "controller")]
pub mod reconcile;
mod render;
#[cfg(feature = "git")]
mod repo_sources;
mod rollout;
mod template;

pub use crate::object::{LabelSelector, LabelSelectorRequirement};
pub use error::AppSetError;
pub use generators::{
    GenerateContext, GeneratedParams, GeneratorSources, append_values, merge_template,
    params_by_merge_key, transform,
};
pub use glob::{FileGlob, FileGlobbing, PathPattern};
pub use model::*;
pub use ownership::{
    ApplicationsSyncPolicy, ChangePlan, PRESERVED_ANNOTATIONS, PRESERVED_FINALIZER_PREFIXES,
    is_owned_by, owner_reference, plan_changes, prepare_create, prepare_update, spec_differs,
};
pub use params::{Params, as_labels, flatten, sanitize_name};
pub use render::{
    RESOURCES_FINALIZER, apply_template_patch, generate_applications, generate_params, mode_of,
    render_application, validate_names,
};
#[cfg(feature = "git")]
pub use repo_sources::{DecisionLookup, MAX_FILE_BYTES, MAX_TREE_ENTRIES, RepoSources};
pub use rollout::{
    ApplicationRolloutStatus, HEALTHY, InvalidExpression, PENDING, PROGRESSING, ROLLING_SYNC,
    StepIssues, StepPlan, WAITING, application_statuses, apps_to_sync, disable_automated_sync,
    is_rolling_sync, plan_steps, progressing_step, promote_to_pending, rolling_sync_operation,
    rollout_config_issue, rollout_status, scaled_max_update, update_statuses,
};
pub use template::TemplateMode;
