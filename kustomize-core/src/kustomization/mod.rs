//! The kustomization file: finding it in a directory, reading it the way
//! kustomize does (case-insensitive field names, unknown fields rejected,
//! deprecated fields folded into their replacements), and its typed form.

mod overrides;
mod shape;

pub use overrides::RootOverrides;

use crate::fs::Loader;
use crate::{Error, yaml};
use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;

/// File names recognised as a kustomization, in kustomize's order.
pub const FILE_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// The `apiVersion` of a `Kustomization`.
pub const KUSTOMIZATION_API_VERSION: &str = "kustomize.config.k8s.io/v1beta1";
/// The `apiVersion` of a `Component`.
pub const COMPONENT_API_VERSION: &str = "kustomize.config.k8s.io/v1alpha1";

/// A string-to-string map in the order the file gives it.
pub type StringMap = IndexMap<String, String>;

/// A kustomization file, after kustomize's fix-ups (`bases` folded into
/// `resources`, `imageTags` into `images`, singular `env` into `envs`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Kustomization {
    /// `kustomize.config.k8s.io/v1beta1` (or `v1alpha1` for components).
    pub api_version: String,
    /// `Kustomization` or `Component`.
    pub kind: String,
    /// Free-form metadata; not used by the build.
    pub metadata: Option<Value>,
    /// `openapi`: `path` to a custom schema, or `version` of a builtin one.
    pub openapi: Option<StringMap>,
    /// `namePrefix`.
    pub name_prefix: String,
    /// `nameSuffix`.
    pub name_suffix: String,
    /// `namespace`.
    pub namespace: String,
    /// `commonLabels` (deprecated in favour of `labels`).
    pub common_labels: Option<StringMap>,
    /// `labels` entries.
    pub labels: Vec<Label>,
    /// `commonAnnotations`.
    pub common_annotations: Option<StringMap>,
    /// `patchesStrategicMerge`: file paths or inline patches.
    pub patches_strategic_merge: Option<Vec<String>>,
    /// `patchesJson6902` (deprecated in favour of `patches`).
    #[serde(rename = "patchesJson6902")]
    pub patches_json6902: Option<Vec<Patch>>,
    /// `patches`.
    pub patches: Vec<Patch>,
    /// `images` (with the deprecated `imageTags` appended).
    pub images: Vec<Image>,
    /// `imageTags`; empty after loading.
    pub image_tags: Vec<Image>,
    /// `replacements`, kept as data for the replacement transformer.
    pub replacements: Vec<Value>,
    /// `replicas`.
    pub replicas: Vec<Replica>,
    /// `vars` (deprecated in favour of `replacements`).
    pub vars: Option<Vec<Value>>,
    /// `sortOptions`.
    pub sort_options: Option<Value>,
    /// `resources` (with the deprecated `bases` appended).
    pub resources: Vec<String>,
    /// `components`.
    pub components: Vec<String>,
    /// `crds`: files declaring CRDs whose fields hold name references.
    pub crds: Vec<String>,
    /// `bases`; empty after loading.
    pub bases: Option<Vec<String>>,
    /// `configMapGenerator` entries.
    pub config_map_generator: Vec<Value>,
    /// `secretGenerator` entries.
    pub secret_generator: Vec<Value>,
    /// `helmGlobals` (see [`crate::helm::HelmGlobals`]).
    pub helm_globals: Option<Value>,
    /// `helmCharts` (see [`crate::helm::HelmChart`]).
    pub helm_charts: Option<Value>,
    /// `helmChartInflationGenerator` (not supported; kept to report it).
    pub helm_chart_inflation_generator: Option<Value>,
    /// `generatorOptions`, applied to every generator of this kustomization.
    pub generator_options: Option<Value>,
    /// `configurations`: transformer config files (field specs).
    pub configurations: Vec<String>,
    /// `generators`: generator configs (files, directories or inline).
    pub generators: Vec<String>,
    /// `transformers`: transformer configs (files, directories or inline).
    pub transformers: Vec<String>,
    /// `validators`.
    pub validators: Vec<String>,
    /// `buildMetadata` options (`originAnnotations`, `transformerAnnotations`, `managedByLabel`).
    pub build_metadata: Vec<String>,
    /// The file sets a list or map field, even an empty one (`resources:
    /// []`): Go keeps such a value non-nil, so kustomize does not call the
    /// kustomization empty.
    #[serde(skip)]
    sets_collection: bool,
}

