//! What a project permits: repositories, destinations, kinds, and the namespaces
//! whose Applications may use it. Argo CD's matching rules, pure functions.

use regex::Regex;

use super::glob;
use super::model::{AppProject, ClusterResourceRestriction, GroupKind, ProjectDestination};
use crate::cluster::secrets::{ClusterIdentity, ClusterSecret};
use crate::source::{RepoCredentials, normalize_git_url};

impl AppProject {
    /// Adds the destinations Argo CD derives from the cluster Secrets scoped to
    /// this project (`project: <name>`): the cluster's server with namespace
    /// `*`, or one entry per namespace the cluster is limited to. Those clusters
    /// are the only ones `permitOnlyProjectScopedClusters` lets apps deploy to.
    pub fn add_scoped_clusters<'a>(
        &mut self,
        clusters: impl IntoIterator<Item = &'a ClusterSecret>,
    ) {
        for cluster in clusters
            .into_iter()
            .filter(|c| !c.project.is_empty() && c.project == self.metadata.name)
        {
            self.scoped_cluster_servers.push(cluster.server.clone());
            let namespaces = if cluster.namespaces.is_empty() {
                vec!["*".to_owned()]
            } else {
                cluster.namespaces.clone()
            };
            for namespace in namespaces {
                self.spec.destinations.push(ProjectDestination {
                    server: cluster.server.clone(),
                    name: String::new(),
                    namespace,
                });
            }
        }
    }

    /// Adds to `sourceRepos` the URLs of the repository Secrets scoped to this
    /// project (`project: <name>`), as Argo CD does.
    pub fn add_scoped_repositories<'a>(
        &mut self,
        repositories: impl IntoIterator<Item = &'a RepoCredentials>,
    ) {
        let name = &self.metadata.name;
        let urls: Vec<String> = repositories
            .into_iter()
            .filter(|r| !r.project.is_empty() && r.project == *name)
            .map(|r| r.url.clone())
            .collect();
        self.spec.source_repos.extend(urls);
    }

    /// Whether the repository `repo_url` is permitted (`sourceRepos`): URLs are
    /// normalised, `*` stops at `/`; a matching deny pattern rejects at once.
    pub fn is_source_permitted(&self, repo_url: &str) -> bool {
        let url = normalize_git_url(repo_url);
        let mut any = false;
        for pattern in &self.spec.source_repos {
            let normalized = match pattern.strip_prefix('!') {
                Some(denied) => format!("!{}", normalize_git_url(denied)),
                None => normalize_git_url(pattern),
            };
            if glob::matches(&normalized, &url, true, true) {
                any = true;
            } else if glob::is_deny(&normalized) {
                return false;
            }
        }
        any
    }

    /// Whether `namespace` on `cluster` is a permitted destination: it matches
    /// `destinations` and, with `permitOnlyProjectScopedClusters`, the cluster's
    /// Secret is scoped to this project.
    pub fn is_destination_permitted(&self, cluster: &ClusterIdentity, namespace: &str) -> bool {
        self.is_destination_matched(cluster, namespace)
            && (!self.spec.permit_only_project_scoped_clusters
                || self.scoped_cluster_servers.contains(&cluster.server))
    }

    /// Whether `namespace` on `cluster` matches `destinations` (deny entries
    /// reject at once).
    fn is_destination_matched(&self, cluster: &ClusterIdentity, namespace: &str) -> bool {
        let mut any = false;
        for item in &self.spec.destinations {
            let name_ok =
                !cluster.name.is_empty() && glob::matches(&item.name, &cluster.name, true, false);
            let server_ok = !cluster.server.is_empty()
                && glob::matches(&item.server, &cluster.server, true, false);
            let namespace_ok = glob::matches(&item.namespace, namespace, true, false);
            if (server_ok || name_ok) && namespace_ok {
                any = true;
            } else if (!name_ok && glob::is_deny(&item.name))
                || (!server_ok && glob::is_deny(&item.server) && namespace_ok)
                || (!namespace_ok && glob::is_deny(&item.namespace) && server_ok)
            {
                return false;
            }
        }
        any
    }

    /// Whether objects of `group`/`kind` named `name` are permitted. Namespaced kinds:
    /// whitelisted (an absent whitelist permits all) and not blacklisted; cluster-scoped
    /// kinds: in `clusterResourceWhitelist` and not in `clusterResourceBlacklist`.
    pub fn is_kind_permitted(&self, group: &str, kind: &str, name: &str, namespaced: bool) -> bool {
        let spec = &self.spec;
        if namespaced {
            let whitelisted = spec
                .namespace_resource_whitelist
                .as_ref()
                .is_none_or(|list| in_kind_list(list, group, kind));
            return whitelisted && !in_kind_list(&spec.namespace_resource_blacklist, group, kind);
        }
        in_named_list(&spec.cluster_resource_whitelist, group, kind, name)
            && !in_named_list(&spec.cluster_resource_blacklist, group, kind, name)
    }

    /// Whether an Application in `app_namespace` may use the project: the
    /// control-plane namespace always may, others when `sourceNamespaces` lists them
    /// (globs, or `/regexp/`).
    pub fn is_app_namespace_permitted(&self, app_namespace: &str, control_plane: &str) -> bool {
        app_namespace.is_empty()
            || app_namespace == control_plane
            || self
                .spec
                .source_namespaces
                .iter()
                .any(|pattern| namespace_pattern_matches(pattern, app_namespace))
    }
}

fn in_kind_list(list: &[GroupKind], group: &str, kind: &str) -> bool {
    list.iter()
        .any(|item| glob::path_match(&item.kind, kind) && glob::path_match(&item.group, group))
}

