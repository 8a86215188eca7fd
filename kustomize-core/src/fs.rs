//! File access for a build: the [`FileSystem`] trait, its on-disk and in-memory
//! implementations, and the [`Loader`] that enforces the load restrictor.
//!
//! Every byte a build reads comes through a [`Loader`], so the rule "a
//! kustomization must not read files outside its own root" is enforced in one
//! place ([`Loader::read_file`]).

use std::collections::BTreeMap;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::remote::{RemoteError, RemoteResolver, RemoteTree, RepoSpec, is_remote_file};

/// A read-only tree of files, as a build sees it.
///
/// Paths handed to these methods are absolute and already normalised (no `.`
/// or `..` components); [`Loader`] takes care of that.
pub trait FileSystem: Send + Sync {
    /// Reads a whole file.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// Whether `path` names a directory.
    fn is_dir(&self, path: &Path) -> bool;
    /// Whether `path` names a regular file.
    fn is_file(&self, path: &Path) -> bool;
    /// The entries of a directory, sorted by name.
    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>>;
    /// The path with every symbolic link resolved. File systems without links
    /// return the path unchanged if it exists.
    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf>;
    /// What `path` is when it is neither a regular file nor a directory
    /// (`is a FIFO`, `is a symbolic link loop`, …), for messages; `None`
    /// when it does not exist or the file system cannot tell.
    fn describe(&self, path: &Path) -> Option<String> {
        let _ = path;
        None
    }
}

/// The local disk.
#[derive(Debug, Default, Clone, Copy)]
pub struct DiskFs;

impl FileSystem for DiskFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }
    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }
    fn is_file(&self, path: &Path) -> bool {
        path.is_file()
    }
    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        let mut entries = std::fs::read_dir(path)?
            .map(|e| e.map(|e| e.path()))
            .collect::<io::Result<Vec<_>>>()?;
        entries.sort();
        Ok(entries)
    }
    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        std::fs::canonicalize(path)
    }
    fn describe(&self, path: &Path) -> Option<String> {
        describe_disk_path(path)
    }
}

/// What a path on disk is, when it is not a plain file or directory.
fn describe_disk_path(path: &Path) -> Option<String> {
    let link = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::InvalidFilename => {
            return Some(format!("is too long a path ({e})"));
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => return None,
        Err(e) => return Some(format!("cannot be read ({e})")),
    };
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Some("is a symbolic link to nothing".into());
        }
        // A loop: "Too many levels of symbolic links".
        Err(e) if link.file_type().is_symlink() => {
            return Some(format!("is a symbolic link that cannot be followed: {e}"));
        }
        Err(e) => return Some(format!("cannot be read ({e})")),
    };
    let kind = kind_name(&meta.file_type())?;
    let via_link = if link.file_type().is_symlink() {
        " (through a symbolic link)"
    } else {
        ""
    };
    Some(format!("is {kind}{via_link}"))
}

/// A file type other than a regular file or directory, named.
#[cfg(unix)]
fn kind_name(t: &std::fs::FileType) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    if t.is_fifo() {
        Some("a FIFO (named pipe)")
    } else if t.is_socket() {
        Some("a socket")
    } else if t.is_block_device() || t.is_char_device() {
        Some("a device")
    } else {
        None
    }
}

/// A file type other than a regular file or directory, named.
#[cfg(not(unix))]
fn kind_name(_: &std::fs::FileType) -> Option<&'static str> {
    None
}

/// An in-memory tree of files, for tests and for embedding programs that hold
/// manifests in memory. Directories exist implicitly as parents of files.
#[derive(Debug, Default, Clone)]
pub struct MemFs {
    files: BTreeMap<PathBuf, Arc<[u8]>>,
}

impl MemFs {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a file at an absolute path.
    pub fn add_file(&mut self, path: impl AsRef<Path>, contents: impl AsRef<[u8]>) {
        let path = normalize(Path::new("/"), path.as_ref());
        self.files.insert(path, Arc::from(contents.as_ref()));
    }
}

impl FileSystem for MemFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.files
            .get(path)
            .map(|b| b.to_vec())
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))
    }
    fn is_dir(&self, path: &Path) -> bool {
        path == Path::new("/") || self.files.keys().any(|f| f.starts_with(path) && f != path)
    }
    fn is_file(&self, path: &Path) -> bool {
        self.files.contains_key(path)
    }
    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        let mut out: Vec<PathBuf> = self
            .files
            .keys()
            .filter_map(|f| f.strip_prefix(path).ok())
            .filter_map(|rest| rest.components().next())
            .map(|c| path.join(c.as_os_str()))
            .collect();
        out.dedup();
        if out.is_empty() && !self.is_dir(path) {
            return Err(io::Error::new(io::ErrorKind::NotFound, "no such directory"));
        }
        Ok(out)
    }
    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        if self.is_file(path) || self.is_dir(path) {
            Ok(path.to_path_buf())
        } else {
            Err(io::Error::new(
                io::ErrorKind::NotFound,
                "no such file or directory",
            ))
        }
    }
}

