//! AppProjects as stored in the control plane: an app's project read with the
//! argocd-cm global projects merged in and the project-scoped cluster Secrets
//! added, as the controller enforces it and the API and CLI compare with it.

use tracing::{info, warn};

use super::global::{ARGOCD_CM, global_projects};
use super::model::{AppProject, project_gvk};
use super::verdict::project_name;
use crate::app::Application;
use crate::cluster::secrets::{self, Clusters};
use crate::cluster::{Cluster, ClusterError, Gvk, ObjectRef};

/// The project `name` of `namespace`, if it exists and can be read (an
/// unreadable one is logged and taken as missing).
pub async fn read(
    cluster: &impl Cluster,
    namespace: &str,
    name: &str,
) -> Result<Option<AppProject>, ClusterError> {
    let address = ObjectRef {
        gvk: project_gvk(),
        namespace: namespace.to_owned(),
        name: name.to_owned(),
    };
    let object = cluster.get(&address).await?;
    Ok(object.and_then(|o| match AppProject::from_value(&o) {
        Ok(project) => Some(project),
        Err(e) => {
            info!(project = name, error = %e, "unreadable AppProject");
            None
        }
    }))
}

/// The project of `app` in `namespace` as Argo CD enforces it (`None` when it
/// is missing or unreadable): the rules of the argocd-cm `globalProjects` that
/// select it appended (Argo CD's virtual project) and the destinations of the
/// cluster Secrets scoped to it added; with the cluster Secrets of `namespace`.
/// Unusable cluster Secrets and global project settings are logged and left
/// out.
pub async fn read_for_app(
    cluster: &impl Cluster,
    namespace: &str,
    app: &Application,
) -> Result<(Option<AppProject>, Clusters), ClusterError> {
    let (clusters, unreadable) = secrets::list(cluster, namespace).await?;
    for problem in &unreadable {
        warn!(error = %problem, "unusable cluster secret");
    }
    let Some(project) = read(cluster, namespace, project_name(app)).await? else {
        return Ok((None, clusters));
    };
    let settings = ObjectRef {
        gvk: Gvk::new("", "v1", "ConfigMap"),
        namespace: namespace.to_owned(),
        name: ARGOCD_CM.to_owned(),
    };
    let globals = match cluster.get(&settings).await? {
        Some(cm) => global_projects(&cm).unwrap_or_else(|e| {
            info!(error = %e, "global projects ignored");
            Vec::new()
        }),
        None => Vec::new(),
    };
    let mut merged = project.clone();
    for name in project.global_project_names(&globals) {
        if let Some(global) = read(cluster, namespace, name).await? {
            merged = merged.with_global(&global);
        }
    }
    merged.add_scoped_clusters(clusters.iter());
    Ok((Some(merged), clusters))
}
