//! `gitops app diff`: the live objects against the desired state rendered on this
//! machine (from the application's Git source, another revision, or a local directory).

use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgAction, Args};
use gitops_engine::app::project::project_name;
use gitops_engine::app::{Application, CompareInput, CompareSettings, compare};
use gitops_engine::cluster::{Cluster, ClusterError, Gvk};
use gitops_engine::diff::{DiffOptions, diff_masked, unified_diff};
use gitops_engine::health::HealthRules;
use gitops_engine::source::{
    LocalDir, Refresh, RenderOptions, Rendered, RepoAccess, SourceRequest, Sources,
};
use gitops_engine::sync::tracking::instance_name;
use gitops_engine::sync::{ApiResource, ResourceKey};
use serde_json::Value;

use super::CONTROL_PLANE_NAMESPACE;
use super::client::Apps;
use super::error::CliError;

/// argocd's exit code of `app diff` on errors.
pub const EXIT_DIFF_ERROR: u8 = 2;

/// Arguments of `app diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The application.
    app: String,
    /// Compare with this revision instead of the target revision.
    #[arg(long)]
    revision: Option<String>,
    /// Compare with the manifests rendered from this local directory.
    #[arg(long, value_name = "DIR")]
    local: Option<PathBuf>,
    /// Exit non-zero when there is a difference.
    #[arg(long, action = ArgAction::Set, num_args = 0..=1, default_value_t = true, default_missing_value = "true")]
    exit_code: bool,
    /// The exit code when there is a difference.
    #[arg(long, default_value_t = 1)]
    diff_exit_code: u8,
}

/// One differing object: its key, the normalised live object and the predicted one
/// (`null` for a side that does not exist), Secret values masked.
struct Changed {
    key: ResourceKey,
    live: Value,
    target: Value,
}

/// Prints the differences; returns the exit code (0 without differences).
pub async fn run<W: Write>(apps: &Apps, args: &DiffArgs, out: &mut W) -> Result<u8, CliError> {
    let (app, _) = apps.get(&args.app).await?;
    let rendered = render(apps, &app, args).await?;
    let (mut desired, live, api_resources) = live_objects(apps, &app, rendered.objects).await?;
    set_default_namespace(
        &mut desired,
        &api_resources,
        &app.spec.destination.namespace,
    );
    let settings = CompareSettings {
        control_plane_namespace: CONTROL_PLANE_NAMESPACE.to_owned(),
        ..CompareSettings::default()
    };
    let comparison = compare(&CompareInput {
        app: &app,
        revision: &rendered.revision,
        desired: &desired,
        live: &live,
        health_rules: &HealthRules::builtin(),
        settings: &settings,
        api_resources: Some(&api_resources),
    });
    for condition in &comparison.conditions {
        eprintln!("{}: {}", condition.condition_type, condition.message);
    }
    if let Some(error) = comparison
        .conditions
        .iter()
        .find(|c| c.condition_type == "ComparisonError")
    {
        return Err(CliError::Usage(error.message.clone()));
    }
    let mut changed: Vec<Changed> = comparison
        .diffs
        .iter()
        .filter(|d| d.result.modified)
        .map(|d| Changed {
            key: d.key.clone(),
            live: d.result.normalized_live.clone(),
            target: d.result.predicted_live.clone(),
        })
        .collect();
    for resource in comparison
        .resources
        .iter()
        .filter(|r| r.requires_pruning && !r.hook)
    {
        let key = ResourceKey::new(
            &resource.group,
            &resource.kind,
            &resource.namespace,
            &resource.name,
        );
        let Some(object) = comparison.live.iter().find(|l| ResourceKey::of(l) == key) else {
            continue;
        };
        let normalized = diff_masked(None, Some(object), &DiffOptions::default(), &[])
            .map_err(|e| CliError::Usage(format!("diff of {key}: {e}")))?;
        changed.push(Changed {
            key,
            live: normalized.normalized_live,
            target: Value::Null,
        });
    }
    let text_key = |k: &ResourceKey| format!("{}/{}/{}/{}", k.group, k.kind, k.namespace, k.name);
    changed.sort_by_key(|c| text_key(&c.key));
    for c in &changed {
        writeln!(out)?;
        writeln!(
            out,
            "===== {}/{} {}/{} ======",
            c.key.group, c.key.kind, c.key.namespace, c.key.name
        )?;
        write!(out, "{}", unified_diff(&c.live, &c.target, &[]))?;
    }
    Ok(if !changed.is_empty() && args.exit_code {
        args.diff_exit_code
    } else {
        0
    })
}

