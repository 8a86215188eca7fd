//! Edits of the root kustomization made in memory before it is built: what
//! the matching `kustomize edit` commands would have written into the file
//! (Argo CD runs them on its checkout for `spec.source.kustomize`), without
//! touching or re-reading the file's text.

use super::{Image, Kustomization, Replica, StringMap};
use crate::Error;
use crate::edit::{ImageEdit, ImageFields};
use crate::fs::Loader;
use std::path::Path;

/// Edits applied to the root kustomization of a build
/// ([`BuildOptions::with_root_overrides`](crate::BuildOptions::with_root_overrides)),
/// each as the `kustomize edit` command named on its field would make it.
/// They apply before the deprecated fields are folded into their
/// replacements, so the build sees what it would read from the edited file.
///
/// ```
/// let mut overrides = kustomize_core::RootOverrides::default();
/// overrides.name_prefix = Some("staging-".into());
/// overrides.images.push(kustomize_core::edit::ImageEdit::parse("nginx:1.27").unwrap());
/// let options = kustomize_core::BuildOptions::default().with_root_overrides(overrides);
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RootOverrides {
    /// `kustomize edit set image`: entries of `images` (and of the
    /// deprecated `imageTags`) with the same name are edited, else one is
    /// added; of two edits of one name, the last wins.
    pub images: Vec<ImageEdit>,
    /// `kustomize edit set nameprefix`.
    pub name_prefix: Option<String>,
    /// `kustomize edit set namesuffix`.
    pub name_suffix: Option<String>,
    /// `kustomize edit set namespace`.
    pub namespace: Option<String>,
    /// `kustomize edit add label` (to `commonLabels`): a key the file
    /// already sets is an error unless `force_common_labels`.
    pub common_labels: Vec<(String, String)>,
    /// `--force` of `add label`: overwrite keys the file sets.
    pub force_common_labels: bool,
    /// `kustomize edit add annotation` (to `commonAnnotations`), as labels.
    pub common_annotations: Vec<(String, String)>,
    /// `--force` of `add annotation`.
    pub force_common_annotations: bool,
    /// `kustomize edit set replicas NAME=COUNT`: the entry of that name is
    /// updated, else one is added.
    pub replicas: Vec<(String, i64)>,
    /// `kustomize edit add component`: paths relative to the root that
    /// must exist; ones the file lists already are skipped.
    pub components: Vec<String>,
    /// Entries appended to `patches`, each as a kustomization's `patches`
    /// entry (`patch` or `path`, `target`, `options`).
    pub patches: Vec<serde_json::Value>,
}

impl RootOverrides {
    /// Whether the overrides change nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Applies the overrides to `k`, read from `file` in the directory of `loader`.
    pub(crate) fn apply(
        &self,
        k: &mut Kustomization,
        loader: &Loader,
        file: &Path,
    ) -> Result<(), Error> {
        let refuse = |field: &'static str, message: String| Error::Override {
            path: file.to_path_buf(),
            field,
            message,
        };
        for (i, edit) in self.images.iter().enumerate() {
            if !self.images[i + 1..].iter().any(|e| e.name == edit.name) {
                set_image(k, edit);
            }
        }
        for (field, value) in [
            (&mut k.name_prefix, &self.name_prefix),
            (&mut k.name_suffix, &self.name_suffix),
            (&mut k.namespace, &self.namespace),
        ] {
            if let Some(value) = value {
                value.clone_into(field);
            }
        }
        add_entries(
            &mut k.common_labels,
            &self.common_labels,
            self.force_common_labels,
        )
        .map_err(|key| {
            refuse(
                "commonLabels",
                format!("label {key} already in kustomization file (forceCommonLabels not set)"),
            )
        })?;
        add_entries(
            &mut k.common_annotations,
            &self.common_annotations,
            self.force_common_annotations,
        )
        .map_err(|key| {
            refuse(
                "commonAnnotations",
                format!(
                    "annotation {key} already in kustomization file (forceCommonAnnotations not set)"
                ),
            )
        })?;
        for (name, count) in &self.replicas {
            match k.replicas.iter_mut().find(|r| r.name == *name) {
                Some(entry) => entry.count = *count,
                None => k.replicas.push(Replica {
                    name: name.clone(),
                    count: *count,
                }),
            }
        }
        for path in &self.components {
            let full = crate::fs::normalize(loader.root(), Path::new(path));
            if !loader.fs().is_dir(&full) && !loader.fs().is_file(&full) {
                return Err(refuse("components", format!("{path:?} has no match")));
            }
            if !k.components.contains(path) {
                k.components.push(path.clone());
            }
        }
        for (i, patch) in self.patches.iter().enumerate() {
            let patch = serde_json::from_value(patch.clone())
                .map_err(|e| refuse("patches", format!("[{i}]: {e}")))?;
            k.patches.push(patch);
        }
        Ok(())
    }
}

