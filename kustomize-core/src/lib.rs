//! Renders Kustomize trees exactly as `kubectl kustomize` (Kustomize 5.5) does.
//!
//! Files are read through a [`fs::FileSystem`], so a tree can come from disk,
//! memory, or a Git commit; nothing here does network or process I/O.

pub mod build;
pub mod error;
pub mod fieldspec;
pub mod fs;
pub mod generators;
pub mod kustomization;
pub mod replacements;
pub mod resmap;
pub mod resource;
pub mod scope;
pub mod selector;
pub mod smp;
pub mod vars;
pub mod yaml;

pub use build::{Build, BuildOptions, build, build_disk};
pub use error::Error;