/// Renders the desired objects: the local directory, else the source at the requested
/// (or target) revision, with the application's kustomize and directory options.
async fn render(apps: &Apps, app: &Application, args: &DiffArgs) -> Result<Rendered, CliError> {
    let source = app.spec.source.as_ref().ok_or_else(|| {
        CliError::Usage(format!(
            "application '{}' has no single source (spec.source) to render",
            app.metadata.name
        ))
    })?;
    let options = RenderOptions {
        directory: source.directory.clone().unwrap_or_default(),
        kustomize: source.kustomize.clone().unwrap_or_default(),
        app_name: Some(instance_name(
            &app.metadata.name,
            &app.metadata.namespace,
            CONTROL_PLANE_NAMESPACE,
        )),
        ..RenderOptions::default()
    };
    if let Some(dir) = &args.local {
        return Ok(LocalDir::new(dir)?.render(".", &options)?);
    }
    let cache = tempfile::tempdir()?;
    let sources = Sources::with_access(cache.path(), Duration::ZERO, repo_access(apps).await);
    let request = SourceRequest {
        repo_url: source.repo_url.clone(),
        revision: args
            .revision
            .clone()
            .unwrap_or_else(|| source.target_revision.clone()),
        path: source.path.clone(),
        project: project_name(app).to_owned(),
        options,
    };
    let rendered = sources.render(&request, Refresh::Force).await?;
    Ok(Rendered::clone(&rendered))
}

/// The repository Secrets, credential templates and trust ConfigMaps of the
/// control-plane namespace, as the controller reads them. Unreadable ones
/// (and a refused read) are reported on stderr, by name, never by value.
async fn repo_access(apps: &Apps) -> RepoAccess {
    let mut access = RepoAccess::default();
    let client = apps.cluster().client();
    match access.read(client, apps.namespace()).await {
        Ok(problems) => {
            for problem in problems {
                eprintln!("warning: {problem}; left out");
            }
        }
        Err(e) => eprintln!(
            "warning: cannot read the repository Secrets of namespace '{}': {e}; \
             reaching repositories anonymously",
            apps.namespace()
        ),
    }
    access
}

/// The live objects of every kind the desired objects or `status.resources` name, with
/// the scope of those kinds; kinds the cluster does not serve are left out.
async fn live_objects(
    apps: &Apps,
    app: &Application,
    desired: Vec<Value>,
) -> Result<(Vec<Value>, Vec<Value>, Vec<ApiResource>), CliError> {
    let mut kinds: BTreeSet<Gvk> = desired.iter().filter_map(Gvk::of).collect();
    kinds.extend(
        app.status
            .resources
            .iter()
            .filter(|r| !r.version.is_empty())
            .map(|r| Gvk::new(&r.group, &r.version, &r.kind)),
    );
    let cluster = apps.cluster();
    let mut live = Vec::new();
    let mut api_resources = Vec::new();
    for gvk in kinds {
        let info = match cluster.resource_info(&gvk).await {
            Ok(info) => info,
            Err(ClusterError::UnknownKind(_)) => continue,
            Err(e) => return Err(e.into()),
        };
        api_resources.push(ApiResource {
            group: gvk.group.clone(),
            kind: gvk.kind.clone(),
            namespaced: info.namespaced,
        });
        live.extend(cluster.list(&gvk, None, "").await?);
    }
    Ok((desired, live, api_resources))
}

/// Gives namespaced desired objects without a namespace the destination namespace.
fn set_default_namespace(desired: &mut [Value], scopes: &[ApiResource], namespace: &str) {
    if namespace.is_empty() {
        return;
    }
    for object in desired.iter_mut() {
        let Some(gvk) = Gvk::of(object) else { continue };
        let namespaced = scopes
            .iter()
            .any(|s| s.namespaced && s.group == gvk.group && s.kind == gvk.kind);
        let metadata = object.get_mut("metadata").and_then(Value::as_object_mut);
        if let Some(metadata) = metadata
            && namespaced
            && metadata
                .get("namespace")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
        {
            metadata.insert("namespace".to_owned(), Value::String(namespace.to_owned()));
        }
    }
}
