//! Argo CD Applications: the model and the pure logic of reconciling one.
//!
//! [`Application`] reads and writes `argoproj.io/v1alpha1` Application objects with
//! Argo CD's field names. [`compare`] turns rendered and live objects into per-resource
//! sync and health status; [`auto_sync`] applies the automated-sync rules;
//! [`plan_input`] prepares a sync plan; [`record_history`] and [`rollback_operation`]
//! manage the deployment history; the [`conditions`] helpers maintain
//! `status.conditions`. Nothing here performs I/O.

mod error;
mod model;

pub use error::AppError;
pub use model::*;
