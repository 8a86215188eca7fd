//! Progressive sync (`strategy.type: RollingSync`), as Argo CD's
//! `progressivesync` package does it: which generated Applications belong to
//! which step, their rollout status (`status.applicationStatus`), which may
//! sync now, and the sync operation the ApplicationSet sets on them.
//!
//! Step `i` holds every Application whose labels satisfy all of step `i`'s
//! `matchExpressions` (`In` needs the key; `NotIn` passes when the key is
//! absent). An Application of step `N+1` may sync only once every
//! Application of steps `0..=N` exists and is `Healthy`; within a step at
//! most `maxUpdate` are `Pending` or `Progressing` at once. Each Application
//! goes `Waiting` → `Pending` (sync requested) → `Progressing` (sync started)
//! → `Healthy`, and back to `Waiting` when its revision or spec changes.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::model::ApplicationSet;
use super::ownership::app_name;

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
                let name = app_name(app).to_string();
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

/// `status.applicationStatus[].status`: not yet allowed to sync (or changed since).
pub const WAITING: &str = "Waiting";
/// `status.applicationStatus[].status`: a sync was requested.
pub const PENDING: &str = "Pending";
/// `status.applicationStatus[].status`: the requested sync started.
pub const PROGRESSING: &str = "Progressing";
/// `status.applicationStatus[].status`: synced and healthy.
pub const HEALTHY: &str = "Healthy";

/// Argo CD's messages when a changed Application goes back to `Waiting`.
const REVISION_AND_SPEC_CHANGED: &str =
    "Application has pending changes (revision and spec differ), setting status to Waiting";
const REVISION_CHANGED: &str = "Application has pending changes, setting status to Waiting";
const SPEC_CHANGED: &str =
    "Application has pending changes (spec differs), setting status to Waiting";

/// One entry of `status.applicationStatus`: where a generated Application is in
/// the rollout.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ApplicationRolloutStatus {
    /// `application`: its name.
    pub application: String,
    /// `lastTransitionTime` of `status` (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<String>,
    /// `message`: why it has this status.
    pub message: String,
    /// `status`: [`WAITING`], [`PENDING`], [`PROGRESSING`] or [`HEALTHY`].
    pub status: String,
    /// `step`: its step, 1-based (`-1` when no step selects it).
    pub step: String,
    /// `targetRevisions`: the revisions it was last seen at.
    pub target_revisions: Vec<String>,
}

/// The entries of `status.applicationStatus` (none when absent or malformed).
pub fn application_statuses(appset_status: &Value) -> Vec<ApplicationRolloutStatus> {
    appset_status
        .get("applicationStatus")
        .cloned()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

fn str_at<'a>(app: &'a Value, pointer: &str) -> &'a str {
    app.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

fn time_at(app: &Value, pointer: &str) -> Option<Timestamp> {
    parse_time(app.pointer(pointer).and_then(Value::as_str))
}

fn parse_time(text: Option<&str>) -> Option<Timestamp> {
    text.and_then(|t| t.parse().ok())
}

/// Argo CD's `GetRevisions`: `status.sync.revisions`, else `[status.sync.revision]`.
fn revisions(app: &Value) -> Vec<String> {
    let many: Vec<String> = app
        .pointer("/status/sync/revisions")
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(|r| r.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if !many.is_empty() {
        return many;
    }
    let one = str_at(app, "/status/sync/revision");
    if one.is_empty() {
        Vec::new()
    } else {
        vec![one.to_owned()]
    }
}

/// Whether the Application has a condition that keeps it from syncing.
fn has_error_condition(app: &Value) -> bool {
    app.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|list| {
            list.iter()
                .any(|c| c["type"] == "InvalidSpecError" || c["type"] == "UnknownError")
        })
}

/// The 1-based step of `app`, `-1` when no step selects it.
fn step_label(step_of: &BTreeMap<String, usize>, app: &str) -> String {
    step_of
        .get(app)
        .map_or_else(|| "-1".to_owned(), |s| (s + 1).to_string())
}

