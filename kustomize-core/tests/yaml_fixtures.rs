//! Oracle fixtures for the YAML layer: each `fixtures/yaml-*` directory holds
//! resources and the output `kubectl kustomize` printed for them
//! (regenerate with `fixtures/regen.sh`). Parsing the resources and printing
//! them must reproduce that output byte for byte.

mod fixture_support;

use fixture_support::fixture_dirs;
use kustomize_core::yaml::{parse_document, parse_documents, to_yaml_string};
use std::fs;
use std::path::{Path, PathBuf};

/// The resources a fixture's kustomization lists, parsed in order.
fn render(dir: &Path) -> String {
    let input = dir.join("input");
    let kustomization = fs::read_to_string(input.join("kustomization.yaml")).unwrap();
    let kustomization = parse_document(&kustomization).unwrap();
    let mut docs = Vec::new();
    for name in kustomization["resources"]
        .as_array()
        .expect("resources list")
    {
        let path = input.join(name.as_str().expect("resource path"));
        let text = fs::read_to_string(&path).unwrap();
        let parsed = parse_documents(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        docs.extend(parsed);
    }
    to_yaml_string(&docs)
}

#[test]
fn fixtures_match_kubectl_output() {
    let dirs = fixture_dirs(&["yaml-"]);
    assert!(!dirs.is_empty(), "no yaml-* fixtures found");
    let mut failures = Vec::new();
    for dir in &dirs {
        let expected = fs::read_to_string(dir.join("expected.yaml")).unwrap();
        let actual = render(dir);
        if actual != expected {
            failures.push(format!(
                "{}:\n--- expected\n{expected}--- actual\n{actual}",
                dir.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `kubectl kustomize` output is a fixed point: reading it back as resources
/// and printing it again must give the same bytes. Uses the shared
/// conformance corpus.
#[test]
fn conformance_outputs_are_fixed_points() {
    let cases =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/kustomize/cases");
    let entries = fs::read_dir(&cases).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; the shared corpora must sit beside the repository (../shared), as CI provides them",
            cases.display()
        )
    });
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut paths: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    paths.sort();
    for case in paths {
        let Ok(expected) = fs::read_to_string(case.join("expected.yaml")) else {
            continue;
        };
        checked += 1;
        match parse_documents(&expected) {
            Ok(docs) => {
                let actual = to_yaml_string(&docs);
                if actual != expected {
                    failures.push(format!(
                        "{}:\n--- expected\n{expected}--- actual\n{actual}",
                        case.display()
                    ));
                }
            }
            Err(e) => failures.push(format!("{}: {e}", case.display())),
        }
    }
    eprintln!(
        "checked {checked} conformance outputs, {} differ",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every YAML file of a conformance case that `kubectl kustomize` builds
/// must parse: kustomization files with the kustomization rules, the rest
/// as resources.
#[test]
fn conformance_inputs_parse() {
    let cases =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/kustomize/cases");
    let entries = fs::read_dir(&cases).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; the shared corpora must sit beside the repository (../shared), as CI provides them",
            cases.display()
        )
    });
    let mut files = Vec::new();
    for case in entries.filter_map(Result::ok).map(|e| e.path()) {
        if case.join("expected.yaml").is_file() {
            collect_yaml_files(&case.join("input"), &mut files);
        }
    }
    let mut failures = Vec::new();
    for path in &files {
        let Ok(text) = fs::read_to_string(path) else {
            continue;
        };
        let is_kustomization = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("kustomization."));
        let result = if is_kustomization {
            parse_document(&text).map(|_| ())
        } else {
            parse_documents(&text).map(|_| ())
        };
        if let Err(e) = result {
            failures.push(format!("{}: {e}", path.display()));
        }
    }
    eprintln!(
        "parsed {} conformance input files, {} failed",
        files.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn collect_yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for path in entries.filter_map(Result::ok).map(|e| e.path()) {
        if path.is_dir() {
            collect_yaml_files(&path, out);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e == "yaml" || e == "yml")
        {
            out.push(path);
        }
    }
}
