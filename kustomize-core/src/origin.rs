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
    /// The file it was read from, relative to the build root (or to the
    /// root of `repo`).
    pub path: String,
    /// The remote repository it came from (its clone URL), if remote.
    pub repo: String,
    /// The ref of `repo` named by the URL.
    pub git_ref: String,
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
        field("repo", &self.repo, "");
        field("ref", &self.git_ref, "");
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

/// Where a kustomization lies, for the origins of what it reads and
/// configures: a directory relative to the build root, or to the root of
/// a remote repository (kustomize's origin that paths are appended to).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OriginBase {
    /// The directory.
    pub path: String,
    /// The repository's clone URL, if remote.
    pub repo: String,
    /// The ref of `repo`.
    pub git_ref: String,
}

impl OriginBase {
    /// The base of `entry` (a file, directory or Git URL) named here, as
    /// kustomize's `Origin.Append`: a Git URL starts a new repository
    /// whose path is the URL's directory, taken as kustomize takes it from
    /// `/notCloned/<dir>` (so a repository's root is `notCloned`).
    pub fn append(&self, entry: &str) -> Self {
        match crate::remote::RepoSpec::parse(entry) {
            Ok(spec) => {
                let abs = spec.abs_path(std::path::Path::new("/notCloned"));
                let abs = abs.to_string_lossy();
                let after_first = abs.get(1..).unwrap_or_default();
                let path = match after_first.find('/') {
                    Some(i) => abs.get(i + 2..).unwrap_or_default(),
                    None => after_first,
                };
                Self {
                    path: join_clean("", path),
                    repo: spec.clone_spec(),
                    git_ref: spec.git_ref,
                }
            }
            Err(_) => Self {
                path: join_clean(&self.path, entry),
                ..self.clone()
            },
        }
    }

    /// The origin of a resource read from `entry`.
    pub fn file(&self, entry: &str) -> Origin {
        let base = self.append(entry);
        Origin {
            path: base.path,
            repo: base.repo,
            git_ref: base.git_ref,
            ..Origin::default()
        }
    }

    /// The origin of builtin plugin `kind` configured in kustomization
    /// file `file_name` of this directory.
    pub fn builtin(&self, file_name: &str, kind: &str) -> Origin {
        Origin {
            repo: self.repo.clone(),
            git_ref: self.git_ref.clone(),
            ..Origin::builtin(join_clean(&self.path, file_name), kind)
        }
    }
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
    fn appends_like_kustomize() {
        let root = OriginBase::default();
        assert_eq!(root.file("svc.yaml").path, "svc.yaml");
        let remote = root.append("file:///tmp/repo//base?ref=v1");
        assert_eq!(
            remote,
            OriginBase {
                path: "base".into(),
                repo: "file:///tmp/repo".into(),
                git_ref: "v1".into()
            }
        );
        assert_eq!(remote.file("deploy.yaml").path, "base/deploy.yaml");
        assert_eq!(root.append("file:///tmp/repo2").path, "notCloned");
        assert_eq!(
            root.file("http://127.0.0.1:1/cm.yaml").path,
            "http:/127.0.0.1:1/cm.yaml"
        );
    }

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