/// Argo CD's `UpdateApplicationSetApplicationStatus`: the rollout status of each
/// live Application from its previous entry and its live state. An Application
/// whose revisions changed or whose generated spec differs from the live one
/// (`spec_changed`) goes back to `Waiting`; a `Waiting` one that is already
/// Synced becomes `Healthy` (or `Progressing` when not healthy); a `Pending` one
/// becomes `Progressing` once a sync started after it became `Pending` (or it
/// has an error condition); a `Progressing` one becomes `Healthy` when Synced
/// and Healthy. Entries of Applications no longer live are dropped.
///
/// One deliberate difference: the sync status of an Application whose spec is
/// being changed describes the old spec, so it does not move it out of
/// `Waiting` until the Application was reconciled after the change (Argo CD
/// would mark it `Healthy` at once and never sync the change).
pub fn update_statuses(
    previous: &[ApplicationRolloutStatus],
    live: &[Value],
    spec_changed: &BTreeSet<String>,
    step_of: &BTreeMap<String, usize>,
    now: Timestamp,
) -> Vec<ApplicationRolloutStatus> {
    let stamp = Some(crate::app::format_time(now));
    let mut out = Vec::with_capacity(live.len());
    for app in live {
        let name = app_name(app);
        let health = str_at(app, "/status/health/status");
        let sync = str_at(app, "/status/sync/status");
        let current = previous
            .iter()
            .find(|s| s.application == name)
            .cloned()
            .unwrap_or_else(|| ApplicationRolloutStatus {
                application: name.to_owned(),
                last_transition_time: stamp.clone(),
                message: "No Application status found, defaulting status to Waiting".into(),
                status: WAITING.into(),
                step: step_label(step_of, name),
                target_revisions: revisions(app),
            });
        let mut next = current.clone();
        next.step = step_label(step_of, name);
        let live_revisions = revisions(app);
        let revisions_changed = current.target_revisions != live_revisions;
        let spec_changed_now = spec_changed.contains(name);
        if revisions_changed || spec_changed_now {
            next.target_revisions = live_revisions;
            next.message = match (revisions_changed, spec_changed_now) {
                (true, true) => REVISION_AND_SPEC_CHANGED,
                (true, false) => REVISION_CHANGED,
                _ => SPEC_CHANGED,
            }
            .into();
            next.status = WAITING.into();
            next.last_transition_time = stamp.clone();
        }
        let transition = parse_time(next.last_transition_time.as_deref());
        let reconciled = time_at(app, "/status/reconciledAt");
        if next.status == WAITING {
            let stale = spec_changed_now
                || ((next.message == SPEC_CHANGED || next.message == REVISION_AND_SPEC_CHANGED)
                    && !matches!((reconciled, transition), (Some(r), Some(t)) if r > t));
            if sync == "Synced" && !stale {
                next.last_transition_time = stamp.clone();
                if health == "Healthy" {
                    next.status = HEALTHY.into();
                    next.message =
                        "Application resource has synced, updating status to Healthy".into();
                } else {
                    next.status = PROGRESSING.into();
                    next.message =
                        "Application resource has synced, updating status to Progressing".into();
                }
            }
        } else {
            if current.status == PENDING
                && (reconciled.is_none()
                    || matches!((reconciled, transition), (Some(r), Some(t)) if r > t))
            {
                let since = parse_time(current.last_transition_time.as_deref());
                let started = time_at(app, "/status/operationState/startedAt");
                if started.is_some() && (since.is_none() || started > since) {
                    let phase = str_at(app, "/status/operationState/phase");
                    next.message = match phase {
                        "Succeeded" => "Application resource completed a sync successfully, updating status from Pending to Progressing",
                        "Failed" | "Error" => "Application resource completed a sync, updating status from Pending to Progressing",
                        _ => "Application resource became Progressing, updating status from Pending to Progressing",
                    }
                    .into();
                    next.status = PROGRESSING.into();
                    next.last_transition_time = stamp.clone();
                } else if has_error_condition(app) {
                    next.message =
                        "Application resource has error and cannot sync, updating status to Progressing".into();
                    next.status = PROGRESSING.into();
                    next.last_transition_time = stamp.clone();
                }
            }
            if current.status == PROGRESSING && health == "Healthy" && sync == "Synced" {
                next.message =
                    "Application resource became Healthy, updating status from Progressing to Healthy".into();
                next.status = HEALTHY.into();
                next.last_transition_time = stamp.clone();
            }
        }
        out.push(next);
    }
    out
}

