//! Kustomize's order of kinds: well-known kinds first (namespaces before
//! what lives in them, config before workloads), webhook configurations
//! last, everything else in between by group, version and kind. Used for
//! output order and for ordering field specs.

use crate::resource::Gvk;
use std::cmp::Ordering;

/// Kinds ordered first, in this order.
pub const ORDER_FIRST: &[&str] = &[
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];

/// Kinds ordered last, in this order.
pub const ORDER_LAST: &[&str] = &[
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// The rank of `kind` given first and last lists: negative for the first
/// list, positive for the last, zero otherwise.
pub fn rank<S: AsRef<str>>(kind: &str, first: &[S], last: &[S]) -> i64 {
    if let Some(i) = first.iter().position(|k| k.as_ref() == kind) {
        i as i64 - first.len() as i64
    } else if let Some(i) = last.iter().position(|k| k.as_ref() == kind) {
        i as i64 + 1
    } else {
        0
    }
}

/// `group_version_kind` with `~G`, `~V`, `~K` for empty parts: the
/// tie-breaker between kinds of equal rank.
pub fn gvk_key(g: &Gvk) -> String {
    let or = |s: &str, d: &str| {
        if s.is_empty() {
            d.to_owned()
        } else {
            s.to_owned()
        }
    };
    format!(
        "{}_{}_{}",
        or(&g.group, "~G"),
        or(&g.version, "~V"),
        or(&g.kind, "~K")
    )
}

/// Kustomize's default order of group/version/kind triples.
pub fn gvk_order(a: &Gvk, b: &Gvk) -> Ordering {
    rank(&a.kind, ORDER_FIRST, ORDER_LAST)
        .cmp(&rank(&b.kind, ORDER_FIRST, ORDER_LAST))
        .then_with(|| gvk_key(a).cmp(&gvk_key(b)))
}
