//! The bundled `examples/appset-monorepo`, shared by the ApplicationSet tests.
#![allow(dead_code)] // each test binary uses a different subset

use std::path::Path;

use serde_json::{Value, json};

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
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "applicationsets.argoproj.io"},
        "spec": {
            "group": "argoproj.io",
            "scope": "Namespaced",
            "names": {"kind": "ApplicationSet", "plural": "applicationsets",
                      "singular": "applicationset", "listKind": "ApplicationSetList"},
            "versions": [{"name": "v1alpha1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object",
                    "x-kubernetes-preserve-unknown-fields": true}}}]
        }
    })
}
