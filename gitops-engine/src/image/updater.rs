//! One image-updater pass over one Argo CD Application: read its
//! annotations, find the images it runs, ask the registries for newer
//! versions and write the changes back (or, in dry-run mode, only report).

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;

use super::annotations::{
    AnnotationError, GitCredentialsRef, ManagedImage, WriteBackMethod, WriteBackTarget,
    parse_annotations,
};
use super::check::check;
use super::reference::ImageRef;
use super::registry::{Credentials, PullSecretRef, RegistryClient, RegistryConfig};
use super::writeback::{
    FileEdit, GitAuthor, GitCredentials, GitWriteConfig, ImageChange, WriteOutcome,
    helm_parameters_patch, images_patch, patch_application, write_back,
};
use crate::app::{Application, source_request};
use crate::source::{GitRepo, HelmParameter, SourceRequest, app_source_file, render};
use crate::sync::tracking::instance_name;

/// What an application's updates write: `kustomize.images` entries, or
/// Helm parameters for a Helm application.
#[derive(Debug)]
enum Edits {
    /// Entries like `nginx:1.21.0` or `orig=new:tag`.
    Kustomize(Vec<String>),
    /// Parameters like `image.tag=1.21.0`.
    Helm(Vec<HelmParameter>),
}

impl Edits {
    fn is_empty(&self) -> bool {
        match self {
            Self::Kustomize(entries) => entries.is_empty(),
            Self::Helm(parameters) => parameters.is_empty(),
        }
    }
}

/// Whether Argo CD renders the application with Helm: its status says so,
/// or its source has Helm settings or names a chart.
fn is_helm_app(app: &Value) -> bool {
    app.pointer("/status/sourceType").and_then(Value::as_str) == Some("Helm")
        || app
            .pointer("/spec/source/helm")
            .is_some_and(Value::is_object)
        || app
            .pointer("/spec/source/chart")
            .and_then(Value::as_str)
            .is_some_and(|c| !c.is_empty())
}

/// Picks the registry settings for an image (API URL, rate limit, timeout);
/// credentials from a `pull-secret` are filled in afterwards.
pub type RegistryChooser = Arc<dyn Fn(&ImageRef) -> RegistryConfig + Send + Sync>;

/// A [`RegistryChooser`] reaching the registries `plain_http_hosts`
/// (`host:port` as written in image names) over plain HTTP and every other
/// one as [`RegistryConfig::for_image`] does.
pub fn registry_chooser(plain_http_hosts: Vec<String>) -> RegistryChooser {
    Arc::new(move |image: &ImageRef| {
        if plain_http_hosts.contains(&image.registry) {
            RegistryConfig::new(format!("http://{}", image.registry))
        } else {
            RegistryConfig::for_image(image)
        }
    })
}

/// How one pass runs.
#[derive(Clone)]
pub struct UpdateOptions {
    /// Report what would change; write nothing.
    pub dry_run: bool,
    /// Registry settings per image (default: [`RegistryConfig::for_image`]).
    pub registry: RegistryChooser,
    /// Kubernetes client: patches Applications (`argocd` method) and reads
    /// pull secrets. Without one, the `argocd` method and Secret references fail.
    pub client: Option<kube::Client>,
    /// Where the `git` method keeps its bare work clones (one per URL).
    pub git_work_dir: PathBuf,
    /// Commit author.
    pub git_author: GitAuthor,
    /// Commit message template.
    pub git_message_template: String,
    /// Credentials for the `git` method with `git`/`git:repocreds`.
    pub git_credentials: GitCredentials,
    /// Where sources are cloned to find the images of an Application with
    /// neither `status.summary.images` nor `spec.source.kustomize.images`
    /// (its source path is rendered); `None` turns that fallback off.
    pub source_cache_dir: Option<PathBuf>,
    /// The Argo CD control-plane namespace: applications elsewhere are
    /// named `<namespace>_<name>` in override files (see [`instance_name`]).
    pub controller_namespace: String,
}

