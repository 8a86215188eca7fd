//! [`Sources`]: the repositories a controller reads, one cache clone per
//! URL, fetched at most once per polling interval (or on demand), with
//! renderings cached by commit.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::{GitRepo, Oid, RenderCache, RenderOptions, Rendered, SourceError};

/// Renderings kept in memory (each is one app's objects at one commit).
const RENDER_CACHE_CAPACITY: usize = 256;

/// What to render: a path of a repository at a revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRequest {
    /// Repository URL (`file://`, `git://`, a local path, or `https://`).
    pub repo_url: String,
    /// Branch, tag, commit SHA or `HEAD` (empty means `HEAD`).
    pub revision: String,
    /// Directory inside the repository.
    pub path: String,
    /// How to render it.
    pub options: RenderOptions,
}

/// When to contact the remote before resolving the revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    /// Fetch when the last fetch is older than the polling interval.
    Normal,
    /// Fetch now (Argo CD's refresh / hard refresh).
    Force,
}

/// Cache clones by URL with their last fetch time, and one render cache.
/// Cloning a `Sources` shares the clones; safe to use from several tasks
/// (each repository is used by one of them at a time).
#[derive(Debug, Clone)]
pub struct Sources {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    cache_dir: PathBuf,
    poll_interval: Duration,
    repos: Mutex<HashMap<String, Arc<Mutex<Repo>>>>,
    renders: RenderCache,
}

#[derive(Debug)]
struct Repo {
    git: GitRepo,
    /// When this process last fetched it; `None` before the first fetch
    /// (an existing cache clone may be stale).
    fetched_at: Option<Instant>,
}

impl Sources {
    /// Sources cloned under `cache_dir`, fetched at most once per
    /// `poll_interval` unless forced.
    pub fn new(cache_dir: impl Into<PathBuf>, poll_interval: Duration) -> Self {
        Self {
            inner: Arc::new(Inner {
                cache_dir: cache_dir.into(),
                poll_interval,
                repos: Mutex::new(HashMap::new()),
                renders: RenderCache::new(RENDER_CACHE_CAPACITY),
            }),
        }
    }

    /// Resolves the request's revision (fetching first per `refresh`) and
    /// renders its path at that commit. Blocking work (Git, rendering) runs
    /// on tokio's blocking pool.
    pub async fn render(
        &self,
        request: &SourceRequest,
        refresh: Refresh,
    ) -> Result<Arc<Rendered>, SourceError> {
        let this = self.clone();
        let request = request.clone();
        tokio::task::spawn_blocking(move || this.render_blocking(&request, refresh))
            .await
            .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
    }

    /// [`Sources::render`] on the calling thread.
    pub fn render_blocking(
        &self,
        request: &SourceRequest,
        refresh: Refresh,
    ) -> Result<Arc<Rendered>, SourceError> {
        self.with_commit(
            &request.repo_url,
            &request.revision,
            refresh,
            |git, commit| {
                self.inner
                    .renders
                    .render(git, commit, &request.path, &request.options)
            },
        )
    }

    /// Resolves `revision` of `repo_url` (fetching first per `refresh`, under the
    /// same polling interval as rendering) and calls `read` with the clone and the
    /// commit, on the calling thread. For readers other than rendering, such as
    /// the ApplicationSet git generator.
    pub fn with_commit<T>(
        &self,
        repo_url: &str,
        revision: &str,
        refresh: Refresh,
        read: impl FnOnce(&GitRepo, Oid) -> Result<T, SourceError>,
    ) -> Result<T, SourceError> {
        let repo = self.repo(repo_url)?;
        let mut repo = repo.lock().unwrap_or_else(PoisonError::into_inner);
        let due = repo
            .fetched_at
            .is_none_or(|at| at.elapsed() >= self.inner.poll_interval);
        if refresh == Refresh::Force || due {
            repo.git.fetch()?;
            repo.fetched_at = Some(Instant::now());
        }
        let commit = repo.git.resolve(revision)?;
        read(&repo.git, commit)
    }

    /// The clone of `url`, opened (or cloned) on first use.
    fn repo(&self, url: &str) -> Result<Arc<Mutex<Repo>>, SourceError> {
        let mut repos = self
            .inner
            .repos
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(repo) = repos.get(url) {
            return Ok(Arc::clone(repo));
        }
        let git = GitRepo::open_or_clone(url, &self.inner.cache_dir)?;
        let repo = Arc::new(Mutex::new(Repo {
            git,
            fetched_at: None,
        }));
        repos.insert(url.to_owned(), Arc::clone(&repo));
        Ok(repo)
    }
}
