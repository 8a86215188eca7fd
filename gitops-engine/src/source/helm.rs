//! Helm sources: a directory holding `Chart.yaml` rendered in-process with
//! `helm_core`, with the values, release name, namespace and flags Argo CD
//! passes to `helm template` for `spec.source.helm`.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use helm_core::objects::{Capabilities, KubeVersion, ReleaseOptions};
use helm_core::render::{TemplateOptions, template};
use helm_core::values::ValueOptions;
use kustomize_core::fs::FileSystem;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::SourceError;
use super::error::Origin;
use super::overrides::{OverrideError, merge_source_section, source_files};

/// The file whose presence makes a source directory a Helm chart.
pub const CHART_FILE: &str = "Chart.yaml";

/// One `spec.source.helm.parameters` entry (`--set` / `--set-string`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HelmParameter {
    /// The value path, e.g. `image.tag`.
    pub name: String,
    /// The value.
    pub value: String,
    /// Pass as `--set-string` (always a string) rather than `--set`
    /// (`forcestring`, as Argo CD Image Updater writes it, reads too).
    #[serde(alias = "forcestring")]
    pub force_string: bool,
}

/// One `spec.source.helm.fileParameters` entry (`--set-file`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HelmFileParameter {
    /// The value path.
    pub name: String,
    /// The file whose contents become the value, relative to the chart.
    pub path: String,
}

/// Argo CD's `spec.source.helm`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HelmSource {
    /// Values files, relative to the chart (a leading `/` means the repository root).
    pub value_files: Vec<String>,
    /// Inline values as YAML text (ignored when `valuesObject` is set).
    pub values: String,
    /// Inline values as an object.
    pub values_object: Option<Value>,
    /// `--set` / `--set-string` parameters.
    pub parameters: Vec<HelmParameter>,
    /// `--set-file` parameters.
    pub file_parameters: Vec<HelmFileParameter>,
    /// The release name (default: the application's name).
    pub release_name: String,
    /// The release namespace (default: the destination namespace).
    pub namespace: String,
    /// Leave the chart's `crds/` out.
    pub skip_crds: bool,
    /// Leave test hooks out.
    pub skip_tests: bool,
    /// Do not validate values against `values.schema.json`.
    pub skip_schema_validation: bool,
    /// Drop values files that do not exist instead of failing.
    pub ignore_missing_value_files: bool,
    /// The Kubernetes version templates see.
    pub kube_version: String,
    /// Extra API versions templates see.
    pub api_versions: Vec<String>,
    /// Pass credentials to chart repositories of other hosts: ignored, as
    /// Argo CD ignores it for a chart in Git (it only affects `helm pull`).
    pub pass_credentials: bool,
    /// Helm version: empty, `v3` or `v4`.
    pub version: String,
}

/// What a Helm rendering needs besides `spec.source.helm`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelmContext {
    /// `spec.source.helm`.
    pub source: HelmSource,
    /// `spec.destination.namespace` (the default release namespace).
    pub destination_namespace: String,
    /// `spec.project`, for `$ARGOCD_APP_PROJECT_NAME`.
    pub project: String,
    /// `spec.source.targetRevision`, for `$ARGOCD_APP_SOURCE_TARGET_REVISION`.
    pub target_revision: String,
}

