//! Typing of scalars and keys: go-yaml's tag rules, and what JSON (and
//! kustomize's JSON-to-YAML printer) can hold.

use super::number::format_go_g32;
use super::resolve::{Scalar, Schema, resolve_non_string, resolve_plain};
use base64::Engine as _;
use saphyr_parser::{ScalarStyle, Tag};
use serde_json::{Number, Value};
use std::borrow::Cow;

/// Longest key, JSON-encoded with its quotes, that go-yaml v2 accepts.
const MAX_JSON_KEY_LEN: usize = 1024;

/// What a mapping key does.
pub(crate) enum Key {
    Name(String),
    Merge,
    /// A quoted or `!!str`-tagged `<<`: kyaml drops the pair.
    Dropped,
}

/// Resolves a scalar event to a typed value (a string takes over `text`).
pub(crate) fn scalar(
    text: Cow<'_, str>,
    style: ScalarStyle,
    tag: Option<&Tag>,
    schema: Schema,
) -> Result<Scalar, String> {
    // The non-specific tag `!` leaves resolution to the scalar's style.
    let non_specific = |t: &&Tag| {
        matches!(
            (t.handle.as_str(), t.suffix.as_str()),
            ("!", "") | ("", "!")
        )
    };
    let tag = tag.filter(|t| !non_specific(t));
    let Some(tag) = tag else {
        return Ok(if style == ScalarStyle::Plain && text == "<<" {
            Scalar::Merge
        } else if style == ScalarStyle::Plain {
            resolve_non_string(&text, schema, None).unwrap_or_else(|| Scalar::Str(exact(text)))
        } else {
            Scalar::Str(exact(text))
        });
    };
    let full = format!("{}{}", tag.handle, tag.suffix);
    let Some(name) = full.strip_prefix("tag:yaml.org,2002:") else {
        // Local and unknown tags do not change a scalar: it stays a string.
        return Ok(Scalar::Str(exact(text)));
    };
    match name {
        "str" => Ok(Scalar::Str(exact(text))),
        "merge" => Ok(Scalar::Merge),
        "binary" => {
            let compact: String = text.chars().filter(|c| !matches!(c, '\n' | '\r')).collect();
            base64::engine::general_purpose::STANDARD
                .decode(compact)
                .map(|bytes| Scalar::Str(String::from_utf8_lossy(&bytes).into_owned()))
                .map_err(|_| String::from("!!binary value contains invalid base64 data"))
        }
        "int" | "float" | "bool" | "null" | "timestamp" => {
            let resolved = resolve_plain(&text, schema, Some(name));
            match (&resolved, name) {
                (r, n) if r.tag_name() == n => Ok(resolved),
                (Scalar::Int(i), "float") => Ok(Scalar::Float(*i as f64)),
                (Scalar::Uint(u), "float") => Ok(Scalar::Float(*u as f64)),
                (r, n) => Err(format!(
                    "cannot decode !!{} `{text}` as a !!{n}",
                    r.tag_name()
                )),
            }
        }
        _ => Ok(Scalar::Str(exact(text))),
    }
}

/// The scalar's text as a string of its exact size: the parser's buffers
/// are larger, and a build holds all its strings at once.
fn exact(text: Cow<'_, str>) -> String {
    let mut s = text.into_owned();
    s.shrink_to_fit();
    s
}

/// The JSON value of a scalar (a string moves into it).
pub(crate) fn scalar_value(scalar: Scalar, schema: Schema) -> Result<Value, String> {
    Ok(match scalar {
        Scalar::Null => Value::Null,
        Scalar::Bool(b) => Value::Bool(b),
        Scalar::Int(i) => Value::Number(i.into()),
        Scalar::Uint(u) => Value::Number(u.into()),
        Scalar::Float(f) => float_value(f)?,
        Scalar::Str(s) => {
            check_chars(&s, schema)?;
            Value::String(s)
        }
        Scalar::Timestamp { text, rfc3339 } => Value::String(match schema {
            Schema::V3 => rfc3339,
            Schema::V2 => text,
        }),
        Scalar::Merge => Value::String("<<".into()),
    })
}

/// Fails where [`scalar_value`] would, without building the value.
pub(crate) fn check_scalar(scalar: &Scalar, schema: Schema) -> Result<(), String> {
    match scalar {
        Scalar::Float(f) => float_value(*f).map(drop),
        Scalar::Str(s) => check_chars(s, schema),
        _ => Ok(()),
    }
}