/// `maxUpdate` of a step scaled to `total` Applications, as Kubernetes'
/// `GetScaledValueFromIntOrPercent` without rounding up: an integer as is, `"N%"`
/// as `floor(N * total / 100)`; anything else is an error.
pub fn scaled_max_update(max_update: &Value, total: usize) -> Result<i64, String> {
    match max_update {
        Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| format!("invalid value for IntOrString: {n}")),
        Value::String(s) => {
            let Some(percent) = s.strip_suffix('%') else {
                return Err("invalid type: string is not a percentage".into());
            };
            let percent: i64 = percent
                .parse()
                .map_err(|_| format!("invalid value for IntOrString: invalid value {s:?}"))?;
            // Kubernetes computes in float64 and floors.
            Ok(((percent as f64) * (total as f64) / 100.0).floor() as i64)
        }
        other => Err(format!("invalid value for IntOrString: {other}")),
    }
}

/// Argo CD's `UpdateApplicationSetApplicationStatusProgress`: moves `Waiting`
/// Applications that may sync now (`to_sync`) to `Pending`, at most `maxUpdate`
/// of a step being `Pending` or `Progressing` at once (counted over the step's
/// entries; a percentage above 0% allows at least one). Returns the steps
/// (0-based) whose `maxUpdate` is invalid, with the value as written; an
/// invalid percentage string allows one at a time, an invalid number none.
pub fn promote_to_pending(
    appset: &ApplicationSet,
    statuses: &mut [ApplicationRolloutStatus],
    to_sync: &BTreeSet<String>,
    step_of: &BTreeMap<String, usize>,
    now: Timestamp,
) -> Vec<(usize, String)> {
    let Some(steps) = rolling_steps(appset) else {
        return Vec::new();
    };
    // Applications in no step count as step 0, as in Argo CD.
    let step = |app: &str| step_of.get(app).copied().unwrap_or(0);
    let mut total = vec![0usize; steps.len()];
    let mut updating = vec![0i64; steps.len()];
    for s in statuses.iter() {
        total[step(&s.application)] += 1;
        if s.status == PENDING || s.status == PROGRESSING {
            updating[step(&s.application)] += 1;
        }
    }
    let mut invalid = Vec::new();
    for s in statuses.iter_mut() {
        let i = step(&s.application);
        let allowed = match &steps[i].max_update {
            None => true,
            Some(max) => {
                let mut limit = scaled_max_update(max, total[i]).unwrap_or_else(|_| {
                    if !invalid.iter().any(|(step, _)| *step == i) {
                        let written = max.as_str().map_or_else(|| max.to_string(), str::to_owned);
                        invalid.push((i, written));
                    }
                    0
                });
                if max.is_string() && max != "0%" && limit < 1 {
                    limit = 1;
                }
                updating[i] < limit
            }
        };
        if s.status == WAITING && to_sync.contains(&s.application) && allowed {
            s.status = PENDING.into();
            s.message = "Application moved to Pending status, watching for the Application resource to start Progressing".into();
            s.last_transition_time = Some(crate::app::format_time(now));
            updating[i] += 1;
        }
    }
    invalid
}

