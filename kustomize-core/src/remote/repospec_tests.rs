//! kustomize's own URL-parsing tables (`api/internal/git/repospec_test.go`
//! of kustomize api v0.18.0, the version kustomize 5.5 uses), ported
//! case for case: they are the expectations.

use std::path::Path;
use std::time::Duration;

use super::*;

#[test]
fn permutations_of_host_repo_path_and_ref() {
    // (raw, normalized) hosts of TestNewRepoSpecFromUrl_Permute.
    let scheme_authority = [
        ("gitHub.com/", "https://github.com/"),
        ("github.com:", "https://github.com/"),
        ("http://github.com/", "https://github.com/"),
        ("https://github.com/", "https://github.com/"),
        ("hTTps://github.com/", "https://github.com/"),
        (
            "https://git-codecommit.us-east-2.amazonaws.com/",
            "https://git-codecommit.us-east-2.amazonaws.com/",
        ),
        (
            "https://fabrikops2.visualstudio.com/",
            "https://fabrikops2.visualstudio.com/",
        ),
        ("ssh://git.example.com:7999/", "ssh://git.example.com:7999/"),
        ("git::https://gitlab.com/", "https://gitlab.com/"),
        ("git::http://git.example.com/", "http://git.example.com/"),
        ("git::https://git.example.com/", "https://git.example.com/"),
        ("git@github.com:", "git@github.com:"),
        ("git@github.com/", "git@github.com:"),
        ("git::git@github.com:", "git@github.com:"),
        ("org-12345@github.com:", "org-12345@github.com:"),
        ("org-12345@github.com/", "org-12345@github.com:"),
    ];
    let repo_paths = ["someOrg/someRepo", "kubernetes/website"];
    let path_names = ["README.md", "foo/krusty.txt", ""];
    let ref_args = ["group/version", "someBranch", "master", "v0.1.0", ""];
    let mut count = 0;
    for (raw_host, host) in scheme_authority {
        for repo_path in repo_paths {
            for path_name in path_names {
                for git_ref in ref_args {
                    let mut uri = format!("{raw_host}{repo_path}");
                    if !path_name.is_empty() {
                        uri = format!("{uri}/{path_name}");
                    }
                    if !git_ref.is_empty() {
                        uri = format!("{uri}?ref={git_ref}");
                    }
                    let rs = RepoSpec::parse(&uri).unwrap_or_else(|e| panic!("{uri}: {e}"));
                    assert_eq!(rs.host, host, "host of {uri}");
                    assert_eq!(rs.repo_path, repo_path, "repo path of {uri}");
                    assert_eq!(rs.kust_root_path, path_name, "kust root path of {uri}");
                    assert_eq!(rs.git_ref, git_ref, "ref of {uri}");
                    count += 1;
                }
            }
        }
    }
    assert_eq!(count, 480);
}

#[test]
fn errors() {
    // (name, url, part of the error) of TestNewRepoSpecFromUrlErrors.
    let bad = [
        ("absolute_path", "/tmp", "uri looks like abs path"),
        ("relative path", "../../tmp", "failed to parse scheme"),
        (
            "local path that looks somewhat like a github url",
            "src/github.com/org/repo/path",
            "failed to parse scheme",
        ),
        ("no_slashes", "iauhsdiuashduas", "failed to parse scheme"),
        (
            "bad_scheme",
            "htxxxtp://github.com/",
            "failed to parse scheme",
        ),
        (
            "no_org_repo",
            "ssh://git.example.com",
            "failed to parse repo path segment",
        ),
        ("hashicorp_git_only", "git::___", "failed to parse scheme"),
        (
            "query_after_host",
            "https://host?ref=group/version/minor_version",
            "failed to parse repo path segment",
        ),
        (
            "path_exits_repo",
            "https://github.com/org/repo.git//path/../../exits/repo",
            "url path exits repo",
        ),
        (
            "bad github separator",
            "github.com!org/repo.git//path",
            "failed to parse scheme",
        ),
        (
            "mysterious gh: prefix previously supported is no longer handled",
            "gh:org/repo",
            "failed to parse scheme",
        ),
        (
            "invalid Github url missing orgrepo",
            "https://github.com/thisisa404.yaml",
            "failed to parse repo path segment",
        ),
        (
            "unsupported protocol after username (invalid)",
            "git@scp://github.com/org/repo.git//path",
            "failed to parse repo path segment",
        ),
        (
            "supported protocol after username (invalid)",
            "git@ssh://github.com/org/repo.git//path",
            "failed to parse repo path segment",
        ),
        (
            "file protocol with excessive slashes",
            "file:////tmp//path/to/whatever",
            "failed to parse repo path segment",
        ),
    ];
    for (name, url, error) in bad {
        let err = RepoSpec::parse(url).expect_err(name);
        assert!(err.to_string().contains(error), "{name}: {err}");
    }
}

