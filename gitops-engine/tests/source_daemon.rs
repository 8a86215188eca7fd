//! The git:// transport, against `git daemon` on 127.0.0.1.

mod source_support;

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use gitops_engine::source::{GitRepo, RenderOptions, render};
use source_support::{Upstream, git};

/// A `git-daemon` process serving one directory; killed when dropped.
struct Daemon {
    child: Child,
    port: u16,
}

impl Daemon {
    /// Starts the daemon binary itself (not `git daemon`, whose child would
    /// outlive a kill and keep the test run's output pipe open).
    fn serve(base: &Path) -> Daemon {
        let exec_path = git(base, &["--exec-path"]);
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let child = Command::new(Path::new(&exec_path).join("git-daemon"))
            .arg("--reuseaddr")
            .arg("--export-all")
            .arg("--listen=127.0.0.1")
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

/// Runs `f` on another thread, failing the test if it takes longer than a minute.
fn bounded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("git:// operation did not finish within a minute")
}

#[test]
fn clones_fetches_and_renders_over_git_protocol() {
    let up = Upstream::new();
    up.write(
        "app/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: one\n",
    );
    up.write(
        "app/kustomization.yaml",
        "resources:\n- cm.yaml\nnamePrefix: p-\n",
    );
    let first = up.commit("first");
    up.git(&["tag", "-a", "v1", "-m", "v1"]);
    let daemon = Daemon::serve(up.dir.parent().expect("parent"));
    let url = format!("git://127.0.0.1:{}/upstream", daemon.port);

    let cache = up.cache.clone();
    let (repo, head) = bounded(move || {
        let repo = GitRepo::open_or_clone(&url, &cache).expect("clone over git://");
        let head = repo.resolve("HEAD").expect("HEAD");
        (repo.path().to_path_buf(), head)
    });
    assert_eq!(head.to_string(), first);

    up.write(
        "app/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: two\n",
    );
    let second = up.commit("second");
    let url = format!("git://127.0.0.1:{}/upstream", daemon.port);
    let cache = up.cache.clone();
    let (main, tag, names) = bounded(move || {
        let repo = GitRepo::open_or_clone(&url, &cache).expect("reopen");
        repo.fetch().expect("fetch over git://");
        let main = repo.resolve("main").expect("main");
        let tag = repo.resolve("v1").expect("v1");
        let rendered = render(&repo, main, "app", &RenderOptions::default()).expect("render");
        let names: Vec<String> = rendered
            .objects
            .iter()
            .map(|o| {
                o["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect();
        (main, tag, names)
    });
    assert!(repo.starts_with(&up.cache));
    assert_eq!(main.to_string(), second);
    assert_eq!(tag.to_string(), first);
    assert_eq!(names, ["p-two"]);
}

#[test]
fn a_missing_repository_on_the_daemon_is_a_git_error() {
    let up = Upstream::new();
    let daemon = Daemon::serve(up.dir.parent().expect("parent"));
    let url = format!("git://127.0.0.1:{}/absent", daemon.port);
    let cache = up.cache.clone();
    let shown = url.clone();
    let err = bounded(move || GitRepo::open_or_clone(&url, &cache).map(|_| ()))
        .expect_err("no such repository");
    assert!(err.to_string().contains(&shown), "{err}");
}
