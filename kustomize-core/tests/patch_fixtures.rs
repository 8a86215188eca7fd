//! Patch fixtures (tests/fixtures/smp-* and json6902-*): inputs written for this crate, with
//! `kubectl kustomize`'s output converted to `case.json` by
//! tools/gen_patch_fixtures.sh. Each is rebuilt with this crate's SMP and
//! JSON 6902 code and must match.

mod patch_cases;

use patch_cases::{Outcome, run_case};
use serde_json::Value;
use std::path::Path;

#[test]
fn patch_fixtures_match_kubectl() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .expect("fixtures directory")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("smp-"))
        })
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= 10,
        "expected the smp-* fixtures, found {}",
        dirs.len()
    );
    let mut failures = Vec::new();
    for dir in &dirs {
        let text = std::fs::read_to_string(dir.join("case.json")).expect("case.json");
        let case: Value = serde_json::from_str(&text).expect("case.json is JSON");
        match run_case(&case) {
            Outcome::Pass => {}
            Outcome::Fail(why) => failures.push(format!("{}: {why}", dir.display())),
            Outcome::Skip(why) => failures.push(format!("{}: not runnable: {why}", dir.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
