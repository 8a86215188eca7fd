//! The git:// transport, against `git daemon` on 127.0.0.1.

mod source_support;

use gitops_engine::source::{GitRepo, RenderOptions, render};
use source_support::{Daemon, Upstream, bounded};

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
    let daemon = Daemon::serve(up.dir.parent().expect("parent"), false);
    let url = format!("git://127.0.0.1:{}/upstream", daemon.port);

    let cache = up.cache.clone();
    let (repo, head) = bounded("git:// operation", move || {
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
    let (main, tag, names) = bounded("git:// operation", move || {
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
    let daemon = Daemon::serve(up.dir.parent().expect("parent"), false);
    let url = format!("git://127.0.0.1:{}/absent", daemon.port);
    let cache = up.cache.clone();
    let shown = url.clone();
    let err = bounded("git:// operation", move || {
        GitRepo::open_or_clone(&url, &cache).map(|_| ())
    })
    .expect_err("no such repository");
    assert!(err.to_string().contains(&shown), "{err}");
}
