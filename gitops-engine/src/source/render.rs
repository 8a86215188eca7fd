//! Turning a directory of a source tree into objects: a kustomization is
//! built with `kustomize_core`, a Helm chart rendered with `helm_core`, any
//! other directory is read as plain manifests, as Argo CD's directory source does.

use std::hash::{Hash, Hasher};
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use globset::{Glob, GlobMatcher};
use kustomize_core::fs::{FileSystem, LoadRestrictor};
use kustomize_core::remote::RemoteResolver;
use kustomize_core::{BuildLimits, BuildOptions, build};
use serde_json::Value;

use super::error::Origin;
use super::helm::{HelmContext, is_chart, render_chart};
use super::overrides::root_overrides_for;
#[cfg(feature = "git")]
use super::{GitRepo, GitTreeFs, Oid};
use super::{KustomizeOverrides, SourceError};

/// A manifest holding this marker is left out of a plain directory (Argo CD's
/// `+argocd:skip-file-rendering`).
const SKIP_MARKER: &str = "+argocd:skip-file-rendering";

/// How to render a source path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// The load restrictor for kustomizations.
    pub load_restrictor: LoadRestrictor,
    /// How to read a directory that is not a kustomization.
    pub directory: DirectoryOptions,
    /// Argo CD's `spec.source.kustomize`, applied to the root kustomization
    /// in memory (see [`KustomizeOverrides::root_overrides`]).
    pub kustomize: KustomizeOverrides,
    /// The application's instance name (`<namespace>_<name>` for an
    /// application outside Argo CD's own namespace): its
    /// `.argocd-source-<name>.yaml` is merged into `kustomize`, after
    /// `.argocd-source.yaml`.
    pub app_name: Option<String>,
    /// Argo CD's `spec.source.helm` and the destination namespace, for a chart directory.
    pub helm: HelmContext,
    /// Render kustomizations' `helmCharts` (argocd-cm `kustomize.buildOptions`
    /// holding `--enable-helm`); off, such a kustomization fails as kubectl's does.
    pub kustomize_enable_helm: bool,
    /// Bounds on one kustomization build (kustomizations, resources and bytes
    /// loaded); past one, the render fails instead of exhausting memory.
    pub kustomize_limits: BuildLimits,
}

impl Hash for RenderOptions {
    fn hash<H: Hasher>(&self, state: &mut H) {
        matches!(self.load_restrictor, LoadRestrictor::RootOnly).hash(state);
        self.directory.hash(state);
        serde_json::to_string(&self.kustomize)
            .unwrap_or_default()
            .hash(state);
        self.app_name.hash(state);
        self.kustomize_enable_helm.hash(state);
        self.kustomize_limits.hash(state);
        serde_json::to_string(&self.helm)
            .unwrap_or_default()
            .hash(state);
    }
}

/// Options for a plain directory of manifests (Argo CD's `spec.source.directory`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct DirectoryOptions {
    /// Read manifests in subdirectories too (`directory.recurse`).
    pub recurse: bool,
    /// Only files whose path (relative to the source path) matches this glob
    /// (`directory.include`; `*` also matches `/`, `{a,b}` lists
    /// alternatives). Empty means every file.
    pub include: String,
    /// Leave out files whose relative path matches this glob
    /// (`directory.exclude`); it wins over `include`. Empty means none.
    pub exclude: String,
}

/// The objects a source path renders to at one revision.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// The commit SHA rendered (for a local directory, a digest of the output).
    pub revision: String,
    /// The objects, in output order.
    pub objects: Vec<Value>,
    /// Warnings met on the way (deprecated kustomize fields, skipped files).
    pub warnings: Vec<String>,
}

#[cfg(feature = "git")]
/// Renders directory `path` (relative to the repository root) of `commit`,
/// reading the tree straight from Git objects.
pub fn render(
    repo: &GitRepo,
    commit: Oid,
    path: &str,
    options: &RenderOptions,
) -> Result<Rendered, SourceError> {
    let tree = GitTreeFs::new(repo.url(), repo.path(), commit)?;
    render_commit_tree(Arc::new(tree), path, options)
}

#[cfg(feature = "git")]
/// Renders directory `path` of an indexed commit tree; rendering several
/// paths of one commit this way indexes the tree once.
pub fn render_commit_tree(
    tree: Arc<GitTreeFs>,
    path: &str,
    options: &RenderOptions,
) -> Result<Rendered, SourceError> {
    render_commit_tree_with(tree, path, options, None)
}

