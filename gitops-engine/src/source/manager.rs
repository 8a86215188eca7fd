//! [`Sources`]: the repositories a controller reads, one cache clone per
//! URL, with renderings cached by commit.
//!
//! Change detection, shared by every app of a repository: at most once per
//! polling interval (or on demand) the remote's refs are listed (`git
//! ls-remote`, one small request), and the clone is fetched only when they
//! differ from what the last fetch brought. A revision the clone does not
//! know yet (a new app, a just-pushed commit) triggers that check at once.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use super::remote::CloneLocks;
use super::{
    GitRepo, Oid, Refresh, RemoteBases, RemoteLimits, RenderCache, Rendered, RepoAccess, RepoAuth,
    SourceError, SourceRequest,
};

/// Renderings kept in memory (each is one app's objects at one commit).
const RENDER_CACHE_CAPACITY: usize = 256;

/// After a failed poll, how long renders report it before the remote is
/// tried again (unless the polling interval is shorter).
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(10);

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
    /// How repositories are reached; replaced when Secrets change.
    access: RwLock<Arc<RepoAccess>>,
    repos: Mutex<HashMap<String, Arc<Mutex<Repo>>>>,
    renders: RenderCache,
    /// The locks of the kustomize remote bases' clones (under
    /// [`REMOTE_BASES_DIR`] of the cache directory).
    remote_locks: Arc<CloneLocks>,
}

/// The directory, below the cache directory, of the clones of kustomize
/// remote bases. They are clones of their own, apart from the sources'
/// clones, so that a build reading a base from its own repository never
/// waits for that repository's clone, which the build holds.
pub const REMOTE_BASES_DIR: &str = "kustomize-remote";

#[derive(Debug)]
struct Repo {
    git: GitRepo,
    /// When this process last polled the remote; `None` before the first
    /// poll (an existing cache clone may be stale).
    polled_at: Option<Instant>,
    /// The remote's refs as of the last fetch.
    fetched_refs: Option<Vec<(String, Oid)>>,
    /// Why the last poll failed, if it did.
    failure: Option<Failure>,
    /// The refs moved, or the remote became unreachable or reachable again,
    /// since [`Sources::poll_all`] last reported this repository.
    changed: bool,
    /// The project of the last app that read it: whose credentials the
    /// periodic poll uses.
    project: Option<String>,
}

/// Why a repository's last poll failed.
#[derive(Debug, Clone)]
enum Failure {
    /// The remote could not be reached (or answered with an error).
    Unreachable(String),
    /// The remote refused our credentials, or its host key is not trusted.
    Denied(String),
}

impl Repo {
    fn new(git: GitRepo) -> Self {
        Self {
            git,
            polled_at: None,
            fetched_refs: None,
            failure: None,
            changed: false,
            project: None,
        }
    }

    /// Whether the remote is due for a poll.
    fn poll_due(&self, refresh: Refresh, interval: Duration) -> bool {
        let wait = match self.failure {
            Some(_) => interval.min(RETRY_AFTER_FAILURE),
            None => interval,
        };
        refresh != Refresh::Normal || self.polled_at.is_none_or(|at| at.elapsed() >= wait)
    }

    /// Lists the remote's refs and fetches if they moved since the last
    /// fetch. A failure is remembered until the next poll.
    /// `auth` is how the remote is reached now.
    fn poll(&mut self, auth: RepoAuth) -> Result<(), SourceError> {
        self.git.set_auth(auth);
        self.polled_at = Some(Instant::now());
        let result = self.git.ls_remote().and_then(|refs| {
            if self.fetched_refs.as_ref() != Some(&refs) {
                self.git.fetch()?;
                self.fetched_refs = Some(refs);
                self.changed = true;
            }
            Ok(())
        });
        let failure = result.as_ref().err().map(|e| match e {
            SourceError::Git { source, .. } => Failure::Unreachable(source.message().to_owned()),
            SourceError::AccessDenied { problem, .. } => Failure::Denied(problem.clone()),
            other => Failure::Unreachable(other.to_string()),
        });
        self.changed |= failure.is_some() != self.failure.is_some();
        self.failure = failure;
        result
    }

    /// The failure of the last poll, as the error renders report meanwhile.
    fn last_failure(&self) -> Result<(), SourceError> {
        let url = self.git.url().to_owned();
        match self.failure.clone() {
            Some(Failure::Unreachable(cause)) => Err(SourceError::Unreachable { url, cause }),
            Some(Failure::Denied(problem)) => Err(SourceError::AccessDenied { url, problem }),
            None => Ok(()),
        }
    }
}

impl Sources {
    /// Sources cloned under `cache_dir`, polled at most once per
    /// `poll_interval` unless forced.
    pub fn new(cache_dir: impl Into<PathBuf>, poll_interval: Duration) -> Self {
        Self::with_access(cache_dir, poll_interval, RepoAccess::default())
    }

