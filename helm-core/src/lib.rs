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
//! - [`render`]: Helm's engine and the `helm template` pipeline.
//! - [`kustomize`]: the renderer of kustomizations' `helmCharts`.
//!
//! ```
//! use helm_core::chart::{Chart, ChartFile, parse_values};
//! use helm_core::render::{TemplateOptions, template};
//!
//! let files = vec![
//!     ChartFile { name: "Chart.yaml".into(), data: b"apiVersion: v2\nname: web\nversion: 1.0.0\n".to_vec() },
//!     ChartFile { name: "values.yaml".into(), data: b"replicas: 1\n".to_vec() },
//!     ChartFile {
//!         name: "templates/cm.yaml".into(),
//!         data: b"kind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  replicas: \"{{ .Values.replicas }}\"\n".to_vec(),
//!     },
//! ];
//! let chart = Chart::from_files(files)?;
//! let user = parse_values("replicas: 3", "inline")?;
//! let out = template(chart, &user, &TemplateOptions::default())?;
//! assert_eq!(
//!     out,
//!     "---\n# Source: web/templates/cm.yaml\nkind: ConfigMap\nmetadata:\n  name: release-name\ndata:\n  replicas: \"3\"\n"
//! );
//! # Ok::<(), helm_core::Error>(())
//! ```

pub mod chart;
pub mod dependencies;
mod error;
pub mod funcs;
pub mod kustomize;
pub mod manifests;
pub mod objects;
pub mod render;
pub mod schema;
pub mod semver;
pub mod values;

pub use chart::{Chart, ChartFile, Metadata};
pub use error::{Error, Result, go_yaml_error};

/// Helpers shared by the unit tests.
#[cfg(test)]
pub(crate) mod test_support {
    use std::path::{Path, PathBuf};

    /// The shared Helm corpus (`../shared/corpus/helm/helm-v3` beside the
    /// repository). Panics when it is absent: a skipped corpus test would
    /// pass while checking nothing.
    pub(crate) fn helm_corpus() -> PathBuf {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/helm/helm-v3");
        assert!(
            dir.is_dir(),
            "{} is absent; the shared corpora must sit beside the repository (../shared), as CI provides them",
            dir.display()
        );
        dir
    }
}
