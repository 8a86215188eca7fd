//! A chart in memory: metadata, templates, default values, schema, other
//! files and subcharts, built from a list of chart-relative files as Helm's
//! loader builds it.

mod ignore;
mod load;
mod metadata;

pub use ignore::{HELMIGNORE, IgnoreRules};
pub use load::{load, load_archive, load_dir};
pub use metadata::{Dependency, Maintainer, Metadata};

use crate::error::{Error, Result};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// One file of a chart, named by its `/`-separated path relative to the chart root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartFile {
    /// Path relative to the chart root (`templates/deployment.yaml`).
    pub name: String,
    /// Raw contents.
    pub data: Vec<u8>,
}

/// A loaded chart.
#[derive(Debug, Clone, Default)]
pub struct Chart {
    /// `Chart.yaml`.
    pub metadata: Metadata,
    /// Files under `templates/`.
    pub templates: Vec<ChartFile>,
    /// `values.yaml` (empty when absent).
    pub values: Map<String, Value>,
    /// `values.schema.json`, when present.
    pub schema: Option<Vec<u8>>,
    /// Every other file (what `.Files` sees; `crds/` included).
    pub files: Vec<ChartFile>,
    /// Subcharts found under `charts/` (directories and `.tgz` archives), by name.
    pub dependencies: Vec<Chart>,
}

/// Extensions of files under `crds/` that are CRD manifests.
const MANIFEST_EXTENSIONS: [&str; 3] = [".yaml", ".yml", ".json"];

impl Chart {
    /// The chart's name from `Chart.yaml`.
    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    /// Builds a chart from its files, as Helm's `loader.LoadFiles` does.
    pub fn from_files(files: Vec<ChartFile>) -> Result<Chart> {
        let mut chart = Chart::default();
        let mut saw_chart_yaml = false;
        let mut requirements = None;
        let mut subcharts: BTreeMap<String, Vec<ChartFile>> = BTreeMap::new();
        for file in files {
            match file.name.as_str() {
                "Chart.yaml" => {
                    chart.metadata = Metadata::parse(&text(&file)?, "Chart.yaml")?;
                    saw_chart_yaml = true;
                }
                "values.yaml" => chart.values = parse_values(&text(&file)?, "values.yaml")?,
                "values.schema.json" => chart.schema = Some(file.data),
                "requirements.yaml" => requirements = Some(file),
                "Chart.lock" | "requirements.lock" => {}
                name if name.starts_with("templates/") => chart.templates.push(file),
                name if name.starts_with("charts/") && !name.ends_with(".prov") => {
                    let rest = &name["charts/".len()..];
                    let sub = rest.split('/').next().unwrap_or(rest).to_string();
                    let name = rest.to_string();
                    subcharts.entry(sub).or_default().push(ChartFile {
                        name,
                        data: file.data,
                    });
                }
                _ => chart.files.push(file),
            }
        }
        if !saw_chart_yaml {
            return Err(Error::InvalidChart("Chart.yaml file is missing".into()));
        }
        if chart.metadata.api_version.is_empty() {
            chart.metadata.api_version = "v1".into();
        }
        if let Some(file) = requirements {
            #[derive(serde::Deserialize)]
            struct Requirements {
                #[serde(default)]
                dependencies: Vec<Dependency>,
            }
            let value = kustomize_core::yaml::parse_document(&text(&file)?).map_err(|source| {
                Error::Yaml {
                    file: file.name.clone(),
                    source,
                }
            })?;
            if !value.is_null() {
                let req: Requirements = serde_json::from_value(value).map_err(|e| {
                    Error::InvalidChart(format!("cannot load requirements.yaml: {e}"))
                })?;
                chart.metadata.dependencies = req.dependencies;
            }
        }
        chart.metadata.validate()?;
        for (sub, files) in subcharts {
            if sub.starts_with('_') || sub.starts_with('.') {
                continue;
            }
            let loaded = if sub.ends_with(".tgz") {
                match files.into_iter().find(|f| f.name == sub) {
                    Some(file) => load_archive(&file.data),
                    None => continue,
                }
            } else {
                let files = files
                    .into_iter()
                    .filter_map(|f| {
                        let (_, rest) = f.name.split_once('/')?;
                        Some(ChartFile {
                            name: rest.to_string(),
                            data: f.data,
                        })
                    })
                    .collect();
                Chart::from_files(files)
            };
            let loaded = loaded.map_err(|e| {
                Error::InvalidChart(format!(
                    "error unpacking subchart {sub} in {}: {e}",
                    chart.metadata.name
                ))
            })?;
            chart.dependencies.push(loaded);
        }
        Ok(chart)
    }

    /// The chart's CRD manifests (`crds/*.yaml|yml|json`), then its
    /// subcharts' in turn, each named `<chart path>/crds/<file>` as Helm prints it.
    pub fn crd_objects(&self) -> Vec<(String, &ChartFile)> {
        let mut out = Vec::new();
        self.collect_crds(self.name(), &mut out);
        out
    }

    fn collect_crds<'a>(&'a self, path: &str, out: &mut Vec<(String, &'a ChartFile)>) {
        for file in &self.files {
            if file.name.starts_with("crds/")
                && MANIFEST_EXTENSIONS
                    .iter()
                    .any(|ext| file.name.ends_with(ext))
            {
                out.push((format!("{path}/{}", file.name), file));
            }
        }
        for dep in &self.dependencies {
            dep.collect_crds(&format!("{path}/charts/{}", dep.name()), out);
        }
    }
}

fn text(file: &ChartFile) -> Result<String> {
    String::from_utf8(file.data.clone())
        .map_err(|_| Error::InvalidChart(format!("{} is not valid UTF-8", file.name)))
}

/// Parses a values document (`values.yaml`, a `-f` file) into a map; empty
/// is an empty map, and numbers are float64 as Helm reads them.
pub fn parse_values(text: &str, file: &str) -> Result<Map<String, Value>> {
    let value = kustomize_core::yaml::parse_document(text).map_err(|source| Error::Yaml {
        file: file.to_string(),
        source,
    })?;
    match value {
        Value::Null => Ok(Map::new()),
        Value::Object(mut map) => {
            map.values_mut().for_each(crate::values::to_float_numbers);
            Ok(map)
        }
        _ => Err(Error::InvalidChart(format!(
            "{file}: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {{}}"
        ))),
    }
}