impl UpdateOptions {
    /// Defaults: not a dry run, registries by image name, no client, Argo's
    /// author and message, work clones under `git_work_dir`.
    pub fn new(git_work_dir: impl Into<PathBuf>) -> Self {
        Self {
            dry_run: false,
            registry: Arc::new(RegistryConfig::for_image),
            client: None,
            git_work_dir: git_work_dir.into(),
            git_author: GitAuthor::default(),
            git_message_template: super::writeback::DEFAULT_MESSAGE_TEMPLATE.into(),
            git_credentials: GitCredentials::None,
            source_cache_dir: None,
            controller_namespace: "argocd".into(),
        }
    }
}

/// What happened to one image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageOutcome {
    /// A newer version was found (and written back unless dry-run or the
    /// write-back failed; see [`UpdateReport::write_back`]).
    Update {
        /// Deployed image.
        from: ImageRef,
        /// New image.
        to: ImageRef,
    },
    /// The deployed version is what the strategy picks.
    UpToDate {
        /// Deployed image.
        current: ImageRef,
    },
    /// The image is not deployed and `force-update` is off.
    NotDeployed,
    /// The registry could not be asked.
    Failed(String),
}

/// One image's line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageResult {
    /// The image name as written in `image-list`.
    pub image: String,
    /// What happened.
    pub outcome: ImageOutcome,
}

/// What the write-back did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteBackResult {
    /// Nothing to write (no update) or a dry run.
    Skipped,
    /// The Application was patched with this merge patch.
    Patched(Value),
    /// The `git` method ran.
    Git(WriteOutcome),
    /// Writing back failed.
    Failed(String),
}

/// The result of [`update_application`].
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateReport {
    /// `namespace/name` of the Application.
    pub app: String,
    /// One entry per `image-list` image, in order.
    pub images: Vec<ImageResult>,
    /// The write-back.
    pub write_back: WriteBackResult,
    /// Problems that did not stop the pass (a failed render of the source).
    pub warnings: Vec<String>,
}

impl UpdateReport {
    /// The updates found.
    pub fn updates(&self) -> impl Iterator<Item = (&str, &ImageRef, &ImageRef)> {
        self.images.iter().filter_map(|r| match &r.outcome {
            ImageOutcome::Update { from, to } => Some((r.image.as_str(), from, to)),
            _ => None,
        })
    }
}

/// Why an Application cannot be processed at all.
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    /// The object has no `metadata.name`.
    #[error("application object has no metadata.name")]
    NoName,
    /// The annotations are invalid.
    #[error("application {app}: {source}")]
    Annotations {
        /// `namespace/name`.
        app: String,
        /// The annotation error.
        #[source]
        source: AnnotationError,
    },
}

/// One pass over `app` (an Argo CD Application object): parse the
/// annotations, find the deployed images (`status.summary.images`, else
/// `spec.source.kustomize.images`, else the images of the rendered source
/// when [`UpdateOptions::source_cache_dir`] is set), check each against its
/// registry, and
/// write the updates back with the annotated method. Registry and
/// write-back failures are reported, not returned.
pub async fn update_application(
    app: &Value,
    options: &UpdateOptions,
) -> Result<UpdateReport, UpdateError> {
    let name = app
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .ok_or(UpdateError::NoName)?;
    let namespace = app
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or("default");
    let app_id = format!("{namespace}/{name}");
    let empty = serde_json::Map::new();
    let annotations = app
        .pointer("/metadata/annotations")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let config = parse_annotations(annotations).map_err(|source| UpdateError::Annotations {
        app: app_id.clone(),
        source,
    })?;
    let mut warnings = Vec::new();
    let mut deployed = deployed_images(app);
    if deployed.is_empty()
        && let Some(dir) = &options.source_cache_dir
    {
        let instance = instance_name(name, namespace, &options.controller_namespace);
        match rendered_images(app, &instance, dir).await {
            Ok(images) => deployed = images,
            Err(e) => warnings.push(format!("finding images by rendering the source: {e}")),
        }
    }
    let mut images = Vec::new();
    let mut edits = if is_helm_app(app) {
        Edits::Helm(Vec::new())
    } else {
        Edits::Kustomize(Vec::new())
    };
    let mut changes = Vec::new();
    for image in &config.images {
        let outcome = check_image(image, &deployed, namespace, options).await;
        if let ImageOutcome::Update { from, to } = &outcome {
            match &mut edits {
                Edits::Kustomize(entries) => entries.push(write_back_entry(image, to)),
                Edits::Helm(parameters) => {
                    parameters.extend(image.helm.parameters(&image.name, &version_text(to)));
                }
            }
            changes.push(ImageChange {
                image: image.name.clone(),
                old_tag: version_text(from),
                new_tag: version_text(to),
            });
        }
        images.push(ImageResult {
            image: image.name.clone(),
            outcome,
        });
    }
    let write_back = if edits.is_empty() || options.dry_run {
        WriteBackResult::Skipped
    } else {
        match &config.write_back.method {
            WriteBackMethod::Argocd => patch_app(app, namespace, name, &edits, options).await,
            WriteBackMethod::Git { credentials } => {
                git_write_back(
                    app,
                    name,
                    &config.write_back,
                    credentials,
                    edits,
                    changes,
                    options,
                )
                .await
            }
        }
    };
    Ok(UpdateReport {
        app: app_id,
        images,
        write_back,
        warnings,
    })
}

