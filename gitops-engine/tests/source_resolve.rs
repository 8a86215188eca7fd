//! GitRepo: cloning, fetching and resolving revisions against real
//! repositories made with the git CLI.

mod source_support;

use gitops_engine::source::{GitRepo, SourceError};
use source_support::Upstream;

/// An upstream with two commits on main, a branch `feature` at the first
/// commit, a lightweight tag `v1` and an annotated tag `v2`.
fn upstream() -> (Upstream, String, String) {
    let up = Upstream::new();
    up.write("a.txt", "one\n");
    let first = up.commit("first");
    up.git(&["branch", "feature"]);
    up.git(&["tag", "v1"]);
    up.write("a.txt", "two\n");
    let second = up.commit("second");
    up.git(&["tag", "-a", "v2", "-m", "release two"]);
    (up, first, second)
}

#[test]
fn resolves_branches_tags_shas_and_head() {
    let (up, first, second) = upstream();
    let repo = GitRepo::open_or_clone(&up.url(), &up.cache).unwrap();
    let resolve = |rev: &str| repo.resolve(rev).unwrap().to_string();
    assert_eq!(resolve("main"), second);
    assert_eq!(resolve("feature"), first);
    assert_eq!(resolve("refs/heads/feature"), first);
    assert_eq!(resolve("v1"), first, "lightweight tag");
    assert_eq!(
        resolve("v2"),
        second,
        "annotated tag is peeled to its commit"
    );
    assert_eq!(resolve("refs/tags/v2"), second);
    assert_eq!(resolve("HEAD"), second);
    assert_eq!(resolve(""), second, "empty revision means HEAD");
    assert_eq!(resolve(&first), first, "full SHA");
    assert_eq!(resolve(&first[..7]), first, "short SHA");
    assert_eq!(resolve(&first[..7].to_uppercase()), first, "SHA case");
}

#[test]
fn head_follows_the_remote_default_branch() {
    let (up, first, _) = upstream();
    up.git(&["checkout", "-q", "feature"]);
    let repo = GitRepo::open_or_clone(&up.url(), &up.cache).unwrap();
    assert_eq!(repo.resolve("HEAD").unwrap().to_string(), first);
}

#[test]
fn tags_win_over_branches_of_the_same_name() {
    let (up, first, second) = upstream();
    up.git(&["tag", "feature", &second]);
    let repo = GitRepo::open_or_clone(&up.url(), &up.cache).unwrap();
    assert_eq!(repo.resolve("feature").unwrap().to_string(), second);
    assert_eq!(
        repo.resolve("refs/heads/feature").unwrap().to_string(),
        first
    );
}

#[test]
fn fetch_sees_new_commits_and_prunes_deleted_refs() {
    let (up, _, second) = upstream();
    let repo = GitRepo::open_or_clone(&up.url(), &up.cache).unwrap();
    up.write("a.txt", "three\n");
    let third = up.commit("third");
    up.git(&["branch", "-D", "feature"]);
    up.git(&["tag", "-d", "v1"]);
    up.git(&["tag", "v3"]);

    assert_eq!(
        repo.resolve("main").unwrap().to_string(),
        second,
        "not fetched yet"
    );
    repo.fetch().unwrap();
    assert_eq!(repo.resolve("main").unwrap().to_string(), third);
    assert_eq!(repo.resolve("HEAD").unwrap().to_string(), third);
    assert_eq!(repo.resolve("v3").unwrap().to_string(), third);
    for gone in ["feature", "v1"] {
        assert!(
            matches!(
                repo.resolve(gone),
                Err(SourceError::RevisionNotFound { .. })
            ),
            "{gone} should be pruned"
        );
    }
}

#[test]
fn reopening_uses_the_existing_clone() {
    let (up, _, second) = upstream();
    let path = GitRepo::open_or_clone(&up.url(), &up.cache)
        .unwrap()
        .path()
        .to_path_buf();
    up.write("a.txt", "three\n");
    up.commit("third");
    let again = GitRepo::open_or_clone(&up.url(), &up.cache).unwrap();
    assert_eq!(again.path(), path);
    assert_eq!(
        again.resolve("main").unwrap().to_string(),
        second,
        "open does not fetch"
    );
    assert!(path.starts_with(&up.cache));

    // A plain path to the same upstream is another remote with its own clone.
    let by_path = GitRepo::open_or_clone(up.dir.to_str().unwrap(), &up.cache).unwrap();
    assert_ne!(by_path.path(), path);
    assert_ne!(
        by_path.resolve("main").unwrap().to_string(),
        second,
        "fresh clone"
    );
}

#[test]
fn missing_revisions_are_typed_errors_naming_url_and_revision() {
    let (up, _, _) = upstream();
    let repo = GitRepo::open_or_clone(&up.url(), &up.cache).unwrap();
    for rev in [
        "nope",
        "deadbeef",
        "0123456789012345678901234567890123456789",
        "v1^{tree}x",
    ] {
        let err = repo.resolve(rev).unwrap_err();
        assert!(
            matches!(err, SourceError::RevisionNotFound { .. }),
            "{rev}: {err:?}"
        );
        let msg = err.to_string();
        assert!(msg.contains(&up.url()) && msg.contains(rev), "{msg}");
    }
}

#[test]
fn a_tag_on_a_tree_is_not_a_commit() {
    let (up, _, _) = upstream();
    up.git(&["tag", "treetag", "HEAD^{tree}"]);
    let repo = GitRepo::open_or_clone(&up.url(), &up.cache).unwrap();
    let err = repo.resolve("treetag").unwrap_err();
    assert!(matches!(err, SourceError::NotACommit { .. }), "{err:?}");
}

#[test]
fn an_unreachable_remote_is_a_git_error_naming_the_url() {
    let tmp = tempfile::TempDir::new().unwrap();
    let url = format!("file://{}/does-not-exist", tmp.path().display());
    let err = GitRepo::open_or_clone(&url, &tmp.path().join("cache")).unwrap_err();
    assert!(matches!(err, SourceError::Git { .. }), "{err:?}");
    assert!(err.to_string().contains(&url), "{err}");
    let leftovers = std::fs::read_dir(tmp.path().join("cache")).unwrap().count();
    assert_eq!(leftovers, 0, "a failed clone leaves nothing in the cache");
}

#[test]
fn an_empty_remote_clones_but_has_no_head() {
    let up = Upstream::new();
    let repo = GitRepo::open_or_clone(&up.url(), &up.cache).unwrap();
    assert!(matches!(
        repo.resolve("HEAD"),
        Err(SourceError::RevisionNotFound { .. })
    ));
}
