//! The `argocd-image-updater.argoproj.io/*` annotations of an Argo CD
//! Application, parsed into image specs and the write-back configuration.
//!
//! Per-image settings use the image's alias (`<alias>.<setting>`, a `/` in
//! the alias written `_`) and fall back to the app-wide `<setting>`;
//! `platforms` and `kustomize.image-name` are per-image only. Every error
//! names the annotation. Unlike Argo CD Image Updater, an unknown
//! `update-strategy`, `write-back-method` or `write-back-target` is an error,
//! and so is a Go template in `git-branch` (not supported here).

use serde_json::{Map, Value};

use super::registry::{PullSecretError, PullSecretRef};
use super::spec::{ImageSettings, ImageSpec, SpecError};
use super::writeback::HelmImageParameters;

/// The annotation prefix.
pub const PREFIX: &str = "argocd-image-updater.argoproj.io/";

/// One image of the `image-list` with its own settings.
#[derive(Debug, Clone)]
pub struct ManagedImage {
    /// The validated spec (strategy, filters, platforms).
    pub spec: ImageSpec,
    /// The image name as written in the list (no constraint), used in
    /// write-back (`nginx`, not `docker.io/library/nginx`).
    pub name: String,
    /// `<alias>.kustomize.image-name`: the name in the kustomization to
    /// rewrite (`kustomize edit set image <that>=<name>:<tag>`).
    pub kustomize_image_name: Option<String>,
    /// `<alias>.helm.image-name`, `.helm.image-tag`, `.helm.image-spec`:
    /// the Helm parameters an update sets.
    pub helm: HelmImageParameters,
    /// `force-update`: update even when the image is not deployed.
    pub force_update: bool,
    /// `pull-secret`: where registry credentials come from.
    pub pull_secret: Option<PullSecretRef>,
}

/// How updates are written back.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum WriteBackMethod {
    /// `argocd` (default): patch the Application's `spec.source.kustomize.images`.
    #[default]
    Argocd,
    /// `git`, `git:repocreds` or `git:secret:[<ns>/]<name>`: commit to the
    /// source repository.
    Git {
        /// Where the Git credentials come from.
        credentials: GitCredentialsRef,
    },
}

/// The credentials of the `git` write-back method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GitCredentialsRef {
    /// `git` / `git:repocreds`: the repository credentials Argo CD has.
    RepoCreds,
    /// `git:secret:[<namespace>/]<name>`: a Secret with `username` and
    /// `password`, or `sshPrivateKey`.
    Secret {
        /// The Secret's namespace (`None`: the application's).
        namespace: Option<String>,
        /// The Secret's name.
        name: String,
    },
}

/// The file the `git` method edits.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum WriteBackTarget {
    /// Default: `.argocd-source-<app>.yaml` in the source path.
    #[default]
    SourceFile,
    /// `kustomization[:<dir>]`: the kustomization in `dir` (relative to the
    /// source path, or from the repository root when it starts with `/`;
    /// empty = the source path).
    Kustomization {
        /// The directory as written.
        dir: String,
    },
    /// `helmvalues[:<file>]`: the values file (relative to the source path,
    /// or from the repository root when it starts with `/`; `helmvalues`
    /// alone: `values.yaml` of the source path).
    HelmValues {
        /// The file as written (`values.yaml` when not given).
        file: String,
    },
}

/// `git-branch`: the branch to check out and the branch to push to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GitBranch {
    /// Base branch (`None`: the application's `targetRevision`).
    pub base: Option<String>,
    /// Branch pushed to when it differs from the base (`None`: the base).
    pub write: Option<String>,
}

/// The write-back part of the annotations.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WriteBackConfig {
    /// `write-back-method`.
    pub method: WriteBackMethod,
    /// `write-back-target`.
    pub target: WriteBackTarget,
    /// `git-branch`.
    pub branch: GitBranch,
}

/// Everything the annotations configure.
#[derive(Debug, Clone)]
pub struct UpdaterConfig {
    /// The images of `image-list`, in order.
    pub images: Vec<ManagedImage>,
    /// Write-back settings.
    pub write_back: WriteBackConfig,
}

