//! The sandbox's Argo CD API server (`gitops_engine::server`) on 127.0.0.1, with the
//! admin account bootstrapped, and the example Application.

use std::path::Path;
use std::sync::Arc;

use base64::Engine;
use gitops_engine::cluster::{Cluster, ClusterError, Gvk, KubeCluster, ObjectRef, WriteOptions};
use gitops_engine::server::auth::accounts::{INITIAL_ADMIN_SECRET, bootstrap};
use gitops_engine::server::{ServerConfig, ServerState, router};

/// The example Application, relative to the repository root.
const EXAMPLE_APP: &str = "examples/monorepo/argocd/shop-prod.yaml";

/// The running API server.
pub struct ApiServer {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    /// The admin password from `argocd-initial-admin-secret` (empty when it was deleted).
    pub admin_password: String,
}

/// Bootstraps the accounts and serves the API on `port` in a background task.
pub async fn start(
    client: kube::Client,
    dir: &Path,
    namespace: &str,
    port: u16,
) -> Result<ApiServer, String> {
    let cluster = KubeCluster::new(client.clone());
    bootstrap(&cluster, namespace)
        .await
        .map_err(|e| format!("preparing the admin account: {e}"))?;
    let mut config = ServerConfig::new(namespace, dir.join("server-repositories"));
    config.secure_cookies = false;
    let app = router(Arc::new(ServerState::new(client, config)));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| format!("cannot start the Argo CD API on 127.0.0.1:{port}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            eprintln!("the Argo CD API stopped: {e}");
        }
    });
    Ok(ApiServer {
        url: format!("http://{addr}"),
        admin_password: admin_password(&cluster, namespace).await?,
    })
}

/// The generated admin password, if its Secret still exists.
async fn admin_password(cluster: &KubeCluster, namespace: &str) -> Result<String, String> {
    let secret = cluster
        .get(&ObjectRef {
            gvk: Gvk::new("", "v1", "Secret"),
            namespace: namespace.to_owned(),
            name: INITIAL_ADMIN_SECRET.to_owned(),
        })
        .await
        .map_err(|e| e.to_string())?;
    let encoded = secret
        .as_ref()
        .and_then(|s| s["data"]["password"].as_str())
        .unwrap_or_default();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|e| format!("{INITIAL_ADMIN_SECRET}: field data.password: {e}"))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Creates the example's `shop-prod` Application (unless it exists), deploying from
/// this checkout's Git history (`file://<cwd>`, `HEAD`).
pub async fn create_example(client: &kube::Client, namespace: &str) -> Result<(), String> {
    let root = std::env::current_dir().map_err(|e| e.to_string())?;
    let path = root.join(EXAMPLE_APP);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("{}: {e} (run from the repository root)", path.display()))?;
    let mut app = kustomize_core::yaml::parse_documents(&text)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .into_iter()
        .next()
        .ok_or_else(|| format!("{}: no document", path.display()))?;
    app["metadata"]["namespace"] = namespace.into();
    app["spec"]["source"]["repoURL"] = format!("file://{}", root.display()).into();
    app["spec"]["source"]["targetRevision"] = "HEAD".into();
    match KubeCluster::new(client.clone())
        .create(&app, WriteOptions::default())
        .await
    {
        Ok(_) | Err(ClusterError::AlreadyExists(_)) => Ok(()),
        Err(e) => Err(format!("creating the example Application: {e}")),
    }
}
