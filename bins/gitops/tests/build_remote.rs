//! `gitops build` with remote bases (on by default, as in kustomize): an
//! overlay naming a `file://` repository, and a Git URL as the target.
//! Expected output is what `kubectl kustomize` printed for the same trees
//! (kustomize-core's `tests/remote/README.md`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../kustomize-core/tests/remote")
        .join(rel)
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "init.defaultBranch=main"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .output()
        .expect("run git");
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

/// A repository holding the fixture's `base` and `comp`, tagged `v1`.
fn repository(tmp: &Path) -> PathBuf {
    let repo = tmp.join("repo");
    for dir in ["base", "comp"] {
        let from = fixture(&format!("vendored/{dir}"));
        std::fs::create_dir_all(repo.join(dir)).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), repo.join(dir).join(entry.file_name())).unwrap();
        }
    }
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-qm", "v1"]);
    git(&repo, &["tag", "v1"]);
    repo
}

fn gitops(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gitops"))
        .args(args)
        .output()
        .expect("run gitops")
}

fn stdout_of(out: Output) -> String {
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn an_overlay_of_remote_bases_builds() {
    let tmp = tempfile::tempdir().unwrap();
    let url = format!("file://{}", repository(tmp.path()).display());
    let ov = tmp.path().join("ov");
    std::fs::create_dir_all(&ov).unwrap();
    std::fs::copy(fixture("vendored/ov/svc.yaml"), ov.join("svc.yaml")).unwrap();
    std::fs::write(
        ov.join("kustomization.yaml"),
        format!(
            "namespace: prod\nresources:\n- {url}//base?ref=v1\n- svc.yaml\ncomponents:\n- {url}//comp?ref=v1\n"
        ),
    )
    .unwrap();
    let expected = std::fs::read_to_string(fixture("expected.yaml")).unwrap();
    assert_eq!(
        stdout_of(gitops(&["build", ov.to_str().unwrap()])),
        expected
    );
    // With a kept cache, twice: the second run reuses the clone.
    let cache = tmp.path().join("cache");
    for _ in 0..2 {
        let out = gitops(&[
            "build",
            ov.to_str().unwrap(),
            "--repo-cache",
            cache.to_str().unwrap(),
        ]);
        assert_eq!(stdout_of(out), expected);
    }
    assert_eq!(std::fs::read_dir(&cache).unwrap().count(), 1);
}

#[test]
fn a_git_url_target_builds() {
    let tmp = tempfile::tempdir().unwrap();
    let target = format!("file://{}//base?ref=v1", repository(tmp.path()).display());
    let expected = std::fs::read_to_string(fixture("expected-base.yaml")).unwrap();
    assert_eq!(stdout_of(gitops(&["build", &target])), expected);
}
