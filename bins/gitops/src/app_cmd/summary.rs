//! The blocks `app get`, `app sync` and `app wait` print: the application summary, the
//! conditions, the operation result and the resource table.

use std::io::{self, Write};

use gitops_engine::app::{Application, OperationState, parse_time};

use super::CONTROL_PLANE_NAMESPACE;
use super::output::{enum_text, go_duration, go_time, key_value, row, table};
use super::states::resource_states;

/// The sync policy as `app get` shows it: `Manual`, `Automated` or `Automated (Prune)`.
pub fn sync_policy_long(app: &Application) -> String {
    match app.spec.automated() {
        None => "Manual".to_owned(),
        Some(a) if a.prune => "Automated (Prune)".to_owned(),
        Some(_) => "Automated".to_owned(),
    }
}

/// The destination cluster: `server`, else `name`.
pub fn server(app: &Application) -> &str {
    let d = &app.spec.destination;
    if d.server.is_empty() {
        &d.name
    } else {
        &d.server
    }
}

/// The health status code, empty when not assessed.
pub fn health_text(app: &Application) -> String {
    app.status
        .health
        .as_ref()
        .map(|h| enum_text(&h.status))
        .unwrap_or_default()
}

/// A commit SHA (full or abbreviated hex of 7 to 40 characters).
fn looks_like_sha(revision: &str) -> bool {
    (7..=40).contains(&revision.len()) && revision.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `Synced to <target> (<sha7>)`, `OutOfSync from <target> (<sha7>)` or the bare code.
pub fn sync_status_text(app: &Application) -> String {
    let target = app.spec.target_revision();
    let code = app.status.sync.status.as_str();
    let mut text = match code {
        "Synced" => format!("{code} to {target}"),
        "OutOfSync" => format!("{code} from {target}"),
        _ => code.to_owned(),
    };
    let revision = &app.status.sync.revision;
    if !looks_like_sha(target) && revision.len() > 7 {
        text.push_str(&format!(" ({})", &revision[..7]));
    }
    text
}

/// The key/value summary of an application.
pub fn print_app_summary<W: Write>(out: &mut W, app: &Application) -> io::Result<()> {
    key_value(out, "Name:", &app.qualified_name(CONTROL_PLANE_NAMESPACE))?;
    key_value(out, "Project:", &app.spec.project)?;
    key_value(out, "Server:", server(app))?;
    key_value(out, "Namespace:", &app.spec.destination.namespace)?;
    if app.spec.is_multi_source() {
        writeln!(out, "Sources:")?;
    } else {
        writeln!(out, "Source:")?;
    }
    for source in app.spec.source.iter().chain(&app.spec.sources) {
        key_value(out, "- Repo:", &source.repo_url)?;
        key_value(out, "  Target:", &source.target_revision)?;
        if !source.path.is_empty() {
            key_value(out, "  Path:", &source.path)?;
        }
        if !source.ref_name.is_empty() {
            key_value(out, "  Ref:", &source.ref_name)?;
        }
        if let Some(prefix) = source
            .kustomize
            .as_ref()
            .map(|k| k.name_prefix.as_str())
            .filter(|p| !p.is_empty())
        {
            key_value(out, "  Name Prefix:", prefix)?;
        }
    }
    key_value(out, "SyncWindow:", "Sync Allowed")?;
    key_value(out, "Sync Policy:", &sync_policy_long(app))?;
    key_value(out, "Sync Status:", &sync_status_text(app))?;
    key_value(out, "Health Status:", &health_text(app))
}

/// The `CONDITION MESSAGE LAST TRANSITION` table.
pub fn print_conditions<W: Write>(out: &mut W, app: &Application) -> io::Result<()> {
    let mut t = table(&mut *out, 0);
    row(&mut t, &["CONDITION", "MESSAGE", "LAST TRANSITION"])?;
    for c in &app.status.conditions {
        let time = c
            .last_transition_time
            .as_deref()
            .map(go_time)
            .unwrap_or_default();
        row(&mut t, &[&c.condition_type, &c.message, &time])?;
    }
    t.flush()
}

/// The `GROUP KIND NAMESPACE NAME STATUS HEALTH HOOK MESSAGE` table.
pub fn print_resources<W: Write>(out: &mut W, app: &Application) -> io::Result<()> {
    let mut t = table(&mut *out, 0);
    row(
        &mut t,
        &[
            "GROUP",
            "KIND",
            "NAMESPACE",
            "NAME",
            "STATUS",
            "HEALTH",
            "HOOK",
            "MESSAGE",
        ],
    )?;
    for s in resource_states(app, &[]) {
        row(
            &mut t,
            &[
                &s.group,
                &s.kind,
                &s.namespace,
                &s.name,
                &s.status,
                &s.health,
                &s.hook,
                &s.message,
            ],
        )?;
    }
    t.flush()
}

/// The operation block: `Operation:`, `Sync Revision:`, `Phase:`, `Start:`, `Finished:`,
/// `Duration:` and `Message:`.
pub fn print_operation_result<W: Write>(out: &mut W, state: &OperationState) -> io::Result<()> {
    if let Some(result) = &state.sync_result {
        key_value(out, "Operation:", "Sync")?;
        let revision = if !result.sources.is_empty() && !result.revisions.is_empty() {
            result.revisions.join(", ")
        } else {
            result.revision.clone()
        };
        key_value(out, "Sync Revision:", &revision)?;
    }
    key_value(out, "Phase:", &enum_text(&state.phase))?;
    key_value(out, "Start:", &go_time(&state.started_at))?;
    let finished = state.finished_at.as_deref().map(go_time);
    key_value(out, "Finished:", finished.as_deref().unwrap_or("<nil>"))?;
    let seconds = |t: &str| parse_time("", "", t).ok().map(|t| t.as_second());
    let start = seconds(&state.started_at).unwrap_or_default();
    let end = state
        .finished_at
        .as_deref()
        .and_then(seconds)
        .unwrap_or_else(|| jiff::Timestamp::now().as_second());
    key_value(out, "Duration:", &go_duration(end - start))?;
    if !state.message.is_empty() {
        key_value(out, "Message:", &state.message)?;
    }
    Ok(())
}
