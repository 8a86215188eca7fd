//! The Applications of one namespace as a cluster stores them: read, list, request
//! operations and refreshes, and compare an app's live objects with its desired state.
//! The CLI and the API server share this; the controller does the reconciling.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use jiff::Timestamp;
use serde_json::{Value, json};
use thiserror::Error;

use super::model::{Application, Operation, application_gvk};
use super::project::{
    DEFAULT_PROJECT, project_name, resolve_destination, resource_problem, stored,
};
use super::{
    AppError, CompareInput, CompareSettings, Comparison, DesiredError, compare, source_request,
};
use crate::cluster::{Cluster, ClusterError, Gvk, KubeCluster, ObjectRef, WriteOptions};
use crate::health::HealthRules;
use crate::object::ResourceKey;
use crate::source::{LocalDir, Refresh, Rendered, RepoAccess, SourceError, Sources};
use crate::sync::ApiResource;
use crate::sync::tracking::instance_name;

/// The annotation that asks the controller for a refresh (`normal` or `hard`).
pub const REFRESH_ANNOTATION: &str = "argocd.argoproj.io/refresh";

/// How often a write that raced another one is retried.
const CONFLICT_RETRIES: usize = 5;

/// How often an application is read while waiting for the controller.
const POLL_INTERVAL: Duration = Duration::from_millis(200);

