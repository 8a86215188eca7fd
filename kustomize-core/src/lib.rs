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

pub mod build;
pub mod edit;
pub mod error;
pub mod fieldspec;
pub mod fs;
pub mod generators;
pub mod helm;
pub mod json6902;
pub mod kind_order;
pub mod kustomization;
pub mod nameref;
pub mod origin;
pub mod pattern;
pub mod remote;
pub mod replacements;
pub mod resmap;
pub mod resource;
pub mod scope;
pub mod selector;
pub mod smp;
pub mod transformers;
pub mod value_kind;
pub mod vars;
pub mod yaml;

pub use build::{Build, BuildLimits, BuildOptions, build, build_disk};
pub use error::Error;
