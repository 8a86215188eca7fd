//! The `git` write-back method against real repositories: a bare remote in a
//! temporary directory reached over `file://`, and `git daemon` on
//! 127.0.0.1 with a `pre-receive` hook that makes a competing commit land
//! first, so the push is rejected and must be redone on the new tip.

mod source_support;

use std::path::PathBuf;

use gitops_engine::image::writeback::{
    FileEdit, GitAuthor, GitWriteConfig, GitWriteError, ImageChange, WriteOutcome, write_back,
};
use source_support::{Daemon, bounded, git};
use tempfile::TempDir;

const KUSTOMIZATION: &str = "\
# web overlay
resources:
- ../../base   # shared base
images:
- name: nginx   # the web server
  newTag: \"1.20\"
- name: redis
  newTag: \"6\"
";

/// A bare remote on branch `main` seeded with one commit, and a directory
/// for the writer's work clone.
struct Remote {
    tmp: TempDir,
    bare: PathBuf,
}

impl Remote {
    fn new() -> Self {
        let tmp = TempDir::new().unwrap();
        let bare = tmp.path().join("remote.git");
        std::fs::create_dir_all(&bare).unwrap();
        git(&bare, &["init", "-q", "--bare"]);
        let seed = tmp.path().join("seed");
        std::fs::create_dir_all(seed.join("apps/web")).unwrap();
        git(&seed, &["init", "-q"]);
        std::fs::write(seed.join("apps/web/kustomization.yaml"), KUSTOMIZATION).unwrap();
        std::fs::write(seed.join("README"), "hello\n").unwrap();
        git(&seed, &["add", "-A"]);
        git(&seed, &["commit", "-q", "-m", "seed"]);
        git(&seed, &["push", "-q", bare.to_str().unwrap(), "main"]);
        Self { tmp, bare }
    }

    fn url(&self) -> String {
        format!("file://{}", self.bare.display())
    }

    fn work(&self) -> PathBuf {
        self.tmp.path().join("work")
    }

    fn git(&self, args: &[&str]) -> String {
        git(&self.bare, args)
    }
}

fn changes() -> Vec<ImageChange> {
    vec![ImageChange {
        image: "nginx".into(),
        old_tag: "1.20".into(),
        new_tag: "1.21.0".into(),
    }]
}

fn kustomization_edit(tag: &str) -> FileEdit {
    FileEdit::Kustomization {
        dir: "apps/web".into(),
        images: vec![format!("nginx:{tag}")],
    }
}

#[test]
fn git_write_back_commits_new_tag_with_minimal_diff() {
    let remote = Remote::new();
    let before = remote.git(&["rev-parse", "main"]);
    let config = GitWriteConfig::new(remote.url(), "main");
    let outcome = write_back(
        &remote.work(),
        &config,
        &kustomization_edit("1.21.0"),
        "web",
        &changes(),
    )
    .unwrap();
    let WriteOutcome::Pushed {
        commit,
        branch,
        path,
        retries,
    } = outcome
    else {
        panic!("expected a push, got {outcome:?}");
    };
    assert_eq!(
        (branch.as_str(), path.as_str(), retries),
        ("main", "apps/web/kustomization.yaml", 0)
    );
    assert_eq!(remote.git(&["rev-parse", "main"]), commit.to_string());
    assert_eq!(remote.git(&["rev-parse", "main~1"]), before);
    // Exactly one line changed; comments and quoting are kept.
    let diff = remote.git(&["diff", "--unified=0", "main~1", "main"]);
    let changed: Vec<&str> = diff
        .lines()
        .filter(|l| {
            (l.starts_with('+') || l.starts_with('-'))
                && !l.starts_with("+++")
                && !l.starts_with("---")
        })
        .collect();
    assert_eq!(changed, ["-  newTag: \"1.20\"", "+  newTag: \"1.21.0\""]);
    assert_eq!(
        remote.git(&["show", "main:apps/web/kustomization.yaml"]),
        KUSTOMIZATION.replace("\"1.20\"", "\"1.21.0\"").trim_end()
    );
    assert_eq!(
        remote.git(&["log", "-1", "--format=%an <%ae>|%cn <%ce>", "main"]),
        "argocd-image-updater <noreply@argoproj.io>|argocd-image-updater <noreply@argoproj.io>"
    );
    assert_eq!(
        remote.git(&["log", "-1", "--format=%B", "main"]),
        "build: automatic update of web\n\nupdates image nginx tag '1.20' to '1.21.0'"
    );
    // The untouched file keeps its blob.
    assert_eq!(
        remote.git(&["rev-parse", "main:README"]),
        remote.git(&["rev-parse", "main~1:README"])
    );
}

