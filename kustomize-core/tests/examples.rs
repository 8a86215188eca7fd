//! The bundled example monorepo renders exactly as `kubectl kustomize`
//! printed it (examples/monorepo/expected/*.yaml, regenerate with
//! `kubectl kustomize examples/monorepo/apps/ENV > examples/monorepo/expected/ENV.yaml`).

use kustomize_core::{BuildOptions, build_disk};
use std::path::Path;

fn check(env: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/monorepo");
    let expected = std::fs::read_to_string(root.join(format!("expected/{env}.yaml"))).unwrap();
    let build = build_disk(&root.join("apps").join(env), &BuildOptions::default())
        .unwrap_or_else(|e| panic!("building apps/{env}: {e}"));
    let got = build.to_yaml();
    if got != expected {
        let line = got.lines().zip(expected.lines()).position(|(a, b)| a != b);
        panic!(
            "apps/{env} differs from kubectl's output (first differing line: {line:?})\n--- got:\n{got}"
        );
    }
}

#[test]
fn example_dev_matches_kubectl() {
    check("dev");
}

#[test]
fn example_prod_matches_kubectl() {
    check("prod");
}
