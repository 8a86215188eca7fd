//! Typed decoding of built-in kinds as the API server does it: a JSON value
//! of the wrong type is a `400` naming the Go struct field
//! (`json: cannot unmarshal string into Go struct field
//! DeploymentSpec.spec.replicas of type int32`), and with
//! `fieldValidation=Strict` unknown fields are a `400` too
//! (`strict decoding error: unknown field "spec.replicass"`).
//!
//! The types are the built-in messages of [`crate::protobuf`] (the same Go
//! types the server decodes into).

use serde_json::Value;

use crate::error::ApiError;
use crate::protobuf::{FieldType, Label, field, message_of};

/// Fields every object may carry besides those of its message.
const TYPE_META: [&str; 2] = ["apiVersion", "kind"];

/// Checks that an object of a built-in kind decodes into its Go type;
/// `strict` also rejects unknown fields. Other kinds pass.
pub fn check(obj: &Value, strict: bool) -> Result<(), ApiError> {
    let api_version = obj["apiVersion"].as_str().unwrap_or("");
    let kind = obj["kind"].as_str().unwrap_or("");
    let Some(message) = message_of(api_version, kind) else {
        return Ok(());
    };
    let mut walk = Walk {
        unknown: Vec::new(),
    };
    let result = walk.message(message, obj, "", "", true);
    let version = api_version.rsplit('/').next().unwrap_or(api_version);
    let fail = |detail: String| {
        ApiError::bad_request(format!(
            "{kind} in version {version:?} cannot be handled as a {kind}: {detail}"
        ))
    };
    result.map_err(fail)?;
    if strict && !walk.unknown.is_empty() {
        let list: Vec<String> = walk
            .unknown
            .iter()
            .map(|p| format!("unknown field {p:?}"))
            .collect();
        return Err(fail(format!("strict decoding error: {}", list.join(", "))));
    }
    Ok(())
}

struct Walk {
    /// Paths (with list indices) of fields the types do not declare.
    unknown: Vec<String>,
}

/// Go's name for the JSON type of a value, as its decoder reports it.
fn json_type(v: &Value) -> String {
    match v {
        Value::String(_) => "string".into(),
        Value::Number(n) if n.is_f64() => format!("number {n}"),
        Value::Number(_) => "number".into(),
        Value::Bool(_) => "bool".into(),
        Value::Array(_) => "array".into(),
        Value::Object(_) => "object".into(),
        Value::Null => "null".into(),
    }
}

/// Go's name for a field's type (`int32`, `v1.LabelSelector`, `[]string`,
/// `map[string]string`).
fn go_type(label: Label, ty: &FieldType) -> String {
    let elem = match ty {
        FieldType::String => "string".to_owned(),
        FieldType::Int32 => "int32".to_owned(),
        FieldType::Int64 => "int64".to_owned(),
        FieldType::Bool => "bool".to_owned(),
        FieldType::Bytes => "[]uint8".to_owned(),
        FieldType::Double => "float64".to_owned(),
        FieldType::Message(m) => {
            let mut parts = m.rsplit('.');
            let name = parts.next().unwrap_or("");
            format!("{}.{name}", parts.next().unwrap_or(""))
        }
    };
    match label {
        Label::Optional => elem,
        Label::Repeated => format!("[]{elem}"),
        Label::Map => format!("map[string]{elem}"),
    }
}

fn short(message: &str) -> &str {
    message.rsplit('.').next().unwrap_or(message)
}

