//! Argo CD Applications: the model and the pure logic of reconciling one.
//!
//! [`Application`] reads and writes `argoproj.io/v1alpha1` Application objects with
//! Argo CD's field names. [`compare`] turns rendered and live objects into per-resource
//! sync and health status; [`auto_sync`] applies the automated-sync rules;
//! [`plan_input`] prepares a sync plan; [`record_history`] and [`rollback_operation`]
//! manage the deployment history; the [`conditions`] helpers maintain
//! `status.conditions`; [`sync_operation`] turns a user's sync request into an
//! operation. Nothing here performs I/O except [`store`] (reading Applications
//! and writing requests, for the CLI and the API server); the controller that
//! reconciles Applications is [`crate::controller`].

mod automation;
mod compare;
pub mod conditions;
mod desired;
mod error;
mod history;
mod model;
mod plan;
pub mod project;
mod requests;
#[cfg(all(feature = "cluster", feature = "git"))]
pub mod store;

pub use automation::{
    AutoSync, DEFAULT_SELF_HEAL_TIMEOUT, SelfHealWait, auto_sync, auto_sync_with,
};
pub use compare::{
    COMPARE_OPTIONS_ANNOTATION, CompareInput, CompareSettings, Comparison, ResourceDiff, compare,
};
pub use desired::{DesiredError, source_request};
pub use error::AppError;
pub use history::{
    RollbackRequest, history_entry, record_history, rollback_operation, rollback_operation_with,
};
pub use model::*;
pub use plan::{
    CLIENT_SIDE_APPLY_MIGRATION_MANAGER_ANNOTATION, PlanContext, plan_input, sync_options,
};
pub use requests::{SyncRequest, auto_sync_revision_conflict, select_resources, sync_operation};
