//! ConfigMap and Secret generators and the content-hash name suffix.
//!
//! [`generate_config_map`] and [`generate_secret`] turn one
//! `configMapGenerator` / `secretGenerator` entry into a [`Resource`]
//! (reading files through the [`Loader`], so the load restrictor applies);
//! [`content_hash`] computes the suffix kustomize appends to generated names
//! and [`add_hash_suffix`] appends it;
//! [`merge_generated`] combines a generated object with a base's object for
//! `behavior: merge` and `behavior: replace`.
//!
//! [`Resource`]: crate::resource::Resource
//! [`Loader`]: crate::fs::Loader

mod args;
mod error;
mod hash;
mod kv;
mod make;
mod merge;

pub use args::{ConfigMapArgs, GeneratorArgs, GeneratorOptions, SecretArgs};
pub use error::{GeneratorError, GeneratorKind, GeneratorRef};
pub use hash::{add_hash_suffix, content_hash, go_json};
pub use make::{generate_config_map, generate_secret};
pub use merge::merge_generated;