/// One case of TestNewRepoSpecFromUrl_Smoke. `abs_path` is the argument of
/// `notCloned.Join` (empty for `notCloned.String()`).
struct Smoke {
    name: &'static str,
    input: &'static str,
    clone_spec: &'static str,
    abs_path: &'static str,
    host: &'static str,
    repo_path: &'static str,
    kust_root_path: &'static str,
    git_ref: &'static str,
}

#[rustfmt::skip]
const SMOKE: &[Smoke] = &[
    Smoke { name: "https aws code commit url", input: "https://git-codecommit.us-east-2.amazonaws.com/someorg/somerepo/somedir", clone_spec: "https://git-codecommit.us-east-2.amazonaws.com/someorg/somerepo", abs_path: "somedir", host: "https://git-codecommit.us-east-2.amazonaws.com/", repo_path: "someorg/somerepo", kust_root_path: "somedir", git_ref: "" },
    Smoke { name: "https aws code commit url with params", input: "https://git-codecommit.us-east-2.amazonaws.com/someorg/somerepo/somedir?ref=testbranch", clone_spec: "https://git-codecommit.us-east-2.amazonaws.com/someorg/somerepo", abs_path: "somedir", host: "https://git-codecommit.us-east-2.amazonaws.com/", repo_path: "someorg/somerepo", kust_root_path: "somedir", git_ref: "testbranch" },
    Smoke { name: "legacy azure https url with params", input: "https://fabrikops2.visualstudio.com/someorg/somerepo?ref=master", clone_spec: "https://fabrikops2.visualstudio.com/someorg/somerepo", abs_path: "", host: "https://fabrikops2.visualstudio.com/", repo_path: "someorg/somerepo", kust_root_path: "", git_ref: "master" },
    Smoke { name: "http github url without git suffix", input: "http://github.com/someorg/somerepo/somedir", clone_spec: "https://github.com/someorg/somerepo", abs_path: "somedir", host: "https://github.com/", repo_path: "someorg/somerepo", kust_root_path: "somedir", git_ref: "" },
    Smoke { name: "scp github url without git suffix", input: "git@github.com:someorg/somerepo/somedir", clone_spec: "git@github.com:someorg/somerepo", abs_path: "somedir", host: "git@github.com:", repo_path: "someorg/somerepo", kust_root_path: "somedir", git_ref: "" },
    Smoke { name: "http github url with git suffix", input: "http://github.com/someorg/somerepo.git/somedir", clone_spec: "https://github.com/someorg/somerepo.git", abs_path: "somedir", host: "https://github.com/", repo_path: "someorg/somerepo.git", kust_root_path: "somedir", git_ref: "" },
    Smoke { name: "scp github url with git suffix", input: "git@github.com:someorg/somerepo.git/somedir", clone_spec: "git@github.com:someorg/somerepo.git", abs_path: "somedir", host: "git@github.com:", repo_path: "someorg/somerepo.git", kust_root_path: "somedir", git_ref: "" },
    Smoke { name: "non-github_scp", input: "git@gitlab2.sqtools.ru:infra/kubernetes/thanos-base.git?ref=v0.1.0", clone_spec: "git@gitlab2.sqtools.ru:infra/kubernetes/thanos-base.git", abs_path: "", host: "git@gitlab2.sqtools.ru:", repo_path: "infra/kubernetes/thanos-base.git", kust_root_path: "", git_ref: "v0.1.0" },
    Smoke { name: "non-github_scp with path delimiter", input: "git@bitbucket.org:company/project.git//path?ref=branch", clone_spec: "git@bitbucket.org:company/project.git", abs_path: "path", host: "git@bitbucket.org:", repo_path: "company/project.git", kust_root_path: "path", git_ref: "branch" },
    Smoke { name: "non-github_scp incorrectly using slash (invalid but currently passed through to git)", input: "git@bitbucket.org/company/project.git//path?ref=branch", clone_spec: "git@bitbucket.org/company/project.git", abs_path: "path", host: "git@bitbucket.org/", repo_path: "company/project.git", kust_root_path: "path", git_ref: "branch" },
    Smoke { name: "non-github_git-user_ssh", input: "ssh://git@bitbucket.org/company/project.git//path?ref=branch", clone_spec: "ssh://git@bitbucket.org/company/project.git", abs_path: "path", host: "ssh://git@bitbucket.org/", repo_path: "company/project.git", kust_root_path: "path", git_ref: "branch" },
    Smoke { name: "_git host delimiter in non-github url", input: "https://itfs.mycompany.com/collection/project/_git/somerepos", clone_spec: "https://itfs.mycompany.com/collection/project/_git/somerepos", abs_path: "", host: "https://itfs.mycompany.com/", repo_path: "collection/project/_git/somerepos", kust_root_path: "", git_ref: "" },
    Smoke { name: "_git host delimiter in non-github url with params", input: "https://itfs.mycompany.com/collection/project/_git/somerepos?version=v1.0.0", clone_spec: "https://itfs.mycompany.com/collection/project/_git/somerepos", abs_path: "", host: "https://itfs.mycompany.com/", repo_path: "collection/project/_git/somerepos", kust_root_path: "", git_ref: "v1.0.0" },
    Smoke { name: "_git host delimiter in non-github url with kust root path and params", input: "https://itfs.mycompany.com/collection/project/_git/somerepos/somedir?version=v1.0.0", clone_spec: "https://itfs.mycompany.com/collection/project/_git/somerepos", abs_path: "somedir", host: "https://itfs.mycompany.com/", repo_path: "collection/project/_git/somerepos", kust_root_path: "somedir", git_ref: "v1.0.0" },
    Smoke { name: "_git host delimiter in non-github url with no kust root path", input: "git::https://itfs.mycompany.com/collection/project/_git/somerepos", clone_spec: "https://itfs.mycompany.com/collection/project/_git/somerepos", abs_path: "", host: "https://itfs.mycompany.com/", repo_path: "collection/project/_git/somerepos", kust_root_path: "", git_ref: "" },
    Smoke { name: "https bitbucket url with git suffix", input: "https://bitbucket.example.com/scm/project/repository.git", clone_spec: "https://bitbucket.example.com/scm/project/repository.git", abs_path: "", host: "https://bitbucket.example.com/", repo_path: "scm/project/repository.git", kust_root_path: "", git_ref: "" },
    Smoke { name: "ssh aws code commit url", input: "ssh://git-codecommit.us-east-2.amazonaws.com/someorg/somerepo/somepath", clone_spec: "ssh://git-codecommit.us-east-2.amazonaws.com/someorg/somerepo", abs_path: "somepath", host: "ssh://git-codecommit.us-east-2.amazonaws.com/", repo_path: "someorg/somerepo", kust_root_path: "somepath", git_ref: "" },
    Smoke { name: "scp Github with slash fixed to colon", input: "git@github.com/someorg/somerepo/somepath", clone_spec: "git@github.com:someorg/somerepo", abs_path: "somepath", host: "git@github.com:", repo_path: "someorg/somerepo", kust_root_path: "somepath", git_ref: "" },
    Smoke { name: "https Github with double slash path delimiter and params", input: "https://github.com/kubernetes-sigs/kustomize//examples/multibases/dev/?ref=v1.0.6", clone_spec: "https://github.com/kubernetes-sigs/kustomize", abs_path: "/examples/multibases/dev", host: "https://github.com/", repo_path: "kubernetes-sigs/kustomize", kust_root_path: "examples/multibases/dev/", git_ref: "v1.0.6" },
    Smoke { name: "file protocol with git-suffixed repo path and params", input: "file://a/b/c/someRepo.git/somepath?ref=someBranch", clone_spec: "file://a/b/c/someRepo.git", abs_path: "somepath", host: "file://", repo_path: "a/b/c/someRepo.git", kust_root_path: "somepath", git_ref: "someBranch" },
    Smoke { name: "file protocol with two slashes, with kust root path and params", input: "file://a/b/c/someRepo//somepath?ref=someBranch", clone_spec: "file://a/b/c/someRepo", abs_path: "somepath", host: "file://", repo_path: "a/b/c/someRepo", kust_root_path: "somepath", git_ref: "someBranch" },
    Smoke { name: "file protocol with two slashes, with ref and no kust root path", input: "file://a/b/c/someRepo?ref=someBranch", clone_spec: "file://a/b/c/someRepo", abs_path: "", host: "file://", repo_path: "a/b/c/someRepo", kust_root_path: "", git_ref: "someBranch" },
    Smoke { name: "file protocol with three slashes, with ref and no kust root path", input: "file:///a/b/c/someRepo?ref=someBranch", clone_spec: "file:///a/b/c/someRepo", abs_path: "", host: "file://", repo_path: "/a/b/c/someRepo", kust_root_path: "", git_ref: "someBranch" },
    Smoke { name: "ssh Github with double-slashed path delimiter and params", input: "ssh://git@github.com/kubernetes-sigs/kustomize//examples/multibases/dev?ref=v1.0.6", clone_spec: "git@github.com:kubernetes-sigs/kustomize", abs_path: "examples/multibases/dev", host: "git@github.com:", repo_path: "kubernetes-sigs/kustomize", kust_root_path: "examples/multibases/dev", git_ref: "v1.0.6" },
    Smoke { name: "file protocol with three slashes, no kust root path or params", input: "file:///a/b/c/someRepo", clone_spec: "file:///a/b/c/someRepo", abs_path: "", host: "file://", repo_path: "/a/b/c/someRepo", kust_root_path: "", git_ref: "" },
    Smoke { name: "file protocol with three slashes, no repo or kust root path or params", input: "file:///", clone_spec: "file:///", abs_path: "", host: "file://", repo_path: "/", kust_root_path: "", git_ref: "" },
    Smoke { name: "arbitrary https host with double-slash path delimiter", input: "https://example.org/path/to/repo//examples/multibases/dev", clone_spec: "https://example.org/path/to/repo", abs_path: "/examples/multibases/dev", host: "https://example.org/", repo_path: "path/to/repo", kust_root_path: "examples/multibases/dev", git_ref: "" },
    Smoke { name: "arbitrary https host with .git repo suffix", input: "https://example.org/path/to/repo.git/examples/multibases/dev", clone_spec: "https://example.org/path/to/repo.git", abs_path: "/examples/multibases/dev", host: "https://example.org/", repo_path: "path/to/repo.git", kust_root_path: "examples/multibases/dev", git_ref: "" },
    Smoke { name: "arbitrary ssh host with double-slash path delimiter", input: "ssh://alice@example.com/path/to/repo//examples/multibases/dev", clone_spec: "ssh://alice@example.com/path/to/repo", abs_path: "/examples/multibases/dev", host: "ssh://alice@example.com/", repo_path: "path/to/repo", kust_root_path: "examples/multibases/dev", git_ref: "" },
    Smoke { name: "query_slash", input: "https://authority/org/repo?ref=group/version", clone_spec: "https://authority/org/repo", abs_path: "", host: "https://authority/", repo_path: "org/repo", kust_root_path: "", git_ref: "group/version" },
    Smoke { name: "query_git_delimiter", input: "https://authority/org/repo/?ref=includes_git/for_some_reason", clone_spec: "https://authority/org/repo", abs_path: "", host: "https://authority/", repo_path: "org/repo", kust_root_path: "", git_ref: "includes_git/for_some_reason" },
    Smoke { name: "query_git_suffix", input: "https://authority/org/repo/?ref=includes.git/for_some_reason", clone_spec: "https://authority/org/repo", abs_path: "", host: "https://authority/", repo_path: "org/repo", kust_root_path: "", git_ref: "includes.git/for_some_reason" },
    Smoke { name: "non_parsable_path", input: "https://authority/org/repo/%-invalid-uri-so-not-parsable-by-net/url.Parse", clone_spec: "https://authority/org/repo", abs_path: "%-invalid-uri-so-not-parsable-by-net/url.Parse", host: "https://authority/", repo_path: "org/repo", kust_root_path: "%-invalid-uri-so-not-parsable-by-net/url.Parse", git_ref: "" },
    Smoke { name: "non-git username with non-github host", input: "ssh://myusername@bitbucket.org/ourteamname/ourrepositoryname.git//path?ref=branch", clone_spec: "ssh://myusername@bitbucket.org/ourteamname/ourrepositoryname.git", abs_path: "path", host: "ssh://myusername@bitbucket.org/", repo_path: "ourteamname/ourrepositoryname.git", kust_root_path: "path", git_ref: "branch" },
    Smoke { name: "username-like filepath with file protocol", input: "file://git@home/path/to/repository.git//path?ref=branch", clone_spec: "file://git@home/path/to/repository.git", abs_path: "path", host: "file://", repo_path: "git@home/path/to/repository.git", kust_root_path: "path", git_ref: "branch" },
    Smoke { name: "username with http protocol (invalid but currently passed through to git)", input: "http://git@home.com/path/to/repository.git//path?ref=branch", clone_spec: "http://git@home.com/path/to/repository.git", abs_path: "path", host: "http://git@home.com/", repo_path: "path/to/repository.git", kust_root_path: "path", git_ref: "branch" },
    Smoke { name: "username with https protocol (invalid but currently passed through to git)", input: "https://git@home.com/path/to/repository.git//path?ref=branch", clone_spec: "https://git@home.com/path/to/repository.git", abs_path: "path", host: "https://git@home.com/", repo_path: "path/to/repository.git", kust_root_path: "path", git_ref: "branch" },
    Smoke { name: "complex github ssh url from docs", input: "ssh://git@ssh.github.com:443/YOUR-USERNAME/YOUR-REPOSITORY.git", clone_spec: "ssh://git@ssh.github.com:443/YOUR-USERNAME/YOUR-REPOSITORY.git", abs_path: "", host: "ssh://git@ssh.github.com:443/", repo_path: "YOUR-USERNAME/YOUR-REPOSITORY.git", kust_root_path: "", git_ref: "" },
    Smoke { name: "colon behind slash not scp delimiter", input: "git@gitlab.com/user:name/YOUR-REPOSITORY.git/path", clone_spec: "git@gitlab.com/user:name/YOUR-REPOSITORY.git", abs_path: "path", host: "git@gitlab.com/", repo_path: "user:name/YOUR-REPOSITORY.git", kust_root_path: "path", git_ref: "" },
    Smoke { name: "gitlab URLs with explicit git suffix", input: "git@gitlab.com:gitlab-tests/sample-project.git", clone_spec: "git@gitlab.com:gitlab-tests/sample-project.git", abs_path: "", host: "git@gitlab.com:", repo_path: "gitlab-tests/sample-project.git", kust_root_path: "", git_ref: "" },
    Smoke { name: "gitlab URLs without explicit git suffix", input: "git@gitlab.com:gitlab-tests/sample-project", clone_spec: "git@gitlab.com:gitlab-tests/sample-project", abs_path: "", host: "git@gitlab.com:", repo_path: "gitlab-tests/sample-project", kust_root_path: "", git_ref: "" },
    Smoke { name: "azure host with _git and // path separator", input: "https://username@dev.azure.com/org/project/_git/repo//path/to/kustomization/root", clone_spec: "https://username@dev.azure.com/org/project/_git/repo", abs_path: "path/to/kustomization/root", host: "https://username@dev.azure.com/", repo_path: "org/project/_git/repo", kust_root_path: "path/to/kustomization/root", git_ref: "" },
    Smoke { name: "legacy format azure host with _git", input: "https://org.visualstudio.com/project/_git/repo/path/to/kustomization/root", clone_spec: "https://org.visualstudio.com/project/_git/repo", abs_path: "path/to/kustomization/root", host: "https://org.visualstudio.com/", repo_path: "project/_git/repo", kust_root_path: "path/to/kustomization/root", git_ref: "" },
    Smoke { name: "ssh on github with custom username for custom ssh certificate authority", input: "ssh://org-12345@github.com/kubernetes-sigs/kustomize", clone_spec: "org-12345@github.com:kubernetes-sigs/kustomize", abs_path: "", host: "org-12345@github.com:", repo_path: "kubernetes-sigs/kustomize", kust_root_path: "", git_ref: "" },
    Smoke { name: "scp on github with custom username for custom ssh certificate authority", input: "org-12345@github.com/kubernetes-sigs/kustomize", clone_spec: "org-12345@github.com:kubernetes-sigs/kustomize", abs_path: "", host: "org-12345@github.com:", repo_path: "kubernetes-sigs/kustomize", kust_root_path: "", git_ref: "" },
    Smoke { name: "scp format gist url", input: "git@gist.github.com:bc7947cb727d7f9217e7862d961a1ffd.git", clone_spec: "git@gist.github.com:bc7947cb727d7f9217e7862d961a1ffd.git", abs_path: "", host: "git@gist.github.com:", repo_path: "bc7947cb727d7f9217e7862d961a1ffd.git", kust_root_path: "", git_ref: "" },
    Smoke { name: "https gist url", input: "https://gist.github.com/bc7947cb727d7f9217e7862d961a1ffd.git", clone_spec: "https://gist.github.com/bc7947cb727d7f9217e7862d961a1ffd.git", abs_path: "", host: "https://gist.github.com/", repo_path: "bc7947cb727d7f9217e7862d961a1ffd.git", kust_root_path: "", git_ref: "" },
];