    /// [`Sources::new`], reaching repositories with `access` (credentials,
    /// certificate authorities, known hosts).
    pub fn with_access(
        cache_dir: impl Into<PathBuf>,
        poll_interval: Duration,
        access: RepoAccess,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                cache_dir: cache_dir.into(),
                poll_interval,
                access: RwLock::new(Arc::new(access)),
                repos: Mutex::new(HashMap::new()),
                renders: RenderCache::new(RENDER_CACHE_CAPACITY),
                remote_locks: Arc::default(),
            }),
        }
    }

    /// Replaces how repositories are reached (the repository Secrets or
    /// trust ConfigMaps changed). Takes effect at each repository's next
    /// contact with its remote; one whose last poll failed is polled again
    /// at its next use instead of reporting that failure until the retry
    /// delay (unless it is busy right now).
    pub fn set_access(&self, access: RepoAccess) {
        *self
            .inner
            .access
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(access);
        let repos = self
            .inner
            .repos
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for repo in repos.values() {
            if let Ok(mut repo) = repo.try_lock()
                && repo.failure.is_some()
            {
                repo.polled_at = None;
            }
        }
    }

    /// How `url` is reached now for an app of `project`.
    fn auth_for(&self, url: &str, project: Option<&str>) -> RepoAuth {
        self.access().auth_for(url, project)
    }

    /// How repositories are reached now (credentials, certificate
    /// authorities, known hosts).
    pub fn access(&self) -> Arc<RepoAccess> {
        Arc::clone(
            &self
                .inner
                .access
                .read()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }

    /// Resolves the request's revision (polling the remote first per
    /// `refresh`, and whenever the revision is unknown) and
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
        let project = Some(request.project.as_str()).filter(|p| !p.is_empty());
        self.read_commit(
            &request.repo_url,
            project,
            &request.revision,
            refresh,
            |git, commit| {
                if refresh == Refresh::Hard {
                    self.inner
                        .renders
                        .forget(git, commit, &request.path, &request.options);
                }
                self.inner
                    .renders
                    .render(git, commit, &request.path, &request.options, || {
                        Some(Arc::new(self.remote_bases()))
                    })
            },
        )
    }

    /// The resolver of one render's kustomize remote bases.
    fn remote_bases(&self) -> RemoteBases {
        RemoteBases::sharing(
            self.inner.cache_dir.join(REMOTE_BASES_DIR),
            self.access(),
            RemoteLimits::default(),
            self.inner.remote_locks.clone(),
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
        self.read_commit(repo_url, None, revision, refresh, read)
    }

    /// [`Sources::with_commit`] for an app of `project`.
    fn read_commit<T>(
        &self,
        repo_url: &str,
        project: Option<&str>,
        revision: &str,
        refresh: Refresh,
        read: impl FnOnce(&GitRepo, Oid) -> Result<T, SourceError>,
    ) -> Result<T, SourceError> {
        let repo = self.repo(repo_url, project)?;
        let mut repo = repo.lock().unwrap_or_else(PoisonError::into_inner);
        repo.project = project.map(str::to_owned);
        let polled = repo.poll_due(refresh, self.inner.poll_interval);
        if polled {
            repo.poll(self.auth_for(repo_url, project))?;
        } else {
            repo.last_failure()?;
        }
        let commit = match repo.git.resolve(revision) {
            Err(SourceError::RevisionNotFound { .. }) if !polled => {
                repo.poll(self.auth_for(repo_url, project))?;
                repo.git.resolve(revision)?
            }
            resolved => resolved?,
        };
        read(&repo.git, commit)
    }

    /// Polls every repository rendered so far, due or not (the controller
    /// calls this once per polling interval), fetching those whose refs
    /// moved. Returns the URLs whose refs moved, or whose remote became
    /// unreachable or reachable again, since the previous call, whether
    /// this poll or a render in between noticed: their apps need a look.
    pub async fn poll_all(&self) -> Vec<String> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || this.poll_all_blocking())
            .await
            .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
    }

    /// [`Sources::poll_all`] on the calling thread.
    pub fn poll_all_blocking(&self) -> Vec<String> {
        let repos: Vec<(String, Arc<Mutex<Repo>>)> = self
            .inner
            .repos
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|(url, repo)| (url.clone(), Arc::clone(repo)))
            .collect();
        let access = self.access();
        let mut changed = Vec::new();
        for (url, repo) in repos {
            let mut repo = repo.lock().unwrap_or_else(PoisonError::into_inner);
            // A failure is kept in the repository's state and reported to
            // its apps by their next render.
            let auth = access.auth_for(&url, repo.project.as_deref());
            let _ = repo.poll(auth);
            if std::mem::take(&mut repo.changed) {
                changed.push(url);
            }
        }
        changed
    }

    /// The clone of `url`, opened (or cloned) on first use.
    fn repo(&self, url: &str, project: Option<&str>) -> Result<Arc<Mutex<Repo>>, SourceError> {
        let mut repos = self
            .inner
            .repos
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(repo) = repos.get(url) {
            return Ok(Arc::clone(repo));
        }
        let git =
            GitRepo::open_or_clone_with(url, &self.inner.cache_dir, self.auth_for(url, project))?;
        let repo = Arc::new(Mutex::new(Repo::new(git)));
        repos.insert(url.to_owned(), Arc::clone(&repo));
        Ok(repo)
    }
}