/// One `labels` entry.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Label {
    /// The labels to add.
    pub pairs: StringMap,
    /// Also write them into selectors (and templates).
    pub include_selectors: bool,
    /// Also write them into pod templates.
    pub include_templates: bool,
    /// Extra places to write them.
    pub fields: Vec<Value>,
}

/// One `patches` (or `patchesJson6902`) entry.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Patch {
    /// File holding the patch.
    pub path: String,
    /// Inline patch text.
    pub patch: String,
    /// Which resources to patch.
    pub target: Option<Value>,
    /// `allowNameChange`, `allowKindChange`.
    pub options: IndexMap<String, bool>,
}

/// One `images` entry.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Image {
    /// The image name to match.
    pub name: String,
    /// Replacement name.
    pub new_name: String,
    /// Suffix appended to the tag.
    pub tag_suffix: String,
    /// Replacement tag.
    pub new_tag: String,
    /// Replacement digest (wins over the tag).
    pub digest: String,
}

/// One `replicas` entry.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Replica {
    /// Name of the workload.
    pub name: String,
    /// Replica count.
    pub count: i64,
}

impl Kustomization {
    /// Reads the kustomization file of the directory a loader is rooted at.
    ///
    /// Returns the kustomization, the file name it came from, and the
    /// deprecation warnings kustomize prints for it. `overrides` are
    /// applied to what the file says before anything else reads it.
    pub fn load(
        loader: &Loader,
        overrides: Option<&RootOverrides>,
    ) -> Result<(Self, String, Vec<String>), Error> {
        let root = loader.root();
        let found: Vec<&str> = FILE_NAMES
            .iter()
            .copied()
            .filter(|n| loader.fs().is_file(&root.join(n)))
            .collect();
        let file_name = match found.as_slice() {
            [] => {
                return Err(Error::MissingKustomization {
                    dir: root.to_path_buf(),
                });
            }
            [one] => *one,
            _ => {
                return Err(Error::MultipleKustomizations {
                    dir: root.to_path_buf(),
                });
            }
        };
        let path = root.join(file_name);
        let bytes = loader.read_file(file_name)?;
        let mut k = Self::parse(&bytes, &path)?;
        if let Some(overrides) = overrides {
            overrides.apply(&mut k, loader, &path)?;
        }
        let warnings = k.deprecation_warnings();
        let k = k.fixed(&path)?;
        Ok((k, file_name.to_owned(), warnings))
    }

    /// Parses kustomization text; `path` is used in error messages only.
    pub fn parse(bytes: &[u8], path: &Path) -> Result<Self, Error> {
        let invalid = |message: String| Error::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let text = std::str::from_utf8(bytes)
            .map_err(|e| invalid(format!("invalid Kustomization: not UTF-8: {e}")))?;
        let mut doc = yaml::parse_document(text).map_err(|source| Error::Yaml {
            path: path.to_path_buf(),
            source,
        })?;
        if doc.is_null() {
            doc = Value::Object(Default::default());
        }
        if !doc.is_object() {
            return Err(invalid(
                "invalid Kustomization: expected a map of fields".into(),
            ));
        }
        shape::canonicalize(&mut doc, &shape::KUSTOMIZATION)
            .map_err(|field| invalid(format!("invalid Kustomization: unknown field {field:?}")))?;
        let sets_collection = doc
            .as_object()
            .is_some_and(|fields| fields.values().any(|v| v.is_array() || v.is_object()));
        let mut k: Kustomization = serde_path_to_error::deserialize(doc).map_err(|e| {
            let field = e.path().to_string();
            let line = e
                .path()
                .iter()
                .next()
                .and_then(|s| match s {
                    serde_path_to_error::Segment::Map { key } => top_level_line(text, key),
                    _ => None,
                })
                .map_or_else(String::new, |l| format!(" (line {l})"));
            invalid(format!(
                "invalid Kustomization: field {field}{line}: {}",
                e.inner()
            ))
        })?;
        k.sets_collection = sets_collection;
        Ok(k)
    }

    /// The `# Warning: …` lines kustomize prints for deprecated fields.
    pub fn deprecation_warnings(&self) -> Vec<String> {
        const FIX: &str = "Run 'kustomize edit fix' to update your Kustomization automatically.";
        let mut out = Vec::new();
        let mut warn = |present: bool, old: &str, new: &str, fix: &str| {
            if present {
                out.push(format!(
                    "# Warning: '{old}' is deprecated. Please use '{new}' instead. {fix}"
                ));
            }
        };
        warn(self.bases.is_some(), "bases", "resources", FIX);
        warn(self.common_labels.is_some(), "commonLabels", "labels", FIX);
        warn(!self.image_tags.is_empty(), "imageTags", "images", FIX);
        warn(
            self.patches_json6902.is_some(),
            "patchesJson6902",
            "patches",
            FIX,
        );
        warn(
            self.patches_strategic_merge.is_some(),
            "patchesStrategicMerge",
            "patches",
            FIX,
        );
        warn(
            self.vars.is_some(),
            "vars",
            "replacements",
            &format!("[EXPERIMENTAL] {FIX}"),
        );
        out
    }

