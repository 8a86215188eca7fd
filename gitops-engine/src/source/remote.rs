//! [`RemoteBases`]: the [`RemoteResolver`] of kustomize builds. Git URLs
//! are fetched into bare cache clones ([`GitRepo`], one per URL under the
//! cache directory, the layout [`super::Sources`] uses) and read at the
//! resolved commit through [`GitTreeFs`]; `http(s)://` files are fetched
//! with reqwest.
//!
//! Within one `RemoteBases` (one build), a repository is fetched at most once (its
//! first use), and a tree is indexed once per commit. An existing cache
//! clone is fetched again on first use unless the ref is a full commit SHA
//! it already holds. Submodules are not fetched, whatever `submodules=`
//! says: a path into one fails, saying so.
//!
//! Bounds: a checkout (fetch included) runs on a thread of its own and is
//! given up after the URL's `timeout` (kustomize's default 27 s), even if
//! the server never answers; a fetch stops past a byte cap; a file
//! request has a timeout and a byte cap of its own ([`RemoteLimits`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::time::Duration;

use git2::Oid;
use kustomize_core::remote::{RemoteError, RemoteResolver, RemoteTree, RepoSpec};

use super::remote_guard;
use super::{FetchLimits, GitRepo, GitTreeFs, RepoAccess, SourceError};

/// Most bytes one Git fetch may receive by default.
pub const DEFAULT_MAX_FETCH_BYTES: usize = 512 << 20;
/// Most bytes of one `http(s)://` file by default.
pub const DEFAULT_MAX_FILE_BYTES: usize = 64 << 20;
/// Longest one `http(s)://` file may take by default.
pub const DEFAULT_FILE_TIMEOUT: Duration = Duration::from_secs(27);

/// Bounds on what [`RemoteBases`] fetches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteLimits {
    /// Most bytes one Git fetch may receive.
    pub max_fetch_bytes: usize,
    /// Most bytes of one `http(s)://` file.
    pub max_file_bytes: usize,
    /// Longest one `http(s)://` request may take.
    pub file_timeout: Duration,
}

impl Default for RemoteLimits {
    /// [`DEFAULT_MAX_FETCH_BYTES`], [`DEFAULT_MAX_FILE_BYTES`] and
    /// [`DEFAULT_FILE_TIMEOUT`].
    fn default() -> Self {
        Self {
            max_fetch_bytes: DEFAULT_MAX_FETCH_BYTES,
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            file_timeout: DEFAULT_FILE_TIMEOUT,
        }
    }
}

/// Fetches the remote bases and files of kustomize builds. Share one per
/// build (or per CLI run): it remembers what it fetched.
#[derive(Debug)]
pub struct RemoteBases {
    inner: Arc<Inner>,
}

/// The state of a [`RemoteBases`], shared with its checkout threads.
#[derive(Debug)]
struct Inner {
    cache_dir: PathBuf,
    access: Arc<RepoAccess>,
    limits: RemoteLimits,
    locks: Arc<CloneLocks>,
    /// Whether `file://` repositories may be read (not in a controller's
    /// builds: they would read other clones on the controller's disk).
    local_repositories: bool,
    state: Mutex<State>,
}

/// One lock per cache clone, shared by the [`RemoteBases`] of concurrent
/// builds over one cache directory, so that two builds never fetch into
/// the same clone at once.
#[derive(Debug, Default)]
pub(crate) struct CloneLocks(Mutex<HashMap<String, Arc<Mutex<()>>>>);

impl CloneLocks {
    /// The lock of the clone of `url`.
    fn of(&self, url: &str) -> Arc<Mutex<()>> {
        let mut locks = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        locks.entry(url.to_owned()).or_default().clone()
    }
}

/// Clones and trees used so far.
#[derive(Debug, Default)]
struct State {
    /// Clones by URL, each fetched (or found up to date) once.
    repos: HashMap<String, GitRepo>,
    /// Indexed trees by URL and commit.
    trees: HashMap<(String, Oid), Arc<GitTreeFs>>,
}

