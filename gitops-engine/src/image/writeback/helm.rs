//! Helm write-back: an update becomes Helm parameters (`image.name` and
//! `image.tag`, or the paths the `<alias>.helm.*` annotations name), which
//! go into `spec.source.helm.parameters` (method `argocd`), the
//! `helm.parameters` of `.argocd-source-<app>.yaml` (method `git`, default
//! target) or the keys of a values file (target `helmvalues[:<file>]`), as
//! Argo CD Image Updater writes them.

use serde_json::{Map, Value};

use crate::source::HelmParameter;

/// Default parameter for the image name.
pub const DEFAULT_NAME_PARAMETER: &str = "image.name";
/// Default parameter for the image tag.
pub const DEFAULT_TAG_PARAMETER: &str = "image.tag";

/// The `<alias>.helm.image-name`, `.helm.image-tag` and `.helm.image-spec`
/// annotations of one image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HelmImageParameters {
    /// The parameter set to the image name (default `image.name`).
    pub name: Option<String>,
    /// The parameter set to the tag (default `image.tag`).
    pub tag: Option<String>,
    /// One parameter set to `name:tag`; when given, `name` and `tag` are not set.
    pub spec: Option<String>,
}

impl HelmImageParameters {
    /// The parameters for image `name` at `version` (a tag, `tag@digest`
    /// or a digest), all `forceString` as Argo CD Image Updater sets them.
    pub fn parameters(&self, name: &str, version: &str) -> Vec<HelmParameter> {
        let param = |path: &str, value: String| HelmParameter {
            name: path.to_owned(),
            value,
            force_string: true,
        };
        if let Some(spec) = &self.spec {
            let separator = if version.starts_with("sha256:") {
                "@"
            } else {
                ":"
            };
            return vec![param(spec, format!("{name}{separator}{version}"))];
        }
        vec![
            param(
                self.name.as_deref().unwrap_or(DEFAULT_NAME_PARAMETER),
                name.to_owned(),
            ),
            param(
                self.tag.as_deref().unwrap_or(DEFAULT_TAG_PARAMETER),
                version.to_owned(),
            ),
        ]
    }
}

/// `current` with each of `updates` set: an entry of the same name is
/// replaced, a new one added; the result is sorted by name (Argo CD Image
/// Updater's order).
pub fn merge_parameters(
    current: &[HelmParameter],
    updates: &[HelmParameter],
) -> Vec<HelmParameter> {
    let mut out: Vec<HelmParameter> = current
        .iter()
        .filter(|p| !updates.iter().any(|u| u.name == p.name))
        .cloned()
        .collect();
    out.extend(updates.iter().cloned());
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The parameters at `pointer` of `doc` (absent or null: none).
pub fn parameters_at(doc: &Value, pointer: &str) -> Result<Vec<HelmParameter>, String> {
    match doc.pointer(pointer) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(list) => serde_json::from_value(list.clone()).map_err(|e| e.to_string()),
    }
}

/// The text of an override file (`.argocd-source-<app>.yaml`) with
/// `updates` merged into its `helm.parameters`; the rest of the file is kept
/// (its comments are not: the file is written anew, as the updater does).
pub fn set_source_file_parameters(text: &str, updates: &[HelmParameter]) -> Result<String, String> {
    let mut doc = kustomize_core::yaml::parse_document(text).map_err(|e| e.to_string())?;
    if doc.is_null() {
        doc = Value::Object(Map::new());
    }
    let current =
        parameters_at(&doc, "/helm/parameters").map_err(|e| format!("helm.parameters: {e}"))?;
    let merged =
        serde_json::to_value(merge_parameters(&current, updates)).map_err(|e| e.to_string())?;
    let Value::Object(root) = &mut doc else {
        return Err("expected a mapping (a partial ApplicationSource)".into());
    };
    let helm = root
        .entry("helm")
        .or_insert_with(|| Value::Object(Map::new()));
    if helm.is_null() {
        *helm = Value::Object(Map::new());
    }
    let Value::Object(helm) = helm else {
        return Err("helm: expected a mapping".into());
    };
    helm.insert("parameters".into(), merged);
    let mut out = String::new();
    kustomize_core::yaml::emit_document(&doc, &mut out);
    Ok(out)
}

/// The text of a values file with each parameter's path (`a.b`, list
/// items as `a[0].b`) set to its value as a string, creating the maps on
/// the way; the file is written anew (comments are not kept).
pub fn set_values(text: &str, updates: &[HelmParameter]) -> Result<String, String> {
    let mut doc = kustomize_core::yaml::parse_document(text).map_err(|e| e.to_string())?;
    if doc.is_null() {
        doc = Value::Object(Map::new());
    }
    for param in updates {
        let mut node = &mut doc;
        for step in parse_path(&param.name)? {
            node = match step {
                Step::Key(key) => match node {
                    Value::Object(map) => {
                        map.entry(key).or_insert_with(|| Value::Object(Map::new()))
                    }
                    _ => return Err(format!("{}: {key:?} is not below a mapping", param.name)),
                },
                Step::Index(i) => match node {
                    Value::Array(items) if i < items.len() => &mut items[i],
                    _ => return Err(format!("{}: no list item {i}", param.name)),
                },
            };
        }
        *node = Value::String(param.value.clone());
    }
    let mut out = String::new();
    kustomize_core::yaml::emit_document(&doc, &mut out);
    Ok(out)
}

