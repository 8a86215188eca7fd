//! The field layout of a kustomization file, used to read it the way
//! kustomize does: field names match case-insensitively (Go's JSON decoder)
//! and unknown fields are an error.

use serde_json::{Map, Value};

/// What a value in a kustomization file is expected to be.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Shape {
    /// An object with a fixed set of fields.
    Struct(&'static [(&'static str, Shape)]),
    /// A list whose elements have the given shape.
    List(&'static Shape),
    /// Anything (free-form maps, scalars, inline documents).
    Any,
}

use Shape::{Any, List, Struct};

const GVK: [(&str, Shape); 3] = [("group", Any), ("version", Any), ("kind", Any)];

const SELECTOR: Shape = Struct(&[
    GVK[0],
    GVK[1],
    GVK[2],
    ("name", Any),
    ("namespace", Any),
    ("labelSelector", Any),
    ("annotationSelector", Any),
]);

const FIELD_SPEC: Shape = Struct(&[GVK[0], GVK[1], GVK[2], ("path", Any), ("create", Any)]);

const GENERATOR_OPTIONS: Shape = Struct(&[
    ("labels", Any),
    ("annotations", Any),
    ("disableNameSuffixHash", Any),
    ("immutable", Any),
]);

const CONFIG_MAP_ARGS: Shape = Struct(&[
    ("namespace", Any),
    ("name", Any),
    ("behavior", Any),
    ("literals", Any),
    ("files", Any),
    ("envs", Any),
    ("env", Any),
    ("options", GENERATOR_OPTIONS),
]);

const SECRET_ARGS: Shape = Struct(&[
    ("namespace", Any),
    ("name", Any),
    ("behavior", Any),
    ("literals", Any),
    ("files", Any),
    ("envs", Any),
    ("env", Any),
    ("options", GENERATOR_OPTIONS),
    ("type", Any),
]);

const PATCH: Shape = Struct(&[
    ("path", Any),
    ("patch", Any),
    ("target", SELECTOR),
    ("options", Any),
]);

const FIELD_OPTIONS: Shape = Struct(&[
    ("delimiter", Any),
    ("index", Any),
    ("encoding", Any),
    ("create", Any),
]);

const REPLACEMENT: Shape = Struct(&[
    ("path", Any),
    (
        "source",
        Struct(&[
            GVK[0],
            GVK[1],
            GVK[2],
            ("name", Any),
            ("namespace", Any),
            ("fieldPath", Any),
            ("options", FIELD_OPTIONS),
        ]),
    ),
    (
        "targets",
        List(&Struct(&[
            ("select", SELECTOR),
            ("reject", List(&SELECTOR)),
            ("fieldPaths", Any),
            ("options", FIELD_OPTIONS),
        ])),
    ),
]);

const VAR: Shape = Struct(&[
    ("name", Any),
    (
        "objref",
        Struct(&[
            GVK[0],
            GVK[1],
            GVK[2],
            ("apiVersion", Any),
            ("name", Any),
            ("namespace", Any),
        ]),
    ),
    ("fieldref", Struct(&[("fieldPath", Any)])),
]);