#[test]
fn no_commit_when_unchanged() {
    let remote = Remote::new();
    let config = GitWriteConfig::new(remote.url(), "main");
    let tip = remote.git(&["rev-parse", "main"]);
    // The file already says 1.20.
    let same = FileEdit::Kustomization {
        dir: "apps/web".into(),
        images: vec!["nginx:1.20".into()],
    };
    assert_eq!(
        write_back(&remote.work(), &config, &same, "web", &[]).unwrap(),
        WriteOutcome::Unchanged
    );
    assert_eq!(remote.git(&["rev-parse", "main"]), tip);
    // A second identical write-back after a real one changes nothing either.
    let source_file = FileEdit::SourceFile {
        path: "apps/web/.argocd-source-web.yaml".into(),
        images: vec!["nginx:1.21.0".into()],
    };
    let first = write_back(&remote.work(), &config, &source_file, "web", &changes()).unwrap();
    assert!(matches!(first, WriteOutcome::Pushed { .. }), "{first:?}");
    let tip = remote.git(&["rev-parse", "main"]);
    assert_eq!(
        remote.git(&["show", "main:apps/web/.argocd-source-web.yaml"]),
        "kustomize:\n  images:\n  - nginx:1.21.0"
    );
    let again = write_back(&remote.work(), &config, &source_file, "web", &changes()).unwrap();
    assert_eq!(again, WriteOutcome::Unchanged);
    assert_eq!(remote.git(&["rev-parse", "main"]), tip);
}

#[test]
fn write_branch_author_and_message_template_are_configurable() {
    let remote = Remote::new();
    let mut config = GitWriteConfig::new(remote.url(), "main");
    config.write_branch = "image-updates".into();
    config.author = GitAuthor {
        name: "bot".into(),
        email: "bot@example.com".into(),
    };
    config.message_template =
        "chore({{.AppName}}):{{ range .AppChanges }} {{.Image}} {{.OldTag}}->{{.NewTag}}{{ end }}"
            .into();
    let main = remote.git(&["rev-parse", "main"]);
    write_back(
        &remote.work(),
        &config,
        &kustomization_edit("1.21.0"),
        "web",
        &changes(),
    )
    .unwrap();
    assert_eq!(
        remote.git(&["rev-parse", "main"]),
        main,
        "the base branch is not touched"
    );
    assert_eq!(remote.git(&["rev-parse", "image-updates~1"]), main);
    assert_eq!(
        remote.git(&["log", "-1", "--format=%an <%ae>", "image-updates"]),
        "bot <bot@example.com>"
    );
    assert_eq!(
        remote.git(&["log", "-1", "--format=%s", "image-updates"]),
        "chore(web): nginx 1.20->1.21.0"
    );
    // The next update goes on top of the existing write branch.
    let first = remote.git(&["rev-parse", "image-updates"]);
    write_back(
        &remote.work(),
        &config,
        &kustomization_edit("1.22.0"),
        "web",
        &changes(),
    )
    .unwrap();
    assert_eq!(remote.git(&["rev-parse", "image-updates~1"]), first);
}

