//! Which Applications (and ApplicationSet git generators) a push concerns:
//! the same repository, a revision the push moved, and files under the
//! paths the app declares it is generated from.

use regex::Regex;

use super::payloads::{Push, parse_revision};
use crate::app::{Application, ApplicationSource};
use crate::appset::PathPattern;
use crate::image::writeback::git::clean_path;
use crate::image::{Constraint, TagVersion};

/// Annotation listing the paths (`;`-separated) whose changes refresh an app.
pub const MANIFEST_GENERATE_PATHS_ANNOTATION: &str = "argocd.argoproj.io/manifest-generate-paths";

/// A user name in an ssh or https repository URL (Argo CD's `usernameRegex`).
const USER: &str = r"[0-9A-Za-z_.][0-9A-Za-z_.-]{0,30}[0-9A-Za-z_.$-]?";

/// A pattern matching every spelling of the repository at `web_url`:
/// `https://`, `http://`, `ssh://` or scp-like `user@host:path`, an optional
/// user, `ssh.`/`altssh.` host prefix, port and `.git` suffix, any case.
/// `None` when `web_url` is not a URL with a host and a path.
pub fn repo_url_pattern(web_url: &str) -> Option<Regex> {
    let url = url::Url::parse(web_url).ok()?;
    let host = url.host_str()?;
    let path = url.path().strip_prefix('/').filter(|p| !p.is_empty())?;
    Regex::new(&format!(
        r"(?i)^((https?|ssh)://)?({USER}@)?((alt)?ssh\.)?{}(:\d+)?[:/]{}(\.git)?$",
        regex::escape(host),
        regex::escape(path)
    ))
    .ok()
}

/// Whether a source with `target_revision` follows what the push moved:
/// `HEAD` or empty follow the default branch; `refs/heads/x` and
/// `refs/tags/x` compare `x`; anything else compares as written, or as a
/// semver constraint the pushed tag satisfies.
pub fn revision_matches(target_revision: &str, push: &Push) -> bool {
    let target = parse_revision(target_revision);
    if target == "HEAD" || target.is_empty() {
        return push.touched_head;
    }
    let wanted = if target_revision.starts_with("refs/heads/")
        || target_revision.starts_with("refs/tags/")
    {
        target
    } else {
        target_revision
    };
    push.revision == wanted
        || match (Constraint::parse(wanted), TagVersion::parse(&push.revision)) {
            (Ok(constraint), Some(version)) => constraint.matches(&version),
            _ => false,
        }
}

/// The repository paths (relative to its root, `""` for the root) named by
/// the app's `manifest-generate-paths` annotation: `/x` is `x` from the
/// root, anything else is relative to each source's `path` (`.` is the
/// path itself). Paths that climb out of the repository are dropped.
pub fn refresh_paths(app: &Application) -> Vec<String> {
    let Some(annotation) = app
        .metadata
        .annotations
        .get(MANIFEST_GENERATE_PATHS_ANNOTATION)
    else {
        return Vec::new();
    };
    let sources = app.spec.all_sources();
    let mut paths = Vec::new();
    for item in annotation
        .split(';')
        .map(str::trim)
        .filter(|i| !i.is_empty())
    {
        if let Some(absolute) = item.strip_prefix('/') {
            paths.extend(clean_path(absolute));
        } else {
            paths.extend(
                sources
                    .iter()
                    .filter_map(|s| clean_path(&format!("{}/{item}", s.path))),
            );
        }
    }
    paths
}

/// Whether any changed file concerns the refresh paths: equal to one, under
/// one, or matching one as a `path.Match` pattern. True when either list is
/// empty (the payload did not list files, or the app did not narrow them).
pub fn files_changed(refresh_paths: &[String], changed_files: &[String]) -> bool {
    if refresh_paths.is_empty() || changed_files.is_empty() {
        return true;
    }
    let patterns: Vec<(&str, Option<PathPattern>)> = refresh_paths
        .iter()
        .map(|p| (p.as_str(), PathPattern::new(p).ok()))
        .collect();
    changed_files.iter().any(|file| {
        let file = file.trim_start_matches('/');
        patterns.iter().any(|(path, pattern)| {
            path.is_empty()
                || file == *path
                || file
                    .strip_prefix(path)
                    .is_some_and(|rest| rest.starts_with('/'))
                || pattern.as_ref().is_some_and(|p| p.matches(file))
        })
    })
}

/// Whether `source` reads the pushed repository (any of `patterns`) at a
/// revision the push moved.
pub fn source_matches(source: &ApplicationSource, patterns: &[Regex], push: &Push) -> bool {
    patterns.iter().any(|p| p.is_match(&source.repo_url))
        && revision_matches(&source.target_revision, push)
}

