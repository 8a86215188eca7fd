//! `--embedded-apiserver`: an in-process API server emulator, so the
//! controller can run on a laptop with no cluster (a sandbox, not for
//! production: nothing is persisted and no Pods run).

use std::net::SocketAddr;
use std::path::Path;

use apiserver_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use gitops_engine::cluster::{Cluster, KubeCluster, WriteOptions};
use serde_json::json;

/// Starts the emulator on `addr`, creates the controller's namespace and,
/// when asked, writes a kubeconfig pointing at it.
pub async fn start(
    addr: SocketAddr,
    namespace: &str,
    kubeconfig: Option<&Path>,
) -> Result<(kube::Client, EmulatorHandle), String> {
    let handle = Emulator::start_with(EmulatorConfig {
        listen: addr,
        ..EmulatorConfig::default()
    })
    .await
    .map_err(|e| format!("cannot start the embedded API server on {addr}: {e}"))?;
    let url = handle.url();
    let config = kube::Config::new(
        url.parse()
            .map_err(|e| format!("embedded API server URL {url}: {e}"))?,
    );
    let client = kube::Client::try_from(config).map_err(|e| format!("client for {url}: {e}"))?;
    let namespace_object =
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}});
    KubeCluster::new(client.clone())
        .create(&namespace_object, WriteOptions::default())
        .await
        .map_err(|e| format!("creating namespace {namespace}: {e}"))?;
    if let Some(path) = kubeconfig {
        std::fs::write(path, handle.kubeconfig("gitops-local", namespace))
            .map_err(|e| format!("writing kubeconfig {}: {e}", path.display()))?;
    }
    tracing::info!(%url, "embedded API server started");
    Ok((client, handle))
}