/// Joins `rel` onto `base` and removes `.` and `..` components lexically.
pub fn normalize(base: &Path, rel: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for comp in base.join(rel).components() {
        match comp {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Which files a kustomization may read, as kustomize's `--load-restrictor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LoadRestrictor {
    /// Files must lie inside the directory of the kustomization that names
    /// them, after resolving symbolic links (`LoadRestrictionsRootOnly`).
    #[default]
    RootOnly,
    /// Any readable file may be loaded (`LoadRestrictionsNone`).
    None,
}

impl std::str::FromStr for LoadRestrictor {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "LoadRestrictionsRootOnly" | "rootOnly" => Ok(Self::RootOnly),
            "LoadRestrictionsNone" | "none" => Ok(Self::None),
            other => Err(format!(
                "invalid load restrictor {other:?}: expected LoadRestrictionsRootOnly or LoadRestrictionsNone"
            )),
        }
    }
}

/// Why a [`Loader`] refused or failed to read a file.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file lies outside the kustomization root and the restrictor forbids it.
    #[error(
        "security; file '{}' is not in or below '{}' (use --load-restrictor LoadRestrictionsNone to allow it)",
        path.display(),
        root.display()
    )]
    OutsideRoot {
        /// The file that was asked for, after resolving links.
        path: PathBuf,
        /// The kustomization root it must stay within.
        root: PathBuf,
    },
    /// A base or component is named by an absolute path.
    #[error("new root '{path}' cannot be absolute")]
    AbsoluteBase {
        /// The path as written.
        path: String,
    },
    /// A base or component path is not a directory.
    #[error("'{}' is not a directory", path.display())]
    NotADirectory {
        /// The resolved path.
        path: PathBuf,
    },
    /// A base contains a kustomization that led to it.
    #[error("cycle detected: candidate root '{}' contains visited root '{}'", candidate.display(), visited.display())]
    Cycle {
        /// The base directory.
        candidate: PathBuf,
        /// The kustomization root it contains.
        visited: PathBuf,
    },
    /// A remote entry, and the build has no [`RemoteResolver`].
    #[error("'{path}': remote resources are not supported; vendor them into the repository")]
    RemoteRefused {
        /// The entry as written.
        path: String,
    },
    /// Fetching a remote file or repository failed.
    #[error("'{url}': {source}")]
    Remote {
        /// The URL as written.
        url: String,
        /// Why.
        source: RemoteError,
    },
    /// A remote repository is named again below itself.
    #[error("cycle detected: URI '{new}' referenced by previous URI '{previous}'")]
    RepoCycle {
        /// The URL named now.
        new: String,
        /// The URL being built that starts with it.
        previous: String,
    },
    /// A base of a kustomization in a remote repository lies outside it.
    #[error(
        "security; bases in kustomizations found in cloned git repos must be within the repo, but base '{}' is outside '{}'",
        base.display(),
        repo.display()
    )]
    OutsideRepo {
        /// The base directory, links resolved.
        base: PathBuf,
        /// The repository's root.
        repo: PathBuf,
    },
    /// The directory a remote URL names is a file, or leaves the repository
    /// through a symbolic link.
    #[error("'{url}': '{}' {problem} in the repository", path.display())]
    RemoteRoot {
        /// The URL as written.
        url: String,
        /// The directory in the checkout.
        path: PathBuf,
        /// `is not a directory` or `is outside the repository`.
        problem: &'static str,
    },
    /// Reading failed (missing file, permissions, …).
    #[error("{}: {source}", path.display())]
    Io {
        /// The file that could not be read.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
}

/// Reads files relative to one kustomization directory, enforcing the load
/// restrictor. Cheap to clone; a loader for a base is made with [`Loader::sub`].
#[derive(Clone)]
pub struct Loader {
    fs: Arc<dyn FileSystem>,
    root: PathBuf,
    /// `root` with symbolic links resolved (`root` itself if that fails),
    /// computed once: the restrictor compares every file against it.
    real_root: PathBuf,
    restrictor: LoadRestrictor,
    /// Roots of the kustomizations that led here, outermost first, since
    /// the last remote root (paths of other file systems do not compare).
    referrers: Vec<PathBuf>,
    /// How remote entries are fetched, and where this root lies if it is
    /// in a remote repository.
    remote: RemoteState,
}

