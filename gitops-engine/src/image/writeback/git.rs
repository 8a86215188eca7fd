//! The `git` write-back method: edit one file of a branch and push a commit,
//! without a work tree.
//!
//! The commit is built from the branch tip's tree (only the trees on the
//! edited file's path are rewritten). A push the remote rejects (the branch
//! moved since the fetch) is retried: fetch again, re-apply the edit on the
//! new tip, push again — Argo CD Image Updater gives up for that cycle
//! instead. Nothing is committed when the edit leaves the file's bytes as
//! they are. The push never forces.

use std::cell::RefCell;
use std::path::{Component, Path};

use crate::source::set_argocd_source_image;
use git2::{
    Cred, CredentialType, ErrorCode, FetchOptions, ObjectType, Oid, PushOptions, RemoteCallbacks,
    Repository, Signature, Tree,
};
use kustomize_core::edit::{EditError, ImageEdit, set_images};

use super::helm::{set_source_file_parameters, set_values};
use crate::source::HelmParameter;

/// The refs the work clone fetches the remote's branches into.
const FETCH_REFSPEC: &str = "+refs/heads/*:refs/remotes/origin/*";

/// Argo CD Image Updater's default commit message template.
pub const DEFAULT_MESSAGE_TEMPLATE: &str = "build: automatic update of {{ .AppName }}\n\n{{ range .AppChanges -}}\nupdates image {{ .Image }} tag '{{ .OldTag }}' to '{{ .NewTag }}'\n{{ end -}}\n";

/// Who commits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitAuthor {
    /// Name.
    pub name: String,
    /// E-mail address.
    pub email: String,
}

impl Default for GitAuthor {
    /// `argocd-image-updater <noreply@argoproj.io>`, as Argo CD Image Updater.
    fn default() -> Self {
        Self {
            name: "argocd-image-updater".into(),
            email: "noreply@argoproj.io".into(),
        }
    }
}

/// Credentials for fetch and push.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum GitCredentials {
    /// None (local paths, `file://`, `git://`).
    #[default]
    None,
    /// User name and password (or token), for HTTPS.
    UserPassword {
        /// User name.
        username: String,
        /// Password or token.
        password: String,
    },
    /// An SSH private key file (SSH transport needs libgit2 built with SSH).
    SshKey {
        /// User name, usually `git`.
        username: String,
        /// The private key file.
        private_key: std::path::PathBuf,
        /// The key's passphrase, if any.
        passphrase: Option<String>,
    },
}

impl std::fmt::Debug for GitCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::UserPassword { username, .. } => {
                write!(f, "UserPassword({username:?}, <redacted>)")
            }
            Self::SshKey {
                username,
                private_key,
                ..
            } => write!(f, "SshKey({username:?}, {private_key:?})"),
        }
    }
}

/// Where and how to commit.
#[derive(Debug, Clone)]
pub struct GitWriteConfig {
    /// The remote repository URL.
    pub url: String,
    /// The branch the change starts from.
    pub base_branch: String,
    /// The branch pushed to; when it does not exist yet it is created from
    /// the base branch, when it does the commit goes on top of it.
    pub write_branch: String,
    /// Commit author and committer.
    pub author: GitAuthor,
    /// Commit message template (see [`render_message`]).
    pub message_template: String,
    /// Credentials for the remote.
    pub credentials: GitCredentials,
    /// Pushes retried after a rejection (Argo CD Image Updater: none).
    pub max_retries: u32,
}

impl GitWriteConfig {
    /// Defaults: push to the base branch, Argo's author and message, no
    /// credentials, 3 retries.
    pub fn new(url: impl Into<String>, branch: impl Into<String>) -> Self {
        let branch = branch.into();
        Self {
            url: url.into(),
            base_branch: branch.clone(),
            write_branch: branch,
            author: GitAuthor::default(),
            message_template: DEFAULT_MESSAGE_TEMPLATE.into(),
            credentials: GitCredentials::None,
            max_retries: 3,
        }
    }
}

/// One image change, for the commit message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageChange {
    /// The image name.
    pub image: String,
    /// The tag before.
    pub old_tag: String,
    /// The tag after.
    pub new_tag: String,
}

