//! Argo CD's `spec.source.kustomize`: overrides applied to the root
//! kustomization of a source path before it is built (Argo CD runs
//! `kustomize edit set …` on the checkout; the effect is the same).

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use kustomize_core::edit::{ImageEdit, set_images};
use kustomize_core::fs::FileSystem;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::SourceError;
use super::error::Origin;

/// The Kustomize overrides of an Application source
/// (`ApplicationSourceKustomize`). Every field is optional; an empty value
/// changes nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct KustomizeOverrides {
    /// `namePrefix`: set as by `kustomize edit set nameprefix`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name_prefix: String,
    /// `nameSuffix`: set as by `kustomize edit set namesuffix`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name_suffix: String,
    /// `images`: entries in `kustomize edit set image` syntax
    /// (`name=newName:tag`, `name:tag`, `name@digest`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<String>,
    /// `commonLabels`: added as by `kustomize edit add label`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub common_labels: BTreeMap<String, String>,
    /// `commonAnnotations`: added as by `kustomize edit add annotation`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub common_annotations: BTreeMap<String, String>,
    /// `forceCommonLabels`: overwrite labels the kustomization already sets.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub force_common_labels: bool,
    /// `forceCommonAnnotations`: overwrite annotations the kustomization already sets.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub force_common_annotations: bool,
    /// `namespace`: set as by `kustomize edit set namespace`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// `replicas`: replica counts by workload name.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replicas: Vec<ReplicaOverride>,
    /// `components`: component paths (relative to the source path) added.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<String>,
}

impl KustomizeOverrides {
    /// Whether the overrides change nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// One `replicas` override: the workload name and its count.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ReplicaOverride {
    /// Name of the Deployment/StatefulSet/ReplicaSet.
    pub name: String,
    /// Replica count (Argo CD accepts a number or a numeric string).
    pub count: i64,
}

/// Argo CD's override file read by every application of a source path.
pub const SOURCE_FILE: &str = ".argocd-source.yaml";

/// The name of the override file of one application, `.argocd-source-<app>.yaml`.
pub fn app_source_file(app_name: &str) -> String {
    format!(".argocd-source-{app_name}.yaml")
}

/// Why overrides could not be merged or applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OverrideError {
    /// An override file is not valid YAML or not an ApplicationSource.
    #[error("{file}: {problem}")]
    SourceFile {
        /// The file name.
        file: String,
        /// What is wrong.
        problem: String,
    },
    /// An override cannot be applied to the kustomization.
    #[error("kustomize.{field}: {problem}")]
    Apply {
        /// The override field, like `images` or `commonLabels`.
        field: &'static str,
        /// What is wrong.
        problem: String,
    },
}

impl KustomizeOverrides {
    /// Merges an override file's text (a partial ApplicationSource) into these
    /// overrides as Argo CD's repo-server does (see `merge_source_section`):
    /// a list the file holds, `kustomize.images` included, replaces the
    /// whole list. Only the `kustomize` part is kept.
    pub fn merge_source_file(&self, file: &str, text: &str) -> Result<Self, OverrideError> {
        merge_source_section(self, "kustomize", file, text)
    }

