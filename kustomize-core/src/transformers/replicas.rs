//! `replicas`: set the replica count of the named resources.

use super::{TransformError, replace_scalar};
use crate::fieldspec::{CreateKind, FieldSpec, apply};
use crate::resource::Resource;
use serde_json::Value;

/// Sets `count` in the fields `specs` designates (normally the
/// configuration's `replicas`) of every resource whose current or any
/// previous name is `name` and whose kind a spec selects. It is an error if
/// no resource matches any spec.
pub fn set_replicas(
    resources: &mut [Resource],
    name: &str,
    count: i64,
    specs: &[FieldSpec],
) -> Result<(), TransformError> {
    let mut found = false;
    for spec in specs {
        for r in resources.iter_mut() {
            let matches = r
                .all_ids()
                .any(|id| id.name == name && spec.selects(&id.gvk));
            if !matches {
                continue;
            }
            found = true;
            apply(
                spec,
                &mut r.object,
                CreateKind::Scalar,
                &mut |field: &mut Value| replace_scalar(field, Value::from(count)),
            )?;
        }
    }
    if found {
        return Ok(());
    }
    let gvks: Vec<String> = specs.iter().map(|s| s.gvk().to_string()).collect();
    Err(TransformError::ReplicaTarget {
        name: name.to_owned(),
        gvks: gvks.join(" "),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fieldspec::TransformerConfig;
    use crate::transformers::test_util::res;
    use serde_json::json;

    #[test]
    fn sets_by_current_or_previous_name() {
        let specs = &TransformerConfig::builtin().replicas;
        let mut rs = vec![
            res(json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}})),
            res(
                json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "s"}, "spec": {"replicas": 1}}),
            ),
            res(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "d"}})),
        ];
        rs[1].store_previous_id();
        rs[1].set_name("p-s");
        set_replicas(&mut rs, "d", 3, specs).unwrap();
        set_replicas(&mut rs, "s", 5, specs).unwrap();
        assert_eq!(rs[0].object["spec"], json!({"replicas": 3}));
        assert_eq!(rs[1].object["spec"], json!({"replicas": 5}));
        assert_eq!(rs[2].object.get("spec"), None);
    }

    #[test]
    fn no_match_is_an_error() {
        let mut rs = vec![res(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "d"}}),
        )];
        let err =
            set_replicas(&mut rs, "d", 3, &TransformerConfig::builtin().replicas).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("resource with name d does not match"),
            "{err}"
        );
    }
}
