//! `gitops app list`: the applications as a table, names, JSON or YAML.

use std::collections::BTreeMap;
use std::io::Write;

use clap::Args;
use gitops_engine::app::Application;
use serde_json::Value;

use super::CONTROL_PLANE_NAMESPACE;
use super::client::Apps;
use super::error::CliError;
use super::output::{print_document, row, table};
use super::summary::{health_text, server};

/// Arguments of `app list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Output format: wide, name, json or yaml.
    #[arg(short, long, default_value = "wide", value_parser = ["wide", "name", "json", "yaml"])]
    output: String,
    /// Only applications whose labels match this selector.
    #[arg(short = 'l', long = "selector", default_value = "")]
    selector: String,
    /// Only applications of this project (repeatable).
    #[arg(short, long = "project")]
    projects: Vec<String>,
}

/// `Manual`, `Auto` or `Auto-Prune`.
pub fn sync_policy_short(app: &Application) -> &'static str {
    match app.spec.automated() {
        None => "Manual",
        Some(a) if a.prune => "Auto-Prune",
        Some(_) => "Auto",
    }
}

/// Condition types sorted, repeated ones counted (`SyncError(2)`); `<none>` without any.
pub fn conditions_summary(app: &Application) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &app.status.conditions {
        *counts.entry(c.condition_type.as_str()).or_default() += 1;
    }
    if counts.is_empty() {
        return "<none>".to_owned();
    }
    let mut items: Vec<String> = counts
        .into_iter()
        .map(|(t, n)| {
            if n > 1 {
                format!("{t}({n})")
            } else {
                t.to_owned()
            }
        })
        .collect();
    items.sort();
    items.join(",")
}

/// Lists the applications.
pub async fn run<W: Write>(apps: &Apps, args: &ListArgs, out: &mut W) -> Result<(), CliError> {
    let mut listed = apps.list(&args.selector).await?;
    if !args.projects.is_empty() {
        listed.retain(|(app, _)| args.projects.contains(&app.spec.project));
    }
    match args.output.as_str() {
        "json" | "yaml" => {
            let items = Value::Array(listed.into_iter().map(|(_, object)| object).collect());
            print_document(out, &items, &args.output)?;
        }
        "name" => {
            for (app, _) in &listed {
                writeln!(out, "{}", app.qualified_name(CONTROL_PLANE_NAMESPACE))?;
            }
        }
        _ => print_table(out, listed.iter().map(|(app, _)| app))?,
    }
    Ok(())
}

fn print_table<'a, W: Write>(
    out: &mut W,
    apps: impl Iterator<Item = &'a Application>,
) -> std::io::Result<()> {
    let mut t = table(&mut *out, 0);
    row(
        &mut t,
        &[
            "NAME",
            "CLUSTER",
            "NAMESPACE",
            "PROJECT",
            "STATUS",
            "HEALTH",
            "SYNCPOLICY",
            "CONDITIONS",
            "REPO",
            "PATH",
            "TARGET",
        ],
    )?;
    for app in apps {
        let source = app.spec.source.clone().unwrap_or_default();
        row(
            &mut t,
            &[
                &app.qualified_name(CONTROL_PLANE_NAMESPACE),
                server(app),
                &app.spec.destination.namespace,
                &app.spec.project,
                app.status.sync.status.as_str(),
                &health_text(app),
                sync_policy_short(app),
                &conditions_summary(app),
                &source.repo_url,
                &source.path,
                &source.target_revision,
            ],
        )?;
    }
    t.flush()
}
