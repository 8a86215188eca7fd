//! The shipped custom-resource rules against `shared/corpus/health-crd` (inputs of
//! Argo CD's Lua health tests). Upstream compares `{status, message}` exactly and
//! calls the script directly, so this calls the rule layer directly too (no
//! pending-deletion check in front).

mod health_support;

use gitops_engine::health::HealthRules;

#[test]
fn shipped_rules_match_crd_corpus() {
    let Some(dir) = health_support::corpus_dir("health-crd") else {
        panic!(
            "shared/corpus/health-crd not found; the shared corpora must sit beside the repository (../shared), as CI provides them"
        )
    };
    let rules = HealthRules::builtin();
    let expected = health_support::expected(&dir);
    let mut failures = Vec::new();
    for (file, entry) in &expected {
        let obj = health_support::load_case(&dir, file);
        let got = rules.custom_health(&obj);
        let got = got.map(|h| (h.status.to_string(), h.message));
        let want = (
            entry["status"].as_str().unwrap_or_default().to_string(),
            entry["message"].as_str().unwrap_or_default().to_string(),
        );
        if got.as_ref() != Some(&want) {
            failures.push(format!("{file}: got {got:?}, want {want:?}"));
        }
    }
    eprintln!(
        "health-crd corpus: {}/{} passed",
        expected.len() - failures.len(),
        expected.len()
    );
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
