//! The `helmCharts` generator step: each entry's chart, found under the
//! chart home, rendered by the build's [`ChartRenderer`] with the values
//! Kustomize would pass to `helm template`, and its manifests absorbed.

use super::load::resources_from_bytes;
use super::steps::absorb;
use super::target::{Accumulator, Context, Target};
use crate::Error;
use crate::helm::{
    ChartRenderer, ChartRequest, DEFAULT_CHART_HOME, DEFAULT_RELEASE_NAME, HelmChart, HelmGlobals,
};
use serde_json::{Map, Value};
use std::path::Path;

/// The field errors name.
const FIELD: &str = "helmCharts";

/// Renders the kustomization's `helmCharts` into `acc`, after the other
/// builtin generators (Kustomize's order).
pub(crate) fn run(t: &Target, acc: &mut Accumulator, ctx: &mut Context) -> Result<(), Error> {
    let Some(entries) = &t.k.helm_charts else {
        return Ok(());
    };
    let charts: Vec<HelmChart> = t.typed(FIELD, entries)?;
    let globals: HelmGlobals = match &t.k.helm_globals {
        Some(value) => t.typed("helmGlobals", value)?,
        None => HelmGlobals::default(),
    };
    for chart in &charts {
        let Some(renderer) = ctx.helm.clone() else {
            return Err(t.invalid_field(
                FIELD,
                configure_error(chart, &globals, "must specify --enable-helm"),
            ));
        };
        chart
            .validate()
            .map_err(|e| t.invalid_field(FIELD, configure_error(chart, &globals, &e)))?;
        let mut request = t.chart_request(chart, &globals)?;
        ctx.helm_capabilities.apply(&mut request);
        let fs = t.loader.fs().clone();
        let text = renderer
            .render(fs.as_ref(), &request)
            .map_err(|e| t.invalid_field(FIELD, format!("chart '{}': {e}", chart.name)))?;
        ctx.charge(t, text.len(), 0)?;
        let resources = resources_from_bytes(text.as_bytes(), &request.chart_dir)?;
        ctx.charge(t, 0, resources.len())?;
        let origin = t.builtin_origin("HelmChartInflationGenerator");
        for res in resources {
            absorb(t, acc, res, origin.clone(), FIELD)?;
        }
    }
    Ok(())
}

/// Kustomize's message for a generator it could not configure.
fn configure_error(chart: &HelmChart, globals: &HelmGlobals, problem: &str) -> String {
    format!(
        "trouble configuring builtin HelmChartInflationGenerator with config: `\n{}`: {problem}",
        chart.config_yaml(globals)
    )
}

impl Target {
    /// The `helm template` run Kustomize makes for `chart`.
    fn chart_request(
        &self,
        chart: &HelmChart,
        globals: &HelmGlobals,
    ) -> Result<ChartRequest, Error> {
        let chart_home = if globals.chart_home.is_empty() {
            DEFAULT_CHART_HOME
        } else {
            &globals.chart_home
        };
        let mut home = self.loader.resolve(chart_home);
        if !chart.version.is_empty() && !chart.repo.is_empty() {
            home.push(format!("{}-{}", chart.name, chart.version));
        }
        let chart_dir = home.join(&chart.name);
        if !self.loader.fs().is_dir(&chart_dir) {
            return Err(self.invalid_field(FIELD, missing_chart(chart, &chart_dir)));
        }
        self.loader
            .check_within_root(&chart_dir)
            .map_err(|source| Error::Read {
                kustomization: self.file.clone(),
                field: FIELD.into(),
                source,
            })?;
        let default_values_file = Path::new(chart_home).join(&chart.name).join("values.yaml");
        let values_file = if chart.values_file.is_empty() {
            let default = default_values_file.to_string_lossy().into_owned();
            // A chart without values.yaml (or pulled into `<name>-<version>/`) has none to add.
            self.loader
                .fs()
                .is_file(&self.loader.resolve(&default))
                .then_some(default)
        } else {
            Some(chart.values_file.clone())
        };
        let file_values = match &values_file {
            Some(file) => self.values_map(file)?,
            None => Map::new(),
        };
        let mut values = vec![chart.combine_inline(file_values)];
        for file in &chart.additional_values_files {
            values.push(self.values_map(file)?);
        }
        Ok(ChartRequest {
            chart_dir,
            release_name: if chart.release_name.is_empty() {
                DEFAULT_RELEASE_NAME.into()
            } else {
                chart.release_name.clone()
            },
            namespace: chart.namespace.clone(),
            name_template: chart.name_template.clone(),
            values,
            api_versions: chart.api_versions.clone(),
            kube_version: chart.kube_version.clone(),
            include_crds: chart.include_crds,
            skip_tests: chart.skip_tests,
            skip_hooks: chart.skip_hooks,
        })
    }

