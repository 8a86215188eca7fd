//! The operation loop as a pure decision: given a plan, the results recorded so far and
//! the observed state of live objects, what happens next (spec §2.4, §2.5, §2.7, §2.8).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::hooks::{HookDeletePolicy, SyncPhase};
use super::plan::SyncPlan;
use super::task::SyncTask;
use crate::health::{HealthStatus, HealthStatusCode};
use crate::object::{self, ResourceKey};

/// Per-resource result code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResultCode {
    /// Applied.
    Synced,
    /// Apply or delete failed.
    SyncFailed,
    /// Deleted.
    Pruned,
    /// Left in place (pruning off or `Prune=false`).
    PruneSkipped,
}

/// Phase of one task (the result's `hookPhase`, set for plain resources
/// too) and of a whole operation (`status.operationState.phase`): Argo CD
/// uses one `OperationPhase` type for both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TaskPhase {
    /// Applied, waiting to become healthy (or the hook to complete); for an
    /// operation, in progress.
    #[default]
    Running,
    /// Being terminated.
    Terminating,
    /// Completed unsuccessfully.
    Failed,
    /// Completed with an error.
    Error,
    /// Completed successfully.
    Succeeded,
}

impl TaskPhase {
    /// Whether the task or operation is over (`Failed`, `Error` or `Succeeded`).
    pub fn is_completed(self) -> bool {
        matches!(self, Self::Failed | Self::Error | Self::Succeeded)
    }
}

impl std::fmt::Display for TaskPhase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

/// What is observed of a live object that tasks refer to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveState {
    /// Health; `None` when no health rule exists for the kind.
    pub health: Option<HealthStatus>,
    /// It has a deletionTimestamp.
    pub deleting: bool,
}

/// The recorded result of one task.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskResult {
    /// Result code, once there is one.
    pub status: Option<ResultCode>,
    /// Phase; `None` while the task is pending.
    pub phase: Option<TaskPhase>,
    /// Message.
    pub message: String,
}

/// The state of an operation between two steps.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// The initial dry-run has been run and passed.
    pub dry_run_done: bool,
    /// Results by task result key (`<key>:<phase>`).
    pub results: BTreeMap<String, TaskResult>,
    /// Live objects that exist, by key.
    pub live: BTreeMap<ResourceKey, LiveState>,
}

/// What to do next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    /// First step: create the destination namespace for real (when a task does), then
    /// dry-run the listed tasks; any failure fails the operation.
    DryRun {
        /// Result key of the namespace-creation task.
        create_namespace_first: Option<String>,
        /// Result keys of the tasks to dry-run.
        tasks: Vec<String>,
    },
    /// Nothing to run now; the operation stays `Running` with this message.
    Wait {
        /// The operation message.
        message: String,
    },
    /// Run one phase+wave: prune, delete old hook instances, then apply groups in order.
    RunWave {
        /// Phase of the wave.
        phase: SyncPhase,
        /// Wave number.
        wave: i64,
        /// No later phase/wave has pending tasks.
        final_wave: bool,
        /// If the wave applies successfully the operation succeeds
        /// ("successfully synced (all tasks run)"): nothing else pending, no hooks here.
        completes_operation: bool,
        /// Prune tasks, run in parallel first.
        prune: Vec<String>,
        /// Hooks whose old instance is deleted first (`BeforeHookCreation`); when any
        /// exists the wave is pending and creation happens in a later step.
        delete_before_creation: Vec<String>,
        /// Runs of tasks of the same kind: concurrent within a run, runs in order.
        apply: Vec<Vec<String>>,
    },
    /// The operation succeeded.
    Succeeded {
        /// The operation message.
        message: String,
        /// Completed hooks to delete (`HookSucceeded`).
        delete_hooks: Vec<String>,
    },
    /// The operation failed.
    Failed {
        /// The operation message.
        message: String,
        /// Completed hooks to delete (`HookFailed`).
        delete_hooks: Vec<String>,
        /// `SyncFail` hooks to start; when empty the operation is finished.
        run_sync_fail_hooks: Vec<String>,
    },
}

/// A decision: result updates from observed health, finalizers to remove, and the step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// Results changed by observing running tasks.
    pub updates: BTreeMap<String, TaskResult>,
    /// Completed hooks whose hook finalizer is to be removed.
    pub remove_hook_finalizers: Vec<String>,
    /// The step.
    pub step: Step,
}

