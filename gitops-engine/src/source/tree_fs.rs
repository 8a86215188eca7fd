//! [`GitTreeFs`]: a commit's tree seen as a read-only file system, read
//! straight from Git objects without a checkout.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use git2::{ObjectType, Oid, Repository};
use kustomize_core::fs::FileSystem;

use super::SourceError;

/// How many symbolic links one lookup may follow before it is taken as a loop
/// (Linux's `MAXSYMLINKS`).
const MAX_LINK_HOPS: usize = 40;

/// One entry of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    Dir,
    File(Oid),
    /// A symbolic link and its target, as stored in the link's blob.
    Link(PathBuf),
}

/// The tree of one commit as a [`FileSystem`], rooted at `/` (the
/// repository root).
///
/// The directory structure and symbolic-link targets are indexed when the
/// value is made; file contents are read from the object database only when
/// a file is read. Symbolic links are followed by [`FileSystem::read`],
/// `is_file`, `is_dir` and `canonicalize`, so kustomize's load restrictor
/// sees where a link really points. A link that points outside the
/// repository (an absolute target, or one that climbs above the root) cannot
/// be followed and reads as an error. Submodules, and entries whose names
/// are not UTF-8, are not part of the tree (a path into a submodule is
/// described as such by [`FileSystem::describe`]).
pub struct GitTreeFs {
    url: String,
    repo: Mutex<Repository>,
    commit: Oid,
    entries: BTreeMap<PathBuf, Entry>,
    /// Where the tree has submodules (absent from `entries`).
    submodules: BTreeSet<PathBuf>,
}

impl std::fmt::Debug for GitTreeFs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitTreeFs")
            .field("commit", &self.commit)
            .field("entries", &self.entries.len())
            .finish()
    }
}

impl GitTreeFs {
    /// Indexes the tree of `commit` in the repository at `repo_path`;
    /// `url` names the repository in errors.
    pub fn new(url: &str, repo_path: &Path, commit: Oid) -> Result<Self, SourceError> {
        let git_err = |operation: &str| {
            let operation = format!("{operation} {commit}");
            move |source| SourceError::Git {
                url: url.to_owned(),
                operation,
                source,
            }
        };
        let repo = Repository::open(repo_path).map_err(git_err("open repository to read"))?;
        let (entries, submodules) = index_tree(&repo, commit).map_err(git_err("read tree of"))?;
        Ok(Self {
            url: url.to_owned(),
            repo: Mutex::new(repo),
            commit,
            entries,
            submodules,
        })
    }

    /// The URL of the repository the commit comes from.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The commit whose tree this is.
    pub fn commit(&self) -> Oid {
        self.commit
    }

    /// Follows every symbolic link in `path`, the last component included
    /// when `follow_last` is set, and returns the resulting path with its
    /// entry.
    fn resolve(&self, path: &Path, follow_last: bool) -> io::Result<(PathBuf, &Entry)> {
        let mut pending = Vec::new();
        push_steps(&mut pending, path)?;
        // `current` is always a real directory (no links in it).
        let mut current = PathBuf::from("/");
        let mut entry = &Entry::Dir;
        let mut hops = 0;
        while let Some(step) = pending.pop() {
            if !matches!(entry, Entry::Dir) {
                return Err(not_found(path));
            }
            match step {
                Step::Parent => {
                    if !current.pop() {
                        return Err(outside(path));
                    }
                }
                Step::Name(name) => {
                    let next = current.join(&name);
                    let found = self.entries.get(&next).ok_or_else(|| not_found(path))?;
                    match found {
                        Entry::Link(target) if follow_last || !pending.is_empty() => {
                            hops += 1;
                            if hops > MAX_LINK_HOPS {
                                return Err(io::Error::other(format!(
                                    "{}: too many levels of symbolic links",
                                    path.display()
                                )));
                            }
                            if target.has_root() {
                                return Err(outside(path));
                            }
                            // Go on from the link's directory with the
                            // target in front of what is left.
                            push_steps(&mut pending, target)?;
                        }
                        _ => {
                            current = next;
                            entry = found;
                        }
                    }
                }
            }
        }
        Ok((current, entry))
    }

    /// The entry `path` leads to, links followed.
    fn entry(&self, path: &Path) -> Option<&Entry> {
        self.resolve(path, true).ok().map(|(_, e)| e)
    }
}

