//! `gitops app history`: the deployments of an application.

use std::io::Write;

use clap::Args;
use gitops_engine::app::RevisionHistory;

use super::client::Apps;
use super::error::CliError;
use super::output::{go_time, row, table};

/// Arguments of `app history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The application.
    app: String,
    /// Output format: wide or id.
    #[arg(short, long, default_value = "wide", value_parser = ["wide", "id"])]
    output: String,
}

/// The revision column: `<targetRevision> (<sha7>)`, or the target revision alone when
/// the deployed revision is shorter than 7 characters.
fn revision_text(target: &str, revision: &str) -> String {
    match revision.get(..7) {
        Some(short) => format!("{target} ({short})"),
        None => target.to_owned(),
    }
}

/// One table row per source of each deployment, grouped by repository (in order of
/// first appearance).
fn rows_by_repo(history: &[RevisionHistory]) -> Vec<(String, Vec<[String; 3]>)> {
    let mut groups: Vec<(String, Vec<[String; 3]>)> = Vec::new();
    let mut add = |repo: &str, cells: [String; 3]| match groups.iter_mut().find(|(r, _)| r == repo)
    {
        Some((_, rows)) => rows.push(cells),
        None => groups.push((repo.to_owned(), vec![cells])),
    };
    for entry in history {
        let date = go_time(&entry.deployed_at);
        if entry.sources.is_empty() {
            let source = entry.source.clone().unwrap_or_default();
            add(
                &source.repo_url,
                [
                    entry.id.to_string(),
                    date,
                    revision_text(&source.target_revision, &entry.revision),
                ],
            );
        } else {
            for (i, source) in entry.sources.iter().enumerate() {
                let revision = if entry.revisions.len() == entry.sources.len() {
                    revision_text(&source.target_revision, &entry.revisions[i])
                } else {
                    source.target_revision.clone()
                };
                add(
                    &source.repo_url,
                    [entry.id.to_string(), date.clone(), revision],
                );
            }
        }
    }
    groups
}

/// Prints the history.
pub async fn run<W: Write>(apps: &Apps, args: &HistoryArgs, out: &mut W) -> Result<(), CliError> {
    let (app, _) = apps.get(&args.app).await?;
    if args.output == "id" {
        for entry in &app.status.history {
            writeln!(out, "{}", entry.id)?;
        }
        return Ok(());
    }
    let groups = rows_by_repo(&app.status.history);
    let mut t = table(&mut *out, 0);
    for (i, (repo, rows)) in groups.iter().enumerate() {
        row(&mut t, &["SOURCE", repo])?;
        row(&mut t, &["ID", "DATE", "REVISION"])?;
        for cells in rows {
            row(&mut t, &[&cells[0], &cells[1], &cells[2]])?;
        }
        if i + 1 < groups.len() {
            writeln!(t)?;
        }
    }
    t.flush()?;
    Ok(())
}
