//! Helm's template functions on top of Sprig: `include`, `tpl`, `required`,
//! `fail`, `lookup` (offline: an empty map), and the data functions
//! `toYaml`, `toYamlPretty`, `fromYaml`, `fromYamlArray`, `toJson`,
//! `fromJson`, `fromJsonArray`, `toToml`, `fromToml` (and the `must`
//! variants of the encoders) with Go's texts for results and errors.

pub mod toml;

use gotemplate::{Call, FuncError, FuncMap, Function, Param, Value};
use kustomize_core::generators::go_json;
use serde_json::Value as Json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// How often one template name may be nested in `include` (Helm's `recursionMaxNums`).
pub const MAX_INCLUDE_NESTING: usize = 1000;
/// Most nested `include`/`tpl`/`template` calls of any names in one
/// rendering: well above [`MAX_INCLUDE_NESTING`], so that a template
/// including itself meets Helm's error first, while a chain through
/// several names (unbounded in Helm until memory runs out) stays bounded.
pub const MAX_TEMPLATE_DEPTH: usize = 4 * (MAX_INCLUDE_NESTING + 1);
/// The name `tpl` parses its text under (Helm's root template).
pub const TPL_NAME: &str = "gotpl";
/// Marks a `required`/`fail` message so the engine can report it alone.
pub(crate) const WARN_START: &str = "HELM_ERR_START";
/// End of a marked message.
pub(crate) const WARN_END: &str = "HELM_ERR_END";

/// Converts a values tree to template data: integers (from `--set`) stay
/// Go `int`s, floats (from YAML and JSON) are `float64`s.
pub fn to_template_value(json: &Json) -> Value {
    match json {
        Json::Null => Value::Nil,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) if !n.is_f64() => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(0.0)),
        },
        Json::Number(n) => Value::Float(n.as_f64().unwrap_or(0.0)),
        Json::String(s) => Value::from(s.as_str()),
        Json::Array(items) => Value::from(items.iter().map(to_template_value).collect::<Vec<_>>()),
        Json::Object(map) => Value::Map(gotemplate::Map::from_entries(
            map.iter()
                .map(|(k, v)| (k.clone(), to_template_value(v)))
                .collect(),
        )),
    }
}

/// `toYaml`: sigs.k8s.io/yaml's text of the value, without the final newline.
pub fn to_yaml(value: &Json) -> String {
    without_final_newline(kustomize_core::yaml::emit_document, value)
}

/// The text `emit` writes for `value`, without its final newline.
fn without_final_newline(emit: fn(&Json, &mut String), value: &Json) -> String {
    let mut out = String::new();
    emit(value, &mut out);
    if let Some(stripped) = out.strip_suffix('\n') {
        out.truncate(stripped.len());
    }
    out
}

/// `toYamlPretty`: go-yaml v3's text of the value (sequences indented
/// under their key), without the final newline.
pub fn to_yaml_pretty(value: &Json) -> String {
    without_final_newline(
        kustomize_core::yaml::emit_document_indented_sequences,
        value,
    )
}

/// `fromToml`: a map, or `{Error: <message>}`.
pub fn from_toml(text: &str) -> Json {
    match toml::decode(text) {
        Ok(map) => Json::Object(map),
        Err(e) => error_map(e),
    }
}

/// Go's name of the JSON type found where another was wanted.
fn json_kind(value: &Json) -> &'static str {
    match value {
        Json::Array(_) => "array",
        Json::Object(_) => "object",
        Json::String(_) => "string",
        Json::Number(_) => "number",
        Json::Bool(_) => "bool",
        Json::Null => "null",
    }
}

/// The document of `text` read as sigs.k8s.io/yaml reads it, numbers float64.
fn parse_yaml(text: &str) -> Result<Json, String> {
    let mut value = kustomize_core::yaml::parse_document(text)
        .map_err(|e| format!("error converting YAML to JSON: {e}"))?;
    crate::values::to_float_numbers(&mut value);
    Ok(value)
}

