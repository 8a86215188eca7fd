//! The content hash kustomize appends to generated names (`name-<hash>`).
//!
//! The hashed text is a JSON object of some fields of the ConfigMap or
//! Secret, encoded as Go's `encoding/json` encodes it (keys sorted, no
//! spaces, `<`, `>`, `&` escaped); its SHA-256 is written in hex, and the
//! first ten hex digits are kept with `0 1 3 a e` replaced by `g h k m t`
//! so the result never looks like a number or a word.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

use super::error::GeneratorError;
use crate::resource::Resource;

/// Appends `-<hash>` to the name of a resource whose
/// [`Resource::needs_hash`] is set (remembering the previous name), as
/// kustomize does once, after all of a build's transformations. Resources
/// that do not need a hash are left alone.
pub fn add_hash_suffix(resource: &mut Resource) -> Result<(), GeneratorError> {
    if resource.needs_hash {
        let hash = content_hash(&resource.object)?;
        let name = format!("{}-{hash}", resource.name());
        resource.store_previous_id();
        resource.set_name(&name);
    }
    Ok(())
}

/// The hash suffix of a generated ConfigMap or Secret, without the leading
/// `-`.
///
/// A ConfigMap is hashed on `kind`, `data` and (if present) `binaryData`; a
/// Secret on `kind`, `type`, `data` and (if present) `stringData`. Kustomize
/// also puts a `name` into the hashed text, but looks it up as a top-level
/// field literally called `metadata/name`, which objects never have, so the
/// name does not change the hash; that lookup is reproduced here.
pub fn content_hash(object: &Map<String, Value>) -> Result<String, GeneratorError> {
    let kind = object.get("kind").and_then(Value::as_str).unwrap_or("");
    let (scalar_fields, optional_map): (&[&str], &str) = match kind {
        "ConfigMap" => (&["metadata/name", "data"], "binaryData"),
        "Secret" => (&["type", "metadata/name", "data"], "stringData"),
        _ => {
            let name = object.get("metadata").and_then(|m| m.get("name"));
            return Err(GeneratorError::HashUnsupportedKind {
                kind: kind.to_owned(),
                name: name.and_then(Value::as_str).unwrap_or("").to_owned(),
            });
        }
    };
    let mut hashed = std::collections::BTreeMap::new();
    hashed.insert("kind", Value::String(kind.to_owned()));
    for field in scalar_fields {
        let key = if *field == "metadata/name" {
            "name"
        } else {
            field
        };
        hashed.insert(key, hashed_value(object.get(*field)));
    }
    // Kustomize adds the optional map only when it is not a scalar.
    let optional = hashed_value(object.get(optional_map));
    if !optional.is_string() {
        hashed.insert(optional_map, optional);
    }
    let mut text = String::from("{");
    for (i, (key, value)) in hashed.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        write_go_string(&mut text, key);
        text.push(':');
        write_go_json(&mut text, value);
    }
    text.push('}');
    Ok(encode_digest(&Sha256::digest(text.as_bytes())))
}

/// How kustomize reads a field for hashing: a missing (or null) field is
/// `""`, a scalar is its text, a map is itself, anything else is `null`.
fn hashed_value(value: Option<&Value>) -> Value {
    match value {
        None | Some(Value::Null) => Value::String(String::new()),
        Some(Value::String(s)) => Value::String(s.clone()),
        Some(Value::Number(n)) => Value::String(n.to_string()),
        Some(Value::Bool(b)) => Value::String(b.to_string()),
        Some(Value::Object(m)) => Value::Object(m.clone()),
        Some(Value::Array(_)) => Value::Null,
    }
}

/// The first ten hex digits with `0 1 3 a e` → `g h k m t`.
fn encode_digest(digest: &[u8]) -> String {
    let mut hex = String::with_capacity(10);
    for byte in &digest[..5] {
        let _ = write!(hex, "{byte:02x}");
    }
    hex.chars()
        .map(|c| match c {
            '0' => 'g',
            '1' => 'h',
            '3' => 'k',
            'a' => 'm',
            'e' => 't',
            other => other,
        })
        .collect()
}

/// `value` as Go's `json.Marshal` writes a value decoded into
/// `interface{}` (what Helm's `toJson` prints): object keys sorted,
/// `<`, `>`, `&` escaped, numbers as float64.
pub fn go_json(value: &Value) -> String {
    let mut out = String::new();
    write_go_json(&mut out, value);
    out
}

/// Appends `value` as Go's `json.Marshal` writes a value decoded into
/// `interface{}`: object keys sorted, numbers as float64.
fn write_go_json(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_go_float(out, n.as_f64().unwrap_or(0.0)),
        Value::String(s) => write_go_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_go_json(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_go_string(out, key);
                out.push(':');
                write_go_json(out, item);
            }
            out.push('}');
        }
    }
}

