//! The connection to the cluster and the Application objects in it (the engine's
//! [`AppStore`], shared with the API server).

use std::path::Path;

pub use gitops_engine::app::store::AppStore as Apps;

use super::error::CliError;

/// The Applications of `namespace` in the cluster of `kubeconfig` (else `KUBECONFIG`
/// / `~/.kube/config` / in-cluster).
pub async fn connect(kubeconfig: Option<&Path>, namespace: &str) -> Result<Apps, CliError> {
    Ok(Apps::new(kube_client(kubeconfig).await?, namespace))
}

/// A client for the cluster of `kubeconfig` (else `KUBECONFIG` / `~/.kube/config` /
/// in-cluster).
pub async fn kube_client(kubeconfig: Option<&Path>) -> Result<kube::Client, CliError> {
    gitops_engine::cluster::client_from_kubeconfig(kubeconfig)
        .await
        .map_err(|e| CliError::Connect(e.0))
}
