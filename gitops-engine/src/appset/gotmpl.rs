//! `goTemplate: true`: Go templates with Argo CD's function set.
//!
//! Sprig without `env`, `expandenv` and `getHostByName`, plus `normalize`,
//! `slugify`, `toYaml`, `fromYaml` and `fromYamlArray`. Each string is its own
//! template named `base`; `goTemplateOptions` (`missingkey=...`) apply.

use std::sync::OnceLock;

use gotemplate::{FuncError, FuncMap, Function, MissingKey, Options, Param, TemplateSet, Value};

use super::error::AppSetError;
use super::params::{Params, sanitize_name};

/// The template name Argo CD parses every string under.
const TEMPLATE_NAME: &str = "base";

/// Longest slug `slugify` returns by default.
const DEFAULT_SLUG_LENGTH: i64 = 50;

/// Parsed-once function set: an empty template set to clone per string.
fn base_set() -> &'static TemplateSet {
    static BASE: OnceLock<TemplateSet> = OnceLock::new();
    BASE.get_or_init(|| TemplateSet::new(argo_funcs()))
}

fn argo_funcs() -> FuncMap {
    let mut funcs = FuncMap::sprig();
    funcs.insert(
        "normalize",
        Function::new(&[Param::String], None, |_, args| {
            Ok(Value::from(sanitize_name(arg_str(&args, 0))))
        }),
    );
    funcs.insert(
        "slugify",
        Function::new(&[], Some(Param::Any), |_, args| slugify(&args)),
    );
    funcs.insert(
        "toYaml",
        Function::new(&[Param::Any], None, |_, args| {
            let json = args.first().map(Value::to_json).unwrap_or_default();
            let mut out = String::new();
            kustomize_core::yaml::emit_document(&json, &mut out);
            Ok(Value::from(out.trim_end_matches('\n').to_string()))
        }),
    );
    funcs.insert(
        "fromYaml",
        Function::new(&[Param::String], None, |_, args| {
            parse_yaml_as(
                arg_str(&args, 0),
                serde_json::Value::is_object,
                "map[string]interface {}",
            )
        }),
    );
    funcs.insert(
        "fromYamlArray",
        Function::new(&[Param::String], None, |_, args| {
            parse_yaml_as(
                arg_str(&args, 0),
                serde_json::Value::is_array,
                "[]interface {}",
            )
        }),
    );
    funcs
}

fn arg_str(args: &[Value], i: usize) -> &str {
    args.get(i).and_then(Value::as_str).unwrap_or("")
}

/// YAML text as a value of the Go type `go_type` (`fits` tells); empty text is nil.
fn parse_yaml_as(
    text: &str,
    fits: fn(&serde_json::Value) -> bool,
    go_type: &str,
) -> Result<Value, FuncError> {
    let value = kustomize_core::yaml::parse_document(text)
        .map_err(|e| FuncError::new(format!("error converting YAML to JSON: {e}")))?;
    if value.is_null() || fits(&value) {
        Ok(Value::from(value))
    } else {
        Err(FuncError::new(format!(
            "error unmarshaling JSON: cannot unmarshal into {go_type}"
        )))
    }
}

/// `slugify [maxSize [smartTruncate]] name`: the normalised name with every run of
/// characters outside `[a-z0-9_-]` turned into one `-`, cut to `maxSize` (at the last
/// `-` that fits, when smart truncation is on).
fn slugify(args: &[Value]) -> Result<Value, FuncError> {
    let Some((name, options)) = args.split_last() else {
        return Err(FuncError::new("slugify needs a name"));
    };
    let name = name
        .as_str()
        .ok_or_else(|| FuncError::new("slugify: the name must be a string"))?;
    let max = match options.first() {
        Some(Value::Int(n) | Value::Int64(n)) => *n,
        Some(_) => return Err(FuncError::new("slugify: maxSize must be an integer")),
        None => DEFAULT_SLUG_LENGTH,
    };
    let smart = match options.get(1) {
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(FuncError::new("slugify: smartTruncate must be a boolean")),
        None => true,
    };
    let mut slug = String::new();
    for c in sanitize_name(name).chars() {
        let c = if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
            c
        } else {
            '-'
        };
        if !(c == '-' && slug.ends_with('-')) {
            slug.push(c);
        }
    }
    let slug = slug.trim_matches(|c| c == '-' || c == '_');
    let max = usize::try_from(max).unwrap_or(0);
    if max == 0 || slug.len() <= max {
        return Ok(Value::from(slug.to_string()));
    }
    let cut = if smart {
        slug[..=max].rfind('-').unwrap_or(max)
    } else {
        max
    };
    Ok(Value::from(slug[..cut].to_string()))
}

/// A template set configured for one ApplicationSet's options, with the data of
/// one parameter set.
pub(crate) struct GoRenderer {
    set: TemplateSet,
    data: Value,
}

impl GoRenderer {
    /// Prepares rendering with `params` under `options` (`missingkey=...`).
    pub(crate) fn new(params: &Params, options: &[String]) -> Result<Self, AppSetError> {
        let mut opts = Options::default();
        for option in options {
            opts.missing_key = match option.as_str() {
                "missingkey=error" => MissingKey::Error,
                "missingkey=zero" => MissingKey::Zero,
                "missingkey=default" | "missingkey=invalid" => MissingKey::Default,
                other => {
                    return Err(AppSetError::InvalidField {
                        appset: String::new(),
                        field: "spec.goTemplateOptions".into(),
                        message: format!("unrecognized option {other:?}"),
                    });
                }
            };
        }
        Ok(Self {
            set: base_set().clone().with_options(opts),
            data: Value::from(serde_json::Value::Object(params.clone())),
        })
    }

    /// Renders one string.
    pub(crate) fn render(&self, text: &str) -> Result<String, AppSetError> {
        let mut set = self.set.clone();
        set.parse(TEMPLATE_NAME, text)
            .map_err(|e| AppSetError::GoTemplateParse {
                template: text.to_string(),
                message: e.to_string(),
            })?;
        set.execute(TEMPLATE_NAME, &self.data)
            .map_err(|e| AppSetError::GoTemplateExecute {
                template: text.to_string(),
                message: e.to_string(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugify_follows_argo() {
        let s = |args: Vec<Value>| slugify(&args).unwrap().as_str().unwrap().to_string();
        assert_eq!(s(vec![Value::from("Hello World_x")]), "hello-world-x");
        let long = "a-".repeat(40);
        assert_eq!(
            s(vec![
                Value::Int(10),
                Value::Bool(true),
                Value::from(long.as_str())
            ]),
            "a-a-a-a-a"
        );
    }
}
