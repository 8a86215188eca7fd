//! The Argo CD `Application` (`argoproj.io/v1alpha1`) as typed Rust values.
//!
//! Field names are Argo CD's; [`Application::to_value`] omits empty fields the way
//! Argo CD's own serialisation does, so a status written back looks like Argo's.
//! Times are RFC 3339 strings with second precision (`2026-11-23T13:00:00Z`); see
//! [`format_time`] and [`parse_time`].

mod operation;
pub(crate) mod serde_util;
mod spec;
mod status;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use operation::{InitiatedBy, Operation, StrategyForce, SyncOperation, SyncStrategy};
pub use spec::{
    ApplicationSource, ApplicationSpec, Automated, DEFAULT_REVISION_HISTORY_LIMIT, Destination,
    Info, ManagedNamespaceMetadata, SyncPolicy,
};
pub use status::{
    AppHealthStatus, ApplicationCondition, ApplicationStatus, ComparedTo, OperationState,
    ResourceResult, ResourceStatus, RevisionHistory, Summary, SyncOperationResult, SyncStatus,
    SyncStatusCode,
};

use super::AppError;

/// `apiVersion` of Applications.
pub const API_VERSION: &str = "argoproj.io/v1alpha1";
/// `kind` of Applications.
pub const KIND: &str = "Application";

/// Argo CD's resources finalizer: the app's resources are deleted (in the foreground)
/// before the Application goes away.
pub const RESOURCES_FINALIZER: &str = "resources-finalizer.argocd.argoproj.io";
/// The resources finalizer asking for foreground deletion explicitly.
pub const RESOURCES_FINALIZER_FOREGROUND: &str =
    "resources-finalizer.argocd.argoproj.io/foreground";
/// The resources finalizer asking for background deletion.
pub const RESOURCES_FINALIZER_BACKGROUND: &str =
    "resources-finalizer.argocd.argoproj.io/background";

/// The group, version and kind of Applications.
pub fn application_gvk() -> crate::cluster::Gvk {
    let (group, version) = crate::object::split_api_version(API_VERSION);
    crate::cluster::Gvk::new(group, version, KIND)
}

/// An Argo CD Application.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Application {
    /// `metadata`.
    pub metadata: AppMetadata,
    /// `spec`.
    pub spec: ApplicationSpec,
    /// `status`.
    pub status: ApplicationStatus,
    /// `operation`: a requested operation not yet taken over by the controller.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<Operation>,
}

/// `metadata` of an Application: the fields the engine reads, the rest kept as-is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AppMetadata {
    /// `name`.
    pub name: String,
    /// `namespace` (normally the control-plane namespace, `argocd`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// `uid`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub uid: String,
    /// `resourceVersion`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub resource_version: String,
    /// `generation`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generation: Option<i64>,
    /// `labels`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// `annotations`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// `finalizers`, e.g. `resources-finalizer.argocd.argoproj.io`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub finalizers: Vec<String>,
    /// `creationTimestamp`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<String>,
    /// `deletionTimestamp`: set while the Application is being deleted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletion_timestamp: Option<String>,
    /// Every other metadata field (`managedFields`, `ownerReferences`, …), unchanged.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl Application {
    /// Reads an Application object. Errors name the application and the offending field.
    pub fn from_value(value: &Value) -> Result<Self, AppError> {
        let app = value
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("<unnamed>")
            .to_owned();
        if !value.is_object() {
            return Err(AppError::NotAnApplication {
                app,
                problem: "the document is not a mapping".into(),
            });
        }
        if let Some(kind) = value.get("kind").and_then(Value::as_str)
            && kind != KIND
        {
            return Err(AppError::NotAnApplication {
                app,
                problem: format!("kind is {kind:?}"),
            });
        }
        if let Some(api_version) = value.get("apiVersion").and_then(Value::as_str)
            && !api_version.starts_with("argoproj.io/")
        {
            return Err(AppError::NotAnApplication {
                app,
                problem: format!("apiVersion is {api_version:?}"),
            });
        }
        serde_path_to_error::deserialize(value).map_err(|e| AppError::InvalidField {
            app,
            field: e.path().to_string(),
            message: e.inner().to_string(),
        })
    }

    /// The Application as a Kubernetes object (`apiVersion`, `kind`, then the fields),
    /// empty fields omitted.
    pub fn to_value(&self) -> Value {
        let mut object = Map::new();
        object.insert("apiVersion".into(), API_VERSION.into());
        object.insert("kind".into(), KIND.into());
        // Serialising these plain data types cannot fail: every map key is a string.
        if let Ok(Value::Object(fields)) = serde_json::to_value(self) {
            for (key, value) in fields {
                if key == "status" && value.as_object().is_some_and(Map::is_empty) {
                    continue;
                }
                object.insert(key, value);
            }
        }
        Value::Object(object)
    }

    /// The name Argo CD shows for the application: its name when it lives in the
    /// control-plane namespace (or has no namespace), else `<namespace>/<name>`.
    pub fn qualified_name(&self, control_plane_namespace: &str) -> String {
        let namespace = &self.metadata.namespace;
        if namespace.is_empty() || namespace == control_plane_namespace {
            self.metadata.name.clone()
        } else {
            format!("{namespace}/{}", self.metadata.name)
        }
    }
}

/// Formats a time as Argo CD writes it: RFC 3339, UTC, whole seconds.
pub fn format_time(time: jiff::Timestamp) -> String {
    time.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Parses an RFC 3339 time found in `field` of application `app`.
pub fn parse_time(app: &str, field: &str, text: &str) -> Result<jiff::Timestamp, AppError> {
    text.parse().map_err(|_| AppError::InvalidTime {
        app: app.to_owned(),
        field: field.to_owned(),
        value: text.to_owned(),
    })
}
