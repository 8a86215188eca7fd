//! A bare cache clone of a remote repository: open or clone, fetch, and
//! resolve revisions to commits.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use git2::{
    AutotagOption, Direction, ErrorCode, FetchOptions, FetchPrune, ObjectType, Oid, Repository,
};
use sha2::{Digest, Sha256};

use super::access::AuthSession;
use super::{RepoAuth, SourceError};

/// The refs a cache clone mirrors from its remote.
const REFSPECS: [&str; 2] = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"];

/// The remote name inside a cache clone.
const REMOTE: &str = "origin";

/// A bare clone of one remote repository, kept under a cache directory.
///
/// Branches and tags are mirrored as local refs (`refs/heads/*`,
/// `refs/tags/*`), and `HEAD` follows the remote's default branch, so the
/// clone answers revision questions the way the remote would.
///
/// Transports: local paths, `file://`, `git://`, `https://` (checked
/// against the system's trust store and the authorities of the
/// [`RepoAuth`] given to [`GitRepo::open_or_clone_with`]) and SSH
/// (`ssh://user@host:port/path` or `user@host:path`, host keys checked
/// against the known hosts of the [`RepoAuth`]). Credentials come from the
/// [`RepoAuth`]; passwords in URLs never appear in errors: [`GitRepo::url`]
/// shows them as `***`.
///
/// Keep one handle per URL and cache directory: clones and fetches of the
/// same cache through several handles (or processes) are not coordinated.
pub struct GitRepo {
    /// The URL with any password masked, for messages.
    url: String,
    /// The URL as given (it may hold a password: never shown).
    remote: String,
    path: PathBuf,
    repo: Repository,
    auth: RepoAuth,
    limits: FetchLimits,
}

/// Bounds on each fetch of a [`GitRepo`]: how long the transfer may run and
/// how many bytes it may bring. libgit2 reports progress as data arrives,
/// and the fetch is stopped at the first report past a bound (a server
/// that sends nothing at all is bounded by the operating system's TCP
/// timeouts, not by these).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FetchLimits {
    /// Longest a fetch may take.
    pub timeout: Option<Duration>,
    /// Most bytes a fetch may receive.
    pub max_bytes: Option<usize>,
}

impl std::fmt::Debug for GitRepo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitRepo")
            .field("url", &self.url)
            .field("path", &self.path)
            .finish()
    }
}

impl GitRepo {
    /// Opens the cache clone of `url` under `cache_dir`, or makes it (and
    /// fetches) if there is none yet. Each URL gets its own subdirectory,
    /// named by a hash of the URL. An existing clone is not fetched again;
    /// call [`GitRepo::fetch`] for that.
    pub fn open_or_clone(url: &str, cache_dir: &Path) -> Result<Self, SourceError> {
        Self::open_or_clone_with(url, cache_dir, RepoAuth::default())
    }

    /// [`GitRepo::open_or_clone`], reaching the remote with `auth`
    /// (credentials, certificate authorities, known hosts).
    pub fn open_or_clone_with(
        url: &str,
        cache_dir: &Path,
        auth: RepoAuth,
    ) -> Result<Self, SourceError> {
        Self::open_or_clone_limited(url, cache_dir, auth, FetchLimits::default())
            .map(|(repo, _)| repo)
    }

    /// [`GitRepo::open_or_clone_with`], each fetch bounded by `limits`;
    /// also says whether the clone was made (and fetched) by this call.
    pub fn open_or_clone_limited(
        url: &str,
        cache_dir: &Path,
        auth: RepoAuth,
        limits: FetchLimits,
    ) -> Result<(Self, bool), SourceError> {
        let shown = redact_url(url);
        let path = cache_dir.join(cache_key(url));
        let git_err = |operation: &str| {
            let operation = format!("{operation} '{}'", path.display());
            let url = shown.clone();
            move |source| SourceError::Git {
                url,
                operation,
                source,
            }
        };
        if path.join("HEAD").is_file() {
            let repo = Repository::open_bare(&path).map_err(git_err("open cache clone"))?;
            let this = Self {
                url: shown,
                remote: url.to_owned(),
                path,
                repo,
                auth,
                limits,
            };
            return Ok((this, false));
        }
        std::fs::create_dir_all(&path).map_err(|source| SourceError::Cache {
            url: shown.clone(),
            dir: path.clone(),
            source,
        })?;
        let repo = Repository::init_bare(&path).map_err(git_err("create cache clone"))?;
        repo.remote_with_fetch(REMOTE, url, REFSPECS[0])
            .and_then(|_| repo.remote_add_fetch(REMOTE, REFSPECS[1]))
            .map_err(git_err("configure remote in"))?;
        let this = Self {
            url: shown,
            remote: url.to_owned(),
            path,
            repo,
            auth,
            limits,
        };
        if let Err(e) = this.fetch() {
            // Leave no half-made clone behind for the next open to trust.
            // Removal is best effort: the fetch error is the one to report.
            let _ = std::fs::remove_dir_all(&this.path);
            return Err(e);
        }
        Ok((this, true))
    }

