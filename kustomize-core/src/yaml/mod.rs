//! YAML parsing (as kustomize/kyaml reads it) and emitting (as `kubectl kustomize` prints it).


/// A YAML document that could not be parsed (placeholder shape; the parser
/// fills in position details).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct YamlError {
    /// What is wrong.
    pub message: String,
}