const GO_MAP: &str = "map[string]interface {}";
const GO_LIST: &str = "[]interface {}";
/// What sigs.k8s.io/yaml puts before a JSON decoding error.
const YAML_DECODE_PREFIX: &str = "error unmarshaling JSON: while decoding JSON: ";

/// A decoded document as a Go map (`null` is an empty map), or `{Error: <message>}`.
fn decoded_map(parsed: Result<Json, String>, prefix: &str) -> Json {
    match parsed {
        Ok(Json::Object(map)) => Json::Object(map),
        Ok(Json::Null) => Json::Object(Default::default()),
        Ok(other) => error_map(format!(
            "{prefix}json: cannot unmarshal {} into Go value of type {GO_MAP}",
            json_kind(&other)
        )),
        Err(e) => error_map(e),
    }
}

/// A decoded document as a Go list (`null` is empty), or a list holding the error message.
fn decoded_list(parsed: Result<Json, String>, prefix: &str) -> Json {
    match parsed {
        Ok(Json::Array(items)) => Json::Array(items),
        Ok(Json::Null) => Json::Array(Vec::new()),
        Ok(other) => Json::Array(vec![Json::String(format!(
            "{prefix}json: cannot unmarshal {} into Go value of type {GO_LIST}",
            json_kind(&other)
        ))]),
        Err(e) => Json::Array(vec![Json::String(e)]),
    }
}

/// `fromYaml`: a map, or `{Error: <message>}`.
pub fn from_yaml(text: &str) -> Json {
    decoded_map(parse_yaml(text), YAML_DECODE_PREFIX)
}

/// `fromYamlArray`: a list, or a list holding the error message.
pub fn from_yaml_array(text: &str) -> Json {
    decoded_list(parse_yaml(text), YAML_DECODE_PREFIX)
}

/// Decodes JSON as Go's `json.Unmarshal` into `interface{}` (numbers float64).
fn parse_json(text: &str) -> Result<Json, String> {
    let mut value: Json = serde_json::from_str(text).map_err(|e| go_json_syntax_error(text, &e))?;
    crate::values::to_float_numbers(&mut value);
    Ok(value)
}

/// Go's wording for the common JSON syntax errors.
fn go_json_syntax_error(text: &str, error: &serde_json::Error) -> String {
    if error.is_eof() {
        return "unexpected end of JSON input".into();
    }
    let offending = text
        .lines()
        .nth(error.line().saturating_sub(1))
        .and_then(|line| line.chars().nth(error.column().saturating_sub(1)));
    match offending {
        Some(c) => format!("invalid character '{c}' looking for beginning of value"),
        None => error.to_string(),
    }
}

/// `fromJson`: a map, or `{Error: <message>}`.
pub fn from_json(text: &str) -> Json {
    decoded_map(parse_json(text), "")
}

/// `fromJsonArray`: a list, or a list holding the error message.
pub fn from_json_array(text: &str) -> Json {
    decoded_list(parse_json(text), "")
}

fn error_map(message: String) -> Json {
    let mut map = serde_json::Map::new();
    map.insert("Error".into(), Json::String(message));
    Json::Object(map)
}