    /// A values file named in `helmCharts`, as a map (an empty file is an empty map).
    fn values_map(&self, rel: &str) -> Result<Map<String, Value>, Error> {
        match self.read_yaml(rel, FIELD)? {
            Value::Object(map) => Ok(map),
            Value::Null => Ok(Map::new()),
            _ => Err(Error::Invalid {
                path: self.loader.resolve(rel),
                message: "a values file must hold a mapping".into(),
            }),
        }
    }
}

/// Why a chart is not there: Kustomize's message without a repository;
/// with one, that charts are not pulled here.
fn missing_chart(chart: &HelmChart, chart_dir: &Path) -> String {
    if chart.repo.is_empty() {
        return format!(
            "no repo specified for pull, no chart found at '{}'",
            chart_dir.display()
        );
    }
    let version = if chart.version.is_empty() {
        String::new()
    } else {
        format!(" --version {}", chart.version)
    };
    format!(
        "chart '{}' from repo '{}' is not present at '{}': charts are not pulled from the network; \
         unpack it there first (helm pull {}{version} --repo {} --untar --untardir {})",
        chart.name,
        chart.repo,
        chart_dir.display(),
        chart.name,
        chart.repo,
        chart_dir.parent().unwrap_or(chart_dir).display(),
    )
}

/// The renderer a build was given, shared by its kustomizations.
pub(crate) type SharedRenderer = std::sync::Arc<dyn ChartRenderer>;

#[cfg(test)]
mod tests {
    use crate::fs::MemFs;
    use crate::helm::{ChartRenderer, ChartRequest};
    use crate::{BuildOptions, build};
    use serde_json::json;
    use std::path::Path;
    use std::sync::{Arc, Mutex};

    /// Records the requests and prints one ConfigMap named after the release.
    #[derive(Debug, Default)]
    struct Recorder(Mutex<Vec<ChartRequest>>);

    impl ChartRenderer for Recorder {
        fn render(
            &self,
            _: &dyn crate::fs::FileSystem,
            r: &ChartRequest,
        ) -> Result<String, String> {
            self.0.lock().unwrap().push(r.clone());
            Ok(format!(
                "---\n# Source: c/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {}\n",
                r.release_name
            ))
        }
    }

    fn fs(kustomization: &str) -> MemFs {
        let mut fs = MemFs::new();
        fs.add_file("/app/kustomization.yaml", kustomization);
        fs.add_file("/app/charts/web/Chart.yaml", "name: web\n");
        fs.add_file("/app/charts/web/values.yaml", "a: {b: 1, c: 2}\nl: [1]\n");
        fs.add_file("/app/home/web-1.0.0/web/Chart.yaml", "name: web\n");
        fs.add_file("/app/extra.yaml", "x: 1\n");
        fs
    }

    fn run(fs: MemFs) -> (Result<String, String>, Vec<ChartRequest>) {
        run_with(fs, BuildOptions::default())
    }

    fn run_with(fs: MemFs, options: BuildOptions) -> (Result<String, String>, Vec<ChartRequest>) {
        let recorder = Arc::new(Recorder::default());
        let options = options.with_helm(recorder.clone());
        let out = build(Arc::new(fs), Path::new("/app"), &options)
            .map(|b| b.to_yaml())
            .map_err(|e| e.to_string());
        let requests = recorder.0.lock().unwrap().clone();
        (out, requests)
    }

