//! Rendering: Helm's engine (every template of the chart and its subcharts
//! parsed into one set, deepest first, then each non-partial executed with
//! its chart's `.Values`, `.Chart`, `.Files`, `.Release`, `.Capabilities`,
//! `.Template`) and the `helm install --dry-run` / `helm template` pipeline
//! around it (dependency checks and processing, values coalescing, schema
//! validation, manifest sorting, output).

use crate::chart::{Chart, load};
use crate::dependencies::process_dependencies;
use crate::error::{Error, Result};
use crate::funcs::{self, WARN_END, WARN_START, to_template_value};
use crate::manifests::{OutputOptions, Release, build_release, template_output};
use crate::objects::{Capabilities, Files, ReleaseOptions};
use crate::schema::validate_values;
use crate::values::{ValueOptions, coalesce_values};
use gotemplate::{FuncMap, MissingKey, Options, TemplateSet, Value};
use kustomize_core::fs::FileSystem;
use serde_json::{Map, Value as Json};
use std::collections::BTreeMap;
use std::path::Path;

/// Everything `helm template` takes besides the chart and the values.
#[derive(Debug, Clone, Default)]
pub struct TemplateOptions {
    /// The release (name, namespace).
    pub release: ReleaseOptions,
    /// `--name-template`: a template whose output is the release name.
    pub name_template: Option<String>,
    /// `.Capabilities` (`--kube-version`, `--api-versions` added to the defaults).
    pub capabilities: Capabilities,
    /// What is printed (`--include-crds`, `--skip-tests`, `--show-only`, `--no-hooks`).
    pub output: OutputOptions,
    /// `--skip-schema-validation`.
    pub skip_schema_validation: bool,
    /// `--strict`: a missing key is an error instead of an empty value.
    pub strict: bool,
}

/// One template to execute: its source and the data its chart sees.
struct Renderable {
    text: String,
    chart_data: ChartData,
    base_path: String,
}

/// The per-chart objects shared by the chart's templates.
#[derive(Clone)]
struct ChartData(gotemplate::Map);

/// Renders every template of `chart` (dependencies already processed) with
/// coalesced `values`, as Helm's `engine.Render`: a map from
/// `chart/templates/x.yaml` (subcharts under `chart/charts/sub/…`) to its text.
pub fn render_templates(
    chart: &Chart,
    values: &Map<String, Json>,
    release: &ReleaseOptions,
    capabilities: &Capabilities,
    strict: bool,
) -> Result<BTreeMap<String, String>> {
    let release = release.to_template_value();
    let capabilities = capabilities.to_template_value();
    let root_values = to_template_value(&Json::Object(values.clone()));
    let mut templates = BTreeMap::new();
    collect_templates(
        chart,
        chart.name(),
        true,
        root_values,
        &release,
        &capabilities,
        &mut templates,
    );
    let mut funcs = FuncMap::sprig();
    funcs::register(&mut funcs);
    let options = Options {
        missing_key: if strict {
            MissingKey::Error
        } else {
            MissingKey::Zero
        },
        limits: gotemplate::Limits {
            max_depth: funcs::MAX_TEMPLATE_DEPTH,
            ..gotemplate::Limits::default()
        },
    };
    let mut set = TemplateSet::new(funcs).with_options(options);
    let order = parse_order(&templates);
    for name in &order {
        set.parse(name, &templates[*name].text)
            .map_err(|e| Error::Template(parse_error(name, &e.to_string())))?;
    }
    let mut rendered = BTreeMap::new();
    for name in order {
        let base = name.rsplit('/').next().unwrap_or(name);
        if base.starts_with('_') {
            continue;
        }
        let renderable = &templates[name];
        let data = renderable.chart_data.0.clone();
        let mut template = BTreeMap::new();
        template.insert("Name".to_string(), Value::from(name.as_str()));
        template.insert(
            "BasePath".to_string(),
            Value::from(renderable.base_path.as_str()),
        );
        data.insert(
            "Template",
            Value::Map(gotemplate::Map::from_entries(template)),
        );
        let out = set
            .execute(name, &Value::Map(data))
            .map_err(|e| Error::Template(exec_error(&e)))?;
        let out = if strict {
            out
        } else {
            out.replace("<no value>", "")
        };
        rendered.insert(name.clone(), out);
    }
    Ok(rendered)
}

/// Helm's `recAllTpls`: the templates of `chart` and its subcharts with the data each sees.
fn collect_templates(
    chart: &Chart,
    path: &str,
    is_root: bool,
    values: Value,
    release: &Value,
    capabilities: &Value,
    out: &mut BTreeMap<String, Renderable>,
) -> Value {
    let values = match values {
        Value::Map(map) => Value::Map(map),
        _ => Value::Map(gotemplate::Map::new()),
    };
    let mut chart_value = chart.metadata.to_template_value();
    if let Json::Object(map) = &mut chart_value {
        map.insert("IsRoot".into(), Json::Bool(is_root));
    }
    let subcharts = gotemplate::Map::new();
    let data = gotemplate::Map::new();
    data.insert("Chart", to_template_value(&chart_value));
    data.insert("Files", Files::of(chart).to_template_value());
    data.insert("Release", release.clone());
    data.insert("Capabilities", capabilities.clone());
    data.insert("Values", values.clone());
    data.insert("Subcharts", Value::Map(subcharts.clone()));
    for sub in &chart.dependencies {
        let sub_values = match &values {
            Value::Map(map) => map.get(sub.name()).unwrap_or_default(),
            _ => Value::Nil,
        };
        let sub_path = format!("{path}/charts/{}", sub.name());
        let sub_data = collect_templates(
            sub,
            &sub_path,
            false,
            sub_values,
            release,
            capabilities,
            out,
        );
        subcharts.insert(sub.name(), sub_data);
    }
    for template in &chart.templates {
        let base = template.name.rsplit('/').next().unwrap_or(&template.name);
        if chart.metadata.is_library() && !base.starts_with('_') {
            continue;
        }
        out.insert(
            format!("{path}/{}", template.name),
            Renderable {
                text: String::from_utf8_lossy(&template.data).into_owned(),
                chart_data: ChartData(data.clone()),
                base_path: format!("{path}/templates"),
            },
        );
    }
    Value::Map(data)
}

