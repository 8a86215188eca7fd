//! `namespace`: set `metadata.namespace` on namespaced objects, plus the
//! configured namespace fields (a v1 Namespace's own name, API services'
//! and CRD conversion webhooks' service namespace), and the namespace of
//! (cluster) role binding subjects.

use super::{TransformError, replace_scalar, scalar_text, wrong_kind};
use crate::fieldspec::{CreateKind, FieldSpec, apply, apply_all};
use crate::resource::{ResId, Resource};
use serde_json::Value;
use std::collections::HashMap;

/// Which subjects of RoleBindings and ClusterRoleBindings get the namespace
/// (the NamespaceTransformer's `setRoleBindingSubjects`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SubjectMode {
    /// Subjects named `default` (`defaultOnly`, the default).
    #[default]
    DefaultOnly,
    /// Subjects of kind ServiceAccount (`allServiceAccounts`).
    AllServiceAccounts,
    /// None (`none`).
    None,
}

impl SubjectMode {
    /// Parses the plugin config's value; empty means the default.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "" | "defaultOnly" => Some(Self::DefaultOnly),
            "allServiceAccounts" => Some(Self::AllServiceAccounts),
            "none" => Some(Self::None),
            _ => None,
        }
    }
}

/// Options of the NamespaceTransformer beyond the namespace itself (a
/// kustomization's `namespace:` uses the defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NamespaceOptions {
    /// Only fill namespace fields that are unset or empty (`unsetOnly`).
    pub unset_only: bool,
    /// Which binding subjects to set.
    pub subjects: SubjectMode,
}

/// Sets `namespace` on every resource (see the module doc); `specs` is
/// normally the configuration's `namespace` list. An empty namespace does
/// nothing. Records each resource's previous id, and fails if two
/// resources end up with the same id.
pub fn set_namespace(
    resources: &mut [Resource],
    namespace: &str,
    specs: &[FieldSpec],
    options: NamespaceOptions,
) -> Result<(), TransformError> {
    if namespace.is_empty() {
        return Ok(());
    }
    for r in resources.iter_mut().filter(|r| !r.object.is_empty()) {
        r.store_previous_id();
        set_resource_namespace(r, namespace, specs, options)?;
    }
    check_unique_ids(resources)
}

/// Sets `namespace` on one resource: its `metadata.namespace` when it is
/// namespaced, its binding subjects as `options` says, and the fields of
/// `specs` (kustomize's namespace filter, without the id bookkeeping).
pub fn set_resource_namespace(
    r: &mut Resource,
    namespace: &str,
    specs: &[FieldSpec],
    options: NamespaceOptions,
) -> Result<(), TransformError> {
    let mut set = |field: &mut Value| {
        let present = scalar_text(field).is_some_and(|s| !s.is_empty());
        if options.unset_only && present {
            return Ok(());
        }
        replace_scalar(field, Value::String(namespace.to_owned()))
    };
    let gvk = r.gvk();
    let is_v1 = r.object.get("apiVersion").and_then(Value::as_str) == Some("v1");
    let is_binding = matches!(gvk.kind.as_str(), "RoleBinding" | "ClusterRoleBinding");
    let specs: Vec<FieldSpec> = specs
        .iter()
        .filter(|s| s.path != "metadata/namespace")
        .filter(|s| is_v1 || s.path != "metadata/name")
        .filter(|s| {
            !(is_binding
                && matches!(s.kind.as_str(), "RoleBinding" | "ClusterRoleBinding")
                && s.path == "subjects/namespace")
        })
        .cloned()
        .collect();
    if !gvk.is_cluster_scoped() {
        apply(
            &FieldSpec::new("metadata/namespace").creating(),
            &mut r.object,
            CreateKind::Scalar,
            &mut set,
        )?;
    }
    if is_binding {
        set_subjects(r, options, &mut set)?;
    }
    apply_all(&specs, &mut r.object, CreateKind::Scalar, &mut set)?;
    Ok(())
}

/// Fails on the first resource (in order) whose id another one shares, as
/// kustomize's check after each resource does; one pass with a count per id.
fn check_unique_ids(resources: &[Resource]) -> Result<(), TransformError> {
    let ids: Vec<ResId> = resources.iter().map(Resource::id).collect();
    let key = |id: &ResId| {
        (
            id.gvk.clone(),
            id.name.clone(),
            id.effective_namespace().to_owned(),
        )
    };
    let mut counts: HashMap<_, usize> = HashMap::with_capacity(ids.len());
    for id in &ids {
        *counts.entry(key(id)).or_default() += 1;
    }
    let conflict = resources
        .iter()
        .zip(&ids)
        .filter(|(r, _)| !r.object.is_empty())
        .map(|(_, id)| (id, counts[&key(id)]))
        .find(|&(_, count)| count != 1);
    match conflict {
        Some((id, count)) => Err(TransformError::NamespaceConflict {
            id: id.to_string(),
            count,
        }),
        None => Ok(()),
    }
}

