//! The operation loop: observe, decide with `next_step`, act, until the operation is over.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use futures_util::future::join_all;
use serde_json::Value;
use tokio::sync::watch;
use tokio::time::Instant;

use super::apply;
use super::result::Results;
use super::{ExecuteSettings, OperationPhase, Stepped, SyncOutcome};
use crate::cluster::Cluster;
use crate::sync::ResourceResult;
use crate::sync::{
    Progress, ResourceKey, ResultCode, Step, SyncPlan, SyncTask, TaskPhase, TaskResult, next_step,
    terminate,
};

/// How running a wave ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum WaveState {
    /// Everything was written.
    Done,
    /// Old hook instances are being deleted; the wave runs again once they are gone.
    Pending,
    /// A prune, deletion or write failed.
    Failed,
}

/// Base message of `next_step` when a task completed unsuccessfully.
const COMPLETED_UNSUCCESSFULLY: &str = "one or more synchronization tasks completed unsuccessfully";
/// Argo CD's base message when the failure happened while applying a wave.
const APPLY_FAILED: &str = "one or more objects failed to apply";
/// Message while a wave has just been run.
const TASKS_RUNNING: &str = "one or more tasks are running";

/// What ended a wait in the operation loop.
enum Event {
    /// A step (and its pause) ran; `Some` when the operation is over.
    Advanced(Option<SyncOutcome>),
    /// Termination was requested.
    Stop,
    /// The sync timeout passed.
    Expired,
}

/// What follows a step.
enum Flow {
    /// The operation is over.
    Done(SyncOutcome),
    /// Step again after `pause` (sooner when something changed), but not
    /// before `hold` (the delay between waves) has passed.
    Pause { pause: Duration, hold: Duration },
    /// Step again at once.
    Next,
}

/// One operation in progress.
pub(super) struct Run<'a, C> {
    pub(super) cluster: &'a C,
    pub(super) plan: &'a SyncPlan,
    pub(super) settings: &'a ExecuteSettings,
    sender: Option<&'a watch::Sender<SyncOutcome>>,
    /// Tasks by result key.
    pub(super) tasks: BTreeMap<String, &'a SyncTask>,
    pub(super) results: Results,
    pub(super) dry_run_done: bool,
    /// Last observed live objects of tasks that have run.
    pub(super) live: BTreeMap<ResourceKey, Value>,
}

impl<'a, C: Cluster> Run<'a, C> {
    pub(super) fn new(
        cluster: &'a C,
        plan: &'a SyncPlan,
        settings: &'a ExecuteSettings,
        sender: Option<&'a watch::Sender<SyncOutcome>>,
    ) -> Self {
        Run {
            cluster,
            plan,
            settings,
            sender,
            tasks: plan.tasks.iter().map(|t| (t.result_key(), t)).collect(),
            results: Results::default(),
            dry_run_done: false,
            live: BTreeMap::new(),
        }
    }

    /// Takes over the results an earlier call recorded: for the tasks of
    /// this plan they belong to, and, only to be reported, those of tasks it
    /// no longer has. Results exist only once the dry run passed.
    pub(super) fn restore(&mut self, recorded: &[ResourceResult]) {
        for result in recorded {
            let key = format!(
                "{}:{}",
                ResourceKey::new(&result.group, &result.kind, &result.namespace, &result.name),
                result.sync_phase
            );
            match self.tasks.get(&key).copied() {
                Some(task) if task.is_hook() == result.hook_type.is_some() => {
                    self.results
                        .set(task, result.status, result.hook_phase, &result.message);
                }
                // A hook recorded as a plain resource, or the reverse: not this task's.
                Some(_) => {}
                None => self.results.carry(key, result),
            }
            self.dry_run_done = true;
        }
    }

