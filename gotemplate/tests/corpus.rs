//! Conformance against the shared corpora produced by Go itself
//! (`../shared/corpus/helm/`): Go's own text/template exec and parse tests,
//! and Sprig's tests. Fails when the corpora are absent.

use std::path::PathBuf;

use gotemplate::{FuncMap, Function, Param, TemplateSet, Value, parse_tree_string};
use serde_json::Value as Json;

fn corpus(rel: &str) -> Option<Vec<Json>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpus/helm")
        .join(rel);
    let text = std::fs::read_to_string(&path).ok()?;
    Some(
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("corpus line is JSON"))
            .collect(),
    )
}

/// Go's exec tests' fixture (`tVal`, recognisable by its `SICap` field)
/// holds func values, which its JSON rendering drops; these are
/// translated by hand from `exec_test.go`.
fn go_typed_data(data: &Json) -> Value {
    let value = Value::from(data);
    if let Value::Map(m) = &value {
        let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
        if m.get("SICap").is_some() {
            m.insert(
                "BinaryFunc",
                Value::Func(Function::new(
                    &[Param::String, Param::String],
                    None,
                    move |_, a| Ok(Value::from(format!("[{}={}]", text(&a[0]), text(&a[1])))),
                )),
            );
            m.insert(
                "VariadicFunc",
                Value::Func(Function::new(&[], Some(Param::String), move |_, a| {
                    let parts: Vec<String> = a.iter().map(text).collect();
                    Ok(Value::from(format!("<{}>", parts.join("+"))))
                })),
            );
            m.insert(
                "VariadicFuncInt",
                Value::Func(Function::new(
                    &[Param::Int],
                    Some(Param::String),
                    move |_, a| {
                        let parts: Vec<String> = a[1..].iter().map(text).collect();
                        Ok(Value::from(format!(
                            "{}=<{}>",
                            gotemplate::fmt::sprint_value(&a[0]),
                            parts.join("+")
                        )))
                    },
                )),
            );
        }
    }
    value
}

/// Parses the case's defines and template into a set and executes it.
fn run(funcs: FuncMap, name: &str, case: &Json) -> Result<String, String> {
    let mut set = TemplateSet::new(funcs);
    if let Some(defines) = case["defines"].as_object() {
        for (n, body) in defines {
            set.parse(n, body.as_str().unwrap_or_default())
                .map_err(|e| e.to_string())?;
        }
    }
    let text = case["template"].as_str().unwrap_or_default();
    set.parse(name, text).map_err(|e| e.to_string())?;
    set.execute(name, &go_typed_data(&case["data"]))
        .map_err(|e| e.to_string())
}

/// Compares one case; returns a description of the difference.
fn check(case: &Json, got: Result<String, String>) -> Option<String> {
    let want_err = case["expect_error"].as_bool().unwrap_or(false);
    match (&got, want_err) {
        (Ok(out), false) if Some(out.as_str()) == case["expected"].as_str() => None,
        (Err(e), true) if Some(e.as_str()) == case["go_error"].as_str() => None,
        _ => Some(format!(
            "{}: got {:?}, want {}",
            case["id"],
            got,
            if want_err {
                &case["go_error"]
            } else {
                &case["expected"]
            }
        )),
    }
}

fn report(what: &str, total: usize, failures: &[String], min_pass: usize) {
    for f in failures {
        eprintln!("FAIL {f}");
    }
    let pass = total - failures.len();
    println!("{what}: {pass}/{total} pass");
    assert!(pass >= min_pass, "{what}: {pass}/{total} < {min_pass}");
}

#[test]
fn go_exec_cases() {
    let Some(cases) = corpus("gotemplate/cases.jsonl") else {
        panic!(
            "../shared corpus absent; the shared corpora must sit beside the repository (../shared), as CI provides them"
        )
    };
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| {
            // Go's comparison tests all run under the name "empty".
            let name = match c["suite"].as_str() {
                Some("cmp") => "empty",
                _ => c["name"].as_str().unwrap_or("t"),
            };
            check(c, run(FuncMap::new(), name, c))
        })
        .collect();
    report("go exec", cases.len(), &failures, 340);
}

#[test]
fn go_parse_cases() {
    let Some(cases) = corpus("gotemplate/parse_cases.jsonl") else {
        panic!(
            "../shared corpus absent; the shared corpora must sit beside the repository (../shared), as CI provides them"
        )
    };
    let funcs = FuncMap::new();
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| {
            let name = c["name"].as_str().unwrap_or("t");
            let got = parse_tree_string(name, c["template"].as_str().unwrap_or_default(), &funcs)
                .map_err(|e| e.to_string());
            let ok = match (&got, c["ok"].as_bool()) {
                (Ok(tree), Some(true)) => Some(tree.as_str()) == c["expected_tree_q"].as_str(),
                (Err(e), Some(false)) => Some(e.as_str()) == c["go_error"].as_str(),
                (Err(e), None) => c["expected_error_contains"]
                    .as_str()
                    .is_some_and(|w| e.contains(w)),
                _ => false,
            };
            (!ok).then(|| {
                format!(
                    "{}: got {:?}, want {} / {}",
                    c["id"], got, c["expected_tree_q"], c["go_error"]
                )
            })
        })
        .collect();
    report("go parse", cases.len(), &failures, cases.len());
}

#[test]
fn sprig_cases() {
    let Some(cases) = corpus("sprig/cases.jsonl") else {
        panic!(
            "../shared corpus absent; the shared corpora must sit beside the repository (../shared), as CI provides them"
        )
    };
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| check(c, run(FuncMap::sprig(), "test", c)))
        .collect();
    report("sprig", cases.len(), &failures, 335);
}
