//! Per-resource results ([`ResourceResult`]) as an operation records them, kept in the
//! order each resource first got a result (notes §2.11).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::sync::{ResourceResult, ResultCode, SyncTask, TaskPhase, TaskResult};

impl ResourceResult {
    fn new(task: &SyncTask, status: ResultCode) -> Self {
        let (_, version) = crate::object::split_api_version(&task.api_version);
        ResourceResult {
            group: task.key.group.clone(),
            version: version.to_owned(),
            kind: task.key.kind.clone(),
            namespace: task.key.namespace.clone(),
            name: task.key.name.clone(),
            status,
            message: String::new(),
            hook_type: task.is_hook().then(|| task.phase.as_str().to_owned()),
            hook_phase: None,
            sync_phase: task.phase,
            images: task.target.as_ref().map(images).unwrap_or_default(),
        }
    }
}

/// Container images named by an object's pod template(s).
fn images(obj: &Value) -> Vec<String> {
    [
        "/spec/containers",
        "/spec/template/spec/containers",
        "/spec/jobTemplate/spec/template/spec/containers",
    ]
    .iter()
    .filter_map(|path| obj.pointer(path).and_then(Value::as_array))
    .flatten()
    .filter_map(|c| c.get("image").and_then(Value::as_str))
    .map(str::to_owned)
    .collect()
}

/// Results by task result key, in the order they were first recorded.
#[derive(Debug, Default)]
pub(super) struct Results {
    order: Vec<String>,
    by_key: BTreeMap<String, ResourceResult>,
    /// Results an earlier call recorded for tasks the current plan no longer
    /// has (the destination namespace it created): reported, not decided on.
    carried: BTreeMap<String, ResourceResult>,
}

impl Results {
    /// Records a result for `task` (see [`Results::set`]).
    pub(super) fn record(
        &mut self,
        task: &SyncTask,
        status: ResultCode,
        phase: TaskPhase,
        message: &str,
    ) {
        self.set(task, status, Some(phase), message);
    }

    /// Sets the result of `task`; a later result keeps the first one's position, and an
    /// empty message does not replace an earlier one.
    pub(super) fn set(
        &mut self,
        task: &SyncTask,
        status: ResultCode,
        phase: Option<TaskPhase>,
        message: &str,
    ) {
        let key = task.result_key();
        let entry = self.by_key.entry(key.clone()).or_insert_with(|| {
            self.order.push(key);
            ResourceResult::new(task, status)
        });
        entry.status = status;
        entry.hook_phase = phase;
        if !message.is_empty() {
            entry.message = message.to_owned();
        }
    }

    /// Keeps a result recorded for a task the plan no longer has, in its place.
    pub(super) fn carry(&mut self, key: String, result: &ResourceResult) {
        if !self.by_key.contains_key(&key) && !self.carried.contains_key(&key) {
            self.order.push(key.clone());
            self.carried.insert(key, result.clone());
        }
    }

    /// Applies a result computed by the decision functions (`next_step`, `terminate`).
    pub(super) fn update(&mut self, task: &SyncTask, result: &TaskResult) {
        let status = result
            .status
            .or_else(|| self.by_key.get(&task.result_key()).map(|r| r.status))
            .unwrap_or(ResultCode::SyncFailed);
        self.set(task, status, result.phase, &result.message);
    }

    /// The phase recorded for a task, if any.
    pub(super) fn phase(&self, result_key: &str) -> Option<TaskPhase> {
        self.by_key.get(result_key).and_then(|r| r.hook_phase)
    }

    /// The status recorded for a task, if any.
    pub(super) fn status(&self, result_key: &str) -> Option<ResultCode> {
        self.by_key.get(result_key).map(|r| r.status)
    }

    /// The results as the decision functions read them.
    pub(super) fn task_results(&self) -> BTreeMap<String, TaskResult> {
        self.by_key
            .iter()
            .map(|(key, r)| {
                let result = TaskResult {
                    status: Some(r.status),
                    phase: r.hook_phase,
                    message: r.message.clone(),
                };
                (key.clone(), result)
            })
            .collect()
    }

    /// The results in report order.
    pub(super) fn resources(&self) -> Vec<ResourceResult> {
        self.order
            .iter()
            .filter_map(|key| self.by_key.get(key).or_else(|| self.carried.get(key)))
            .cloned()
            .collect()
    }
}
