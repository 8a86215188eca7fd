//! Argo CD's `spec.source.kustomize`: overrides applied to the root
//! kustomization of a source path before it is built (Argo CD runs
//! `kustomize edit set …` on the checkout; the effect is the same).

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use kustomize_core::RootOverrides;
use kustomize_core::edit::ImageEdit;
use kustomize_core::fs::FileSystem;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::SourceError;
use super::error::Origin;

/// The Kustomize overrides of an Application source
/// (`ApplicationSourceKustomize`). Every field is optional; an empty value
/// changes nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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
    /// `patches`: kustomize `patches` entries (`patch` or `path`,
    /// `target`, `options`) appended to the kustomization's.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub patches: Vec<Value>,
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

    /// These overrides as kustomize-core applies them to the root
    /// kustomization in memory, each as the matching `kustomize edit`
    /// command would (`edit set image|nameprefix|namesuffix|namespace|replicas`,
    /// `edit add label|annotation|component`).
    pub fn root_overrides(&self) -> Result<RootOverrides, OverrideError> {
        let mut root = RootOverrides::default();
        root.images = self
            .images
            .iter()
            .map(|arg| ImageEdit::parse(arg))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| apply_error("images", e.to_string()))?;
        let non_empty = |s: &String| (!s.is_empty()).then(|| s.clone());
        root.name_prefix = non_empty(&self.name_prefix);
        root.name_suffix = non_empty(&self.name_suffix);
        root.namespace = non_empty(&self.namespace);
        root.common_labels = self.common_labels.clone().into_iter().collect();
        root.force_common_labels = self.force_common_labels;
        root.common_annotations = self.common_annotations.clone().into_iter().collect();
        root.force_common_annotations = self.force_common_annotations;
        root.replicas = self
            .replicas
            .iter()
            .map(|r| (r.name.clone(), r.count))
            .collect();
        root.components.clone_from(&self.components);
        root.patches.clone_from(&self.patches);
        Ok(root)
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

/// The overrides to build the kustomization in `dir` (below `root`) with:
/// `overrides` (the app's `spec.source.kustomize`) merged with the
/// directory's `.argocd-source.yaml` and `.argocd-source-<app_name>.yaml`.
pub(crate) fn root_overrides_for(
    fs: &dyn FileSystem,
    root: &Path,
    dir: &Path,
    overrides: &KustomizeOverrides,
    app_name: Option<&str>,
    origin: &Origin,
) -> Result<RootOverrides, SourceError> {
    let fail = |file: &Path, problem: String| SourceError::Manifest {
        url: origin.url.clone(),
        revision: origin.revision.clone(),
        file: file.strip_prefix(root).unwrap_or(file).to_path_buf(),
        problem,
    };
    let mut merged = overrides.clone();
    let files = source_files(fs, dir, app_name).map_err(|e| fail(dir, e.to_string()))?;
    for (name, path, text) in files {
        merged = merged
            .merge_source_file(&name, &text)
            .map_err(|e| match e {
                // The error names the file already.
                OverrideError::SourceFile { problem, .. } => fail(&path, problem),
                other => fail(&path, other.to_string()),
            })?;
    }
    merged
        .root_overrides()
        .map_err(|e| fail(dir, e.to_string()))
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
}
