//! Whole builds of the `parity-*` fixtures, each a tree on which we once
//! differed from `kubectl kustomize`. A fixture holds `input/` and either
//! `expected.yaml` (what kubectl printed; regenerate with
//! `fixtures/regen.sh`) or `expected.err` (kubectl's error; the build must
//! fail, and our message must contain every line of `expected.contains` when
//! that file exists).

mod fixture_support;

use fixture_support::fixture_dirs;
use kustomize_core::{BuildOptions, build_disk};
use std::fs;
use std::path::Path;

/// What is wrong with our build of one fixture, if anything.
fn check(dir: &Path) -> Option<String> {
    let result = build_disk(&dir.join("input"), &BuildOptions::default());
    if dir.join("expected.err").exists() {
        let message = match result {
            Ok(_) => return Some("built, but kubectl fails on it".into()),
            Err(e) => e.to_string(),
        };
        let wanted = fs::read_to_string(dir.join("expected.contains")).unwrap_or_default();
        return wanted
            .lines()
            .find(|w| !message.contains(w))
            .map(|w| format!("error {message:?} does not contain {w:?}"));
    }
    let expected = fs::read_to_string(dir.join("expected.yaml")).expect("expected.yaml");
    match result {
        Err(e) => Some(format!("kubectl builds it, we fail: {e}")),
        Ok(build) if build.to_yaml() != expected => Some(format!(
            "--- expected\n{expected}--- actual\n{}",
            build.to_yaml()
        )),
        Ok(_) => None,
    }
}

#[test]
fn parity_fixtures_match_kubectl() {
    let dirs = fixture_dirs(&["parity-"]);
    assert!(!dirs.is_empty(), "no parity-* fixtures found");
    let failures: Vec<String> = dirs
        .iter()
        .filter_map(|d| check(d).map(|f| format!("{}: {f}", d.display())))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