/// Renders the chart in `dir` (below `root` of `fs`) into objects, with
/// `spec.source.helm` merged with the chart directory's
/// `.argocd-source.yaml` and `.argocd-source-<app>.yaml` first.
pub(crate) fn render_chart(
    fs: Arc<dyn FileSystem>,
    root: &Path,
    dir: &Path,
    path: &str,
    context: &HelmContext,
    app_name: Option<&str>,
    origin: &Origin,
) -> Result<(Vec<Value>, Vec<String>), SourceError> {
    let helm = &with_source_files(fs.as_ref(), root, dir, &context.source, app_name, origin)?;
    let invalid = |field: &'static str, problem: String| SourceError::InvalidOption {
        url: origin.url.clone(),
        field,
        problem,
    };
    if !matches!(helm.version.as_str(), "" | "v3" | "v4") {
        return Err(invalid(
            "helm.version",
            format!("helm version '{}' is not supported", helm.version),
        ));
    }
    let helm_error = |source: helm_core::Error| SourceError::Helm {
        url: origin.url.clone(),
        revision: origin.revision.clone(),
        path: path.to_owned(),
        source: Box::new(source),
    };
    let env = build_env(context, app_name, path, origin);
    let helm = &HelmSource {
        value_files: helm.value_files.iter().map(|f| envsubst(f, &env)).collect(),
        parameters: helm
            .parameters
            .iter()
            .map(|p| HelmParameter {
                value: envsubst(&p.value, &env),
                ..p.clone()
            })
            .collect(),
        ..helm.clone()
    };
    let value_files = resolve_value_files(fs.as_ref(), root, dir, helm).map_err(|problem| {
        invalid(
            "helm.valueFiles",
            format!("error resolving helm value files: {problem}"),
        )
    })?;
    let mut inline_values = Vec::new();
    match &helm.values_object {
        Some(Value::Object(map)) => inline_values.push(map.clone()),
        Some(Value::Null) | None if !helm.values.trim().is_empty() => {
            let parsed = helm_core::chart::parse_values(&helm.values, "helm.values")
                .map_err(|e| invalid("helm.values", e.to_string()))?;
            inline_values.push(parsed);
        }
        Some(Value::Null) | None => {}
        Some(_) => {
            return Err(invalid("helm.valuesObject", "must be an object".to_owned()));
        }
    }
    let mut file_values = Vec::new();
    for param in &helm.file_parameters {
        let resolved = resolve_in_repo(root, dir, &param.path).ok_or_else(|| {
            invalid(
                "helm.fileParameters",
                format!("file '{}' resolved to outside repository root", param.path),
            )
        })?;
        file_values.push(format!("{}={}", param.name, resolved.display()));
    }
    // Argo CD keeps parameters in a map: for a name given twice the last wins.
    let mut parameters: Vec<&HelmParameter> = Vec::new();
    for param in &helm.parameters {
        parameters.retain(|p| p.name != param.name);
        parameters.push(param);
    }
    let set = |force: bool| {
        parameters
            .iter()
            .filter(|p| p.force_string == force)
            .map(|p| format!("{}={}", p.name, escape_commas(&p.value)))
            .collect()
    };
    let values = ValueOptions {
        value_files,
        inline_values,
        values: set(false),
        string_values: set(true),
        file_values,
        ..ValueOptions::default()
    };
    let mut capabilities = Capabilities::default();
    if !helm.kube_version.is_empty() {
        capabilities.kube_version = KubeVersion::parse(&helm.kube_version)
            .map_err(|e| invalid("helm.kubeVersion", e.to_string()))?;
    }
    capabilities
        .api_versions
        .extend(helm.api_versions.iter().cloned());
    let release_name = if helm.release_name.is_empty() {
        let app = app_name.unwrap_or_default();
        app.split_once('_').map_or(app, |(_, name)| name).to_owned()
    } else {
        helm.release_name.clone()
    };
    let namespace = [&helm.namespace, &context.destination_namespace]
        .into_iter()
        .find(|n| !n.is_empty())
        .cloned()
        .unwrap_or_else(|| "default".to_owned());
    let options = TemplateOptions {
        release: ReleaseOptions {
            name: release_name,
            namespace,
            ..ReleaseOptions::default()
        },
        capabilities,
        output: helm_core::manifests::OutputOptions {
            include_crds: !helm.skip_crds,
            skip_tests: helm.skip_tests,
            ..Default::default()
        },
        skip_schema_validation: helm.skip_schema_validation,
        ..TemplateOptions::default()
    };
    let user_values = values
        .merge(fs.as_ref(), Path::new("/"))
        .map_err(helm_error)?;
    let chart = helm_core::chart::load_dir(fs.as_ref(), dir).map_err(helm_error)?;
    let text = template(chart, &user_values, &options).map_err(helm_error)?;
    let objects = kustomize_core::yaml::parse_documents(&text)
        .map_err(|e| helm_error(helm_core::Error::InvalidChart(e.to_string())))?;
    Ok((objects, Vec::new()))
}

/// `source` merged with the override files in the chart directory `dir`.
fn with_source_files(
    fs: &dyn FileSystem,
    root: &Path,
    dir: &Path,
    source: &HelmSource,
    app_name: Option<&str>,
    origin: &Origin,
) -> Result<HelmSource, SourceError> {
    let fail = |file: &Path, problem: String| SourceError::Manifest {
        url: origin.url.clone(),
        revision: origin.revision.clone(),
        file: file.strip_prefix(root).unwrap_or(file).to_path_buf(),
        problem,
    };
    let mut merged = source.clone();
    for (name, path, text) in
        source_files(fs, dir, app_name).map_err(|e| fail(dir, e.to_string()))?
    {
        merged = merge_source_section(&merged, "helm", &name, &text).map_err(|e| match e {
            OverrideError::SourceFile { problem, .. } => fail(&path, problem),
            other => fail(&path, other.to_string()),
        })?;
    }
    Ok(merged)
}

/// Most directory entries a values file glob may visit.
const MAX_GLOB_ENTRIES: usize = 100_000;

