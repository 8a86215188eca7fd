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

    /// Creates `project`, once Argo CD's project checks pass. When it exists already: with `upsert` its spec is
    /// replaced; without, an identical spec is fine and a different one is
    /// refused, as argocd does.
    pub async fn create(&self, project: &AppProject, upsert: bool) -> Result<(), CliError> {
        project.validate()?;
        let created = self
            .cluster
            .create(&project.to_value(), WriteOptions::default())
            .await;
        match created {
            Err(ClusterError::AlreadyExists(_)) => {}
            other => return other.map(drop).map_err(CliError::from),
        }
        let name = &project.metadata.name;
        let Some(mut existing) = self.cluster.get(&self.object_ref(name)).await? else {
            return Err(CliError::ProjectNotFound(name.clone()));
        };
        if AppProject::from_value(&existing)?.spec == project.spec {
            return Ok(());
        }
        if !upsert {
            return Err(CliError::Usage(
                "existing project spec is different; use upsert flag to force update".to_owned(),
            ));
        }
        // The read resourceVersion stays: a concurrent change makes this fail.
        existing["spec"] = project.to_value()["spec"].clone();
        self.cluster
            .replace(&existing, WriteOptions::default())
            .await?;
        Ok(())
    }

    /// Replaces the spec of `project` (as read: fails if it changed since), once
    /// Argo CD's project checks pass.
    pub async fn update(&self, project: &AppProject) -> Result<(), CliError> {
        project.validate()?;
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
