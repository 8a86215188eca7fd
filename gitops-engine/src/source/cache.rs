//! [`RenderCache`]: rendered sources by (repository, commit, path, options),
//! so a reconcile loop renders again only when the commit changes.

use std::collections::HashMap;
use std::path::{Component, Path};
use std::sync::{Arc, Mutex, PoisonError};

use git2::Oid;

use super::render::render_commit_tree_with;
use super::{GitRepo, GitTreeFs, RenderOptions, Rendered, SourceError};
use kustomize_core::remote::RemoteResolver;

/// What identifies one rendering.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CacheKey {
    url: String,
    commit: Oid,
    path: String,
    options: RenderOptions,
}

impl CacheKey {
    fn new(repo: &GitRepo, commit: Oid, path: &str, options: &RenderOptions) -> Self {
        Self {
            url: repo.url().to_owned(),
            commit,
            path: normalize_path(path),
            options: options.clone(),
        }
    }
}

/// A bounded cache of renderings; when full, the least recently used entry
/// is dropped. Failed renderings are not cached. Safe to share between
/// threads; two threads missing on the same key may both render.
#[derive(Debug)]
pub struct RenderCache {
    capacity: usize,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Each entry with the tick of its last use.
    entries: HashMap<CacheKey, (u64, Arc<Rendered>)>,
    tick: u64,
    stats: CacheStats,
    /// The tree last rendered from, reused while the commit stays the same.
    last_tree: Option<Arc<GitTreeFs>>,
}

/// How often the cache answered from memory.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Lookups answered from the cache.
    pub hits: u64,
    /// Lookups that rendered.
    pub misses: u64,
    /// Commit trees indexed for those renderings.
    pub trees_indexed: u64,
}

impl RenderCache {
    /// A cache holding at most `capacity` renderings (0 caches nothing).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            state: Mutex::new(State::default()),
        }
    }

    /// The rendering of `path` at `commit` of `repo`, from the cache or
    /// freshly made as [`super::render`] does, fetching kustomizations'
    /// remote bases with what `remote` makes, called on a miss only
    /// (without a resolver they are refused). Paths that
    /// differ only by `.` components or a trailing `/` share an entry. Like
    /// Argo CD's manifest cache, an entry is kept by the commit of `repo`,
    /// whatever the remote bases' refs do since.
    pub fn render(
        &self,
        repo: &GitRepo,
        commit: Oid,
        path: &str,
        options: &RenderOptions,
        remote: impl FnOnce() -> Option<Arc<dyn RemoteResolver>>,
    ) -> Result<Arc<Rendered>, SourceError> {
        let key = CacheKey::new(repo, commit, path, options);
        {
            let mut state = self.lock();
            state.tick += 1;
            let tick = state.tick;
            if let Some((used, rendered)) = state.entries.get_mut(&key) {
                *used = tick;
                let rendered = rendered.clone();
                state.stats.hits += 1;
                return Ok(rendered);
            }
            state.stats.misses += 1;
        }
        let tree = self.tree(repo, commit)?;
        let rendered = Arc::new(render_commit_tree_with(tree, path, options, remote())?);
        if self.capacity > 0 {
            let mut state = self.lock();
            if state.entries.len() >= self.capacity
                && !state.entries.contains_key(&key)
                && let Some(oldest) = state
                    .entries
                    .iter()
                    .min_by_key(|(_, (used, _))| *used)
                    .map(|(k, _)| k.clone())
            {
                state.entries.remove(&oldest);
            }
            let tick = state.tick;
            state.entries.insert(key, (tick, rendered.clone()));
        }
        Ok(rendered)
    }

    /// Drops the rendering of `path` at `commit` of `repo` with `options`,
    /// so that the next [`RenderCache::render`] makes it afresh.
    pub fn forget(&self, repo: &GitRepo, commit: Oid, path: &str, options: &RenderOptions) {
        let key = CacheKey::new(repo, commit, path, options);
        self.lock().entries.remove(&key);
    }

    /// The indexed tree of `commit`: the last one used if it is the same
    /// commit of the same repository, else a new one.
    fn tree(&self, repo: &GitRepo, commit: Oid) -> Result<Arc<GitTreeFs>, SourceError> {
        let last = self.lock().last_tree.clone();
        if let Some(tree) = last.filter(|t| t.commit() == commit && t.url() == repo.url()) {
            return Ok(tree);
        }
        let tree = Arc::new(GitTreeFs::new(repo.url(), repo.path(), commit)?);
        let mut state = self.lock();
        state.stats.trees_indexed += 1;
        state.last_tree = Some(tree.clone());
        Ok(tree)
    }

    /// How many renderings are held.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether the cache holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Hit and miss counts so far.
    pub fn stats(&self) -> CacheStats {
        self.lock().stats
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state stays consistent even if a holder panicked.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `path` without `.` components or a trailing `/`, for the cache key.
fn normalize_path(path: &str) -> String {
    let parts: Vec<_> = Path::new(path)
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy())
        .collect();
    parts.join("/")
}