    /// The text of a kustomization with these overrides applied, as the
    /// matching `kustomize edit` commands would leave it: `images` with the
    /// minimal-diff editor (`edit set image`), then `namePrefix`,
    /// `nameSuffix`, `namespace` (`edit set …`), `commonLabels` and
    /// `commonAnnotations` (`edit add label|annotation`, failing on a key
    /// the file already sets unless forced), `replicas` (`edit set replicas`)
    /// and `components` (`edit add component`: present ones are skipped;
    /// `component_exists` says whether a path, relative to the
    /// kustomization's directory, exists). Returns `text` unchanged when
    /// there is nothing to apply.
    pub fn apply_to_kustomization(
        &self,
        text: &str,
        component_exists: &dyn Fn(&str) -> bool,
    ) -> Result<String, OverrideError> {
        let mut text = text.to_owned();
        if !self.images.is_empty() {
            let edits = self
                .images
                .iter()
                .map(|arg| ImageEdit::parse(arg))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| apply_error("images", e.to_string()))?;
            text = set_images(&text, &edits).map_err(|e| apply_error("images", e.to_string()))?;
        }
        let rest = Self {
            images: Vec::new(),
            ..self.clone()
        };
        if rest.is_empty() {
            return Ok(text);
        }
        let mut doc = kustomize_core::yaml::parse_document(&text)
            .map_err(|e| apply_error("images", e.to_string()))?;
        if doc.is_null() {
            doc = Value::Object(Map::new());
        }
        let Value::Object(fields) = &mut doc else {
            return Err(apply_error(
                "namePrefix",
                "the kustomization is not a mapping".into(),
            ));
        };
        rest.apply_fields(fields, component_exists)?;
        let mut out = String::new();
        kustomize_core::yaml::emit_document(&doc, &mut out);
        Ok(out)
    }

    /// The structural edits of [`Self::apply_to_kustomization`].
    fn apply_fields(
        &self,
        fields: &mut Map<String, Value>,
        component_exists: &dyn Fn(&str) -> bool,
    ) -> Result<(), OverrideError> {
        for (key, value) in [
            ("namePrefix", &self.name_prefix),
            ("nameSuffix", &self.name_suffix),
            ("namespace", &self.namespace),
        ] {
            if !value.is_empty() {
                fields.insert(key.to_owned(), Value::String(value.clone()));
            }
        }
        add_to_map(
            fields,
            "commonLabels",
            "label",
            &self.common_labels,
            self.force_common_labels,
        )?;
        add_to_map(
            fields,
            "commonAnnotations",
            "annotation",
            &self.common_annotations,
            self.force_common_annotations,
        )?;
        if !self.replicas.is_empty() {
            let list = list_field(fields, "replicas")?;
            for r in &self.replicas {
                let count = Value::from(r.count);
                match list
                    .iter_mut()
                    .find(|e| e.get("name").and_then(Value::as_str) == Some(r.name.as_str()))
                {
                    Some(Value::Object(entry)) => {
                        entry.insert("count".into(), count);
                    }
                    _ => list.push(serde_json::json!({ "name": r.name, "count": count })),
                }
            }
        }
        if !self.components.is_empty() {
            let list = list_field(fields, "components")?;
            for path in &self.components {
                if !component_exists(path) {
                    return Err(apply_error("components", format!("{path:?} has no match")));
                }
                if !list.iter().any(|c| c.as_str() == Some(path.as_str())) {
                    list.push(Value::String(path.clone()));
                }
            }
        }
        Ok(())
    }
}

/// Merges an override file's text (a partial ApplicationSource) into
/// `own`, the `section` (`kustomize`, `helm`) of the source, as Argo CD's
/// repo-server does: the file is a JSON merge patch (RFC 7396) of the
/// source, so a list replaces the whole list, a map is merged key by key and
/// `null` removes a field. An empty file changes nothing.
pub fn merge_source_section<T>(
    own: &T,
    section: &str,
    file: &str,
    text: &str,
) -> Result<T, OverrideError>
where
    T: Serialize + serde::de::DeserializeOwned + Default + Clone,
{
    let problem = |problem: String| OverrideError::SourceFile {
        file: file.to_owned(),
        problem,
    };
    let patch = kustomize_core::yaml::parse_document(text).map_err(|e| problem(e.to_string()))?;
    if patch.is_null() {
        // An empty file (or only comments) changes nothing.
        return Ok(own.clone());
    }
    if !patch.is_object() {
        return Err(problem(
            "expected a mapping (a partial ApplicationSource)".into(),
        ));
    }
    let own = serde_json::to_value(own).map_err(|e| problem(e.to_string()))?;
    let mut source = Value::Object(Map::from_iter([(section.to_owned(), own)]));
    json_patch::merge(&mut source, &patch);
    match source.get(section) {
        None | Some(Value::Null) => Ok(T::default()),
        Some(merged) => {
            serde_json::from_value(merged.clone()).map_err(|e| problem(format!("{section}: {e}")))
        }
    }
}

