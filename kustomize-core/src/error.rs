//! The error type of a build.

use std::path::PathBuf;

/// Everything that can make a build fail. Messages name the file and the
/// field at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or the load restrictor refused it.
    #[error(transparent)]
    Load(#[from] crate::fs::LoadError),
    /// A file named in a kustomization field could not be read, or the load
    /// restrictor refused it.
    #[error("{}: {field}: {source}", kustomization.display())]
    Read {
        /// The kustomization file naming the file.
        kustomization: PathBuf,
        /// The field that names it (`resources`, `patches`, …).
        field: String,
        /// Why it could not be read.
        source: crate::fs::LoadError,
    },
    /// A file is not valid YAML.
    #[error("{}: {source}", path.display())]
    Yaml {
        /// The file that failed to parse.
        path: PathBuf,
        /// What is wrong with it.
        source: crate::yaml::YamlError,
    },
    /// The directory to build does not exist or is not a directory.
    #[error("must build at directory: '{}' is not a directory", dir.display())]
    NotADirectory {
        /// The path given.
        dir: PathBuf,
    },
    /// A directory holds no kustomization file.
    #[error(
        "unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '{}'",
        dir.display()
    )]
    MissingKustomization {
        /// The directory searched.
        dir: PathBuf,
    },
    /// A directory holds more than one kustomization file.
    #[error("Found multiple kustomization files under: {}", dir.display())]
    MultipleKustomizations {
        /// The directory searched.
        dir: PathBuf,
    },
    /// A field of a kustomization could not be applied; `source` says why,
    /// typed by the stage that failed.
    #[error("{}: {field}: {source}", path.display())]
    Field {
        /// The kustomization file.
        path: PathBuf,
        /// The field (`patches`, `replacements`, `configMapGenerator`, …).
        field: String,
        /// Why it failed.
        source: Box<FieldError>,
    },
    /// A step of the build over all its resources (content-hash suffixes,
    /// name references) failed.
    #[error("{}: {source}", path.display())]
    Step {
        /// The root kustomization.
        path: PathBuf,
        /// Why it failed.
        source: Box<FieldError>,
    },
    /// A kustomization or resource is well-formed YAML but says something invalid.
    #[error("{}: {message}", path.display())]
    Invalid {
        /// The file at fault.
        path: PathBuf,
        /// What is wrong, naming the field.
        message: String,
    },
    /// An override of the root kustomization
    /// ([`RootOverrides`](crate::RootOverrides)) cannot be applied.
    #[error("{}: {field}: {message}", path.display())]
    Override {
        /// The root kustomization file.
        path: PathBuf,
        /// The kustomization field the override edits (`commonLabels`, …).
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The build went past one of its [`BuildLimits`](crate::build::BuildLimits).
    #[error(
        "{}: the build loads more than {limit} {what} (a bound on the work of one build; raise it if the tree is meant to be this large)",
        path.display()
    )]
    LimitExceeded {
        /// The kustomization (file or directory) being loaded when the
        /// limit was reached.
        path: PathBuf,
        /// What was counted: `kustomizations`, `resources` or `bytes of
        /// resource files`.
        what: &'static str,
        /// The limit.
        limit: usize,
    },
}

