//! The user's values as `helm template` gathers them: `-f` files in order,
//! then `--set-json`, `--set`, `--set-string` and `--set-file`.

use super::strvals::{ValueKind, parse_into};
use super::to_float_numbers;
use crate::chart::parse_values;
use crate::error::{Error, Result};
use kustomize_core::fs::FileSystem;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// Values given on the command line (or by an Application's `spec.source.helm`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ValueOptions {
    /// `-f/--values` files, lowest precedence first.
    pub value_files: Vec<PathBuf>,
    /// Values documents merged after the files, as further `-f` files would
    /// be (Argo CD's inline `values`/`valuesObject`).
    pub inline_values: Vec<Map<String, Value>>,
    /// `--set-json` expressions (`a.b={"x":1}` or a whole JSON object).
    pub json_values: Vec<String>,
    /// `--set` expressions.
    pub values: Vec<String>,
    /// `--set-string` expressions.
    pub string_values: Vec<String>,
    /// `--set-file` expressions (`key=path`, the file's text becomes the value).
    pub file_values: Vec<String>,
}

impl ValueOptions {
    /// Reads and merges everything into one values map, as Helm's `values.Options.MergeValues`.
    /// Relative file paths are taken from `base`.
    pub fn merge(&self, fs: &dyn FileSystem, base: &Path) -> Result<Map<String, Value>> {
        let read = |path: &str| -> Result<String> {
            let full = base.join(path);
            let data = fs.read(&full).map_err(|source| Error::Io {
                path: PathBuf::from(path),
                source,
            })?;
            String::from_utf8(data)
                .map_err(|_| Error::InvalidChart(format!("{path}: not valid UTF-8")))
        };
        let mut out = Map::new();
        for file in &self.value_files {
            let name = file.to_string_lossy();
            let text = read(&name)?;
            let current = parse_values(&text, &name)
                .map_err(|e| Error::InvalidChart(format!("failed to parse {name}: {e}")))?;
            out = merge_maps(out, current);
        }
        for inline in &self.inline_values {
            let mut inline = Value::Object(inline.clone());
            to_float_numbers(&mut inline);
            if let Value::Object(map) = inline {
                out = merge_maps(out, map);
            }
        }
        for value in &self.json_values {
            let trimmed = value.trim();
            if trimmed.starts_with('{') {
                let mut parsed: Value = serde_json::from_str(trimmed).map_err(|_| {
                    Error::Set(format!("failed parsing --set-json data JSON: {value}"))
                })?;
                to_float_numbers(&mut parsed);
                let Value::Object(map) = parsed else {
                    return Err(Error::Set(format!(
                        "failed parsing --set-json data JSON: {value}"
                    )));
                };
                out = merge_maps(out, map);
            } else {
                parse_into(value, &mut out, ValueKind::Json)
                    .map_err(|_| Error::Set(format!("failed parsing --set-json data {value}")))?;
            }
        }
        let flags: [(&Vec<String>, &str, ValueKind<'_>); 3] = [
            (&self.values, "--set", ValueKind::Typed),
            (&self.string_values, "--set-string", ValueKind::String),
            (&self.file_values, "--set-file", ValueKind::File(&read)),
        ];
        for (list, flag, kind) in flags {
            for value in list {
                parse_into(value, &mut out, kind)
                    .map_err(|e| Error::Set(format!("failed parsing {flag} data: {e}")))?;
            }
        }
        Ok(out)
    }
}

/// Helm's `MergeMaps`: `b` over `a`, tables merged recursively, anything else replaced.
pub fn merge_maps(mut a: Map<String, Value>, b: Map<String, Value>) -> Map<String, Value> {
    for (key, value) in b {
        match (a.get_mut(&key), value) {
            (Some(Value::Object(existing)), Value::Object(table)) => {
                let merged = merge_maps(std::mem::take(existing), table);
                *existing = merged;
            }
            (_, value) => {
                a.insert(key, value);
            }
        }
    }
    a
}