#[cfg(feature = "git")]
/// [`render_commit_tree`], fetching kustomizations' remote bases with `remote`.
pub(crate) fn render_commit_tree_with(
    tree: Arc<GitTreeFs>,
    path: &str,
    options: &RenderOptions,
    remote: Option<Arc<dyn RemoteResolver>>,
) -> Result<Rendered, SourceError> {
    let origin = Origin {
        url: tree.url().to_owned(),
        revision: tree.commit().to_string(),
    };
    let (objects, warnings) = render_tree(tree, Path::new("/"), path, options, &origin, remote)?;
    Ok(Rendered {
        revision: origin.revision,
        objects,
        warnings,
    })
}

/// Renders directory `path` below `root` of `fs`: a kustomization build if
/// the directory holds a kustomization file, plain manifests otherwise.
/// Returns the objects and the warnings.
/// Kustomizations naming remote bases or files fetch them with `remote`
/// (without one, such a kustomization fails as kustomize-core's build does).
pub(crate) fn render_tree(
    fs: Arc<dyn FileSystem>,
    root: &Path,
    path: &str,
    options: &RenderOptions,
    origin: &Origin,
    remote: Option<Arc<dyn RemoteResolver>>,
) -> Result<(Vec<Value>, Vec<String>), SourceError> {
    let dir = join_inside(root, path).ok_or_else(|| SourceError::InvalidPath {
        url: origin.url.clone(),
        revision: origin.revision.clone(),
        path: path.to_owned(),
    })?;
    if !fs.is_dir(&dir) {
        return Err(SourceError::PathNotFound {
            url: origin.url.clone(),
            revision: origin.revision.clone(),
            path: path.to_owned(),
        });
    }
    if kustomize_core::KUSTOMIZATION_FILE_NAMES
        .iter()
        .any(|name| fs.is_file(&dir.join(name)))
    {
        let overrides = root_overrides_for(
            fs.as_ref(),
            root,
            &dir,
            &options.kustomize,
            options.app_name.as_deref(),
            origin,
        )?;
        let mut build_options = BuildOptions::default()
            .with_load_restrictor(options.load_restrictor)
            .with_limits(options.kustomize_limits)
            .with_root_overrides(overrides);
        if options.kustomize_enable_helm {
            build_options = build_options.with_helm(Arc::new(helm_core::kustomize::HelmRenderer));
        }
        if let Some(remote) = remote {
            build_options = build_options.with_remote(remote);
        }
        let built = build(fs, &dir, &build_options).map_err(|source| match source {
            kustomize_core::Error::Override {
                path,
                field,
                message,
            } => SourceError::Manifest {
                url: origin.url.clone(),
                revision: origin.revision.clone(),
                file: path.strip_prefix(root).unwrap_or(&path).to_path_buf(),
                problem: format!("kustomize.{field}: {message}"),
            },
            source => SourceError::Kustomize {
                url: origin.url.clone(),
                revision: origin.revision.clone(),
                path: path.to_owned(),
                source: Box::new(source),
            },
        })?;
        let objects = built
            .resources
            .into_iter()
            .map(|r| Value::Object(r.object))
            .collect();
        let objects = expand_lists(objects).map_err(|problem| SourceError::Manifest {
            url: origin.url.clone(),
            revision: origin.revision.clone(),
            file: dir.strip_prefix(root).unwrap_or(&dir).to_path_buf(),
            problem,
        })?;
        return Ok((objects, built.warnings));
    }
    if is_chart(fs.as_ref(), &dir) {
        return render_chart(
            fs,
            root,
            &dir,
            path,
            &options.helm,
            options.app_name.as_deref(),
            origin,
        );
    }
    let directory = &options.directory;
    PlainDir {
        fs: fs.as_ref(),
        root,
        app_dir: &dir,
        origin,
        recurse: directory.recurse,
        include: compile_glob("directory.include", &directory.include, origin)?,
        exclude: compile_glob("directory.exclude", &directory.exclude, origin)?,
    }
    .render(&dir)
}