/// A loader's view of remote targets.
#[derive(Clone, Default)]
struct RemoteState {
    /// Fetches remote entries; `None` refuses them.
    resolver: Option<Arc<dyn RemoteResolver>>,
    /// The root directory of the repository this root lies in, if remote.
    repo_dir: Option<PathBuf>,
    /// The URLs (as written) of the remote roots that led here.
    urls: Vec<String>,
}

impl std::fmt::Debug for Loader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loader")
            .field("root", &self.root)
            .field("restrictor", &self.restrictor)
            .finish()
    }
}

impl Loader {
    /// A loader rooted at `root` (absolute, normalised).
    pub fn new(fs: Arc<dyn FileSystem>, root: PathBuf, restrictor: LoadRestrictor) -> Self {
        let real_root = fs.canonicalize(&root).unwrap_or_else(|_| root.clone());
        Self {
            fs,
            root,
            real_root,
            restrictor,
            referrers: Vec::new(),
            remote: RemoteState::default(),
        }
    }

    /// This loader, fetching remote entries with `resolver` (`None`
    /// refuses them).
    pub fn with_remote(mut self, resolver: Option<Arc<dyn RemoteResolver>>) -> Self {
        self.remote.resolver = resolver;
        self
    }

    /// A loader for the kustomization directory of the remote repository
    /// `spec`, fetched with the resolver, as kustomize roots a loader in a
    /// fresh clone: root-only, whatever this loader's restrictor.
    pub fn remote(&self, spec: &RepoSpec) -> Result<Self, LoadError> {
        let resolver = self
            .remote
            .resolver
            .as_ref()
            .ok_or_else(|| LoadError::RemoteRefused {
                path: spec.raw.clone(),
            })?;
        if let Some(previous) = self.remote.urls.iter().find(|u| u.starts_with(&spec.raw)) {
            return Err(LoadError::RepoCycle {
                new: spec.raw.clone(),
                previous: previous.clone(),
            });
        }
        let RemoteTree { fs, dir } =
            resolver
                .checkout(spec)
                .map_err(|source| LoadError::Remote {
                    url: spec.raw.clone(),
                    source,
                })?;
        let repo_dir = fs.canonicalize(&dir).unwrap_or(dir);
        let path = spec.abs_path(&repo_dir);
        let root_error = |problem| LoadError::RemoteRoot {
            url: spec.raw.clone(),
            path: path.clone(),
            problem,
        };
        if !fs.is_dir(&path) {
            return Err(root_error("is not a directory"));
        }
        let root = fs
            .canonicalize(&path)
            .map_err(|_| root_error("is not a directory"))?;
        if !root.starts_with(&repo_dir) {
            return Err(root_error("is outside the repository"));
        }
        let mut urls = self.remote.urls.clone();
        urls.push(spec.raw.clone());
        Ok(Self {
            fs,
            real_root: root.clone(),
            root,
            restrictor: LoadRestrictor::RootOnly,
            referrers: Vec::new(),
            remote: RemoteState {
                resolver: Some(resolver.clone()),
                repo_dir: Some(repo_dir),
                urls,
            },
        })
    }

    /// The kustomization directory this loader reads relative to.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The restrictor in force.
    pub fn restrictor(&self) -> LoadRestrictor {
        self.restrictor
    }

    /// The file system underneath.
    pub fn fs(&self) -> &Arc<dyn FileSystem> {
        &self.fs
    }

    /// A loader for a base or component directory named (relative to this
    /// root) in this kustomization. Bases may lie outside the root, but not
    /// at or above this root or any root that led here (a cycle).
    pub fn sub(&self, rel: &str) -> Result<Self, LoadError> {
        if Path::new(rel).is_absolute() {
            return Err(LoadError::AbsoluteBase {
                path: rel.to_owned(),
            });
        }
        let path = self.resolve(rel);
        if !self.fs.is_dir(&path) {
            return Err(LoadError::NotADirectory { path });
        }
        let root = self
            .fs
            .canonicalize(&path)
            .map_err(|source| LoadError::Io {
                path: path.clone(),
                source,
            })?;
        let mut referrers = self.referrers.clone();
        referrers.push(self.real_root.clone());
        if let Some(visited) = referrers.iter().find(|r| r.starts_with(&root)) {
            return Err(LoadError::Cycle {
                candidate: root,
                visited: visited.clone(),
            });
        }
        if let Some(repo) = self
            .remote
            .repo_dir
            .as_ref()
            .filter(|r| !root.starts_with(r))
        {
            return Err(LoadError::OutsideRepo {
                base: root,
                repo: repo.clone(),
            });
        }
        Ok(Self {
            fs: self.fs.clone(),
            real_root: root.clone(),
            root,
            restrictor: self.restrictor,
            referrers,
            remote: self.remote.clone(),
        })
    }