impl FileSystem for GitTreeFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let (real, entry) = self.resolve(path, true)?;
        let Entry::File(oid) = entry else {
            return Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                format!("{}: is a directory", path.display()),
            ));
        };
        let repo = self
            .repo
            .lock()
            .map_err(|_| io::Error::other("git repository lock poisoned"))?;
        let blob = repo
            .find_blob(*oid)
            .map_err(|e| io::Error::other(format!("{}: {}", real.display(), e.message())))?;
        Ok(blob.content().to_vec())
    }

    fn is_dir(&self, path: &Path) -> bool {
        matches!(self.entry(path), Some(Entry::Dir))
    }

    fn is_file(&self, path: &Path) -> bool {
        matches!(self.entry(path), Some(Entry::File(_)))
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        let (real, entry) = self.resolve(path, true)?;
        if !matches!(entry, Entry::Dir) {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                format!("{}: not a directory", path.display()),
            ));
        }
        // Children sort right after their parent; stop at the first path
        // that is no longer below it.
        let children = self
            .entries
            .range(real.clone()..)
            .skip_while(|(p, _)| *p == &real)
            .take_while(|(p, _)| p.starts_with(&real))
            .filter(|(p, _)| p.parent() == Some(real.as_path()))
            .filter_map(|(p, _)| p.file_name())
            .map(|name| path.join(name))
            .collect();
        Ok(children)
    }

    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        self.resolve(path, true).map(|(real, _)| real)
    }

    fn describe(&self, path: &Path) -> Option<String> {
        let submodule = path.ancestors().find(|p| self.submodules.contains(*p))?;
        Some(format!(
            "is in Git submodule '{}', which is not fetched",
            submodule.display()
        ))
    }
}

/// One component of a path being resolved.
enum Step {
    Parent,
    Name(std::ffi::OsString),
}

/// Pushes the components of `path` onto a stack so that the first component
/// is popped first; `.` and the root are dropped.
fn push_steps(stack: &mut Vec<Step>, path: &Path) -> io::Result<()> {
    for comp in path.components().rev() {
        match comp {
            Component::Normal(name) => stack.push(Step::Name(name.to_owned())),
            Component::ParentDir => stack.push(Step::Parent),
            Component::CurDir | Component::RootDir => {}
            Component::Prefix(_) => return Err(not_found(path)),
        }
    }
    Ok(())
}

fn not_found(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("{}: no such file or directory", path.display()),
    )
}

fn outside(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!(
            "{}: leads outside the repository through a symbolic link",
            path.display()
        ),
    )
}

/// The directories, files and links of a commit's tree by absolute path,
/// and where its submodules are.
type Index = (BTreeMap<PathBuf, Entry>, BTreeSet<PathBuf>);

/// Lists every directory, file and link of the commit's tree by absolute
/// path, and its submodules. Only link blobs (their targets) are read; file
/// blobs are not.
fn index_tree(repo: &Repository, commit: Oid) -> Result<Index, git2::Error> {
    let tree = repo.find_commit(commit)?.tree()?;
    let mut entries = BTreeMap::new();
    let mut submodules = BTreeSet::new();
    entries.insert(PathBuf::from("/"), Entry::Dir);
    let mut failure = None;
    tree.walk(git2::TreeWalkMode::PreOrder, |dir, item| {
        let Ok(name) = item.name() else {
            return git2::TreeWalkResult::Skip;
        };
        let path = Path::new("/").join(dir).join(name);
        let entry = match (item.kind(), item.filemode()) {
            (Some(ObjectType::Tree), _) => Entry::Dir,
            (Some(ObjectType::Blob), 0o120000) => match repo.find_blob(item.id()) {
                Ok(blob) => Entry::Link(PathBuf::from(
                    String::from_utf8_lossy(blob.content()).into_owned(),
                )),
                Err(e) => {
                    failure = Some(e);
                    return git2::TreeWalkResult::Abort;
                }
            },
            (Some(ObjectType::Blob), _) => Entry::File(item.id()),
            // Submodules (commit entries) are not in this repository.
            (Some(ObjectType::Commit), _) => {
                submodules.insert(path);
                return git2::TreeWalkResult::Skip;
            }
            _ => return git2::TreeWalkResult::Skip,
        };
        entries.insert(path, entry);
        git2::TreeWalkResult::Ok
    })?;
    match failure {
        Some(e) => Err(e),
        None => Ok((entries, submodules)),
    }
}