/// The file to edit and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileEdit {
    /// Set images (as `kustomize.images` strings) in an Argo CD override
    /// file at this repository path; the file is created when missing.
    SourceFile {
        /// Path from the repository root, e.g. `apps/web/.argocd-source-web.yaml`.
        path: String,
        /// Entries like `nginx:1.21.0` or `orig=new:tag`.
        images: Vec<String>,
    },
    /// `kustomize edit set image` on the kustomization of a directory.
    Kustomization {
        /// Directory from the repository root (empty = the root).
        dir: String,
        /// `kustomize edit set image` arguments.
        images: Vec<String>,
    },
    /// Set Helm parameters in the `helm.parameters` of an Argo CD override
    /// file at this repository path (created when missing).
    HelmSourceFile {
        /// Path from the repository root.
        path: String,
        /// The parameters to set.
        parameters: Vec<HelmParameter>,
    },
    /// Set the parameters' keys in a Helm values file (which must exist).
    HelmValues {
        /// Path from the repository root.
        path: String,
        /// The parameters whose paths and values are set.
        parameters: Vec<HelmParameter>,
    },
}

/// What a write-back did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOutcome {
    /// The file already held the change; nothing was committed.
    Unchanged,
    /// A commit was pushed.
    Pushed {
        /// The new commit.
        commit: Oid,
        /// The branch pushed to.
        branch: String,
        /// The file changed, from the repository root.
        path: String,
        /// Rejected pushes retried before this one succeeded.
        retries: u32,
    },
}

/// Why a write-back failed.
#[derive(Debug, thiserror::Error)]
pub enum GitWriteError {
    /// A Git operation failed.
    #[error("git write-back to {url}: {operation}: {}", source.message())]
    Git {
        /// The remote.
        url: String,
        /// What was being done.
        operation: String,
        /// The libgit2 error.
        #[source]
        source: git2::Error,
    },
    /// Neither the write branch nor the base branch exists on the remote.
    #[error("git write-back to {url}: branch {branch:?} not found")]
    BranchNotFound {
        /// The remote.
        url: String,
        /// The base branch.
        branch: String,
    },
    /// The target file cannot be edited.
    #[error("git write-back to {url}: {path}: {problem}")]
    Edit {
        /// The remote.
        url: String,
        /// The file (or directory) from the repository root.
        path: String,
        /// What is wrong.
        problem: String,
    },
    /// Every push was rejected.
    #[error("git write-back to {url}: push to {branch:?} rejected {attempts} times: {message}")]
    Rejected {
        /// The remote.
        url: String,
        /// The branch.
        branch: String,
        /// Pushes tried.
        attempts: u32,
        /// The remote's last message.
        message: String,
    },
}

/// Renders a commit message template: `{{ .AppName }}`, and a
/// `{{ range .AppChanges -}} … {{ end -}}` block repeated per change with
/// `{{ .Image }}`, `{{ .OldTag }}`, `{{ .NewTag }}`. Only these forms are
/// understood (spaces inside the braces are optional); a `-` trims the
/// whitespace on its side, as in Go templates.
pub fn render_message(template: &str, app_name: &str, changes: &[ImageChange]) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        let tag = &rest[start + 2..start + len];
        let trim_left = tag.starts_with('-');
        let trim_right = tag.ends_with('-');
        let action = tag.trim_matches('-').trim();
        let mut before = &rest[..start];
        if trim_left {
            before = before.trim_end();
        }
        out.push_str(before);
        rest = &rest[start + len + 2..];
        if trim_right {
            rest = rest.trim_start();
        }
        match action {
            ".AppName" => out.push_str(app_name),
            "range .AppChanges" => {
                let (body, after) = split_range(rest);
                for change in changes {
                    out.push_str(&render_change(body, change));
                }
                rest = after;
            }
            other => out.push_str(&format!("{{{{{other}}}}}")),
        }
    }
    out.push_str(rest);
    out
}

/// The body of a range block and the text after its `{{ end }}` (trimmed
/// when the end tag asks for it).
fn split_range(text: &str) -> (&str, &str) {
    let mut search = 0;
    while let Some(start) = text[search..].find("{{").map(|i| i + search) {
        let Some(len) = text[start..].find("}}") else {
            break;
        };
        let tag = &text[start + 2..start + len];
        if tag.trim_matches('-').trim() == "end" {
            let body = if tag.starts_with('-') {
                text[..start].trim_end()
            } else {
                &text[..start]
            };
            let after = &text[start + len + 2..];
            let after = if tag.ends_with('-') {
                after.trim_start()
            } else {
                after
            };
            return (body, after);
        }
        search = start + len + 2;
    }
    (text, "")
}

