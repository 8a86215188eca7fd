//! The bundled `examples/appset-monorepo`, shared by the ApplicationSet tests.

use std::path::Path;

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
