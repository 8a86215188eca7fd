//! Helm for kustomizations: [`ChartRenderer`] on this crate, so that a
//! build with `helmCharts` (`kubectl kustomize --enable-helm`) renders its
//! charts in-process.
//!
//! ```
//! use std::{path::Path, sync::Arc};
//! use kustomize_core::{BuildOptions, build, fs::MemFs};
//!
//! let mut fs = MemFs::new();
//! fs.add_file("/app/kustomization.yaml", "namePrefix: dev-\nhelmCharts:\n- name: web\n");
//! fs.add_file("/app/charts/web/Chart.yaml", "apiVersion: v2\nname: web\nversion: 1.0.0\n");
//! fs.add_file(
//!     "/app/charts/web/templates/cm.yaml",
//!     "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n",
//! );
//! let options = BuildOptions::default().with_helm(Arc::new(helm_core::kustomize::HelmRenderer));
//! let out = build(Arc::new(fs), Path::new("/app"), &options)?;
//! assert_eq!(out.to_yaml(), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dev-release-name\n");
//! # Ok::<(), kustomize_core::Error>(())
//! ```

use std::path::Path;

use kustomize_core::fs::FileSystem;
use kustomize_core::helm::{ChartRenderer, ChartRequest};

use crate::manifests::OutputOptions;
use crate::objects::{Capabilities, KubeVersion, ReleaseOptions};
use crate::render::{TemplateOptions, template_path};
use crate::values::ValueOptions;

/// Renders a kustomization's charts with this crate, as `helm template` would.
#[derive(Debug, Default, Clone, Copy)]
pub struct HelmRenderer;

impl ChartRenderer for HelmRenderer {
    fn render(&self, fs: &dyn FileSystem, request: &ChartRequest) -> Result<String, String> {
        let values = ValueOptions {
            inline_values: request.values.clone(),
            ..ValueOptions::default()
        };
        let mut capabilities = Capabilities::default();
        if !request.kube_version.is_empty() {
            capabilities.kube_version =
                KubeVersion::parse(&request.kube_version).map_err(|e| e.to_string())?;
        }
        capabilities
            .api_versions
            .extend(request.api_versions.iter().cloned());
        let mut release = ReleaseOptions {
            name: request.release_name.clone(),
            ..ReleaseOptions::default()
        };
        if !request.namespace.is_empty() {
            release.namespace.clone_from(&request.namespace);
        }
        let options = TemplateOptions {
            release,
            name_template: (!request.name_template.is_empty())
                .then(|| request.name_template.clone()),
            capabilities,
            output: OutputOptions {
                include_crds: request.include_crds,
                skip_tests: request.skip_tests,
                disable_hooks: request.skip_hooks,
                ..OutputOptions::default()
            },
            ..TemplateOptions::default()
        };
        template_path(fs, &request.chart_dir, &values, Path::new("/"), &options)
            .map_err(|e| e.to_string())
    }
}