impl RemoteBases {
    /// Clones under `cache_dir`, reached with `access` (credentials,
    /// certificate authorities, known hosts); the default bounds.
    pub fn new(cache_dir: impl Into<PathBuf>, access: RepoAccess) -> Self {
        Self::with_limits(cache_dir, access, RemoteLimits::default())
    }

    /// [`RemoteBases::new`] with other bounds.
    pub fn with_limits(
        cache_dir: impl Into<PathBuf>,
        access: RepoAccess,
        limits: RemoteLimits,
    ) -> Self {
        Self::with_inner(Inner {
            cache_dir: cache_dir.into(),
            access: Arc::new(access),
            limits,
            locks: Arc::default(),
            local_repositories: true,
            state: Mutex::default(),
        })
    }

    /// A [`RemoteBases`] for one build of a controller, sharing its cache
    /// directory with other builds running at the same time, all taking
    /// `locks`. It refuses `file://` repositories: a repository an app's
    /// kustomization names must be reached over the network, with the
    /// credentials configured for its URL, never read from the
    /// controller's own disk (where other apps' clones are).
    pub(crate) fn sharing(
        cache_dir: impl Into<PathBuf>,
        access: Arc<RepoAccess>,
        limits: RemoteLimits,
        locks: Arc<CloneLocks>,
    ) -> Self {
        Self::with_inner(Inner {
            cache_dir: cache_dir.into(),
            access,
            limits,
            locks,
            local_repositories: false,
            state: Mutex::default(),
        })
    }

    fn with_inner(inner: Inner) -> Self {
        Self {
            inner: Arc::new(inner),
        }
    }

    /// The cache directory of the clones.
    pub fn cache_dir(&self) -> &Path {
        &self.inner.cache_dir
    }
}

impl Inner {
    /// The tree of `spec`'s repository at its ref, fetching as needed.
    fn tree(&self, spec: &RepoSpec) -> Result<Arc<GitTreeFs>, SourceError> {
        let url = spec.clone_spec();
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let State { repos, trees } = &mut *state;
        let repo = match repos.entry(url.clone()) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                let lock = self.locks.of(&url);
                let _clone = lock.lock().unwrap_or_else(PoisonError::into_inner);
                let limits = FetchLimits {
                    timeout: Some(spec.timeout),
                    max_bytes: Some(self.limits.max_fetch_bytes),
                };
                let auth = self.access.auth_for(&url, None);
                let (repo, fresh) =
                    GitRepo::open_or_clone_limited(&url, &self.cache_dir, auth, limits)?;
                if !fresh && !holds_commit(&repo, &spec.git_ref) {
                    repo.fetch()?;
                }
                e.insert(repo)
            }
        };
        let commit = match repo.resolve(&spec.git_ref) {
            Ok(commit) => commit,
            // A full SHA no branch or tag leads to: asked for by itself.
            Err(unknown) => match full_sha(&spec.git_ref) {
                Some(oid) => {
                    let lock = self.locks.of(&url);
                    let _fetch = lock.lock().unwrap_or_else(PoisonError::into_inner);
                    repo.fetch_commit(oid).map_err(|_| unknown)?;
                    repo.resolve(&spec.git_ref)?
                }
                None => return Err(unknown),
            },
        };
        if let Some(tree) = trees.get(&(url.clone(), commit)) {
            return Ok(tree.clone());
        }
        let tree = Arc::new(GitTreeFs::new(repo.url(), repo.path(), commit)?);
        trees.insert((url, commit), tree.clone());
        Ok(tree)
    }

    /// The body of `url`, within the time and size bounds, on a runtime of
    /// its own (the caller may be inside one, or not).
    fn get(&self, url: &str) -> Result<Vec<u8>, RemoteError> {
        remote_guard::check_url(url)?;
        let client = self.http_client(url)?;
        let max = self.limits.max_file_bytes;
        let fetch = async move {
            let failed = |e: reqwest::Error| RemoteError::Failed(with_causes(&e));
            let mut response = client.get(url).send().await.map_err(failed)?;
            let status = response.status();
            if !status.is_success() {
                return Err(RemoteError::HttpStatus {
                    status: status.as_u16(),
                    reason: status.canonical_reason().unwrap_or_default().to_owned(),
                });
            }
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(failed)? {
                if body.len() + chunk.len() > max {
                    return Err(RemoteError::Failed(format!(
                        "the response is larger than {max} bytes"
                    )));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(body)
        };
        std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .map_err(|e| RemoteError::Failed(format!("cannot start a runtime: {e}")))?
                        .block_on(fetch)
                })
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e))
        })
    }

    /// A client for `url`: the timeout, the certificate authorities
    /// configured for its host besides the built-in ones, and no link-local
    /// address reached, directly or through a redirect.
    fn http_client(&self, url: &str) -> Result<reqwest::Client, RemoteError> {
        let parsed =
            reqwest::Url::parse(url).map_err(|e| RemoteError::Failed(format!("bad URL: {e}")))?;
        let mut builder = remote_guard::guarded_client().timeout(self.limits.file_timeout);
        for der in self
            .access
            .tls
            .authorities(parsed.host_str().unwrap_or_default())
        {
            let cert = reqwest::Certificate::from_der(der.as_ref())
                .map_err(|e| RemoteError::Failed(format!("certificate authority: {e}")))?;
            builder = builder.add_root_certificate(cert);
        }
        builder
            .build()
            .map_err(|e| RemoteError::Failed(format!("HTTP client: {e}")))
    }
}

