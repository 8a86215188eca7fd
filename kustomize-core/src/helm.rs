//! `helmCharts` and `helmGlobals`: Kustomize 5.5's HelmChartInflationGenerator
//! for charts already unpacked under `chartHome`.
//!
//! This crate holds no template code: the build hands each chart to a
//! [`ChartRenderer`] (given in [`BuildOptions::helm`](crate::BuildOptions::helm),
//! which is what `kubectl kustomize --enable-helm` turns on) and reads the
//! manifests it prints. Charts are never pulled from a repository.

use serde::Deserialize;
use serde_json::{Map, Value};
use std::fmt;
use std::path::PathBuf;

use crate::fs::FileSystem;

/// Renders a chart as `helm template` prints it (`helm-core` implements
/// it; the engine and the CLI pass that). Unwind-safe, so that a build's
/// options can cross `catch_unwind` as before.
pub trait ChartRenderer: Send + Sync + fmt::Debug + std::panic::RefUnwindSafe {
    /// The manifests of `request.chart_dir` (a directory of `fs`), as
    /// `helm template` prints them; the error is the message Helm gives.
    fn render(&self, fs: &dyn FileSystem, request: &ChartRequest) -> Result<String, String>;
}

/// `kustomize build --helm-api-versions … --helm-kube-version …`: when set,
/// they replace the `apiVersions` and `kubeVersion` of every `helmCharts`
/// entry, as kustomize's flags do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HelmCapabilities {
    /// `--helm-api-versions` (Helm's `Capabilities.APIVersions`); empty
    /// leaves each chart's own.
    pub api_versions: Vec<String>,
    /// `--helm-kube-version` (Helm's `Capabilities.KubeVersion`); empty
    /// leaves each chart's own.
    pub kube_version: String,
}

impl HelmCapabilities {
    /// Applies the flags that are set to `request`.
    pub(crate) fn apply(&self, request: &mut ChartRequest) {
        if !self.api_versions.is_empty() {
            request.api_versions.clone_from(&self.api_versions);
        }
        if !self.kube_version.is_empty() {
            request.kube_version.clone_from(&self.kube_version);
        }
    }
}

/// One chart to render: the `helm template` flags Kustomize passes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChartRequest {
    /// The chart directory (`<chartHome>/<name>`).
    pub chart_dir: PathBuf,
    /// The release name (`release-name` when the entry has none, as Helm names it).
    pub release_name: String,
    /// `--namespace`; empty means Helm's default.
    pub namespace: String,
    /// `--name-template`; empty means none.
    pub name_template: String,
    /// The user values, one map per `--values` file, in order: the values
    /// file (merged with `valuesInline` as `valuesMerge` says), then the
    /// additional values files.
    pub values: Vec<Map<String, Value>>,
    /// `--api-versions`.
    pub api_versions: Vec<String>,
    /// `--kube-version`; empty means Helm's default.
    pub kube_version: String,
    /// `--include-crds`.
    pub include_crds: bool,
    /// `--skip-tests`.
    pub skip_tests: bool,
    /// `--no-hooks`.
    pub skip_hooks: bool,
}

/// The release name Helm gives a `helm template` run without one.
pub const DEFAULT_RELEASE_NAME: &str = "release-name";
/// The chart home when `helmGlobals.chartHome` is not set.
pub const DEFAULT_CHART_HOME: &str = "charts";

/// `helmGlobals`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct HelmGlobals {
    /// Where charts are found, relative to the kustomization (default `charts`).
    pub chart_home: String,
    /// Helm's configuration directory (unused: nothing is pulled).
    pub config_home: String,
}

/// One `helmCharts` entry.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct HelmChart {
    /// The chart's name: its directory under the chart home.
    pub name: String,
    /// The chart version; with `repo`, the chart lives in `<chartHome>/<name>-<version>/<name>`.
    pub version: String,
    /// The chart repository (never contacted).
    pub repo: String,
    /// The release name.
    pub release_name: String,
    /// The release namespace.
    pub namespace: String,
    /// Values files after `valuesFile`, relative to the kustomization.
    pub additional_values_files: Vec<String>,
    /// The values file, relative to the kustomization (default: the chart's `values.yaml`).
    pub values_file: String,
    /// Values given inline (`null` is none).
    pub values_inline: Option<Map<String, Value>>,
    /// How `valuesInline` combines with `valuesFile`: `override` (default;
    /// inline wins), `merge` (the file wins), `none` or `replace` (inline only).
    pub values_merge: String,
    /// Render the chart's `crds/` too.
    #[serde(rename = "includeCRDs")]
    pub include_crds: bool,
    /// Leave hooks out.
    pub skip_hooks: bool,
    /// Leave test hooks out.
    pub skip_tests: bool,
    /// Extra API versions for `.Capabilities.APIVersions`.
    pub api_versions: Vec<String>,
    /// The Kubernetes version for `.Capabilities.KubeVersion`.
    pub kube_version: String,
    /// `--name-template`.
    pub name_template: String,
    /// Helm's `--debug` (no effect here).
    pub debug: bool,
}

/// The legal `valuesMerge` options, in Kustomize's order.
const VALUES_MERGE_OPTIONS: [&str; 4] = ["none", "merge", "override", "replace"];

impl HelmChart {
    /// Checks the entry as Kustomize's `validateArgs` does.
    pub fn validate(&self) -> Result<(), String> {
        if self.name.is_empty() {
            return Err("chart name cannot be empty".into());
        }
        if !self.values_merge.is_empty() && !VALUES_MERGE_OPTIONS.contains(&&*self.values_merge) {
            return Err(format!(
                "valuesMerge must be one of [{}]",
                VALUES_MERGE_OPTIONS.join(" ")
            ));
        }
        Ok(())
    }

