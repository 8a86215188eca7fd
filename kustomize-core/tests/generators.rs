//! Runs the ConfigMap and Secret generators over the `gen-*` fixtures and
//! compares the objects (hashed names included) with what `kubectl
//! kustomize` printed for the same trees (`expected.json`, made by
//! `fixtures/make-gen-fixtures.py`).
//!
//! The fixtures use generators only (no other transformer changes the
//! objects), so generating each layer's entries, absorbing them as kustomize
//! does (create, merge, replace) and hashing the names at the end must give
//! kubectl's output exactly.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use kustomize_core::fs::{DiskFs, LoadRestrictor, Loader};
use kustomize_core::generators::{
    ConfigMapArgs, GeneratorOptions, SecretArgs, add_hash_suffix, generate_config_map,
    generate_secret, merge_generated,
};
use kustomize_core::resource::{GeneratorBehavior, Resource};
use serde_json::Value;

fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Adds a generated object to the accumulated ones: merged into (or
/// replacing) the object of the same kind, name and namespace if there is
/// one and the behavior says so, else appended.
fn absorb(acc: &mut Vec<Resource>, res: Resource) {
    let same = acc.iter_mut().find(|r| {
        r.gvk() == res.gvk() && r.name() == res.name() && r.namespace() == res.namespace()
    });
    match (same, res.behavior) {
        (Some(base), _) => merge_generated(base, res).expect("merge"),
        (None, Some(GeneratorBehavior::Merge | GeneratorBehavior::Replace)) => {
            panic!("nothing to merge {} into", res.id())
        }
        (None, _) => acc.push(res),
    }
}

/// Generates, absorbs and hashes every layer's entries of a fixture.
fn render(name: &str) -> Vec<Value> {
    let dir = fixture_dir(name);
    let input = std::fs::canonicalize(dir.join("input")).expect("input dir");
    let fs: Arc<DiskFs> = Arc::new(DiskFs);
    let mut acc = Vec::new();
    for layer in read_json(&dir.join("layers.json"))
        .as_array()
        .expect("layers list")
    {
        let root = input.join(layer["dir"].as_str().expect("dir"));
        let loader = Loader::new(fs.clone(), root, LoadRestrictor::RootOnly);
        let k = &layer["kustomization"];
        let global: Option<GeneratorOptions> = k
            .get("generatorOptions")
            .map(|o| serde_json::from_value(o.clone()).expect("options"));
        let entries = |field: &str| {
            k.get(field)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        for entry in entries("configMapGenerator") {
            let args: ConfigMapArgs =
                serde_json::from_value(entry).expect("configMapGenerator entry");
            absorb(
                &mut acc,
                generate_config_map(&args, global.as_ref(), &loader).expect("generate"),
            );
        }
        for entry in entries("secretGenerator") {
            let args: SecretArgs = serde_json::from_value(entry).expect("secretGenerator entry");
            absorb(
                &mut acc,
                generate_secret(&args, global.as_ref(), &loader).expect("generate"),
            );
        }
        // Builtin plugin configs listed under `generators:`; the
        // kustomization's generatorOptions do not apply to them.
        for config in layer["generators"].as_array().expect("generators list") {
            let config = config.as_object().expect("plugin config");
            let generated = match config["kind"].as_str() {
                Some("ConfigMapGenerator") => {
                    let args = ConfigMapArgs::from_builtin_config(config).expect("config");
                    generate_config_map(&args, None, &loader)
                }
                Some("SecretGenerator") => {
                    let args = SecretArgs::from_builtin_config(config).expect("config");
                    generate_secret(&args, None, &loader)
                }
                other => panic!("unexpected plugin kind {other:?}"),
            };
            absorb(&mut acc, generated.expect("generate"));
        }
    }
    let mut out: Vec<Value> = acc
        .into_iter()
        .map(|mut r| {
            add_hash_suffix(&mut r).expect("hash");
            Value::Object(r.object)
        })
        .collect();
    out.sort_by_key(sort_key);
    out
}

fn sort_key(v: &Value) -> (String, String, String) {
    let s = |p: &str| {
        v.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    (s("/kind"), s("/metadata/namespace"), s("/metadata/name"))
}

fn check(name: &str) {
    let mut want: Vec<Value> = read_json(&fixture_dir(name).join("expected.json"))
        .as_array()
        .expect("list")
        .clone();
    want.sort_by_key(sort_key);
    let got = render(name);
    assert_eq!(
        got,
        want,
        "{name}: generated objects differ from kubectl's\n got: {}\nwant: {}",
        serde_json::to_string_pretty(&got).unwrap_or_default(),
        serde_json::to_string_pretty(&want).unwrap_or_default()
    );
}

#[test]
fn literals() {
    check("gen-literals");
}

#[test]
fn files() {
    check("gen-files");
}

#[test]
fn env_files() {
    check("gen-envs");
}

#[test]
fn options() {
    check("gen-options");
}

#[test]
fn global_options() {
    check("gen-options-global");
}

#[test]
fn merge_and_replace_over_a_base() {
    check("gen-merge");
}

#[test]
fn merge_and_replace_in_one_kustomization() {
    check("gen-merge-same");
}

#[test]
fn builtin_plugin_configs() {
    check("gen-builtin");
}
