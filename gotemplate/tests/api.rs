//! The embedding API: template sets, functions that reach the executing
//! set (Helm's `include` and `tpl`), options, limits and errors.

use gotemplate::{
    Call, Error, FuncError, FuncMap, Function, Limits, MissingKey, Options, Param, TemplateSet,
    Value,
};
use serde_json::json;

/// Sprig plus `include NAME DATA` and `tpl TEXT DATA` built on [`Call`],
/// the way Helm registers them.
fn helm_funcs() -> FuncMap {
    let mut funcs = FuncMap::sprig();
    funcs.insert(
        "include",
        Function::new(
            &[Param::String, Param::Any],
            None,
            |call: &mut Call<'_>, a| {
                let name = a[0].as_str().unwrap_or_default().to_string();
                Ok(Value::from(call.execute_template(&name, a[1].clone())?))
            },
        ),
    );
    funcs.insert(
        "tpl",
        Function::new(
            &[Param::String, Param::Any],
            None,
            |call: &mut Call<'_>, a| {
                let text = a[0].as_str().unwrap_or_default().to_string();
                let name = call.template_name().to_string();
                Ok(Value::from(call.execute_text(
                    &name,
                    &text,
                    a[1].clone(),
                )?))
            },
        ),
    );
    funcs
}

fn render(set: &TemplateSet, name: &str, data: serde_json::Value) -> Result<String, Error> {
    set.execute(name, &Value::from(data))
}