fn float_value(f: f64) -> Result<Value, String> {
    Number::from_f64(f).map(Value::Number).ok_or_else(|| {
        format!("unsupported value {f}: infinity and NaN cannot be converted to JSON")
    })
}

/// Resource strings travel through JSON into go-yaml v2, whose reader
/// rejects raw control characters that JSON leaves unescaped.
fn check_chars(s: &str, schema: Schema) -> Result<(), String> {
    let bad =
        |c: char| matches!(c, '\u{7f}'..='\u{84}' | '\u{86}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}');
    // Every such character is DEL or outside ASCII: most strings need no
    // character-wise look.
    // Without an early exit, which the compiler vectorises.
    let maybe_bad = || s.bytes().fold(false, |bad, b| bad | (b >= 0x7f));
    if schema == Schema::V3 && maybe_bad() && s.chars().any(bad) {
        return Err(format!("control characters are not allowed (in {s:?})"));
    }
    Ok(())
}

/// go-yaml v2 reads kustomize's JSON back; a key longer than its
/// 1024-character simple-key limit there, or holding a NEL (a line
/// break to it), makes the build fail.
fn check_key(s: &str, schema: Schema) -> Result<(), String> {
    // A character takes at most 6 JSON characters: short keys fit.
    let may_be_long = 2 + 6 * s.len() > MAX_JSON_KEY_LEN;
    if !may_be_long && s.bytes().all(|b| b < 0x7f) {
        // Neither a NEL nor a character `check_chars` refuses.
        return Ok(());
    }
    if (may_be_long && json_len(s) > MAX_JSON_KEY_LEN) || s.contains('\u{85}') {
        return Err(format!(
            "mapping key {s:?} cannot be printed: kustomize's YAML printer fails on keys \
                 over {MAX_JSON_KEY_LEN} JSON characters or holding U+0085"
        ));
    }
    check_chars(s, schema)
}

/// Length of `s` as Go's `encoding/json` writes it, quotes included.
fn json_len(s: &str) -> usize {
    2 + s
        .chars()
        .map(|c| match c {
            '"' | '\\' | '\n' | '\r' | '\t' => 2,
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => 6,
            c if c < ' ' => 6,
            _ => 1,
        })
        .sum::<usize>()
}

/// What a mapping key means; `raw` is its source text.
///
/// kyaml decodes a resource's top level into a Go `map[string]interface{}`,
/// so there (`at_root`) a number, boolean or timestamp key becomes its
/// source text; deeper down it cannot be converted to JSON.
pub(crate) fn key(
    scalar: Option<Scalar>,
    raw: Option<&str>,
    schema: Schema,
    at_root: bool,
) -> Result<Key, String> {
    let Some(scalar) = scalar else {
        return Err(String::from(
            "invalid map key: a collection cannot be a key",
        ));
    };
    let raw = raw.unwrap_or_default();
    let tag_name = scalar.tag_name();
    let not_string = || {
        format!("mapping key `{raw}` is a {tag_name}, not a string; it cannot be converted to JSON")
    };
    Ok(match (schema, scalar) {
        (_, Scalar::Merge) => Key::Merge,
        (Schema::V3, Scalar::Str(s)) if s == "<<" => Key::Dropped,
        (Schema::V3, Scalar::Str(s)) => {
            check_key(&s, schema)?;
            Key::Name(s)
        }
        (_, Scalar::Str(s)) => {
            check_chars(&s, schema)?;
            Key::Name(s)
        }
        (Schema::V3, Scalar::Null) => return Err(not_string()),
        (Schema::V3, _) if at_root && !raw.is_empty() => {
            check_key(raw, schema)?;
            Key::Name(raw.to_string())
        }
        (Schema::V3, _) => return Err(not_string()),
        (Schema::V2, Scalar::Timestamp { text, .. }) => Key::Name(text),
        (Schema::V2, Scalar::Int(i)) => Key::Name(i.to_string()),
        (Schema::V2, Scalar::Bool(b)) => Key::Name(b.to_string()),
        (Schema::V2, Scalar::Float(f)) => Key::Name(match format_go_g32(f).as_str() {
            "+Inf" => ".inf".into(),
            "-Inf" => "-.inf".into(),
            "NaN" => ".nan".into(),
            s => s.into(),
        }),
        (Schema::V2, Scalar::Null | Scalar::Uint(_)) => return Err(not_string()),
    })
}
