//! Helm's function tests (`funcs_cases.jsonl`, rows with plain JSON data)
//! and the data functions on their own.

use super::*;
use gotemplate::TemplateSet;
use serde_json::json;
use std::path::Path;

const FUNCS_CASES: &str = "../../shared/corpus/helm/helm-v3/funcs_cases.jsonl";

fn helm_funcs() -> FuncMap {
    let mut funcs = FuncMap::sprig();
    register(&mut funcs);
    funcs
}

/// The Go-typed data of the rows with `data_unresolved`, translated by hand.
fn translated_data(unresolved: &str) -> Option<Value> {
    match unresolved {
        // map[string]interface{}{"baz": []int{1, 2, 3}}
        r#"map [ string ] interface { } { "baz" : [ ] int { 1 , 2 , 3 } }"# => {
            Some(to_template_value(&json!({"baz": [1, 2, 3]})))
        }
        _ => None,
    }
}

#[test]
fn funcs_corpus() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(FUNCS_CASES);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; the shared corpora must sit beside the repository (../shared), as CI provides them",
            path.display()
        )
    });
    let funcs = helm_funcs();
    let (mut passed, mut failed) = (0, Vec::new());
    for line in text.lines() {
        let case: Json = serde_json::from_str(line).unwrap();
        let template = case["template"].as_str().unwrap();
        let data = match (case.get("data"), case["data_unresolved"].as_str()) {
            (Some(data), _) => Value::from(data),
            (None, Some(unresolved)) => translated_data(unresolved)
                .unwrap_or_else(|| panic!("{template}: untranslated data {unresolved}")),
            (None, None) => panic!("{template}: no data"),
        };
        let mut set = TemplateSet::new(funcs.clone());
        let result = set
            .parse("t", template)
            .and_then(|_| set.execute("t", &data));
        match result {
            Ok(out) if out == case["expected"].as_str().unwrap() => passed += 1,
            other => failed.push(format!(
                "{template} => {other:?}, want {}",
                case["expected"]
            )),
        }
    }
    eprintln!("funcs corpus: {passed} passed");
    assert!(failed.is_empty(), "{failed:#?}");
    assert_eq!(passed, text.lines().count());
}

#[test]
fn yaml_and_json_round_trips() {
    assert_eq!(to_yaml(&json!({"foo": "bar"})), "foo: bar");
    assert_eq!(
        to_yaml(&json!({"a": [1, {"b": null}], "c": "yes"})),
        "a:\n- 1\n- b: null\nc: \"yes\""
    );
    assert_eq!(to_yaml(&json!({})), "{}");
    assert_eq!(from_yaml("hello: world"), json!({"hello": "world"}));
    assert_eq!(from_yaml(""), json!({}));
    assert_eq!(
        from_yaml("- one\n- two\n"),
        json!({"Error": "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}"})
    );
    assert!(
        from_yaml("a: [")["Error"]
            .as_str()
            .unwrap()
            .starts_with("error converting YAML to JSON: yaml: ")
    );
    assert_eq!(from_yaml_array("- one\n- 2\n"), json!(["one", 2.0]));
    assert_eq!(from_json("{\"a\": 1}"), json!({"a": 1.0}));
    assert_eq!(
        from_json(""),
        json!({"Error": "unexpected end of JSON input"})
    );
    assert_eq!(
        from_json("x"),
        json!({"Error": "invalid character 'x' looking for beginning of value"})
    );
    assert_eq!(
        from_json_array("{\"hello\": \"world\"}"),
        json!(["json: cannot unmarshal object into Go value of type []interface {}"])
    );
}

fn render(template: &str, data: Json) -> Result<String, gotemplate::Error> {
    let mut set = TemplateSet::new(helm_funcs());
    set.parse("main", r#"{{define "helper"}}[{{.}}]{{end}}"#)?;
    set.parse("t", template)?;
    set.execute("t", &to_template_value(&data))
}

#[test]
fn include_tpl_required_fail() {
    assert_eq!(
        render(r#"{{ include "helper" .x }}"#, json!({"x": 1})).unwrap(),
        "[1]"
    );
    assert_eq!(
        render(r#"{{ tpl "{{ .y }}-{{ .z }}" . }}"#, json!({"y": "a"})).unwrap(),
        "a-"
    );
    assert_eq!(
        render(r#"{{ required "need x" .x }}"#, json!({"x": "v"})).unwrap(),
        "v"
    );
    let err = render(r#"{{ required "need x" .x }}"#, json!({}))
        .unwrap_err()
        .to_string();
    assert!(err.contains("HELM_ERR_STARTneed xHELM_ERR_END"), "{err}");
    let err = render(r#"{{ fail "boom" }}"#, json!({}))
        .unwrap_err()
        .to_string();
    assert!(err.contains("HELM_ERR_STARTboomHELM_ERR_END"), "{err}");
    let err = render(r#"{{ tpl "{{ .a" . }}"#, json!({}))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cannot parse template \"{{ .a\": template: gotpl:1:"),
        "{err}"
    );
    assert_eq!(
        render(r#"{{ lookup "v1" "Pod" "ns" "x" | len }}"#, json!({})).unwrap(),
        "0"
    );
}

fn render_with_options(template: &str, data: Json) -> Result<String, gotemplate::Error> {
    let options = gotemplate::Options {
        limits: gotemplate::Limits {
            max_depth: MAX_TEMPLATE_DEPTH,
            ..gotemplate::Limits::default()
        },
        ..gotemplate::Options::default()
    };
    let mut set = TemplateSet::new(helm_funcs()).with_options(options);
    set.parse(
        "main",
        r#"{{define "r"}}{{if .}}{{include "r" (rest .)}}{{end}}{{end}}"#,
    )?;
    set.parse("t", template)?;
    set.execute("t", &to_template_value(&data))
}

#[test]
fn include_nests_a_name_as_deep_as_helm() {
    // 1001 nested includes of "r" render, as in Helm (its count starts at
    // one and fails when it is past 1000 on entry).
    assert_eq!(
        render_with_options(r#"{{ include "r" (until 1000) }}"#, json!({})).unwrap(),
        ""
    );
    let err = render_with_options(r#"{{ include "r" (until 1001) }}"#, json!({}))
        .unwrap_err()
        .to_string();
    assert!(
        err.ends_with(
            "error calling include: rendering template has a nested reference name: r: unable to execute template"
        ),
        "{}",
        &err[err.len().saturating_sub(300)..]
    );
}

#[test]
fn tpl_recursion_is_bounded() {
    // Helm recurses until the Go runtime aborts; here the depth bound ends it.
    let err = render_with_options(r#"{{ tpl .t . }}"#, json!({"t": "{{ tpl .t . }}"}))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&format!(
            "exceeded maximum template depth ({MAX_TEMPLATE_DEPTH})"
        )),
        "{}",
        &err[..err.len().min(300)]
    );
}

#[test]
fn to_json_is_gos_marshal() {
    let out = render(
        r#"{{ toJson . }}"#,
        json!({"b": 1.5, "a": "<&>", "c": [1e21]}),
    )
    .unwrap();
    assert_eq!(out, r#"{"a":"\u003c\u0026\u003e","b":1.5,"c":[1e+21]}"#);
}