/// Decides the next step of the operation.
pub fn next_step(plan: &SyncPlan, progress: &Progress) -> Decision {
    let mut decision = Decision {
        updates: BTreeMap::new(),
        remove_hook_finalizers: Vec::new(),
        step: Step::Wait {
            message: String::new(),
        },
    };
    if !plan.invalid.is_empty() {
        let reasons: BTreeSet<&str> = plan.invalid.iter().map(|i| i.message.as_str()).collect();
        let reasons: Vec<&str> = reasons.into_iter().collect();
        let message = format!(
            "one or more synchronization tasks are not valid: {}",
            reasons.join("; ")
        );
        decision.step = failed(message, vec![], vec![]);
        return decision;
    }
    if progress.results.is_empty() && !progress.dry_run_done {
        decision.step = dry_run_step(plan);
        return decision;
    }

    let mut results = progress.results.clone();
    for task in &plan.tasks {
        let key = task.result_key();
        let (Some(old), Some(live)) = (results.get(&key), progress.live.get(&task.key)) else {
            continue;
        };
        if old.phase != Some(TaskPhase::Running) {
            continue;
        }
        let new = refresh(task, old, live);
        if &new != old {
            decision.updates.insert(key.clone(), new.clone());
            results.insert(key, new);
        }
    }
    let phase_of = |t: &SyncTask| results.get(&t.result_key()).and_then(|r| r.phase);
    let status_of = |t: &SyncTask| results.get(&t.result_key()).and_then(|r| r.status);
    let live_exists = |t: &SyncTask| progress.live.contains_key(&t.key);

    let multi_step = match (plan.tasks.first(), plan.tasks.last()) {
        (Some(a), Some(b)) => (a.phase, a.wave) != (b.phase, b.wave),
        _ => false,
    };
    let running: Vec<&SyncTask> = plan
        .tasks
        .iter()
        .filter(|t| (multi_step || t.is_hook()) && phase_of(t) == Some(TaskPhase::Running))
        .collect();
    if !running.is_empty() {
        for task in running.iter().filter(|t| !live_exists(t)) {
            let missing = TaskResult {
                status: Some(ResultCode::SyncFailed),
                phase: Some(TaskPhase::Error),
                message: format!(
                    "Resource {}/{}/{} is missing, it might have been deleted",
                    task.key.group, task.key.kind, task.key.name
                ),
            };
            decision.updates.insert(task.result_key(), missing);
        }
        decision.step = Step::Wait {
            message: running_message(&running, false),
        };
        return decision;
    }
    let deleting: Vec<&SyncTask> = plan
        .tasks
        .iter()
        .filter(|t| {
            status_of(t) == Some(ResultCode::Pruned)
                && progress.live.get(&t.key).is_some_and(|l| l.deleting)
        })
        .collect();
    if !deleting.is_empty() {
        decision.step = Step::Wait {
            message: running_message(&deleting, true),
        };
        return decision;
    }

    let completed_hooks = plan.tasks.iter().filter(|t| {
        t.is_hook() && live_exists(t) && phase_of(t).is_some_and(TaskPhase::is_completed)
    });
    decision.remove_hook_finalizers = completed_hooks.map(SyncTask::result_key).collect();
    let hooks_to_delete = |policy| -> Vec<String> {
        plan.tasks
            .iter()
            .filter(|t| {
                t.has_delete_policy(policy)
                    && live_exists(t)
                    && phase_of(t) != Some(TaskPhase::Running)
            })
            .map(SyncTask::result_key)
            .collect()
    };

    let (sync_fail, others): (Vec<&SyncTask>, Vec<&SyncTask>) = plan
        .tasks
        .iter()
        .partition(|t| t.phase == SyncPhase::SyncFail);
    if others
        .iter()
        .any(|t| phase_of(t).is_some_and(|p| p.is_completed() && p != TaskPhase::Succeeded))
    {
        let base = "one or more synchronization tasks completed unsuccessfully";
        decision.step = sync_fail_phase(
            with_reasons(base, &others, &results),
            &sync_fail,
            &results,
            hooks_to_delete(HookDeletePolicy::HookFailed),
        );
        return decision;
    }

    let pending: Vec<&SyncTask> = others
        .into_iter()
        .filter(|t| phase_of(t).is_none() && !(plan.apply_out_of_sync_only && t.skip_unmodified))
        .collect();
    let Some(first) = pending.first() else {
        decision.step = Step::Succeeded {
            message: "successfully synced (no more tasks)".to_owned(),
            delete_hooks: hooks_to_delete(HookDeletePolicy::HookSucceeded),
        };
        return decision;
    };
    let (phase, wave) = (first.phase, first.wave);
    let final_wave = pending
        .last()
        .is_some_and(|l| (l.phase, l.wave) == (phase, wave));
    let (wave_tasks, later): (Vec<&SyncTask>, Vec<&SyncTask>) = pending
        .iter()
        .partition(|t| (t.phase, t.wave) == (phase, wave));
    let completes_operation = later.is_empty() && !wave_tasks.iter().any(|t| t.is_hook());

    if wave_tasks
        .iter()
        .any(|t| t.is_prune() && t.awaiting_prune_confirmation)
    {
        let blocked: Vec<&SyncTask> = wave_tasks
            .iter()
            .copied()
            .filter(|t| t.is_prune() || deletes_before_creation(t))
            .collect();
        decision.step = Step::Wait {
            message: running_message(&blocked, true),
        };
        return decision;
    }

    let (prune, create): (Vec<&SyncTask>, Vec<&SyncTask>) =
        wave_tasks.into_iter().partition(|t| t.is_prune());
    let delete_before_creation = create
        .iter()
        .filter(|t| deletes_before_creation(t))
        .map(|t| t.result_key())
        .collect();
    let mut apply: Vec<Vec<String>> = Vec::new();
    let mut last_kind: Option<&str> = None;
    for task in create {
        match apply.last_mut() {
            Some(group) if last_kind == Some(task.key.kind.as_str()) => {
                group.push(task.result_key())
            }
            _ => apply.push(vec![task.result_key()]),
        }
        last_kind = Some(task.key.kind.as_str());
    }
    decision.step = Step::RunWave {
        phase,
        wave,
        final_wave,
        completes_operation,
        prune: prune.iter().map(|t| t.result_key()).collect(),
        delete_before_creation,
        apply,
    };
    decision
}

