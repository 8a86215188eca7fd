//! The health of a whole application from the health of its resources.

use serde_json::Value;

use crate::health::hook::{is_hook, is_skipped};
use crate::health::rules::HealthRules;
use crate::health::status::{HealthStatus, HealthStatusCode};
use crate::object::path::str_at;
use crate::object::{annotation, group_version, kind, name};

/// How many causes the aggregate message names before summarising the rest.
const MAX_CAUSES: usize = 3;

/// One managed resource of an application, as the aggregate sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceHealth {
    /// API group (`""` for the core group).
    pub group: String,
    /// Kind.
    pub kind: String,
    /// Namespace (`""` for cluster-scoped objects).
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Whether the object exists in the cluster.
    pub live: bool,
    /// The object's health; `None` when no rule judges its kind.
    pub health: Option<HealthStatus>,
    /// Left out of the aggregate: hooks, `Skip` resources, objects annotated
    /// `argocd.argoproj.io/ignore-healthcheck: "true"`, the Application itself.
    /// See [`excluded_from_aggregate`].
    pub excluded: bool,
}

impl ResourceHealth {
    /// Assesses one managed resource from its desired (Git) and live (cluster)
    /// objects: identity from whichever exists (live first), health by [`health`]
    /// (`Missing` when there is no live object), and exclusion for `Skip` hooks on the
    /// desired side and [`excluded_from_aggregate`] on the live side. Returns `None`
    /// when both are absent. Callers still exclude the Application object itself.
    ///
    /// [`health`]: crate::health::health
    pub fn assess(
        desired: Option<&Value>,
        live: Option<&Value>,
        rules: &HealthRules,
    ) -> Option<ResourceHealth> {
        let obj = live.or(desired)?;
        let health = match live {
            Some(live) => crate::health::health(live, rules),
            None => Some(HealthStatus::new(HealthStatusCode::Missing, "")),
        };
        Some(ResourceHealth {
            group: group_version(obj).0.to_string(),
            kind: kind(obj).unwrap_or_default().to_string(),
            namespace: str_at(obj, &["metadata", "namespace"]).to_string(),
            name: name(obj).unwrap_or_default().to_string(),
            live: live.is_some(),
            health,
            excluded: desired.is_some_and(is_skipped) || live.is_some_and(excluded_from_aggregate),
        })
    }

    fn is_child_application(&self) -> bool {
        self.group == "argoproj.io" && self.kind == "Application"
    }

    fn cause(&self) -> String {
        let kind = if self.group.is_empty() {
            self.kind.clone()
        } else {
            format!("{}/{}", self.group, self.kind)
        };
        format!("{kind}:{}/{}", self.namespace, self.name)
    }

    /// Whether this resource's health takes part in the aggregate.
    fn counts(&self) -> Option<HealthStatusCode> {
        if self.excluded || !self.live {
            return None;
        }
        let code = self.health.as_ref()?.status;
        let ignored_child = self.is_child_application()
            && matches!(code, HealthStatusCode::Missing | HealthStatusCode::Unknown);
        (!ignored_child).then_some(code)
    }
}

/// Whether a live object is left out of the application's health: sync hooks
/// (`argocd.argoproj.io/hook`, Helm hooks) and objects annotated
/// `argocd.argoproj.io/ignore-healthcheck: "true"`. Desired objects whose hook
/// annotation lists `Skip` are also excluded; callers check that on the desired side.
pub fn excluded_from_aggregate(live: &Value) -> bool {
    is_hook(live) || annotation(live, "argocd.argoproj.io/ignore-healthcheck") == Some("true")
}

/// The application's health: the worst health among the resources that count
/// (live, not excluded, judged by some rule; child Applications that are `Missing`
/// or `Unknown` do not count), `Healthy` when none does, and `Missing` when the
/// application has resources but none of them exists.
///
/// When not healthy, the message names the resources with that worst health:
/// "Caused by apps/Deployment:ns/web, Pod:ns/db-0 and 2 more" (core-group kinds are
/// printed without a group).
pub fn aggregate(resources: &[ResourceHealth]) -> HealthStatus {
    if !resources.is_empty() && resources.iter().all(|r| !r.live) {
        return HealthStatus::new(HealthStatusCode::Missing, "");
    }
    let worst = resources
        .iter()
        .filter_map(ResourceHealth::counts)
        .max()
        .unwrap_or(HealthStatusCode::Healthy);
    if worst == HealthStatusCode::Healthy {
        return HealthStatus::healthy("");
    }
    let causes: Vec<String> = resources
        .iter()
        .filter(|r| r.counts() == Some(worst))
        .map(ResourceHealth::cause)
        .collect();
    let mut message = format!(
        "Caused by {}",
        causes
            .iter()
            .take(MAX_CAUSES)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    );
    if causes.len() > MAX_CAUSES {
        message.push_str(&format!(" and {} more", causes.len() - MAX_CAUSES));
    }
    HealthStatus::new(worst, message)
}
