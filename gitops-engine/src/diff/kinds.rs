//! Identity of an object (group, kind, name, namespace) and the registry of
//! built-in Kubernetes API groups whose types the engine knows.

use kustomize_core::smp::{At, Schema};
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
        let (group, version) = crate::object::split_api_version(api_version);
        let (group, version) = (group.to_owned(), version.to_owned());
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

/// The schema position of the field at `path` (field names from the root,
/// list indices omitted) in an object of type `ty`, from kustomize-core's
/// generated OpenAPI table.
fn schema_at(ty: &TypeInfo, path: &[String]) -> Option<At<'static>> {
    let mut at = type_schema(ty)?;
    for (i, field) in path.iter().enumerate() {
        at = at.field(field)?;
        if i + 1 < path.len() {
            at = at.elements().unwrap_or(at);
        }
    }
    Some(at)
}

/// The root schema of `ty`. The table is of Kubernetes 1.21; a kind of an
/// older version (`apps/v1beta1`, `extensions/v1beta1`) merges as the same
/// kind of the group's (or, for `extensions`, its successors') `v1`.
pub(crate) fn type_schema(ty: &TypeInfo) -> Option<At<'static>> {
    let schema = Schema::builtin();
    let api_version = |group: &str, version: &str| {
        if group.is_empty() {
            version.to_owned()
        } else {
            format!("{group}/{version}")
        }
    };
    let successors: &[&str] = match ty.group.as_str() {
        "extensions" => &["apps", "networking.k8s.io", "policy"],
        _ => &[],
    };
    std::iter::once(api_version(&ty.group, &ty.version))
        .chain(["v1", "v1beta1"].map(|v| api_version(&ty.group, v)))
        .chain(successors.iter().map(|g| api_version(g, "v1")))
        .find_map(|candidate| schema.for_type(&candidate, &ty.kind))
}

/// The strategic-merge key of the list at `path` (field names from the root,
/// list indices omitted) in an object of type `ty`, or `None` when the list
/// is replaced atomically: the patch merge key from the generated table, or
/// [`MergeKey::Value`] for a merging list of scalars.
pub(crate) fn merge_key(ty: &TypeInfo, path: &[String]) -> Option<MergeKey> {
    let at = schema_at(ty, path).filter(|at| at.merges())?;
    Some(match at.keys().first() {
        Some(key) => MergeKey::Field(key),
        None => MergeKey::Value,
    })
}

/// Whether the map at `path` keeps only the keys a patch names when the
/// patch changes it (`retainKeys`): the elements of pod `volumes` (from the
/// generated table) and a Deployment's `strategy`.
pub(crate) fn retains_keys(ty: &TypeInfo, path: &[String]) -> bool {
    map_retains_keys(&ty.group, &ty.kind, path)
        || schema_at(ty, path).is_some_and(|at| at.merges() && at.retains_keys())
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