/// A float64 as Go's JSON encoder writes it: shortest round-trip digits,
/// plain notation for 1e-6 <= |f| < 1e21, otherwise exponent notation with
/// an explicit sign and at least one exponent digit (`1e+21`, `1e-7`).
fn write_go_float(out: &mut String, f: f64) {
    let abs = f.abs();
    if abs == 0.0 || (1e-6..1e21).contains(&abs) {
        let _ = write!(out, "{f}");
        return;
    }
    let text = format!("{f:e}");
    match text.split_once('e') {
        Some((mantissa, exp)) if !exp.starts_with('-') => {
            let _ = write!(out, "{mantissa}e+{exp}");
        }
        _ => out.push_str(&text),
    }
}

/// A string as Go's JSON encoder writes it, with its HTML-safe escapes.
fn write_go_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn hash(v: Value) -> String {
        content_hash(v.as_object().unwrap()).unwrap()
    }

    #[test]
    fn name_does_not_change_the_hash() {
        // kubectl kustomize names both `one-4h2mbtbbt6` and `two-4h2mbtbbt6`.
        for name in ["one", "two"] {
            let cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": name}, "data": {"a": "b"}});
            assert_eq!(hash(cm), "4h2mbtbbt6");
        }
    }

    #[test]
    fn known_hashes_from_kubectl() {
        // configmaps_test TestDataEndsWithQuotes: `test-k9cc55dfm5`.
        let cm = json!({"kind": "ConfigMap", "metadata": {"name": "test"},
            "data": {"TEST": "this is a 'test'"}});
        assert_eq!(hash(cm), "k9cc55dfm5");
        // An empty ConfigMap (`empty-6ct58987ht`) and Secret (`s-46f8b28mk5`).
        assert_eq!(
            hash(json!({"kind": "ConfigMap", "metadata": {"name": "empty"}})),
            "6ct58987ht"
        );
        let s = json!({"kind": "Secret", "type": "Opaque", "metadata": {"name": "s"}, "data": {}});
        assert_eq!(hash(s), "46f8b28mk5");
    }

    #[test]
    fn non_string_data_hashes_as_go_float64() {
        // A generated ConfigMap patched with non-string data before hashing;
        // kubectl names it `cm-ckmd858cdd`.
        let cm: Value = serde_json::from_str(
            r#"{"kind": "ConfigMap", "metadata": {"name": "cm"}, "data": {"<k>": "&", "a": "b",
                "big": 12345678901234567890, "f": 1.5, "huge": 1e22, "n": 1, "t": true,
                "tiny": 0.0000001}}"#,
        )
        .unwrap();
        assert_eq!(hash(cm), "ckmd858cdd");
    }

    #[test]
    fn suffix_only_when_needed() {
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "one"},
            "data": {"a": "b"}});
        let mut r = Resource::new(cm.as_object().unwrap().clone());
        add_hash_suffix(&mut r).unwrap();
        assert_eq!(r.name(), "one");
        r.needs_hash = true;
        add_hash_suffix(&mut r).unwrap();
        assert_eq!(r.name(), "one-4h2mbtbbt6");
        assert_eq!(r.original_id().name, "one");
    }

    #[test]
    fn other_kinds_are_refused() {
        let err = content_hash(json!({"kind": "Pod"}).as_object().unwrap()).unwrap_err();
        assert!(
            matches!(err, GeneratorError::HashUnsupportedKind { .. }),
            "{err}"
        );
    }

    #[test]
    fn go_json_encoding() {
        let mut s = String::new();
        write_go_json(
            &mut s,
            &json!({"b": "<a&b>\u{2028}\u{1}\u{8}\"\\é", "a": [1, 2.5, 1e21, 1e-7, true, null]}),
        );
        assert_eq!(
            s,
            r#"{"a":[1,2.5,1e+21,1e-7,true,null],"b":"\u003ca\u0026b\u003e\u2028\u0001\b\"\\é"}"#
        );
    }

    proptest::proptest! {
        #[test]
        fn go_strings_decode_back(s in "\\PC*|[\\x00-\\x20<>&\"\\\\\u{2028}\u{2029}]*") {
            let mut out = String::new();
            write_go_string(&mut out, &s);
            let raw_html = out.contains(['<', '>', '&', '\u{2028}', '\u{2029}']);
            proptest::prop_assert!(!raw_html, "unescaped character in {}", out);
            proptest::prop_assert_eq!(serde_json::from_str::<String>(&out).unwrap(), s);
        }

        #[test]
        fn go_floats_decode_back(f in proptest::num::f64::NORMAL | proptest::num::f64::ZERO) {
            let mut out = String::new();
            write_go_float(&mut out, f);
            proptest::prop_assert_eq!(out.parse::<f64>().unwrap(), f);
            proptest::prop_assert_eq!(out.contains('e'), f != 0.0 && !(1e-6..1e21).contains(&f.abs()));
        }
    }
}
