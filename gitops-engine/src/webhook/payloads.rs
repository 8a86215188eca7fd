//! The fields of the providers' push payloads that decide what to refresh,
//! and their reduction to one [`Push`].

use serde::Deserialize;
use serde_json::Value;

/// What a push changed, the same for every provider.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Push {
    /// The repository's addresses from the payload (its web page; for
    /// Bitbucket Server its http and ssh clone URLs).
    pub repo_urls: Vec<String>,
    /// The pushed branch or tag: the ref without `refs/heads/` or
    /// `refs/tags/` (`refs/heads/feat/x` is `feat/x`).
    pub revision: String,
    /// Whether the push moved the repository's default branch (always true
    /// for Bitbucket Server, whose payload does not say).
    pub touched_head: bool,
    /// Files added, modified or removed by the pushed commits; empty when the
    /// payload does not list them (then every matching app is refreshed).
    pub changed_files: Vec<String>,
}

/// A ref (or `targetRevision`) without its `refs/<kind>/` prefix: the part
/// after the second `/`, or after the only one, as Argo CD's `ParseRevision`.
pub fn parse_revision(reference: &str) -> &str {
    reference.splitn(3, '/').last().unwrap_or(reference)
}

/// A commit of a GitHub, GitLab, Gogs or Gitea push.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Commit {
    added: Vec<String>,
    modified: Vec<String>,
    removed: Vec<String>,
}

/// The repository of a GitHub, Gogs or Gitea push (`repository`), or the
/// project of a GitLab push (`project`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Repository {
    html_url: String,
    web_url: String,
    default_branch: String,
}

/// A GitHub, GitLab, Gogs or Gitea push: they share this shape.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct CommitsPush {
    #[serde(rename = "ref")]
    reference: String,
    repository: Option<Repository>,
    project: Option<Repository>,
    commits: Vec<Commit>,
}

impl CommitsPush {
    /// The push; the repository is `project` (GitLab) or `repository`.
    pub(crate) fn into_push(self) -> Push {
        let (url, default_branch) = match (self.project, self.repository) {
            (Some(project), _) => (project.web_url, project.default_branch),
            (None, Some(repo)) => (repo.html_url, repo.default_branch),
            (None, None) => (String::new(), String::new()),
        };
        let revision = parse_revision(&self.reference).to_owned();
        let changed_files = self
            .commits
            .into_iter()
            .flat_map(|c| [c.added, c.modified, c.removed])
            .flatten()
            .collect();
        Push {
            repo_urls: Some(url).filter(|u| !u.is_empty()).into_iter().collect(),
            touched_head: default_branch == revision,
            revision,
            changed_files,
        }
    }
}

/// A Bitbucket Server `repo:refs_changed` event.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RefsChanged {
    repository: BitbucketRepository,
    changes: Vec<RefChange>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct BitbucketRepository {
    links: Value,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RefChange {
    #[serde(rename = "ref")]
    reference: RefId,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RefId {
    id: String,
}

impl RefsChanged {
    /// The push: the http and ssh clone URLs, the first change's ref; the
    /// default branch counts as touched, the files as unknown.
    pub(crate) fn into_push(self) -> Push {
        let repo_urls = self.repository.links["clone"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|link| matches!(link["name"].as_str(), Some("http" | "ssh")))
            .filter_map(|link| link["href"].as_str().map(str::to_owned))
            .collect();
        let revision = self
            .changes
            .first()
            .map(|c| parse_revision(&c.reference.id).to_owned())
            .unwrap_or_default();
        Push {
            repo_urls,
            revision,
            touched_head: true,
            changed_files: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revisions_drop_the_ref_kind() {
        assert_eq!(parse_revision("refs/heads/main"), "main");
        assert_eq!(parse_revision("refs/heads/feat/x"), "feat/x");
        assert_eq!(parse_revision("refs/tags/v1.2.0"), "v1.2.0");
        assert_eq!(parse_revision("main"), "main");
        assert_eq!(parse_revision("feature/x"), "x");
        assert_eq!(parse_revision(""), "");
    }
}