/// One change's copy of a range body.
fn render_change(body: &str, change: &ImageChange) -> String {
    let mut out = body.to_owned();
    for (name, value) in [
        ("Image", &change.image),
        ("OldTag", &change.old_tag),
        ("NewTag", &change.new_tag),
    ] {
        for spaced in [format!("{{{{ .{name} }}}}"), format!("{{{{.{name}}}}}")] {
            out = out.replace(&spaced, value);
        }
    }
    out
}

/// Commits `edit` on top of the write branch of `config.url` and pushes,
/// using (or making) a bare work clone at `work_dir`. The message comes from
/// the template with `app_name` and `changes`.
pub fn write_back(
    work_dir: &Path,
    config: &GitWriteConfig,
    edit: &FileEdit,
    app_name: &str,
    changes: &[ImageChange],
) -> Result<WriteOutcome, GitWriteError> {
    let git_err = |operation: &str| {
        let operation = operation.to_owned();
        move |source| GitWriteError::Git {
            url: config.url.clone(),
            operation,
            source,
        }
    };
    let repo = match Repository::open_bare(work_dir) {
        Ok(repo) => repo,
        Err(_) => Repository::init_bare(work_dir).map_err(git_err("create work clone"))?,
    };
    let message = render_message(&config.message_template, app_name, changes);
    let mut retries = 0;
    loop {
        let default_branch = fetch(&repo, config).map_err(git_err("fetch"))?;
        // `HEAD` (or nothing) means the remote's default branch.
        let resolve = |branch: &str| match branch {
            "" | "HEAD" => default_branch.clone().unwrap_or_default(),
            other => other.to_owned(),
        };
        let (base, write_branch) = (resolve(&config.base_branch), resolve(&config.write_branch));
        let tip = remote_tip(&repo, &write_branch)
            .or_else(|| remote_tip(&repo, &base))
            .ok_or_else(|| GitWriteError::BranchNotFound {
                url: config.url.clone(),
                branch: config.base_branch.clone(),
            })?;
        let Some((commit, path)) = commit_edit(&repo, tip, edit, config, &message)? else {
            return Ok(WriteOutcome::Unchanged);
        };
        match push(&repo, config, &write_branch, commit) {
            Ok(()) => {
                return Ok(WriteOutcome::Pushed {
                    commit,
                    branch: write_branch,
                    path,
                    retries,
                });
            }
            Err(Push::Rejected(message)) if retries >= config.max_retries => {
                return Err(GitWriteError::Rejected {
                    url: config.url.clone(),
                    branch: write_branch,
                    attempts: retries + 1,
                    message,
                });
            }
            Err(Push::Rejected(_)) => retries += 1,
            Err(Push::Failed(e)) => return Err(git_err("push")(e)),
        }
    }
}

/// The remote-tracking tip of `branch`, after a fetch.
fn remote_tip(repo: &Repository, branch: &str) -> Option<Oid> {
    repo.refname_to_id(&format!("refs/remotes/origin/{branch}"))
        .ok()
}

/// Callbacks answering credential requests from `credentials`.
fn callbacks(credentials: &GitCredentials) -> RemoteCallbacks<'_> {
    let mut callbacks = RemoteCallbacks::new();
    callbacks.credentials(move |_url, user_from_url, allowed| match credentials {
        GitCredentials::UserPassword { username, password }
            if allowed.contains(CredentialType::USER_PASS_PLAINTEXT) =>
        {
            Cred::userpass_plaintext(username, password)
        }
        GitCredentials::SshKey {
            username,
            private_key,
            passphrase,
        } if allowed.contains(CredentialType::SSH_KEY) => Cred::ssh_key(
            user_from_url.unwrap_or(username),
            None,
            private_key,
            passphrase.as_deref(),
        ),
        _ => Err(git2::Error::from_str(
            "no usable credentials for this remote",
        )),
    });
    callbacks
}

/// Fetches every branch; returns the remote's default branch name.
fn fetch(repo: &Repository, config: &GitWriteConfig) -> Result<Option<String>, git2::Error> {
    let mut remote = repo.remote_anonymous(&config.url)?;
    let mut options = FetchOptions::new();
    options.remote_callbacks(callbacks(&config.credentials));
    options.prune(git2::FetchPrune::On);
    remote.fetch(&[FETCH_REFSPEC], Some(&mut options), None)?;
    let default = remote.default_branch().ok();
    Ok(default
        .as_ref()
        .and_then(|b| b.as_str().ok())
        .and_then(|b| b.strip_prefix("refs/heads/"))
        .map(str::to_owned))
}