/// `root` joined with the relative `path`, or `None` if `path` is absolute
/// or climbs above `root`.
fn join_inside(root: &Path, path: &str) -> Option<PathBuf> {
    let mut out = root.to_path_buf();
    let mut depth = 0usize;
    for comp in Path::new(path).components() {
        match comp {
            Component::Normal(name) => {
                out.push(name);
                depth += 1;
            }
            Component::CurDir => {}
            Component::ParentDir => {
                depth = depth.checked_sub(1)?;
                out.pop();
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

/// The glob of an include or exclude option; `None` when the option is empty.
/// Like Argo CD's, `*` matches across `/`.
fn compile_glob(
    field: &'static str,
    pattern: &str,
    origin: &Origin,
) -> Result<Option<GlobMatcher>, SourceError> {
    if pattern.is_empty() {
        return Ok(None);
    }
    Glob::new(pattern)
        .map(|g| Some(g.compile_matcher()))
        .map_err(|e| SourceError::InvalidOption {
            url: origin.url.clone(),
            field,
            problem: format!("invalid glob '{pattern}': {}", e.kind()),
        })
}

/// A walk over a plain directory of manifests.
struct PlainDir<'a> {
    fs: &'a dyn FileSystem,
    /// The repository (or local directory) root.
    root: &'a Path,
    /// The source path being rendered; include and exclude match below it.
    app_dir: &'a Path,
    origin: &'a Origin,
    recurse: bool,
    include: Option<GlobMatcher>,
    exclude: Option<GlobMatcher>,
}

impl PlainDir<'_> {
    /// Reads every manifest file of `dir` (and, when recursing, of its
    /// subdirectories) in lexical path order.
    fn render(&self, dir: &Path) -> Result<(Vec<Value>, Vec<String>), SourceError> {
        let mut objects = Vec::new();
        let mut warnings = Vec::new();
        self.walk(dir, &mut objects, &mut warnings)?;
        Ok((objects, warnings))
    }

    fn walk(
        &self,
        dir: &Path,
        objects: &mut Vec<Value>,
        warnings: &mut Vec<String>,
    ) -> Result<(), SourceError> {
        let real_dir = self
            .fs
            .canonicalize(dir)
            .map_err(|e| self.problem(dir, e.to_string()))?;
        let entries = self
            .fs
            .read_dir(dir)
            .map_err(|e| self.problem(dir, e.to_string()))?;
        for entry in entries {
            let Some(name) = entry.file_name() else {
                continue;
            };
            if self.fs.is_dir(&entry) {
                // Like a file-system walk, linked directories are not entered.
                let is_link = self
                    .fs
                    .canonicalize(&entry)
                    .is_ok_and(|real| real != real_dir.join(name));
                if self.recurse && !is_link {
                    self.walk(&entry, objects, warnings)?;
                }
                continue;
            }
            if !is_manifest_name(&entry) {
                continue;
            }
            match self.fs.canonicalize(&entry) {
                Ok(real) if real.starts_with(self.real_root()?) => {
                    if self.selected(&entry) {
                        self.read_manifest(&entry, objects, warnings)?;
                    }
                }
                Ok(_) => {
                    return Err(self.problem(
                        &entry,
                        "symbolic link points outside the source root".into(),
                    ));
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => warnings.push(format!(
                    "skipping manifest file '{}': destination of symbolic link is missing",
                    self.relative(&entry).display()
                )),
                Err(e) => return Err(self.problem(&entry, e.to_string())),
            }
        }
        Ok(())
    }

    /// Appends the objects of one manifest file.
    fn read_manifest(
        &self,
        file: &Path,
        objects: &mut Vec<Value>,
        warnings: &mut Vec<String>,
    ) -> Result<(), SourceError> {
        let bytes = self
            .fs
            .read(file)
            .map_err(|e| self.problem(file, e.to_string()))?;
        let text = String::from_utf8_lossy(&bytes);
        if text.contains(SKIP_MARKER) {
            return Ok(());
        }
        let parsed = kustomize_core::yaml::parse_documents(&text)
            .map_err(|e| e.to_string())
            .and_then(|docs| check_documents(file, docs));
        match parsed.and_then(expand_lists) {
            Ok(docs) => objects.extend(docs),
            // A YAML file that does not look like a manifest is some other
            // YAML file (a values file, CI config): skip it, as Argo CD does.
            // A JSON file must be a manifest.
            Err(problem) if !is_json(file) && !looks_like_manifest(&text) => {
                warnings.push(format!(
                    "skipping '{}': not a Kubernetes manifest ({problem})",
                    self.relative(file).display()
                ))
            }
            Err(problem) => return Err(self.problem(file, problem)),
        }
        Ok(())
    }

    /// Whether the include and exclude options let `file` through.
    fn selected(&self, file: &Path) -> bool {
        let rel = file.strip_prefix(self.app_dir).unwrap_or(file);
        let excluded = self.exclude.as_ref().is_some_and(|g| g.is_match(rel));
        let included = self.include.as_ref().is_none_or(|g| g.is_match(rel));
        included && !excluded
    }

    fn real_root(&self) -> Result<PathBuf, SourceError> {
        self.fs
            .canonicalize(self.root)
            .map_err(|e| self.problem(self.root, e.to_string()))
    }

    fn relative<'p>(&self, path: &'p Path) -> &'p Path {
        path.strip_prefix(self.root).unwrap_or(path)
    }

    fn problem(&self, path: &Path, problem: String) -> SourceError {
        SourceError::Manifest {
            url: self.origin.url.clone(),
            revision: self.origin.revision.clone(),
            file: self.relative(path).to_path_buf(),
            problem,
        }
    }
}

/// Replaces every list object (one whose `items` is an array, whatever its
/// kind) by its items and drops lists whose `items` is null, as Argo CD does
/// with every rendered object.
fn expand_lists(objects: Vec<Value>) -> Result<Vec<Value>, String> {
    let mut out = Vec::with_capacity(objects.len());
    for mut object in objects {
        let null_list = object.get("items").is_some_and(Value::is_null)
            && object.get("spec").is_none()
            && object.get("status").is_none();
        if null_list {
            continue;
        }
        let Some(Value::Array(items)) = object.get_mut("items") else {
            out.push(object);
            continue;
        };
        for (i, item) in std::mem::take(items).into_iter().enumerate() {
            if !item.is_object() {
                return Err(format!("list item {i} is not an object"));
            }
            out.push(item);
        }
    }
    Ok(out)
}

/// Every document must be an object; a JSON file holds exactly one.
fn check_documents(file: &Path, docs: Vec<Value>) -> Result<Vec<Value>, String> {
    if let Some(bad) = docs.iter().find(|d| !d.is_object()) {
        return Err(format!(
            "a manifest must be a mapping, found {}",
            match bad {
                Value::Array(_) => "a list",
                _ => "a scalar",
            }
        ));
    }
    if is_json(file) && docs.len() > 1 {
        return Err("found multiple objects; a JSON file holds a single object".into());
    }
    Ok(docs)
}

/// Whether a file is JSON, by its extension.
fn is_json(file: &Path) -> bool {
    file.extension().is_some_and(|e| e == "json")
}

/// Whether text that failed to parse was meant to be a manifest.
fn looks_like_manifest(text: &str) -> bool {
    ["apiVersion:", "kind:", "metadata:"]
        .iter()
        .all(|key| text.contains(key))
}

/// Whether a file name has a manifest extension (`.yaml`, `.yml`, `.json`).
fn is_manifest_name(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_inside_refuses_escapes() {
        let root = Path::new("/r");
        assert_eq!(join_inside(root, "a/./b"), Some(PathBuf::from("/r/a/b")));
        assert_eq!(join_inside(root, "a/../b"), Some(PathBuf::from("/r/b")));
        assert_eq!(join_inside(root, ""), Some(PathBuf::from("/r")));
        assert_eq!(join_inside(root, "."), Some(PathBuf::from("/r")));
        assert_eq!(join_inside(root, ".."), None);
        assert_eq!(join_inside(root, "a/../../b"), None);
        assert_eq!(join_inside(root, "/etc"), None);
    }

    #[test]
    fn manifest_names() {
        assert!(is_manifest_name(Path::new("/a/x.yaml")));
        assert!(is_manifest_name(Path::new("/a/x.yml")));
        assert!(is_manifest_name(Path::new("/a/x.json")));
        assert!(!is_manifest_name(Path::new("/a/x.jsonnet")));
        assert!(!is_manifest_name(Path::new("/a/README.md")));
        assert!(!is_manifest_name(Path::new("/a/yaml")));
    }

    #[test]
    fn lists_are_expanded_and_null_lists_dropped() {
        let objects = vec![
            serde_json::json!({"kind": "A"}),
            serde_json::json!({"kind": "ConfigMapList", "items": [{"kind": "B"}, {"kind": "C"}]}),
            serde_json::json!({"kind": "ConfigMapList", "items": null}),
            serde_json::json!({"kind": "D", "items": null, "spec": {}}),
            serde_json::json!({"kind": "E", "items": "not a list"}),
        ];
        let kinds: Vec<Value> = expand_lists(objects)
            .unwrap()
            .into_iter()
            .map(|o| o["kind"].clone())
            .collect();
        assert_eq!(kinds, ["A", "B", "C", "D", "E"]);
        let bad = vec![serde_json::json!({"kind": "List", "items": [1]})];
        assert_eq!(
            expand_lists(bad).unwrap_err(),
            "list item 0 is not an object"
        );
    }

    #[test]
    fn json_files_hold_one_object() {
        let one = vec![serde_json::json!({"kind": "A"})];
        assert!(check_documents(Path::new("a.json"), one.clone()).is_ok());
        let two = vec![one[0].clone(), one[0].clone()];
        assert!(check_documents(Path::new("a.json"), two.clone()).is_err());
        assert!(check_documents(Path::new("a.yaml"), two).is_ok());
        let list = vec![serde_json::json!([1])];
        assert!(check_documents(Path::new("a.yaml"), list).is_err());
    }
}
