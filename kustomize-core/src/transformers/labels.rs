//! `commonLabels` and `labels:` entries: label pairs written into metadata
//! and, depending on the entry, selectors and pod templates.

use super::{TransformError, set_map_entries};
use crate::fieldspec::{FieldSpec, FieldSpecError, FieldSpecs, TransformerConfig};
use crate::resource::Resource;
use indexmap::IndexMap;

/// Adds `labels` to every field `specs` designates (creating maps where a
/// spec says `create`). For `commonLabels` pass the configuration's
/// `common_labels`; for a `labels:` entry, [`entry_specs`].
pub fn add_labels(
    resources: &mut [Resource],
    labels: &IndexMap<String, String>,
    specs: &[FieldSpec],
) -> Result<(), TransformError> {
    set_map_entries(resources, labels, specs)
}

/// The specs a `labels:` entry writes to: its own `fields`, the
/// configuration's `labels` list, then either all of `commonLabels`
/// (`include_selectors`) or `metadata/labels` plus, with
/// `include_templates`, the template labels.
pub fn entry_specs(
    fields: &[FieldSpec],
    include_selectors: bool,
    include_templates: bool,
    config: &TransformerConfig,
) -> Result<FieldSpecs, FieldSpecError> {
    let mut specs = FieldSpecs(fields.to_vec());
    specs.merge_all(&config.labels)?;
    if include_selectors {
        specs.merge_all(&config.common_labels)?;
    } else {
        if include_templates {
            specs.merge_all(&config.template_labels)?;
        }
        specs.merge_one(FieldSpec::new("metadata/labels").creating())?;
    }
    Ok(specs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transformers::test_util::{objects, res};
    use serde_json::json;

    fn pairs(p: &[(&str, &str)]) -> IndexMap<String, String> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn common_labels_reach_selectors_and_templates() {
        let mut rs = vec![res(
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}}),
        )];
        let c = TransformerConfig::builtin();
        add_labels(&mut rs, &pairs(&[("a", "1")]), &c.common_labels).unwrap();
        assert_eq!(
            objects(&rs),
            json!([{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "labels": {"a": "1"}},
                "spec": {"selector": {"matchLabels": {"a": "1"}}, "template": {"metadata": {"labels": {"a": "1"}}}}}])
        );
    }

    #[test]
    fn plain_entry_only_touches_metadata() {
        let c = TransformerConfig::builtin();
        let specs = entry_specs(&[], false, false, c).unwrap();
        assert_eq!(specs.0, [FieldSpec::new("metadata/labels").creating()]);
        let specs = entry_specs(&[], false, true, c).unwrap();
        assert_eq!(specs.len(), c.template_labels.len());
        let own = [FieldSpec::new("spec/x").kind("K").creating()];
        let specs = entry_specs(&own, true, false, c).unwrap();
        assert_eq!(specs.len(), c.common_labels.len() + 1);
        assert_eq!(specs[0], own[0]);
    }

    #[test]
    fn entry_conflicting_with_metadata_labels_is_an_error() {
        let own = [FieldSpec::new("metadata/labels")];
        assert!(entry_specs(&own, false, false, TransformerConfig::builtin()).is_err());
    }

    #[test]
    fn non_map_labels_are_an_error() {
        let mut rs = vec![res(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": ["x"]}}),
        )];
        let err = add_labels(
            &mut rs,
            &pairs(&[("a", "b")]),
            &TransformerConfig::builtin().common_labels,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "considering field 'metadata/labels' of object ConfigMap.v1.[noGrp]/c.[noNs]: wrong node kind: expected MappingNode but got SequenceNode"
        );
    }
}
