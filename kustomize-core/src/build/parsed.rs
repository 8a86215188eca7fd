//! Files parsed at most twice per build. A base or component included by
//! several kustomizations of one build (overlays listed by one root, each
//! naming `../../base`) has its kustomization file loaded once, and its
//! resource files parsed at their first two inclusions and kept from the
//! second on: later inclusions get copies of the parsed values. A resource
//! file read once (most of them) is not kept, so it costs no copy and no
//! memory after its read.
//!
//! Only what the parse yields is shared: every inclusion still runs the
//! load restrictor of the kustomization reading the file, is counted
//! against the [`BuildLimits`](super::BuildLimits) as a read would be, and
//! accumulates, transforms and annotates (origins) its own copies.
//!
//! Entries are keyed by the path the loader resolved, for the file system
//! the build started on (remote repositories come through other file
//! systems and are not kept). The cache lives as long as the build, and
//! keeps resource files up to [`MAX_KEPT_BYTES`] of text in all; files read
//! past that are parsed every time, as without the cache. Kustomization
//! files are few and small, bounded by the limit on kustomizations.

use crate::fs::FileSystem;
use crate::kustomization::Kustomization;
use crate::resource::Resource;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Most bytes of resource-file text whose parsed resources are kept.
pub(crate) const MAX_KEPT_BYTES: usize = 64 << 20;

/// A parsed resource file.
#[derive(Debug, Clone)]
pub(crate) struct ResourceFile {
    /// Length of the file's text, counted against the build's byte limit.
    pub bytes: usize,
    /// Its resources, with no bookkeeping yet.
    pub resources: Vec<Resource>,
}

/// A loaded kustomization: the value, the file's name in its directory and
/// its deprecation warnings (printed again at every inclusion, as kubectl
/// prints them).
pub(crate) type LoadedKustomization = (Kustomization, String, Vec<String>);

/// The files of one build parsed so far.
pub(crate) struct ParsedFiles {
    /// The file system whose paths key the entries (held, so that its
    /// address is not reused by another during the build).
    fs: Arc<dyn FileSystem>,
    /// Loaded kustomizations by the directory holding them.
    kustomizations: HashMap<PathBuf, Arc<LoadedKustomization>>,
    /// Parsed resource files by path.
    resource_files: HashMap<PathBuf, Arc<ResourceFile>>,
    /// The resource files parsed once (not kept).
    parsed_once: HashSet<PathBuf>,
    /// Bytes of text of the resource files kept.
    kept_bytes: usize,
}

impl ParsedFiles {
    /// A cache for the files of `fs`.
    pub fn new(fs: Arc<dyn FileSystem>) -> Self {
        Self {
            fs,
            kustomizations: HashMap::new(),
            resource_files: HashMap::new(),
            parsed_once: HashSet::new(),
            kept_bytes: 0,
        }
    }

    /// Whether paths of `fs` key this cache.
    fn serves(&self, fs: &Arc<dyn FileSystem>) -> bool {
        Arc::ptr_eq(&self.fs, fs)
    }

    /// The kustomization of directory `dir` of `fs`, loaded earlier in this
    /// build, if kept.
    pub fn kustomization(
        &self,
        fs: &Arc<dyn FileSystem>,
        dir: &Path,
    ) -> Option<Arc<LoadedKustomization>> {
        self.kustomizations
            .get(dir)
            .filter(|_| self.serves(fs))
            .cloned()
    }

    /// Keeps the kustomization of directory `dir` of `fs`; returns it shared.
    pub fn keep_kustomization(
        &mut self,
        fs: &Arc<dyn FileSystem>,
        dir: &Path,
        loaded: LoadedKustomization,
    ) -> Arc<LoadedKustomization> {
        let loaded = Arc::new(loaded);
        if self.serves(fs) {
            self.kustomizations
                .insert(dir.to_path_buf(), Arc::clone(&loaded));
        }
        loaded
    }

    /// The resource file at `path` of `fs`, parsed earlier in this build,
    /// if kept.
    pub fn resource_file(
        &self,
        fs: &Arc<dyn FileSystem>,
        path: &Path,
    ) -> Option<Arc<ResourceFile>> {
        self.resource_files
            .get(path)
            .filter(|_| self.serves(fs))
            .cloned()
    }

    /// Keeps the resource file at `path` of `fs` when this is its second
    /// parse in the build, while the kept text stays within
    /// [`MAX_KEPT_BYTES`]; returns it (shared only when kept).
    pub fn keep_resource_file(
        &mut self,
        fs: &Arc<dyn FileSystem>,
        path: &Path,
        file: ResourceFile,
    ) -> Arc<ResourceFile> {
        let file = Arc::new(file);
        if !self.serves(fs) || self.parsed_once.insert(path.to_path_buf()) {
            return file;
        }
        let kept = self.kept_bytes.saturating_add(file.bytes);
        if kept <= MAX_KEPT_BYTES {
            self.kept_bytes = kept;
            self.resource_files
                .insert(path.to_path_buf(), Arc::clone(&file));
        }
        file
    }
}