/// How a push ended when it did not succeed.
enum Push {
    /// The remote refused the update (not a fast-forward, or a hook said no).
    Rejected(String),
    /// Anything else.
    Failed(git2::Error),
}

fn push(repo: &Repository, config: &GitWriteConfig, branch: &str, commit: Oid) -> Result<(), Push> {
    let refname = format!("refs/imgwb/push/{branch}");
    repo.reference(&refname, commit, true, "write-back commit")
        .map_err(Push::Failed)?;
    let rejected = RefCell::new(None);
    let mut remote = repo.remote_anonymous(&config.url).map_err(Push::Failed)?;
    let mut cbs = callbacks(&config.credentials);
    cbs.push_update_reference(|_, status| {
        if let Some(status) = status {
            *rejected.borrow_mut() = Some(status.to_owned());
        }
        Ok(())
    });
    let mut options = PushOptions::new();
    options.remote_callbacks(cbs);
    let spec = format!("{refname}:refs/heads/{branch}");
    let result = remote.push(&[spec.as_str()], Some(&mut options));
    let rejected = rejected.borrow().clone();
    if let Some(message) = rejected {
        return Err(Push::Rejected(message));
    }
    match result {
        Ok(()) => Ok(()),
        Err(e) if e.code() == ErrorCode::NotFastForward => {
            Err(Push::Rejected(e.message().to_owned()))
        }
        Err(e) => Err(Push::Failed(e)),
    }
}

/// Applies `edit` to the tree of `tip` and writes a commit on top of it;
/// `None` when the file's bytes do not change. Returns the commit and the
/// edited file's path.
fn commit_edit(
    repo: &Repository,
    tip: Oid,
    edit: &FileEdit,
    config: &GitWriteConfig,
    message: &str,
) -> Result<Option<(Oid, String)>, GitWriteError> {
    let git_err = |operation: &'static str| {
        move |source| GitWriteError::Git {
            url: config.url.clone(),
            operation: operation.to_owned(),
            source,
        }
    };
    let parent = repo.find_commit(tip).map_err(git_err("read branch tip"))?;
    let tree = parent.tree().map_err(git_err("read branch tip"))?;
    let edit_err = |path: &str, problem: String| GitWriteError::Edit {
        url: config.url.clone(),
        path: path.to_owned(),
        problem,
    };
    let (path, old, new) = match edit {
        FileEdit::SourceFile { path, images } => {
            let path = clean_path(path)
                .ok_or_else(|| edit_err(path, "path leaves the repository".into()))?;
            let old = read_file(repo, &tree, &path).map_err(git_err("read file"))?;
            let mut text = old
                .as_deref()
                .map(String::from_utf8_lossy)
                .unwrap_or_default()
                .into_owned();
            for image in images {
                text = set_argocd_source_image(&text, image)
                    .map_err(|e| edit_err(&path, e.to_string()))?;
            }
            (path, old, text)
        }
        FileEdit::HelmSourceFile { path, parameters }
        | FileEdit::HelmValues { path, parameters } => {
            let path = clean_path(path)
                .ok_or_else(|| edit_err(path, "path leaves the repository".into()))?;
            let old = read_file(repo, &tree, &path).map_err(git_err("read file"))?;
            let text = old
                .as_deref()
                .map(String::from_utf8_lossy)
                .unwrap_or_default();
            let new = if matches!(edit, FileEdit::HelmValues { .. }) {
                if old.is_none() {
                    return Err(edit_err(&path, "the values file does not exist".into()));
                }
                set_values(&text, parameters)
            } else {
                set_source_file_parameters(&text, parameters)
            }
            .map_err(|problem| edit_err(&path, problem))?;
            (path, old, new)
        }
        FileEdit::Kustomization { dir, images } => {
            let dir = clean_path(dir)
                .ok_or_else(|| edit_err(dir, "path leaves the repository".into()))?;
            let mut found = None;
            for name in kustomize_core::KUSTOMIZATION_FILE_NAMES {
                let path = join(&dir, name);
                if let Some(bytes) = read_file(repo, &tree, &path).map_err(git_err("read file"))? {
                    found = Some((path, bytes));
                    break;
                }
            }
            let (path, bytes) = found
                .ok_or_else(|| edit_err(&dir, "no kustomization file in this directory".into()))?;
            let edits = images
                .iter()
                .map(|arg| ImageEdit::parse(arg))
                .collect::<Result<Vec<_>, EditError>>()
                .map_err(|e| edit_err(&path, e.to_string()))?;
            let text = set_images(&String::from_utf8_lossy(&bytes), &edits)
                .map_err(|e| edit_err(&path, e.to_string()))?;
            (path, Some(bytes), text)
        }
    };
    if old.as_deref() == Some(new.as_bytes()) {
        return Ok(None);
    }
    let blob = repo.blob(new.as_bytes()).map_err(git_err("write blob"))?;
    let parts: Vec<&str> = path.split('/').collect();
    let new_tree =
        replace_in_tree(repo, Some(&tree), &parts, blob).map_err(git_err("write tree"))?;
    let new_tree = repo.find_tree(new_tree).map_err(git_err("write tree"))?;
    let signature = Signature::now(&config.author.name, &config.author.email)
        .map_err(git_err("sign commit"))?;
    let commit = repo
        .commit(None, &signature, &signature, message, &new_tree, &[&parent])
        .map_err(git_err("commit"))?;
    Ok(Some((commit, path)))
}

