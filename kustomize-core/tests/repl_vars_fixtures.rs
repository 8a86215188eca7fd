//! Replacements and vars against `kubectl kustomize` output. Each
//! `tests/fixtures/repl-*` and `vars-*` directory holds a kustomization with
//! only resources and replacements or vars, its data as JSON
//! (`repl_vars_fixtures.py` writes it), and the oracle's output or error.

mod fixture_support;

use fixture_support::fixture_dirs;
use kustomize_core::fieldspec::TransformerConfig;
use kustomize_core::replacements::apply_replacements;
use kustomize_core::resource::Resource;
use kustomize_core::vars::{Var, VarSet, resolve_vars};
use serde_json::Value;
use std::fs;
use std::path::Path;

fn read_json(path: &Path) -> Option<Value> {
    let text = fs::read_to_string(path).ok()?;
    Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

fn list(v: Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items,
        other => panic!("expected a list, got {other}"),
    }
}

/// Runs the fixture's replacements, then its vars, as one kustomization
/// level; returns the objects or the error message.
fn render(dir: &Path) -> Result<Vec<Value>, String> {
    let mut resources: Vec<Resource> = list(read_json(&dir.join("resources.json")).unwrap())
        .into_iter()
        .map(|v| match v {
            Value::Object(m) => Resource::new(m),
            other => panic!("resource is not a map: {other}"),
        })
        .collect();
    if let Some(r) = read_json(&dir.join("replacements.json")) {
        apply_replacements(&mut resources, &list(r)).map_err(|e| e.to_string())?;
    }
    if let Some(v) = read_json(&dir.join("vars.json")) {
        let vars = Var::parse_list(&list(v)).map_err(|e| e.to_string())?;
        let mut set = VarSet::new();
        set.merge_vars(&mut resources, &vars)
            .map_err(|e| e.to_string())?;
        resolve_vars(
            &mut resources,
            &set,
            &TransformerConfig::builtin().var_reference.0,
        )
        .map_err(|e| e.to_string())?;
    }
    Ok(resources
        .into_iter()
        .map(|r| Value::Object(r.object))
        .map(stringify_annotations)
        .map(whole_floats_as_ints)
        .collect())
}

/// Kustomize prints through JSON, so `2.0` comes out as `2` (the printer's
/// job, not the transformers').
fn whole_floats_as_ints(v: Value) -> Value {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 => Value::from(f as i64),
            _ => Value::Number(n),
        },
        Value::Array(items) => Value::Array(items.into_iter().map(whole_floats_as_ints).collect()),
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| (k, whole_floats_as_ints(v)))
                .collect(),
        ),
        other => other,
    }
}

/// Kustomize rewrites `metadata.annotations` as strings when it removes its
/// build annotations at the end of a build (a later step of the pipeline).
fn stringify_annotations(mut obj: Value) -> Value {
    if let Some(Value::Object(annotations)) = obj
        .get_mut("metadata")
        .and_then(|m| m.get_mut("annotations"))
    {
        for v in annotations.values_mut() {
            if let Value::Number(_) | Value::Bool(_) = v {
                *v = Value::String(v.to_string());
            }
        }
    }
    obj
}

fn key(obj: &Value) -> String {
    let s = |p: &str| {
        obj.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    format!(
        "{} {} {}/{}",
        s("/apiVersion"),
        s("/kind"),
        s("/metadata/namespace"),
        s("/metadata/name")
    )
}

#[test]
fn fixtures_match_kubectl() {
    let dirs = fixture_dirs(&["repl-", "vars-"]);
    assert!(dirs.len() >= 10, "fixtures missing: {dirs:?}");
    let mut failures = Vec::new();
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let got = render(dir);
        if let Ok(err) = fs::read_to_string(dir.join("expected.err")) {
            // Node contents in kustomize's messages keep the input's quoting,
            // which parsed data no longer has: compare the first line.
            let want = err.lines().next().unwrap_or("");
            match got {
                Err(e) if e.lines().next() == Some(want) => {}
                other => failures.push(format!("{name}: want error {want:?}, got {other:?}")),
            }
            continue;
        }
        let want = list(read_json(&dir.join("expected.json")).unwrap());
        let got = match got {
            Ok(g) => g,
            Err(e) => {
                failures.push(format!("{name}: unexpected error {e}"));
                continue;
            }
        };
        if got.len() != want.len() {
            failures.push(format!(
                "{name}: {} objects, want {}",
                got.len(),
                want.len()
            ));
            continue;
        }
        for w in &want {
            match got.iter().find(|g| key(g) == key(w)) {
                Some(g) if g == w => {}
                Some(g) => failures.push(format!("{name}: {}\n got: {g}\nwant: {w}", key(w))),
                None => failures.push(format!("{name}: missing {}", key(w))),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
