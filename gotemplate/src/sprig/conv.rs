//! Conversions Sprig applies to `interface{}` arguments (`strval`,
//! `cast.ToInt64`, `cast.ToFloat64`, `strslice`) and Go's JSON encoding.

use std::fmt::Write;

use crate::fmt::{format_float, sprint_value};
use crate::value::Value;

/// Sprig's `strval`: strings as is, everything else as `%v`.
pub(crate) fn strval(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        v => sprint_value(v),
    }
}

/// `cast.ToInt64`: numbers truncated, strings parsed (Go base prefixes),
/// booleans as 0/1, anything else 0.
pub(crate) fn to_i64(v: &Value) -> i64 {
    match v {
        Value::Int(i) | Value::Int64(i) => *i,
        Value::Float(f) => go_float_to_int(*f),
        Value::Bool(b) => i64::from(*b),
        Value::String(s) => crate::fmt::parse_go_int(s).unwrap_or(0),
        _ => 0,
    }
}

/// Go's `int64(f)` on amd64: truncation, and the "integer indefinite"
/// value for NaN and out-of-range floats.
pub(crate) fn go_float_to_int(f: f64) -> i64 {
    if f.is_nan() || !(-(2f64.powi(63))..2f64.powi(63)).contains(&f) {
        return i64::MIN;
    }
    f as i64
}

/// `cast.ToFloat64`.
pub(crate) fn to_f64(v: &Value) -> f64 {
    match v {
        Value::Int(i) | Value::Int64(i) => *i as f64,
        Value::Float(f) => *f,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::String(s) => s.parse().unwrap_or(0.0),
        _ => 0.0,
    }
}

/// Sprig's `strslice`: a list's non-nil items as strings; a nil value is
/// empty; any other value is a one-item list.
pub(crate) fn strslice(v: &Value) -> Vec<String> {
    match v {
        Value::List(l) => l
            .iter()
            .filter(|x| !matches!(x, Value::Nil))
            .map(strval)
            .collect(),
        Value::Nil => Vec::new(),
        v => vec![strval(v)],
    }
}

/// Sprig's `empty`: Go's zero-value test.
pub(crate) fn empty(v: &Value) -> bool {
    !v.is_true() && !matches!(v, Value::Struct(_) | Value::Time(_) | Value::Func(_))
}

/// Go's `encoding/json` encoding of a value: sorted map keys, HTML
/// characters escaped unless `raw`, `indent` spaces per level if set.
pub(crate) fn to_json(v: &Value, raw: bool, indent: Option<&str>) -> String {
    let mut out = String::new();
    write_json(&mut out, v, raw, indent, 0);
    out
}

fn newline(out: &mut String, indent: Option<&str>, level: usize) {
    if let Some(ind) = indent {
        out.push('\n');
        for _ in 0..level {
            out.push_str(ind);
        }
    }
}

fn write_json(out: &mut String, v: &Value, raw: bool, indent: Option<&str>, level: usize) {
    if crate::fmt::past_print_cap(out.len()) {
        return;
    }
    if level > 100 {
        out.push_str("null");
        return;
    }
    match v {
        Value::Nil | Value::Complex(..) | Value::Func(_) => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) | Value::Int64(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => out.push_str(&json_float(*f)),
        Value::String(s) => json_string(out, s, raw),
        Value::Time(_) => json_string(out, v.to_json().as_str().unwrap_or_default(), raw),
        Value::List(l) => {
            if l.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in l.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, level + 1);
                write_json(out, item, raw, indent, level + 1);
            }
            newline(out, indent, level);
            out.push(']');
        }
        Value::Map(m) => {
            let entries = m.entries();
            write_object(
                out,
                entries.iter().map(|(k, v)| (k.as_str(), v)),
                entries.is_empty(),
                raw,
                indent,
                level,
            );
        }
        Value::Struct(s) => {
            write_object(
                out,
                s.fields.iter().map(|(k, v)| (k.as_str(), v)),
                s.fields.is_empty(),
                raw,
                indent,
                level,
            );
        }
    }
}

fn write_object<'a>(
    out: &mut String,
    entries: impl Iterator<Item = (&'a str, &'a Value)>,
    is_empty: bool,
    raw: bool,
    indent: Option<&str>,
    level: usize,
) {
    if is_empty {
        out.push_str("{}");
        return;
    }
    out.push('{');
    for (i, (k, val)) in entries.enumerate() {
        if i > 0 {
            out.push(',');
        }
        newline(out, indent, level + 1);
        json_string(out, k, raw);
        out.push(':');
        if indent.is_some() {
            out.push(' ');
        }
        write_json(out, val, raw, indent, level + 1);
    }
    newline(out, indent, level);
    out.push('}');
}

/// Go's JSON float: `'f'` between 1e-6 and 1e21, else `'e'` with a
/// short exponent (`1e-07` becomes `1e-7`).
pub(crate) fn json_float(f: f64) -> String {
    if !f.is_finite() {
        return "null".into();
    }
    let a = f.abs();
    if a != 0.0 && !(1e-6..1e21).contains(&a) {
        let s = format_float(f, 'e', -1);
        // e-07 -> e-7
        if let Some(i) = s.find("e-0") {
            return format!("{}e-{}", &s[..i], &s[i + 3..]);
        }
        if let Some(i) = s.find("e+0") {
            return format!("{}e+{}", &s[..i], &s[i + 3..]);
        }
        return s;
    }
    format_float(f, 'f', -1)
}

fn json_string(out: &mut String, s: &str, raw: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' if !raw => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            '\u{2028}' | '\u{2029}' => {
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
