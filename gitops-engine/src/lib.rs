//! The GitOps engine: compares what Git declares with what a cluster runs,
//! judges the health of live objects, and plans the sync that converges them.
//!
//! The [`diff`], [`health`] and [`sync`] modules are pure functions over
//! `serde_json::Value` objects, following the semantics of Argo CD's engine.
//! The [`source`] module fetches and renders what Git (or a local directory)
//! declares; [`cluster`] reaches a live cluster through `kube::Client`.

pub mod app;
pub mod appset;
pub mod cluster;
pub mod diff;
pub mod health;
pub mod image;
pub mod server;
pub mod source;
pub mod sync;
pub mod ui;
pub mod webhook;
