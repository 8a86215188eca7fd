//! The `list` generator: literal elements and `elementsYaml`.

use serde_json::Value;

use super::super::error::AppSetError;
use super::super::model::ListGenerator;
use super::super::params::Params;
use super::super::template::TemplateMode;

/// One parameter set per element. Plain mode wants string values (a `values`
/// object becomes `values.<k>`); `goTemplate` keeps elements as they are.
pub(super) fn params(
    g: &ListGenerator,
    mode: TemplateMode<'_>,
) -> Result<Vec<Params>, AppSetError> {
    let mut out = Vec::with_capacity(g.elements.len());
    for (index, element) in g.elements.iter().enumerate() {
        let err = |message: String| AppSetError::ListElement { index, message };
        let Value::Object(element) = element else {
            return Err(err("an element must be an object".into()));
        };
        if mode.go_template {
            out.push(element.clone());
            continue;
        }
        let mut params = Params::new();
        for (key, value) in element {
            match (key.as_str(), value) {
                ("values", Value::Object(values)) => {
                    for (k, v) in values {
                        let Value::String(v) = v else {
                            return Err(err(format!("values.{k}: not a string")));
                        };
                        params.insert(format!("values.{k}"), v.clone().into());
                    }
                }
                (_, Value::String(v)) => {
                    params.insert(key.clone(), v.clone().into());
                }
                _ => return Err(err(format!("{key}: not a string"))),
            }
        }
        out.push(params);
    }
    if !g.elements_yaml.is_empty() {
        let parsed = kustomize_core::yaml::parse_document(&g.elements_yaml)
            .map_err(|e| AppSetError::ElementsYaml(e.to_string()))?;
        let items = match parsed {
            Value::Array(items) => items,
            Value::Null => Vec::new(),
            _ => return Err(AppSetError::ElementsYaml("not a list".into())),
        };
        for item in items {
            match item {
                Value::Object(map) => out.push(map),
                _ => return Err(AppSetError::ElementsYaml("an item is not an object".into())),
            }
        }
    }
    Ok(out)
}
