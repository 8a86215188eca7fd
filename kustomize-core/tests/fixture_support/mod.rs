//! The oracle fixtures under `tests/fixtures`, shared by the fixture tests.

use std::fs;
use std::path::{Path, PathBuf};

/// The fixture directories whose names start with one of `prefixes`, sorted.
pub fn fixture_dirs(prefixes: &[&str]) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut dirs: Vec<PathBuf> = fs::read_dir(&root)
        .expect("fixtures directory")
        .map(|entry| entry.expect("fixtures directory entry").path())
        .filter(|p| {
            p.is_dir()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| prefixes.iter().any(|prefix| n.starts_with(prefix)))
        })
        .collect();
    dirs.sort();
    dirs
}