    /// The URL this clone mirrors, with any password replaced by `***`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Where the bare clone lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Replaces how the remote is reached (credentials or trust changed).
    pub fn set_auth(&mut self, auth: RepoAuth) {
        self.auth = auth;
    }

    /// The underlying libgit2 repository.
    pub fn repository(&self) -> &Repository {
        &self.repo
    }

    /// Fetches all branches and tags, removing refs the remote no longer has,
    /// and points `HEAD` at the remote's default branch.
    pub fn fetch(&self) -> Result<(), SourceError> {
        self.fetch_refspecs(&REFSPECS, true)
    }

    /// Fetches the commit `oid` alone, as `git fetch origin <sha>` does: a
    /// commit no branch or tag leads to (a deleted branch, a pull request's
    /// head), which servers give when they allow it (GitHub and GitLab do;
    /// `uploadpack.allowReachableSHA1InWant` or `allowAnySHA1InWant`).
    pub fn fetch_commit(&self, oid: Oid) -> Result<(), SourceError> {
        self.fetch_refspecs(&[oid.to_string().as_str()], false)
    }

    /// Fetches `refspecs`; a full fetch (`all`) prunes, takes the tags and
    /// points `HEAD` at the remote's default branch.
    fn fetch_refspecs(&self, refspecs: &[&str], all: bool) -> Result<(), SourceError> {
        let session = AuthSession::new(&self.auth, &self.remote, &self.url)?;
        let stopped: Cell<Option<String>> = Cell::new(None);
        let git_err = |source| match stopped.take() {
            Some(why) => SourceError::Git {
                url: self.url.clone(),
                operation: "fetch".to_owned(),
                source: git2::Error::from_str(&why),
            },
            None => session.explain("fetch", source),
        };
        let mut remote = self.repo.find_remote(REMOTE).map_err(git_err)?;
        let mut callbacks = session.callbacks();
        let limits = self.limits;
        if limits != FetchLimits::default() {
            let deadline = limits.timeout.map(|t| (Instant::now() + t, t));
            let stopped = &stopped;
            callbacks.transfer_progress(move |progress| {
                let why = match deadline {
                    Some((at, t)) if Instant::now() > at => Some(format!(
                        "transfer stopped: it took longer than {}s",
                        t.as_secs_f64()
                    )),
                    _ => limits
                        .max_bytes
                        .filter(|max| progress.received_bytes() > *max)
                        .map(|max| format!("transfer stopped: more than {max} bytes")),
                };
                let go_on = why.is_none();
                if why.is_some() {
                    stopped.set(why);
                }
                go_on
            });
        }
        let mut options = FetchOptions::new();
        options
            .remote_callbacks(callbacks)
            .proxy_options(session.proxy_options());
        if all {
            options
                .prune(FetchPrune::On)
                .download_tags(AutotagOption::All);
        } else {
            options.download_tags(AutotagOption::None);
        }
        remote
            .fetch(refspecs, Some(&mut options), None)
            .map_err(git_err)?;
        // The advertised default branch stays known after the fetch
        // disconnects; an empty remote has none, and HEAD is left alone.
        if all
            && let Ok(head) = remote.default_branch()
            && let Ok(head) = head.as_str()
        {
            self.repo.set_head(head).map_err(git_err)?;
        }
        Ok(())
    }

    /// The remote's refs (name and commit, peeled tags included) as `git
    /// ls-remote` lists them, without fetching anything: the cheap way to
    /// tell whether a fetch would bring something new.
    pub fn ls_remote(&self) -> Result<Vec<(String, Oid)>, SourceError> {
        let session = AuthSession::new(&self.auth, &self.remote, &self.url)?;
        let git_err = |source| session.explain("ls-remote", source);
        let mut remote = self.repo.find_remote(REMOTE).map_err(git_err)?;
        let connection = remote
            .connect_auth(
                Direction::Fetch,
                Some(session.callbacks()),
                Some(session.proxy_options()),
            )
            .map_err(git_err)?;
        let refs = connection
            .list()
            .map_err(git_err)?
            .iter()
            .map(|head| (head.name().to_owned(), head.oid()))
            .collect();
        Ok(refs)
    }

