//! `namePrefix` and `nameSuffix`: prepend or append to names, recording the
//! previous id and the affix on each renamed resource for the name-reference
//! fixer.

use super::{TransformError, replace_scalar, scalar_text};
use crate::fieldspec::{CreateKind, FieldSpec, apply};
use crate::resource::{Gvk, Resource};
use serde_json::Value;

/// Which end of the name an affix goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Prefix,
    Suffix,
}

/// Adds `prefix` to the fields `specs` designates (normally the
/// configuration's `name_prefix`: `metadata/name`). Custom resource
/// definitions, API services and namespaces keep their names.
pub fn add_name_prefix(
    resources: &mut [Resource],
    prefix: &str,
    specs: &[FieldSpec],
) -> Result<(), TransformError> {
    add_affix(resources, End::Prefix, prefix, specs)
}

/// Adds `suffix` to the fields `specs` designates, like [`add_name_prefix`].
pub fn add_name_suffix(
    resources: &mut [Resource],
    suffix: &str,
    specs: &[FieldSpec],
) -> Result<(), TransformError> {
    add_affix(resources, End::Suffix, suffix, specs)
}

/// Whether kustomize never renames resources first loaded as `gvk`.
fn keeps_name(gvk: &Gvk) -> bool {
    let skip = |group: &str, kind: &str| {
        gvk.is_selected_by(&Gvk {
            group: group.to_owned(),
            version: String::new(),
            kind: kind.to_owned(),
        })
    };
    skip("", "CustomResourceDefinition")
        || skip("apiregistration.k8s.io", "APIService")
        || skip("", "Namespace")
}

fn add_affix(
    resources: &mut [Resource],
    end: End,
    affix: &str,
    specs: &[FieldSpec],
) -> Result<(), TransformError> {
    for r in resources.iter_mut() {
        // Kinds are judged by the id the resource was loaded with.
        let original = r.original_id().gvk;
        if keeps_name(&original) {
            continue;
        }
        for spec in specs.iter().filter(|s| s.selects(&original)) {
            if spec.path == "metadata/name" && !affix.is_empty() {
                match end {
                    End::Prefix => r.name_prefixes.push(affix.to_owned()),
                    End::Suffix => r.name_suffixes.push(affix.to_owned()),
                }
                r.store_previous_id();
            }
            apply(
                spec,
                &mut r.object,
                CreateKind::Scalar,
                &mut |field: &mut Value| {
                    let old = scalar_text(field).unwrap_or_default();
                    let new = match end {
                        End::Prefix => format!("{affix}{old}"),
                        End::Suffix => format!("{old}{affix}"),
                    };
                    replace_scalar(field, Value::String(new))
                },
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fieldspec::TransformerConfig;
    use crate::transformers::test_util::res;
    use serde_json::json;

    #[test]
    fn renames_and_records() {
        let c = TransformerConfig::builtin();
        let mut rs = vec![
            res(
                json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "n"}}),
            ),
            res(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}})),
            res(
                json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": {"name": "x.y"}}),
            ),
        ];
        add_name_prefix(&mut rs, "p-", &c.name_prefix).unwrap();
        add_name_suffix(&mut rs, "-s", &c.name_suffix).unwrap();
        assert_eq!(rs[0].name(), "p-a-s");
        assert_eq!(rs[0].name_prefixes, ["p-"]);
        assert_eq!(rs[0].name_suffixes, ["-s"]);
        let prev: Vec<&str> = rs[0].previous_ids.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(prev, ["a", "p-a"]);
        assert_eq!(rs[0].original_id().name, "a");
        assert_eq!(rs[1].name(), "n");
        assert!(rs[1].previous_ids.is_empty());
        assert_eq!(rs[2].name(), "x.y");
    }

    #[test]
    fn empty_affix_records_nothing() {
        let mut rs = vec![res(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}),
        )];
        add_name_prefix(&mut rs, "", &TransformerConfig::builtin().name_prefix).unwrap();
        assert_eq!(rs[0].name(), "a");
        assert!(rs[0].previous_ids.is_empty() && rs[0].name_prefixes.is_empty());
    }

    #[test]
    fn missing_name_is_not_created() {
        let mut rs = vec![res(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}}),
        )];
        add_name_prefix(&mut rs, "p-", &TransformerConfig::builtin().name_prefix).unwrap();
        assert_eq!(rs[0].object["metadata"], json!({}));
    }

    #[test]
    fn custom_spec_paths_get_the_affix_too() {
        let specs = [
            FieldSpec::new("metadata/name"),
            FieldSpec::new("spec/other").kind("Foo").creating(),
        ];
        let mut rs = vec![res(
            json!({"apiVersion": "x/v1", "kind": "Foo", "metadata": {"name": "a"}}),
        )];
        add_name_prefix(&mut rs, "p-", &specs).unwrap();
        assert_eq!(rs[0].object["spec"], json!({"other": "p-"}));
        assert_eq!(rs[0].previous_ids.len(), 1);
    }
}
