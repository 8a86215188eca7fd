//! Helpers for the source tests: real repositories made with the `git` CLI
//! in temporary directories.
#![allow(dead_code)] // each test binary uses a different subset

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use tempfile::TempDir;

/// Runs `git` in `dir` with a fixed identity and no user or system config;
/// panics with git's stderr on failure. Returns trimmed stdout.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "init.defaultBranch=main", "-c", "core.symlinks=true"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .stdin(Stdio::null())
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// An upstream repository with a work tree, committed to directly; the
/// tests clone it as their remote.
pub struct Upstream {
    /// Keeps the directories alive.
    _tmp: TempDir,
    /// The work tree (and the remote's path).
    pub dir: PathBuf,
    /// A separate directory for cache clones.
    pub cache: PathBuf,
}

impl Upstream {
    /// A new repository on branch `main`, with no commits.
    pub fn new() -> Self {
        let tmp = TempDir::new().expect("tempdir");
        let dir = tmp.path().join("upstream");
        let cache = tmp.path().join("cache");
        std::fs::create_dir_all(&dir).expect("mkdir");
        git(&dir, &["init", "-q"]);
        Self {
            _tmp: tmp,
            dir,
            cache,
        }
    }

    /// The remote as a `file://` URL.
    pub fn url(&self) -> String {
        format!("file://{}", self.dir.display())
    }

    /// Writes a file (making parent directories).
    pub fn write(&self, rel: &str, contents: &str) {
        let path = self.dir.join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, contents).expect("write");
    }

    /// Makes a symbolic link at `rel` pointing to `target`.
    pub fn symlink(&self, rel: &str, target: &str) {
        let path = self.dir.join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::os::unix::fs::symlink(target, path).expect("symlink");
    }

    /// Copies a directory tree into the work tree at `rel`.
    pub fn copy_tree(&self, src: &Path, rel: &str) {
        copy_dir(src, &self.dir.join(rel));
    }

    /// Commits everything; returns the commit SHA.
    pub fn commit(&self, message: &str) -> String {
        git(&self.dir, &["add", "-A"]);
        git(&self.dir, &["commit", "-q", "--allow-empty", "-m", message]);
        git(&self.dir, &["rev-parse", "HEAD"])
    }

    /// Runs git in the work tree.
    pub fn git(&self, args: &[&str]) -> String {
        git(&self.dir, args)
    }
}

fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).expect("mkdir");
    for entry in std::fs::read_dir(src).expect("read_dir") {
        let entry = entry.expect("entry");
        let to = dst.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &to);
        } else {
            std::fs::copy(entry.path(), to).expect("copy");
        }
    }
}

/// The repository's bundled monorepo example.
pub fn monorepo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/monorepo")
}
