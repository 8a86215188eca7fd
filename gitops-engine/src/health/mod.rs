//! Health of live objects and of a whole application, as Argo CD judges it.
//!
//! [`health`] judges one live object: an object pending deletion is `Progressing`;
//! otherwise user and shipped rules ([`HealthRules`]) are consulted, then the
//! engine's built-in rules for Kubernetes kinds. Kinds without any rule (ConfigMap,
//! Secret, RBAC, most custom resources) have no health (`None`), which callers treat
//! as fine. [`aggregate`] combines resource healths into the application's health.
//!
//! Where the standalone engine and the copy inside current Argo CD differ (HPA,
//! Pod restart-policy annotation, suspended Job message) this follows current Argo CD.

mod aggregate;
mod builtin;
pub mod declarative;
mod hook;
mod library;
mod matcher;
mod rule;
mod rules;
mod status;

use serde_json::Value;

pub use aggregate::{ResourceHealth, aggregate, excluded_from_aggregate};
pub use declarative::RuleError;
pub use matcher::{InvalidMatcher, KindMatcher};
pub use rule::HealthCheck;
pub use rules::HealthRules;
pub use status::{HealthStatus, HealthStatusCode, UnknownHealthStatus};

/// Finalizer that sync hooks carry while the engine still needs them.
const HOOK_FINALIZER: &str = "argocd.argoproj.io/hook-finalizer";

/// Whether the object is being deleted (and is not a hook held by its finalizer).
fn pending_deletion(obj: &Value) -> bool {
    let deleting = crate::object::path::at(obj, &["metadata", "deletionTimestamp"])
        .is_some_and(|t| !t.is_null());
    let hook_held = crate::object::path::array_at(obj, &["metadata", "finalizers"])
        .iter()
        .any(|f| f.as_str() == Some(HOOK_FINALIZER));
    deleting && !hook_held
}

/// The health of a live object, or `None` when no rule judges its kind.
pub fn health(obj: &Value, rules: &HealthRules) -> Option<HealthStatus> {
    if pending_deletion(obj) {
        return Some(HealthStatus::progressing("Pending deletion"));
    }
    rules.custom_health(obj).or_else(|| builtin::health(obj))
}
