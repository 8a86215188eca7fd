//! [`RenderCache`]: rendered sources by (repository, commit, path, options),
//! so a reconcile loop renders again only when the commit changes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use git2::Oid;

use super::{GitRepo, RenderOptions, Rendered, SourceError, render};

/// What identifies one rendering.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CacheKey {
    url: String,
    commit: Oid,
    path: String,
    options: RenderOptions,
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
}

/// How often the cache answered from memory.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Lookups answered from the cache.
    pub hits: u64,
    /// Lookups that rendered.
    pub misses: u64,
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
    /// freshly made with [`render`].
    pub fn render(
        &self,
        repo: &GitRepo,
        commit: Oid,
        path: &str,
        options: &RenderOptions,
    ) -> Result<Arc<Rendered>, SourceError> {
        let key = CacheKey {
            url: repo.url().to_owned(),
            commit,
            path: path.to_owned(),
            options: options.clone(),
        };
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
        let rendered = Arc::new(render(repo, commit, path, options)?);
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
