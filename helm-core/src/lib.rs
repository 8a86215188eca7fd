//! Helm charts rendered as `helm template` (Helm v3) prints them. Pure: files
//! come through kustomize-core's `FileSystem`.
//!
//! - [`chart`]: loading a chart directory or `.tgz` archive (`Chart.yaml`,
//!   `.helmignore`, `values.yaml`, `values.schema.json`, `crds/`, `charts/`).
//! - [`values`]: the user's values (`-f`, `--set*`) and Helm's coalescing with
//!   chart defaults, subcharts and `global`.
//! - [`dependencies`]: aliases, `condition`/`tags`, `import-values`.
//! - [`schema`]: `values.schema.json` validation.
//! - [`manifests`]: splitting, hook detection, install-order sorting and the
//!   `---\n# Source: …` output of `helm template`.
//! - [`funcs`]: Helm's data functions (`toYaml`, `fromYaml`, `toJson`, …).
//! - [`objects`]: the built-in `.Release`, `.Capabilities`, `.Files` objects.

pub mod chart;
pub mod dependencies;
mod error;
pub mod funcs;
pub mod manifests;
pub mod objects;
pub mod render;
pub mod schema;
pub mod semver;
pub mod values;

pub use chart::{Chart, ChartFile, Metadata};
pub use error::{Error, Result, go_yaml_error};
