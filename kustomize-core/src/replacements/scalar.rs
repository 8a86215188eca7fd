//! Scalar text and types as kyaml sees them. Kustomize copies a scalar's
//! *text* into a target and keeps the target's YAML tag, so the target's
//! type decides the result; a freshly created node has no tag, so its text
//! decides (as a plain YAML scalar would be read). A text the target's tag
//! cannot hold makes kustomize fail when it prints the result.

use serde_json::{Number, Value};
use std::fmt;

/// The YAML tag of a scalar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
    /// `!!str`
    Str,
    /// `!!int`
    Int,
    /// `!!float`
    Float,
    /// `!!bool`
    Bool,
    /// `!!null`
    Null,
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Tag::Str => "!!str",
            Tag::Int => "!!int",
            Tag::Float => "!!float",
            Tag::Bool => "!!bool",
            Tag::Null => "!!null",
        })
    }
}

/// A text that a scalar's tag cannot hold (kustomize reports this when it
/// prints the object, as its YAML decoder fails).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("map[string]interface {{}}(nil): yaml: cannot decode {found} `{text}` as a {tag}")]
pub struct TagMismatch {
    /// What the text reads as.
    pub found: Tag,
    /// The text.
    pub text: String,
    /// The tag of the node it was written into.
    pub tag: Tag,
}

/// The tag of a scalar value; `None` for maps and lists.
pub fn tag_of(v: &Value) -> Option<Tag> {
    match v {
        Value::String(_) => Some(Tag::Str),
        Value::Number(n) if n.is_f64() => Some(Tag::Float),
        Value::Number(_) => Some(Tag::Int),
        Value::Bool(_) => Some(Tag::Bool),
        Value::Null => Some(Tag::Null),
        Value::Object(_) | Value::Array(_) => None,
    }
}

/// A scalar's text (a YAML node's value); empty for null, maps and lists.
pub fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null | Value::Object(_) | Value::Array(_) => String::new(),
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)`: sign, then `0x`, `0o`, `0b` or a
/// leading `0` (octal) prefix, or decimal.
fn parse_go_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = i128::from_str_radix(digits, radix).ok()?;
    i64::try_from(if neg { -magnitude } else { magnitude }).ok()
}

/// YAML's float syntax as go-yaml accepts it.
fn is_yaml_float(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => digits(frac),
        Some((int, frac)) => digits(int) && (frac.is_empty() || digits(frac)),
        None => digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    mantissa_ok && exponent_ok
}

/// A float as kustomize prints it: integral values become integers (its
/// output passes through JSON, which drops the fraction).
pub fn float_value(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        Value::Number(Number::from(f as i64))
    } else {
        Number::from_f64(f).map_or(Value::Null, Value::Number)
    }
}

/// How an untagged plain scalar reads: its tag and value.
pub fn resolve_plain(s: &str) -> (Tag, Value) {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return (Tag::Null, Value::Null),
        "true" | "True" | "TRUE" => return (Tag::Bool, Value::Bool(true)),
        "false" | "False" | "FALSE" => return (Tag::Bool, Value::Bool(false)),
        _ => {}
    }
    if s.starts_with(|c: char| c.is_ascii_digit() || "+-.".contains(c)) {
        let plain = s.replace('_', "");
        if let Some(i) = parse_go_int(&plain) {
            return (Tag::Int, Value::Number(i.into()));
        }
        if is_yaml_float(&plain)
            && let Ok(f) = plain.parse::<f64>()
        {
            return (Tag::Float, float_value(f));
        }
    }
    (Tag::Str, Value::String(s.to_owned()))
}

/// The value a node with tag `tag` holds after its text is set to `text`
/// (`None`: an untagged, freshly created node).
pub fn retag(text: &str, tag: Option<Tag>) -> Result<Value, TagMismatch> {
    let Some(tag) = tag else {
        return Ok(resolve_plain(text).1);
    };
    if tag == Tag::Str {
        return Ok(Value::String(text.to_owned()));
    }
    let (found, value) = resolve_plain(text);
    match (tag, found) {
        _ if tag == found => Ok(value),
        (Tag::Float, Tag::Int) => Ok(value),
        _ => Err(TagMismatch {
            found,
            text: text.to_owned(),
            tag,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn plain_scalars_resolve_like_go_yaml() {
        assert_eq!(resolve_plain("8080").1, json!(8080));
        assert_eq!(resolve_plain("-12").1, json!(-12));
        assert_eq!(resolve_plain("0x1F").1, json!(31));
        assert_eq!(resolve_plain("010").1, json!(8));
        assert_eq!(resolve_plain("1.5").1, json!(1.5));
        assert_eq!(resolve_plain("2.0").1, json!(2));
        assert_eq!(resolve_plain("1e3").0, Tag::Float);
        assert_eq!(resolve_plain("true").1, json!(true));
        assert_eq!(resolve_plain("yes").1, json!("yes"));
        assert_eq!(resolve_plain("~").1, Value::Null);
        assert_eq!(resolve_plain("1.2.3").1, json!("1.2.3"));
        assert_eq!(resolve_plain("nginx:1").1, json!("nginx:1"));
    }

    #[test]
    fn retag_keeps_the_target_type() {
        assert_eq!(retag("8080", Some(Tag::Str)).unwrap(), json!("8080"));
        assert_eq!(retag("8080", Some(Tag::Int)).unwrap(), json!(8080));
        assert_eq!(retag("8080", Some(Tag::Float)).unwrap(), json!(8080));
        assert_eq!(retag("true", None).unwrap(), json!(true));
        let err = retag("8080", Some(Tag::Null)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "map[string]interface {}(nil): yaml: cannot decode !!int `8080` as a !!null"
        );
        assert!(retag("abc", Some(Tag::Int)).is_err());
        assert!(retag("1.5", Some(Tag::Int)).is_err());
    }

    #[test]
    fn text_of_scalars() {
        assert_eq!(text(&json!(80)), "80");
        assert_eq!(text(&json!(false)), "false");
        assert_eq!(text(&json!({"a": 1})), "");
    }
}
