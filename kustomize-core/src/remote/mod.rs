//! Remote targets: Git repositories named in `resources`, `components` or
//! as the build target, and HTTP(S) URLs of single files, as kustomize 5.5
//! reads them.
//!
//! This crate does no network I/O: a build reaches remote targets only
//! through the [`RemoteResolver`] of its
//! [`BuildOptions`](crate::BuildOptions). Without one, remote entries are
//! refused. A remote root is built as kustomize builds a fresh clone: its
//! load restrictor is always root-only, the bases of its kustomizations
//! must stay inside the repository, and a repository whose URL starts a
//! URL already being built is a cycle.

mod query;
mod repospec;

pub use repospec::{DEFAULT_TIMEOUT, RepoSpec, RepoSpecError};

use std::path::PathBuf;
use std::sync::Arc;

use crate::fs::FileSystem;

/// A checked-out repository: a file system and where in it the
/// repository's root directory is.
#[derive(Clone)]
pub struct RemoteTree {
    /// The files of the repository at the requested ref.
    pub fs: Arc<dyn FileSystem>,
    /// The repository's root directory in `fs` (absolute).
    pub dir: PathBuf,
}

impl std::fmt::Debug for RemoteTree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteTree")
            .field("dir", &self.dir)
            .finish()
    }
}

/// Why a remote target could not be fetched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RemoteError {
    /// An HTTP server answered outside 2xx (kustomize's `ErrHTTP`).
    #[error("HTTP Error: status code {status} ({reason})")]
    HttpStatus {
        /// The status code.
        status: u16,
        /// Its reason phrase.
        reason: String,
    },
    /// Anything else: unreachable, refused, too large, too slow, no such ref.
    #[error("{0}")]
    Failed(String),
}

/// Fetches remote targets for a build. Implementations decide how (Git
/// clones, HTTP clients), how long, and how much; a build calls them from
/// one thread at a time.
pub trait RemoteResolver: Send + Sync + std::fmt::Debug + std::panic::RefUnwindSafe {
    /// The repository of `spec` at its ref (`spec.git_ref`, the remote's
    /// default branch when empty), within `spec.timeout`.
    fn checkout(&self, spec: &RepoSpec) -> Result<RemoteTree, RemoteError>;

    /// The body of an `http://` or `https://` URL.
    fn fetch_file(&self, url: &str) -> Result<Vec<u8>, RemoteError>;
}

/// Whether `path` is an `http` or `https` URL, which kustomize fetches as
/// a file wherever it reads one (`IsRemoteFile`).
pub fn is_remote_file(path: &str) -> bool {
    let Some((scheme, _)) = path.split_once(':') else {
        return false;
    };
    let valid_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid_scheme
        && (scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https"))
        && url_parses(path)
}

/// Whether Go's `url.Parse` accepts `path` as far as kustomize's check
/// depends on it: no control characters, and valid `%` escapes.
fn url_parses(path: &str) -> bool {
    let bytes = path.as_bytes();
    if bytes.iter().any(|b| *b < 0x20 || *b == 0x7f) {
        return false;
    }
    bytes.iter().enumerate().all(|(i, b)| {
        *b != b'%'
            || bytes
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_files_are_http_urls() {
        assert!(is_remote_file("https://example.com/a.yaml"));
        assert!(is_remote_file("HTTP://example.com/a.yaml"));
        assert!(!is_remote_file("ssh://example.com/a.yaml"));
        assert!(!is_remote_file("git@github.com:org/repo"));
        assert!(!is_remote_file("a.yaml"));
        assert!(!is_remote_file("https://example.com/%zz"));
    }
}
