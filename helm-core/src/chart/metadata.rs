//! `Chart.yaml`: the chart's metadata and its declared dependencies.

use crate::error::{Error, Result};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value, json};

/// One entry of `dependencies:` in `Chart.yaml` (or `requirements.yaml` for apiVersion v1).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dependency {
    /// The chart's name (its `Chart.yaml` name), replaced by `alias` once dependencies are processed.
    #[serde(default, deserialize_with = "lenient_string")]
    pub name: String,
    /// A semantic version constraint the subchart must satisfy.
    #[serde(default, deserialize_with = "lenient_string")]
    pub version: String,
    /// Where the chart comes from (not used offline).
    #[serde(default, deserialize_with = "lenient_string")]
    pub repository: String,
    /// Comma-separated value paths; the first boolean found enables or disables the chart.
    #[serde(default, deserialize_with = "lenient_string")]
    pub condition: String,
    /// Tags under `tags:` in the values that enable or disable the chart.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Whether the chart is rendered (set while dependencies are processed).
    #[serde(default)]
    pub enabled: bool,
    /// `import-values`: strings (`exports.<x>` imported at the root) or `{child, parent}` maps.
    #[serde(default, rename = "import-values")]
    pub import_values: Vec<Value>,
    /// The name the subchart is used under.
    #[serde(default, deserialize_with = "lenient_string")]
    pub alias: String,
}

/// A maintainer listed in `Chart.yaml`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Maintainer {
    /// Name.
    #[serde(default, deserialize_with = "lenient_string")]
    pub name: String,
    /// E-mail address.
    #[serde(default, deserialize_with = "lenient_string")]
    pub email: String,
    /// Web address.
    #[serde(default, deserialize_with = "lenient_string")]
    pub url: String,
}

/// The contents of `Chart.yaml`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    /// The chart's name.
    #[serde(default, deserialize_with = "lenient_string")]
    pub name: String,
    /// The chart's home page.
    #[serde(default, deserialize_with = "lenient_string")]
    pub home: String,
    /// Source code addresses.
    #[serde(default)]
    pub sources: Vec<String>,
    /// The chart's SemVer 2 version.
    #[serde(default, deserialize_with = "lenient_string")]
    pub version: String,
    /// One-line description.
    #[serde(default, deserialize_with = "lenient_string")]
    pub description: String,
    /// Search keywords.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Maintainers.
    #[serde(default)]
    pub maintainers: Vec<Maintainer>,
    /// Icon address.
    #[serde(default, deserialize_with = "lenient_string")]
    pub icon: String,
    /// `v1` (Helm 2 charts) or `v2`.
    #[serde(default, deserialize_with = "lenient_string")]
    pub api_version: String,
    /// Deprecated chart-level condition.
    #[serde(default, deserialize_with = "lenient_string")]
    pub condition: String,
    /// Deprecated chart-level tags.
    #[serde(default, deserialize_with = "lenient_string")]
    pub tags: String,
    /// Version of the packaged application.
    #[serde(default, deserialize_with = "lenient_string")]
    pub app_version: String,
    /// Whether the chart is deprecated.
    #[serde(default)]
    pub deprecated: bool,
    /// Free-form annotations.
    #[serde(default)]
    pub annotations: Map<String, Value>,
    /// Constraint on the Kubernetes version.
    #[serde(default, deserialize_with = "lenient_string")]
    pub kube_version: String,
    /// Declared dependencies (subcharts).
    #[serde(default)]
    pub dependencies: Vec<Dependency>,
    /// `application` (default) or `library`.
    #[serde(default, rename = "type", deserialize_with = "lenient_string")]
    pub chart_type: String,
}

/// A string field that YAML may have written as a number or boolean
/// (`version: 1.0`), as sigs.k8s.io/yaml reads it into a Go string.
fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => String::new(),
        Value::String(s) => s,
        other => other.to_string(),
    })
}

impl Metadata {
    /// Parses `Chart.yaml` text.
    pub fn parse(text: &str, file: &str) -> Result<Self> {
        let value = kustomize_core::yaml::parse_document(text).map_err(|source| Error::Yaml {
            file: file.to_string(),
            source,
        })?;
        let value = if value.is_null() {
            Value::Object(Map::new())
        } else {
            value
        };
        serde_json::from_value(value)
            .map_err(|e| Error::InvalidChart(format!("cannot load {file}: {e}")))
    }

    /// Whether this is a library chart (defines templates, renders nothing).
    pub fn is_library(&self) -> bool {
        self.chart_type == "library"
    }

    /// Helm's `Metadata.Validate`: the checks `helm template` runs on every chart.
    pub fn validate(&self) -> Result<()> {
        if self.api_version.is_empty() {
            return Err(Error::Validation(
                "chart.metadata.apiVersion is required".into(),
            ));
        }
        if self.name.is_empty() {
            return Err(Error::Validation("chart.metadata.name is required".into()));
        }
        if self.name.contains('/')
            || self.name.contains('\\')
            || self.name == "."
            || self.name == ".."
        {
            return Err(Error::Validation(format!(
                "chart.metadata.name {:?} is invalid",
                self.name
            )));
        }
        if self.version.is_empty() {
            return Err(Error::Validation(
                "chart.metadata.version is required".into(),
            ));
        }
        if crate::semver::Version::parse(&self.version).is_none() {
            return Err(Error::Validation(format!(
                "chart.metadata.version {:?} is invalid",
                self.version
            )));
        }
        if !matches!(self.chart_type.as_str(), "" | "application" | "library") {
            return Err(Error::Validation(
                "chart.metadata.type must be application or library".into(),
            ));
        }
        for dep in &self.dependencies {
            if dep.name.is_empty() {
                return Err(Error::Validation("dependencies must have a name".into()));
            }
        }
        Ok(())
    }

    /// The `.Chart` object templates see: a map with Go's field names
    /// (`Name`, `AppVersion`, …), every field present as in Helm's struct.
    pub fn to_template_value(&self) -> Value {
        let maintainers: Vec<Value> = self
            .maintainers
            .iter()
            .map(|mt| json!({"Name": mt.name, "Email": mt.email, "URL": mt.url}))
            .collect();
        let dependencies: Vec<Value> = self
            .dependencies
            .iter()
            .map(|d| {
                json!({"Name": d.name, "Version": d.version, "Repository": d.repository,
                    "Condition": d.condition, "Tags": d.tags, "Enabled": d.enabled,
                    "ImportValues": d.import_values, "Alias": d.alias})
            })
            .collect();
        json!({
            "Name": self.name,
            "Home": self.home,
            "Sources": self.sources,
            "Version": self.version,
            "Description": self.description,
            "Keywords": self.keywords,
            "Maintainers": maintainers,
            "Icon": self.icon,
            "APIVersion": self.api_version,
            "Condition": self.condition,
            "Tags": self.tags,
            "AppVersion": self.app_version,
            "Deprecated": self.deprecated,
            "Annotations": self.annotations,
            "KubeVersion": self.kube_version,
            "Dependencies": dependencies,
            "Type": self.chart_type,
        })
    }
}
