//! The one error type of helm-core.

use std::path::PathBuf;

/// Everything that can go wrong loading, valuing or rendering a chart.
///
/// The `Display` text follows Helm's own messages where Helm has one, so a
/// CLI can print `Error: <message>` as `helm` does.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or directory could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file that failed.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The chart (or an archive holding it) is malformed.
    #[error("{0}")]
    InvalidChart(String),
    /// A YAML file of the chart or a values file could not be parsed.
    #[error("{file}: {source}")]
    Yaml {
        /// The file (chart-relative or as given by the user).
        file: String,
        /// The parser's error, with line and column.
        source: kustomize_core::yaml::YamlError,
    },
    /// `Chart.yaml` fails Helm's metadata validation.
    #[error("validation: {0}")]
    Validation(String),
    /// A `--set` style expression could not be parsed.
    #[error("{0}")]
    Set(String),
    /// Values do not satisfy a chart's `values.schema.json`.
    #[error(
        "values don't meet the specifications of the schema(s) in the following chart(s):\n{0}"
    )]
    Schema(String),
    /// A rendered manifest is not valid YAML.
    #[error(
        "YAML parse error on {template}: error converting YAML to JSON: {}",
        go_yaml_error(source)
    )]
    ManifestYaml {
        /// The template path, `chart/templates/x.yaml`.
        template: String,
        /// The parser's error, with line and column.
        source: kustomize_core::yaml::YamlError,
        /// Every non-empty rendered file as `---\n# Source: <file>\n<text>\n`
        /// (what `helm template --debug` prints before the error).
        rendered: String,
    },
    /// `--show-only` named a template that rendered nothing.
    #[error("could not find template {0} in chart")]
    ShowOnlyMissing(String),
    /// A template failed to render (`fail`, `required`, a broken template).
    #[error("{0}")]
    Template(String),
}

/// A YAML error in go-yaml v2's words (`yaml: line N: <libyaml message>`),
/// as Helm reports rendered manifests that do not parse.
pub fn go_yaml_error(error: &kustomize_core::yaml::YamlError) -> String {
    let message = match error.message.as_str() {
        "simple key expected" => "could not find expected ':'",
        other => other,
    };
    match error.line {
        Some(line) => format!("yaml: line {line}: {message}"),
        None => format!("yaml: {message}"),
    }
}

/// Results of helm-core.
pub type Result<T, E = Error> = std::result::Result<T, E>;