/// The override files of an application in `dir` of `fs` that exist, in
/// the order Argo CD applies them (`.argocd-source.yaml`, then
/// `.argocd-source-<app>.yaml`): each file's name, path and text.
pub(crate) fn source_files(
    fs: &dyn FileSystem,
    dir: &Path,
    app_name: Option<&str>,
) -> io::Result<Vec<(String, PathBuf, String)>> {
    let mut files = Vec::new();
    for name in std::iter::once(SOURCE_FILE.to_owned()).chain(app_name.map(app_source_file)) {
        let path = dir.join(&name);
        if fs.is_file(&path) {
            let text = String::from_utf8_lossy(&fs.read(&path)?).into_owned();
            files.push((name, path, text));
        }
    }
    Ok(files)
}

fn apply_error(field: &'static str, problem: String) -> OverrideError {
    OverrideError::Apply { field, problem }
}

/// `kustomize edit add label|annotation`: adds `entries` to the map field
/// `key`; an existing key is an error unless `force`.
fn add_to_map(
    fields: &mut Map<String, Value>,
    key: &'static str,
    what: &str,
    entries: &BTreeMap<String, String>,
    force: bool,
) -> Result<(), OverrideError> {
    if entries.is_empty() {
        return Ok(());
    }
    let map = fields
        .entry(key)
        .or_insert_with(|| Value::Object(Map::new()));
    if map.is_null() {
        *map = Value::Object(Map::new());
    }
    let Value::Object(map) = map else {
        return Err(apply_error(
            key,
            "the kustomization's field is not a mapping".into(),
        ));
    };
    for (k, v) in entries {
        if map.contains_key(k) && !force {
            return Err(apply_error(
                key,
                format!(
                    "{what} {k} already in kustomization file (force{}s not set)",
                    capitalize(key)
                ),
            ));
        }
        map.insert(k.clone(), Value::String(v.clone()));
    }
    Ok(())
}

/// `commonLabels` → `CommonLabels`, for the name of the force option.
fn capitalize(key: &str) -> String {
    let mut chars = key.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// The list field `key`, created when absent or null.
fn list_field<'a>(
    fields: &'a mut Map<String, Value>,
    key: &'static str,
) -> Result<&'a mut Vec<Value>, OverrideError> {
    let list = fields
        .entry(key)
        .or_insert_with(|| Value::Array(Vec::new()));
    if list.is_null() {
        *list = Value::Array(Vec::new());
    }
    match list {
        Value::Array(list) => Ok(list),
        _ => Err(apply_error(
            key,
            "the kustomization's field is not a list".into(),
        )),
    }
}

/// A file system that serves one file's replacement contents and passes
/// everything else to the file system below, which stays untouched.
pub(crate) struct OverlayFs {
    inner: Arc<dyn FileSystem>,
    path: PathBuf,
    contents: Vec<u8>,
}

impl OverlayFs {
    /// `inner` with `path` (an existing file) reading as `contents`.
    pub(crate) fn new(inner: Arc<dyn FileSystem>, path: PathBuf, contents: Vec<u8>) -> Self {
        Self {
            inner,
            path,
            contents,
        }
    }
}

impl FileSystem for OverlayFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        if path == self.path {
            return Ok(self.contents.clone());
        }
        self.inner.read(path)
    }
    fn is_dir(&self, path: &Path) -> bool {
        self.inner.is_dir(path)
    }
    fn is_file(&self, path: &Path) -> bool {
        self.inner.is_file(path)
    }
    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        self.inner.read_dir(path)
    }
    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        self.inner.canonicalize(path)
    }
}