/// `valueFiles` as Argo CD resolves them: each path relative to the chart
/// (a leading `/`: to the repository root) and inside the repository; a
/// glob (`*`, `?`, `[…]`, `**` across directories) expands to its matches in
/// lexical order, a match also listed on its own going to that later place;
/// duplicates are dropped. A glob without match fails unless
/// `ignoreMissingValueFiles`, which also drops missing plain files.
fn resolve_value_files(
    fs: &dyn FileSystem,
    root: &Path,
    dir: &Path,
    helm: &HelmSource,
) -> Result<Vec<PathBuf>, String> {
    let mut entries: Vec<(PathBuf, bool)> = Vec::new();
    for entry in &helm.value_files {
        if let Some((scheme, _)) = entry.split_once("://") {
            return Err(format!(
                "the URL scheme '{scheme}' is not allowed: values files come from the repository"
            ));
        }
        let resolved = resolve_in_repo(root, dir, entry)
            .ok_or_else(|| format!("file '{entry}' resolved to outside repository root"))?;
        if !entry.contains(['*', '?', '[']) {
            if !helm.ignore_missing_value_files || fs.is_file(&resolved) {
                entries.push((resolved, true));
            }
            continue;
        }
        let matches = glob_files(fs, &resolved)?;
        if matches.is_empty() && !helm.ignore_missing_value_files {
            return Err(format!("values file glob \"{entry}\" matched no files"));
        }
        entries.extend(matches.into_iter().map(|m| (m, false)));
    }
    // A glob match listed explicitly later is placed there; otherwise the first place wins.
    let mut out: Vec<PathBuf> = Vec::new();
    for (i, (file, explicit)) in entries.iter().enumerate() {
        let listed_later = !explicit && entries[i + 1..].iter().any(|(f, e)| *e && f == file);
        if !listed_later && !out.contains(file) {
            out.push(file.clone());
        }
    }
    Ok(out)
}

/// The files of `fs` matching the absolute glob `pattern`, sorted.
fn glob_files(fs: &dyn FileSystem, pattern: &Path) -> Result<Vec<PathBuf>, String> {
    let text = pattern.to_string_lossy();
    let matcher = globset::GlobBuilder::new(&text)
        .literal_separator(true)
        .build()
        .map_err(|e| format!("invalid values file glob \"{text}\": {e}"))?
        .compile_matcher();
    // Walk from the deepest directory before the first glob character.
    let mut base = PathBuf::new();
    for comp in pattern.components() {
        if comp.as_os_str().to_string_lossy().contains(['*', '?', '[']) {
            break;
        }
        base.push(comp);
    }
    let mut found = Vec::new();
    let mut pending = vec![base];
    let mut visited = 0usize;
    while let Some(next) = pending.pop() {
        if fs.is_file(&next) {
            if matcher.is_match(&next) {
                found.push(next);
            }
            continue;
        }
        for child in fs.read_dir(&next).unwrap_or_default() {
            visited += 1;
            if visited > MAX_GLOB_ENTRIES {
                return Err(format!(
                    "values file glob \"{text}\" visits more than {MAX_GLOB_ENTRIES} entries"
                ));
            }
            pending.push(child);
        }
    }
    found.sort();
    Ok(found)
}

/// Argo CD's build environment of an application's source: the variables
/// its `valueFiles` entries and parameter values may name.
fn build_env(
    context: &HelmContext,
    app_name: Option<&str>,
    path: &str,
    origin: &Origin,
) -> Vec<(&'static str, String)> {
    let short = |n: usize| origin.revision.chars().take(n).collect::<String>();
    vec![
        ("ARGOCD_APP_NAME", app_name.unwrap_or_default().to_owned()),
        (
            "ARGOCD_APP_NAMESPACE",
            context.destination_namespace.clone(),
        ),
        ("ARGOCD_APP_PROJECT_NAME", context.project.clone()),
        ("ARGOCD_APP_REVISION", origin.revision.clone()),
        ("ARGOCD_APP_REVISION_SHORT", short(7)),
        ("ARGOCD_APP_REVISION_SHORT_8", short(8)),
        ("ARGOCD_APP_SOURCE_REPO_URL", origin.url.clone()),
        ("ARGOCD_APP_SOURCE_PATH", path.to_owned()),
        (
            "ARGOCD_APP_SOURCE_TARGET_REVISION",
            context.target_revision.clone(),
        ),
    ]
}

