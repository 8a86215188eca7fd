//! The Argo CD `AppProject` (`argoproj.io/v1alpha1`) as typed Rust values, with Argo
//! CD's field names.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::windows::SyncWindow;

/// `kind` of AppProjects.
pub const PROJECT_KIND: &str = "AppProject";
/// Name of the project Argo CD creates when it is missing, and that an Application
/// with an empty `spec.project` uses.
pub const DEFAULT_PROJECT: &str = "default";

/// The group, version and kind of AppProjects.
pub fn project_gvk() -> crate::cluster::Gvk {
    crate::cluster::Gvk::new("argoproj.io", "v1alpha1", PROJECT_KIND)
}

/// Why an AppProject object could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// The object is not an `AppProject`.
    #[error("project {project:?}: not an AppProject: {problem}")]
    NotAProject {
        /// Name of the object (`<unnamed>` when it has none).
        project: String,
        /// What was wrong.
        problem: String,
    },
    /// A field has the wrong shape.
    #[error("project {project:?}: field {field}: {message}")]
    InvalidField {
        /// Name of the project.
        project: String,
        /// Path of the offending field, e.g. `spec.destinations[0].namespace`.
        field: String,
        /// What the parser objected to.
        message: String,
    },
    /// The spec breaks one of Argo CD's project rules (its message, verbatim).
    #[error("{message}")]
    Invalid {
        /// Name of the project.
        project: String,
        /// Argo CD's message.
        message: String,
    },
}

/// An Argo CD AppProject.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AppProject {
    /// `metadata`.
    pub metadata: ProjectMetadata,
    /// `spec`.
    pub spec: AppProjectSpec,
    /// API server URLs of the cluster Secrets scoped to this project (`project:
    /// <name>`), as [`AppProject::add_scoped_clusters`] found them; not part of
    /// the object.
    #[serde(skip)]
    pub scoped_cluster_servers: Vec<String>,
}

/// `metadata` of an AppProject: name and namespace, the rest kept as-is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProjectMetadata {
    /// `name`.
    pub name: String,
    /// `namespace` (the control-plane namespace).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// Every other metadata field, unchanged.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `spec` of an AppProject.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AppProjectSpec {
    /// `description`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// `sourceRepos`: repository URL globs; `!` denies. Empty permits nothing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub source_repos: Vec<String>,
    /// `destinations`: cluster and namespace globs; `!` denies. Empty permits nothing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub destinations: Vec<ProjectDestination>,
    /// `sourceNamespaces`: namespaces besides the control plane's whose Applications may
    /// use the project (globs, or `/regexp/`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub source_namespaces: Vec<String>,
    /// `clusterResourceWhitelist`: the cluster-scoped kinds permitted (none when empty).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cluster_resource_whitelist: Vec<ClusterResourceRestriction>,
    /// `clusterResourceBlacklist`: cluster-scoped kinds denied.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cluster_resource_blacklist: Vec<ClusterResourceRestriction>,
    /// `namespaceResourceWhitelist`: the namespaced kinds permitted; absent permits
    /// every kind, an empty list none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace_resource_whitelist: Option<Vec<GroupKind>>,
    /// `namespaceResourceBlacklist`: namespaced kinds denied.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub namespace_resource_blacklist: Vec<GroupKind>,
    /// `orphanedResources`: orphan monitoring, off when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orphaned_resources: Option<OrphanedResources>,
    /// `syncWindows`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sync_windows: Vec<SyncWindow>,
    /// `permitOnlyProjectScopedClusters`: destinations must also be clusters whose
    /// Secret is scoped to this project.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub permit_only_project_scoped_clusters: bool,
    /// Every other spec field (`roles`, `signatureKeys`, …), unchanged.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// One entry of `spec.destinations`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProjectDestination {
    /// `server`: API server URL glob.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub server: String,
    /// `name`: cluster name glob.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// `namespace`: namespace glob.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub namespace: String,
}

/// A kind in a namespaced resource list: `group` and `kind` globs (`path.Match`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct GroupKind {
    /// API group glob; empty is the core group.
    pub group: String,
    /// Kind glob.
    pub kind: String,
}

/// A kind in a cluster resource list, optionally narrowed to names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClusterResourceRestriction {
    /// API group glob; empty is the core group.
    pub group: String,
    /// Kind glob.
    pub kind: String,
    /// Name glob; empty matches every name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
}

/// `spec.orphanedResources`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrphanedResources {
    /// `warn`: raise an `OrphanedResourceWarning` (absent counts as `true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warn: Option<bool>,
    /// `ignore`: resources never reported as orphans.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<OrphanedIgnore>,
}

impl OrphanedResources {
    /// Whether orphans raise a warning condition (Argo CD's `IsWarn`).
    pub fn is_warn(&self) -> bool {
        self.warn.unwrap_or(true)
    }
}

/// One entry of `orphanedResources.ignore`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrphanedIgnore {
    /// API group glob; empty is the core group only.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub group: String,
    /// Kind glob; empty matches every kind.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// Name glob; empty matches every name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
}

impl AppProject {
    /// The `default` project Argo CD creates when it is missing: every repository,
    /// every destination, every kind.
    pub fn default_project(namespace: &str) -> Self {
        AppProject {
            metadata: ProjectMetadata {
                name: DEFAULT_PROJECT.to_owned(),
                namespace: namespace.to_owned(),
                other: Map::new(),
            },
            spec: AppProjectSpec {
                source_repos: vec!["*".to_owned()],
                destinations: vec![ProjectDestination {
                    server: "*".to_owned(),
                    name: String::new(),
                    namespace: "*".to_owned(),
                }],
                cluster_resource_whitelist: vec![ClusterResourceRestriction {
                    group: "*".to_owned(),
                    kind: "*".to_owned(),
                    name: String::new(),
                }],
                ..AppProjectSpec::default()
            },
            scoped_cluster_servers: Vec::new(),
        }
    }

    /// Reads an AppProject object. Errors name the project and the offending field.
    pub fn from_value(value: &Value) -> Result<Self, ProjectError> {
        let project = value
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("<unnamed>")
            .to_owned();
        if let Some(kind) = value.get("kind").and_then(Value::as_str)
            && kind != PROJECT_KIND
        {
            return Err(ProjectError::NotAProject {
                project,
                problem: format!("kind is {kind:?}"),
            });
        }
        if !value.is_object() {
            return Err(ProjectError::NotAProject {
                project,
                problem: "the document is not a mapping".into(),
            });
        }
        serde_path_to_error::deserialize(value).map_err(|e| ProjectError::InvalidField {
            project,
            field: e.path().to_string(),
            message: e.inner().to_string(),
        })
    }

    /// The AppProject as a Kubernetes object, empty fields omitted.
    pub fn to_value(&self) -> Value {
        let mut object = Map::new();
        object.insert("apiVersion".into(), super::super::API_VERSION.into());
        object.insert("kind".into(), PROJECT_KIND.into());
        // Serialising these plain data types cannot fail: every map key is a string.
        if let Ok(Value::Object(fields)) = serde_json::to_value(self) {
            object.extend(fields);
        }
        Value::Object(object)
    }
}
