//! Progressive sync (`strategy.type: RollingSync`): which generated
//! Applications belong to which step, and which may sync now.
//!
//! Step `i` holds every Application whose labels satisfy all of step `i`'s
//! `matchExpressions` (`In` needs the key; `NotIn` passes when the key is
//! absent). An Application of step `N+1` may sync only once every
//! Application of steps `0..=N` exists and is `Healthy`.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use super::model::ApplicationSet;

/// The strategy type that enables progressive sync.
pub const ROLLING_SYNC: &str = "RollingSync";

/// Applications grouped by rollout step.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepPlan {
    /// Application names per step, in step order.
    pub steps: Vec<Vec<String>>,
    /// The first step that selects each Application.
    pub step_of: BTreeMap<String, usize>,
    /// Problems of the step definitions.
    pub issues: StepIssues,
}

/// Problems found while grouping Applications into steps.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StepIssues {
    /// Steps that select no Application.
    #[serde(rename = "EmptySteps", skip_serializing_if = "Vec::is_empty")]
    pub empty_steps: Vec<usize>,
    /// Applications selected by more than one step, with those steps.
    #[serde(
        rename = "DuplicateAppSelections",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub duplicate_selections: BTreeMap<String, Vec<usize>>,
    /// Expressions whose operator is neither `In` nor `NotIn`.
    #[serde(
        rename = "InvalidMatchExpressions",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub invalid_expressions: Vec<InvalidExpression>,
}

/// An expression with an unusable operator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InvalidExpression {
    /// The step it belongs to.
    #[serde(rename = "StepIndex")]
    pub step: usize,
    /// The operator found.
    #[serde(rename = "Operator")]
    pub operator: String,
}

fn name_of(app: &Value) -> &str {
    app.pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// Groups `apps` into the RollingSync steps of `appset`; no steps unless the
/// strategy is `RollingSync`.
pub fn plan_steps(appset: &ApplicationSet, apps: &[Value]) -> StepPlan {
    let mut plan = StepPlan::default();
    let Some(strategy) = &appset.spec.strategy else {
        return plan;
    };
    let Some(rolling) = strategy
        .rolling_sync
        .as_ref()
        .filter(|_| strategy.type_ == ROLLING_SYNC)
    else {
        return plan;
    };
    let mut selections: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, step) in rolling.steps.iter().enumerate() {
        for expr in &step.match_expressions {
            if expr.operator != "In" && expr.operator != "NotIn" {
                plan.issues.invalid_expressions.push(InvalidExpression {
                    step: i,
                    operator: expr.operator.clone(),
                });
            }
        }
        let mut members = Vec::new();
        for app in apps {
            let labels = app.pointer("/metadata/labels").and_then(Value::as_object);
            let label = |key: &str| labels.and_then(|l| l.get(key)).and_then(Value::as_str);
            let selected = step.match_expressions.iter().all(|expr| {
                let listed = |v: &str| expr.values.iter().any(|x| x == v);
                match (expr.operator.as_str(), label(&expr.key)) {
                    ("In", Some(v)) => listed(v),
                    ("NotIn", Some(v)) => !listed(v),
                    ("NotIn", None) => true,
                    _ => false,
                }
            });
            if selected {
                let name = name_of(app).to_string();
                plan.step_of.entry(name.clone()).or_insert(i);
                selections.entry(name.clone()).or_default().push(i);
                members.push(name);
            }
        }
        if members.is_empty() {
            plan.issues.empty_steps.push(i);
        }
        plan.steps.push(members);
    }
    plan.issues.duplicate_selections = selections
        .into_iter()
        .filter(|(_, steps)| steps.len() > 1)
        .collect();
    plan
}

/// The status Argo CD records per generated Application in
/// `status.applicationStatus[].status` (`Waiting`, `Pending`, `Progressing`, `Healthy`).
pub fn rollout_status(appset_status: &Value) -> BTreeMap<String, String> {
    appset_status
        .get("applicationStatus")
        .and_then(Value::as_array)
        .map(|entries| {
            entries
                .iter()
                .filter_map(|e| {
                    Some((
                        e.get("application")?.as_str()?.to_string(),
                        e.get("status")?.as_str()?.to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The Applications that may sync now: every Application of the first steps up to
/// and including the first step not yet complete (a step is complete when each of
/// its Applications exists in `current` and has rollout status `Healthy`).
pub fn apps_to_sync(
    steps: &[Vec<String>],
    current: &BTreeSet<String>,
    status: &BTreeMap<String, String>,
) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for step in steps {
        out.extend(step.iter().cloned());
        let complete = step.iter().all(|app| {
            current.contains(app) && status.get(app).map(String::as_str) == Some("Healthy")
        });
        if !complete {
            break;
        }
    }
    out
}