/// Why a kustomization field could not be applied ([`Error::Field`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FieldError {
    /// The field's value does not have the expected shape.
    #[error(transparent)]
    Decode(#[from] serde_json::Error),
    /// A builtin transformer (namespace, prefix, labels, images, replicas, …) failed.
    #[error(transparent)]
    Transform(#[from] TransformError),
    /// A field spec (`configurations`, `crds`, a transformer's `fieldSpecs`) is invalid.
    #[error(transparent)]
    FieldSpec(#[from] FieldSpecError),
    /// A ConfigMap or Secret generator failed.
    #[error(transparent)]
    Generator(#[from] GeneratorError),
    /// A strategic merge patch could not be applied.
    #[error(transparent)]
    StrategicMerge(#[from] SmpError),
    /// A JSON 6902 patch could not be applied.
    #[error(transparent)]
    JsonPatch(#[from] Json6902Error),
    /// A patch or replacement target selector is invalid.
    #[error(transparent)]
    Selector(#[from] SelectorError),
    /// A replacement could not be applied.
    #[error(transparent)]
    Replacement(#[from] ReplacementError),
    /// A var could not be bound or expanded.
    #[error(transparent)]
    Var(#[from] VarError),
    /// Resources clash (same id) or a generated object has nothing to merge into.
    #[error(transparent)]
    ResMap(#[from] ResMapError),
    /// A name reference could not be updated.
    #[error(transparent)]
    NameRef(#[from] NameRefError),
    /// The error of a step within the field: `context` names what was being
    /// done (a patch's file, a transformer config's kind).
    #[error("{context}: {source}")]
    Within {
        /// What was being done.
        context: String,
        /// Why it failed.
        source: Box<FieldError>,
    },
    /// A check of the build itself failed; the text says which.
    #[error("{0}")]
    Invalid(String),
}

impl FieldError {
    /// `source`, met while doing `context`.
    pub(crate) fn within(context: impl Into<String>, source: impl Into<FieldError>) -> Self {
        Self::Within {
            context: context.into(),
            source: Box::new(source.into()),
        }
    }
}

pub use crate::fieldspec::FieldSpecError;
pub use crate::generators::GeneratorError;
pub use crate::json6902::Json6902Error;
pub use crate::nameref::NameRefError;
pub use crate::replacements::ReplacementError;
pub use crate::resmap::ResMapError;
pub use crate::selector::SelectorError;
pub use crate::smp::SmpError;
pub use crate::transformers::TransformError;
pub use crate::vars::VarError;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::MemFs;
    use crate::{BuildOptions, build};
    use std::path::Path;
    use std::sync::Arc;

    fn build_error(kustomization: &str) -> Error {
        let mut fs = MemFs::new();
        fs.add_file("/app/kustomization.yaml", kustomization);
        fs.add_file(
            "/app/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
        );
        build(Arc::new(fs), Path::new("/app"), &BuildOptions::default()).unwrap_err()
    }

    #[test]
    fn a_failing_field_keeps_the_stages_error() {
        let err = build_error(
            "resources: [cm.yaml]\npatches:\n- target: {kind: ConfigMap}\n  \
             patch: '[{\"op\": \"remove\", \"path\": \"/data/x\"}]'\n",
        );
        let Error::Field { field, source, .. } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(field, "patches");
        let FieldError::Within { source, .. } = &**source else {
            panic!("{source:?}");
        };
        assert!(matches!(**source, FieldError::JsonPatch(_)), "{source:?}");
        let err = build_error("resources: [cm.yaml]\nreplicas: [{name: a, count: 2}]\n");
        let Error::Field { source, .. } = &err else {
            panic!("{err:?}");
        };
        assert!(
            matches!(
                **source,
                FieldError::Transform(TransformError::ReplicaTarget { .. })
            ),
            "{source:?}"
        );
    }

    #[test]
    fn a_blank_subject_namespace_names_the_binding_and_the_subject() {
        let mut fs = MemFs::new();
        fs.add_file("/app/kustomization.yaml", "resources: [rb.yaml]\n");
        fs.add_file(
            "/app/rb.yaml",
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\n\
             metadata: {name: rb}\nroleRef: {kind: Role, name: r}\n\
             subjects:\n- {kind: User, name: u}\n- {kind: ServiceAccount, name: sa, namespace: ~}\n",
        );
        let err = build(Arc::new(fs), Path::new("/app"), &BuildOptions::default()).unwrap_err();
        let Error::Step { path, source } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(path, Path::new("/app/kustomization.yaml"));
        let FieldError::NameRef(NameRefError::BlankSubjectNamespace {
            referrer,
            index,
            found,
        }) = &**source
        else {
            panic!("{source:?}");
        };
        assert_eq!(
            (referrer.as_str(), *index, *found),
            (
                "RoleBinding.v1.rbac.authorization.k8s.io/rb.[noNs]",
                1,
                "null"
            )
        );
        assert_eq!(
            err.to_string(),
            "/app/kustomization.yaml: Invalid Input: namespace is blank for resource \
             \"RoleBinding.v1.rbac.authorization.k8s.io/rb.[noNs]\" (subjects[1].namespace is null)"
        );
    }
}
