//! The Secret masking cases of the shared diff corpus
//! (`corpus/diff/secret-masking.json`). Fails when the corpus is absent.

use std::fs;
use std::path::{Path, PathBuf};

use gitops_engine::diff::{LAST_APPLIED_ANNOTATION, hide_secret_data};
use serde_json::Value;

fn corpus_file() -> PathBuf {
    let candidates = [
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/diff/secret-masking.json"),
        PathBuf::from("/work/shared/corpus/diff/secret-masking.json"),
    ];
    let found = candidates.into_iter().find(|p| p.is_file());
    found.unwrap_or_else(|| panic!("corpus/diff/secret-masking.json not found; the shared corpora must sit beside the repository (../shared), as CI provides them"))
}

fn opt(v: &Value) -> Option<&Value> {
    (!v.is_null()).then_some(v)
}

/// The value an expectation key names: `target.data`, `live.annotations`,
/// `live.lastApplied.data`, ...
fn select(key: &str, target: &Option<Value>, live: &Option<Value>) -> Value {
    let (side, rest) = key.split_once('.').expect("expectation key has a side");
    let obj = match side {
        "target" => target.clone(),
        "live" => live.clone(),
        other => panic!("unknown side {other}"),
    }
    .unwrap_or(Value::Null);
    let (obj, field) = match rest.split_once('.') {
        Some(("lastApplied", field)) => {
            let text = obj
                .pointer("/metadata/annotations")
                .and_then(|a| a.get(LAST_APPLIED_ANNOTATION))
                .and_then(Value::as_str)
                .expect("last-applied annotation");
            (
                serde_json::from_str(text).expect("last-applied JSON"),
                field,
            )
        }
        _ => (obj, rest),
    };
    match field {
        "data" => obj.get("data").cloned().unwrap_or(Value::Null),
        "annotations" => obj
            .pointer("/metadata/annotations")
            .cloned()
            .unwrap_or(Value::Null),
        other => panic!("unknown field {other}"),
    }
}

/// Annotation expectations list the keys they check; data expectations are
/// exact.
fn matches(key: &str, got: &Value, want: &Value) -> bool {
    match (key.ends_with("annotations"), got, want) {
        (true, Value::Object(g), Value::Object(w)) => w.iter().all(|(k, v)| g.get(k) == Some(v)),
        _ => got == want,
    }
}

#[test]
fn secret_masking_corpus() {
    let path = corpus_file();
    let corpus: Value = serde_json::from_str(&fs::read_to_string(&path).expect("read corpus"))
        .expect("corpus JSON");
    let cases = corpus["cases"].as_array().expect("cases");
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap_or("?");
        let hide: Vec<String> =
            serde_json::from_value(case["hideAnnotations"].clone()).unwrap_or_default();
        let (target, live) = hide_secret_data(opt(&case["target"]), opt(&case["live"]), &hide);
        for (key, want) in case["expect"].as_object().expect("expect") {
            let got = select(key, &target, &live);
            if !matches(key, &got, want) {
                failures.push(format!("{name}: {key} = {got}, want {want}"));
            }
        }
    }
    eprintln!(
        "secret masking: {} cases, {} failed expectations",
        cases.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
