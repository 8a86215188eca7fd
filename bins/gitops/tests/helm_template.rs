//! `gitops helm template` against Helm v3.21's `helm template` goldens
//! (`render_cases.jsonl` of the shared corpus, which must be present): the
//! same stdout, stderr and exit status as the helm binary.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

const HELM_CORPUS: &str = "../../../shared/corpus/helm/helm-v3";

/// Every `helm template` golden of the corpus (23) is reproduced.
const MIN_PASSING: usize = 23;

#[test]
fn helm_template_goldens_through_the_cli() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join(HELM_CORPUS);
    let Ok(text) = std::fs::read_to_string(corpus.join("render_cases.jsonl")) else {
        panic!(
            "{} is absent; the shared corpora must sit beside the repository (../shared), as CI provides them",
            corpus.display()
        )
    };
    let (mut passed, mut failed) = (0, Vec::new());
    for line in text.lines() {
        let case: Value = serde_json::from_str(line).unwrap();
        if case["verb"] != "template" {
            continue;
        }
        let args: Vec<&str> = case["argv"]
            .as_array()
            .unwrap()
            .iter()
            .skip(1)
            .map(|a| a.as_str().unwrap())
            .collect();
        let output = Command::new(env!("CARGO_BIN_EXE_gitops"))
            .arg("helm")
            .arg("template")
            .args(&args)
            .current_dir(&corpus)
            .output()
            .unwrap();
        let got = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let want_error = case["want_error"].as_bool().unwrap();
        if got == case["expected"].as_str().unwrap() && output.status.success() != want_error {
            passed += 1;
        } else {
            failed.push(format!(
                "{}: status {:?}",
                case["name"],
                output.status.code()
            ));
        }
    }
    eprintln!("helm template CLI: {passed} passed; failed: {failed:#?}");
    assert!(
        passed >= MIN_PASSING,
        "{passed} passed, want {MIN_PASSING}: {failed:#?}"
    );
}
