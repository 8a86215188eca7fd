//! YAML parsing (as kustomize/kyaml reads it) and emitting (as `kubectl kustomize` prints it).

/// A YAML document that could not be parsed (placeholder shape; the parser
/// fills in position details).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct YamlError {
    /// What is wrong.
    pub message: String,
}

/// Temporary stand-in until the parser lands (replaced on merge).
pub fn parse_document(src: &str) -> Result<serde_json::Value, YamlError> {
    parse_documents(src).map(|mut d| d.pop().unwrap_or(serde_json::Value::Null))
}

/// Temporary stand-in until the parser lands (replaced on merge).
pub fn parse_documents(_src: &str) -> Result<Vec<serde_json::Value>, YamlError> {
    Err(YamlError {
        message: "YAML parser not merged yet".into(),
    })
}

/// Temporary stand-in until the emitter lands (replaced on merge).
pub fn to_yaml_string(_docs: &[serde_json::Value]) -> String {
    String::new()
}
