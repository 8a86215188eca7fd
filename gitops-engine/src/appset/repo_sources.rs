//! [`GeneratorSources`] over real repositories: the git generator reads the
//! commit its `revision` resolves to through the engine's [`Sources`] (one
//! cache clone per URL, fetched at most once per polling interval however
//! many ApplicationSets read it). Cluster Secrets and decision resources are
//! given by the caller.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, PoisonError};

use git2::{ObjectType, Oid, TreeWalkMode, TreeWalkResult};
use serde_json::{Map, Value};

use super::generators::GeneratorSources;
use super::glob::{FileGlob, FileGlobbing};
use super::model::DecisionResourceGenerator;
use crate::source::{GitRepo, Refresh, SourceError, Sources};

/// Most entries (files and directories) read from one commit's tree.
pub const MAX_TREE_ENTRIES: usize = 200_000;
/// Most bytes of one file the files generator reads.
pub const MAX_FILE_BYTES: usize = 4 << 20;

/// The paths of one commit's tree.
#[derive(Debug, Default)]
struct TreeListing {
    /// Directories, without dot-directories or anything under them.
    directories: Vec<String>,
    /// Files (blobs), by path, with their object ids.
    files: BTreeMap<String, Oid>,
}

/// Generator inputs from Git repositories plus caller-supplied cluster data.
pub struct RepoSources<'a> {
    sources: &'a Sources,
    refresh: Refresh,
    globbing: FileGlobbing,
    cluster_secrets: Vec<Value>,
    decisions: Option<&'a DecisionLookup<'a>>,
    listings: Mutex<HashMap<(String, Oid), std::sync::Arc<TreeListing>>>,
    read: Mutex<BTreeMap<(String, String), Oid>>,
}

/// Looks up the decisions of a clusterDecisionResource generator: the `matchKey`
/// and the entries of the resources' status list.
pub type DecisionLookup<'a> =
    dyn Fn(&DecisionResourceGenerator) -> Result<(String, Vec<Map<String, Value>>), String> + 'a;

impl<'a> RepoSources<'a> {
    /// Reads repositories through `sources`; `cluster_secrets` are the cluster
    /// Secrets of the control-plane namespace.
    pub fn new(sources: &'a Sources, refresh: Refresh, cluster_secrets: Vec<Value>) -> Self {
        Self {
            sources,
            refresh,
            globbing: FileGlobbing::New,
            cluster_secrets,
            decisions: None,
            listings: Mutex::new(HashMap::new()),
            read: Mutex::new(BTreeMap::new()),
        }
    }

    /// Matches `files` patterns in `globbing` mode (default: [`FileGlobbing::New`]).
    pub fn with_globbing(mut self, globbing: FileGlobbing) -> Self {
        self.globbing = globbing;
        self
    }

    /// Answers clusterDecisionResource generators with `lookup`.
    pub fn with_decisions(mut self, lookup: &'a DecisionLookup<'a>) -> Self {
        self.decisions = Some(lookup);
        self
    }

    /// Every (repository URL, revision) read so far, with the commit it resolved
    /// to: what a controller watches for new commits.
    pub fn commits_read(&self) -> BTreeMap<(String, String), Oid> {
        self.read
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The listing of `revision`, and the commit, calling `then` with the clone.
    fn with_listing<T>(
        &self,
        repo_url: &str,
        revision: &str,
        then: impl FnOnce(&GitRepo, &TreeListing) -> Result<T, String>,
    ) -> Result<T, String> {
        let mut outcome: Option<Result<T, String>> = None;
        self.sources
            .with_commit(repo_url, revision, self.refresh, |git, commit| {
                self.read
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert((repo_url.to_string(), revision.to_string()), commit);
                let key = (repo_url.to_string(), commit);
                let cached = self
                    .listings
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .get(&key)
                    .cloned();
                let listing = match cached {
                    Some(l) => l,
                    None => {
                        let l = std::sync::Arc::new(list_tree(git, commit)?);
                        self.listings
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .insert(key, l.clone());
                        l
                    }
                };
                outcome = Some(then(git, &listing));
                Ok(())
            })
            .map_err(|e| e.to_string())?;
        outcome.unwrap_or_else(|| Err("repository not read".into()))
    }
}

fn git_error(git: &GitRepo, operation: &str, source: git2::Error) -> SourceError {
    SourceError::Git {
        url: git.url().to_string(),
        operation: operation.to_string(),
        source,
    }
}

/// Every directory and file of `commit`, bounded by [`MAX_TREE_ENTRIES`].
fn list_tree(git: &GitRepo, commit: Oid) -> Result<TreeListing, SourceError> {
    let repo = git.repository();
    let tree = repo
        .find_commit(commit)
        .and_then(|c| c.tree())
        .map_err(|e| git_error(git, &format!("read tree of {commit}"), e))?;
    let mut listing = TreeListing::default();
    let mut count = 0usize;
    let mut too_big = false;
    tree.walk(TreeWalkMode::PreOrder, |root, entry| {
        count += 1;
        if count > MAX_TREE_ENTRIES {
            too_big = true;
            return TreeWalkResult::Abort;
        }
        let Ok(name) = entry.name() else {
            return TreeWalkResult::Skip;
        };
        let path = format!("{root}{name}");
        match entry.kind() {
            Some(ObjectType::Tree) if name.starts_with('.') => TreeWalkResult::Skip,
            Some(ObjectType::Tree) => {
                listing.directories.push(path);
                TreeWalkResult::Ok
            }
            Some(ObjectType::Blob) => {
                listing.files.insert(path, entry.id());
                TreeWalkResult::Ok
            }
            _ => TreeWalkResult::Ok,
        }
    })
    .map_err(|e| git_error(git, &format!("walk tree of {commit}"), e))?;
    if too_big {
        return Err(git_error(
            git,
            &format!("list tree of {commit}"),
            git2::Error::from_str(&format!("more than {MAX_TREE_ENTRIES} entries")),
        ));
    }
    Ok(listing)
}

impl GeneratorSources for RepoSources<'_> {
    fn directories(&self, repo_url: &str, revision: &str) -> Result<Vec<String>, String> {
        self.with_listing(repo_url, revision, |_, listing| {
            Ok(listing.directories.clone())
        })
    }

    fn files(
        &self,
        repo_url: &str,
        revision: &str,
        pattern: &str,
    ) -> Result<Vec<(String, Vec<u8>)>, String> {
        let glob = FileGlob::new(pattern, self.globbing).map_err(|e| e.to_string())?;
        self.with_listing(repo_url, revision, |git, listing| {
            let mut out = Vec::new();
            for (path, id) in listing.files.iter().filter(|(p, _)| glob.matches(p)) {
                let blob = git
                    .repository()
                    .find_blob(*id)
                    .map_err(|e| format!("{path}: {}", e.message()))?;
                if blob.size() > MAX_FILE_BYTES {
                    return Err(format!("{path}: larger than {MAX_FILE_BYTES} bytes"));
                }
                out.push((path.clone(), blob.content().to_vec()));
            }
            Ok(out)
        })
    }

    fn cluster_secrets(&self) -> Result<Vec<Value>, String> {
        Ok(self.cluster_secrets.clone())
    }

    fn decisions(
        &self,
        generator: &DecisionResourceGenerator,
    ) -> Result<(String, Vec<Map<String, Value>>), String> {
        match self.decisions {
            Some(lookup) => lookup(generator),
            None => Err("decision resources need a cluster connection".into()),
        }
    }
}