/// `edit set image` on the entries of `images` and `imageTags` named
/// `edit.name`; an entry is added to `images` when none is. An edited entry
/// keeps only the fields `set image` writes (its `tagSuffix` goes).
fn set_image(k: &mut Kustomization, edit: &ImageEdit) {
    let mut found = false;
    for entry in k.images.iter_mut().chain(k.image_tags.iter_mut()) {
        if entry.name == edit.name {
            let current = ImageFields {
                new_name: non_empty(&entry.new_name),
                new_tag: non_empty(&entry.new_tag),
                digest: non_empty(&entry.digest),
            };
            *entry = image_entry(&edit.name, edit.resolve(&current));
            found = true;
        }
    }
    if !found {
        let entry = image_entry(&edit.name, edit.resolve(&ImageFields::default()));
        k.images.push(entry);
    }
}

fn image_entry(name: &str, fields: ImageFields) -> Image {
    Image {
        name: name.to_owned(),
        new_name: fields.new_name.unwrap_or_default(),
        new_tag: fields.new_tag.unwrap_or_default(),
        digest: fields.digest.unwrap_or_default(),
        tag_suffix: String::new(),
    }
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

/// `edit add label|annotation`: adds `entries` to `map`, failing with the
/// first key already there unless `force`.
fn add_entries(
    map: &mut Option<StringMap>,
    entries: &[(String, String)],
    force: bool,
) -> Result<(), String> {
    if entries.is_empty() {
        return Ok(());
    }
    let map = map.get_or_insert_with(StringMap::default);
    for (key, value) in entries {
        if map.contains_key(key) && !force {
            return Err(key.clone());
        }
        map.insert(key.clone(), value.clone());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::MemFs;
    use crate::{BuildOptions, build};
    use std::sync::Arc;

    const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n\
        spec:\n  template:\n    spec:\n      containers:\n      - name: a\n        image: nginx:1\n\
        \x20     - name: b\n        image: redis\n";

    fn build_with(kustomization: &str, overrides: RootOverrides) -> Result<String, Error> {
        let mut fs = MemFs::new();
        fs.add_file("/app/kustomization.yaml", kustomization);
        fs.add_file("/app/web.yaml", DEPLOYMENT);
        fs.add_file(
            "/app/extra/kustomization.yaml",
            "kind: Component\ncommonAnnotations: {from: extra}\n",
        );
        let options = BuildOptions::default().with_root_overrides(overrides);
        Ok(build(Arc::new(fs), Path::new("/app"), &options)?.to_yaml())
    }

    fn image(arg: &str) -> ImageEdit {
        ImageEdit::parse(arg).unwrap()
    }

    #[test]
    fn set_image_rewrites_matching_entries_of_both_lists_and_drops_tag_suffix() {
        // `nginx:2` edits the imageTags entry (its tagSuffix goes), `*`
        // keeps redis' newName; the first edit of redis loses to the last.
        let o = RootOverrides {
            images: vec![image("redis:0"), image("nginx:2"), image("redis=*:7")],
            ..Default::default()
        };
        let out = build_with(
            "resources: [web.yaml]\nimageTags:\n- {name: nginx, newTag: '1', tagSuffix: -x}\n\
             images:\n- {name: redis, newName: r.io/redis}\n",
            o,
        )
        .unwrap();
        assert!(out.contains("image: nginx:2\n"), "{out}");
        assert!(out.contains("image: r.io/redis:7\n"), "{out}");
    }

    #[test]
    fn labels_already_in_the_file_need_force() {
        let mut o = RootOverrides {
            common_labels: vec![("team".into(), "b".into())],
            ..Default::default()
        };
        let err = build_with(
            "resources: [web.yaml]\ncommonLabels: {team: a}\n",
            o.clone(),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "/app/kustomization.yaml: commonLabels: label team already in kustomization file (forceCommonLabels not set)"
        );
        o.force_common_labels = true;
        let out = build_with("resources: [web.yaml]\ncommonLabels: {team: a}\n", o).unwrap();
        assert!(out.contains("team: b"), "{out}");
    }

    #[test]
    fn fields_replicas_and_components() {
        let o = RootOverrides {
            name_prefix: Some("p-".into()),
            namespace: Some("prod".into()),
            replicas: vec![("web".into(), 2)],
            components: vec!["extra".into()],
            ..Default::default()
        };
        let out = build_with(
            "resources: [web.yaml]\nreplicas: [{name: web, count: 1}]\n",
            o,
        )
        .unwrap();
        assert!(out.contains("name: p-web\n  namespace: prod\n"), "{out}");
        assert!(out.contains("replicas: 2\n"), "{out}");
        assert!(out.contains("from: extra"), "{out}");
        let o = RootOverrides {
            components: vec!["missing".into()],
            ..Default::default()
        };
        let err = build_with("resources: [web.yaml]\n", o).unwrap_err();
        assert!(
            matches!(
                &err,
                Error::Override {
                    field: "components",
                    ..
                }
            ),
            "{err}"
        );
    }
}