fn string_arg(args: &[Value], i: usize) -> String {
    args.get(i)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn json_arg(args: &[Value]) -> Json {
    args.first().map(Value::to_json).unwrap_or(Json::Null)
}

fn wrap_warning(message: &str) -> FuncError {
    FuncError::new(format!("{WARN_START}{message}{WARN_END}"))
}

/// Adds Helm's functions to `funcs` (usually [`FuncMap::sprig`]), replacing
/// Sprig's `env`, `expandenv` and `getHostByName` as Helm does.
pub fn register(funcs: &mut FuncMap) {
    let unary = |f: fn(&Json) -> Json| {
        Function::new(&[Param::Any], None, move |_, args| {
            Ok(to_template_value(&f(&json_arg(&args))))
        })
    };
    let parse = |f: fn(&str) -> Json| {
        Function::new(&[Param::String], None, move |_, args| {
            Ok(to_template_value(&f(&string_arg(&args, 0))))
        })
    };
    funcs.insert("toYaml", unary(|v| Json::String(to_yaml(v))));
    funcs.insert("mustToYaml", unary(|v| Json::String(to_yaml(v))));
    funcs.insert("toYamlPretty", unary(|v| Json::String(to_yaml_pretty(v))));
    funcs.insert("toJson", unary(|v| Json::String(go_json(v))));
    funcs.insert("mustToJson", unary(|v| Json::String(go_json(v))));
    funcs.insert(
        "toToml",
        unary(|v| Json::String(toml::encode(v).unwrap_or_else(|e| e))),
    );
    funcs.insert(
        "mustToToml",
        Function::new(&[Param::Any], None, |_, args| {
            toml::encode(&json_arg(&args))
                .map(Value::from)
                .map_err(FuncError::new)
        }),
    );
    funcs.insert("fromToml", parse(from_toml));
    funcs.insert("fromYaml", parse(from_yaml));
    funcs.insert("fromYamlArray", parse(from_yaml_array));
    funcs.insert("fromJson", parse(from_json));
    funcs.insert("fromJsonArray", parse(from_json_array));
    funcs.insert(
        "lookup",
        Function::new(&[Param::String; 4], None, |_, _| {
            Ok(Value::Map(gotemplate::Map::new()))
        }),
    );
    funcs.insert(
        "getHostByName",
        Function::new(&[Param::String], None, |_, _| Ok(Value::from(""))),
    );
    funcs.remove("env");
    funcs.remove("expandenv");
    funcs.insert(
        "required",
        Function::new(&[Param::String, Param::Any], None, |_, args| {
            let value = args.get(1).cloned().unwrap_or(Value::Nil);
            match &value {
                Value::Nil => Err(wrap_warning(&string_arg(&args, 0))),
                Value::String(s) if s.is_empty() => Err(wrap_warning(&string_arg(&args, 0))),
                _ => Ok(value),
            }
        }),
    );
    funcs.insert(
        "fail",
        Function::new(&[Param::String], None, |_, args| {
            Err(wrap_warning(&string_arg(&args, 0)))
        }),
    );
    let nesting: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    funcs.insert(
        "include",
        Function::new(&[Param::String, Param::Any], None, move |call, args| {
            include(call, &nesting, args)
        }),
    );
    funcs.insert(
        "tpl",
        Function::new(&[Param::String, Param::Any], None, |call, args| {
            let text = string_arg(&args, 0);
            let data = args.get(1).cloned().unwrap_or(Value::Nil);
            let quoted = gotemplate::fmt::quote(&text);
            let out = call
                .execute_text(TPL_NAME, &text, data)
                .map_err(|e| match e {
                    gotemplate::Error::Parse { .. } => {
                        FuncError::new(format!("cannot parse template {quoted}: {e}"))
                    }
                    e => FuncError::new(format!(
                        "error during tpl function execution for {quoted}: {e}"
                    )),
                })?;
            Ok(Value::from(out.replace("<no value>", "")))
        }),
    );
}

fn include(
    call: &mut Call<'_>,
    nesting: &Mutex<HashMap<String, usize>>,
    args: Vec<Value>,
) -> Result<Value, FuncError> {
    let name = string_arg(&args, 0);
    let data = args.get(1).cloned().unwrap_or(Value::Nil);
    {
        let mut counts = nesting.lock().unwrap_or_else(|e| e.into_inner());
        let count = counts.entry(name.clone()).or_insert(0);
        if *count > MAX_INCLUDE_NESTING {
            return Err(FuncError::new(format!(
                "rendering template has a nested reference name: {name}: unable to execute template"
            )));
        }
        *count += 1;
    }
    let result = call.execute_template(&name, data);
    if let Some(count) = nesting
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get_mut(&name)
    {
        *count -= 1;
    }
    result
        .map(Value::from)
        .map_err(|e| FuncError::new(e.to_string()))
}

#[cfg(test)]
mod tests;
