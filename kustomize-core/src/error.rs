//! The error type of a build.

use std::path::PathBuf;

/// Everything that can make a build fail. Messages name the file and the
/// field at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or the load restrictor refused it.
    #[error(transparent)]
    Load(#[from] crate::fs::LoadError),
    /// A file is not valid YAML.
    #[error("{path}: {source}")]
    Yaml {
        /// The file that failed to parse.
        path: PathBuf,
        /// What is wrong with it.
        source: crate::yaml::YamlError,
    },
    /// A kustomization or resource is well-formed YAML but says something invalid.
    #[error("{path}: {message}")]
    Invalid {
        /// The file at fault.
        path: PathBuf,
        /// What is wrong, naming the field.
        message: String,
    },
}