/// Sets the namespace of the binding's subjects that `options` selects.
fn set_subjects<F>(
    r: &mut Resource,
    options: NamespaceOptions,
    set: &mut F,
) -> Result<(), TransformError>
where
    F: FnMut(&mut Value) -> Result<(), String>,
{
    let object = r.id().to_string();
    let subjects = match r.object.get_mut("subjects") {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(TransformError::Subjects {
                object,
                reason: wrong_kind("SequenceNode", other),
            });
        }
    };
    let (field, wanted) = match options.subjects {
        SubjectMode::None => return Ok(()),
        SubjectMode::DefaultOnly => ("name", "default"),
        SubjectMode::AllServiceAccounts => ("kind", "ServiceAccount"),
    };
    for subject in subjects.iter_mut().filter_map(Value::as_object_mut) {
        if subject.get(field).and_then(scalar_text).as_deref() != Some(wanted) {
            continue;
        }
        let ns = subject
            .entry("namespace")
            .or_insert_with(|| Value::String(String::new()));
        set(ns).map_err(|reason| TransformError::Subjects {
            object: object.clone(),
            reason,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fieldspec::TransformerConfig;
    use crate::transformers::test_util::{objects, res};
    use serde_json::json;

    fn run(rs: &mut [Resource], options: NamespaceOptions) -> Result<(), TransformError> {
        set_namespace(rs, "ns", &TransformerConfig::builtin().namespace, options)
    }

    #[test]
    fn namespaced_kinds_only() {
        let mut rs = vec![
            res(
                json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "old"}}),
            ),
            res(
                json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "r"}}),
            ),
            res(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}})),
            res(
                json!({"apiVersion": "example.com/v1", "kind": "Namespace", "metadata": {"name": "y"}}),
            ),
        ];
        run(&mut rs, NamespaceOptions::default()).unwrap();
        assert_eq!(rs[0].namespace(), "ns");
        assert_eq!(rs[1].object["metadata"], json!({"name": "r"}));
        assert_eq!(rs[2].object["metadata"], json!({"name": "ns"}));
        assert_eq!(
            rs[3].object["metadata"],
            json!({"name": "y", "namespace": "ns"})
        );
        assert!(rs.iter().all(|r| r.previous_ids.len() == 1));
        assert_eq!(rs[0].previous_ids[0].namespace, "old");
    }

    #[test]
    fn unset_only_keeps_existing() {
        let mut rs = vec![
            res(
                json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "old"}}),
            ),
            res(
                json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b", "namespace": ""}}),
            ),
        ];
        run(
            &mut rs,
            NamespaceOptions {
                unset_only: true,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(rs[0].namespace(), "old");
        assert_eq!(rs[1].namespace(), "ns");
    }

    #[test]
    fn binding_subjects_by_mode() {
        let binding = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": "b"},
            "subjects": [{"kind": "ServiceAccount", "name": "default"}, {"kind": "ServiceAccount", "name": "sa", "namespace": "o"},
                {"kind": "User", "name": "u"}]});
        let subjects = |mode| {
            let mut rs = vec![res(binding.clone())];
            run(
                &mut rs,
                NamespaceOptions {
                    unset_only: false,
                    subjects: mode,
                },
            )
            .unwrap();
            objects(&rs)[0]["subjects"].clone()
        };
        assert_eq!(
            subjects(SubjectMode::DefaultOnly),
            json!([{"kind": "ServiceAccount", "name": "default", "namespace": "ns"},
                {"kind": "ServiceAccount", "name": "sa", "namespace": "o"}, {"kind": "User", "name": "u"}])
        );
        assert_eq!(
            subjects(SubjectMode::AllServiceAccounts),
            json!([{"kind": "ServiceAccount", "name": "default", "namespace": "ns"},
                {"kind": "ServiceAccount", "name": "sa", "namespace": "ns"}, {"kind": "User", "name": "u"}])
        );
        assert_eq!(subjects(SubjectMode::None), binding["subjects"]);
        assert_eq!(SubjectMode::parse("bogus"), None);
    }

    #[test]
    fn id_conflict_is_an_error() {
        let mut rs = vec![
            res(
                json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "x"}}),
            ),
            res(
                json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "y"}}),
            ),
        ];
        let err = run(&mut rs, NamespaceOptions::default()).unwrap_err();
        assert!(
            matches!(err, TransformError::NamespaceConflict { count: 2, .. }),
            "{err}"
        );
    }
}
