//! The built-in rules against `shared/corpus/health` (upstream engine test fixtures).
//!
//! Where the standalone engine and current Argo CD differ (`newer_upstream`), the
//! newer result is expected. Messages are checked against `message` when upstream
//! asserts one, else against `message_derived` (traced by hand from upstream rules).

mod health_support;

use gitops_engine::health::{HealthRules, health};
use serde_json::Value;

fn expectation(entry: &Value) -> (Option<String>, Option<String>) {
    let source = entry.get("newer_upstream").unwrap_or(entry);
    let status = source["status"].as_str().map(str::to_string);
    let message = if source.get("message").is_some_and(|m| !m.is_null()) {
        source["message"].as_str().map(str::to_string)
    } else {
        source["message_derived"].as_str().map(str::to_string)
    };
    (status, message)
}

#[test]
fn builtin_health_matches_corpus() {
    let Some(dir) = health_support::corpus_dir("health") else {
        panic!(
            "shared/corpus/health not found; the shared corpora must sit beside the repository (../shared), as CI provides them"
        )
    };
    // Upstream tests the engine without health customizations, so no shipped rules.
    let rules = HealthRules::kubernetes_only();
    let expected = health_support::expected(&dir);
    let mut failures = Vec::new();
    let (mut status_ok, mut message_ok, mut messages_checked) = (0, 0, 0);
    for (file, entry) in &expected {
        let obj = health_support::load_case(&dir, file);
        let got = health(&obj, &rules);
        let (want_status, want_message) = expectation(entry);
        let got_status = got.as_ref().map(|h| h.status.to_string());
        if got_status == want_status {
            status_ok += 1;
        } else {
            failures.push(format!(
                "{file}: status {got_status:?}, want {want_status:?}"
            ));
        }
        if let (Some(want), Some(got)) = (&want_message, &got) {
            messages_checked += 1;
            if &got.message == want {
                message_ok += 1;
            } else {
                failures.push(format!("{file}: message {:?}, want {want:?}", got.message));
            }
        }
    }
    eprintln!(
        "health corpus: status {status_ok}/{} passed, message {message_ok}/{messages_checked} passed",
        expected.len()
    );
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
