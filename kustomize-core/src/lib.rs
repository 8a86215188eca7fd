//! Renders Kustomize trees exactly as `kubectl kustomize` (Kustomize 5.5) does.
//!
//! Files are read through a [`fs::FileSystem`], so a tree can come from disk,
//! memory, or a Git commit; nothing here does network or process I/O:
//! remote bases and files are fetched by a [`remote::RemoteResolver`] the
//! caller supplies.
//!
//! ```
//! use std::{path::Path, sync::Arc};
//! use kustomize_core::{BuildOptions, build, fs::MemFs};
//!
//! let mut fs = MemFs::new();
//! fs.add_file("/app/kustomization.yaml", "namePrefix: dev-\nresources: [cm.yaml]\n");
//! fs.add_file("/app/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  debug: \"true\"\n");
//! let out = build(Arc::new(fs), Path::new("/app"), &BuildOptions::default())?;
//! assert_eq!(
//!     out.to_yaml(),
//!     "apiVersion: v1\ndata:\n  debug: \"true\"\nkind: ConfigMap\nmetadata:\n  name: dev-settings\n"
//! );
//! # Ok::<(), kustomize_core::Error>(())
//! ```

mod build;
pub mod edit;
pub mod error;
pub mod fs;
pub mod helm;
pub mod remote;
pub mod resource;
pub mod selector;
pub mod smp;
pub mod yaml;

// Internals the crate's own integration tests (and helm-core's Go-style JSON)
// reach; not part of the API.
#[doc(hidden)]
pub mod fieldspec;
#[doc(hidden)]
pub mod generators;
#[doc(hidden)]
pub mod json6902;
#[doc(hidden)]
pub mod replacements;
#[doc(hidden)]
pub mod transformers;
#[doc(hidden)]
pub mod vars;

mod kind_order;
mod kustomization;
mod nameref;
mod origin;
mod pattern;
mod resmap;
mod scope;
mod value_kind;

pub use build::{Build, BuildLimits, BuildOptions, build, build_disk};
pub use error::Error;
pub use kustomization::FILE_NAMES as KUSTOMIZATION_FILE_NAMES;
pub use kustomization::RootOverrides;
