//! Renders Kustomize trees exactly as `kubectl kustomize` (Kustomize 5.5) does.
//!
//! Files are read through a [`fs::FileSystem`], so a tree can come from disk,
//! memory, or a Git commit; nothing here does network or process I/O.

pub mod error;
pub mod fieldspec;
pub mod fs;
pub mod generators;
pub mod json6902;
pub mod resource;
pub mod smp;
pub mod yaml;

pub use error::Error;
