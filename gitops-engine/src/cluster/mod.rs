//! Access to a Kubernetes cluster: the [`Cluster`] trait the controller
//! drives (discovery, get, list, create, replace, apply, delete) and its
//! implementation over `kube::Client` ([`KubeCluster`]); a watch-based
//! cache of live objects ([`LiveCache`]); Kubernetes Events
//! ([`EventRecorder`]); leader election on a Lease ([`LeaderElector`]);
//! the destination clusters of Argo CD's cluster Secrets ([`secrets`]) with
//! their clients ([`connect`]); and controller sharding by cluster
//! ([`sharding`]).
//!
//! Objects cross this interface as `serde_json::Value` manifests, as in the
//! rest of the engine.

#[cfg(feature = "cluster")]
mod cache;
#[cfg(feature = "cluster")]
mod cached_object;
#[cfg(feature = "cluster")]
mod client;
#[cfg(feature = "cluster")]
pub mod connect;
#[cfg(feature = "cluster")]
mod events;
#[cfg(feature = "cluster")]
pub mod kubeconfig;
#[cfg(feature = "cluster")]
mod lease;
pub mod secrets;
pub mod sharding;
mod three_way;

use std::future::Future;

use serde_json::Value;

pub use crate::object::{Gvk, ObjectRef, PropagationPolicy};
#[cfg(feature = "cluster")]
pub use cache::{IndexKeyFn, LiveCache};
#[cfg(feature = "cluster")]
pub use client::{KubeCluster, KubeconfigError, client_from_kubeconfig};
#[cfg(feature = "cluster")]
pub use events::{EventRecorder, EventType};
#[cfg(feature = "cluster")]
pub use lease::{LeaderElector, Leadership, LeaseConfig};
pub use three_way::{
    ClientSidePatch, StrategicPatchError, client_side_patch, last_applied_annotated,
    three_way_merge_patch, three_way_strategic_patch,
};

/// How the cluster serves a type (from discovery).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceInfo {
    /// The type.
    pub gvk: Gvk,
    /// Plural resource name used in URLs.
    pub plural: String,
    /// Whether objects live in namespaces.
    pub namespaced: bool,
}

/// How to apply a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApplyMode {
    /// kubectl-style client-side apply: the manifest is recorded in the
    /// `kubectl.kubernetes.io/last-applied-configuration` annotation, and an
    /// existing object is patched with the three-way merge patch between
    /// the previously applied manifest, this one and the live object.
    ClientSide,
    /// Server-side apply as this field manager.
    ServerSide {
        /// Field manager name.
        manager: String,
        /// Take over fields other managers own.
        force: bool,
    },
}

/// Options of a write.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteOptions {
    /// Ask the server to validate and compute the result without storing it.
    pub dry_run: bool,
}

/// A failed cluster operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClusterError {
    /// The cluster does not serve the type.
    #[error("the server does not serve {0}")]
    UnknownKind(Gvk),
    /// The object does not exist.
    #[error("{0} not found")]
    NotFound(Box<ObjectRef>),
    /// The object exists already (create).
    #[error("{0} already exists")]
    AlreadyExists(Box<ObjectRef>),
    /// The write raced another one (stale resourceVersion, apply conflict).
    #[error("conflict writing {object}: {message}")]
    Conflict {
        /// The object written.
        object: Box<ObjectRef>,
        /// The server's message.
        message: String,
    },
    /// Any other refusal by the API server.
    #[error("the API server refused the request ({code} {reason}): {message}")]
    Api {
        /// HTTP status code.
        code: u16,
        /// `Status.reason`.
        reason: String,
        /// `Status.message`.
        message: String,
    },
    /// The manifest cannot be sent as it is.
    #[error("invalid object: {0}")]
    InvalidObject(String),
    /// The request did not get an answer (connection, decoding).
    #[error("cluster request failed: {0}")]
    Transport(String),
}

impl From<crate::object::InvalidObject> for ClusterError {
    fn from(e: crate::object::InvalidObject) -> Self {
        ClusterError::InvalidObject(e.0)
    }
}

/// A Kubernetes cluster as the engine uses it. Methods return `Send`
/// futures, so implementations can be driven from any tokio task.
pub trait Cluster: Send + Sync {
    /// How the cluster serves a type; [`ClusterError::UnknownKind`] when it
    /// does not.
    fn resource_info(
        &self,
        gvk: &Gvk,
    ) -> impl Future<Output = Result<ResourceInfo, ClusterError>> + Send;

    /// The kind served as resource `plural` (e.g. `placementdecisions`) of
    /// `group`/`version`, or `None` when the cluster serves no such resource.
    fn kind_of_resource(
        &self,
        group: &str,
        version: &str,
        plural: &str,
    ) -> impl Future<Output = Result<Option<String>, ClusterError>> + Send;

    /// One object, or `None` when it does not exist.
    fn get(
        &self,
        object: &ObjectRef,
    ) -> impl Future<Output = Result<Option<Value>, ClusterError>> + Send;

    /// The objects of a type in one namespace (or all, with `None`) that
    /// match a label selector (`""` matches everything).
    fn list(
        &self,
        gvk: &Gvk,
        namespace: Option<&str>,
        label_selector: &str,
    ) -> impl Future<Output = Result<Vec<Value>, ClusterError>> + Send;

    /// Creates an object.
    fn create(
        &self,
        obj: &Value,
        opts: WriteOptions,
    ) -> impl Future<Output = Result<Value, ClusterError>> + Send;

    /// Replaces an object (`PUT`); its `metadata.resourceVersion`, when set,
    /// must be current.
    fn replace(
        &self,
        obj: &Value,
        opts: WriteOptions,
    ) -> impl Future<Output = Result<Value, ClusterError>> + Send;

    /// Creates or updates an object from a manifest.
    fn apply(
        &self,
        obj: &Value,
        mode: &ApplyMode,
        opts: WriteOptions,
    ) -> impl Future<Output = Result<Value, ClusterError>> + Send;

    /// Applies a JSON merge patch (RFC 7386) to an existing object, as
    /// `kubectl patch --type merge` does; a `metadata.resourceVersion` in the
    /// patch makes the write conditional on it.
    fn merge_patch(
        &self,
        object: &ObjectRef,
        patch: &Value,
        opts: WriteOptions,
    ) -> impl Future<Output = Result<Value, ClusterError>> + Send;

    /// Deletes an object; `Ok(false)` when it did not exist.
    fn delete(
        &self,
        object: &ObjectRef,
        propagation: PropagationPolicy,
        opts: WriteOptions,
    ) -> impl Future<Output = Result<bool, ClusterError>> + Send;
}
