//! [`Gvk`] (a type: group, version and kind) and [`ObjectRef`] (one
//! object's address), as the cluster interface and the controller name them.

use std::fmt;

use serde_json::Value;

/// API groups served by the Kubernetes API server itself. Objects in these
/// groups get the typed treatment (remarshal, strategic merge, API defaults);
/// everything else (custom resources) is handled as untyped JSON.
const BUILT_IN_GROUPS: &[&str] = &[
    "",
    "admissionregistration.k8s.io",
    "apps",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "autoscaling",
    "batch",
    "certificates.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "events.k8s.io",
    "extensions",
    "flowcontrol.apiserver.k8s.io",
    "networking.k8s.io",
    "node.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "resource.k8s.io",
    "scheduling.k8s.io",
    "storage.k8s.io",
    "storagemigration.k8s.io",
];

/// Group, version and kind of a type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gvk {
    /// API group; empty for the core group.
    pub group: String,
    /// API version inside the group.
    pub version: String,
    /// Kind.
    pub kind: String,
}

impl Gvk {
    /// Builds a GVK from its parts.
    pub fn new(group: &str, version: &str, kind: &str) -> Self {
        Gvk {
            group: group.to_owned(),
            version: version.to_owned(),
            kind: kind.to_owned(),
        }
    }

    /// The GVK a manifest names, with the parts it lacks empty.
    pub fn named_by(obj: &Value) -> Self {
        let api_version = obj["apiVersion"].as_str().unwrap_or_default();
        let (group, version) = crate::object::split_api_version(api_version);
        Gvk::new(group, version, obj["kind"].as_str().unwrap_or_default())
    }

    /// Whether the type belongs to a built-in API group (served by the
    /// Kubernetes API server itself: typed treatment in the diff).
    pub fn is_built_in(&self) -> bool {
        !self.kind.is_empty() && BUILT_IN_GROUPS.contains(&self.group.as_str())
    }

    /// Whether this is `kind` in `group`.
    pub fn is(&self, group: &str, kind: &str) -> bool {
        self.group == group && self.kind == kind
    }

    /// The GVK of a manifest (`apiVersion` and `kind`), if it names both.
    pub fn of(obj: &Value) -> Option<Self> {
        let api_version = obj["apiVersion"].as_str().filter(|s| !s.is_empty())?;
        let kind = obj["kind"].as_str().filter(|s| !s.is_empty())?;
        let (group, version) = crate::object::split_api_version(api_version);
        Some(Gvk::new(group, version, kind))
    }
}

/// Printed as `group/version, Kind=kind` like Kubernetes does.
impl fmt::Display for Gvk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}, Kind={}", self.group, self.version, self.kind)
    }
}

/// A manifest that names no object: why (no `apiVersion`/`kind`, no
/// `metadata.name`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidObject(pub String);

/// One object's address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectRef {
    /// Its type.
    pub gvk: Gvk,
    /// Namespace; empty for cluster-scoped objects.
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
}

impl ObjectRef {
    /// The address of a manifest; the namespace is taken as given (empty when
    /// absent).
    pub fn of(obj: &Value) -> Result<Self, InvalidObject> {
        let gvk = Gvk::of(obj)
            .ok_or_else(|| InvalidObject("the object has no apiVersion or kind".to_owned()))?;
        let name = obj["metadata"]["name"].as_str().unwrap_or("");
        if name.is_empty() {
            return Err(InvalidObject(format!(
                "the {} object has no metadata.name",
                gvk.kind
            )));
        }
        Ok(ObjectRef {
            gvk,
            namespace: obj["metadata"]["namespace"]
                .as_str()
                .unwrap_or("")
                .to_owned(),
            name: name.to_owned(),
        })
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}/{}", self.gvk, self.namespace, self.name)
    }
}