#[test]
fn smoke() {
    assert_eq!(SMOKE.len(), 47);
    let not_cloned = Path::new("/notCloned");
    for case in SMOKE {
        let rs = RepoSpec::parse(case.input).unwrap_or_else(|e| panic!("{}: {e}", case.name));
        assert_eq!(
            rs.clone_spec(),
            case.clone_spec,
            "{}: clone spec",
            case.name
        );
        // Go's filepath.Join: the argument is appended even when it starts with `/`.
        let joined = case.abs_path.trim_start_matches('/');
        let want_abs = crate::fs::normalize(not_cloned, Path::new(joined));
        assert_eq!(rs.abs_path(not_cloned), want_abs, "{}: abs path", case.name);
        assert_eq!(rs.host, case.host, "{}: host", case.name);
        assert_eq!(rs.repo_path, case.repo_path, "{}: repo path", case.name);
        assert_eq!(
            rs.kust_root_path, case.kust_root_path,
            "{}: kust root path",
            case.name
        );
        assert_eq!(rs.git_ref, case.git_ref, "{}: ref", case.name);
        assert_eq!(rs.raw, case.input);
    }
}

#[test]
fn default_query_params() {
    let rs = RepoSpec::parse("https://github.com/org/repo").unwrap();
    assert!(rs.submodules);
    assert_eq!(rs.timeout, Duration::from_secs(27));
}

