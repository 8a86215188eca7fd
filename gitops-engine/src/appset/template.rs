//! Rendering strings and JSON trees with a parameter set, under Argo CD's rules.
//!
//! Plain mode is fasttemplate-style substitution: `{{ key }}` (spaces trimmed)
//! becomes the parameter's value when that value is a string; anything else,
//! including unknown keys, stays as written, and replacements are never
//! rendered again. A string is only parsed when one of its lines holds `{{`
//! followed by `}}`; an unclosed tag is then an error. Object keys are
//! rendered as well as values.
//!
//! `goTemplate` mode renders every string as its own Go template (see
//! [`super::gotmpl`]); parameter values keep their JSON types.

use serde_json::{Map, Value};

use super::error::AppSetError;
use super::gotmpl::GoRenderer;
use super::params::Params;

/// How templates are rendered: `spec.goTemplate` and `spec.goTemplateOptions`.
#[derive(Debug, Clone, Copy)]
pub struct TemplateMode<'a> {
    /// `goTemplate`.
    pub go_template: bool,
    /// `goTemplateOptions`, e.g. `missingkey=error`.
    pub options: &'a [String],
}

impl TemplateMode<'_> {
    /// Renders one string.
    pub fn render_str(&self, text: &str, params: &Params) -> Result<String, AppSetError> {
        self.renderer(params)?.render_str(text)
    }

    /// Renders every string (and object key) of a JSON tree.
    pub fn render_value(&self, value: &Value, params: &Params) -> Result<Value, AppSetError> {
        self.renderer(params)?.render_value(value)
    }

    fn renderer<'p>(&self, params: &'p Params) -> Result<Renderer<'p>, AppSetError> {
        Ok(if self.go_template {
            Renderer::Go(GoRenderer::new(params, self.options)?)
        } else {
            Renderer::Plain(params)
        })
    }
}

/// One parameter set made ready to render many strings.
enum Renderer<'p> {
    Plain(&'p Params),
    Go(GoRenderer),
}

impl Renderer<'_> {
    fn render_str(&self, text: &str) -> Result<String, AppSetError> {
        match self {
            Renderer::Plain(params) => fast_replace(text, params),
            Renderer::Go(go) => go.render(text),
        }
    }

    fn render_value(&self, value: &Value) -> Result<Value, AppSetError> {
        Ok(match value {
            Value::String(s) => Value::String(self.render_str(s)?),
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|v| self.render_value(v))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(map) => {
                let mut out = Map::with_capacity(map.len());
                for (k, v) in map {
                    out.insert(self.render_str(k)?, self.render_value(v)?);
                }
                Value::Object(out)
            }
            other => other.clone(),
        })
    }
}

/// Whether some line of `text` holds `{{` followed later on that line by `}}`.
fn has_tag_on_a_line(text: &str) -> bool {
    text.split('\n').any(|line| {
        line.find("{{")
            .is_some_and(|start| line[start + 2..].contains("}}"))
    })
}

/// fasttemplate substitution of `{{ key }}` with string parameters.
fn fast_replace(text: &str, params: &Params) -> Result<String, AppSetError> {
    if !has_tag_on_a_line(text) {
        return Ok(text.to_string());
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            return Err(AppSetError::InvalidTemplate(format!(
                "cannot find end tag \"}}}}\" in {text:?}"
            )));
        };
        let tag = &after[..end];
        let key = tag.trim();
        match params.get(key) {
            Some(Value::String(v)) if !key.is_empty() => out.push_str(v),
            _ => {
                out.push_str("{{");
                out.push_str(tag);
                out.push_str("}}");
            }
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn plain() -> TemplateMode<'static> {
        TemplateMode {
            go_template: false,
            options: &[],
        }
    }

    fn params(v: Value) -> Params {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn substitutes_known_string_keys_only() {
        let p = params(json!({"one": "two", "n": 3, "{{one}}": "x"}));
        let r = |t: &str| plain().render_str(t, &p).unwrap();
        assert_eq!(r("{{one}}-{{ one }}"), "two-two");
        assert_eq!(r("{{ missing }} {{n}} {{ }}"), "{{ missing }} {{n}} {{ }}");
        assert_eq!(r("}} {{"), "}} {{");
        assert!(plain().render_str("{{a}} {{b}", &p).is_err());
    }

    #[test]
    fn renders_keys_and_values() {
        let p = params(json!({"k": "key", "v": "value"}));
        let out = plain()
            .render_value(&json!({"a-{{k}}": ["{{v}}", 1]}), &p)
            .unwrap();
        assert_eq!(out, json!({"a-key": ["value", 1]}));
    }

    #[test]
    fn go_templates_see_typed_params() {
        let options = vec!["missingkey=error".to_string()];
        let mode = TemplateMode {
            go_template: true,
            options: &options,
        };
        let p = params(json!({"path": {"segments": ["a", "b"]}, "n": 3}));
        let r = |t: &str| mode.render_str(t, &p);
        assert_eq!(r("{{ index .path.segments 1 }}-{{ .n }}").unwrap(), "b-3");
        assert_eq!(r("{{ normalize \"A_b\" }}").unwrap(), "a-b");
        assert!(matches!(
            r("{{ .missing }}"),
            Err(AppSetError::GoTemplateExecute { .. })
        ));
        assert!(matches!(
            r("{{ nosuchfunc }}"),
            Err(AppSetError::GoTemplateParse { .. })
        ));
    }
}
