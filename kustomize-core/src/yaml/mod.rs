//! YAML parsing (as kustomize/kyaml reads it) and emitting (as `kubectl kustomize` prints it).
//!
//! Reading follows go-yaml's scalar resolution: resources with go-yaml v3
//! rules (kyaml), kustomization files with go-yaml v2 rules (sigs.k8s.io/yaml).
//! Aliases and merge keys are expanded, with a bound on the expanded size and
//! on nesting depth. Printing reproduces kustomize 5.5's output path: the
//! resource becomes JSON and go-yaml v2 prints it (sorted keys, 2-space
//! indent, YAML 1.1 quoting, folding at 80 columns).
//!
//! Block-style input (nearly every manifest) is read by a fast scanner of
//! that subset (`block`); whatever it does not cover, and every error, is
//! read by the full parser, so results do not depend on which one read a
//! document.
//!
//! The full parser (saphyr-parser) follows YAML 1.2; where go-yaml
//! reads input differently, this module bridges the gap: raw NEL is a line
//! break, a tab may follow `:`, `\'` is an escape, quoted continuation lines
//! need no indentation, `\/` is not an escape. Known remaining differences:
//! raw U+2028/U+2029 are content here but line breaks to go-yaml; flow
//! collections nest at most 255 deep here (go-yaml: 10000); a tab opening the
//! first line of a block scalar is accepted here and rejected by go-yaml.

mod block;
mod convert;
mod emit;
mod event;
mod folded;
mod keysort;
mod leniency;
mod load;
mod number;
mod parser_events;
mod resolve;
mod source;
pub(crate) mod split;

use resolve::Schema;
use serde_json::Value;
use std::fmt;

pub(crate) use load::{AnnotationText, Document};
pub use load::{FieldPath, MAX_DEPTH, PathSegment};

/// A YAML document that could not be parsed or converted to JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct YamlError {
    /// What is wrong.
    pub message: String,
    /// 1-based line of the problem, when known.
    pub line: Option<usize>,
    /// 1-based column of the problem, when known.
    pub column: Option<usize>,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => {
                write!(f, "yaml: line {line}, column {column}: {}", self.message)
            }
            (Some(line), None) => write!(f, "yaml: line {line}: {}", self.message),
            _ => write!(f, "yaml: {}", self.message),
        }
    }
}

/// Parses a stream of YAML documents as kustomize (kyaml, on go-yaml v3) reads resource files.
///
/// Like kyaml, the file is first cut at lines starting with `---` (text
/// after the dashes must be a comment) and only the first document of each
/// piece is read; empty and null documents are skipped. Plain `yes`/`on`/`y` stay strings,
/// timestamps become the strings Go's JSON encoder prints for them, keys must
/// be strings, duplicate keys are an error, and values JSON cannot hold
/// (`.inf`, `.nan`) are errors, as they are for kustomize.
pub fn parse_documents(src: &str) -> Result<Vec<Value>, YamlError> {
    Ok(parse_resource_documents(src)?
        .into_iter()
        .map(|d| d.value)
        .collect())
}

/// [`parse_documents`], keeping where each document has keys with no value.
pub(crate) fn parse_resource_documents(src: &str) -> Result<Vec<Document>, YamlError> {
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let src = split::normalize_line_ends(src);
    let mut docs = Vec::new();
    for piece in split::split_documents(&src)? {
        let parsed = load::load(piece.text, Schema::V3, true).map_err(|mut e| {
            e.line = e.line.map(|l| l + piece.line_offset);
            e
        })?;
        docs.extend(parsed);
    }
    Ok(docs)
}

/// Parses exactly one document (a kustomization file); empty input gives Value::Null.
///
/// Uses sigs.k8s.io/yaml's rules (go-yaml v2): plain `yes`/`no`/`on`/`off`/`y`/`n`
/// are booleans, timestamps stay strings, numeric and boolean keys become
/// their string form, and a repeated key keeps its last value. Only the first
/// document of a stream is read.
pub fn parse_document(src: &str) -> Result<Value, YamlError> {
    Ok(load::load(src, Schema::V2, true)?
        .into_iter()
        .next()
        .map_or(Value::Null, |d| d.value))
}

/// Appends one document exactly as `kubectl kustomize` prints a resource (no leading `---`).
pub fn emit_document(doc: &Value, out: &mut String) {
    emit::emit(doc, out);
}

/// Appends one document as go-yaml v3's encoder with `SetIndent(2)` prints
/// it (Helm's `toYamlPretty`): like [`emit_document`], but a sequence that
/// is a mapping's value is indented under its key.
pub fn emit_document_indented_sequences(doc: &Value, out: &mut String) {
    emit::emit_indented_sequences(doc, out);
}

/// Appends one mapping document exactly as `kubectl kustomize` prints a
/// resource; the same text as [`emit_document`] of `Value::Object(map)`.
pub fn emit_object(map: &serde_json::Map<String, Value>, out: &mut String) {
    emit::emit_object(map, out);
}

/// All documents joined by "---\n", as `kubectl kustomize` prints a build; empty slice gives "".
pub fn to_yaml_string(docs: &[Value]) -> String {
    let mut out = String::new();
    for (i, doc) in docs.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        emit_document(doc, &mut out);
    }
    out
}

#[cfg(test)]
mod block_tests;
#[cfg(test)]
mod tests;
