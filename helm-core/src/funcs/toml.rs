//! TOML for Helm's `toToml` and `fromToml`. Encoding writes the text
//! BurntSushi/toml's encoder writes: plain keys first, then tables, keys
//! sorted, nested keys indented two spaces a level, nulls left out, float64
//! values with a decimal point. Decoding (the `toml` crate) gives what
//! BurntSushi decodes into `map[string]interface{}`: integers stay integers,
//! floats are float64, dates and times are their TOML text.

use serde_json::{Map, Value};
use std::fmt::Write as _;

/// Encodes a map as TOML; other values are an error (BurntSushi's text).
pub fn encode(value: &Value) -> Result<String, String> {
    let Value::Object(map) = value else {
        return Err(format!(
            "toml: top-level values must be Go maps or structs; got {}",
            match value {
                Value::Array(_) => "[]interface {}",
                Value::String(_) => "string",
                Value::Bool(_) => "bool",
                Value::Number(_) => "float64",
                _ => "<nil>",
            }
        ));
    };
    let mut enc = Encoder {
        out: String::new(),
        written: false,
    };
    enc.table(&[], map)?;
    Ok(enc.out)
}

/// Decodes a TOML document into a map; the error is BurntSushi's
/// `toml: line N: <message>` (the message wording is the `toml` crate's,
/// except for a key without `=`, which is BurntSushi's).
pub fn decode(text: &str) -> Result<Map<String, Value>, String> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let offset = e.span().map_or(text.len(), |span| span.start);
        let line = text[..offset.min(text.len())].matches('\n').count() + 1;
        let message = e.message();
        let message = if message.contains("key with no value") {
            if offset >= text.trim_end().len() {
                "unexpected EOF; expected key separator '='".to_owned()
            } else {
                "expected key separator '='".to_owned()
            }
        } else {
            message.trim_end().to_owned()
        };
        format!("toml: line {line}: {message}")
    })?;
    Ok(table
        .into_iter()
        .map(|(key, value)| (key, toml_to_json(value)))
        .collect())
}

fn toml_to_json(value: toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(table) => Value::Object(
            table
                .into_iter()
                .map(|(key, value)| (key, toml_to_json(value)))
                .collect(),
        ),
    }
}

struct Encoder {
    out: String,
    written: bool,
}

fn is_table(v: &Value) -> bool {
    matches!(v, Value::Object(_))
}

fn is_table_array(v: &Value) -> bool {
    matches!(v, Value::Array(items) if !items.is_empty() && items.iter().all(is_table))
}

fn quote_key(key: &str) -> String {
    if !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        key.to_string()
    } else {
        quote_string(key)
    }
}

fn quote_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl Encoder {
    fn newline(&mut self) {
        if self.written {
            self.out.push('\n');
        }
    }

    fn indent(depth: usize) -> String {
        "  ".repeat(depth.saturating_sub(1))
    }

    fn table(&mut self, path: &[String], map: &Map<String, Value>) -> Result<(), String> {
        let mut keys: Vec<&String> = map.keys().collect();
        keys.sort();
        for key in &keys {
            let value = &map[*key];
            if value.is_null() || is_table(value) || is_table_array(value) {
                continue;
            }
            let _ = write!(
                self.out,
                "{}{} = ",
                Self::indent(path.len() + 1),
                quote_key(key)
            );
            self.value(value)?;
            self.out.push('\n');
            self.written = true;
        }
        for key in &keys {
            let value = &map[*key];
            let mut sub = path.to_vec();
            sub.push((*key).clone());
            let header: Vec<String> = sub.iter().map(|k| quote_key(k)).collect();
            match value {
                Value::Object(inner) => {
                    if sub.len() == 1 {
                        self.newline();
                    }
                    let _ = writeln!(
                        self.out,
                        "{}[{}]",
                        Self::indent(sub.len()),
                        header.join(".")
                    );
                    self.written = true;
                    self.table(&sub, inner)?;
                }
                v if is_table_array(v) => {
                    for item in v.as_array().into_iter().flatten() {
                        self.newline();
                        let _ = writeln!(
                            self.out,
                            "{}[[{}]]",
                            Self::indent(sub.len()),
                            header.join(".")
                        );
                        self.written = true;
                        if let Value::Object(inner) = item {
                            self.table(&sub, inner)?;
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn value(&mut self, value: &Value) -> Result<(), String> {
        match value {
            Value::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) if n.is_f64() => {
                let f = n.as_f64().unwrap_or(0.0);
                if f.is_nan() {
                    self.out.push_str("nan");
                } else if f.is_infinite() {
                    self.out.push_str(if f > 0.0 { "inf" } else { "-inf" });
                } else {
                    // strconv.FormatFloat(f, 'f', -1, 64): shortest digits, never an exponent.
                    let text = f.to_string();
                    self.out.push_str(&text);
                    if !text.contains('.') {
                        self.out.push_str(".0");
                    }
                }
            }
            Value::Number(n) => {
                let _ = write!(self.out, "{n}");
            }
            Value::String(s) => self.out.push_str(&quote_string(s)),
            Value::Array(items) => {
                self.out.push('[');
                for (i, item) in items.iter().filter(|v| !v.is_null()).enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.value(item)?;
                }
                self.out.push(']');
            }
            Value::Object(map) => {
                // An inline table inside an array.
                self.out.push('{');
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                for (i, key) in keys.into_iter().filter(|k| !map[*k].is_null()).enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    let _ = write!(self.out, "{} = ", quote_key(key));
                    self.value(&map[key])?;
                }
                self.out.push('}');
            }
            Value::Null => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn encodes_as_burntsushi() {
        // Helm's funcs_test.go cases.
        assert_eq!(encode(&json!({"foo": "bar"})).unwrap(), "foo = \"bar\"\n");
        assert_eq!(
            encode(&json!({"mast": {"sail": "white"}})).unwrap(),
            "[mast]\n  sail = \"white\"\n"
        );
        assert_eq!(
            encode(&json!({"a": 1.0, "t": {"x": [1.0, 2.5], "u": {"y": true}}, "b": null}))
                .unwrap(),
            "a = 1.0\n\n[t]\n  x = [1.0, 2.5]\n  [t.u]\n    y = true\n"
        );
    }
}