/// Why the annotations are unusable; every variant names the annotation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnnotationError {
    /// `image-list` is missing or empty.
    #[error("annotation {PREFIX}image-list: missing or empty")]
    NoImageList,
    /// An annotation value is not a string.
    #[error("annotation {annotation}: expected a string value")]
    NotAString {
        /// The full annotation key.
        annotation: String,
    },
    /// An image-list entry (with the settings that apply to it) is invalid.
    #[error("annotation {PREFIX}image-list: {source}")]
    Image {
        /// The spec error, which names the entry.
        #[source]
        source: SpecError,
    },
    /// Two entries share an alias.
    #[error("annotation {PREFIX}image-list: alias {0:?} is used twice")]
    DuplicateAlias(String),
    /// A pull-secret reference is malformed.
    #[error("annotation {annotation}: {source}")]
    PullSecret {
        /// The full annotation key.
        annotation: String,
        /// The parse error.
        #[source]
        source: PullSecretError,
    },
    /// Any other bad value.
    #[error("annotation {annotation}: {problem}")]
    Invalid {
        /// The full annotation key.
        annotation: String,
        /// What is wrong.
        problem: String,
    },
}

/// Reads the annotations (the `metadata.annotations` object of an Application).
pub fn parse_annotations(
    annotations: &Map<String, Value>,
) -> Result<UpdaterConfig, AnnotationError> {
    let get = |key: &str| -> Result<Option<&str>, AnnotationError> {
        let full = format!("{PREFIX}{key}");
        match annotations.get(&full) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim())),
            Some(_) => Err(AnnotationError::NotAString { annotation: full }),
        }
    };
    let list = get("image-list")?
        .filter(|l| !l.is_empty())
        .ok_or(AnnotationError::NoImageList)?;
    let mut images: Vec<ManagedImage> = Vec::new();
    for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let alias = alias_of(entry);
        // Per-image value first, then the app-wide one.
        let setting = |key: &str| -> Result<Option<(String, &str)>, AnnotationError> {
            if let Some(alias) = alias {
                let own = format!("{}.{key}", alias.replace('/', "_"));
                if let Some(v) = get(&own)? {
                    return Ok(Some((format!("{PREFIX}{own}"), v)));
                }
            }
            Ok(get(key)?.map(|v| (format!("{PREFIX}{key}"), v)))
        };
        let own = |key: &str| -> Result<Option<&str>, AnnotationError> {
            match alias {
                Some(alias) => get(&format!("{}.{key}", alias.replace('/', "_"))),
                None => Ok(None),
            }
        };
        let settings = ImageSettings {
            update_strategy: setting("update-strategy")?.map(|(_, v)| v.to_owned()),
            allow_tags: setting("allow-tags")?.map(|(_, v)| v.to_owned()),
            ignore_tags: comma_list(setting("ignore-tags")?.map(|(_, v)| v)),
            platforms: comma_list(own("platforms")?),
        };
        let spec = ImageSpec::parse(entry, &settings)
            .map_err(|source| AnnotationError::Image { source })?;
        if let Some(alias) = &spec.alias
            && images.iter().any(|i| i.spec.alias.as_ref() == Some(alias))
        {
            return Err(AnnotationError::DuplicateAlias(alias.clone()));
        }
        let force_update = match setting("force-update")? {
            None => false,
            Some((annotation, v)) => parse_bool(v).ok_or_else(|| AnnotationError::Invalid {
                annotation,
                problem: format!("{v:?} is not a boolean"),
            })?,
        };
        let pull_secret = setting("pull-secret")?
            .map(|(annotation, v)| {
                PullSecretRef::parse(v)
                    .map_err(|source| AnnotationError::PullSecret { annotation, source })
            })
            .transpose()?;
        images.push(ManagedImage {
            name: written_name(entry).to_owned(),
            kustomize_image_name: own("kustomize.image-name")?
                .filter(|n| !n.is_empty())
                .map(str::to_owned),
            helm: HelmImageParameters {
                name: own("helm.image-name")?
                    .filter(|n| !n.is_empty())
                    .map(str::to_owned),
                tag: own("helm.image-tag")?
                    .filter(|n| !n.is_empty())
                    .map(str::to_owned),
                spec: own("helm.image-spec")?
                    .filter(|n| !n.is_empty())
                    .map(str::to_owned),
            },
            spec,
            force_update,
            pull_secret,
        });
    }
    if images.is_empty() {
        return Err(AnnotationError::NoImageList);
    }
    let write_back = WriteBackConfig {
        method: parse_method(get("write-back-method")?)?,
        target: parse_target(get("write-back-target")?)?,
        branch: parse_branch(get("git-branch")?)?,
    };
    Ok(UpdaterConfig { images, write_back })
}

