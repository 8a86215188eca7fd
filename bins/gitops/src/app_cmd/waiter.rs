//! Waiting for an application to reach the requested state, printing resource changes
//! as they happen (argocd's `waitOnApplicationStatus`).

use std::collections::HashMap;
use std::io::{self, Write};

use gitops_engine::app::{Application, OperationState, SyncStatusCode, parse_time};
use gitops_engine::sync::SelectedResource;
use jiff::Timestamp;
use tabwriter::TabWriter;

use super::client::Apps;
use super::error::CliError;
use super::get::POLL_INTERVAL;
use super::output::{progress_timestamp, table};
use super::states::{ResourceState, resource_states};
use super::summary::{health_text, print_app_summary, print_operation_result, print_resources};

/// What to wait for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WatchOpts {
    /// `status.sync.status` is `Synced`.
    pub sync: bool,
    /// `status.health.status` is `Healthy`.
    pub health: bool,
    /// No operation requested or running.
    pub operation: bool,
}

impl WatchOpts {
    /// The conditions given, or all three when none is.
    pub fn or_all(self) -> Self {
        if self == Self::default() {
            WatchOpts {
                sync: true,
                health: true,
                operation: true,
            }
        } else {
            self
        }
    }
}

/// The wait's request.
#[derive(Debug, Clone)]
pub struct WaitRequest<'a> {
    /// The application's name.
    pub name: &'a str,
    /// Seconds before giving up; 0 waits forever.
    pub timeout: u64,
    /// The conditions.
    pub watch: WatchOpts,
    /// Only these resources count (empty: the application as a whole).
    pub selected: &'a [SelectedResource],
    /// An operation requested at this time: older operation states do not count.
    pub requested_at: Option<Timestamp>,
}

/// The state the wait ended in.
#[derive(Debug)]
pub struct Waited {
    /// The application.
    pub app: Application,
    /// Its operation state when the conditions were met.
    pub operation_state: Option<OperationState>,
}

/// Waits until the request's conditions hold, printing the `TIMESTAMP GROUP KIND …`
/// progress table, then the final summary. On timeout the state is printed and
/// [`CliError::Timeout`] returned.
pub async fn wait<W: Write>(
    apps: &Apps,
    request: &WaitRequest<'_>,
    out: &mut W,
) -> Result<Waited, CliError> {
    let deadline = (request.timeout > 0)
        .then(|| tokio::time::Instant::now() + std::time::Duration::from_secs(request.timeout));
    let mut progress = table(&mut *out, 5);
    progress_row(
        &mut progress,
        &[
            "TIMESTAMP",
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
    progress.flush()?;
    let mut seen: HashMap<String, ResourceState> = HashMap::new();
    loop {
        let (app, _) = apps.get(request.name).await?;
        let (ready, in_progress) = conditions(&app, request);
        if ready && (!in_progress || !request.watch.operation) {
            drop(progress);
            print_final(out, &app, request.watch)?;
            let operation_state = app.status.operation_state.clone();
            return Ok(Waited {
                app,
                operation_state,
            });
        }
        for state in resource_states(&app, request.selected) {
            let print = match seen.get_mut(&state.key()) {
                Some(previous) => {
                    if request.watch.health
                        && previous.health != "Unknown"
                        && previous.health != "Degraded"
                        && state.health == "Degraded"
                    {
                        let from = previous.health.clone();
                        drop(progress);
                        print_final(out, &app, request.watch)?;
                        return Err(CliError::Degraded {
                            app: request.name.to_owned(),
                            from,
                        });
                    }
                    previous.merge(&state)
                }
                None => {
                    seen.insert(state.key(), state.clone());
                    true
                }
            };
            if print && let Some(s) = seen.get(&state.key()) {
                progress_row(
                    &mut progress,
                    &[
                        &progress_timestamp(),
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
        }
        progress.flush()?;
        if deadline.is_some_and(|d| tokio::time::Instant::now() >= d) {
            drop(progress);
            writeln!(out)?;
            writeln!(out, "This is the state of the app after wait timed out:")?;
            writeln!(out)?;
            writeln!(
                out,
                "The command timed out waiting for the conditions to be met."
            )?;
            let (app, _) = apps.get(request.name).await?;
            print_final(out, &app, request.watch)?;
            return Err(CliError::Timeout {
                seconds: request.timeout,
                app: request.name.to_owned(),
            });
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// A progress row with argocd's field widths (`%s %5s %10s %10s %20s %8s %7s %10s %s`).
fn progress_row<W: Write>(t: &mut TabWriter<W>, cells: &[&str; 9]) -> io::Result<()> {
    writeln!(
        t,
        "{}\t{:>5}\t{:>10}\t{:>10}\t{:>20}\t{:>8}\t{:>7}\t{:>10}\t{}",
        cells[0], cells[1], cells[2], cells[3], cells[4], cells[5], cells[6], cells[7], cells[8]
    )
}

/// Whether the conditions hold, and whether an operation is still under way (requested,
/// running, from before the request, or finished but not yet followed by a
/// reconciliation).
fn conditions(app: &Application, request: &WaitRequest<'_>) -> (bool, bool) {
    let in_progress = match (&app.operation, &app.status.operation_state) {
        (Some(_), _) => true,
        (None, None) => request.requested_at.is_some(),
        (None, Some(state)) => operation_in_progress(app, state, request.requested_at),
    };
    let watch = request.watch;
    let holds = |sync: &str, health: &str| {
        (!watch.sync || sync == SyncStatusCode::Synced.as_str())
            && (!watch.health || health == "Healthy")
            && (!watch.operation || app.operation.is_none())
    };
    let ready = if request.selected.is_empty() {
        holds(app.status.sync.status.as_str(), &health_text(app))
    } else {
        resource_states(app, request.selected)
            .iter()
            .all(|s| holds(&s.status, &s.health))
    };
    (ready, in_progress)
}

fn operation_in_progress(
    app: &Application,
    state: &OperationState,
    requested_at: Option<Timestamp>,
) -> bool {
    let time = |text: &str| parse_time(&app.metadata.name, "", text).ok();
    if let Some(requested) = requested_at
        && time(&state.started_at).is_none_or(|started| started < requested)
    {
        return true;
    }
    let Some(finished) = state.finished_at.as_deref() else {
        return true;
    };
    let dry_run = state.operation.sync.as_ref().is_some_and(|s| s.dry_run);
    let reconciled = app.status.reconciled_at.as_deref().and_then(time);
    !dry_run && reconciled.is_none_or(|r| time(finished).is_some_and(|f| r < f))
}

/// The summary, the operation (when waited for) and the resource table.
fn print_final<W: Write>(out: &mut W, app: &Application, watch: WatchOpts) -> io::Result<()> {
    writeln!(out)?;
    print_app_summary(out, app, None)?;
    writeln!(out)?;
    if watch.operation
        && let Some(state) = &app.status.operation_state
    {
        print_operation_result(out, state)?;
    }
    if !app.status.resources.is_empty() {
        writeln!(out)?;
        print_resources(out, app)?;
    }
    Ok(())
}