/// Whether the ApplicationSet asks for a RollingSync (`strategy.type:
/// RollingSync` with a `rollingSync` block, steps or not).
pub fn is_rolling_sync(appset: &ApplicationSet) -> bool {
    appset
        .spec
        .strategy
        .as_ref()
        .is_some_and(|s| s.type_ == ROLLING_SYNC && s.rolling_sync.is_some())
}

/// The message of the `InvalidRolloutConfig` condition (`None`: the steps are
/// fine): the first of invalid operators, Applications selected by several
/// steps, invalid `maxUpdate`s and steps selecting nothing, in Argo CD's words.
pub fn rollout_config_issue(
    issues: &StepIssues,
    invalid_max_updates: &[(usize, String)],
) -> Option<String> {
    let numbers = |steps: &mut dyn Iterator<Item = usize>| -> Vec<String> {
        steps.map(|s| (s + 1).to_string()).collect()
    };
    if !issues.invalid_expressions.is_empty() {
        let steps = numbers(&mut issues.invalid_expressions.iter().map(|e| e.step));
        let operators: Vec<&str> = issues
            .invalid_expressions
            .iter()
            .map(|e| e.operator.as_str())
            .collect();
        let (noun, verb) = if steps.len() == 1 {
            ("Step", "has")
        } else {
            ("Steps", "have")
        };
        return Some(format!(
            "{noun} {} {verb} invalid matchExpression operators: {}. Supported Operators are 'In' and 'NotIn'",
            steps.join(", "),
            operators.join(", ")
        ));
    }
    if !issues.duplicate_selections.is_empty() {
        let apps: Vec<&str> = issues
            .duplicate_selections
            .keys()
            .map(String::as_str)
            .collect();
        let steps: Vec<String> = issues
            .duplicate_selections
            .values()
            .map(|s| numbers(&mut s.iter().copied()).join("-"))
            .collect();
        return Some(if apps.len() == 1 {
            format!(
                "Application '{}' is selected by multiple steps: ({})",
                apps[0], steps[0]
            )
        } else {
            format!(
                "Applications '{}' are selected by multiple steps: [({})]",
                apps.join("', '"),
                steps.join("), (")
            )
        });
    }
    if !invalid_max_updates.is_empty() {
        let steps = numbers(&mut invalid_max_updates.iter().map(|(s, _)| *s));
        let values: Vec<&str> = invalid_max_updates
            .iter()
            .map(|(_, v)| v.as_str())
            .collect();
        return Some(if steps.len() == 1 {
            format!(
                "Step {} has an invalid maxUpdate value: {}",
                steps[0], values[0]
            )
        } else {
            format!(
                "Steps {} have invalid maxUpdate values: [{}]",
                steps.join(", "),
                values.join(", ")
            )
        });
    }
    if !issues.empty_steps.is_empty() {
        let steps = numbers(&mut issues.empty_steps.iter().copied());
        return Some(format!(
            "Steps [{}] have no applications matching their criteria",
            steps.join(" ")
        ));
    }
    None
}

/// The steps of a RollingSync ApplicationSet (`None` when it is not one, or
/// has no steps).
pub fn rolling_steps(appset: &ApplicationSet) -> Option<&[super::model::RollingSyncStep]> {
    let strategy = appset.spec.strategy.as_ref()?;
    let rolling = strategy.rolling_sync.as_ref()?;
    (strategy.type_ == ROLLING_SYNC && !rolling.steps.is_empty()).then_some(&rolling.steps[..])
}

/// The first step (1-based) with an Application not yet `Healthy`: the step
/// being rolled out (`None` when the rollout is complete).
pub fn progressing_step(
    step_count: usize,
    statuses: &[ApplicationRolloutStatus],
) -> Option<String> {
    (1..=step_count).map(|i| i.to_string()).find(|step| {
        statuses
            .iter()
            .any(|s| &s.step == step && s.status != HEALTHY)
    })
}

