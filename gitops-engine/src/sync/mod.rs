//! Sync planning: phases, hooks, waves, kind order and pruning.
//!
//! [`plan`] turns desired objects, live objects and options into a [`SyncPlan`]: ordered
//! [`SyncTask`]s that are plain data. [`next_step`] then decides, from the results
//! recorded so far and the observed health, what the operation does next, and
//! [`execute()`] runs a plan that way against a [`Cluster`](crate::cluster::Cluster). The
//! [`tracking`] module stamps rendered objects and attributes live objects to apps;
//! [`terminate`] and the [`retry`] module cover terminated and failed operations.
//! Semantics follow Argo CD's engine as vendored in argo-cd ("v3"; see
//! `notes/gitops-engine.md` §2, §4 and §6).

mod error;
#[cfg(feature = "cluster")]
pub mod execute;
pub mod hooks;
pub mod options;
mod ordering;
mod plan;
mod progress;
mod resource_result;
pub mod retry;
mod task;
mod text;
pub mod tracking;
pub mod waves;

pub use crate::object::{ApiResource, ResourceKey};
pub use error::SyncError;
#[cfg(feature = "cluster")]
pub use execute::{
    ExecuteSettings, OperationPhase, Stepped, SyncOutcome, execute, execute_until, step,
    terminate_recorded,
};
pub use hooks::{HookClass, HookDeletePolicy, SyncPhase};
pub use options::{ApplySettings, PropagationPolicy, PruneMode, SyncOptions};
pub use plan::{
    CLIENT_SIDE_APPLY_MANAGER, InvalidTask, OperationSettings, PlanInput, SelectedResource,
    SyncPlan, plan,
};
pub use progress::{
    Decision, LiveState, Progress, ResultCode, Step, TaskPhase, TaskResult, Termination, next_step,
    terminate,
};
pub use resource_result::ResourceResult;
pub use task::{HookTask, PruneAction, SyncTask, TaskAction, TaskRole};
pub use tracking::{Membership, TrackingConfig, TrackingId, TrackingMethod};