/// Argo CD's `Envsubst` (Go's `os.Expand`): `$NAME` and `${NAME}` become
/// the variable's value (empty when unknown), `$$` a `$`; `${` without
/// its `}` and `${}` are dropped; a `$` before anything else stays.
fn envsubst(text: &str, env: &[(&str, String)]) -> String {
    let lookup = |name: &str| match name {
        "$" => "$".to_owned(),
        _ => env
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default(),
    };
    let is_special = |c: char| "*#$@!?-0123456789".contains(c);
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let Some(first) = after.chars().next() else {
            out.push('$');
            rest = after;
            break;
        };
        let (name, width) = if first == '{' {
            match after.find('}') {
                Some(1) => (None, 2),
                Some(end) => (Some(&after[1..end]), end + 1),
                None => (None, 1),
            }
        } else if is_special(first) {
            (Some(&after[..1]), 1)
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            if end == 0 {
                out.push('$');
            }
            (Some(&after[..end]).filter(|n| !n.is_empty()), end)
        };
        if let Some(name) = name {
            out.push_str(&lookup(name));
        }
        rest = &after[width..];
    }
    out.push_str(rest);
    out
}

/// Argo CD's escaping of `--set` values: every `,` not already escaped
/// becomes `\,`, unless the value is a `{…}` list.
fn escape_commas(value: &str) -> String {
    if value.starts_with('{') && value.ends_with('}') {
        return value.to_owned();
    }
    let mut out = String::with_capacity(value.len());
    let mut previous = None;
    for c in value.chars() {
        if c == ',' && previous != Some('\\') {
            out.push('\\');
        }
        out.push(c);
        previous = Some(c);
    }
    out
}

/// A values file path as Argo CD resolves it: relative to the chart
/// directory, or to the repository root with a leading `/`; `None` when it
/// leaves the repository.
fn resolve_in_repo(root: &Path, chart_dir: &Path, entry: &str) -> Option<PathBuf> {
    let (start, rest) = match entry.strip_prefix('/') {
        Some(rest) => (root.to_path_buf(), rest),
        None => (chart_dir.to_path_buf(), entry),
    };
    let mut out = start;
    for comp in Path::new(rest).components() {
        match comp {
            Component::Normal(name) => out.push(name),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() || !out.starts_with(root) {
                    return None;
                }
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    (out.starts_with(root) && out != root).then_some(out)
}

/// Whether `dir` of `fs` is a Helm chart.
pub(crate) fn is_chart(fs: &dyn FileSystem, dir: &Path) -> bool {
    fs.is_file(&dir.join(CHART_FILE))
}

/// Parses `spec.source.helm` as written in an Application.
pub fn parse_helm_source(value: &Value) -> Result<HelmSource, serde_json::Error> {
    serde_json::from_value(value.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_env_substitution_is_gos_expand() {
        let env = [("ARGOCD_APP_NAME", "web".to_owned())];
        assert_eq!(
            envsubst("values-$ARGOCD_APP_NAME.yaml", &env),
            "values-web.yaml"
        );
        assert_eq!(envsubst("${ARGOCD_APP_NAME}-x", &env), "web-x");
        assert_eq!(envsubst("$UNKNOWN|", &env), "|");
        assert_eq!(envsubst("a$$b", &env), "a$b");
        assert_eq!(envsubst("cost: 5$", &env), "cost: 5$");
        assert_eq!(envsubst("a$/b", &env), "a$/b");
        assert_eq!(envsubst("a${}b${x", &env), "abx");
        // Names are ASCII letters, digits and `_`, as in Go.
        assert_eq!(envsubst("é$ARGOCD_APP_NAMEé", &env), "éwebé");
    }

    #[test]
    fn commas_are_escaped_as_argo_cd_does() {
        assert_eq!(escape_commas("1.2,3"), "1.2\\,3");
        assert_eq!(escape_commas("a\\,b,c"), "a\\,b\\,c");
        assert_eq!(escape_commas("{a,b}"), "{a,b}");
    }

    #[test]
    fn values_files_stay_in_the_repository() {
        let root = Path::new("/");
        let chart = Path::new("/apps/web");
        assert_eq!(
            resolve_in_repo(root, chart, "values-prod.yaml"),
            Some(PathBuf::from("/apps/web/values-prod.yaml"))
        );
        assert_eq!(
            resolve_in_repo(root, chart, "/env/prod.yaml"),
            Some(PathBuf::from("/env/prod.yaml"))
        );
        assert_eq!(
            resolve_in_repo(root, chart, "../../shared.yaml"),
            Some(PathBuf::from("/shared.yaml"))
        );
        assert_eq!(resolve_in_repo(root, chart, "../../../x.yaml"), None);
        assert_eq!(resolve_in_repo(root, chart, "/"), None);
    }

    #[test]
    fn a_helm_source_parses_from_the_application() {
        let helm = parse_helm_source(&serde_json::json!({
            "valueFiles": ["values-prod.yaml"],
            "parameters": [{"name": "image.tag", "value": "1.2", "forceString": true}],
            "releaseName": "web",
            "valuesObject": {"replicas": 3}
        }))
        .unwrap();
        assert_eq!(helm.value_files, ["values-prod.yaml"]);
        assert!(helm.parameters[0].force_string);
        assert_eq!(helm.release_name, "web");
    }
}