    /// Resolves a revision to a commit: `HEAD` (or an empty revision), a
    /// full ref name, a tag or branch name (tags win over branches of the
    /// same name, as for `git rev-parse`), or a full or abbreviated
    /// (at least 4 hex digits) commit SHA. Annotated tags are peeled.
    pub fn resolve(&self, revision: &str) -> Result<Oid, SourceError> {
        let rev = revision.trim();
        let object = if rev.is_empty() || rev == "HEAD" {
            let head = self
                .repo
                .head()
                .map_err(|e| self.revision_error(revision, e))?;
            head.peel(ObjectType::Any)
                .map_err(|e| self.revision_error(revision, e))?
        } else if let Some(reference) = self.find_ref(rev)? {
            reference
                .peel(ObjectType::Any)
                .map_err(|e| self.revision_error(revision, e))?
        } else if is_hex_sha(rev) {
            let oid = self.find_by_prefix(revision, rev)?;
            self.repo
                .find_object(oid, None)
                .map_err(|e| self.revision_error(revision, e))?
        } else {
            return Err(self.not_found(revision));
        };
        object
            .peel_to_commit()
            .map(|c| c.id())
            .map_err(|_| SourceError::NotACommit {
                url: self.url.clone(),
                revision: revision.to_owned(),
            })
    }

    /// The reference a symbolic revision names, trying the full name, then
    /// `refs/tags/`, then `refs/heads/`.
    fn find_ref(&self, rev: &str) -> Result<Option<git2::Reference<'_>>, SourceError> {
        let candidates = [
            rev.to_owned(),
            format!("refs/tags/{rev}"),
            format!("refs/heads/{rev}"),
        ];
        for name in candidates.iter().filter(|n| n.starts_with("refs/")) {
            match self.repo.find_reference(name) {
                Ok(r) => return Ok(Some(r)),
                Err(e) if matches!(e.code(), ErrorCode::NotFound | ErrorCode::InvalidSpec) => {}
                Err(e) => return Err(self.revision_error(rev, e)),
            }
        }
        Ok(None)
    }

    /// The object whose id starts with `hex`.
    fn find_by_prefix(&self, revision: &str, hex: &str) -> Result<Oid, SourceError> {
        let odb = self
            .repo
            .odb()
            .map_err(|e| self.revision_error(revision, e))?;
        let prefix = Oid::from_str(hex).map_err(|e| self.revision_error(revision, e))?;
        match odb.exists_prefix(prefix, hex.len()) {
            Ok(oid) => Ok(oid),
            Err(e) if e.code() == ErrorCode::Ambiguous => Err(SourceError::AmbiguousRevision {
                url: self.url.clone(),
                revision: revision.to_owned(),
            }),
            Err(e) => Err(self.revision_error(revision, e)),
        }
    }

    fn not_found(&self, revision: &str) -> SourceError {
        SourceError::RevisionNotFound {
            url: self.url.clone(),
            revision: revision.to_owned(),
        }
    }

    /// A libgit2 error met while resolving: "not found" kinds become
    /// [`SourceError::RevisionNotFound`].
    fn revision_error(&self, revision: &str, source: git2::Error) -> SourceError {
        match source.code() {
            ErrorCode::NotFound | ErrorCode::UnbornBranch | ErrorCode::InvalidSpec => {
                self.not_found(revision)
            }
            _ => SourceError::Git {
                url: self.url.clone(),
                operation: format!("resolve revision '{revision}'"),
                source,
            },
        }
    }
}

/// Whether `rev` looks like a (possibly abbreviated) commit SHA.
fn is_hex_sha(rev: &str) -> bool {
    (4..=40).contains(&rev.len()) && rev.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The cache subdirectory name for a URL: a readable tail plus a hash, so
/// distinct URLs never share a clone.
fn cache_key(url: &str) -> String {
    let digest = Sha256::digest(url.as_bytes());
    let hash: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    let tail: String = url
        .trim_end_matches('/')
        .trim_end_matches(".git")
        .rsplit(['/', ':'])
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(40)
        .collect();
    format!("{}-{hash}.git", tail.trim_start_matches('.'))
}

/// `url` with the password of its user information (`user:password@`)
/// replaced by `***`.
pub(crate) fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
            let masked = if user.len() < userinfo.len() {
                ":***"
            } else {
                ""
            };
            format!("{scheme}://{user}{masked}@{host}{tail}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_keys_are_distinct_and_readable() {
        let a = cache_key("https://github.com/org/app.git");
        let b = cache_key("https://github.com/other/app.git");
        assert!(a.starts_with("app-") && a.ends_with(".git"), "{a}");
        assert_ne!(a, b);
        assert!(cache_key("/").ends_with(".git"));
    }

    #[test]
    fn passwords_are_masked() {
        assert_eq!(
            redact_url("https://bot:s3cret@git.example/org/app.git"),
            "https://bot:***@git.example/org/app.git"
        );
        assert_eq!(
            redact_url("https://token@git.example/x?a=b@c"),
            "https://token@git.example/x?a=b@c"
        );
        assert_eq!(redact_url("/tmp/a:b@c"), "/tmp/a:b@c");
        assert_eq!(redact_url("https://u:p@h"), "https://u:***@h");
    }

    #[test]
    fn hex_shas() {
        assert!(is_hex_sha("abcd"));
        assert!(is_hex_sha(&"a".repeat(40)));
        assert!(!is_hex_sha("abc"));
        assert!(!is_hex_sha("main"));
        assert!(!is_hex_sha(&"a".repeat(41)));
    }
}
