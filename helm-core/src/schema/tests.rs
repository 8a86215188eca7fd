//! Schema validation against the `helm install` goldens of Helm's schema test charts.

use super::*;
use crate::chart::load;
use crate::dependencies::process_dependencies;
use crate::test_support::helm_corpus as corpus;
use crate::values::{ValueOptions, coalesce_values};
use kustomize_core::fs::DiskFs;
use std::path::Path;

/// The error text `helm install` printed for a case of `cases.jsonl`, without
/// `Error: INSTALLATION FAILED: ` and the final newline.
fn install_error(corpus: &Path, argv: &[&str]) -> String {
    let cases = std::fs::read_to_string(corpus.join("cases.jsonl")).unwrap();
    for line in cases.lines() {
        let case: Value = serde_json::from_str(line).unwrap();
        let case_argv: Vec<&str> = case["argv"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if case_argv == argv {
            let text = case["expected"].as_str().unwrap();
            return text
                .strip_prefix("Error: INSTALLATION FAILED: ")
                .unwrap()
                .strip_suffix('\n')
                .unwrap()
                .to_string();
        }
    }
    panic!("no case {argv:?}");
}

fn check(corpus: &Path, chart: &str, options: ValueOptions, argv: &[&str]) -> Result<()> {
    let mut chart = load(&DiskFs, &corpus.join("testdata/testcharts").join(chart)).unwrap();
    let user = options.merge(&DiskFs, corpus).unwrap();
    process_dependencies(&mut chart, &user).unwrap();
    let values = coalesce_values(&chart, &user).unwrap();
    let result = validate_values(&chart, &values);
    if !argv.is_empty() {
        assert_eq!(
            result.as_ref().unwrap_err().to_string(),
            install_error(corpus, argv)
        );
    }
    result
}

#[test]
fn schema_goldens() {
    let corpus = corpus();
    let set = |v: &[&str]| ValueOptions {
        values: v.iter().map(|s| s.to_string()).collect(),
        ..ValueOptions::default()
    };
    check(
        &corpus,
        "chart-with-schema-negative",
        ValueOptions::default(),
        &[
            "install",
            "schema",
            "testdata/testcharts/chart-with-schema-negative",
        ],
    )
    .unwrap_err();
    check(
        &corpus,
        "chart-with-schema",
        ValueOptions {
            value_files: vec!["testdata/testcharts/chart-with-schema/extra-values.yaml".into()],
            ..ValueOptions::default()
        },
        &[
            "install",
            "schema",
            "testdata/testcharts/chart-with-schema",
            "-f",
            "testdata/testcharts/chart-with-schema/extra-values.yaml",
        ],
    )
    .unwrap_err();
    check(
        &corpus,
        "chart-with-schema",
        set(&["age=-5"]),
        &[
            "install",
            "schema",
            "testdata/testcharts/chart-with-schema",
            "--set",
            "age=-5",
        ],
    )
    .unwrap_err();
    check(
        &corpus,
        "chart-with-schema-and-subchart",
        ValueOptions::default(),
        &[
            "install",
            "schema",
            "testdata/testcharts/chart-with-schema-and-subchart",
        ],
    )
    .unwrap_err();
    check(
        &corpus,
        "chart-with-schema-and-subchart",
        set(&["lastname=doe", "subchart-with-schema.age=-25"]),
        &[
            "install",
            "schema",
            "testdata/testcharts/chart-with-schema-and-subchart",
            "--set",
            "lastname=doe",
            "--set",
            "subchart-with-schema.age=-25",
        ],
    )
    .unwrap_err();
    check(&corpus, "chart-with-schema", ValueOptions::default(), &[]).unwrap();
    check(
        &corpus,
        "chart-with-schema-and-subchart",
        set(&["lastname=doe", "subchart-with-schema.age=25"]),
        &[],
    )
    .unwrap();
}