/// Turns off automated sync of a generated Application (`automated.enabled:
/// false`, the ApplicationSet syncs it itself); returns whether automated sync
/// was on with `prune`.
pub fn disable_automated_sync(app: &mut Value) -> bool {
    let Some(automated) = app
        .pointer_mut("/spec/syncPolicy/automated")
        .and_then(Value::as_object_mut)
    else {
        return false;
    };
    let enabled = automated.get("enabled").and_then(Value::as_bool) != Some(false);
    let prune = enabled && automated.get("prune").and_then(Value::as_bool) == Some(true);
    automated.insert("enabled".into(), Value::Bool(false));
    prune
}

/// The sync `operation` a RollingSync sets on an Application: by
/// `applicationset-controller`, automated, with the Application's own retry
/// (else a limit of 5) and sync options.
pub fn rolling_sync_operation(app: &Value, prune: bool) -> Value {
    let policy = app.pointer("/spec/syncPolicy").filter(|p| p.is_object());
    let mut sync = serde_json::Map::new();
    let mut retry = json!({"limit": 5});
    if let Some(policy) = policy {
        if let Some(r) = policy.get("retry").filter(|r| !r.is_null()) {
            retry = r.clone();
        }
        if let Some(options) = policy.get("syncOptions").filter(|o| !o.is_null()) {
            sync.insert("syncOptions".into(), options.clone());
        }
        if prune {
            sync.insert("prune".into(), Value::Bool(true));
        }
    }
    json!({
        "initiatedBy": {"username": "applicationset-controller", "automated": true},
        "info": [{"name": "Reason", "value": "ApplicationSet RollingSync triggered a sync of this Application resource"}],
        "sync": sync,
        "retry": retry,
    })
}

#[cfg(test)]
mod tests {
    //! Expected values are those of Argo CD's `TestUpdateApplicationSetApplicationStatus`
    //! and `TestUpdateApplicationSetApplicationStatusProgress`
    //! (applicationset/controllers/progressive_sync_dependencies_test.go @ 37ee009).

    use super::*;

    const OUT_OF_DATE: &str =
        "Application is out of date with the current AppSet generation, setting status to Waiting";
    const MOVED_TO_PENDING: &str = "Application moved to Pending status, watching for the Application resource to start Progressing";

    fn now() -> Timestamp {
        Timestamp::now()
    }

    fn ago(minutes: i64) -> String {
        crate::app::format_time(now() - jiff::SignedDuration::from_mins(minutes))
    }

    fn entry(app: &str, status: &str, message: &str) -> ApplicationRolloutStatus {
        ApplicationRolloutStatus {
            application: app.into(),
            message: message.into(),
            status: status.into(),
            step: "1".into(),
            ..Default::default()
        }
    }

    fn one_step_appset(max_update: Value) -> ApplicationSet {
        ApplicationSet::from_value(&json!({
            "metadata": {"name": "name", "namespace": "argocd"},
            "spec": {"strategy": {"type": "RollingSync", "rollingSync": {"steps": [
                {"matchExpressions": [], "maxUpdate": max_update},
                {"matchExpressions": []},
            ]}}},
        }))
        .expect("appset")
    }

    /// Runs `promote_to_pending` with every app in step 0 and allowed to sync.
    fn promote(max_update: Value, mut statuses: Vec<ApplicationRolloutStatus>) -> Vec<String> {
        let names: BTreeSet<String> = statuses.iter().map(|s| s.application.clone()).collect();
        let step_of = names.iter().map(|n| (n.clone(), 0)).collect();
        promote_to_pending(
            &one_step_appset(max_update),
            &mut statuses,
            &names,
            &step_of,
            now(),
        );
        for s in &statuses {
            if s.status == PENDING {
                assert_eq!(s.message, MOVED_TO_PENDING);
            }
        }
        statuses.into_iter().map(|s| s.status).collect()
    }

    fn three_waiting() -> Vec<ApplicationRolloutStatus> {
        ["app1", "app2", "app3"]
            .iter()
            .map(|a| entry(a, WAITING, OUT_OF_DATE))
            .collect()
    }

