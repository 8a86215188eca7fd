//! `commonAnnotations`: annotation pairs written into object and pod
//! template metadata.

use super::{TransformError, set_map_entries};
use crate::fieldspec::FieldSpec;
use crate::resource::Resource;
use indexmap::IndexMap;

/// Adds `annotations` to every field `specs` designates (normally the
/// configuration's `common_annotations`), creating maps where a spec says
/// `create`.
pub fn add_annotations(
    resources: &mut [Resource],
    annotations: &IndexMap<String, String>,
    specs: &[FieldSpec],
) -> Result<(), TransformError> {
    set_map_entries(resources, annotations, specs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fieldspec::TransformerConfig;
    use crate::transformers::test_util::{objects, res};
    use serde_json::json;

    #[test]
    fn cronjob_gets_both_templates() {
        let mut rs = vec![res(
            json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"}}),
        )];
        let a: IndexMap<String, String> = [("k".to_owned(), "v".to_owned())].into_iter().collect();
        add_annotations(
            &mut rs,
            &a,
            &TransformerConfig::builtin().common_annotations,
        )
        .unwrap();
        assert_eq!(
            objects(&rs),
            json!([{"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c", "annotations": {"k": "v"}},
                "spec": {"jobTemplate": {"metadata": {"annotations": {"k": "v"}},
                    "spec": {"template": {"metadata": {"annotations": {"k": "v"}}}}}}}])
        );
    }
}