/// Helm's `sortTemplates`: deeper paths first, then reverse name order, so
/// that definitions in higher-level templates are parsed last and win.
fn parse_order(templates: &BTreeMap<String, Renderable>) -> Vec<&String> {
    let mut names: Vec<&String> = templates.keys().collect();
    names.sort_by(|a, b| {
        let (da, db) = (a.matches('/').count(), b.matches('/').count());
        db.cmp(&da).then_with(|| b.cmp(a))
    });
    names
}

/// Helm's `cleanupParseError`: `parse error at (<file>:<line>): <message>`.
fn parse_error(file: &str, message: &str) -> String {
    let tokens: Vec<&str> = message.split(": ").collect();
    if tokens.len() == 1 {
        return format!("parse error in ({file}): {message}");
    }
    format!(
        "parse error at ({}): {}",
        tokens[1],
        tokens[tokens.len() - 1]
    )
}

/// Helm's `reformatExecErrorMsg`: a `required`/`fail` message becomes
/// `execution error at (<file>:<line>:<col>): <message>`; other errors keep Go's text.
fn exec_error(error: &gotemplate::Error) -> String {
    let text = error.to_string();
    if !matches!(error, gotemplate::Error::Exec { .. }) {
        return text;
    }
    let tokens: Vec<&str> = text.splitn(3, ": ").collect();
    if tokens.len() != 3 {
        return format!("execution error in ({text})");
    }
    if let Some(start) = tokens[2].find(WARN_START)
        && let Some(end) = tokens[2].rfind(WARN_END)
        && end >= start + WARN_START.len()
    {
        let message = &tokens[2][start + WARN_START.len()..end];
        return format!("execution error at ({}): {message}", tokens[1]);
    }
    text
}

/// The release name `--name-template` renders to (Sprig functions, no data).
pub fn render_name_template(text: &str) -> Result<String> {
    let mut set = TemplateSet::new(FuncMap::sprig());
    set.parse("name-template", text)
        .map_err(|e| Error::Template(e.to_string()))?;
    set.execute("name-template", &Value::Nil)
        .map_err(|e| Error::Template(e.to_string()))
}

/// Checks that every dependency in `Chart.yaml` is present under `charts/` (Helm's `CheckDependencies`).
pub fn check_dependencies(chart: &Chart) -> Result<()> {
    let missing: Vec<&str> = chart
        .metadata
        .dependencies
        .iter()
        .filter(|req| !chart.dependencies.iter().any(|d| d.name() == req.name))
        .map(|req| req.name.as_str())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(Error::InvalidChart(format!(
        "An error occurred while checking for chart dependencies. You may need to run `helm dependency build` to fetch missing dependencies: found in Chart.yaml, but missing in charts/ directory: {}",
        missing.join(", ")
    )))
}

/// `helm install --dry-run` (client only): the release's manifest and hooks.
pub fn install(
    mut chart: Chart,
    user_values: &Map<String, Json>,
    options: &TemplateOptions,
) -> Result<Release> {
    if !matches!(chart.metadata.chart_type.as_str(), "" | "application") {
        return Err(Error::InvalidChart(format!(
            "{} charts are not installable",
            chart.metadata.chart_type
        )));
    }
    check_dependencies(&chart)?;
    let mut release = options.release.clone();
    if let Some(template) = &options.name_template {
        release.name = render_name_template(template)?;
    }
    process_dependencies(&mut chart, user_values)?;
    let values = coalesce_values(&chart, user_values)?;
    if !options.skip_schema_validation {
        validate_values(&chart, &values)?;
    }
    let rendered = render_templates(
        &chart,
        &values,
        &release,
        &options.capabilities,
        options.strict,
    )?;
    build_release(&chart, rendered, &options.output)
}

/// `helm template CHART` for a chart directory or archive: the user's values
/// are gathered first (relative `-f`/`--set-file` paths from `base`), then
/// the chart is loaded and rendered.
pub fn template_path(
    fs: &dyn FileSystem,
    chart_path: &Path,
    values: &ValueOptions,
    base: &Path,
    options: &TemplateOptions,
) -> Result<String> {
    let user_values = values.merge(fs, base)?;
    let chart = load(fs, chart_path)?;
    template(chart, &user_values, options)
}

/// `helm template`: the text it prints for `chart` with the user's values.
pub fn template(
    chart: Chart,
    user_values: &Map<String, Json>,
    options: &TemplateOptions,
) -> Result<String> {
    let release = install(chart, user_values, options)?;
    template_output(&release, &options.output)
}
