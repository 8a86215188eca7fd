//! Patch fixtures (tests/fixtures/smp-* and json6902-*): inputs written for this crate, with
//! `kubectl kustomize`'s output converted to `case.json` by
//! tools/gen_patch_fixtures.sh. Each is rebuilt with this crate's SMP and
//! JSON 6902 code and must match.

mod fixture_support;
mod patch_cases;

use fixture_support::fixture_dirs;
use patch_cases::{Outcome, run_case};
use serde_json::Value;

#[test]
fn patch_fixtures_match_kubectl() {
    let dirs = fixture_dirs(&["smp-"]);
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
