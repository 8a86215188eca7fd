//! Shared helpers for the health corpus tests: locating `shared/corpus` and reading
//! cases.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The corpus directory `name` under the shared tree, if present: next to the
/// repository (`<repo>/../shared`), or at `/work/shared`.
pub fn corpus_dir(name: &str) -> Option<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    [
        manifest.join("../../shared/corpus"),
        manifest.join("../shared/corpus"),
        PathBuf::from("/work/shared/corpus"),
    ]
    .into_iter()
    .map(|root| root.join(name))
    .find(|dir| dir.join("expected.json").is_file())
}

/// The parsed `expected.json` of a corpus, as an ordered map from case file name.
pub fn expected(dir: &Path) -> serde_json::Map<String, Value> {
    let text = std::fs::read_to_string(dir.join("expected.json")).expect("read expected.json");
    match serde_json::from_str(&text).expect("parse expected.json") {
        Value::Object(map) => map,
        other => panic!("expected.json is not an object: {other}"),
    }
}

/// A case's live object. Duplicate keys keep the last value, as Kubernetes' YAML
/// decoding does (one upstream fixture repeats `updateStrategy`).
pub fn load_case(dir: &Path, file: &str) -> Value {
    let text = std::fs::read_to_string(dir.join("cases").join(file)).expect("read case");
    let options = serde_saphyr::options! {
        duplicate_keys: serde_saphyr::options::DuplicateKeyPolicy::LastWins,
    };
    serde_saphyr::from_str_with_options(&text, options)
        .unwrap_or_else(|e| panic!("parse {file}: {e}"))
}