/// The whole kustomization file.
pub(crate) const KUSTOMIZATION: Shape = Struct(&[
    ("apiVersion", Any),
    ("kind", Any),
    ("metadata", Any),
    ("openapi", Any),
    ("namePrefix", Any),
    ("nameSuffix", Any),
    ("namespace", Any),
    ("commonLabels", Any),
    (
        "labels",
        List(&Struct(&[
            ("pairs", Any),
            ("includeSelectors", Any),
            ("includeTemplates", Any),
            ("fields", List(&FIELD_SPEC)),
        ])),
    ),
    ("commonAnnotations", Any),
    ("patchesStrategicMerge", Any),
    ("patchesJson6902", List(&PATCH)),
    ("patches", List(&PATCH)),
    (
        "images",
        List(&Struct(&[
            ("name", Any),
            ("newName", Any),
            ("tagSuffix", Any),
            ("newTag", Any),
            ("digest", Any),
        ])),
    ),
    ("imageTags", Any),
    ("replacements", List(&REPLACEMENT)),
    ("replicas", List(&Struct(&[("name", Any), ("count", Any)]))),
    ("vars", List(&VAR)),
    (
        "sortOptions",
        Struct(&[
            ("order", Any),
            (
                "legacySortOptions",
                Struct(&[("orderFirst", Any), ("orderLast", Any)]),
            ),
        ]),
    ),
    ("resources", Any),
    ("components", Any),
    ("crds", Any),
    ("bases", Any),
    ("configMapGenerator", List(&CONFIG_MAP_ARGS)),
    ("secretGenerator", List(&SECRET_ARGS)),
    ("helmGlobals", Any),
    ("helmCharts", Any),
    ("helmChartInflationGenerator", Any),
    ("generatorOptions", GENERATOR_OPTIONS),
    ("configurations", Any),
    ("generators", Any),
    ("transformers", Any),
    ("validators", Any),
    ("buildMetadata", Any),
]);

/// Renames every field to its canonical spelling (an exact match wins, then a
/// case-insensitive one, as Go's JSON decoder does) and fails on the first
/// unknown field, returning its name.
pub(crate) fn canonicalize(value: &mut Value, shape: &Shape) -> Result<(), String> {
    match (shape, value) {
        (Struct(fields), Value::Object(map)) => {
            // Kustomize reads the file through JSON with sorted keys, so of
            // two spellings of one field the greatest in byte order wins.
            let mut old: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
            old.sort_by(|a, b| a.0.cmp(&b.0));
            let mut out = Map::with_capacity(old.len());
            for (key, mut v) in old {
                let (name, inner) = fields
                    .iter()
                    .find(|(f, _)| *f == key)
                    .or_else(|| fields.iter().find(|(f, _)| f.eq_ignore_ascii_case(&key)))
                    .ok_or_else(|| key.clone())?;
                if v.is_null() {
                    // Go's decoder leaves a field alone when given null.
                    continue;
                }
                canonicalize(&mut v, inner)?;
                out.insert((*name).to_owned(), v);
            }
            *map = out;
            Ok(())
        }
        (List(inner), Value::Array(items)) => items
            .iter_mut()
            .try_for_each(|item| canonicalize(item, inner)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renames_case_insensitively() {
        let mut v =
            json!({"NamePrefix": "p-", "configmapgenerator": [{"Name": "x", "LITERALS": ["a=b"]}]});
        canonicalize(&mut v, &KUSTOMIZATION).unwrap();
        assert_eq!(
            v,
            json!({"namePrefix": "p-", "configMapGenerator": [{"name": "x", "literals": ["a=b"]}]})
        );
    }

    #[test]
    fn rejects_unknown_nested_field() {
        let mut v = json!({"labels": [{"pairs": {"a": "b"}, "includeVolumeClaimTemplates": true}]});
        assert_eq!(
            canonicalize(&mut v, &KUSTOMIZATION).unwrap_err(),
            "includeVolumeClaimTemplates"
        );
    }

    #[test]
    fn null_fields_are_absent_and_greatest_spelling_wins() {
        // A null leaves the field as an earlier spelling set it, as in Go.
        let mut v = json!({"images": null, "Images": [{"name": "a", "digest": null}]});
        canonicalize(&mut v, &KUSTOMIZATION).unwrap();
        assert_eq!(v, json!({"images": [{"name": "a"}]}));
        let mut v = json!({"images": [{"name": "lower"}], "Images": [{"name": "upper"}]});
        canonicalize(&mut v, &KUSTOMIZATION).unwrap();
        assert_eq!(v, json!({"images": [{"name": "lower"}]}));
    }

    #[test]
    fn free_form_maps_keep_their_keys() {
        let mut v = json!({"commonLabels": {"App": "x"}});
        canonicalize(&mut v, &KUSTOMIZATION).unwrap();
        assert_eq!(v, json!({"commonLabels": {"App": "x"}}));
    }
}