/// The alias of `[alias=]image[:constraint]`: text before an `=` that comes
/// before the first `:` (as [`ImageSpec::parse`] reads it).
fn alias_of(entry: &str) -> Option<&str> {
    let head = entry.split(':').next().unwrap_or(entry);
    head.split_once('=')
        .map(|(alias, _)| alias.trim())
        .filter(|a| !a.is_empty())
}

/// The image name of an entry as written: no alias, constraint or digest.
fn written_name(entry: &str) -> &str {
    let head_end = entry.find(':').unwrap_or(entry.len());
    let image = match entry[..head_end].find('=') {
        Some(eq) => &entry[eq + 1..],
        None => entry,
    };
    super::reference::split_reference(image.trim()).name
}

/// A comma-separated list, entries trimmed, empty ones dropped.
fn comma_list(value: Option<&str>) -> Vec<String> {
    value
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Go's `strconv.ParseBool`.
fn parse_bool(value: &str) -> Option<bool> {
    match value {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

fn invalid(key: &str, problem: impl Into<String>) -> AnnotationError {
    AnnotationError::Invalid {
        annotation: format!("{PREFIX}{key}"),
        problem: problem.into(),
    }
}

fn parse_method(value: Option<&str>) -> Result<WriteBackMethod, AnnotationError> {
    let key = "write-back-method";
    let credentials = match value.unwrap_or("argocd") {
        "" | "argocd" => return Ok(WriteBackMethod::Argocd),
        "git" | "git:repocreds" => GitCredentialsRef::RepoCreds,
        other => {
            let secret = other.strip_prefix("git:secret:").ok_or_else(|| {
                invalid(
                    key,
                    format!("{other:?}: expected argocd, git, git:repocreds or git:secret:[<namespace>/]<name>"),
                )
            })?;
            let (namespace, name) = match secret.split_once('/') {
                Some((ns, name)) => (Some(ns.to_owned()), name),
                None => (None, secret),
            };
            if name.is_empty() || name.contains('/') || namespace.as_deref() == Some("") {
                return Err(invalid(key, format!("{other:?}: bad secret reference")));
            }
            GitCredentialsRef::Secret {
                namespace,
                name: name.to_owned(),
            }
        }
    };
    Ok(WriteBackMethod::Git { credentials })
}

fn parse_target(value: Option<&str>) -> Result<WriteBackTarget, AnnotationError> {
    let key = "write-back-target";
    match value {
        None | Some("") => Ok(WriteBackTarget::SourceFile),
        Some("kustomization") => Ok(WriteBackTarget::Kustomization { dir: String::new() }),
        Some(v) => match v.strip_prefix("kustomization:") {
            Some(dir) => Ok(WriteBackTarget::Kustomization {
                dir: dir.trim().to_owned(),
            }),
            None if v == "helmvalues" => Ok(WriteBackTarget::HelmValues {
                file: "values.yaml".into(),
            }),
            None => match v.strip_prefix("helmvalues:").map(str::trim) {
                Some(file) if !file.is_empty() => Ok(WriteBackTarget::HelmValues {
                    file: file.to_owned(),
                }),
                _ => Err(invalid(
                    key,
                    format!("{v:?}: expected kustomization[:<dir>] or helmvalues[:<file>]"),
                )),
            },
        },
    }
}

fn parse_branch(value: Option<&str>) -> Result<GitBranch, AnnotationError> {
    let key = "git-branch";
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return Ok(GitBranch::default());
    };
    if value.contains("{{") {
        return Err(invalid(key, "branch templates are not supported"));
    }
    let some = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let branch = match value.split_once(':') {
        Some((base, write)) => {
            let write = some(write)
                .ok_or_else(|| invalid(key, format!("{value:?}: empty write branch")))?;
            GitBranch {
                base: some(base),
                write: Some(write),
            }
        }
        None => GitBranch {
            base: some(value),
            write: None,
        },
    };
    Ok(branch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::Strategy;
    use serde_json::json;

    fn annotations(pairs: &[(&str, &str)]) -> Map<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| (format!("{PREFIX}{k}"), json!(v)))
            .collect()
    }

    #[test]
    fn per_alias_settings_win_over_app_wide_ones() {
        let config = parse_annotations(&annotations(&[
            (
                "image-list",
                "web=nginx:~1.20, cache=ghcr.io/org/redis, plain:1.x",
            ),
            ("update-strategy", "alphabetical"),
            ("web.update-strategy", "semver"),
            ("allow-tags", r"regexp:^\d"),
            ("cache.ignore-tags", "*-rc*, dev"),
            ("cache.platforms", "linux/amd64,linux/arm64"),
            ("web.kustomize.image-name", "nginx-orig"),
            ("force-update", "true"),
            ("web.force-update", "F"),
            ("cache.pull-secret", "pullsecret:argocd/regcred"),
        ]))
        .unwrap();
        let [web, cache, plain] = &config.images[..] else {
            panic!("three images");
        };
        assert_eq!(web.name, "nginx");
        assert!(matches!(
            web.spec.strategy,
            Strategy::Semver {
                constraint: Some(_)
            }
        ));
        assert_eq!(web.kustomize_image_name.as_deref(), Some("nginx-orig"));
        assert!(!web.force_update);
        assert!(
            !web.spec.filter.accepts("v1"),
            "app-wide allow-tags applies"
        );
        assert_eq!(cache.name, "ghcr.io/org/redis");
        assert_eq!(cache.spec.strategy, Strategy::Alphabetical);
        assert!(!cache.spec.filter.accepts("1.0-rc1") && cache.spec.filter.accepts("1.0"));
        assert_eq!(cache.spec.platforms.len(), 2);
        assert!(cache.force_update);
        assert_eq!(
            cache.pull_secret,
            Some(PullSecretRef::PullSecret {
                namespace: "argocd".into(),
                name: "regcred".into()
            })
        );
        assert_eq!(plain.spec.alias, None);
        assert!(plain.spec.platforms.is_empty());
        assert_eq!(plain.name, "plain");
        assert_eq!(config.write_back, WriteBackConfig::default());
    }

    #[test]
    fn write_back_settings() {
        let parse = |pairs: &[(&str, &str)]| {
            let mut all = vec![("image-list", "nginx")];
            all.extend_from_slice(pairs);
            parse_annotations(&annotations(&all)).map(|c| c.write_back)
        };
        let wb = parse(&[
            ("write-back-method", "git:secret:argocd/git-creds"),
            ("write-back-target", "kustomization:../../base"),
            ("git-branch", "main:image-updates"),
        ])
        .unwrap();
        assert_eq!(
            wb.method,
            WriteBackMethod::Git {
                credentials: GitCredentialsRef::Secret {
                    namespace: Some("argocd".into()),
                    name: "git-creds".into()
                }
            }
        );
        assert_eq!(
            wb.target,
            WriteBackTarget::Kustomization {
                dir: "../../base".into()
            }
        );
        assert_eq!(wb.branch.base.as_deref(), Some("main"));
        assert_eq!(wb.branch.write.as_deref(), Some("image-updates"));
        let wb = parse(&[("write-back-method", "git"), ("git-branch", ":updates")]).unwrap();
        assert_eq!(
            wb.method,
            WriteBackMethod::Git {
                credentials: GitCredentialsRef::RepoCreds
            }
        );
        assert_eq!(
            wb.branch,
            GitBranch {
                base: None,
                write: Some("updates".into())
            }
        );
        assert_eq!(
            parse(&[("write-back-target", "kustomization")])
                .unwrap()
                .target,
            WriteBackTarget::Kustomization { dir: String::new() }
        );
    }

    #[test]
    fn helm_write_back_settings() {
        let config = parse_annotations(&annotations(&[
            ("image-list", "web=nginx:1.x,redis"),
            ("web.helm.image-name", "web.image.repository"),
            ("web.helm.image-tag", "web.image.tag"),
            ("redis.helm.image-spec", "ignored: no alias"),
            ("write-back-target", "helmvalues:/env/prod/values.yaml"),
        ]))
        .unwrap();
        assert_eq!(
            config.images[0].helm,
            HelmImageParameters {
                name: Some("web.image.repository".into()),
                tag: Some("web.image.tag".into()),
                spec: None,
            }
        );
        assert_eq!(config.images[1].helm, HelmImageParameters::default());
        assert_eq!(
            config.write_back.target,
            WriteBackTarget::HelmValues {
                file: "/env/prod/values.yaml".into()
            }
        );
        let target = |v: &str| {
            parse_annotations(&annotations(&[
                ("image-list", "nginx"),
                ("write-back-target", v),
            ]))
            .unwrap()
            .write_back
            .target
        };
        assert_eq!(
            target("helmvalues"),
            WriteBackTarget::HelmValues {
                file: "values.yaml".into()
            }
        );
    }

    #[test]
    fn annotations_errors_name_the_annotation() {
        let err = |pairs: &[(&str, &str)]| {
            parse_annotations(&annotations(pairs))
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err(&[]),
            format!("annotation {PREFIX}image-list: missing or empty")
        );
        assert_eq!(
            err(&[("image-list", " , ")]),
            format!("annotation {PREFIX}image-list: missing or empty")
        );
        let e = err(&[("image-list", "a=")]);
        assert!(
            e.starts_with(&format!(
                "annotation {PREFIX}image-list: image-list entry \"a=\""
            )),
            "{e}"
        );
        let e = err(&[("image-list", "x=nginx"), ("x.update-strategy", "fastest")]);
        assert!(
            e.starts_with(&format!("annotation {PREFIX}image-list: ")) && e.contains("fastest"),
            "{e}"
        );
        assert_eq!(
            err(&[("image-list", "x=nginx"), ("x.force-update", "maybe")]),
            format!("annotation {PREFIX}x.force-update: \"maybe\" is not a boolean")
        );
        let e = err(&[("image-list", "nginx"), ("pull-secret", "vault:x")]);
        assert!(
            e.starts_with(&format!("annotation {PREFIX}pull-secret: pull-secret")),
            "{e}"
        );
        let e = err(&[("image-list", "nginx"), ("write-back-method", "svn")]);
        assert!(
            e.starts_with(&format!("annotation {PREFIX}write-back-method: \"svn\"")),
            "{e}"
        );
        let e = err(&[
            ("image-list", "nginx"),
            ("write-back-target", "helmvalues:"),
        ]);
        assert!(
            e.starts_with(&format!(
                "annotation {PREFIX}write-back-target: \"helmvalues:\""
            )),
            "{e}"
        );
        let e = err(&[("image-list", "nginx"), ("git-branch", "main:")]);
        assert!(
            e.starts_with(&format!("annotation {PREFIX}git-branch: ")),
            "{e}"
        );
        let e = err(&[
            ("image-list", "nginx"),
            ("git-branch", "main:u-{{.SHA256}}"),
        ]);
        assert!(e.contains("templates are not supported"), "{e}");
        assert_eq!(
            err(&[("image-list", "a=nginx,a=redis")]),
            format!("annotation {PREFIX}image-list: alias \"a\" is used twice")
        );
        let mut bad = annotations(&[("image-list", "nginx")]);
        bad.insert(format!("{PREFIX}force-update"), json!(true));
        assert_eq!(
            parse_annotations(&bad).unwrap_err().to_string(),
            format!("annotation {PREFIX}force-update: expected a string value")
        );
    }
}