/// What terminating an operation does (user request or sync timeout).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Termination {
    /// Final results of the hooks that were running.
    pub updates: BTreeMap<String, TaskResult>,
    /// Hooks whose hook finalizer is to be removed (completed and running ones).
    pub remove_hook_finalizers: Vec<String>,
    /// Running hooks to delete: still running, or carrying `HookFailed`.
    pub delete_hooks: Vec<String>,
    /// The operation message (phase `Failed`).
    pub message: String,
}

/// Terminates the operation (v3): every running hook loses its finalizer; one whose
/// object is gone is recorded `Succeeded` "Terminated"; one still running (or with
/// `HookFailed`) is deleted; a hook whose health says it completed keeps that result,
/// the others become `Failed` "Terminated".
pub fn terminate(plan: &SyncPlan, progress: &Progress) -> Termination {
    let mut termination = Termination {
        updates: BTreeMap::new(),
        remove_hook_finalizers: Vec::new(),
        delete_hooks: Vec::new(),
        message: "Operation terminated".to_owned(),
    };
    for task in plan.tasks.iter().filter(|t| t.is_hook()) {
        let key = task.result_key();
        let Some(result) = progress.results.get(&key) else {
            continue;
        };
        let live = progress.live.get(&task.key);
        match result.phase {
            Some(phase) if phase.is_completed() && live.is_some() => {
                termination.remove_hook_finalizers.push(key);
            }
            Some(TaskPhase::Running) => {
                let Some(live) = live else {
                    let terminated = TaskResult {
                        phase: Some(TaskPhase::Succeeded),
                        message: "Terminated".to_owned(),
                        ..result.clone()
                    };
                    termination.updates.insert(key, terminated);
                    continue;
                };
                termination.remove_hook_finalizers.push(key.clone());
                let observed = refresh(task, result, live);
                let still_running = observed.phase == Some(TaskPhase::Running);
                if still_running || task.has_delete_policy(HookDeletePolicy::HookFailed) {
                    termination.delete_hooks.push(key.clone());
                }
                let last = if still_running {
                    TaskResult {
                        phase: Some(TaskPhase::Failed),
                        message: "Terminated".to_owned(),
                        ..result.clone()
                    }
                } else {
                    observed
                };
                termination.updates.insert(key, last);
            }
            _ => {}
        }
    }
    termination
}

fn deletes_before_creation(task: &SyncTask) -> bool {
    task.hook.as_ref().is_some_and(|h| h.delete_before_creation)
}

fn failed(message: String, delete_hooks: Vec<String>, run_sync_fail_hooks: Vec<String>) -> Step {
    Step::Failed {
        message,
        delete_hooks,
        run_sync_fail_hooks,
    }
}

fn dry_run_step(plan: &SyncPlan) -> Step {
    let namespace_task = plan.tasks.iter().find(|t| {
        !t.live_exists
            && t.key.group.is_empty()
            && t.key.kind == object::NAMESPACE_KIND
            && t.key.name == plan.destination_namespace
    });
    Step::DryRun {
        create_namespace_first: namespace_task.map(SyncTask::result_key),
        tasks: plan
            .tasks
            .iter()
            .filter(|t| t.dry_run)
            .map(SyncTask::result_key)
            .collect(),
    }
}

