//! `gitops app diff`: the live objects against the desired state rendered on this
//! machine (from the application's Git source, another revision, or a local directory).

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgAction, Args};
use gitops_engine::diff::{DiffOptions, diff_masked, unified_diff};
use gitops_engine::source::Sources;
use gitops_engine::sync::ResourceKey;
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
    let cache = tempfile::tempdir()?;
    let (access, warnings) = apps.repo_access().await;
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
    let sources = Sources::with_access(cache.path(), Duration::ZERO, access);
    let rendered = apps
        .render_desired(
            &app,
            &sources,
            args.revision.as_deref(),
            args.local.as_deref(),
            CONTROL_PLANE_NAMESPACE,
        )
        .await?;
    let comparison = apps
        .compare_live(&app, rendered, CONTROL_PLANE_NAMESPACE)
        .await?;
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