    /// Applies kustomize's fix-ups and checks `kind`/`apiVersion` and emptiness.
    fn fixed(mut self, path: &Path) -> Result<Self, Error> {
        let invalid = |message: String| Error::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let empty = Self {
            api_version: self.api_version.clone(),
            kind: self.kind.clone(),
            ..Self::default()
        };
        if self == empty {
            return Err(invalid("kustomization.yaml is empty".into()));
        }
        if self.kind.is_empty() {
            self.kind = "Kustomization".into();
        }
        let required = if self.kind == "Component" {
            COMPONENT_API_VERSION
        } else {
            KUSTOMIZATION_API_VERSION
        };
        if self.kind != "Kustomization" && self.kind != "Component" {
            return Err(invalid("kind should be Kustomization or Component".into()));
        }
        if self.api_version.is_empty() {
            self.api_version = required.into();
        } else if self.api_version != required {
            return Err(invalid(format!(
                "apiVersion for {} should be {required}",
                self.kind
            )));
        }
        if let Some(bases) = self.bases.take() {
            self.resources.extend(bases);
        }
        let tags = std::mem::take(&mut self.image_tags);
        self.images.extend(tags);
        if self.helm_chart_inflation_generator.is_some() {
            return Err(invalid(
                "helmChartInflationGenerator: not supported; use helmCharts".into(),
            ));
        }
        Ok(self)
    }

    /// Whether this is a `Component`.
    pub fn is_component(&self) -> bool {
        self.kind == "Component"
    }
}

/// The 1-based line where top-level field `key` starts, if it is written
/// as a plain or quoted key at the start of a line.
fn top_level_line(text: &str, key: &str) -> Option<usize> {
    let spellings = [key.to_owned(), format!("\"{key}\""), format!("'{key}'")];
    text.lines()
        .position(|line| {
            spellings.iter().any(|k| {
                line.strip_prefix(k.as_str())
                    .is_some_and(|rest| rest.trim_start().starts_with(':'))
            })
        })
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Kustomization, Error> {
        Kustomization::parse(s.as_bytes(), Path::new("k.yaml"))?.fixed(Path::new("k.yaml"))
    }

    #[test]
    fn folds_deprecated_fields() {
        let k = parse("bases: [../b]\nresources: [a.yaml]\nimageTags: [{name: x, newTag: '1'}]\n")
            .unwrap();
        assert_eq!(k.resources, vec!["a.yaml", "../b"]);
        assert_eq!(k.images.len(), 1);
        assert_eq!(k.kind, "Kustomization");
        assert_eq!(k.api_version, KUSTOMIZATION_API_VERSION);
    }

    #[test]
    fn rejects_unknown_field_naming_it() {
        let err = parse("resourcez: [a.yaml]\n").unwrap_err().to_string();
        assert!(err.contains("k.yaml") && err.contains("resourcez"), "{err}");
    }

    #[test]
    fn rejects_empty_kustomization() {
        let err = parse("apiVersion: kustomize.config.k8s.io/v1beta1\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("empty"), "{err}");
        // A null list is unset (kubectl: "kustomization.yaml is empty") ...
        assert!(parse("kind: Kustomization\nresources:\n").is_err());
        // ... but an empty one is not (kubectl builds it to nothing).
        let k = parse("kind: Kustomization\nresources: []\n").unwrap();
        assert!(k.resources.is_empty());
        assert!(parse("commonLabels: {}\n").is_ok());
    }

    #[test]
    fn rejects_wrong_kind() {
        assert!(parse("kind: Deployment\nresources: [a]\n").is_err());
    }

    #[test]
    fn wrong_type_names_the_field() {
        let err = parse("namePrefix: [a]\n").unwrap_err().to_string();
        assert!(err.contains("invalid Kustomization"), "{err}");
        let err = parse("resources: [a]\ncommonLabels: true\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("field commonLabels (line 2)"), "{err}");
        let err = parse("images:\n- name: x\n  newTag: [1]\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("field images[0].newTag (line 1)"), "{err}");
    }
}
