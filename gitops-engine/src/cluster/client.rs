//! [`Cluster`] over `kube::Client` with dynamic objects.

use std::collections::HashMap;
use std::sync::Mutex;

use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams,
};
use kube::discovery::{self, Scope};
use serde_json::Value;

use super::three_way::{ClientSidePatch, client_side_patch, last_applied_annotated};
use super::{
    ApplyMode, Cluster, ClusterError, Gvk, ObjectRef, PropagationPolicy, ResourceInfo, WriteOptions,
};

/// Field manager of client-side applies, as kubectl names it.
const CLIENT_SIDE_MANAGER: &str = "kubectl-client-side-apply";

/// A cluster reached through a `kube::Client`. Discovery results are cached
/// per GVK for the life of the value.
pub struct KubeCluster {
    client: kube::Client,
    discovered: Mutex<HashMap<Gvk, (ApiResource, bool)>>,
}

impl std::fmt::Debug for KubeCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KubeCluster").finish_non_exhaustive()
    }
}

impl KubeCluster {
    /// Wraps a client.
    pub fn new(client: kube::Client) -> Self {
        KubeCluster {
            client,
            discovered: Mutex::new(HashMap::new()),
        }
    }

    /// The underlying client, for watches (kube-runtime reflectors) and
    /// anything else this interface does not cover.
    pub fn client(&self) -> &kube::Client {
        &self.client
    }