    /// Steps until the operation is over. Past the timeout (even in the middle of a
    /// step), or once `stop` completes, the operation is terminated.
    pub(super) async fn execute(mut self, stop: impl Future<Output = ()>) -> SyncOutcome {
        self.record_invalid_tasks();
        let deadline = self.settings.timeout.map(|t| (Instant::now() + t, t));
        let expired = async {
            match deadline {
                Some((at, _)) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::pin!(stop, expired);
        loop {
            let event = tokio::select! {
                over = self.advance() => Event::Advanced(over),
                () = &mut stop => Event::Stop,
                () = &mut expired => Event::Expired,
            };
            match event {
                Event::Advanced(Some(outcome)) => return outcome,
                Event::Advanced(None) => {}
                Event::Stop => return self.terminate(None).await,
                Event::Expired => return self.terminate(deadline.map(|(_, t)| t)).await,
            }
        }
    }

    /// Steps until the operation has to wait (phase `Running` and the pause
    /// before the next call) or is over.
    pub(super) async fn step_until_wait(mut self) -> Stepped {
        self.record_invalid_tasks();
        loop {
            match self.step().await {
                Flow::Done(outcome) => {
                    return Stepped {
                        outcome,
                        again_after: None,
                        not_before: None,
                    };
                }
                Flow::Pause { pause, hold } => {
                    let outcome = self.sender.map(|s| s.borrow().clone()).unwrap_or_default();
                    return Stepped {
                        outcome: SyncOutcome {
                            phase: OperationPhase::Running,
                            resources: self.results.resources(),
                            ..outcome
                        },
                        again_after: Some(pause),
                        not_before: (!hold.is_zero()).then_some(hold),
                    };
                }
                Flow::Next => {}
            }
        }
    }

    /// One step and the pause after it; `Some` when the operation is over.
    async fn advance(&mut self) -> Option<SyncOutcome> {
        match self.step().await {
            Flow::Done(outcome) => Some(outcome),
            Flow::Pause { pause, .. } => {
                tokio::time::sleep(pause).await;
                None
            }
            Flow::Next => None,
        }
    }

    /// One step: observe, decide, act.
    async fn step(&mut self) -> Flow {
        self.observe().await;
        let decision = next_step(self.plan, &self.progress());
        self.apply_updates(&decision.updates);
        self.remove_hook_finalizers(&decision.remove_hook_finalizers)
            .await;
        match decision.step {
            Step::DryRun {
                create_namespace_first,
                tasks,
            } => match self
                .dry_run(create_namespace_first.as_deref(), &tasks)
                .await
            {
                Err(message) => Flow::Done(self.finish(OperationPhase::Failed, message)),
                Ok(()) => {
                    self.dry_run_done = true;
                    Flow::Next
                }
            },
            Step::Wait { message } => {
                self.publish(OperationPhase::Running, &message);
                Flow::Pause {
                    pause: self.settings.poll_interval,
                    hold: Duration::ZERO,
                }
            }
            Step::RunWave {
                final_wave,
                completes_operation,
                prune,
                delete_before_creation,
                apply,
                ..
            } => {
                let state = self.run_wave(&prune, &delete_before_creation, &apply).await;
                if state == WaveState::Failed {
                    return self.wave_failed().await.map_or(Flow::Next, Flow::Done);
                }
                if state == WaveState::Done && completes_operation {
                    return Flow::Done(self.wave_completed().await);
                }
                self.publish(OperationPhase::Running, TASKS_RUNNING);
                let delay = if final_wave {
                    Duration::ZERO
                } else {
                    self.settings.wave_delay
                };
                // Argo CD's wave hook sleeps the delay after a wave's
                // tasks ran (pending deletions included), whatever changes
                // meanwhile.
                Flow::Pause {
                    pause: match state {
                        WaveState::Pending => delay.max(self.settings.poll_interval),
                        _ => delay,
                    },
                    hold: delay,
                }
            }
            Step::Succeeded {
                message,
                delete_hooks,
            } => {
                self.delete_hooks(&delete_hooks).await;
                Flow::Done(self.finish(OperationPhase::Succeeded, message))
            }
            Step::Failed {
                message,
                delete_hooks,
                run_sync_fail_hooks,
            } => self
                .fail(message, &delete_hooks, &run_sync_fail_hooks)
                .await
                .map_or(Flow::Next, Flow::Done),
        }
    }

    /// Tasks the plan rejected get a `SyncFailed` result naming the reason.
    fn record_invalid_tasks(&mut self) {
        for invalid in &self.plan.invalid {
            if let Some(task) = self.tasks.get(&invalid.result_key).copied() {
                self.results
                    .set(task, ResultCode::SyncFailed, None, &invalid.message);
            }
        }
    }

    fn apply_updates(&mut self, updates: &BTreeMap<String, TaskResult>) {
        for (key, result) in updates {
            if let Some(task) = self.tasks.get(key).copied() {
                self.results.update(task, result);
            }
        }
    }

    /// The operation failed: deletes `HookFailed` hooks, then either finishes or starts
    /// the `SyncFail` hooks (`None`: the operation goes on, waiting for them).
    async fn fail(
        &mut self,
        message: String,
        delete_hooks: &[String],
        sync_fail_hooks: &[String],
    ) -> Option<SyncOutcome> {
        self.delete_hooks(delete_hooks).await;
        if sync_fail_hooks.is_empty() {
            return Some(self.finish(OperationPhase::Failed, message));
        }
        let failed = self.apply_group(sync_fail_hooks).await;
        if failed.is_empty() {
            self.publish(OperationPhase::Running, &message);
            return None;
        }
        let reasons = failed.join(",");
        let message = format!("{message}\none or more SyncFail hooks failed, reason: {reasons}");
        Some(self.finish(OperationPhase::Failed, message))
    }

    /// A wave failed to apply: the operation fails at once ("one or more objects failed
    /// to apply"), without waiting for what the wave did apply.
    async fn wave_failed(&mut self) -> Option<SyncOutcome> {
        match next_step(self.plan, &self.settled_view()).step {
            Step::Failed {
                message,
                delete_hooks,
                run_sync_fail_hooks,
            } => {
                let message = if run_sync_fail_hooks.is_empty() {
                    message.replacen(COMPLETED_UNSUCCESSFULLY, APPLY_FAILED, 1)
                } else {
                    message
                };
                self.fail(message, &delete_hooks, &run_sync_fail_hooks)
                    .await
            }
            _ => None,
        }
    }

    /// The last wave applied and nothing else is pending: the operation succeeds without
    /// waiting for the wave's resources, deleting `HookSucceeded` hooks.
    async fn wave_completed(&mut self) -> SyncOutcome {
        if let Step::Succeeded { delete_hooks, .. } =
            next_step(self.plan, &self.settled_view()).step
        {
            self.delete_hooks(&delete_hooks).await;
        }
        self.finish(
            OperationPhase::Succeeded,
            "successfully synced (all tasks run)".to_owned(),
        )
    }

    /// The progress as if the tasks just applied (still `Running`) were done, and their
    /// objects not observed: what the rest of the operation decides right after a wave,
    /// as Argo CD does within the same call.
    fn settled_view(&self) -> Progress {
        let mut view = self.progress();
        for task in &self.plan.tasks {
            if let Some(result) = view.results.get_mut(&task.result_key())
                && result.phase == Some(TaskPhase::Running)
            {
                result.phase = Some(TaskPhase::Succeeded);
                view.live.remove(&task.key);
            }
        }
        view
    }

    /// Terminates the operation (on request, or when the sync `timeout` passed): running
    /// hooks are deleted and the operation fails.
    pub(super) async fn terminate(mut self, timeout: Option<Duration>) -> SyncOutcome {
        let reason = match timeout {
            Some(_) => "operation is terminating due to timeout",
            None => "operation is terminating",
        };
        self.publish(OperationPhase::Terminating, reason);
        self.observe().await;
        let termination = terminate(self.plan, &self.progress());
        self.apply_updates(&termination.updates);
        self.remove_hook_finalizers(&termination.remove_hook_finalizers)
            .await;
        if !self.delete_hooks(&termination.delete_hooks).await {
            let message = "Operation termination had errors".to_owned();
            return self.finish(OperationPhase::Error, message);
        }
        let message = match timeout {
            Some(t) => format!("{} (sync timeout of {t:?} exceeded)", termination.message),
            None => termination.message,
        };
        self.finish(OperationPhase::Failed, message)
    }

    fn outcome(&self, phase: OperationPhase, message: String) -> SyncOutcome {
        SyncOutcome {
            phase,
            message,
            resources: self.results.resources(),
        }
    }

    /// Sends the current state on the progress channel when it changed.
    fn publish(&self, phase: OperationPhase, message: &str) {
        self.send(self.outcome(phase, message.to_owned()));
    }

    fn finish(&self, phase: OperationPhase, message: String) -> SyncOutcome {
        let outcome = self.outcome(phase, message);
        self.send(outcome.clone());
        outcome
    }

    fn send(&self, outcome: SyncOutcome) {
        if let Some(sender) = self.sender {
            sender.send_if_modified(|current| {
                let changed = *current != outcome;
                if changed {
                    *current = outcome;
                }
                changed
            });
        }
    }

    /// Writes a run of tasks concurrently and records their results; returns the error
    /// messages of those that failed.
    pub(super) async fn apply_group(&mut self, keys: &[String]) -> Vec<String> {
        let dry_run = self.plan.dry_run;
        let (cluster, poll) = (self.cluster, self.settings.poll_interval);
        let writes = keys
            .iter()
            .filter_map(|k| self.tasks.get(k).copied())
            .map(|t| async move { (t, apply::write(cluster, t, dry_run, poll).await) });
        let mut failed = Vec::new();
        for (task, written) in join_all(writes).await {
            match written {
                // No object is created in a dry-run operation: an applied task is done.
                Ok(message) if dry_run => {
                    self.results
                        .record(task, ResultCode::Synced, TaskPhase::Succeeded, &message)
                }
                Ok(message) => {
                    self.results
                        .record(task, ResultCode::Synced, TaskPhase::Running, &message)
                }
                Err(message) => {
                    self.results
                        .record(task, ResultCode::SyncFailed, TaskPhase::Failed, &message);
                    failed.push(message);
                }
            }
        }
        failed
    }
}
