//! Helpers for the source tests: real repositories made with the `git` CLI
//! in temporary directories.
#![allow(dead_code)] // each test binary uses a different subset

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

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

/// A `git-daemon` process serving the repositories below `base` on a free
/// loopback port; killed when dropped.
pub struct Daemon {
    child: Child,
    /// The port it listens on.
    pub port: u16,
}

impl Daemon {
    /// Starts the daemon binary itself (not `git daemon`, whose child would
    /// outlive a kill and keep the test run's output pipe open); with
    /// `receive_pack`, pushes are accepted too.
    pub fn serve(base: &Path, receive_pack: bool) -> Daemon {
        let exec_path = git(base, &["--exec-path"]);
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let mut command = Command::new(Path::new(&exec_path).join("git-daemon"));
        command.args(["--reuseaddr", "--export-all", "--listen=127.0.0.1"]);
        if receive_pack {
            command.arg("--enable=receive-pack");
        }
        let child = command
            .arg(format!("--port={port}"))
            .arg(format!("--base-path={}", base.display()))
            .arg(base)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start git-daemon");
        let daemon = Daemon { child, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "git-daemon did not start listening"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        daemon
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `f` on another thread, failing the test (naming `what`) if it takes
/// longer than a minute.
pub fn bounded<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("{what} did not finish within a minute"))
}

/// The rendered objects as `kubectl kustomize` prints resources.
pub fn as_yaml(rendered: &gitops_engine::source::Rendered) -> String {
    kustomize_core::Build {
        resources: rendered
            .objects
            .iter()
            .map(|o| {
                kustomize_core::resource::Resource::new(o.as_object().expect("object").clone())
            })
            .collect(),
        warnings: Vec::new(),
    }
    .to_yaml()
}