    #[test]
    fn max_update_counts_applications_already_updating() {
        let statuses = vec![
            entry("app1", PROGRESSING, "p"),
            entry("app2", WAITING, OUT_OF_DATE),
            entry("app3", WAITING, OUT_OF_DATE),
            entry("app4", PENDING, MOVED_TO_PENDING),
        ];
        assert_eq!(
            promote(json!(3), statuses),
            [PROGRESSING, PENDING, WAITING, PENDING]
        );
    }

    #[test]
    fn max_update_percentages_round_down_but_allow_one() {
        assert_eq!(
            promote(json!("50%"), three_waiting()),
            [PENDING, WAITING, WAITING]
        );
        assert_eq!(
            promote(json!("1%"), three_waiting()),
            [PENDING, WAITING, WAITING]
        );
        assert_eq!(
            promote(json!("100%"), three_waiting()),
            [PENDING, PENDING, PENDING]
        );
        assert_eq!(
            promote(json!(0), three_waiting()),
            [WAITING, WAITING, WAITING]
        );
    }

    fn app(status: Value) -> Value {
        json!({"metadata": {"name": "app1"}, "status": status})
    }

    fn update(previous: ApplicationRolloutStatus, live: Value) -> ApplicationRolloutStatus {
        let step_of = BTreeMap::from([("app1".to_owned(), 0)]);
        let mut out = update_statuses(&[previous], &[live], &BTreeSet::new(), &step_of, now());
        out.remove(0)
    }

    fn pending_since(time: String) -> ApplicationRolloutStatus {
        ApplicationRolloutStatus {
            target_revisions: vec!["next".into()],
            last_transition_time: Some(time),
            ..entry("app1", PENDING, "")
        }
    }

    #[test]
    fn a_pending_application_progresses_once_a_later_sync_started() {
        let live = app(json!({
            "reconciledAt": ago(0),
            "health": {"status": "Healthy"},
            "sync": {"status": "OutOfSync", "revision": "next"},
            "operationState": {"phase": "Succeeded", "startedAt": ago(1)},
        }));
        let next = update(pending_since(ago(5)), live);
        assert_eq!(next.status, PROGRESSING);
        assert_eq!(
            next.message,
            "Application resource completed a sync successfully, updating status from Pending to Progressing"
        );
    }

    #[test]
    fn a_pending_application_waits_for_a_sync_after_its_transition() {
        let live = app(json!({
            "reconciledAt": ago(0),
            "health": {"status": "Progressing"},
            "sync": {"status": "Synced", "revision": "next"},
            "operationState": {"phase": "Succeeded", "startedAt": ago(5)},
        }));
        let next = update(pending_since(ago(0)), live);
        assert_eq!((next.status.as_str(), next.message.as_str()), (PENDING, ""));
        // Not reconciled since the transition: the status is stale.
        let stale = app(json!({
            "reconciledAt": ago(5),
            "health": {"status": "Healthy"},
            "sync": {"status": "Synced", "revision": "next"},
            "operationState": {"phase": "Succeeded", "startedAt": ago(1)},
        }));
        assert_eq!(update(pending_since(ago(2)), stale).status, PENDING);
    }

    #[test]
    fn a_new_revision_sends_an_out_of_sync_application_back_to_waiting() {
        let previous = ApplicationRolloutStatus {
            target_revisions: vec!["previous".into()],
            last_transition_time: Some(ago(5)),
            ..entry("app1", HEALTHY, "")
        };
        let live = app(json!({
            "reconciledAt": ago(0),
            "health": {"status": "Healthy"},
            "sync": {"status": "OutOfSync", "revision": "next"},
        }));
        let next = update(previous.clone(), live);
        assert_eq!(next.status, WAITING);
        assert_eq!(next.message, REVISION_CHANGED);
        assert_eq!(next.target_revisions, ["next"]);
        // Synced at the new revision: Healthy at once.
        let synced = app(json!({
            "reconciledAt": ago(0),
            "health": {"status": "Healthy"},
            "sync": {"status": "Synced", "revision": "next"},
        }));
        let next = update(previous, synced);
        assert_eq!(next.status, HEALTHY);
        assert_eq!(
            next.message,
            "Application resource has synced, updating status to Healthy"
        );
    }