#[test]
fn include_executes_a_named_template_of_the_set() {
    let mut set = TemplateSet::new(helm_funcs());
    set.parse(
        "_helpers.tpl",
        r#"{{define "name"}}{{.Chart.Name | trunc 5}}{{end}}"#,
    )
    .unwrap();
    set.parse(
        "deploy.yaml",
        r#"name: {{ include "name" . | upper | quote }}"#,
    )
    .unwrap();
    let out = render(
        &set,
        "deploy.yaml",
        json!({"Chart": {"Name": "demo-chart"}}),
    )
    .unwrap();
    assert_eq!(out, r#"name: "DEMO-""#);
}

#[test]
fn tpl_parses_text_into_a_copy_and_sees_the_defines() {
    let mut set = TemplateSet::new(helm_funcs());
    set.parse("_helpers.tpl", r#"{{define "host"}}{{.host}}{{end}}"#)
        .unwrap();
    set.parse(
        "t",
        r#"{{ tpl .Values.url .Values }}|{{ tpl "{{define \"x\"}}X{{end}}{{template \"x\"}}" . }}"#,
    )
    .unwrap();
    let out = render(
        &set,
        "t",
        json!({"Values": {"url": "https://{{ include \"host\" . }}/", "host": "h.example"}}),
    )
    .unwrap();
    assert_eq!(out, "https://h.example/|X");
    // The definition made inside tpl stays in its copy.
    assert!(!set.contains("x"));
}

#[test]
fn errors_inside_include_keep_go_text() {
    let mut set = TemplateSet::new(helm_funcs());
    set.parse("inner", "{{ .a.b.c }}").unwrap();
    set.parse("outer", r#"{{ include "inner" .x }}"#).unwrap();
    let err = render(&set, "outer", json!({"x": {"a": "str"}})).unwrap_err();
    assert_eq!(
        err.to_string(),
        "template: outer:1:3: executing \"outer\" at <include \"inner\" .x>: error calling include: \
         template: inner:1:5: executing \"inner\" at <.a.b.c>: can't evaluate field b in type interface {}"
    );
}

#[test]
fn recursion_depth_is_bounded() {
    let mut set = TemplateSet::new(helm_funcs()).with_options(Options {
        limits: Limits {
            max_depth: 30,
            ..Limits::default()
        },
        ..Options::default()
    });
    set.parse("loop", r#"{{ include "loop" . }}"#).unwrap();
    let err = render(&set, "loop", json!({})).unwrap_err().to_string();
    assert!(
        err.contains("exceeded maximum template depth (30)"),
        "{err}"
    );
    set.parse(
        "t",
        r#"{{define "r"}}{{template "r" .}}{{end}}{{template "r" .}}"#,
    )
    .unwrap();
    let err = render(&set, "t", json!({})).unwrap_err().to_string();
    assert!(
        err.contains("exceeded maximum template depth (30)"),
        "{err}"
    );
}

#[test]
fn output_and_range_are_bounded() {
    let limits = Limits {
        max_output: 1000,
        max_range: 100,
        ..Limits::default()
    };
    let mut set = TemplateSet::new(FuncMap::sprig()).with_options(Options {
        limits,
        ..Options::default()
    });
    set.parse("big", r#"{{ range until 50 }}{{ repeat 50 "x" }}{{ end }}"#)
        .unwrap();
    let err = render(&set, "big", json!({})).unwrap_err().to_string();
    assert!(
        err.contains("output exceeds the limit of 1000 bytes"),
        "{err}"
    );
    set.parse("repeat", r#"{{ repeat 100000 "x" }}"#).unwrap();
    let err = render(&set, "repeat", json!({})).unwrap_err().to_string();
    assert!(err.contains("exceeds the output limit"), "{err}");
    set.parse("until", r#"{{ until 1000 | len }}"#).unwrap();
    assert!(render(&set, "until", json!({})).is_err());
    set.parse("range", r#"{{ range 1000000000 }}x{{ end }}"#)
        .unwrap();
    let err = render(&set, "range", json!({})).unwrap_err().to_string();
    assert!(err.contains("exceeds the limit of 100"), "{err}");
}

#[test]
fn maps_holding_themselves_print_in_bounded_work() {
    let mut set = TemplateSet::new(FuncMap::sprig()).with_options(Options {
        limits: Limits {
            max_output: 1 << 16,
            ..Limits::default()
        },
        ..Options::default()
    });
    // Go overflows its stack here; the inner occurrence prints as `map[...]`.
    set.parse(
        "cycle",
        r#"{{ $d := dict "k" 1 }}{{ $_ := set $d "self" $d }}{{ $d }}"#,
    )
    .unwrap();
    assert_eq!(
        render(&set, "cycle", json!({})).unwrap(),
        "map[k:1 self:map[...]]"
    );
    // Without a cycle, sharing doubles the size per level: printing stops
    // at the output limit.
    let mut text = String::from(r#"{{ $m := dict "x" 1 }}"#);
    for _ in 0..40 {
        text.push_str(r#"{{ $m = dict "a" $m "b" $m }}"#);
    }
    text.push_str("{{ $m }}");
    set.parse("dag", &text).unwrap();
    let err = render(&set, "dag", json!({})).unwrap_err().to_string();
    assert!(err.contains("output exceeds the limit"), "{err}");
}

#[test]
fn missingkey_options() {
    let text = "{{ .missing }}";
    let mut set = TemplateSet::new(FuncMap::new());
    set.parse("t", text).unwrap();
    assert_eq!(render(&set, "t", json!({})).unwrap(), "<no value>");
    set.set_options(Options {
        missing_key: MissingKey::Zero,
        ..Options::default()
    });
    assert_eq!(render(&set, "t", json!({})).unwrap(), "<no value>");
    set.set_options(Options {
        missing_key: MissingKey::Error,
        ..Options::default()
    });
    assert_eq!(
        render(&set, "t", json!({})).unwrap_err().to_string(),
        "template: t:1:3: executing \"t\" at <.missing>: map has no entry for key \"missing\""
    );
}

#[test]
fn numbers_keep_go_types() {
    let mut set = TemplateSet::new(FuncMap::sprig());
    set.parse(
        "t",
        r#"{{ .n }} {{ 1000000 }} {{ .n | printf "%d" }} {{ len .l | printf "%T" }} {{ add 1 2 | printf "%T" }} {{ .f }}"#,
    )
    .unwrap();
    assert_eq!(
        render(&set, "t", json!({"n": 1000000, "l": [1], "f": 0.1})).unwrap(),
        "1e+06 1000000 %!d(float64=1e+06) int int64 0.1"
    );
}

#[test]
fn functions_can_be_added_replaced_and_removed() {
    let mut funcs = FuncMap::sprig();
    assert!(funcs.contains("upper") && !funcs.contains("env"));
    funcs.remove("upper");
    funcs.insert(
        "shout",
        Function::new(&[Param::String], None, |_, a| {
            let s = a[0].as_str().unwrap_or_default();
            if s.is_empty() {
                return Err(FuncError::new("nothing to shout"));
            }
            Ok(Value::from(format!("{s}!")))
        }),
    );
    let mut set = TemplateSet::new(funcs);
    assert_eq!(
        set.parse("t", "{{ upper .x }}").unwrap_err().to_string(),
        "template: t:1: function \"upper\" not defined"
    );
    set.parse("t", "{{ shout .x }}").unwrap();
    assert_eq!(render(&set, "t", json!({"x": "hey"})).unwrap(), "hey!");
    assert_eq!(
        render(&set, "t", json!({"x": ""})).unwrap_err().to_string(),
        "template: t:1:3: executing \"t\" at <shout .x>: error calling shout: nothing to shout"
    );
    assert_eq!(
        render(&set, "t", json!({"x": 3})).unwrap_err().to_string(),
        "template: t:1:9: executing \"t\" at <.x>: wrong type for value; expected string; got float64"
    );
}

#[test]
fn maps_are_shared_like_go_maps() {
    let mut set = TemplateSet::new(FuncMap::sprig());
    set.parse(
        "t",
        r#"{{ $_ := set .cfg "added" 1 }}{{ range $k, $v := .cfg }}{{ $k }}={{ $v }};{{ end }}"#,
    )
    .unwrap();
    let data = Value::from(json!({"cfg": {"b": true, "a": "x"}}));
    assert_eq!(set.execute("t", &data).unwrap(), "a=x;added=1;b=true;");
    // The caller's value saw the change too, as Go's map would.
    assert_eq!(data.to_json()["cfg"]["added"], json!(1));
}

#[test]
fn struct_methods_take_arguments() {
    let files = gotemplate::Struct {
        type_name: "chart.Files".into(),
        fields: vec![],
        methods: vec![(
            "Get".into(),
            Function::new(&[Param::String], None, |_, a| {
                Ok(Value::from(format!(
                    "<{}>",
                    a[0].as_str().unwrap_or_default()
                )))
            }),
        )],
    };
    let data = gotemplate::Map::new();
    data.insert("Files", Value::Struct(std::sync::Arc::new(files)));
    let mut set = TemplateSet::new(FuncMap::sprig());
    set.parse("t", r#"{{ .Files.Get "conf/app.ini" | upper }}"#)
        .unwrap();
    assert_eq!(
        set.execute("t", &Value::Map(data)).unwrap(),
        "<CONF/APP.INI>"
    );
}

#[test]
fn parse_errors_leave_the_set_unchanged_and_name_the_line() {
    let mut set = TemplateSet::new(FuncMap::sprig());
    set.parse("t", "ok").unwrap();
    let err = set.parse("t", "line1\n{{ if .x }}\n{{ .y }}").unwrap_err();
    assert_eq!(err.to_string(), "template: t:3: unexpected EOF");
    assert_eq!(render(&set, "t", json!({})).unwrap(), "ok");
    assert_eq!(
        render(&set, "nope", json!({})).unwrap_err().to_string(),
        "template: no template \"nope\" associated with template \"nope\""
    );
}
