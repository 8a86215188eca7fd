//! Applies the patches of a kustomize case (as `tools/patch_case_json.py`
//! describes it) with this crate's SMP and JSON 6902 code, the way kustomize's
//! patch transformers pick targets and restore ids, and compares the result
//! with the oracle's output.

// Shared by several test binaries, each of which uses part of it.
#![allow(dead_code)]

use kustomize_core::json6902;
use kustomize_core::smp::{self, Schema};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What running one case gave.
pub enum Outcome {
    /// The output matched the oracle's.
    Pass,
    /// It did not; the text says how.
    Fail(String),
    /// The case needs more than resources and patches.
    Skip(String),
}

/// Converts case directories with `tools/patch_case_json.py`, one python run
/// for all; `None` when python3 with PyYAML cannot run it.
pub fn convert(dirs: &[PathBuf]) -> Option<Vec<Value>> {
    let tool = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/patch_case_json.py");
    let output = Command::new("python3")
        .arg(&tool)
        .args(dirs)
        .output()
        .ok()?;
    if !output.status.success() {
        eprintln!(
            "patch_case_json.py failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        return None;
    }
    let all: Value = serde_json::from_slice(&output.stdout).ok()?;
    if dirs.len() == 1 {
        return Some(vec![all]);
    }
    dirs.iter().map(|d| all.get(d.to_str()?).cloned()).collect()
}

/// Builds a converted case and compares the result with the oracle's.
pub fn run_case(case: &Value) -> Outcome {
    if let Some(why) = case.get("unsupported").and_then(Value::as_str) {
        return Outcome::Skip(why.to_owned());
    }
    let custom;
    let schema = match outermost_openapi(case) {
        Some(doc) => match Schema::with_custom(doc) {
            Ok(s) => {
                custom = s;
                &custom
            }
            Err(e) => return Outcome::Fail(format!("schema: {e}")),
        },
        None => Schema::builtin(),
    };
    let result = build(case, schema);
    if let Some(err) = case.get("expected_error").and_then(Value::as_str) {
        return match result {
            Err(Unsupported(why)) if !why.starts_with("skip:") => Outcome::Pass,
            _ => Outcome::Fail(format!(
                "the oracle fails ({}) but the patches applied",
                err.trim()
            )),
        };
    }
    let got = match result {
        Ok(v) => v,
        Err(Unsupported(why)) if why.starts_with("skip:") => return Outcome::Skip(why),
        Err(Unsupported(why)) => return Outcome::Fail(why),
    };
    let expected = case["expected"].as_array().cloned().unwrap_or_default();
    let mut got_s: Vec<String> = got.iter().map(canonical).collect();
    let mut exp_s: Vec<String> = expected.iter().map(canonical).collect();
    got_s.sort();
    exp_s.sort();
    if got_s == exp_s {
        Outcome::Pass
    } else {
        Outcome::Fail(format!(
            "got:\n{}\nexpected:\n{}",
            got_s.join("\n"),
            exp_s.join("\n")
        ))
    }
}

/// True when any kustomization of the case has a patch.
pub fn has_patches(layer: &Value) -> bool {
    layer["patches"].as_array().is_some_and(|p| !p.is_empty())
        || layer["resources"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r.get("layer"))
            .any(has_patches)
}

/// A reason the harness could not build the case.
struct Unsupported(String);

/// Kustomize sets the schema once, from the first kustomization that names
/// one, starting with the top one.
fn outermost_openapi(layer: &Value) -> Option<&Value> {
    if let Some(doc) = layer.get("openapi").filter(|v| !v.is_null()) {
        return Some(doc);
    }
    layer["resources"]
        .as_array()?
        .iter()
        .filter_map(|r| r.get("layer"))
        .find_map(outermost_openapi)
}

fn build(layer: &Value, schema: &Schema) -> Result<Vec<Value>, Unsupported> {
    let mut resources = Vec::new();
    for r in layer["resources"].as_array().into_iter().flatten() {
        match (r.get("doc"), r.get("layer")) {
            (Some(doc), _) => resources.push(doc.clone()),
            (None, Some(sub)) => resources.extend(build(sub, schema)?),
            _ => return Err(Unsupported("bad resource entry".into())),
        }
    }
    for patch in layer["patches"].as_array().into_iter().flatten() {
        apply_patch(&mut resources, patch, schema)?;
    }
    Ok(resources)
}

fn apply_patch(
    resources: &mut Vec<Value>,
    entry: &Value,
    schema: &Schema,
) -> Result<(), Unsupported> {
    let patch = &entry["patch"];
    let targets: Vec<usize> = match entry.get("target").filter(|t| !t.is_null()) {
        Some(target) => {
            let mut hits = Vec::new();
            for (i, r) in resources.iter().enumerate() {
                if selected(r, target)? {
                    hits.push(i);
                }
            }
            hits
        }
        None => {
            let hits: Vec<usize> = (0..resources.len())
                .filter(|&i| same_id(&resources[i], patch))
                .collect();
            if hits.is_empty() {
                return Err(Unsupported(
                    "skip: patch matches no resource (kustomize errors)".into(),
                ));
            }
            hits
        }
    };
    let options = &entry["options"];
    let allow = |k: &str| options.get(k).and_then(Value::as_bool).unwrap_or(false);
    let mut deleted = Vec::new();
    for i in targets {
        let target = &mut resources[i];
        if entry["type"] == "json6902" {
            json6902::apply(target, patch).map_err(|e| Unsupported(format!("json6902: {e}")))?;
            continue;
        }
        let (name, namespace, kind) = (
            text(target, &["metadata", "name"]),
            text(target, &["metadata", "namespace"]),
            text(target, &["kind"]),
        );
        let mut patch_copy = patch.clone();
        if let Some(map) = patch_copy.as_object_mut() {
            map.insert("apiVersion".into(), target["apiVersion"].clone());
        }
        match smp::merge(target, &patch_copy, schema)
            .map_err(|e| Unsupported(format!("smp: {e}")))?
        {
            None => deleted.push(i),
            Some(mut merged) => {
                if !allow("allowKindChange") {
                    merged["kind"] = Value::String(kind);
                }
                if !allow("allowNameChange") {
                    merged["metadata"]["name"] = Value::String(name);
                }
                if namespace.is_empty() {
                    if let Some(m) = merged["metadata"].as_object_mut() {
                        m.remove("namespace");
                    }
                } else {
                    merged["metadata"]["namespace"] = Value::String(namespace);
                }
                *target = merged;
            }
        }
    }
    for i in deleted.into_iter().rev() {
        resources.remove(i);
    }
    Ok(())
}

fn text(v: &Value, path: &[&str]) -> String {
    path.iter()
        .fold(v, |v, k| &v[*k])
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn same_id(resource: &Value, patch: &Value) -> bool {
    let ns = text(patch, &["metadata", "namespace"]);
    text(resource, &["kind"]) == text(patch, &["kind"])
        && text(resource, &["metadata", "name"]) == text(patch, &["metadata", "name"])
        && (ns.is_empty() || text(resource, &["metadata", "namespace"]) == ns)
}

fn selected(resource: &Value, target: &Value) -> Result<bool, Unsupported> {
    let api_version = text(resource, &["apiVersion"]);
    let (group, version) = api_version.split_once('/').unwrap_or(("", &api_version));
    let checks = [
        ("group", group.to_owned()),
        ("version", version.to_owned()),
        ("kind", text(resource, &["kind"])),
        ("name", text(resource, &["metadata", "name"])),
        ("namespace", text(resource, &["metadata", "namespace"])),
    ];
    for (key, actual) in checks {
        if let Some(want) = target.get(key).and_then(Value::as_str) {
            let re = regex::Regex::new(&format!("^(?:{want})$"))
                .map_err(|e| Unsupported(format!("selector: {e}")))?;
            if !re.is_match(&actual) {
                return Ok(false);
            }
        }
    }
    if let Some(selector) = target.get("labelSelector").and_then(Value::as_str) {
        for term in selector.split(',') {
            let Some((k, v)) = term.split_once('=') else {
                return Err(Unsupported(format!("skip: label selector {selector:?}")));
            };
            if resource["metadata"]["labels"][k.trim()].as_str() != Some(v.trim()) {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

/// JSON text with map keys sorted, so outputs compare regardless of key order.
fn canonical(v: &Value) -> String {
    fn sort(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                Value::Object(keys.into_iter().map(|k| (k.clone(), sort(&m[k]))).collect())
            }
            Value::Array(a) => Value::Array(a.iter().map(sort).collect()),
            other => other.clone(),
        }
    }
    sort(v).to_string()
}