/// Refreshes a running task from its live object's health.
fn refresh(task: &SyncTask, old: &TaskResult, live: &LiveState) -> TaskResult {
    let (phase, message) = match (&live.health, task.is_hook()) {
        (None, true) => (TaskPhase::Succeeded, format!("{} created", task.key.name)),
        (None, false) => (TaskPhase::Succeeded, String::new()),
        (Some(h), true) => match h.status {
            HealthStatusCode::Healthy => (TaskPhase::Succeeded, h.message.clone()),
            HealthStatusCode::Degraded | HealthStatusCode::Unknown => {
                (TaskPhase::Failed, h.message.clone())
            }
            HealthStatusCode::Progressing | HealthStatusCode::Suspended => {
                (TaskPhase::Running, h.message.clone())
            }
            HealthStatusCode::Missing => {
                (TaskPhase::Succeeded, format!("{} created", task.key.name))
            }
        },
        (Some(h), false) => match h.status {
            HealthStatusCode::Healthy => (TaskPhase::Succeeded, h.message.clone()),
            HealthStatusCode::Degraded => (TaskPhase::Failed, h.message.clone()),
            _ => (TaskPhase::Running, String::new()),
        },
    };
    TaskResult {
        status: old.status,
        phase: Some(phase),
        message: if message.is_empty() {
            old.message.clone()
        } else {
            message
        },
    }
}

/// The message of a `Running` operation (v3 format):
/// `waiting for <reason> <group>/<kind>/<name>[ and N more <resources|hooks>]`, where the
/// reason is `completion of hook` when hooks are among the tasks, else `healthy state of`;
/// `deletion of[ hook]` for pending deletions; and `pruning confirmation of` (naming the
/// prunes awaiting it) whenever some task awaits prune confirmation.
fn running_message(tasks: &[&SyncTask], deletion: bool) -> String {
    let (hooks, resources): (Vec<&SyncTask>, Vec<&SyncTask>) =
        tasks.iter().partition(|t| t.is_hook());
    let Some(mut first) = hooks.first().or(resources.first()).copied() else {
        return String::new();
    };
    let mut reason = match (deletion, hooks.is_empty()) {
        (false, false) => "completion of hook",
        (false, true) => "healthy state of",
        (true, false) => "deletion of hook",
        (true, true) => "deletion of",
    };
    let task_type = if resources.is_empty() {
        "hooks"
    } else {
        "resources"
    };
    let mut more = tasks.len() - 1;
    let awaiting: Vec<&SyncTask> = tasks
        .iter()
        .copied()
        .filter(|t| t.is_prune() && t.awaiting_prune_confirmation)
        .collect();
    if let Some(prune) = awaiting.first() {
        reason = "pruning confirmation of";
        first = prune;
        more = awaiting.len() - 1;
    }
    let mut message = format!(
        "waiting for {reason} {}/{}/{}",
        first.key.group, first.key.kind, first.key.name
    );
    if more > 0 {
        message.push_str(&format!(" and {more} more {task_type}"));
    }
    message
}

/// The operation failed: without `SyncFail` hooks, or when all of them have completed
/// (then naming those that failed), it is over; otherwise the pending ones are started.
fn sync_fail_phase(
    message: String,
    sync_fail: &[&SyncTask],
    results: &BTreeMap<String, TaskResult>,
    delete_hooks: Vec<String>,
) -> Step {
    let result_of = |t: &SyncTask| results.get(&t.result_key());
    let phase_of = |t: &SyncTask| result_of(t).and_then(|r| r.phase);
    if sync_fail
        .iter()
        .all(|t| phase_of(t).is_some_and(TaskPhase::is_completed))
    {
        let hooks_failed = sync_fail
            .iter()
            .any(|t| result_of(t).is_some_and(|r| r.status == Some(ResultCode::SyncFailed)));
        let message = if hooks_failed {
            let detail = with_reasons("one or more SyncFail hooks failed", sync_fail, results);
            format!("{message}\n{detail}")
        } else {
            message
        };
        return failed(message, delete_hooks, vec![]);
    }
    let pending = sync_fail
        .iter()
        .filter(|t| phase_of(t).is_none())
        .map(|t| t.result_key())
        .collect();
    failed(message, delete_hooks, pending)
}

/// `<base>, reason: <distinct messages of SyncFailed tasks joined by ",">`.
fn with_reasons(base: &str, tasks: &[&SyncTask], results: &BTreeMap<String, TaskResult>) -> String {
    let reasons: BTreeSet<&str> = tasks
        .iter()
        .filter_map(|t| results.get(&t.result_key()))
        .filter(|r| r.status == Some(ResultCode::SyncFailed))
        .map(|r| r.message.as_str())
        .collect();
    if reasons.is_empty() {
        base.to_owned()
    } else {
        let reasons: Vec<&str> = reasons.into_iter().collect();
        format!("{base}, reason: {}", reasons.join(","))
    }
}
