//! Sync waves and the kind order inside a wave (spec §2.3, items 2 and 3).

use serde_json::Value;

use crate::object::annotation;

/// Annotation giving an object's sync wave.
pub const SYNC_WAVE_ANNOTATION: &str = "argocd.argoproj.io/sync-wave";
/// Helm's hook weight, the wave when the sync-wave annotation is absent or invalid.
pub const HELM_HOOK_WEIGHT_ANNOTATION: &str = "helm.sh/hook-weight";

/// Kinds in apply order; kinds not listed (custom resources) come after all of them.
pub const KIND_ORDER: [&str; 35] = [
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
];

/// Position of a kind in [`KIND_ORDER`]; unlisted kinds rank after every listed one.
/// The group is ignored.
pub fn kind_rank(kind: &str) -> usize {
    KIND_ORDER
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(KIND_ORDER.len())
}

/// Parses a wave strictly: optional sign and decimal digits, no spaces, within `i64`.
fn parse_wave(text: &str) -> Option<i64> {
    text.parse().ok()
}

/// The sync wave of an object: `argocd.argoproj.io/sync-wave`, else (absent or not an
/// integer) `helm.sh/hook-weight`, else 0.
pub fn sync_wave(obj: &Value) -> i64 {
    annotation(obj, SYNC_WAVE_ANNOTATION)
        .and_then(parse_wave)
        .or_else(|| annotation(obj, HELM_HOOK_WEIGHT_ANNOTATION).and_then(parse_wave))
        .unwrap_or(0)
}