    #[test]
    fn requests_carry_what_kustomize_passes_to_helm() {
        let (out, requests) = run(fs(
            "namePrefix: p-\nhelmCharts:\n- name: web\n  valuesInline: {a: {b: 9}, l: [2]}\n  additionalValuesFiles: [extra.yaml]\n  namespace: ns\n  includeCRDs: true\n- name: web\n  repo: https://example.com\n  version: 1.0.0\n  releaseName: second\n  valuesMerge: replace\n  valuesInline: {z: 1}\nhelmGlobals:\n  chartHome: charts\n",
        ));
        let first = &requests[0];
        assert_eq!(first.chart_dir, Path::new("/app/charts/web"));
        assert_eq!(first.release_name, "release-name");
        assert_eq!(first.namespace, "ns");
        assert!(first.include_crds);
        let values: Vec<_> = first.values.iter().map(|m| json!(m)).collect();
        assert_eq!(
            values,
            [json!({"a": {"b": 9, "c": 2}, "l": [2]}), json!({"x": 1})]
        );
        // chartHome is charts/ for both: the versioned chart is not there.
        assert_eq!(requests.len(), 1);
        let err = out.unwrap_err();
        assert!(
            err.contains("chart 'web' from repo 'https://example.com' is not present at '/app/charts/web-1.0.0/web'"),
            "{err}"
        );
        let (out, requests) = run(fs(
            "helmGlobals:\n  chartHome: home\nhelmCharts:\n- name: web\n  repo: https://example.com\n  version: 1.0.0\n  releaseName: second\n  valuesMerge: replace\n  valuesInline: {z: 1}\n",
        ));
        assert_eq!(requests[0].chart_dir, Path::new("/app/home/web-1.0.0/web"));
        assert_eq!(requests[0].values.len(), 1);
        assert_eq!(json!(requests[0].values[0]), json!({"z": 1}));
        assert_eq!(
            out.unwrap(),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: second\n"
        );
    }

    /// kustomize's `--helm-api-versions` and `--helm-kube-version` replace
    /// the entries' own (`HelmChartInflationGenerator`'s `Config`).
    #[test]
    fn capability_flags_replace_the_charts_own() {
        let k = "helmCharts:\n- name: web\n  apiVersions: [a/v1]\n  kubeVersion: '1.20'\n";
        let (_, requests) = run(fs(k));
        assert_eq!(requests[0].api_versions, ["a/v1"]);
        assert_eq!(requests[0].kube_version, "1.20");
        let flags = crate::helm::HelmCapabilities {
            api_versions: vec!["b/v1".into(), "c/v2".into()],
            kube_version: "1.29".into(),
        };
        let options = BuildOptions::default().with_helm_capabilities(flags);
        let (_, requests) = run_with(fs(k), options);
        assert_eq!(requests[0].api_versions, ["b/v1", "c/v2"]);
        assert_eq!(requests[0].kube_version, "1.29");
        let only_kube = crate::helm::HelmCapabilities {
            kube_version: "1.30".into(),
            ..Default::default()
        };
        let options = BuildOptions::default().with_helm_capabilities(only_kube);
        let (_, requests) = run_with(fs(k), options);
        assert_eq!(requests[0].api_versions, ["a/v1"]);
        assert_eq!(requests[0].kube_version, "1.30");
    }

    #[test]
    fn charts_outside_the_root_and_bad_entries_fail() {
        let mut outside = fs("helmGlobals:\n  chartHome: ../elsewhere\nhelmCharts:\n- name: web\n");
        outside.add_file("/elsewhere/web/Chart.yaml", "name: web\n");
        let err = run(outside).0.unwrap_err();
        assert!(err.contains("helmCharts"), "{err}");
        let err = run(fs("helmCharts:\n- name: web\n  valuesMerge: deep\n"))
            .0
            .unwrap_err();
        assert!(
            err.ends_with("`: valuesMerge must be one of [none merge override replace]"),
            "{err}"
        );
        let err = run(fs("helmCharts:\n- name: web\n  unknownField: 1\n"))
            .0
            .unwrap_err();
        assert!(err.contains("unknownField"), "{err}");
        let no_helm = build(
            Arc::new(fs("helmCharts:\n- name: web\n")),
            Path::new("/app"),
            &BuildOptions::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            no_helm.ends_with("helmCharts: trouble configuring builtin HelmChartInflationGenerator with config: `\nname: web\n`: must specify --enable-helm"),
            "{no_helm}"
        );
    }
}
