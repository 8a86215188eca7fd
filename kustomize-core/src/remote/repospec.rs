//! [`RepoSpec`]: a remote Git target as kustomize 5.5 reads it
//! (`api/internal/git/repospec.go`): the URL to clone, the kustomization
//! directory inside the repository, and the `ref`, `timeout` and
//! `submodules` query parameters.
//!
//! Accepted forms, as kustomize accepts them: `https://` and `http://`
//! (`http://github.com/…` becomes `https://github.com/…`), `ssh://`,
//! `file://` (the whole path is the repository unless `//` or `.git`
//! marks where it ends), SCP-style `user@host:org/repo`, the
//! `github.com/org/repo` shorthand, a leading `git::` (ignored), and the
//! repository/directory split by `_git/<repo>`, `//` or `.git`, else after
//! two path segments. `git://` is not among them: kustomize reads such an
//! entry as a local path.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::query::{Query, parse_query};

/// Clone submodules unless the URL says `submodules=false`.
const DEFAULT_SUBMODULES: bool = true;
/// How long git operations of one remote target may take by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(27);

const FILE_SCHEME: &str = "file://";
const HTTP_SCHEME: &str = "http://";
const HTTPS_SCHEME: &str = "https://";
const SSH_SCHEME: &str = "ssh://";
const GIT_ROOT_DELIMITER: &str = "_git/";
const GIT_SUFFIX: &str = ".git";

/// A parsed remote Git target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoSpec {
    /// The entry as written (kustomize compares these to find cycles).
    pub raw: String,
    /// Scheme, user and host, e.g. `https://github.com/` or `git@github.com:`.
    pub host: String,
    /// The repository path on the host, e.g. `org/repo` or `org/repo.git`.
    pub repo_path: String,
    /// The kustomization directory inside the repository (`""` is its root).
    pub kust_root_path: String,
    /// The branch, tag or commit (`ref=`, else `version=`); empty for the
    /// remote's default branch.
    pub git_ref: String,
    /// Whether submodules are to be cloned (`submodules=`).
    pub submodules: bool,
    /// How long git may take (`timeout=`: seconds or a Go duration).
    pub timeout: Duration,
}

/// Why an entry is not a remote Git target (kustomize's messages).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RepoSpecError(String);

impl RepoSpec {
    /// Parses `raw` as kustomize's `NewRepoSpecFromURL` does; an error
    /// means the entry is not a Git URL (for a resource: a local path).
    pub fn parse(raw: &str) -> Result<Self, RepoSpecError> {
        if raw.starts_with('/') {
            return Err(RepoSpecError(format!("uri looks like abs path: {raw}")));
        }
        let (rest, query) = raw.split_once('?').unwrap_or((raw, ""));
        let Query {
            git_ref,
            timeout,
            submodules,
        } = parse_query(query, DEFAULT_TIMEOUT, DEFAULT_SUBMODULES);
        let (host, rest) = extract_host(rest)?;
        let all_segments = host.starts_with(FILE_SCHEME);
        let (repo_path, kust_root_path) = parse_path_parts(&rest, all_segments)?;
        Ok(Self {
            raw: raw.to_owned(),
            host,
            repo_path,
            kust_root_path,
            git_ref,
            submodules,
            timeout,
        })
    }

    /// What `git clone` is given: host and repository path.
    pub fn clone_spec(&self) -> String {
        format!("{}{}", self.host, self.repo_path)
    }

    /// The kustomization directory when the repository is at `clone_dir`.
    pub fn abs_path(&self, clone_dir: &Path) -> PathBuf {
        crate::fs::normalize(clone_dir, Path::new(&self.kust_root_path))
    }
}

/// Splits off scheme, user and host; returns them with the rest.
fn extract_host(n: &str) -> Result<(String, String), RepoSpecError> {
    let n = trim_prefix_ignore_case(n, "git::").unwrap_or(n);
    let (scheme, n) = extract_scheme(n);
    let (username, n) = extract_username(n);
    let std_github = is_standard_github_host(n);
    let accept_scp = scheme.is_empty() && (!username.is_empty() || std_github);
    if scheme.is_empty() && !accept_scp {
        return Err(RepoSpecError("failed to parse scheme".into()));
    }
    if scheme == FILE_SCHEME {
        // Everything after the scheme, a "user" included, is the path.
        return Ok((scheme.to_owned(), format!("{username}{n}")));
    }
    let (mut host, rest) = match find_path_separator(n, accept_scp) {
        Some(i) => (&n[..=i], &n[i + 1..]),
        None => (n, ""),
    };
    let (mut scheme, mut username) = (scheme, username);
    if std_github {
        (scheme, username, host) = if scheme.starts_with(SSH_SCHEME) || !username.is_empty() {
            ("", username, "github.com:")
        } else {
            (HTTPS_SCHEME, "", "github.com/")
        };
    }
    if host.is_empty() {
        return Err(RepoSpecError("failed to parse host segment".into()));
    }
    Ok((format!("{scheme}{username}{host}"), rest.to_owned()))
}

