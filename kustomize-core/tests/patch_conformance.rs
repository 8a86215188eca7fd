//! Patch cases of the shared kustomize conformance corpus: every case whose
//! kustomizations only list resources and patches (and has a patch) is rebuilt
//! with this crate's SMP and JSON 6902 code and compared with
//! `kubectl kustomize`'s output. Fails when the corpus (../shared) or python3
//! with PyYAML is absent.

mod patch_cases;

use patch_cases::{Outcome, convert, has_patches, run_case};
use std::path::{Path, PathBuf};

/// Cases that fail for reasons outside patching, with the reason.
const OUT_OF_SCOPE: &[(&str, &str)] = &[
    (
        "basic_io_test__TestBasicIO_1",
        "kustomize turns non-string annotation values into strings on load",
    ),
    (
        "gvknpatch_test__TestNameReferenceAfterGvknChange",
        "needs the name reference transformer",
    ),
];

#[test]
fn shared_corpus_patch_cases() {
    let root =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/kustomize/cases");
    let Ok(entries) = std::fs::read_dir(&root) else {
        panic!(
            "no corpus at {}; the shared corpora must sit beside the repository (../shared), as CI provides them",
            root.display()
        )
    };
    let mut dirs: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    dirs.sort();
    let Some(cases) = convert(&dirs) else {
        panic!("python3 with PyYAML is needed to convert the cases (CI installs python3-yaml)")
    };
    let (mut passed, mut failed, mut skipped) = (Vec::new(), Vec::new(), 0);
    for (dir, case) in dirs.iter().zip(&cases) {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // The corpus's failing cases fail on loading (files, ids, schema
        // options), which this harness does not model.
        let oracle_fails = case.get("expected_error").is_some();
        if OUT_OF_SCOPE.iter().any(|(n, _)| *n == name) || oracle_fails || !has_patches(case) {
            skipped += 1;
            continue;
        }
        match run_case(case) {
            Outcome::Pass => passed.push(name),
            Outcome::Fail(why) => failed.push(format!("{name}: {why}")),
            Outcome::Skip(why) => {
                eprintln!("  skip {name}: {why}");
                skipped += 1;
            }
        }
    }
    eprintln!(
        "corpus patch cases: {} passed, {} failed, {skipped} skipped",
        passed.len(),
        failed.len()
    );
    for p in &passed {
        eprintln!("  pass {p}");
    }
    assert!(failed.is_empty(), "failing cases:\n{}", failed.join("\n\n"));
}