    /// The values of the values file combined with `valuesInline` as
    /// `valuesMerge` says (Kustomize's merge of the two YAML trees: maps
    /// merge key by key, anything else is taken whole from the winning side,
    /// a `null` from the winning side removes the key).
    pub fn combine_inline(&self, file_values: Map<String, Value>) -> Map<String, Value> {
        let Some(inline) = self.values_inline.clone().filter(|m| !m.is_empty()) else {
            return file_values;
        };
        match self.values_merge.as_str() {
            "none" | "replace" => inline,
            "merge" => merge_maps(inline, file_values),
            _ => merge_maps(file_values, inline),
        }
    }
}

/// `src` merged into `dest`: `src` wins.
fn merge_maps(mut dest: Map<String, Value>, src: Map<String, Value>) -> Map<String, Value> {
    for (key, value) in src {
        match (dest.get_mut(&key), value) {
            (_, Value::Null) => {
                dest.remove(&key);
            }
            (Some(Value::Object(inner)), Value::Object(theirs)) => {
                *inner = merge_maps(std::mem::take(inner), theirs);
            }
            (_, value) => {
                dest.insert(key, value);
            }
        }
    }
    dest
}

impl HelmChart {
    /// The generator config Kustomize prints in its errors: this entry and
    /// the globals, as YAML with sorted keys and empty fields left out.
    pub fn config_yaml(&self, globals: &HelmGlobals) -> String {
        let mut map = Map::new();
        let mut text = |key: &str, value: &str| {
            if !value.is_empty() {
                map.insert(key.into(), Value::String(value.into()));
            }
        };
        text("chartHome", &globals.chart_home);
        text("configHome", &globals.config_home);
        text("name", &self.name);
        text("version", &self.version);
        text("repo", &self.repo);
        text("releaseName", &self.release_name);
        text("namespace", &self.namespace);
        text("valuesFile", &self.values_file);
        text("valuesMerge", &self.values_merge);
        text("kubeVersion", &self.kube_version);
        text("nameTemplate", &self.name_template);
        let lists = [
            ("additionalValuesFiles", &self.additional_values_files),
            ("apiVersions", &self.api_versions),
        ];
        for (key, list) in lists {
            if !list.is_empty() {
                map.insert(key.into(), Value::from(list.clone()));
            }
        }
        if let Some(inline) = self.values_inline.clone().filter(|m| !m.is_empty()) {
            map.insert("valuesInline".into(), Value::Object(inline));
        }
        let flags = [
            ("includeCRDs", self.include_crds),
            ("skipHooks", self.skip_hooks),
            ("skipTests", self.skip_tests),
            ("debug", self.debug),
        ];
        for (key, on) in flags {
            if on {
                map.insert(key.into(), Value::Bool(true));
            }
        }
        let mut out = String::new();
        crate::yaml::emit_object(&map, &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn chart(value: Value) -> HelmChart {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn inline_values_combine_as_values_merge_says() {
        let file = json!({"a": {"b": 1, "c": 2}, "l": [1, 2], "keep": true});
        let file = file.as_object().unwrap().clone();
        let inline = json!({"a": {"b": 9, "c": null}, "l": [3], "new": "x"});
        let with = |merge: &str| {
            chart(json!({"name": "c", "valuesInline": inline, "valuesMerge": merge}))
                .combine_inline(file.clone())
        };
        assert_eq!(
            Value::Object(with("override")),
            json!({"a": {"b": 9}, "l": [3], "keep": true, "new": "x"})
        );
        assert_eq!(Value::Object(with("")), Value::Object(with("override")));
        assert_eq!(
            Value::Object(with("merge")),
            json!({"a": {"b": 1, "c": 2}, "l": [1, 2], "new": "x", "keep": true})
        );
        assert_eq!(Value::Object(with("replace")), inline);
        assert_eq!(Value::Object(with("none")), inline);
    }

    #[test]
    fn entries_are_validated_as_kustomize_does() {
        assert_eq!(
            chart(json!({})).validate().unwrap_err(),
            "chart name cannot be empty"
        );
        assert_eq!(
            chart(json!({"name": "c", "valuesMerge": "deep"}))
                .validate()
                .unwrap_err(),
            "valuesMerge must be one of [none merge override replace]"
        );
        assert!(serde_json::from_value::<HelmChart>(json!({"name": "c", "typo": 1})).is_err());
        let empty = chart(json!({"name": "c", "valuesInline": null}));
        assert_eq!(empty.combine_inline(Map::new()), Map::new());
    }

    #[test]
    fn the_config_prints_as_kustomize_prints_it() {
        // `kubectl kustomize` (5.5) without --enable-helm printed this config.
        let c = chart(json!({
            "name": "mychart", "version": "1.0.0", "includeCRDs": true, "namespace": "ns",
            "apiVersions": ["v1"], "valuesInline": {"b": 1, "a": ["x"]}
        }));
        let globals = HelmGlobals {
            chart_home: "charts2".into(),
            ..HelmGlobals::default()
        };
        assert_eq!(
            c.config_yaml(&globals),
            "apiVersions:\n- v1\nchartHome: charts2\nincludeCRDs: true\nname: mychart\nnamespace: ns\nvaluesInline:\n  a:\n  - x\n  b: 1\nversion: 1.0.0\n"
        );
    }
}
