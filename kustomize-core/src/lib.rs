//! Renders Kustomize trees exactly as `kubectl kustomize` (Kustomize 5.5) does.
//!
//! Files are read through a [`fs::FileSystem`], so a tree can come from disk,
//! memory, or a Git commit; nothing here does network or process I/O.

pub mod build;
pub mod edit;
pub mod error;
pub mod fieldspec;
pub mod fs;
pub mod generators;
pub mod json6902;
pub mod kustomization;
pub mod nameref;
pub mod origin;
pub mod replacements;
pub mod resmap;
pub mod resource;
pub mod scope;
pub mod selector;
pub mod smp;
pub mod transformers;
pub mod vars;
pub mod yaml;

pub use build::{Build, BuildOptions, build, build_disk};
pub use error::Error;
