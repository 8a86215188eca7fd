//! Runs the transformers over the xf-* fixtures (inputs as JSON, expected
//! output from `kubectl kustomize`; see fixtures/make-xf-fixtures.py) in
//! kustomize's order, and compares the objects.

use indexmap::IndexMap;
use kustomize_core::fieldspec::{FieldSpec, TransformerConfig};
use kustomize_core::resource::Resource;
use kustomize_core::transformers::{annotations, images, labels, name_affix, namespace, replicas};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn string_map(v: &Value) -> IndexMap<String, String> {
    v.as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_str().map_or_else(|| v.to_string(), str::to_owned),
            )
        })
        .collect()
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// The transformer part of a build, driven by the kustomization's fields.
fn transform(input: &Value) -> Result<Vec<Resource>, String> {
    let k = &input["kustomization"];
    let files: Vec<TransformerConfig> = input["configurations"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| TransformerConfig::from_value(c.clone()).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    let config = TransformerConfig::with_user_configs(&files).map_err(|e| e.to_string())?;
    let mut rs: Vec<Resource> = input["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|o| Resource::new(o.as_object().expect("object").clone()))
        .collect();
    let e = |e: kustomize_core::transformers::TransformError| e.to_string();

    namespace::set_namespace(
        &mut rs,
        str_of(k, "namespace"),
        &config.namespace,
        namespace::NamespaceOptions::default(),
    )
    .map_err(e)?;
    if let Some(p) = k.get("namePrefix").and_then(Value::as_str) {
        name_affix::add_name_prefix(&mut rs, p, &config.name_prefix).map_err(e)?;
    }
    if let Some(s) = k.get("nameSuffix").and_then(Value::as_str) {
        name_affix::add_name_suffix(&mut rs, s, &config.name_suffix).map_err(e)?;
    }
    for entry in k["labels"].as_array().into_iter().flatten() {
        let fields: Vec<FieldSpec> =
            serde_json::from_value(entry.get("fields").cloned().unwrap_or(Value::Array(vec![])))
                .map_err(|e| e.to_string())?;
        let flag = |f: &str| entry.get(f).and_then(Value::as_bool).unwrap_or(false);
        let specs = labels::entry_specs(
            &fields,
            flag("includeSelectors"),
            flag("includeTemplates"),
            &config,
        )
        .map_err(|e| e.to_string())?;
        labels::add_labels(&mut rs, &string_map(&entry["pairs"]), &specs).map_err(e)?;
    }
    labels::add_labels(
        &mut rs,
        &string_map(&k["commonLabels"]),
        &config.common_labels,
    )
    .map_err(e)?;
    annotations::add_annotations(
        &mut rs,
        &string_map(&k["commonAnnotations"]),
        &config.common_annotations,
    )
    .map_err(e)?;
    for r in k["replicas"].as_array().into_iter().flatten() {
        let count = r["count"].as_i64().expect("count");
        replicas::set_replicas(&mut rs, str_of(r, "name"), count, &config.replicas).map_err(e)?;
    }
    for i in k["images"].as_array().into_iter().flatten() {
        images::set_images(&mut rs, &image_rule(i), &config.images).map_err(e)?;
    }
    for t in input["transformers"].as_array().into_iter().flatten() {
        run_plugin(&mut rs, t)?;
    }
    Ok(rs)
}

fn image_rule(i: &Value) -> images::ImageRule<'_> {
    images::ImageRule {
        name: str_of(i, "name"),
        new_name: str_of(i, "newName"),
        new_tag: str_of(i, "newTag"),
        digest: str_of(i, "digest"),
        tag_suffix: str_of(i, "tagSuffix"),
    }
}

/// A builtin transformer plugin config from `transformers:`; its own
/// `fieldSpecs` replace the configuration's lists.
fn run_plugin(rs: &mut [Resource], t: &Value) -> Result<(), String> {
    let specs: Vec<FieldSpec> =
        serde_json::from_value(t.get("fieldSpecs").cloned().unwrap_or(Value::Array(vec![])))
            .map_err(|e| e.to_string())?;
    let result = match str_of(t, "kind") {
        "NamespaceTransformer" => {
            let subjects = namespace::SubjectMode::parse(str_of(t, "setRoleBindingSubjects"))
                .ok_or("bad setRoleBindingSubjects")?;
            let unset_only = t.get("unsetOnly").and_then(Value::as_bool).unwrap_or(false);
            let options = namespace::NamespaceOptions {
                unset_only,
                subjects,
            };
            namespace::set_namespace(rs, str_of(&t["metadata"], "namespace"), &specs, options)
        }
        "PrefixSuffixTransformer" => name_affix::add_name_prefix(rs, str_of(t, "prefix"), &specs)
            .and_then(|()| name_affix::add_name_suffix(rs, str_of(t, "suffix"), &specs)),
        "LabelTransformer" => labels::add_labels(rs, &string_map(&t["labels"]), &specs),
        "AnnotationsTransformer" => {
            annotations::add_annotations(rs, &string_map(&t["annotations"]), &specs)
        }
        "ImageTagTransformer" => images::set_images(rs, &image_rule(&t["imageTag"]), &specs),
        "ReplicaCountTransformer" => {
            let r = &t["replica"];
            let count = r["count"].as_i64().ok_or("count")?;
            replicas::set_replicas(rs, str_of(r, "name"), count, &specs)
        }
        other => return Err(format!("unsupported plugin kind {other}")),
    };
    result.map_err(|e| e.to_string())
}

/// Objects keyed and sorted by kind, name and namespace (kustomize sorts
/// its output; the transformers keep input order).
fn keyed(objects: impl IntoIterator<Item = Value>) -> Vec<(String, Value)> {
    let mut v: Vec<(String, Value)> = objects
        .into_iter()
        .map(|o| {
            let md = &o["metadata"];
            let key = format!(
                "{} {} {} {}",
                str_of(&o, "apiVersion"),
                str_of(&o, "kind"),
                md.get("name").map_or_else(String::new, Value::to_string),
                str_of(md, "namespace")
            );
            (key, o)
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

fn check(name: &str) {
    let dir = fixture_dir(name);
    let result = transform(&read_json(&dir.join("input.json")));
    let err_path = dir.join("expected.err");
    if err_path.exists() {
        let expected = std::fs::read_to_string(&err_path).unwrap();
        assert!(
            result.is_err(),
            "{name}: expected an error like {expected}, got success"
        );
        return;
    }
    let ours = keyed(
        result
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .into_iter()
            .map(|r| Value::Object(r.object)),
    );
    let theirs = keyed(
        read_json(&dir.join("expected.json"))
            .as_array()
            .expect("list")
            .clone(),
    );
    assert_eq!(ours.len(), theirs.len(), "{name}: object count");
    for ((ko, o), (kt, t)) in ours.iter().zip(&theirs) {
        assert_eq!(ko, kt, "{name}: ids differ");
        assert_eq!(
            o,
            t,
            "{name}: {ko}\nours:   {}\nkubectl: {}",
            serde_json::to_string(o).unwrap(),
            serde_json::to_string(t).unwrap()
        );
    }
}

macro_rules! fixtures {
    ($($test:ident => $dir:literal,)*) => {$(
        #[test]
        fn $test() {
            check($dir);
        }
    )*};
}

fixtures! {
    prefix_suffix => "xf-prefix-suffix",
    namespace_fields_and_subjects => "xf-namespace",
    namespace_conflict => "xf-namespace-conflict",
    common_labels_and_label_entries => "xf-labels",
    labels_not_a_map => "xf-labels-not-map",
    common_annotations => "xf-annotations",
    images => "xf-images",
    replicas_after_prefix => "xf-replicas",
    replicas_without_target => "xf-replicas-missing",
    custom_configuration => "xf-custom-config",
    namespace_plugin_options => "xf-plugin-namespace",
    plugins_with_own_field_specs => "xf-plugin-misc",
}