/// An error's text followed by those of its causes (reqwest's own text
/// leaves out why: "error following redirect for url …").
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        cause = c.source();
    }
    text
}

/// `git_ref` as a commit id, when it is a full SHA.
fn full_sha(git_ref: &str) -> Option<Oid> {
    (git_ref.len() == 40)
        .then(|| Oid::from_str(git_ref).ok())
        .flatten()
}

/// Whether `git_ref` is a full commit SHA the clone already holds (then
/// nothing a fetch brings can change what it names).
fn holds_commit(repo: &GitRepo, git_ref: &str) -> bool {
    full_sha(git_ref).is_some_and(|oid| repo.repository().find_commit(oid).is_ok())
}

impl RemoteResolver for RemoteBases {
    fn checkout(&self, spec: &RepoSpec) -> Result<RemoteTree, RemoteError> {
        let url = spec.clone_spec();
        remote_guard::check_url(&url)?;
        if !self.inner.local_repositories && (url.starts_with("file://") || url.starts_with('/')) {
            return Err(RemoteError::Failed(format!(
                "'{url}': a local repository cannot be a remote base here; name it by an https:// or SSH URL"
            )));
        }
        let (tx, rx) = mpsc::channel();
        let (inner, owned) = (self.inner.clone(), spec.clone());
        // A server that never answers leaves this thread blocked; the
        // build goes on without it (a later checkout waits for its lock,
        // and times out too).
        std::thread::spawn(move || {
            let _ = tx.send(inner.tree(&owned));
        });
        let tree = match rx.recv_timeout(spec.timeout) {
            Ok(tree) => tree.map_err(|e| RemoteError::Failed(e.to_string()))?,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                return Err(RemoteError::Failed(format!(
                    "fetching '{}' took longer than {}s (the URL's timeout)",
                    spec.clone_spec(),
                    spec.timeout.as_secs_f64()
                )));
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(RemoteError::Failed(format!(
                    "fetching '{}' failed without a reason",
                    spec.clone_spec()
                )));
            }
        };
        Ok(RemoteTree {
            fs: tree,
            dir: PathBuf::from("/"),
        })
    }

    fn fetch_file(&self, url: &str) -> Result<Vec<u8>, RemoteError> {
        self.inner.get(url)
    }
}
