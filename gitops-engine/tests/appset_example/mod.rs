//! The bundled `examples/appset-monorepo`, shared by the ApplicationSet tests.
#![allow(dead_code)] // each test binary uses a different subset

use std::path::Path;

use serde_json::Value;

/// The example's directory.
pub fn example() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/appset-monorepo"
    ))
}

/// The example's service directories (every overlay but `base`), sorted.
pub fn service_dirs() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(example().join("deployments"))
        .expect("read deployments")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n != "base")
        .collect();
    names.sort();
    names
}

/// The ApplicationSet CustomResourceDefinition, for an emulator to serve the kind.
pub fn appset_crd() -> Value {
    gitops_engine::appset::reconcile::appset_crd()
}