/// The file system to build the kustomization file `kustomization` (below
/// `root` of `fs`) from: `fs` itself when no override applies, else an
/// overlay serving the edited kustomization. `overrides` (the app's
/// `spec.source.kustomize`) are first merged with the directory's `.argocd-source.yaml` and
/// `.argocd-source-<app_name>.yaml`.
pub(crate) fn overlay_for(
    fs: Arc<dyn FileSystem>,
    root: &Path,
    kustomization: &Path,
    overrides: &KustomizeOverrides,
    app_name: Option<&str>,
    origin: &Origin,
) -> Result<Arc<dyn FileSystem>, SourceError> {
    let dir = kustomization.parent().unwrap_or(root);
    let fail = |file: &Path, problem: String| SourceError::Manifest {
        url: origin.url.clone(),
        revision: origin.revision.clone(),
        file: file.strip_prefix(root).unwrap_or(file).to_path_buf(),
        problem,
    };
    let mut merged = overrides.clone();
    let files = source_files(fs.as_ref(), dir, app_name).map_err(|e| fail(dir, e.to_string()))?;
    for (name, path, text) in files {
        merged = merged
            .merge_source_file(&name, &text)
            .map_err(|e| match e {
                // The error names the file already.
                OverrideError::SourceFile { problem, .. } => fail(&path, problem),
                other => fail(&path, other.to_string()),
            })?;
    }
    if merged.is_empty() {
        return Ok(fs);
    }
    let text = fs
        .read(kustomization)
        .map_err(|e| fail(kustomization, e.to_string()))?;
    let exists = |rel: &str| {
        let path = kustomize_core::fs::normalize(dir, Path::new(rel));
        fs.is_dir(&path) || fs.is_file(&path)
    };
    let edited = merged
        .apply_to_kustomization(&String::from_utf8_lossy(&text), &exists)
        .map_err(|e| fail(kustomization, e.to_string()))?;
    Ok(Arc::new(OverlayFs::new(
        fs.clone(),
        kustomization.to_path_buf(),
        edited.into_bytes(),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_files_are_json_merge_patches() {
        let spec = KustomizeOverrides {
            images: vec!["a:1".into(), "b:1".into()],
            name_prefix: "p-".into(),
            common_labels: BTreeMap::from([("x".into(), "1".into()), ("w".into(), "2".into())]),
            ..Default::default()
        };
        let merged = spec
            .merge_source_file(
                ".argocd-source.yaml",
                "kustomize:\n  images: [a:2]\n  namePrefix: null\n  commonLabels: {w: \"3\", z: \"4\"}\nhelm: {}\n",
            )
            .unwrap();
        assert_eq!(merged.images, ["a:2"], "lists are replaced whole");
        assert_eq!(merged.name_prefix, "", "null removes");
        assert_eq!(
            merged.common_labels,
            BTreeMap::from([
                ("x".into(), "1".into()),
                ("w".into(), "3".into()),
                ("z".into(), "4".into())
            ])
        );
        assert_eq!(
            spec.merge_source_file("f", "").unwrap(),
            spec,
            "an empty file changes nothing"
        );
        assert!(
            spec.merge_source_file("f", "kustomize: null\n")
                .unwrap()
                .is_empty()
        );
        let err = spec.merge_source_file("f", "- a\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "f: expected a mapping (a partial ApplicationSource)"
        );
        let err = spec
            .merge_source_file("f", "kustomize: {images: 3}\n")
            .unwrap_err();
        assert!(err.to_string().starts_with("f: kustomize: "), "{err}");
    }

    #[test]
    fn only_images_keep_the_file_text() {
        let text = "# keep me\nresources:\n- a.yaml\n";
        let images = KustomizeOverrides {
            images: vec!["nginx:1.2".into()],
            ..Default::default()
        };
        let out = images.apply_to_kustomization(text, &|_| true).unwrap();
        assert_eq!(
            out,
            "# keep me\nresources:\n- a.yaml\nimages:\n- name: nginx\n  newTag: \"1.2\"\n"
        );
        assert_eq!(
            KustomizeOverrides::default()
                .apply_to_kustomization(text, &|_| true)
                .unwrap(),
            text
        );
        let replicas = KustomizeOverrides {
            replicas: vec![ReplicaOverride {
                name: "web".into(),
                count: 2,
            }],
            components: vec!["c".into(), "c".into()],
            ..Default::default()
        };
        let out = replicas
            .apply_to_kustomization(
                "replicas:\n- name: web\n  count: 1\ncomponents:\n- c\n",
                &|_| true,
            )
            .unwrap();
        let doc = kustomize_core::yaml::parse_document(&out).unwrap();
        assert_eq!(
            doc,
            serde_json::json!({"replicas": [{"name": "web", "count": 2}], "components": ["c"]})
        );
    }
}