    /// The absolute, normalised form of a path named in this kustomization.
    pub fn resolve(&self, rel: &str) -> PathBuf {
        normalize(&self.root, Path::new(rel))
    }

    /// Reads a file named (relative to the root) in this kustomization,
    /// refusing files outside the root under [`LoadRestrictor::RootOnly`].
    /// An `http(s)://` URL is fetched with the resolver, as kustomize
    /// fetches one wherever it reads a file.
    pub fn read_file(&self, rel: &str) -> Result<Vec<u8>, LoadError> {
        if is_remote_file(rel) {
            return self.fetch_file(rel);
        }
        let path = self.resolve(rel);
        self.check_within_root(&path)?;
        self.fs
            .read(&path)
            .map_err(|source| LoadError::Io { path, source })
    }

    /// The body of the `http(s)://` URL `url`, fetched with the resolver.
    pub fn fetch_file(&self, url: &str) -> Result<Vec<u8>, LoadError> {
        let resolver = self
            .remote
            .resolver
            .as_ref()
            .ok_or_else(|| LoadError::RemoteRefused {
                path: url.to_owned(),
            })?;
        resolver
            .fetch_file(url)
            .map_err(|source| LoadError::Remote {
                url: url.to_owned(),
                source,
            })
    }

    /// Fails if the restrictor forbids reading `path`.
    pub fn check_within_root(&self, path: &Path) -> Result<(), LoadError> {
        if self.restrictor == LoadRestrictor::None {
            return Ok(());
        }
        let io_err = |source| LoadError::Io {
            path: path.to_path_buf(),
            source,
        };
        let real = self.fs.canonicalize(path).map_err(io_err)?;
        if real.starts_with(&self.real_root) {
            Ok(())
        } else {
            Err(LoadError::OutsideRoot {
                path: real,
                root: self.real_root.clone(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mem_loader() -> Loader {
        let mut fs = MemFs::new();
        fs.add_file("/app/base/a.yaml", "a");
        fs.add_file("/app/secret.txt", "s");
        Loader::new(
            Arc::new(fs),
            PathBuf::from("/app/base"),
            LoadRestrictor::RootOnly,
        )
    }

    #[test]
    fn reads_inside_root() {
        assert_eq!(mem_loader().read_file("./a.yaml").unwrap(), b"a");
    }

    #[test]
    fn refuses_outside_root() {
        let err = mem_loader().read_file("../secret.txt").unwrap_err();
        assert!(matches!(err, LoadError::OutsideRoot { .. }), "{err}");
    }

    #[test]
    fn none_allows_outside_root() {
        let l = mem_loader();
        let l = Loader::new(l.fs.clone(), l.root.clone(), LoadRestrictor::None);
        assert_eq!(l.read_file("../secret.txt").unwrap(), b"s");
    }

    #[test]
    fn sub_loader_refuses_cycles_and_absolute_paths() {
        let mut fs = MemFs::new();
        fs.add_file("/app/overlay/k", "");
        fs.add_file("/app/base/k", "");
        let l = Loader::new(
            Arc::new(fs),
            PathBuf::from("/app/overlay"),
            LoadRestrictor::RootOnly,
        );
        let base = l.sub("../base").unwrap();
        assert_eq!(base.root(), Path::new("/app/base"));
        assert!(matches!(
            base.sub("../overlay"),
            Err(LoadError::Cycle { .. })
        ));
        assert!(matches!(l.sub(".."), Err(LoadError::Cycle { .. })));
        assert!(matches!(l.sub("."), Err(LoadError::Cycle { .. })));
        assert!(matches!(l.sub("/abs"), Err(LoadError::AbsoluteBase { .. })));
        assert!(matches!(
            l.sub("nope"),
            Err(LoadError::NotADirectory { .. })
        ));
    }

    #[test]
    fn mem_read_dir_lists_children_once() {
        let mut fs = MemFs::new();
        fs.add_file("/d/x/1", "");
        fs.add_file("/d/x/2", "");
        fs.add_file("/d/y", "");
        let got = fs.read_dir(Path::new("/d")).unwrap();
        assert_eq!(got, vec![PathBuf::from("/d/x"), PathBuf::from("/d/y")]);
    }
}