/// The images the Application runs: `status.summary.images`, or the
/// images its `spec.source.kustomize.images` sets when there is no status.
fn deployed_images(app: &Value) -> Vec<ImageRef> {
    let strings = |pointer: &str| -> Vec<String> {
        app.pointer(pointer)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let summary = strings("/status/summary/images");
    let list = if summary.is_empty() {
        // `orig=new:tag` deploys `new:tag`.
        strings("/spec/source/kustomize/images")
            .into_iter()
            .map(|s| {
                s.split_once('=')
                    .map_or(s.clone(), |(_, new)| new.to_owned())
            })
            .collect()
    } else {
        summary
    };
    list.iter()
        .filter_map(|s| ImageRef::parse(s).ok())
        .collect()
}

/// The container images of the Application's source path, rendered at
/// its target revision as the controller renders it ([`source_request`];
/// the override files of instance `name`).
async fn rendered_images(
    app: &Value,
    name: &str,
    cache_dir: &std::path::Path,
) -> Result<Vec<ImageRef>, String> {
    let app: Application = serde_json::from_value(app.clone())
        .map_err(|e| format!("the Application does not decode: {e}"))?;
    let SourceRequest {
        repo_url: url,
        revision,
        path,
        options,
        ..
    } = source_request(&app, None, name, false).map_err(|e| e.to_string())?;
    let cache_dir = cache_dir.to_owned();
    let rendered = tokio::task::spawn_blocking(move || {
        let repo = GitRepo::open_or_clone(&url, &cache_dir)?;
        repo.fetch()?;
        let commit = repo.resolve(&revision)?;
        render(&repo, commit, &path, &options)
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| e.to_string())?;
    let mut images = Vec::new();
    for object in &rendered.objects {
        collect_images(object, &mut images);
    }
    Ok(images)
}

/// Appends the `image` of every container (`containers`, `initContainers`,
/// `ephemeralContainers` lists anywhere in the object) that parses.
fn collect_images(value: &Value, out: &mut Vec<ImageRef>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let is_list = matches!(
                    key.as_str(),
                    "containers" | "initContainers" | "ephemeralContainers"
                );
                if is_list && let Value::Array(items) = child {
                    let parsed = items
                        .iter()
                        .filter_map(|c| c.get("image").and_then(Value::as_str))
                        .filter_map(|i| ImageRef::parse(i).ok());
                    for image in parsed {
                        if !out.contains(&image) {
                            out.push(image);
                        }
                    }
                } else {
                    collect_images(child, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_images(i, out)),
        _ => {}
    }
}

async fn check_image(
    image: &ManagedImage,
    deployed: &[ImageRef],
    namespace: &str,
    options: &UpdateOptions,
) -> ImageOutcome {
    let wanted = image.spec.image.name();
    let current = match deployed.iter().find(|d| d.name() == wanted) {
        Some(current) => current.clone(),
        None if image.force_update => image.spec.image.clone(),
        None => return ImageOutcome::NotDeployed,
    };
    let mut config = (options.registry)(&image.spec.image);
    if let Some(secret) = &image.pull_secret {
        match credentials(secret, namespace, &image.spec.image, options).await {
            Ok(c) => config.credentials = c,
            Err(e) => return ImageOutcome::Failed(e),
        }
    }
    let client = match RegistryClient::new(config) {
        Ok(client) => client,
        Err(e) => return ImageOutcome::Failed(e.to_string()),
    };
    match check(&image.spec, &current, &client).await {
        Ok(Some(update)) => ImageOutcome::Update {
            from: update.from,
            to: update.to,
        },
        Ok(None) => ImageOutcome::UpToDate { current },
        Err(e) => ImageOutcome::Failed(e.to_string()),
    }
}

/// Registry credentials a `pull-secret` reference points to.
async fn credentials(
    secret: &PullSecretRef,
    namespace: &str,
    image: &ImageRef,
    options: &UpdateOptions,
) -> Result<Credentials, String> {
    if let Some(ns) = secret.namespace()
        && ns != namespace
    {
        return Err(format!(
            "pull-secret in namespace {ns}: only secrets of the application's namespace {namespace} may be used"
        ));
    }
    let origin = format!("{secret:?}");
    match secret {
        PullSecretRef::Env(var) => {
            let value =
                std::env::var(var).map_err(|_| format!("pull-secret env:{var}: not set"))?;
            Credentials::from_user_password(&value, &origin).map_err(|e| e.to_string())
        }
        PullSecretRef::External(script) => {
            let program = script.clone();
            let out =
                tokio::task::spawn_blocking(move || std::process::Command::new(program).output())
                    .await
                    .map_err(|e| format!("pull-secret ext:{script}: {e}"))?
                    .map_err(|e| format!("pull-secret ext:{script}: {e}"))?;
            if !out.status.success() {
                return Err(format!(
                    "pull-secret ext:{script}: exited with {}",
                    out.status
                ));
            }
            let value = String::from_utf8_lossy(&out.stdout);
            Credentials::from_user_password(value.trim(), &origin).map_err(|e| e.to_string())
        }
        PullSecretRef::PullSecret { namespace, name } => {
            let secret = read_secret(options, namespace, name).await?;
            Credentials::from_secret(&secret, &image.registry).map_err(|e| e.to_string())
        }
        PullSecretRef::SecretField {
            namespace,
            name,
            field,
        } => {
            let secret = read_secret(options, namespace, name).await?;
            let value = secret_field(&secret, field)
                .ok_or_else(|| format!("secret {namespace}/{name}: no field {field:?}"))?;
            Credentials::from_user_password(&value, &origin).map_err(|e| e.to_string())
        }
    }
}

/// A Secret object read with the options' client.
async fn read_secret(
    options: &UpdateOptions,
    namespace: &str,
    name: &str,
) -> Result<Value, String> {
    let client = options
        .client
        .clone()
        .ok_or_else(|| format!("secret {namespace}/{name}: no Kubernetes client"))?;
    let api: kube::Api<k8s_openapi::api::core::v1::Secret> =
        kube::Api::namespaced(client, namespace);
    let secret = api
        .get(name)
        .await
        .map_err(|e| format!("secret {namespace}/{name}: {e}"))?;
    serde_json::to_value(secret).map_err(|e| format!("secret {namespace}/{name}: {e}"))
}

/// A Secret's `data` field (decoded) or `stringData` field.
fn secret_field(secret: &Value, field: &str) -> Option<String> {
    use base64::Engine;
    if let Some(encoded) = secret
        .pointer("/data")
        .and_then(|d| d.get(field))
        .and_then(Value::as_str)
    {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .ok()?;
        return String::from_utf8(bytes).ok();
    }
    secret
        .pointer("/stringData")
        .and_then(|d| d.get(field))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// The `kustomize.images` / `kustomize edit set image` entry for an update:
/// `name:tag[@digest]`, or `orig=name:tag[@digest]` with `kustomize.image-name`.
fn write_back_entry(image: &ManagedImage, to: &ImageRef) -> String {
    let mut entry = image.name.clone();
    if let Some(tag) = &to.tag {
        entry.push(':');
        entry.push_str(tag);
    }
    if let Some(digest) = &to.digest {
        entry.push('@');
        entry.push_str(digest);
    }
    match &image.kustomize_image_name {
        Some(orig) => format!("{orig}={entry}"),
        None => entry,
    }
}

/// The tag (or digest) of an image for messages; empty when it has neither.
pub fn version_text(image: &ImageRef) -> String {
    match (&image.tag, &image.digest) {
        (Some(tag), Some(digest)) => format!("{tag}@{digest}"),
        (Some(tag), None) => tag.clone(),
        (None, Some(digest)) => digest.clone(),
        (None, None) => String::new(),
    }
}

async fn patch_app(
    app: &Value,
    namespace: &str,
    name: &str,
    edits: &Edits,
    options: &UpdateOptions,
) -> WriteBackResult {
    let patch = match edits {
        Edits::Kustomize(entries) => images_patch(app, entries),
        Edits::Helm(parameters) => helm_parameters_patch(app, parameters),
    };
    let patch = match patch {
        Ok(patch) => patch,
        Err(e) => return WriteBackResult::Failed(e.to_string()),
    };
    let Some(client) = &options.client else {
        return WriteBackResult::Failed("argocd write-back needs a Kubernetes client".into());
    };
    match patch_application(client, namespace, name, &patch).await {
        Ok(_) => WriteBackResult::Patched(patch),
        Err(e) => WriteBackResult::Failed(e.to_string()),
    }
}

async fn git_write_back(
    app: &Value,
    name: &str,
    config: &super::annotations::WriteBackConfig,
    credentials: &GitCredentialsRef,
    edits: Edits,
    changes: Vec<ImageChange>,
    options: &UpdateOptions,
) -> WriteBackResult {
    let source = |key: &str| {
        app.pointer(&format!("/spec/source/{key}"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let url = source("repoURL");
    if url.is_empty() {
        return WriteBackResult::Failed("git write-back: spec.source.repoURL is empty".into());
    }
    let namespace = app
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or("default");
    let credentials = match credentials {
        GitCredentialsRef::RepoCreds => options.git_credentials.clone(),
        GitCredentialsRef::Secret {
            namespace: secret_namespace,
            name: secret,
        } => {
            let secret_namespace = secret_namespace.as_deref().unwrap_or(namespace);
            match git_secret_credentials(options, secret_namespace, secret).await {
                Ok(credentials) => credentials,
                Err(e) => return WriteBackResult::Failed(format!("git write-back: {e}")),
            }
        }
    };
    let base = config
        .branch
        .base
        .clone()
        .unwrap_or_else(|| source("targetRevision"));
    let mut git = GitWriteConfig::new(url.clone(), base.clone());
    git.write_branch = config.branch.write.clone().unwrap_or(base);
    git.author = options.git_author.clone();
    git.message_template = options.git_message_template.clone();
    git.credentials = credentials;
    let path = source("path");
    let from_source_path = |rel: &str| match rel.strip_prefix('/') {
        Some(absolute) => absolute.to_owned(),
        None => join(&path, rel),
    };
    let source_file = join(
        &path,
        &app_source_file(&instance_name(
            name,
            namespace,
            &options.controller_namespace,
        )),
    );
    let edit = match (&config.target, edits) {
        (WriteBackTarget::SourceFile, Edits::Kustomize(images)) => FileEdit::SourceFile {
            path: source_file,
            images,
        },
        (WriteBackTarget::SourceFile, Edits::Helm(parameters)) => FileEdit::HelmSourceFile {
            path: source_file,
            parameters,
        },
        (WriteBackTarget::Kustomization { dir }, Edits::Kustomize(images)) => {
            FileEdit::Kustomization {
                dir: from_source_path(dir),
                images,
            }
        }
        (WriteBackTarget::HelmValues { file }, Edits::Helm(parameters)) => FileEdit::HelmValues {
            path: from_source_path(file),
            parameters,
        },
        (WriteBackTarget::Kustomization { .. }, Edits::Helm(_)) => {
            return WriteBackResult::Failed(
                "git write-back: write-back-target kustomization needs a Kustomize application; this one is rendered with Helm".into(),
            );
        }
        (WriteBackTarget::HelmValues { .. }, Edits::Kustomize(_)) => {
            return WriteBackResult::Failed(
                "git write-back: write-back-target helmvalues needs a Helm application".into(),
            );
        }
    };
    let work_dir = options.git_work_dir.join(work_dir_name(&url));
    let name = name.to_owned();
    let result =
        tokio::task::spawn_blocking(move || write_back(&work_dir, &git, &edit, &name, &changes))
            .await;
    match result {
        Ok(Ok(outcome)) => WriteBackResult::Git(outcome),
        Ok(Err(e)) => WriteBackResult::Failed(e.to_string()),
        Err(e) => WriteBackResult::Failed(format!("git write-back task: {e}")),
    }
}

/// Git credentials from a Secret with `username` and `password`, or with
/// `sshPrivateKey` (written to a private file under the work directory).
async fn git_secret_credentials(
    options: &UpdateOptions,
    namespace: &str,
    name: &str,
) -> Result<GitCredentials, String> {
    let secret = read_secret(options, namespace, name).await?;
    if let Some(key) = secret_field(&secret, "sshPrivateKey") {
        let dir = options.git_work_dir.join("keys");
        let path = dir.join(format!("{namespace}_{name}"));
        write_private(&dir, &path, key.as_bytes())
            .map_err(|e| format!("secret {namespace}/{name}: writing the SSH key: {e}"))?;
        return Ok(GitCredentials::SshKey {
            username: secret_field(&secret, "username").unwrap_or_else(|| "git".into()),
            private_key: path,
            passphrase: None,
        });
    }
    match (
        secret_field(&secret, "username"),
        secret_field(&secret, "password"),
    ) {
        (Some(username), Some(password)) => Ok(GitCredentials::UserPassword { username, password }),
        _ => Err(format!(
            "secret {namespace}/{name}: needs username and password, or sshPrivateKey"
        )),
    }
}

/// Writes `bytes` to `path`, readable by the owner only.
fn write_private(
    dir: &std::path::Path,
    path: &std::path::Path,
    bytes: &[u8],
) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::create_dir_all(dir)?;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?
        .write_all(bytes)
}

fn join(dir: &str, rest: &str) -> String {
    let dir = dir.trim_matches('/');
    if dir.is_empty() || dir == "." {
        rest.to_owned()
    } else {
        format!("{dir}/{rest}")
    }
}

/// A directory name for the work clone of `url`.
fn work_dir_name(url: &str) -> String {
    use sha2::{Digest, Sha256};
    let hash = Sha256::digest(url.as_bytes());
    hash.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deployed_images_come_from_the_summary_or_the_spec() {
        let app = json!({"status": {"summary": {"images": ["nginx:1.20", "127.0.0.1:5000/demo/app:1.0.0"]}},
            "spec": {"source": {"kustomize": {"images": ["nginx:9"]}}}});
        let names: Vec<String> = deployed_images(&app)
            .iter()
            .map(|i| format!("{}:{}", i.name(), version_text(i)))
            .collect();
        assert_eq!(
            names,
            [
                "docker.io/library/nginx:1.20",
                "127.0.0.1:5000/demo/app:1.0.0"
            ]
        );
        let app = json!({"spec": {"source": {"kustomize": {"images": ["orig=ghcr.io/o/new:2", "nginx:9"]}}}});
        let names: Vec<String> = deployed_images(&app)
            .iter()
            .map(|i| format!("{}:{}", i.name(), version_text(i)))
            .collect();
        assert_eq!(names, ["ghcr.io/o/new:2", "docker.io/library/nginx:9"]);
    }

    #[test]
    fn write_back_entries() {
        let config = parse_annotations(
            json!({
                "argocd-image-updater.argoproj.io/image-list": "web=nginx:1.x, app=ghcr.io/o/app",
                "argocd-image-updater.argoproj.io/app.kustomize.image-name": "placeholder",
            })
            .as_object()
            .unwrap(),
        )
        .unwrap();
        let to = ImageRef::parse("nginx:1.21.0").unwrap();
        assert_eq!(write_back_entry(&config.images[0], &to), "nginx:1.21.0");
        let to = ImageRef::parse("ghcr.io/o/app:2@sha256:abcd").unwrap();
        assert_eq!(
            write_back_entry(&config.images[1], &to),
            "placeholder=ghcr.io/o/app:2@sha256:abcd"
        );
    }
}
