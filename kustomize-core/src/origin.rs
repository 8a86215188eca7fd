//! Provenance of resources, recorded when the root kustomization's
//! `buildMetadata` asks for it: `originAnnotations` adds
//! `config.kubernetes.io/origin` (the file a resource came from, or the
//! generator that made it), `transformerAnnotations` adds
//! `alpha.config.kubernetes.io/transformations` (the transformers that ran
//! over it), both in the YAML form kustomize writes.

/// The annotation holding a resource's origin.
pub const ORIGIN_ANNOTATION: &str = "config.kubernetes.io/origin";
/// The annotation listing the transformers applied to a resource.
pub const TRANSFORMATIONS_ANNOTATION: &str = "alpha.config.kubernetes.io/transformations";

/// The plugin config that generated or transformed a resource.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConfiguredBy {
    /// `apiVersion` of the config (`builtin` for builtin plugins).
    pub api_version: String,
    /// Kind of the config, e.g. `ConfigMapGenerator`.
    pub kind: String,
    /// `metadata.name` of the config, if it has one.
    pub name: String,
    /// `metadata.namespace` of the config, if it has one.
    pub namespace: String,
}

/// Where a resource came from, or a transformer that touched it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Origin {
    /// The file it was read from, relative to the build root.
    pub path: String,
    /// The kustomization (or config file) that configured its generator or transformer.
    pub configured_in: String,
    /// The generator or transformer config.
    pub configured_by: Option<ConfiguredBy>,
}

impl Origin {
    /// An origin for a resource read from `path`.
    pub fn file(path: String) -> Self {
        Self {
            path,
            ..Self::default()
        }
    }

    /// An origin for a builtin plugin configured in `configured_in`.
    pub fn builtin(configured_in: String, kind: &str) -> Self {
        Self {
            configured_in,
            configured_by: Some(ConfiguredBy {
                api_version: "builtin".into(),
                kind: kind.into(),
                ..ConfiguredBy::default()
            }),
            ..Self::default()
        }
    }

    /// The fields as YAML lines (no trailing newline), each prefixed by `indent`.
    fn lines(&self, indent: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut field = |key: &str, value: &str, pad: &str| {
            if !value.is_empty() {
                out.push(format!("{indent}{pad}{key}: {value}"));
            }
        };
        field("path", &self.path, "");
        field("configuredIn", &self.configured_in, "");
        if let Some(by) = &self.configured_by {
            out.push(format!("{indent}configuredBy:"));
            let mut sub = |key: &str, value: &str| {
                if !value.is_empty() {
                    out.push(format!("{indent}  {key}: {value}"));
                }
            };
            sub("apiVersion", &by.api_version);
            sub("kind", &by.kind);
            sub("name", &by.name);
            sub("namespace", &by.namespace);
        }
        out
    }

    /// The value of the origin annotation.
    pub fn to_annotation(&self) -> String {
        let mut s = self.lines("").join("\n");
        s.push('\n');
        s
    }
}

/// The value of the transformations annotation for a list of origins.
pub fn transformations_annotation(list: &[Origin]) -> String {
    let mut s = String::new();
    for o in list {
        for (i, line) in o.lines("  ").into_iter().enumerate() {
            if i == 0 {
                s.push_str("- ");
                s.push_str(line.trim_start());
            } else {
                s.push_str(&line);
            }
            s.push('\n');
        }
    }
    s
}

/// Joins two slash-separated relative paths and cleans the result
/// lexically, as Go's `filepath.Join` does (`../base` + `a.yaml` →
/// `../base/a.yaml`, `a/..` → `.`).
pub fn join_clean(dir: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in dir.split('/').chain(rel.split('/')) {
        match p {
            "" | "." => {}
            ".." if parts.last().is_some_and(|l| *l != "..") => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_like_go() {
        assert_eq!(join_clean("", "service.yaml"), "service.yaml");
        assert_eq!(join_clean("../base", "ns.yaml"), "../base/ns.yaml");
        assert_eq!(join_clean("a/b", "../c"), "a/c");
        assert_eq!(join_clean("..", "../x"), "../../x");
        assert_eq!(join_clean("a", ".."), ".");
    }

    #[test]
    fn formats_like_kustomize() {
        assert_eq!(
            Origin::file("service.yaml".into()).to_annotation(),
            "path: service.yaml\n"
        );
        let o = Origin::builtin("kustomization.yaml".into(), "PrefixTransformer");
        assert_eq!(
            o.to_annotation(),
            "configuredIn: kustomization.yaml\nconfiguredBy:\n  apiVersion: builtin\n  kind: PrefixTransformer\n"
        );
        assert_eq!(
            transformations_annotation(&[o]),
            "- configuredIn: kustomization.yaml\n  configuredBy:\n    apiVersion: builtin\n    kind: PrefixTransformer\n"
        );
    }
}