#[test]
fn parse_query_table() {
    // (name, query, ref, submodules, timeout seconds) of TestParseQuery.
    let cases = [
        ("empty", "", "", true, 27),
        ("ref", "ref=v1.0.0", "v1.0.0", true, 27),
        (
            "ref_slash",
            "ref=kustomize/v4.5.7",
            "kustomize/v4.5.7",
            true,
            27,
        ),
        ("version", "version=master", "master", true, 27),
        (
            "ref_and_version",
            "version=master&ref=v1.0.0",
            "v1.0.0",
            true,
            27,
        ),
        (
            "empty_submodules",
            "version=master&submodules=",
            "master",
            true,
            27,
        ),
        (
            "bad_submodules",
            "version=master&submodules=maybe",
            "master",
            true,
            27,
        ),
        (
            "submodules_true",
            "version=master&submodules=true",
            "master",
            true,
            27,
        ),
        (
            "submodules_false",
            "version=master&submodules=false",
            "master",
            false,
            27,
        ),
        (
            "empty_timeout",
            "version=master&timeout=",
            "master",
            true,
            27,
        ),
        (
            "bad_timeout",
            "version=master&timeout=jiffy",
            "master",
            true,
            27,
        ),
        (
            "zero_timeout",
            "version=master&timeout=0",
            "master",
            true,
            27,
        ),
        (
            "zero_unit_timeout",
            "version=master&timeout=0s",
            "master",
            true,
            27,
        ),
        ("timeout", "version=master&timeout=61", "master", true, 61),
        (
            "timeout_unit",
            "version=master&timeout=1m1s",
            "master",
            true,
            61,
        ),
        (
            "all",
            "version=master&submodules=false&timeout=1m1s",
            "master",
            false,
            61,
        ),
    ];
    for (name, query, git_ref, submodules, secs) in cases {
        let q = parse_query(query, DEFAULT_TIMEOUT, DEFAULT_SUBMODULES);
        assert_eq!(q.git_ref, git_ref, "{name}: ref");
        assert_eq!(q.submodules, submodules, "{name}: submodules");
        assert_eq!(q.timeout, Duration::from_secs(secs), "{name}: timeout");
    }
}
