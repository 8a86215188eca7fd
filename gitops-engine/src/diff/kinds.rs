//! How the strategic merge of built-in types treats a field: merge keys and
//! `retainKeys`, from kustomize-core's generated OpenAPI table.

use kustomize_core::smp::{At, Schema};

use crate::object::Gvk;

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
fn schema_at(ty: &Gvk, path: &[String]) -> Option<At<'static>> {
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
pub(crate) fn type_schema(ty: &Gvk) -> Option<At<'static>> {
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
pub(crate) fn merge_key(ty: &Gvk, path: &[String]) -> Option<MergeKey> {
    let at = schema_at(ty, path).filter(|at| at.merges())?;
    Some(match at.keys().first() {
        Some(key) => MergeKey::Field(key),
        None => MergeKey::Value,
    })
}

/// Whether the map at `path` (or each element of the list at `path`) keeps
/// only the keys a patch names when the patch changes it (`retainKeys`, from
/// the generated table): a Deployment's `strategy`, the elements of pod
/// `volumes`.
pub(crate) fn retains_keys(ty: &Gvk, path: &[String]) -> bool {
    schema_at(ty, path).is_some_and(At::retains_keys)
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
        let t = Gvk::named_by(&json!({"apiVersion": "apps/v1", "kind": "Deployment"}));
        assert_eq!((t.group.as_str(), t.version.as_str()), ("apps", "v1"));
        assert!(t.is_built_in());
        let core = Gvk::named_by(&json!({"apiVersion": "v1", "kind": "Secret"}));
        assert!(core.is("", "Secret"));
        assert!(!Gvk::named_by(&json!({"apiVersion": "foo.io/v1", "kind": "Foo"})).is_built_in());
    }

    #[test]
    fn merge_keys_depend_on_context() {
        let dep = Gvk::named_by(&json!({"apiVersion": "apps/v1", "kind": "Deployment"}));
        let svc = Gvk::named_by(&json!({"apiVersion": "v1", "kind": "Service"}));
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

    /// `x-kubernetes-patch-strategy: retainKeys` in Kubernetes 1.21's OpenAPI:
    /// `DeploymentSpec.strategy` (an object, also for the old `extensions`
    /// Deployment) and `PodSpec.volumes` (a list, per element).
    #[test]
    fn retain_keys_come_from_the_table() {
        let dep = Gvk::named_by(&json!({"apiVersion": "apps/v1", "kind": "Deployment"}));
        let old = Gvk::named_by(&json!({"apiVersion": "extensions/v1beta1", "kind": "Deployment"}));
        let ds = Gvk::named_by(&json!({"apiVersion": "apps/v1", "kind": "DaemonSet"}));
        assert!(retains_keys(&dep, &path(&["spec", "strategy"])));
        assert!(retains_keys(&old, &path(&["spec", "strategy"])));
        assert!(!retains_keys(&ds, &path(&["spec", "updateStrategy"])));
        assert!(!retains_keys(&dep, &path(&["spec", "template"])));
        assert!(retains_keys(
            &dep,
            &path(&["spec", "template", "spec", "volumes"])
        ));
    }
}