#[test]
fn edit_errors_name_the_file() {
    let remote = Remote::new();
    let config = GitWriteConfig::new(remote.url(), "main");
    let missing = FileEdit::Kustomization {
        dir: "apps/none".into(),
        images: vec!["nginx:1".into()],
    };
    let err = write_back(&remote.work(), &config, &missing, "web", &[]).unwrap_err();
    assert!(matches!(err, GitWriteError::Edit { .. }), "{err}");
    assert!(
        err.to_string()
            .ends_with("apps/none: no kustomization file in this directory"),
        "{err}"
    );
    let outside = FileEdit::SourceFile {
        path: "../x.yaml".into(),
        images: vec!["nginx:1".into()],
    };
    let err = write_back(&remote.work(), &config, &outside, "web", &[]).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("../x.yaml: path leaves the repository"),
        "{err}"
    );
    let no_branch = GitWriteConfig::new(remote.url(), "release");
    let err = write_back(
        &remote.work(),
        &no_branch,
        &kustomization_edit("1"),
        "web",
        &[],
    )
    .unwrap_err();
    assert!(matches!(err, GitWriteError::BranchNotFound { .. }), "{err}");
}

/// Installs a `pre-receive` hook. While fewer than `races` pushes have been
/// seen, the hook commits a change of README to `main` itself, so the
/// pushed update no longer starts from the branch tip and is refused.
fn install_racing_hook(remote: &Remote, races: u32) {
    let counter = remote.tmp.path().join("pushes");
    let hook = remote.bare.join("hooks/pre-receive");
    std::fs::write(
        &hook,
        format!(
            r#"#!/bin/sh
n=$(cat '{counter}' 2>/dev/null || echo 0)
echo $((n + 1)) > '{counter}'
[ "$n" -ge {races} ] && exit 0
unset GIT_QUARANTINE_PATH GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES
blob=$(echo "competing $n" | git hash-object -w --stdin)
tree=$( (git ls-tree refs/heads/main | grep -v '	README$'; printf '100644 blob %s\tREADME\n' "$blob") | git mktree)
commit=$(GIT_AUTHOR_NAME=other GIT_AUTHOR_EMAIL=o@x GIT_COMMITTER_NAME=other GIT_COMMITTER_EMAIL=o@x git commit-tree "$tree" -p refs/heads/main -m "competing $n")
git update-ref refs/heads/main "$commit"
"#,
            counter = counter.display()
        ),
    )
    .unwrap();
    let mut perms = std::fs::metadata(&hook).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&hook, perms).unwrap();
}

#[test]
fn rejected_push_is_rebased_and_retried() {
    let remote = Remote::new();
    install_racing_hook(&remote, 2);
    let daemon = Daemon::serve(remote.tmp.path(), true);
    let config = GitWriteConfig::new(
        format!("git://127.0.0.1:{}/remote.git", daemon.port),
        "main",
    );
    let work = remote.work();
    let outcome = bounded("git write-back", move || {
        write_back(
            &work,
            &config,
            &kustomization_edit("1.21.0"),
            "web",
            &changes(),
        )
    })
    .unwrap();
    let WriteOutcome::Pushed {
        commit, retries, ..
    } = outcome
    else {
        panic!("expected a push, got {outcome:?}");
    };
    assert_eq!(retries, 2);
    // Our commit sits on top of both competing commits, which are kept.
    assert_eq!(remote.git(&["rev-parse", "main"]), commit.to_string());
    assert_eq!(
        remote
            .git(&["log", "--format=%s", "main"])
            .lines()
            .collect::<Vec<_>>(),
        [
            "build: automatic update of web",
            "competing 1",
            "competing 0",
            "seed"
        ]
    );
    assert_eq!(remote.git(&["show", "main:README"]), "competing 1");
    assert!(
        remote
            .git(&["show", "main:apps/web/kustomization.yaml"])
            .contains("newTag: \"1.21.0\"")
    );
}

#[test]
fn retries_are_bounded() {
    let remote = Remote::new();
    install_racing_hook(&remote, 100);
    let daemon = Daemon::serve(remote.tmp.path(), true);
    let mut config = GitWriteConfig::new(
        format!("git://127.0.0.1:{}/remote.git", daemon.port),
        "main",
    );
    config.max_retries = 1;
    let work = remote.work();
    let err = bounded("git write-back", move || {
        write_back(
            &work,
            &config,
            &kustomization_edit("1.21.0"),
            "web",
            &changes(),
        )
    })
    .unwrap_err();
    assert!(
        matches!(err, GitWriteError::Rejected { attempts: 2, .. }),
        "{err}"
    );
    assert_eq!(
        remote.git(&["log", "-1", "--format=%s", "main"]),
        "competing 1"
    );
}
