//! The `crds` field: OpenAPI definitions of custom types whose properties
//! carry kustomize's `x-kubernetes-*` extensions, turned into field specs
//! (annotations, label selectors, name prefixes, name references).

use super::target::Target;
use crate::Error;
use crate::error::FieldError;
use crate::fieldspec::{FieldSpec, FieldSpecs, NameBackReference, TransformerConfig};
use serde_json::{Map, Value};

/// Property extensions kustomize reads from CRD definitions.
const X_ANNOTATION: &str = "x-kubernetes-annotation";
const X_LABEL_SELECTOR: &str = "x-kubernetes-label-selector";
const X_IDENTITY: &str = "x-kubernetes-identity";
const X_VERSION: &str = "x-kubernetes-object-ref-api-version";
const X_KIND: &str = "x-kubernetes-object-ref-kind";
const X_NAME_KEY: &str = "x-kubernetes-object-ref-name-key";

impl Target {
    /// The field specs declared by the files of this kustomization's `crds`.
    pub(crate) fn config_from_crds(&self) -> Result<TransformerConfig, Error> {
        let mut config = TransformerConfig::default();
        for path in &self.k.crds {
            let bytes = self.read_file(path, "crds")?;
            let file = self.loader.resolve(path);
            let invalid = |message: String| Error::Invalid {
                path: file.clone(),
                message,
            };
            let text = std::str::from_utf8(&bytes).map_err(|_| invalid("not UTF-8 text".into()))?;
            let doc = crate::yaml::parse_document(text).map_err(|source| Error::Yaml {
                path: file.clone(),
                source,
            })?;
            let Value::Object(types) = doc else {
                return Err(invalid(
                    "unable to parse open API definition: expected a map of type names".into(),
                ));
            };
            let mut found = TransformerConfig::default();
            for (name, def) in &types {
                let props = properties(def);
                if !["kind", "apiVersion", "metadata"]
                    .iter()
                    .all(|k| props.is_some_and(|p| p.contains_key(*k)))
                {
                    continue;
                }
                let kind = name.rsplit('.').next().unwrap_or(name);
                let mut visited = vec![name.as_str()];
                collect(
                    &types,
                    name,
                    kind,
                    &mut Vec::new(),
                    &mut visited,
                    &mut found,
                );
            }
            config = config.merge(&found).map_err(|e| {
                self.field_error("crds", FieldError::within(format!("'{path}'"), e))
            })?;
        }
        Ok(config)
    }
}

fn properties(def: &Value) -> Option<&Map<String, Value>> {
    def.get("Schema")
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object)
}

/// Walks a type's properties (following `$ref`s, each type once per path),
/// adding a field spec for every extension found.
fn collect<'a>(
    types: &'a Map<String, Value>,
    type_name: &str,
    kind: &str,
    path: &mut Vec<String>,
    visited: &mut Vec<&'a str>,
    out: &mut TransformerConfig,
) {
    let Some(props) = types.get(type_name).and_then(properties) else {
        return;
    };
    let spec = |path: &[String]| FieldSpec {
        kind: kind.to_owned(),
        path: path.join("/"),
        ..FieldSpec::default()
    };
    for (prop, schema) in props {
        path.push(prop.clone());
        let has = |x: &str| schema.get(x).is_some_and(Value::is_string);
        let text = |x: &str| schema.get(x).and_then(Value::as_str);
        if has(X_ANNOTATION) {
            out.common_annotations.0.push(spec(path));
        }
        if has(X_LABEL_SELECTOR) {
            out.common_labels.0.push(spec(path));
        }
        if has(X_IDENTITY) {
            out.name_prefix.0.push(spec(path));
        }
        if let (Some(version), Some(ref_kind)) = (text(X_VERSION), text(X_KIND)) {
            let key = text(X_NAME_KEY).unwrap_or("name");
            let mut field = path.clone();
            field.push(key.to_owned());
            out.name_reference.push(NameBackReference {
                version: version.to_owned(),
                kind: ref_kind.to_owned(),
                referrers: FieldSpecs(vec![spec(&field)]),
                ..NameBackReference::default()
            });
        }
        if let Some((target, _)) = types.get_key_value(text("$ref").unwrap_or_default())
            && !visited.contains(&target.as_str())
        {
            visited.push(target);
            collect(types, target, kind, path, visited, out);
            visited.pop();
        }
        path.pop();
    }
}
