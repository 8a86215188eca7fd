//! JSON text exactly as Go's `encoding/json` marshals a decoded value:
//! map keys sorted, `<`, `>`, `&`, U+2028 and U+2029 escaped, floats in
//! Go's shortest form (`1e+21`, `1e-7`).

use gotemplate::fmt::format_float;
use serde_json::Value;
use std::fmt::Write as _;

/// `json.Marshal(v)` of a value as Go holds it.
pub fn marshal(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, &mut out);
    out
}

fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) if !n.is_f64() => {
                let _ = write!(out, "{i}");
            }
            (_, Some(u), _) if !n.is_f64() => {
                let _ = write!(out, "{u}");
            }
            (_, _, Some(f)) => out.push_str(&go_float(f)),
            _ => out.push_str(&n.to_string()),
        },
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write_value(&map[key], out);
            }
            out.push('}');
        }
    }
}

/// A float64 as Go's JSON encoder prints it.
pub fn go_float(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let text = format_float(f, 'e', -1);
        // Go trims a leading zero of a negative two-digit exponent: e-07 -> e-7.
        match text.find("e-0") {
            Some(at) if text.len() == at + 4 => format!("{}e-{}", &text[..at], &text[at + 3..]),
            _ => text,
        }
    } else {
        format_float(f, 'f', -1)
    }
}

fn write_string(s: &str, out: &mut String) {
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

    #[test]
    fn marshals_as_go() {
        assert_eq!(marshal(&json!({"foo": "bar"})), r#"{"foo":"bar"}"#);
        assert_eq!(
            marshal(&json!({"b": 1, "a": [true, null]})),
            r#"{"a":[true,null],"b":1}"#
        );
        assert_eq!(
            marshal(&json!("<a&b>\u{1}\n")),
            r#""\u003ca\u0026b\u003e\u0001\n""#
        );
        assert_eq!(marshal(&json!(3.5)), "3.5");
        assert_eq!(marshal(&json!(1e21)), "1e+21");
        assert_eq!(marshal(&json!(1e-7)), "1e-7");
        assert_eq!(marshal(&json!(1.5e-10)), "1.5e-10");
        assert_eq!(marshal(&json!(100000.0)), "100000");
    }
}