fn in_named_list(list: &[ClusterResourceRestriction], group: &str, kind: &str, name: &str) -> bool {
    list.iter().any(|item| {
        glob::path_match(&item.kind, kind)
            && glob::path_match(&item.group, group)
            && (item.name.is_empty() || glob::path_match(&item.name, name))
    })
}

/// Whether the controller reconciles Applications in `namespace` (Argo CD's
/// `IsNamespaceEnabled`): the control-plane namespace always, others when one of
/// `enabled` (the `--application-namespaces` list: globs, or `/regexp/`) matches.
pub fn is_namespace_enabled(namespace: &str, control_plane: &str, enabled: &[String]) -> bool {
    namespace == control_plane
        || enabled
            .iter()
            .any(|pattern| namespace_pattern_matches(pattern, namespace))
}

/// A `sourceNamespaces` entry: `/re/` is an (unanchored) regular expression, anything
/// else a glob.
fn namespace_pattern_matches(pattern: &str, namespace: &str) -> bool {
    match pattern
        .strip_prefix('/')
        .and_then(|p| p.strip_suffix('/'))
        .filter(|_| pattern.len() > 1)
    {
        Some(re) => Regex::new(re).is_ok_and(|re| re.is_match(namespace)),
        None => glob::matches(pattern, namespace, false, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clusters_scoped_to_the_project_become_destinations() {
        let mut project = AppProject::default_project("argocd");
        project.metadata.name = "team".to_owned();
        project.spec.destinations.clear();
        let mut scoped = ClusterSecret::in_cluster();
        scoped.server = "https://east".to_owned();
        scoped.name = "east".to_owned();
        scoped.project = "team".to_owned();
        scoped.namespaces = vec!["a".to_owned(), "b".to_owned()];
        let mut other = scoped.clone();
        other.server = "https://west".to_owned();
        other.project = "someone-else".to_owned();
        project.add_scoped_clusters([&scoped, &other]);
        let east = ClusterIdentity {
            name: "east".to_owned(),
            server: "https://east".to_owned(),
        };
        let west = ClusterIdentity {
            name: "west".to_owned(),
            server: "https://west".to_owned(),
        };
        assert!(project.is_destination_permitted(&east, "b"));
        assert!(!project.is_destination_permitted(&east, "c"));
        assert!(!project.is_destination_permitted(&west, "a"));
    }

    #[test]
    fn permit_only_project_scoped_clusters_refuses_other_clusters() {
        let mut project = AppProject::default_project("argocd");
        project.metadata.name = "team".to_owned();
        project.spec.permit_only_project_scoped_clusters = true;
        let in_cluster = ClusterIdentity {
            name: "in-cluster".to_owned(),
            server: "https://kubernetes.default.svc".to_owned(),
        };
        // `destinations` (server `*`) matches, but no cluster is scoped to the project.
        assert!(!project.is_destination_permitted(&in_cluster, "web"));
        let mut scoped = ClusterSecret::in_cluster();
        scoped.project = "team".to_owned();
        project.add_scoped_clusters([&scoped]);
        assert!(project.is_destination_permitted(&in_cluster, "web"));
        // A scoped cluster still has to match `destinations`.
        project.spec.destinations = vec![ProjectDestination {
            server: "*".to_owned(),
            name: String::new(),
            namespace: "!web".to_owned(),
        }];
        assert!(!project.is_destination_permitted(&in_cluster, "web"));
    }

    #[test]
    fn repositories_scoped_to_the_project_become_sources() {
        let secret = |url: &str, project: &str| {
            RepoCredentials::from_secret(&serde_json::json!({
                "metadata": {"name": "repo", "labels": {"argocd.argoproj.io/secret-type": "repository"}},
                "stringData": {"url": url, "project": project},
            }))
            .expect("repository secret")
        };
        let mut project = AppProject::default_project("argocd");
        project.metadata.name = "team".to_owned();
        project.spec.source_repos.clear();
        let ours = secret("https://git.example.com/team/deploy.git", "team");
        let theirs = secret("https://git.example.com/other/deploy.git", "other");
        let unscoped = secret("https://git.example.com/shared/deploy.git", "");
        project.add_scoped_repositories([&ours, &theirs, &unscoped]);
        assert!(project.is_source_permitted("https://git.example.com/team/deploy"));
        assert!(!project.is_source_permitted("https://git.example.com/other/deploy.git"));
        assert!(!project.is_source_permitted("https://git.example.com/shared/deploy.git"));
    }

    #[test]
    fn source_namespaces_take_globs_and_regexps() {
        assert!(namespace_pattern_matches("team-*", "team-a"));
        assert!(!namespace_pattern_matches("team-*", "other"));
        assert!(namespace_pattern_matches("/^team-[ab]$/", "team-b"));
        assert!(!namespace_pattern_matches("/^team-[ab]$/", "team-c"));
        assert!(!namespace_pattern_matches("/", "x"));
    }

    #[test]
    fn application_namespaces_add_to_the_control_plane() {
        let enabled = ["team-*".to_owned(), "/^ops$/".to_owned()];
        assert!(is_namespace_enabled("argocd", "argocd", &[]));
        assert!(!is_namespace_enabled("team-a", "argocd", &[]));
        assert!(is_namespace_enabled("team-a", "argocd", &enabled));
        assert!(is_namespace_enabled("ops", "argocd", &enabled));
        assert!(!is_namespace_enabled("ops-2", "argocd", &enabled));
    }
}