impl Walk {
    /// Checks an object against a message. `go_path` is the dotted path Go
    /// reports (no indices), `path` the one strict decoding reports.
    fn message(
        &mut self,
        message: &str,
        obj: &Value,
        go_path: &str,
        path: &str,
        top: bool,
    ) -> Result<(), String> {
        let Value::Object(map) = obj else {
            return Ok(());
        };
        // CRD schemas use JSON names protobuf does not know
        // (`x-kubernetes-*`, `$ref`) and either-or types: not checked.
        if message.contains("JsonSchemaProps") {
            return Ok(());
        }
        for (name, value) in map {
            let join = |base: &str| {
                if base.is_empty() {
                    name.clone()
                } else {
                    format!("{base}.{name}")
                }
            };
            let Some(f) = field(message, name) else {
                if !(top && TYPE_META.contains(&name.as_str())) {
                    self.unknown.push(join(path));
                }
                continue;
            };
            let (go_path, path) = (join(go_path), join(path));
            // Go names the whole field's type for the field itself and the
            // element type for list items and map values.
            let mismatch = |label: Label, v: &Value| {
                format!(
                    "json: cannot unmarshal {} into Go struct field {}.{go_path} of type {}",
                    json_type(v),
                    short(message),
                    go_type(label, &f.ty)
                )
            };
            let elements: Vec<(String, &Value)> = match (f.label, value) {
                (_, Value::Null) => Vec::new(),
                (Label::Optional, v) => vec![(path.clone(), v)],
                (Label::Repeated, Value::Array(items)) => items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| (format!("{path}[{i}]"), item))
                    .collect(),
                (Label::Map, Value::Object(entries)) => entries
                    .iter()
                    .map(|(key, item)| (format!("{path}.{key}"), item))
                    .collect(),
                (label, v) => return Err(mismatch(label, v)),
            };
            for (at, item) in elements {
                self.value(&f.ty, item, &go_path, &at, || {
                    mismatch(Label::Optional, item)
                })?;
            }
        }
        Ok(())
    }

    /// Checks one value of a field's element type.
    fn value(
        &mut self,
        ty: &FieldType,
        v: &Value,
        go_path: &str,
        path: &str,
        mismatch: impl Fn() -> String,
    ) -> Result<(), String> {
        let ok = match (ty, v) {
            (_, Value::Null) => true,
            (FieldType::String | FieldType::Bytes, Value::String(_)) => true,
            (FieldType::Bool, Value::Bool(_)) => true,
            (FieldType::Double, Value::Number(_)) => true,
            (FieldType::Int32, Value::Number(n)) => {
                n.as_i64().is_some_and(|n| i32::try_from(n).is_ok())
            }
            (FieldType::Int64, Value::Number(n)) => n.as_i64().is_some(),
            (FieldType::Message(m), v) => {
                return self.special_or_message(m, v, go_path, path, mismatch);
            }
            _ => false,
        };
        if ok { Ok(()) } else { Err(mismatch()) }
    }

    fn special_or_message(
        &mut self,
        message: &str,
        v: &Value,
        go_path: &str,
        path: &str,
        mismatch: impl Fn() -> String,
    ) -> Result<(), String> {
        let ok = match (short(message), v) {
            ("Time" | "MicroTime", Value::String(s)) => {
                if s.parse::<jiff::Timestamp>().is_err() {
                    return Err(format!(
                        "parsing time {s:?} as \"2006-01-02T15:04:05Z07:00\": cannot parse {s:?} as \"2006\""
                    ));
                }
                true
            }
            ("Quantity", Value::String(s)) => {
                if !valid_quantity(s) {
                    return Err(
                        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
                            .to_owned(),
                    );
                }
                true
            }
            ("Quantity", Value::Number(_)) => true,
            ("IntOrString", Value::String(_)) => true,
            ("IntOrString", Value::Number(n)) => n.as_i64().is_some(),
            ("RawExtension" | "FieldsV1", _) => true,
            ("Duration", Value::String(_)) => true,
            ("Time" | "MicroTime" | "Quantity" | "IntOrString" | "Duration", _) => false,
            (_, Value::Object(_)) => return self.message(message, v, go_path, path, false),
            _ => false,
        };
        if ok { Ok(()) } else { Err(mismatch()) }
    }
}

/// Whether a string is a resource quantity (`100m`, `1.5Gi`, `2e3`).
fn valid_quantity(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let digits = body
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(body.len());
    let (number, suffix) = body.split_at(digits);
    let number_ok = !number.is_empty() && number != "." && number.matches('.').count() <= 1;
    let suffix_ok = matches!(
        suffix,
        "" | "Ki"
            | "Mi"
            | "Gi"
            | "Ti"
            | "Pi"
            | "Ei"
            | "n"
            | "u"
            | "m"
            | "k"
            | "M"
            | "G"
            | "T"
            | "P"
            | "E"
    ) || suffix.strip_prefix(['e', 'E']).is_some_and(|exp| {
        let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
        !exp.is_empty() && exp.chars().all(|c| c.is_ascii_digit())
    });
    number_ok && suffix_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deploy(spec: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": spec})
    }

    #[test]
    fn wrong_types_name_the_go_field() {
        let err = check(&deploy(json!({"replicas": "three"})), false).expect_err("string replicas");
        assert_eq!(err.code, 400);
        assert_eq!(
            err.message,
            "Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32"
        );
        let err = check(
            &deploy(json!({"template": {"spec": {"containers": [{"name": "a", "image": 5}]}}})),
            false,
        )
        .expect_err("numeric image");
        assert!(
            err.message.ends_with("json: cannot unmarshal number into Go struct field Container.spec.template.spec.containers.image of type string"),
            "{}",
            err.message
        );
        let err = check(&deploy(json!({"selector": []})), false).expect_err("array selector");
        assert!(
            err.message.ends_with("of type v1.LabelSelector"),
            "{}",
            err.message
        );
    }

    #[test]
    fn unknown_fields_only_fail_strict_decoding() {
        let obj = deploy(
            json!({"replicass": 1, "template": {"spec": {"containers": [{"name": "a", "imagex": "b"}]}}}),
        );
        assert!(check(&obj, false).is_ok());
        let err = check(&obj, true).expect_err("strict");
        assert!(
            err.message.ends_with("strict decoding error: unknown field \"spec.replicass\", unknown field \"spec.template.spec.containers[0].imagex\""),
            "{}",
            err.message
        );
    }

    #[test]
    fn special_types_and_custom_kinds() {
        let cpu = |q: Value| {
            deploy(
                json!({"template": {"spec": {"containers": [{"name": "a", "image": "b",
                "resources": {"limits": {"cpu": q}}}]}}}),
            )
        };
        assert!(check(&cpu(json!("100m")), true).is_ok());
        assert!(check(&cpu(json!(2)), true).is_ok());
        assert_eq!(
            check(&cpu(json!("lots")), true).map_err(|e| e.code),
            Err(400)
        );
        let app =
            json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "spec": {"x": 1}});
        assert!(check(&app, true).is_ok());
    }
}
