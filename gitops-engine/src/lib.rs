//! The GitOps engine: compares what Git declares with what a cluster runs,
//! judges the health of live objects, and plans the sync that converges them.
//!
//! The [`diff`], [`health`] and [`sync`] modules are pure functions over
//! `serde_json::Value` objects, following the semantics of Argo CD's engine.
//! The [`source`] module fetches and renders what Git (or a local directory)
//! declares; [`cluster`] reaches a live cluster through `kube::Client`.
//!
//! Layers, each using only those before it: [`object`] (the object core);
//! [`diff`], [`health`], [`source`], [`cluster`]; [`sync`]; [`app`] (the
//! Application and AppProject models and their pure logic); [`appset`] and
//! `image`; `controller`, `server`, `webhook` and `ui` on top.
//!
//! # Features
//!
//! Without default features the crate is the pure part: diff, health, sync
//! planning, the Application, AppProject and ApplicationSet models and their
//! generators, rendering of local directories, and the interfaces
//! ([`cluster::Cluster`]) the rest implements; it needs neither kube, git2,
//! reqwest nor tokio. Each of these comes with a feature, all on by default:
//!
//! - `cluster`: `kube` clients (`KubeCluster`), the watch cache, Events,
//!   leases, sharding membership, and running sync operations
//!   (`sync::execute`).
//! - `git`: repositories through libgit2 (`source::Sources`, `GitRepo`,
//!   rendering commits) and kustomize remote bases (`source::RemoteBases`:
//!   Git URLs, and HTTP(S) files through reqwest).
//! - `registry`: container registries through reqwest (the `image` module
//!   but its write-back to clusters and Git).
//! - `controller` (all of the above): the Application controller
//!   ([`controller`]) and the ApplicationSet reconciler, `app::store`, the API server and web UI, Git webhooks and
//!   the image updater.

pub mod app;
pub mod appset;
pub mod cluster;
#[cfg(feature = "controller")]
pub mod controller;
pub mod diff;
pub mod health;
#[cfg(feature = "registry")]
pub mod image;
pub mod object;
#[cfg(feature = "controller")]
pub mod server;
pub mod source;
pub mod sync;
#[cfg(feature = "controller")]
pub mod ui;
#[cfg(feature = "controller")]
pub mod webhook;
