//! Parameter sets: what generators produce and templates consume.
//!
//! With plain templates every value is a string under a dotted key
//! (`path.basename`, `values.env`); with `goTemplate` values keep their JSON
//! type and nest (`path: {basename, segments}`). The helpers here reproduce
//! Argo CD's (Go's) text forms: name normalisation, `path.Dir`/`path.Base`,
//! and `fmt`'s `%v` of numbers.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// One parameter set.
pub type Params = Map<String, Value>;

/// Longest name a normalised value keeps (a DNS subdomain).
const MAX_DNS_NAME: usize = 253;

/// Argo CD's `normalize`: lower case, every character outside `[-a-z0-9.]`
/// becomes `-`, at most 253 characters, then leading/trailing `-` and `.` trimmed.
pub fn sanitize_name(name: &str) -> String {
    let mut out: String = name
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    out.truncate(MAX_DNS_NAME);
    out.trim_matches(|c| c == '-' || c == '.').to_string()
}

/// Go's `path.Base`: the last element, `.` for an empty path, `/` for root.
pub fn go_path_base(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".into();
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed).to_string()
}

/// Go's `path.Dir` for the slash-separated, already clean paths repositories list.
pub fn go_path_dir(path: &str) -> String {
    match path.rfind('/') {
        Some(0) => "/".into(),
        Some(i) => path[..i].trim_end_matches('/').to_string(),
        None => ".".into(),
    }
}

/// A JSON value as Go's `fmt.Sprintf("%v")` prints what `encoding/json` decoded.
pub fn go_value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "<nil>".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => go_float_text(n.as_f64().unwrap_or(0.0)),
        other => other.to_string(),
    }
}

/// Go's `%v` of a float64 (`%g`, shortest digits): exponent form below 1e-4 or from 1e6,
/// exponent with sign and at least two digits.
fn go_float_text(f: f64) -> String {
    if f == 0.0 {
        return "0".into();
    }
    // Rust's `{:e}` prints the shortest round-tripping digits, like Go's -1 precision.
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exp.abs());
    }
    let text = format!("{f}");
    text.strip_suffix(".0").map(str::to_string).unwrap_or(text)
}

/// Flattens nested objects and arrays into dotted keys (`a.b`, `list.0`), as
/// the `flatten` package with dot style does; empty objects and arrays vanish.
pub fn flatten(value: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, v) in value {
        flatten_into(k.clone(), v, &mut out);
    }
    out
}

fn flatten_into(key: String, value: &Value, out: &mut Map<String, Value>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                flatten_into(format!("{key}.{k}"), v, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten_into(format!("{key}.{i}"), v, out);
            }
        }
        other => {
            out.insert(key, other.clone());
        }
    }
}

/// A parameter set as selector labels: flattened, every value in its `%v` text.
pub fn as_labels(params: &Params) -> BTreeMap<String, String> {
    flatten(params)
        .iter()
        .map(|(k, v)| (k.clone(), go_value_text(v)))
        .collect()
}

/// Deep merge of parameter sets for `goTemplate` (mergo with override): objects
/// merge key by key, anything else from `over` replaces what `base` has.
pub fn merge_override(base: &mut Params, over: &Params) {
    for (k, v) in over {
        match (base.get_mut(k), v) {
            (Some(Value::Object(b)), Value::Object(o)) => merge_override(b, o),
            _ => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

/// The `path` parameters of a repository path under `prefix` (`pathParamPrefix`).
///
/// `dir` is the directory (`path.path`), `file` the file name for the files generator.
pub fn path_params(dir: &str, file: Option<&str>, prefix: &str, go_template: bool) -> Params {
    let basename = go_path_base(dir);
    let mut out = Params::new();
    if go_template {
        let mut path = Params::new();
        path.insert("path".into(), dir.into());
        path.insert("basename".into(), basename.clone().into());
        if let Some(file) = file {
            path.insert("filename".into(), file.into());
        }
        path.insert("basenameNormalized".into(), sanitize_name(&basename).into());
        if let Some(file) = file {
            path.insert("filenameNormalized".into(), sanitize_name(file).into());
        }
        let segments: Vec<Value> = dir.split('/').map(Value::from).collect();
        path.insert("segments".into(), Value::Array(segments));
        let path = Value::Object(path);
        if prefix.is_empty() {
            out.insert("path".into(), path);
        } else {
            let mut wrapped = Params::new();
            wrapped.insert("path".into(), path);
            out.insert(prefix.into(), Value::Object(wrapped));
        }
        return out;
    }
    let name = if prefix.is_empty() {
        "path".to_string()
    } else {
        format!("{prefix}.path")
    };
    out.insert(name.clone(), dir.into());
    out.insert(format!("{name}.basename"), basename.clone().into());
    out.insert(
        format!("{name}.basenameNormalized"),
        sanitize_name(&basename).into(),
    );
    if let Some(file) = file {
        out.insert(format!("{name}.filename"), file.into());
        out.insert(
            format!("{name}.filenameNormalized"),
            sanitize_name(file).into(),
        );
    }
    for (i, segment) in dir.split('/').enumerate() {
        if !segment.is_empty() {
            out.insert(format!("{name}[{i}]"), segment.into());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sanitize_follows_argo() {
        assert_eq!(sanitize_name("production_01/west"), "production-01-west");
        assert_eq!(sanitize_name("-.Foo.Bar-."), "foo.bar");
        assert_eq!(sanitize_name(&"a".repeat(300)).len(), 253);
    }

    #[test]
    fn go_paths() {
        assert_eq!(go_path_dir("a/b/c.json"), "a/b");
        assert_eq!(go_path_dir("c.json"), ".");
        assert_eq!(go_path_base("a/b"), "b");
        assert_eq!(go_path_base(""), ".");
    }

    #[test]
    fn numbers_print_like_go_percent_v() {
        assert_eq!(go_value_text(&json!(123)), "123");
        assert_eq!(go_value_text(&json!(1.5)), "1.5");
        assert_eq!(go_value_text(&json!(1e21)), "1e+21");
        assert_eq!(go_value_text(&json!(1234567)), "1.234567e+06");
        assert_eq!(go_value_text(&json!(123456)), "123456");
        assert_eq!(go_value_text(&json!(0.00001)), "1e-05");
        assert_eq!(go_value_text(&json!(null)), "<nil>");
    }
}
