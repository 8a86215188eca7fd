//! Human-readable output: a YAML rendering of objects and a unified diff of
//! normalised live against predicted live.

use serde_json::Value;
use similar::TextDiff;

use super::normalize::sorted_keys;
use super::secrets::hide_secret_data;

/// Renders `value` as block-style YAML with sorted keys (the layout
/// `kubectl` and Argo CD print: list items at their key's indentation),
/// with kustomize-core's emitter.
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    kustomize_core::yaml::emit_document(&sorted_keys(value), &mut out);
    out
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
        // `-b` stays plain: go-yaml (libyaml's emitter) takes `-` as an
        // indicator only before a space.
        let expected = "metadata:\n  labels:\n    x: \"1\"\n  name: a\nspec:\n  args:\n  - a\n  - -b\n  empty: {}\n  flag: \"true\"\n  \"n\": null\n  none: []\n  ports:\n  - name: http\n    port: 80\n  script: |\n    line1\n    line2\n";
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