/// Whether the push should refresh `app`: one of its sources matches and
/// the changed files concern its refresh paths.
pub fn app_matches(app: &Application, patterns: &[Regex], push: &Push) -> bool {
    app.spec
        .all_sources()
        .into_iter()
        .any(|s| source_matches(s, patterns, push))
        && files_changed(&refresh_paths(app), &push.changed_files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn push(revision: &str, touched_head: bool, files: &[&str]) -> Push {
        Push {
            repo_urls: vec!["https://github.com/Org/Repo".into()],
            revision: revision.into(),
            touched_head,
            changed_files: files.iter().map(|f| f.to_string()).collect(),
        }
    }

    #[test]
    fn every_spelling_of_the_repository_matches() {
        let pattern = repo_url_pattern("https://github.com/Org/Repo").unwrap();
        for url in [
            "https://github.com/Org/Repo",
            "https://github.com/org/repo.git",
            "https://GitHub.com/Org/Repo.git",
            "http://github.com/Org/Repo",
            "git@github.com:Org/Repo.git",
            "ssh://git@github.com/Org/Repo.git",
            "ssh://git@ssh.github.com:443/Org/Repo.git",
            "ssh://git@altssh.github.com:443/Org/Repo",
            "https://user@github.com/Org/Repo",
            "github.com/Org/Repo",
        ] {
            assert!(pattern.is_match(url), "{url}");
        }
        for url in [
            "https://github.com/Org/Repo2",
            "https://github.com/Org/Repo/sub",
            "https://gitlab.com/Org/Repo",
            "https://evilgithub.com/Org/Repo",
            "https://github.com/Org/Repo.git.git",
        ] {
            assert!(!pattern.is_match(url), "{url}");
        }
        assert!(repo_url_pattern("https://github.com").is_none());
        assert!(repo_url_pattern("not a url").is_none());
    }

    #[test]
    fn revisions_follow_argo_cd() {
        let main = push("main", true, &[]);
        let feature = push("feat/x", false, &[]);
        let tag = push("v1.4.2", false, &[]);
        assert!(revision_matches("", &main));
        assert!(revision_matches("HEAD", &main));
        assert!(!revision_matches("HEAD", &feature));
        assert!(revision_matches("main", &main));
        assert!(revision_matches("refs/heads/main", &main));
        assert!(revision_matches("feat/x", &feature));
        assert!(revision_matches("refs/heads/feat/x", &feature));
        assert!(!revision_matches("main", &feature));
        assert!(revision_matches("v1.4.2", &tag));
        assert!(revision_matches("refs/tags/v1.4.2", &tag));
        assert!(revision_matches(">=1.4.0", &tag));
        assert!(revision_matches("1.4.*", &tag));
        assert!(!revision_matches(">=2.0.0", &tag));
        assert!(!revision_matches("1.4.*", &main));
    }

    fn app(path: &str, paths: Option<&str>) -> Application {
        let mut value = json!({
            "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
            "metadata": {"name": "a", "namespace": "argocd"},
            "spec": {"source": {"repoURL": "git@github.com:Org/Repo.git", "path": path,
                                "targetRevision": "HEAD"}},
        });
        if let Some(paths) = paths {
            value["metadata"]["annotations"] = json!({MANIFEST_GENERATE_PATHS_ANNOTATION: paths});
        }
        Application::from_value(&value).unwrap()
    }

    #[test]
    fn refresh_paths_are_relative_to_the_source_or_the_root() {
        assert!(refresh_paths(&app("apps/web", None)).is_empty());
        assert_eq!(
            refresh_paths(&app("apps/web", Some(".; ../shared ;/charts/web;;"))),
            ["apps/web", "apps/shared", "charts/web"]
        );
        assert_eq!(
            refresh_paths(&app("apps/web", Some("../../.."))),
            Vec::<String>::new()
        );
        assert_eq!(refresh_paths(&app("", Some("."))), [""]);
    }

    #[test]
    fn changed_files_narrow_the_refresh() {
        let paths = refresh_paths(&app("apps/web", Some(".;/charts/*.yaml")));
        let changed = |files: &[&str]| {
            files_changed(
                &paths,
                &files.iter().map(|f| f.to_string()).collect::<Vec<_>>(),
            )
        };
        assert!(changed(&["apps/web/deploy.yaml"]));
        assert!(changed(&["apps/web"]));
        assert!(changed(&["/apps/web/sub/x.yaml"]));
        assert!(changed(&["charts/values.yaml"]));
        assert!(changed(&[]), "no file list refreshes");
        assert!(!changed(&["apps/webapp/deploy.yaml"]));
        assert!(!changed(&["apps/api/deploy.yaml", "README.md"]));
        assert!(!changed(&["charts/web/values.yaml"]), "* stops at /");
        assert!(files_changed(&[], &["anything".into()]));
    }

    #[test]
    fn an_app_matches_by_repository_revision_and_files() {
        let patterns = vec![repo_url_pattern("https://github.com/Org/Repo").unwrap()];
        let narrowed = app("apps/web", Some("."));
        assert!(app_matches(
            &narrowed,
            &patterns,
            &push("main", true, &["apps/web/a.yaml"])
        ));
        assert!(!app_matches(
            &narrowed,
            &patterns,
            &push("main", true, &["docs/a.md"])
        ));
        assert!(!app_matches(
            &narrowed,
            &patterns,
            &push("dev", false, &["apps/web/a.yaml"])
        ));
        let other = vec![repo_url_pattern("https://github.com/Org/Other").unwrap()];
        assert!(!app_matches(&narrowed, &other, &push("main", true, &[])));
    }
}
