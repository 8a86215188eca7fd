//! The connection to the cluster and the Application objects in it.

use std::path::Path;

use gitops_engine::app::{Application, application_gvk};
use gitops_engine::cluster::{Cluster, ClusterError, KubeCluster, ObjectRef, WriteOptions};
use kube::config::{KubeConfigOptions, Kubeconfig};
use serde_json::Value;

use super::error::CliError;

/// The Applications of one namespace, reached through the kubeconfig's cluster.
pub struct Apps {
    cluster: KubeCluster,
    namespace: String,
}

impl Apps {
    /// Connects with `kubeconfig` (else `KUBECONFIG` / `~/.kube/config` / in-cluster) to
    /// the Applications of `namespace`.
    pub async fn connect(kubeconfig: Option<&Path>, namespace: &str) -> Result<Self, CliError> {
        Ok(Apps {
            cluster: KubeCluster::new(kube_client(kubeconfig).await?),
            namespace: namespace.to_owned(),
        })
    }

    fn object_ref(&self, name: &str) -> ObjectRef {
        ObjectRef {
            gvk: application_gvk(),
            namespace: self.namespace.clone(),
            name: name.to_owned(),
        }
    }

    /// The namespace of the Applications (Argo CD's control-plane namespace).
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The cluster, for reading the application's resources.
    pub fn cluster(&self) -> &KubeCluster {
        &self.cluster
    }

    /// The Application `name` and its object as stored.
    pub async fn get(&self, name: &str) -> Result<(Application, Value), CliError> {
        match self.cluster.get(&self.object_ref(name)).await? {
            Some(object) => Ok((Application::from_value(&object)?, object)),
            None => Err(CliError::NotFound {
                name: name.to_owned(),
                namespace: self.namespace.clone(),
            }),
        }
    }

    /// The Applications matching a label selector (`""`: all), with their objects.
    pub async fn list(&self, selector: &str) -> Result<Vec<(Application, Value)>, CliError> {
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
    /// the patch makes it conditional ([`WriteConflict::Conflict`] when stale).
    pub async fn merge_patch(&self, name: &str, patch: &Value) -> Result<Value, WriteConflict> {
        let object = self.object_ref(name);
        match self
            .cluster
            .merge_patch(&object, patch, WriteOptions::default())
            .await
        {
            Ok(patched) => Ok(patched),
            Err(ClusterError::Conflict { .. }) => Err(WriteConflict::Conflict(name.to_owned())),
            Err(ClusterError::NotFound(_)) => Err(WriteConflict::Failed(CliError::NotFound {
                name: name.to_owned(),
                namespace: self.namespace.clone(),
            })),
            Err(e) => Err(WriteConflict::Failed(e.into())),
        }
    }
}

/// A failed write of an Application.
#[derive(Debug)]
pub enum WriteConflict {
    /// Application (named) changed since it was read (stale `resourceVersion`).
    Conflict(String),
    /// Any other failure.
    Failed(CliError),
}

impl From<WriteConflict> for CliError {
    fn from(e: WriteConflict) -> Self {
        match e {
            WriteConflict::Conflict(name) => CliError::Conflict(name),
            WriteConflict::Failed(e) => e,
        }
    }
}

/// A client for the cluster of `kubeconfig` (else `KUBECONFIG` / `~/.kube/config` /
/// in-cluster).
pub async fn kube_client(kubeconfig: Option<&Path>) -> Result<kube::Client, CliError> {
    match kubeconfig {
        Some(path) => {
            let config = Kubeconfig::read_from(path)
                .map_err(|e| CliError::Connect(format!("{}: {e}", path.display())))?;
            let config =
                kube::Config::from_custom_kubeconfig(config, &KubeConfigOptions::default())
                    .await
                    .map_err(|e| CliError::Connect(format!("{}: {e}", path.display())))?;
            kube::Client::try_from(config)
        }
        None => kube::Client::try_default().await,
    }
    .map_err(|e| CliError::Connect(e.to_string()))
}
