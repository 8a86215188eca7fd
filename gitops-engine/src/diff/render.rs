//! Human-readable output: a YAML rendering of objects and a unified diff of
//! normalised live against predicted live.

use serde_json::Value;
use similar::TextDiff;

use super::normalize::sorted_keys;
use super::secrets::hide_secret_data;

/// Renders `value` as block-style YAML with sorted keys (the layout
/// `kubectl` and Argo CD print: list items at their key's indentation).
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match &sorted_keys(value) {
        v @ Value::Object(m) if !m.is_empty() => write_block(&mut out, v, 0),
        v @ Value::Array(a) if !a.is_empty() => write_block(&mut out, v, 0),
        v => {
            out.push_str(&scalar(v, 0));
            out.push('\n');
        }
    }
    out
}

/// Writes a non-empty map or list at `indent`.
fn write_block(out: &mut String, value: &Value, indent: usize) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(m) => {
            for (k, v) in m {
                out.push_str(&pad);
                out.push_str(&plain_or_quoted(k));
                out.push(':');
                write_child(out, v, indent, true);
            }
        }
        Value::Array(items) => {
            for item in items {
                out.push_str(&pad);
                out.push('-');
                write_child(out, item, indent, false);
            }
        }
        _ => {}
    }
}

/// Writes the value after `key:` or `-`.
fn write_child(out: &mut String, v: &Value, indent: usize, in_map: bool) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            if in_map {
                out.push('\n');
                write_block(out, v, indent + 2);
            } else {
                // The first entry shares the dash's line.
                let mut nested = String::new();
                write_block(&mut nested, v, indent + 2);
                out.push(' ');
                out.push_str(nested.trim_start());
            }
        }
        Value::Array(a) if !a.is_empty() => {
            if in_map {
                out.push('\n');
                write_block(out, v, indent);
            } else {
                let mut nested = String::new();
                write_block(&mut nested, v, indent + 2);
                out.push(' ');
                out.push_str(nested.trim_start());
            }
        }
        _ => {
            out.push(' ');
            out.push_str(&scalar(v, indent + 2));
            out.push('\n');
        }
    }
}

fn scalar(v: &Value, indent: usize) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string_scalar(s, indent),
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
    }
}

fn string_scalar(s: &str, indent: usize) -> String {
    let block_safe = s.contains('\n')
        && !s.contains('\r')
        && !s.starts_with([' ', '\n'])
        && !s.trim_end_matches('\n').ends_with([' ', '\t'])
        && !s.ends_with("\n\n");
    if block_safe {
        let (indicator, body) = match s.strip_suffix('\n') {
            Some(body) => ("|", body),
            None => ("|-", s),
        };
        let pad = " ".repeat(indent);
        let lines: Vec<String> = body
            .split('\n')
            .map(|l| {
                if l.is_empty() {
                    String::new()
                } else {
                    format!("{pad}{l}")
                }
            })
            .collect();
        return format!("{indicator}\n{}", lines.join("\n"));
    }
    plain_or_quoted(s)
}

/// `s` as a plain scalar when YAML would read it back as the same string,
/// otherwise double-quoted.
fn plain_or_quoted(s: &str) -> String {
    let reserved = matches!(
        s.to_ascii_lowercase().as_str(),
        "" | "~"
            | "null"
            | "true"
            | "false"
            | "yes"
            | "no"
            | "on"
            | "off"
            | "y"
            | "n"
            | ".nan"
            | ".inf"
            | "-.inf"
    );
    let numeric = s.parse::<f64>().is_ok() || s.starts_with("0x") || s.starts_with("0o");
    let special_start = s.starts_with([
        '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@',
        '`', ' ',
    ]);
    let special_inside = s.contains(": ")
        || s.contains(" #")
        || s.ends_with(':')
        || s.ends_with(' ')
        || s.chars().any(|c| c.is_control());
    if reserved || numeric || special_start || special_inside {
        Value::String(s.to_string()).to_string()
    } else {
        s.to_string()
    }
}

/// A unified diff (3 lines of context) from the YAML of `normalized_live`
/// to the YAML of `predicted_live`, headed `live` / `desired`; empty when
/// they render the same. A `null` side renders as no lines. Secret values
/// and the annotations named in `hide_annotations` are masked first (see
/// [`hide_secret_data`]), so equal values still show as equal.
pub fn unified_diff(
    normalized_live: &Value,
    predicted_live: &Value,
    hide_annotations: &[String],
) -> String {
    let present = |v: &Value| (!v.is_null()).then(|| v.clone());
    let (predicted, live) = hide_secret_data(
        present(predicted_live).as_ref(),
        present(normalized_live).as_ref(),
        hide_annotations,
    );
    let render = |v: Option<Value>| v.map(|v| to_yaml(&v)).unwrap_or_default();
    let (old, new) = (render(live), render(predicted));
    if old == new {
        return String::new();
    }
    TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(3)
        .header("live", "desired")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn yaml_layout() {
        let v = json!({"metadata": {"name": "a", "labels": {"x": "1"}},
            "spec": {"ports": [{"port": 80, "name": "http"}], "args": ["a", "-b"], "empty": {}, "none": [],
            "script": "line1\nline2\n", "flag": "true", "n": null}});
        let expected = "metadata:\n  labels:\n    x: \"1\"\n  name: a\nspec:\n  args:\n  - a\n  - \"-b\"\n  empty: {}\n  flag: \"true\"\n  \"n\": null\n  none: []\n  ports:\n  - name: http\n    port: 80\n  script: |\n    line1\n    line2\n";
        assert_eq!(to_yaml(&v), expected);
    }

    #[test]
    fn nested_lists() {
        assert_eq!(
            to_yaml(&json!([[1, 2], {"a": [3]}])),
            "- - 1\n  - 2\n- a:\n  - 3\n"
        );
    }

    #[test]
    fn diff_marks_changed_lines() {
        let d = unified_diff(&json!({"a": 1, "b": 2}), &json!({"a": 1, "b": 3}), &[]);
        assert!(d.contains("-b: 2\n") && d.contains("+b: 3\n"), "{d}");
        assert!(unified_diff(&json!({"a": 1}), &json!({"a": 1}), &[]).is_empty());
        let created = unified_diff(&Value::Null, &json!({"a": 1}), &[]);
        assert!(created.contains("+a: 1"), "{created}");
    }

    #[test]
    fn secret_values_are_masked_consistently() {
        let secret = |v: &str| json!({"apiVersion": "v1", "kind": "Secret", "data": {"same": "YQ==", "changed": v}});
        let d = unified_diff(&secret("Yg=="), &secret("Yw=="), &[]);
        assert!(
            !d.contains("YQ==") && !d.contains("Yg==") && !d.contains("Yw=="),
            "{d}"
        );
        assert!(
            d.contains("-  changed: ++++++++++++\n") && d.contains("+  changed: ++++++++\n"),
            "{d}"
        );
        assert!(unified_diff(&secret("Yg=="), &secret("Yg=="), &[]).is_empty());
    }
}