/// Why a request about an Application failed.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The Application does not exist.
    #[error("application '{name}' not found in namespace '{namespace}'")]
    NotFound {
        /// Name asked for.
        name: String,
        /// Namespace searched.
        namespace: String,
    },
    /// A request to the API server failed.
    #[error("{0}")]
    Cluster(#[from] ClusterError),
    /// The stored Application cannot be read, or the action is refused.
    #[error("{0}")]
    App(#[from] AppError),
    /// The Application kept changing under a conditional write.
    #[error("application '{0}' kept changing while it was being written; try again")]
    Conflict(String),
    /// An operation is already requested or running.
    #[error("another operation is already in progress")]
    OperationInProgress,
    /// The application is being deleted.
    #[error("application is deleting")]
    Deleting,
    /// The application's project is missing or does not admit its destination.
    #[error("{0}")]
    Project(String),
    /// The desired state could not be rendered.
    #[error("rendering the desired state: {0}")]
    Source(#[from] SourceError),
    /// The application cannot be rendered this way.
    #[error("{0}")]
    Unrenderable(String),
    /// The operation could not be encoded.
    #[error("writing application '{name}': {message}")]
    Write {
        /// The application.
        name: String,
        /// What failed.
        message: String,
    },
}

/// The Applications of one namespace, reached through a cluster client.
pub struct AppStore {
    cluster: KubeCluster,
    namespace: String,
}

impl AppStore {
    /// The Applications of `namespace` in the cluster of `client`.
    pub fn new(client: kube::Client, namespace: &str) -> Self {
        AppStore {
            cluster: KubeCluster::new(client),
            namespace: namespace.to_owned(),
        }
    }

    /// The namespace of the Applications.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The cluster, for reading the applications' resources.
    pub fn cluster(&self) -> &KubeCluster {
        &self.cluster
    }

    /// The address of Application `name`.
    pub fn object_ref(&self, name: &str) -> ObjectRef {
        ObjectRef {
            gvk: application_gvk(),
            namespace: self.namespace.clone(),
            name: name.to_owned(),
        }
    }

    fn not_found(&self, name: &str) -> StoreError {
        StoreError::NotFound {
            name: name.to_owned(),
            namespace: self.namespace.clone(),
        }
    }

    /// The Application `name` and its object as stored.
    pub async fn get(&self, name: &str) -> Result<(Application, Value), StoreError> {
        match self.cluster.get(&self.object_ref(name)).await? {
            Some(object) => Ok((Application::from_value(&object)?, object)),
            None => Err(self.not_found(name)),
        }
    }

    /// The Applications matching a label selector (`""`: all), with their objects.
    pub async fn list(&self, selector: &str) -> Result<Vec<(Application, Value)>, StoreError> {
        let objects = self
            .cluster
            .list(&application_gvk(), Some(&self.namespace), selector)
            .await?;
        objects
            .into_iter()
            .map(|object| Ok((Application::from_value(&object)?, object)))
            .collect()
    }

    /// Applies a JSON merge patch to Application `name`; a `metadata.resourceVersion` in
    /// the patch makes it conditional ([`StoreError::Conflict`] when stale).
    pub async fn merge_patch(&self, name: &str, patch: &Value) -> Result<Value, StoreError> {
        match self
            .cluster
            .merge_patch(&self.object_ref(name), patch, WriteOptions::default())
            .await
        {
            Ok(patched) => Ok(patched),
            Err(ClusterError::Conflict { .. }) => Err(StoreError::Conflict(name.to_owned())),
            Err(ClusterError::NotFound(_)) => Err(self.not_found(name)),
            Err(e) => Err(e.into()),
        }
    }

    /// Writes `operation` onto application `name` and clears `status.operationState`,
    /// refusing when an operation is already requested or the app is being deleted.
    /// Returns the request time (whole seconds, like the controller's `startedAt`) and
    /// the Application as written.
    pub async fn request_operation(
        &self,
        name: &str,
        operation: &Operation,
    ) -> Result<(Timestamp, Value), StoreError> {
        let operation = serde_json::to_value(operation).map_err(|e| StoreError::Write {
            name: name.to_owned(),
            message: e.to_string(),
        })?;
        for _ in 0..CONFLICT_RETRIES {
            let (app, object) = self.get(name).await?;
            if app.metadata.deletion_timestamp.is_some() {
                return Err(StoreError::Deleting);
            }
            if app.operation.is_some() {
                return Err(StoreError::OperationInProgress);
            }
            let requested_at = Timestamp::from_second(Timestamp::now().as_second())
                .unwrap_or_else(|_| Timestamp::now());
            let patch = json!({
                "metadata": {"resourceVersion": object["metadata"]["resourceVersion"].clone()},
                "operation": operation.clone(),
                "status": {"operationState": Value::Null},
            });
            match self.merge_patch(name, &patch).await {
                Ok(written) => return Ok((requested_at, written)),
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Conflict(name.to_owned()))
    }

    /// Sets the refresh annotation (`normal` or `hard`) and waits up to `patience` until
    /// the controller removed it; returns whether it did.
    pub async fn refresh(
        &self,
        name: &str,
        kind: &str,
        patience: Duration,
    ) -> Result<bool, StoreError> {
        self.get(name).await?;
        let patch = json!({"metadata": {"annotations": {REFRESH_ANNOTATION: kind}}});
        self.merge_patch(name, &patch).await?;
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            let (app, _) = self.get(name).await?;
            if !app.metadata.annotations.contains_key(REFRESH_ANNOTATION) {
                return Ok(true);
            }
            if tokio::time::Instant::now() >= deadline {
                return Ok(false);
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Renders what `app` declares: the local directory `local` when given, else its
    /// source at `revision` (default: the target revision) through `sources`, as the
    /// controller renders it ([`source_request`]; Kustomize's Helm support off, the
    /// controller's `--kustomize-enable-helm` being unknown here).
    pub async fn render_desired(
        &self,
        app: &Application,
        sources: &Sources,
        revision: Option<&str>,
        local: Option<&Path>,
        control_plane_namespace: &str,
    ) -> Result<Rendered, StoreError> {
        let instance = instance_name(
            &app.metadata.name,
            &app.metadata.namespace,
            control_plane_namespace,
        );
        let request = source_request(app, revision, &instance, false).map_err(|e| match e {
            DesiredError::NoSource => StoreError::Unrenderable(format!(
                "application '{}' has no single source (spec.source) to render",
                app.metadata.name
            )),
            e => StoreError::Unrenderable(e.to_string()),
        })?;
        if let Some(dir) = local {
            return Ok(LocalDir::new(dir)?.render(".", &request.options)?);
        }
        let rendered = sources.render(&request, Refresh::Normal).await?;
        Ok(Rendered::clone(&rendered))
    }

    /// The repository Secrets, credential templates and trust ConfigMaps of the
    /// namespace, as the controller reads them, with one warning per object left
    /// out (named, never by value); a refused read gives anonymous access.
    pub async fn repo_access(&self) -> (RepoAccess, Vec<String>) {
        let mut access = RepoAccess::default();
        let warnings = match access.read(self.cluster.client(), &self.namespace).await {
            Ok(problems) => problems.iter().map(|p| format!("{p}; left out")).collect(),
            Err(e) => vec![format!(
                "cannot read the repository Secrets of namespace '{}': {e}; \
                 reaching repositories anonymously",
                self.namespace
            )],
        };
        (access, warnings)
    }

    /// Compares the live objects of `app` with `rendered`, as the controller does: the
    /// live objects its project forbids are left out (a missing `default` project
    /// permits everything; another missing project, or a destination that does not
    /// resolve, is [`StoreError::Project`]).
    pub async fn compare_live(
        &self,
        app: &Application,
        rendered: Rendered,
        control_plane_namespace: &str,
    ) -> Result<Comparison, StoreError> {
        let (live, api_resources) = self.live_objects(app, &rendered.objects).await?;
        let live = self
            .permitted_live(app, live, control_plane_namespace)
            .await?;
        let settings = CompareSettings {
            control_plane_namespace: control_plane_namespace.to_owned(),
            ..CompareSettings::default()
        };
        Ok(compare(&CompareInput {
            app,
            revision: &rendered.revision,
            desired: &rendered.objects,
            live: &live,
            health_rules: &HealthRules::builtin(),
            settings: &settings,
            api_resources: Some(&api_resources),
        }))
    }

    /// `live` without the objects the project of `app` forbids, which the controller
    /// leaves out of its comparison (and so never prunes). A missing `default` project
    /// permits everything, as the one the controller creates does; another missing
    /// project, or a destination that does not resolve, is an error.
    async fn permitted_live(
        &self,
        app: &Application,
        mut live: Vec<Value>,
        control_plane_namespace: &str,
    ) -> Result<Vec<Value>, StoreError> {
        let (project, clusters) =
            stored::read_for_app(&self.cluster, control_plane_namespace, app).await?;
        let Some(project) = project else {
            return match project_name(app) {
                DEFAULT_PROJECT => Ok(live),
                name => Err(StoreError::Project(format!(
                    "Application referencing project {name} which does not exist"
                ))),
            };
        };
        let cluster = resolve_destination(&app.spec.destination, &clusters.identities())
            .map_err(StoreError::Project)?;
        live.retain(|obj| resource_problem(&project, &cluster, &ResourceKey::of(obj)).is_none());
        Ok(live)
    }

    /// The live objects of every kind the desired objects or `status.resources` name,
    /// with the scope of those kinds; kinds the cluster does not serve are left out.
    async fn live_objects(
        &self,
        app: &Application,
        desired: &[Value],
    ) -> Result<(Vec<Value>, Vec<ApiResource>), StoreError> {
        let mut kinds: BTreeSet<Gvk> = desired.iter().filter_map(Gvk::of).collect();
        kinds.extend(
            app.status
                .resources
                .iter()
                .filter(|r| !r.version.is_empty())
                .map(|r| Gvk::new(&r.group, &r.version, &r.kind)),
        );
        let mut live = Vec::new();
        let mut api_resources = Vec::new();
        for gvk in kinds {
            let info = match self.cluster.resource_info(&gvk).await {
                Ok(info) => info,
                Err(ClusterError::UnknownKind(_)) => continue,
                Err(e) => return Err(e.into()),
            };
            api_resources.push(ApiResource {
                group: gvk.group.clone(),
                kind: gvk.kind.clone(),
                namespaced: info.namespaced,
            });
            live.extend(self.cluster.list(&gvk, None, "").await?);
        }
        Ok((live, api_resources))
    }
}
