//! Which kinds live in namespaces (from discovery, else the built-in
//! cluster-scoped kinds), and so which namespace a desired object is in.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ResourceKey;

/// A kind the API server serves, as found by discovery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiResource {
    /// API group.
    pub group: String,
    /// Kind.
    pub kind: String,
    /// Whether objects of the kind live in namespaces.
    pub namespaced: bool,
}

/// Built-in cluster-scoped kinds `(group, kind)`, used for scoping when discovery is not
/// available.
pub const CLUSTER_SCOPED_BUILTINS: [(&str, &str); 23] = [
    ("", "Namespace"),
    ("", "Node"),
    ("", "PersistentVolume"),
    ("", "ComponentStatus"),
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ("apiregistration.k8s.io", "APIService"),
    ("storage.k8s.io", "StorageClass"),
    ("storage.k8s.io", "CSIDriver"),
    ("storage.k8s.io", "CSINode"),
    ("storage.k8s.io", "VolumeAttachment"),
    ("scheduling.k8s.io", "PriorityClass"),
    ("networking.k8s.io", "IngressClass"),
    ("node.k8s.io", "RuntimeClass"),
    ("policy", "PodSecurityPolicy"),
    (
        "admissionregistration.k8s.io",
        "MutatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io",
        "ValidatingWebhookConfiguration",
    ),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    (
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicyBinding",
    ),
    ("certificates.k8s.io", "CertificateSigningRequest"),
    ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
    ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
];

/// The scope of kinds: from discovery when given, otherwise only the
/// built-in cluster-scoped kinds are known (as cluster-scoped).
pub(crate) struct Scopes(Option<BTreeMap<(String, String), bool>>);

impl Scopes {
    /// The scopes of `resources` (discovery), or of the built-in kinds.
    pub(crate) fn new(resources: Option<&[ApiResource]>) -> Self {
        Self(resources.map(|rs| {
            rs.iter()
                .map(|r| ((r.group.clone(), r.kind.clone()), r.namespaced))
                .collect()
        }))
    }

    /// `Some(namespaced)` when known: from discovery, or without discovery for the
    /// built-in cluster-scoped kinds.
    pub(crate) fn namespaced(&self, group: &str, kind: &str) -> Option<bool> {
        match &self.0 {
            Some(map) => map.get(&(group.to_owned(), kind.to_owned())).copied(),
            None => CLUSTER_SCOPED_BUILTINS
                .contains(&(group, kind))
                .then_some(false),
        }
    }

    /// Whether the kind is served (always, without discovery).
    pub(crate) fn is_known(&self, group: &str, kind: &str) -> bool {
        self.0.is_none() || self.namespaced(group, kind).is_some()
    }

    /// The key of a desired object: namespaced kinds (or unknown scope) without a
    /// namespace get the destination namespace; known cluster-scoped kinds have none.
    pub(crate) fn desired_key(&self, obj: &Value, destination_namespace: &str) -> ResourceKey {
        let key = ResourceKey::of(obj);
        match self.namespaced(&key.group, &key.kind) {
            Some(false) => key.with_namespace(""),
            _ if key.namespace.is_empty() => key.with_namespace(destination_namespace),
            _ => key,
        }
    }

    /// Puts a desired object in the namespace its key says, as Argo CD does
    /// before comparing: known cluster-scoped kinds lose any namespace;
    /// namespaced kinds (or of unknown scope) without one get the destination
    /// namespace.
    pub(crate) fn set_namespace(&self, obj: &mut Value, destination_namespace: &str) {
        let namespace = self.desired_key(obj, destination_namespace).namespace;
        let Some(metadata) = obj.get_mut("metadata").and_then(Value::as_object_mut) else {
            return;
        };
        if namespace.is_empty() {
            metadata.remove("namespace");
        } else {
            metadata.insert("namespace".to_owned(), Value::String(namespace));
        }
    }
}
