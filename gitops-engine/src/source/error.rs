//! The error type of the source module.

use std::path::PathBuf;

/// Why a source could not be fetched, resolved or rendered. Every variant
/// names the repository (or local directory) and, where one is involved, the
/// revision and path.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// A certificate authority given for https repositories is unusable.
    #[error("TLS certificates for '{host}': {problem}")]
    InvalidCertificate {
        /// The server name the certificates were given for.
        host: String,
        /// What is wrong with them.
        problem: String,
    },
    /// A repository Secret or credential template cannot be read.
    #[error("Secret '{secret}': {field}: {problem}")]
    InvalidRepoSecret {
        /// `namespace/name` of the Secret.
        secret: String,
        /// The key (`data.<key>` when its encoding is wrong).
        field: String,
        /// What is wrong with it (never the value).
        problem: String,
    },
    /// A line of the SSH known hosts cannot be read.
    #[error("{origin} line {line}: {problem}")]
    InvalidKnownHosts {
        /// Where the lines come from.
        origin: &'static str,
        /// The 1-based line number.
        line: usize,
        /// What is wrong with it.
        problem: String,
    },
    /// The repository refused our credentials or asked for some we lack, or
    /// its SSH host key is not trusted, or its settings cannot be honoured.
    /// The problem names the Secret involved, never a credential.
    #[error("repository '{url}': {problem}")]
    AccessDenied {
        /// The repository URL (passwords masked).
        url: String,
        /// What went wrong, e.g. `authentication required: …`.
        problem: String,
    },
    /// The cache directory could not be created or read.
    #[error("repository '{url}': cache directory '{}': {source}", dir.display())]
    Cache {
        /// The repository URL.
        url: String,
        /// The directory involved.
        dir: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A Git operation (open, clone, fetch, object lookup) failed.
    #[cfg(feature = "git")]
    #[error("repository '{url}': {operation} failed: {}", source.message())]
    Git {
        /// The repository URL.
        url: String,
        /// What was being done, e.g. `fetch` or `read tree of 1a2b…`.
        operation: String,
        /// The libgit2 error.
        source: git2::Error,
    },
    /// The remote could not be reached when last polled; the cause is the
    /// Git error of that attempt. Polling again clears it.
    #[error("repository '{url}': remote unreachable: {cause}")]
    Unreachable {
        /// The repository URL (passwords masked).
        url: String,
        /// Why the last contact failed.
        cause: String,
    },
    /// No branch, tag or commit matches the revision.
    #[error("repository '{url}': revision '{revision}' not found (no such branch, tag or commit)")]
    RevisionNotFound {
        /// The repository URL.
        url: String,
        /// The revision as given.
        revision: String,
    },
    /// A short commit SHA matches more than one object.
    #[error("repository '{url}': revision '{revision}' is an ambiguous short SHA")]
    AmbiguousRevision {
        /// The repository URL.
        url: String,
        /// The revision as given.
        revision: String,
    },
    /// The revision names an object that is not (and does not point to) a commit.
    #[error("repository '{url}': revision '{revision}' does not point to a commit")]
    NotACommit {
        /// The repository URL.
        url: String,
        /// The revision as given.
        revision: String,
    },
    /// A render option is malformed.
    #[error("repository '{url}': {field}: {problem}")]
    InvalidOption {
        /// The repository URL (or local directory).
        url: String,
        /// The option, e.g. `directory.include`.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// The source path is absolute or climbs out of the repository.
    #[error(
        "repository '{url}' at {revision}: path '{path}' must be relative and stay inside the repository"
    )]
    InvalidPath {
        /// The repository URL (or local directory).
        url: String,
        /// The resolved revision.
        revision: String,
        /// The path as given.
        path: String,
    },
    /// The source path does not exist or is not a directory.
    #[error("repository '{url}' at {revision}: path '{path}' is not a directory")]
    PathNotFound {
        /// The repository URL (or local directory).
        url: String,
        /// The resolved revision.
        revision: String,
        /// The path as given.
        path: String,
    },
    /// Building the kustomization failed.
    #[error("repository '{url}' at {revision}: kustomize build of '{path}': {source}")]
    Kustomize {
        /// The repository URL (or local directory).
        url: String,
        /// The resolved revision.
        revision: String,
        /// The source path.
        path: String,
        /// The build error.
        source: Box<kustomize_core::Error>,
    },
    /// Rendering a Helm chart failed.
    #[error("repository '{url}' at {revision}: helm template of '{path}': {source}")]
    Helm {
        /// The repository URL (or local directory).
        url: String,
        /// The resolved revision.
        revision: String,
        /// The source path.
        path: String,
        /// The rendering error.
        source: Box<helm_core::Error>,
    },
    /// A manifest of a plain directory could not be read or parsed.
    #[error("repository '{url}' at {revision}: manifest '{}': {problem}", file.display())]
    Manifest {
        /// The repository URL (or local directory).
        url: String,
        /// The resolved revision.
        revision: String,
        /// The file, as a path from the repository (or directory) root.
        file: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
}

/// Names a source in errors: the repository URL (or local directory) and revision.
#[derive(Debug, Clone)]
pub(crate) struct Origin {
    pub(crate) url: String,
    pub(crate) revision: String,
}
