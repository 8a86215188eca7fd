//! The AppProject objects of one namespace.

use std::path::Path;

use gitops_engine::app::project::{AppProject, project_gvk};
use gitops_engine::cluster::{Cluster, ClusterError, KubeCluster, ObjectRef, WriteOptions};
use serde_json::json;

use crate::app_cmd::CliError;
use crate::app_cmd::client::kube_client;

/// The AppProjects of one namespace, reached through the kubeconfig's cluster.
pub struct Projects {
    cluster: KubeCluster,
    namespace: String,
}

impl Projects {
    /// Connects to the AppProjects of `namespace`.
    pub async fn connect(kubeconfig: Option<&Path>, namespace: &str) -> Result<Self, CliError> {
        Ok(Projects {
            cluster: KubeCluster::new(kube_client(kubeconfig).await?),
            namespace: namespace.to_owned(),
        })
    }

    fn object_ref(&self, name: &str) -> ObjectRef {
        ObjectRef {
            gvk: project_gvk(),
            namespace: self.namespace.clone(),
            name: name.to_owned(),
        }
    }

    /// The project `name`.
    pub async fn get(&self, name: &str) -> Result<AppProject, CliError> {
        match self.cluster.get(&self.object_ref(name)).await? {
            Some(object) => Ok(AppProject::from_value(&object)?),
            None => Err(CliError::ProjectNotFound(name.to_owned())),
        }
    }

    /// Every project, by name.
    pub async fn list(&self) -> Result<Vec<AppProject>, CliError> {
        let objects = self
            .cluster
            .list(&project_gvk(), Some(&self.namespace), "")
            .await?;
        objects
            .iter()
            .map(|o| AppProject::from_value(o).map_err(CliError::from))
            .collect()
    }

    /// Creates `project`.
    pub async fn create(&self, project: &AppProject) -> Result<(), CliError> {
        match self
            .cluster
            .create(&project.to_value(), WriteOptions::default())
            .await
        {
            Ok(_) => Ok(()),
            Err(ClusterError::AlreadyExists(_)) => Err(CliError::Usage(format!(
                "existing project spec is different, use upsert flag to force update: project '{}' already exists",
                project.metadata.name
            ))),
            Err(e) => Err(e.into()),
        }
    }

    /// Replaces the spec of `project` (as read: fails if it changed since).
    pub async fn update(&self, project: &AppProject) -> Result<(), CliError> {
        let mut patch = json!({"spec": project.to_value()["spec"].clone()});
        if let Some(version) = project.metadata.other.get("resourceVersion") {
            patch["metadata"] = json!({"resourceVersion": version});
        }
        self.cluster
            .merge_patch(
                &self.object_ref(&project.metadata.name),
                &patch,
                WriteOptions::default(),
            )
            .await?;
        Ok(())
    }
}
