//! What a render asks for, independent of how repositories are reached.

use super::RenderOptions;

/// What to render: a path of a repository at a revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRequest {
    /// Repository URL (`file://`, `git://`, a local path, `https://` or SSH).
    pub repo_url: String,
    /// Branch, tag, commit SHA or `HEAD` (empty means `HEAD`).
    pub revision: String,
    /// Directory inside the repository.
    pub path: String,
    /// The AppProject of the app asking: picks among repository Secrets
    /// scoped to projects (empty: only unscoped ones, else the first).
    pub project: String,
    /// How to render it.
    pub options: RenderOptions,
}

/// When to contact the remote before resolving the revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    /// Poll the remote when the last poll is older than the polling interval.
    Normal,
    /// Poll the remote now (Argo CD's refresh).
    Force,
    /// Poll the remote now and render again even when the render cache holds
    /// the commit's rendering (Argo CD's hard refresh: what a rendering
    /// reads besides the commit, such as a remote base's branch, is read
    /// again).
    Hard,
}
