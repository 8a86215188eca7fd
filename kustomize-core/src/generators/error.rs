//! Why a generator failed.

use std::fmt;

use crate::fs::LoadError;

/// Which kustomization field a generator entry came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeneratorKind {
    /// An item of `configMapGenerator`.
    ConfigMap,
    /// An item of `secretGenerator`.
    Secret,
}

impl fmt::Display for GeneratorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ConfigMap => "configMapGenerator",
            Self::Secret => "secretGenerator",
        })
    }
}

/// A generator entry, as named in error messages: `configMapGenerator 'x'`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratorRef {
    /// The kustomization field.
    pub kind: GeneratorKind,
    /// The entry's `name`.
    pub name: String,
}

impl fmt::Display for GeneratorRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} '{}'", self.kind, self.name)
    }
}

/// Everything that can make generating, hashing or merging a ConfigMap or
/// Secret fail.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GeneratorError {
    /// An entry has no `name`.
    #[error("{0}: an entry has no 'name'; a generated object must have a name")]
    MissingName(GeneratorKind),
    /// A `literals` item is not `key=value`.
    #[error("{generator}: literals: invalid literal source {text:?}, expected key=value")]
    InvalidLiteral {
        /// The entry at fault.
        generator: GeneratorRef,
        /// The literal as written.
        text: String,
    },
    /// A `files` item is not `path` or `key=path`.
    #[error("{generator}: files: invalid file source {text:?}: {problem}")]
    InvalidFileSource {
        /// The entry at fault.
        generator: GeneratorRef,
        /// The source as written.
        text: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// A file named in `files` or `envs` could not be read, or lies outside
    /// the kustomization root.
    #[error("{generator}: {field}: {error}")]
    Load {
        /// The entry at fault.
        generator: GeneratorRef,
        /// `files` or `envs`.
        field: &'static str,
        /// Why the file could not be read.
        #[source]
        error: LoadError,
    },
    /// A line of an env file is not valid UTF-8.
    #[error("{generator}: envs: {path}: line {line} is not valid UTF-8")]
    EnvLineNotUtf8 {
        /// The entry at fault.
        generator: GeneratorRef,
        /// The env file, as named in the kustomization.
        path: String,
        /// The line number, from 1.
        line: usize,
    },
    /// Two sources of one entry produce the same key.
    #[error("{generator}: the key '{key}' appears more than once")]
    DuplicateKey {
        /// The entry at fault.
        generator: GeneratorRef,
        /// The repeated key.
        key: String,
    },
    /// A name hash was asked for an object that is neither a ConfigMap nor a
    /// Secret.
    #[error(
        "cannot compute a name hash for {name:?} of kind {kind:?}: only ConfigMaps and Secrets are supported"
    )]
    HashUnsupportedKind {
        /// The object's `kind`.
        kind: String,
        /// The object's `metadata.name`.
        name: String,
    },
    /// A generated object clashes with an existing one but its behavior is
    /// `create`.
    #[error("{id} is generated again with behavior create; behavior must be merge or replace")]
    AlreadyExists {
        /// The id both objects share.
        id: String,
    },
}