    #[test]
    fn a_spec_change_waits_until_the_application_was_reconciled_after_it() {
        // Argo CD's "detects spec changes when image tag changes in generator":
        // a spec change sends a Healthy application back to Waiting.
        let previous = ApplicationRolloutStatus {
            target_revisions: vec!["abc123".into()],
            last_transition_time: Some(ago(5)),
            ..entry("app1", HEALTHY, "")
        };
        let live = |reconciled: String| {
            app(json!({
                "reconciledAt": reconciled,
                "health": {"status": "Healthy"},
                "sync": {"status": "Synced", "revision": "abc123"},
            }))
        };
        let step_of = BTreeMap::from([("app1".to_owned(), 0)]);
        let changed = BTreeSet::from(["app1".to_owned()]);
        let next = update_statuses(&[previous], &[live(ago(0))], &changed, &step_of, now());
        assert_eq!(
            (next[0].status.as_str(), next[0].message.as_str()),
            (WAITING, SPEC_CHANGED)
        );
        // Our deviation: the Synced status still describes the old spec, so the
        // application stays Waiting until reconciled after the change...
        let waiting = ApplicationRolloutStatus {
            last_transition_time: Some(ago(1)),
            ..next[0].clone()
        };
        let next = update_statuses(
            std::slice::from_ref(&waiting),
            &[live(ago(2))],
            &BTreeSet::new(),
            &step_of,
            now(),
        );
        assert_eq!(next[0].status, WAITING);
        // ...and a Synced status reconciled later counts.
        let next = update_statuses(
            &[waiting],
            &[live(ago(0))],
            &BTreeSet::new(),
            &step_of,
            now(),
        );
        assert_eq!(next[0].status, HEALTHY);
    }

    #[test]
    fn a_progressing_application_becomes_healthy_when_synced_and_healthy() {
        let previous = ApplicationRolloutStatus {
            target_revisions: vec!["next".into()],
            last_transition_time: Some(ago(5)),
            ..entry("app1", PROGRESSING, "")
        };
        let live = |health: &str| {
            app(json!({
                "reconciledAt": ago(0),
                "health": {"status": health},
                "sync": {"status": "Synced", "revision": "next"},
            }))
        };
        assert_eq!(
            update(previous.clone(), live("Progressing")).status,
            PROGRESSING
        );
        let next = update(previous, live("Healthy"));
        assert_eq!(next.status, HEALTHY);
        assert_eq!(
            next.message,
            "Application resource became Healthy, updating status from Progressing to Healthy"
        );
    }

    #[test]
    fn rolling_sync_operations_carry_prune_options_and_retry() {
        // Argo CD's TestSyncApplication (progressive_sync_test.go).
        let mut generated = json!({"spec": {"syncPolicy": {
            "automated": {"prune": true}, "syncOptions": ["CreateNamespace=true"],
        }}});
        let prune = disable_automated_sync(&mut generated);
        assert!(prune);
        assert_eq!(
            generated["spec"]["syncPolicy"]["automated"]["enabled"],
            false
        );
        let op = rolling_sync_operation(&generated, prune);
        assert_eq!(
            op,
            json!({
                "initiatedBy": {"username": "applicationset-controller", "automated": true},
                "info": [{"name": "Reason", "value": "ApplicationSet RollingSync triggered a sync of this Application resource"}],
                "sync": {"syncOptions": ["CreateNamespace=true"], "prune": true},
                "retry": {"limit": 5},
            })
        );
    }
}