/// The bytes of the file at `path` in `tree`, `None` when there is none.
fn read_file(
    repo: &Repository,
    tree: &Tree<'_>,
    path: &str,
) -> Result<Option<Vec<u8>>, git2::Error> {
    match tree.get_path(Path::new(path)) {
        Ok(entry) if entry.kind() == Some(ObjectType::Blob) => {
            Ok(Some(repo.find_blob(entry.id())?.content().to_vec()))
        }
        Ok(_) => Ok(None),
        Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// `tree` (or an empty tree) with the blob at `parts` replaced or added;
/// only the trees along the path are rewritten.
fn replace_in_tree(
    repo: &Repository,
    tree: Option<&Tree<'_>>,
    parts: &[&str],
    blob: Oid,
) -> Result<Oid, git2::Error> {
    let mut builder = repo.treebuilder(tree)?;
    match parts {
        [] => Err(git2::Error::from_str("empty path")),
        [name] => {
            let mode = tree
                .and_then(|t| t.get_name(name))
                .map(|e| e.filemode())
                .filter(|m| *m == 0o100755)
                .unwrap_or(0o100644);
            builder.insert(name, blob, mode)?;
            builder.write()
        }
        [name, rest @ ..] => {
            let sub = match tree.and_then(|t| t.get_name(name)) {
                Some(entry) if entry.kind() == Some(ObjectType::Tree) => {
                    Some(repo.find_tree(entry.id())?)
                }
                _ => None,
            };
            let sub = replace_in_tree(repo, sub.as_ref(), rest, blob)?;
            builder.insert(name, sub, 0o040000)?;
            builder.write()
        }
    }
}

/// `path` relative to the repository root with `.`/`..` resolved; `None`
/// when it climbs out. A leading `/` means the root.
pub fn clean_path(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for comp in Path::new(path).components() {
        match comp {
            Component::Normal(name) => parts.push(name.to_str()?),
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::CurDir | Component::RootDir => {}
            Component::Prefix(_) => return None,
        }
    }
    Some(parts.join("/"))
}

/// `dir/name`, or `name` when `dir` is the root.
fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_message_matches_argo_text() {
        let changes = [
            ImageChange {
                image: "nginx".into(),
                old_tag: "1.20".into(),
                new_tag: "1.21.0".into(),
            },
            ImageChange {
                image: "redis".into(),
                old_tag: "6".into(),
                new_tag: "7.2".into(),
            },
        ];
        assert_eq!(
            render_message(DEFAULT_MESSAGE_TEMPLATE, "web", &changes),
            "build: automatic update of web\n\nupdates image nginx tag '1.20' to '1.21.0'\nupdates image redis tag '6' to '7.2'\n"
        );
        assert_eq!(
            render_message(
                "{{.AppName}}: {{range .AppChanges}}{{.Image}}={{.NewTag}};{{end}} done",
                "a",
                &changes
            ),
            "a: nginx=1.21.0;redis=7.2; done"
        );
    }

    #[test]
    fn paths_stay_inside_the_repository() {
        assert_eq!(clean_path("apps/web/../base").as_deref(), Some("apps/base"));
        assert_eq!(clean_path("/base").as_deref(), Some("base"));
        assert_eq!(clean_path("./").as_deref(), Some(""));
        assert_eq!(clean_path("a/../.."), None);
    }
}
