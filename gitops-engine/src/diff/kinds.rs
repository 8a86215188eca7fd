//! Identity of an object (group, kind, name, namespace) and the registry of
//! built-in Kubernetes API groups whose types the engine knows.

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

/// The group, version and kind of an object, read from `apiVersion`/`kind`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct TypeInfo {
    /// API group; empty for the core group.
    pub group: String,
    /// API version without the group.
    pub version: String,
    /// The object's kind.
    pub kind: String,
}

impl TypeInfo {
    /// Reads `apiVersion` and `kind` of `obj`; missing fields read as empty.
    pub fn of(obj: &Value) -> Self {
        let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        let (group, version) = match api_version.split_once('/') {
            Some((g, v)) => (g.to_string(), v.to_string()),
            None => (String::new(), api_version.to_string()),
        };
        let kind = obj
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        TypeInfo {
            group,
            version,
            kind,
        }
    }

    /// Whether the type belongs to a built-in API group.
    pub fn is_built_in(&self) -> bool {
        !self.kind.is_empty() && BUILT_IN_GROUPS.contains(&self.group.as_str())
    }

    /// Whether this is `kind` in `group`.
    pub fn is(&self, group: &str, kind: &str) -> bool {
        self.group == group && self.kind == kind
    }
}

/// `metadata.<field>` of `obj` as a string, or "" when absent.
pub(crate) fn meta_str<'a>(obj: &'a Value, field: &str) -> &'a str {
    obj.get("metadata")
        .and_then(|m| m.get(field))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// Whether the map at `path` (field names from the root) of a `kind` in
/// `group` has the `retainKeys` patch strategy: a Deployment's
/// `spec.strategy`. (The generated merge-key table records the strategies of
/// lists only; the list one, pod `volumes`, comes from there.)
pub(crate) fn map_retains_keys(group: &str, kind: &str, path: &[String]) -> bool {
    matches!(group, "apps" | "extensions") && kind == "Deployment" && path == ["spec", "strategy"]
}

/// How the items of a strategic-merge list are matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MergeKey {
    /// Items are maps matched by this field.
    Field(&'static str),
    /// Items are scalars matched by value (a set).
    Value,
}

/// The strategic-merge key of the list at `path` (field names from the root,
/// list indices omitted) in an object of type `ty`, or `None` when the list
/// is replaced atomically. Covers the merge keys of the common built-in types.
pub(crate) fn merge_key(ty: &TypeInfo, path: &[String]) -> Option<MergeKey> {
    if path == ["metadata", "finalizers"] {
        return Some(MergeKey::Value);
    }
    merge_key_field(ty, path).map(MergeKey::Field)
}

fn merge_key_field(ty: &TypeInfo, path: &[String]) -> Option<&'static str> {
    let last = path.last()?.as_str();
    let parent = path.len().checked_sub(2).map(|i| path[i].as_str());
    let in_container = matches!(
        parent,
        Some("containers" | "initContainers" | "ephemeralContainers")
    );
    match last {
        "containers" | "initContainers" | "ephemeralContainers" => Some("name"),
        "env" if in_container => Some("name"),
        "ports" if in_container => Some("containerPort"),
        "ports" if ty.is("", "Service") && path.len() == 2 => Some("port"),
        "volumeMounts" if in_container => Some("mountPath"),
        "volumeDevices" if in_container => Some("devicePath"),
        "resizePolicy" if in_container => Some("resourceName"),
        "volumes" | "imagePullSecrets" | "resourceClaims" | "schedulingGates" => Some("name"),
        "hostAliases" => Some("ip"),
        "topologySpreadConstraints" => Some("topologyKey"),
        "ownerReferences" if parent == Some("metadata") => Some("uid"),
        "conditions" if path.first().map(String::as_str) == Some("status") => Some("type"),
        "webhooks" if ty.group == "admissionregistration.k8s.io" => Some("name"),
        "secrets" if ty.is("", "ServiceAccount") => Some("name"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn path(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn type_info_splits_api_version() {
        let t = TypeInfo::of(&json!({"apiVersion": "apps/v1", "kind": "Deployment"}));
        assert_eq!((t.group.as_str(), t.version.as_str()), ("apps", "v1"));
        assert!(t.is_built_in());
        let core = TypeInfo::of(&json!({"apiVersion": "v1", "kind": "Secret"}));
        assert!(core.is("", "Secret"));
        assert!(!TypeInfo::of(&json!({"apiVersion": "foo.io/v1", "kind": "Foo"})).is_built_in());
    }

    #[test]
    fn merge_keys_depend_on_context() {
        let dep = TypeInfo::of(&json!({"apiVersion": "apps/v1", "kind": "Deployment"}));
        let svc = TypeInfo::of(&json!({"apiVersion": "v1", "kind": "Service"}));
        let c = ["spec", "template", "spec", "containers"];
        assert_eq!(merge_key(&dep, &path(&c)), Some(MergeKey::Field("name")));
        assert_eq!(
            merge_key(&dep, &path(&[&c[..], &["ports"]].concat())),
            Some(MergeKey::Field("containerPort"))
        );
        assert_eq!(
            merge_key(&svc, &path(&["spec", "ports"])),
            Some(MergeKey::Field("port"))
        );
        assert_eq!(
            merge_key(&svc, &path(&["metadata", "finalizers"])),
            Some(MergeKey::Value)
        );
        assert_eq!(
            merge_key(&dep, &path(&["spec", "template", "spec", "tolerations"])),
            None
        );
    }
}