/// One step of a parameter path.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// `a.b[0].c` as steps.
fn parse_path(path: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = part.split_at(part.find('[').unwrap_or(part.len()));
        if key.is_empty() && steps.is_empty() || part.is_empty() {
            return Err(format!("{path:?}: empty key"));
        }
        if !key.is_empty() {
            steps.push(Step::Key(key.to_owned()));
        }
        while let Some(inner) = rest.strip_prefix('[') {
            let (index, after) = inner
                .split_once(']')
                .ok_or_else(|| format!("{path:?}: unclosed ["))?;
            let index = index
                .parse()
                .map_err(|_| format!("{path:?}: {index:?} is not a list index"))?;
            steps.push(Step::Index(index));
            rest = after;
        }
        if !rest.is_empty() {
            return Err(format!("{path:?}: unexpected {rest:?}"));
        }
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn param(name: &str, value: &str) -> HelmParameter {
        HelmParameter {
            name: name.into(),
            value: value.into(),
            force_string: true,
        }
    }

    #[test]
    fn parameters_follow_the_annotations() {
        let default = HelmImageParameters::default();
        assert_eq!(
            default.parameters("nginx", "1.21.0"),
            [param("image.name", "nginx"), param("image.tag", "1.21.0")]
        );
        let named = HelmImageParameters {
            name: Some("web.image.repository".into()),
            tag: Some("web.image.tag".into()),
            spec: None,
        };
        assert_eq!(
            named.parameters("nginx", "1.21.0"),
            [
                param("web.image.repository", "nginx"),
                param("web.image.tag", "1.21.0")
            ]
        );
        let spec = HelmImageParameters {
            spec: Some("image".into()),
            ..named
        };
        assert_eq!(
            spec.parameters("nginx", "1.21.0"),
            [param("image", "nginx:1.21.0")]
        );
        assert_eq!(
            spec.parameters("nginx", "sha256:abc"),
            [param("image", "nginx@sha256:abc")]
        );
    }

    #[test]
    fn override_files_merge_parameters_sorted() {
        let text = "helm:\n  parameters:\n  - name: replicas\n    value: \"2\"\n  - name: image.tag\n    value: \"1.0\"\n    forceString: true\n  valueFiles:\n  - prod.yaml\n";
        let out = set_source_file_parameters(
            text,
            &[param("image.name", "nginx"), param("image.tag", "1.1")],
        )
        .unwrap();
        assert_eq!(
            out,
            "helm:\n  parameters:\n  - forceString: true\n    name: image.name\n    value: nginx\n  - forceString: true\n    name: image.tag\n    value: \"1.1\"\n  - forceString: false\n    name: replicas\n    value: \"2\"\n  valueFiles:\n  - prod.yaml\n"
        );
        // What Argo CD Image Updater writes (`forcestring`) reads too.
        let iu =
            "helm:\n  parameters:\n  - name: image.tag\n    value: v1\n    forcestring: true\n";
        let doc = kustomize_core::yaml::parse_document(iu).unwrap();
        assert_eq!(
            parameters_at(&doc, "/helm/parameters").unwrap(),
            [param("image.tag", "v1")]
        );
        assert_eq!(
            set_source_file_parameters("", &[param("image.tag", "v2")]).unwrap(),
            "helm:\n  parameters:\n  - forceString: true\n    name: image.tag\n    value: v2\n"
        );
    }

    #[test]
    fn values_files_get_the_keys_set() {
        let text = "image:\n  name: nginx\n  tag: \"1.0\"\nsidecars:\n- image:\n    tag: a\n";
        let out = set_values(
            text,
            &[
                param("image.tag", "1.1"),
                param("sidecars[0].image.tag", "b"),
                param("new.path", "x"),
            ],
        )
        .unwrap();
        assert_eq!(
            kustomize_core::yaml::parse_document(&out).unwrap(),
            json!({"image": {"name": "nginx", "tag": "1.1"}, "sidecars": [{"image": {"tag": "b"}}], "new": {"path": "x"}})
        );
        assert!(set_values(text, &[param("sidecars[3].tag", "x")]).is_err());
        assert!(set_values(text, &[param("image.tag.deeper", "x")]).is_err());
        assert!(set_values(text, &[param("a..b", "x")]).is_err());
    }
}