/// `scheme`, and `n` without it; the scheme is empty when there is none
/// of the four kustomize knows (matched without regard to case).
fn extract_scheme(n: &str) -> (&'static str, &str) {
    for scheme in [SSH_SCHEME, HTTPS_SCHEME, HTTP_SCHEME, FILE_SCHEME] {
        if let Some(rest) = trim_prefix_ignore_case(n, scheme) {
            return (scheme, rest);
        }
    }
    ("", n)
}

/// A leading `name@` (a letter, then letters, digits and `-`), and the rest.
fn extract_username(n: &str) -> (&str, &str) {
    let bytes = n.as_bytes();
    if !bytes.first().is_some_and(u8::is_ascii_alphabetic) {
        return ("", n);
    }
    let end = bytes
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || *b == b'-'))
        .unwrap_or(bytes.len());
    if bytes.get(end) == Some(&b'@') {
        n.split_at(end + 1)
    } else {
        ("", n)
    }
}

fn is_standard_github_host(n: &str) -> bool {
    let lower = n.get(..11).map(str::to_ascii_lowercase);
    matches!(lower.as_deref(), Some("github.com/" | "github.com:"))
}

/// `s` without `prefix` (ASCII, any case), if it starts with it.
fn trim_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// Where the host ends: the first `/`, or in SCP style a `:` before it.
fn find_path_separator(n: &str, accept_scp: bool) -> Option<usize> {
    let slash = n.find('/');
    if accept_scp {
        let colon = n.find(':');
        if let Some(colon) = colon.filter(|c| *c > 0)
            && slash.is_none_or(|s| colon < s)
        {
            return Some(colon);
        }
        if slash.is_none() {
            return colon;
        }
    }
    slash
}

/// Splits the repository path from the kustomization directory.
fn parse_path_parts(n: &str, all_segments: bool) -> Result<(String, String), RepoSpecError> {
    let split = explicit_marker_split(n).or_else(|| default_length_split(n, all_segments));
    let Some((repo_path, kust_root_path)) = split.filter(|(repo, _)| !repo.is_empty()) else {
        return Err(RepoSpecError("failed to parse repo path segment".into()));
    };
    if exits_repo(&kust_root_path) {
        return Err(RepoSpecError(format!("url path exits repo: {n}")));
    }
    let kust_root_path = kust_root_path
        .strip_prefix('/')
        .map_or(kust_root_path.clone(), str::to_owned);
    Ok((repo_path, kust_root_path))
}

/// The split at `_git/<repo>`, `//` or `.git`, whichever comes first in
/// that order of preference.
fn explicit_marker_split(n: &str) -> Option<(String, String)> {
    if let Some(i) = n.find(GIT_ROOT_DELIMITER) {
        let (root, sub) = n.split_at(i + GIT_ROOT_DELIMITER.len());
        let (repo, kust) = sub.split_once('/').unwrap_or((sub, ""));
        return Some((format!("{root}{repo}"), kust.to_owned()));
    }
    if let Some(i) = n.find("//") {
        return Some((n[..i].to_owned(), n[i + 2..].to_owned()));
    }
    n.find(GIT_SUFFIX).map(|i| {
        let (repo, kust) = n.split_at(i + GIT_SUFFIX.len());
        (repo.to_owned(), kust.to_owned())
    })
}

/// The historical default: the whole path for `file://`, else the first
/// two segments (`org/repo`); `None` when there are fewer.
fn default_length_split(n: &str, all_segments: bool) -> Option<(String, String)> {
    if all_segments {
        return Some((n.to_owned(), String::new()));
    }
    let mut parts = n.splitn(3, '/');
    let (org, repo) = (parts.next()?, parts.next()?);
    Some((
        format!("{org}/{repo}"),
        parts.next().unwrap_or("").to_owned(),
    ))
}

/// Whether the directory climbs out of the repository: without one
/// leading `/`, its cleaned form starts with `..` (a path still rooted
/// cannot climb above its root).
fn exits_repo(kust_root_path: &str) -> bool {
    let rel = kust_root_path.strip_prefix('/').unwrap_or(kust_root_path);
    if rel.starts_with('/') {
        return false;
    }
    let mut depth: usize = 0;
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." if depth == 0 => return true,
            ".." => depth -= 1,
            _ => depth += 1,
        }
    }
    false
}

#[cfg(test)]
#[path = "repospec_tests.rs"]
mod tests;
