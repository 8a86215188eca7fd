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
    /// A file named in a kustomization field could not be read, or the load
    /// restrictor refused it.
    #[error("{}: {field}: {source}", kustomization.display())]
    Read {
        /// The kustomization file naming the file.
        kustomization: PathBuf,
        /// The field that names it (`resources`, `patches`, …).
        field: String,
        /// Why it could not be read.
        source: crate::fs::LoadError,
    },
    /// A file is not valid YAML.
    #[error("{}: {source}", path.display())]
    Yaml {
        /// The file that failed to parse.
        path: PathBuf,
        /// What is wrong with it.
        source: crate::yaml::YamlError,
    },
    /// The directory to build does not exist or is not a directory.
    #[error("must build at directory: '{}' is not a directory", dir.display())]
    NotADirectory {
        /// The path given.
        dir: PathBuf,
    },
    /// A directory holds no kustomization file.
    #[error(
        "unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '{}'",
        dir.display()
    )]
    MissingKustomization {
        /// The directory searched.
        dir: PathBuf,
    },
    /// A directory holds more than one kustomization file.
    #[error("Found multiple kustomization files under: {}", dir.display())]
    MultipleKustomizations {
        /// The directory searched.
        dir: PathBuf,
    },
    /// A kustomization or resource is well-formed YAML but says something invalid.
    #[error("{}: {message}", path.display())]
    Invalid {
        /// The file at fault.
        path: PathBuf,
        /// What is wrong, naming the field.
        message: String,
    },
    /// An override of the root kustomization
    /// ([`RootOverrides`](crate::RootOverrides)) cannot be applied.
    #[error("{}: {field}: {message}", path.display())]
    Override {
        /// The root kustomization file.
        path: PathBuf,
        /// The kustomization field the override edits (`commonLabels`, …).
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The build went past one of its [`BuildLimits`](crate::build::BuildLimits).
    #[error(
        "{}: the build loads more than {limit} {what} (a limit of this build; raise it in BuildOptions if the tree is meant to be this large)",
        path.display()
    )]
    LimitExceeded {
        /// The kustomization (file or directory) being loaded when the
        /// limit was reached.
        path: PathBuf,
        /// What was counted: `kustomizations`, `resources` or `bytes of
        /// resource files`.
        what: &'static str,
        /// The limit.
        limit: usize,
    },
}