    /// Forgets cached discovery (after CRDs change).
    pub fn invalidate_discovery(&self) {
        self.cache().clear();
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<Gvk, (ApiResource, bool)>> {
        self.discovered.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The API resource of a type and whether it is namespaced, from
    /// discovery (cached).
    pub(super) async fn discover(&self, gvk: &Gvk) -> Result<(ApiResource, bool), ClusterError> {
        if let Some(found) = self.cache().get(gvk).cloned() {
            return Ok(found);
        }
        let kube_gvk = kube::api::GroupVersionKind::gvk(&gvk.group, &gvk.version, &gvk.kind);
        match discovery::pinned_kind(&self.client, &kube_gvk).await {
            Ok((resource, caps)) => {
                let found = (resource, caps.scope == Scope::Namespaced);
                self.cache().insert(gvk.clone(), found.clone());
                Ok(found)
            }
            Err(kube::Error::Discovery(_)) => Err(ClusterError::UnknownKind(gvk.clone())),
            Err(kube::Error::Api(status)) if status.code == 404 => {
                Err(ClusterError::UnknownKind(gvk.clone()))
            }
            Err(e) => Err(transport(e)),
        }
    }

    /// The dynamic API of an object's type, scoped to its namespace.
    async fn api(
        &self,
        gvk: &Gvk,
        namespace: Option<&str>,
    ) -> Result<Api<DynamicObject>, ClusterError> {
        let (resource, namespaced) = self.discover(gvk).await?;
        Ok(match namespace.filter(|_| namespaced) {
            Some(ns) if !ns.is_empty() => Api::namespaced_with(self.client.clone(), ns, &resource),
            Some(_) => Api::default_namespaced_with(self.client.clone(), &resource),
            None => Api::all_with(self.client.clone(), &resource),
        })
    }

    async fn api_for(&self, object: &ObjectRef) -> Result<Api<DynamicObject>, ClusterError> {
        self.api(&object.gvk, Some(&object.namespace)).await
    }
}

pub(super) fn transport(e: impl std::fmt::Display) -> ClusterError {
    ClusterError::Transport(e.to_string())
}

/// Maps a kube error of a request that names no single object.
pub(super) fn request_error(e: kube::Error) -> ClusterError {
    match e {
        kube::Error::Api(status) => ClusterError::Api {
            code: status.code,
            reason: status.reason.clone(),
            message: status.message.clone(),
        },
        other => transport(other),
    }
}

/// Maps a kube error about one object to a [`ClusterError`].
pub(super) fn object_error(object: &ObjectRef, e: kube::Error) -> ClusterError {
    match e {
        kube::Error::Api(status) => match (status.code, status.reason.as_str()) {
            (404, _) => ClusterError::NotFound(Box::new(object.clone())),
            (409, "AlreadyExists") => ClusterError::AlreadyExists(Box::new(object.clone())),
            (409, _) => ClusterError::Conflict {
                object: Box::new(object.clone()),
                message: status.message.clone(),
            },
            (code, reason) => ClusterError::Api {
                code,
                reason: reason.to_owned(),
                message: status.message.clone(),
            },
        },
        other => transport(other),
    }
}

fn to_dynamic(obj: &Value) -> Result<DynamicObject, ClusterError> {
    serde_json::from_value(obj.clone()).map_err(|e| ClusterError::InvalidObject(e.to_string()))
}

fn to_value(obj: DynamicObject) -> Result<Value, ClusterError> {
    serde_json::to_value(obj).map_err(transport)
}

fn post_params(opts: WriteOptions, manager: Option<&str>) -> PostParams {
    PostParams {
        dry_run: opts.dry_run,
        field_manager: manager.map(str::to_owned),
    }
}

impl Cluster for KubeCluster {
    async fn resource_info(&self, gvk: &Gvk) -> Result<ResourceInfo, ClusterError> {
        let (resource, namespaced) = self.discover(gvk).await?;
        Ok(ResourceInfo {
            gvk: gvk.clone(),
            plural: resource.plural,
            namespaced,
        })
    }

    async fn kind_of_resource(
        &self,
        group: &str,
        version: &str,
        plural: &str,
    ) -> Result<Option<String>, ClusterError> {
        let group_version = kube::core::GroupVersion::gv(group, version);
        match discovery::pinned_group(&self.client, &group_version).await {
            Ok(served) => Ok(served
                .versioned_resources(version)
                .into_iter()
                .find(|(resource, _)| resource.plural == plural)
                .map(|(resource, _)| resource.kind)),
            Err(kube::Error::Discovery(_)) => Ok(None),
            Err(kube::Error::Api(status)) if status.code == 404 => Ok(None),
            Err(e) => Err(transport(e)),
        }
    }

    async fn get(&self, object: &ObjectRef) -> Result<Option<Value>, ClusterError> {
        let api = self.api_for(object).await?;
        match api.get_opt(&object.name).await {
            Ok(found) => found.map(to_value).transpose(),
            Err(e) => Err(object_error(object, e)),
        }
    }

    async fn list(
        &self,
        gvk: &Gvk,
        namespace: Option<&str>,
        label_selector: &str,
    ) -> Result<Vec<Value>, ClusterError> {
        let api = self.api(gvk, namespace).await?;
        let params = ListParams::default().labels(label_selector);
        let list = api.list(&params).await.map_err(request_error)?;
        list.items.into_iter().map(to_value).collect()
    }

    async fn create(&self, obj: &Value, opts: WriteOptions) -> Result<Value, ClusterError> {
        let object = ObjectRef::of(obj)?;
        let api = self.api_for(&object).await?;
        let created = api
            .create(&post_params(opts, None), &to_dynamic(obj)?)
            .await
            .map_err(|e| object_error(&object, e))?;
        to_value(created)
    }

    async fn replace(&self, obj: &Value, opts: WriteOptions) -> Result<Value, ClusterError> {
        let object = ObjectRef::of(obj)?;
        let api = self.api_for(&object).await?;
        let replaced = api
            .replace(&object.name, &post_params(opts, None), &to_dynamic(obj)?)
            .await
            .map_err(|e| object_error(&object, e))?;
        to_value(replaced)
    }

    async fn apply(
        &self,
        obj: &Value,
        mode: &ApplyMode,
        opts: WriteOptions,
    ) -> Result<Value, ClusterError> {
        let object = ObjectRef::of(obj)?;
        let api = self.api_for(&object).await?;
        let applied = match mode {
            ApplyMode::ServerSide { manager, force } => {
                let mut params = PatchParams::apply(manager);
                params.force = *force;
                params.dry_run = opts.dry_run;
                api.patch(&object.name, &params, &Patch::Apply(obj)).await
            }
            ApplyMode::ClientSide => {
                let desired = last_applied_annotated(obj);
                match api
                    .get_opt(&object.name)
                    .await
                    .map_err(|e| object_error(&object, e))?
                {
                    None => {
                        api.create(
                            &post_params(opts, Some(CLIENT_SIDE_MANAGER)),
                            &to_dynamic(&desired)?,
                        )
                        .await
                    }
                    Some(live) => {
                        let live = to_value(live)?;
                        let patch = client_side_patch(&desired, &live)
                            .map_err(|e| ClusterError::InvalidObject(format!("{object}: {e}")))?;
                        if patch.is_empty() {
                            return Ok(live);
                        }
                        let params = PatchParams {
                            dry_run: opts.dry_run,
                            field_manager: Some(CLIENT_SIDE_MANAGER.to_owned()),
                            ..Default::default()
                        };
                        match &patch {
                            ClientSidePatch::Strategic(p) => {
                                api.patch(&object.name, &params, &Patch::Strategic(p)).await
                            }
                            ClientSidePatch::Merge(p) => {
                                api.patch(&object.name, &params, &Patch::Merge(p)).await
                            }
                        }
                    }
                }
            }
        };
        to_value(applied.map_err(|e| object_error(&object, e))?)
    }

    async fn merge_patch(
        &self,
        object: &ObjectRef,
        patch: &Value,
        opts: WriteOptions,
    ) -> Result<Value, ClusterError> {
        let api = self.api_for(object).await?;
        let params = PatchParams {
            dry_run: opts.dry_run,
            ..Default::default()
        };
        let patched = api
            .patch(&object.name, &params, &Patch::Merge(patch))
            .await
            .map_err(|e| object_error(object, e))?;
        to_value(patched)
    }

    async fn delete(
        &self,
        object: &ObjectRef,
        propagation: PropagationPolicy,
        opts: WriteOptions,
    ) -> Result<bool, ClusterError> {
        let api = self.api_for(object).await?;
        let mut params = match propagation {
            PropagationPolicy::Foreground => DeleteParams::foreground(),
            PropagationPolicy::Background => DeleteParams::background(),
            PropagationPolicy::Orphan => DeleteParams::orphan(),
        };
        params.dry_run = opts.dry_run;
        match api.delete(&object.name, &params).await {
            Ok(_) => Ok(true),
            Err(kube::Error::Api(status)) if status.code == 404 => Ok(false),
            Err(e) => Err(object_error(object, e)),
        }
    }
}

/// The kubeconfig could not be read or no client could be built from it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot connect to the cluster: {0}")]
pub struct KubeconfigError(pub String);

/// A client for the cluster of `kubeconfig` (else `KUBECONFIG`, `~/.kube/config`, or
/// the in-cluster service account).
pub async fn client_from_kubeconfig(
    kubeconfig: Option<&std::path::Path>,
) -> Result<kube::Client, KubeconfigError> {
    use kube::config::{KubeConfigOptions, Kubeconfig};
    match kubeconfig {
        Some(path) => {
            let config = Kubeconfig::read_from(path)
                .map_err(|e| KubeconfigError(format!("{}: {e}", path.display())))?;
            let config =
                kube::Config::from_custom_kubeconfig(config, &KubeConfigOptions::default())
                    .await
                    .map_err(|e| KubeconfigError(format!("{}: {e}", path.display())))?;
            kube::Client::try_from(config)
        }
        None => kube::Client::try_default().await,
    }
    .map_err(|e| KubeconfigError(e.to_string()))
}
