//! Where desired state comes from: Git repositories (a bare cache clone per
//! URL, fetched and resolved to commits) and local directories, rendered to
//! objects with `kustomize_core` or read as plain manifests.
//!
//! - [`GitRepo`] clones, fetches and resolves revisions (branch, tag, SHA, `HEAD`).
//! - [`GitTreeFs`] shows one commit's tree as a `kustomize_core` file system,
//!   read from Git objects without a checkout.
//! - [`render`] renders a path of a commit ([`render_commit_tree`] several paths
//!   of one indexed tree); [`RenderCache`] remembers renderings by commit so an
//!   unchanged commit is not rendered twice.
//! - [`RepoAccess`] reaches private repositories: credentials from Argo CD's
//!   repository Secrets and templates, [`RepoTls`] certificate authorities
//!   of `https://` servers, [`KnownHosts`] of SSH servers.
//! - [`LocalDir`] renders from a directory on disk.
//! - [`RemoteBases`] fetches the remote bases and files kustomizations name
//!   (Git URLs into the same kind of cache clones, HTTP(S) files).
//! - A directory holding `Chart.yaml` (and no kustomization) is a Helm chart,
//!   rendered with `helm_core` as Argo CD runs `helm template` ([`HelmSource`]).

mod access;
#[cfg(feature = "git")]
mod cache;
mod error;
mod helm;
mod local;
#[cfg(feature = "git")]
mod manager;
mod override_edit;
mod overrides;
#[cfg(feature = "git")]
mod remote;
#[cfg(feature = "git")]
mod remote_guard;
mod render;
#[cfg(feature = "git")]
mod repo;
mod request;
mod tls;
#[cfg(feature = "git")]
mod tree_fs;

pub use access::{
    CredentialStore, HostKeyProblem, KnownHosts, MANAGED_BY_ANNOTATION, MANAGED_BY_ARGOCD,
    REPOSITORY_SECRET_TYPE, RepoAccess, RepoAuth, RepoCredentials, SECRET_TYPE_LABEL,
    SSH_KNOWN_HOSTS_CONFIGMAP, SSH_KNOWN_HOSTS_KEY, SshEndpoint, TEMPLATE_SECRET_TYPE,
    TLS_CERTS_CONFIGMAP, UserCredentials, normalize_git_url, repository_secret_name,
};
#[cfg(feature = "git")]
pub use cache::{CacheStats, RenderCache};
pub use error::SourceError;
#[cfg(feature = "git")]
pub use git2::Oid;
pub use helm::{HelmContext, HelmFileParameter, HelmParameter, HelmSource, parse_helm_source};
pub use local::LocalDir;
#[cfg(feature = "git")]
pub use manager::{REMOTE_BASES_DIR, Sources};
pub use override_edit::set_argocd_source_image;
pub use overrides::{
    KustomizeOverrides, OverrideError, ReplicaOverride, SOURCE_FILE, app_source_file,
};
#[cfg(feature = "git")]
pub use remote::{
    DEFAULT_FILE_TIMEOUT, DEFAULT_MAX_FETCH_BYTES, DEFAULT_MAX_FILE_BYTES, RemoteBases,
    RemoteLimits,
};
pub use render::{DirectoryOptions, RenderOptions, Rendered};
#[cfg(feature = "git")]
pub use render::{render, render_commit_tree};
#[cfg(feature = "git")]
pub use repo::{FetchLimits, GitRepo};
pub use request::{Refresh, SourceRequest};
pub use tls::{RepoTls, parse_repo_ca_flag};
#[cfg(feature = "git")]
pub use tree_fs::GitTreeFs;
