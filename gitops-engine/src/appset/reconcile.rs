//! The ApplicationSet reconciler: generate the Applications, compare them with
//! the live ones, create/update/delete as the policy allows, hold back
//! Applications of later RollingSync steps, and record the outcome in the
//! ApplicationSet's status (conditions, per-Application resources, rollout
//! status) and as Events.
//!
//! A failed generation changes no Application (nothing is deleted because a
//! generator failed); it sets `ErrorOccurred` with the generator's message.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use super::error::AppSetError;
use super::model::{ApplicationSet, KIND};
use super::ownership::{ApplicationsSyncPolicy, is_owned_by, plan_changes};
use super::render::generate_applications;
use super::repo_sources::RepoSources;
use super::rollout::{apps_to_sync, plan_steps};
use crate::app::{API_VERSION, application_gvk, format_time};
use crate::cluster::{Cluster, ClusterError, Gvk, ObjectRef, Propagation, WriteOptions};
use crate::source::{Refresh, Sources};

/// Label of Argo CD cluster Secrets.
pub const CLUSTER_SECRET_SELECTOR: &str = "argocd.argoproj.io/secret-type=cluster";

/// Annotation asking for a reconciliation that fetches the repositories now
/// (set to `"true"` by Git webhooks; removed when the reconciliation starts).
pub const APPSET_REFRESH_ANNOTATION: &str = "argocd.argoproj.io/application-set-refresh";

/// The ApplicationSet type.
pub fn appset_gvk() -> Gvk {
    let (group, version) = API_VERSION.split_once('/').unwrap_or(("", API_VERSION));
    Gvk::new(group, version, KIND)
}

/// How the reconciler treats generated Applications.
#[derive(Debug, Clone)]
pub struct AppSetSettings {
    /// Namespace of the ApplicationSets, their Applications and the cluster Secrets.
    pub namespace: String,
    /// The controller-wide policy (Argo CD's `--policy`).
    pub policy: ApplicationsSyncPolicy,
    /// Whether an ApplicationSet's own `applicationsSync` overrides the policy.
    pub enable_policy_override: bool,
}

/// What one reconciliation did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AppSetOutcome {
    /// Applications created.
    pub created: Vec<String>,
    /// Applications updated.
    pub updated: Vec<String>,
    /// Applications deleted.
    pub deleted: Vec<String>,
    /// The generation error, when generation failed (nothing was changed).
    pub error: Option<String>,
    /// When to reconcile again (`requeueAfterSeconds` of its generators).
    pub requeue_after: Option<Duration>,
    /// Repositories (URL, revision) the git generators read, with the commit.
    pub commits: BTreeMap<(String, String), String>,
}

/// Why a reconciliation could not run (the cluster refused; generation errors
/// are not failures of the reconciler, they are reported in the status).
#[derive(Debug, thiserror::Error)]
pub enum AppSetReconcileError {
    /// Reading or writing the cluster failed.
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    /// The ApplicationSet object cannot be read.
    #[error(transparent)]
    Invalid(#[from] AppSetError),
}

/// Reconciles ApplicationSets of one namespace against `cluster`, reading
/// repositories through `sources` (shared with the Application controller, so a
/// repository is fetched once per polling interval).
pub struct AppSetReconciler<C> {
    cluster: C,
    sources: Sources,
    settings: AppSetSettings,
}

impl<C: Cluster + Send + Sync + 'static> AppSetReconciler<C> {
    /// A reconciler.
    pub fn new(cluster: C, sources: Sources, settings: AppSetSettings) -> Self {
        Self {
            cluster,
            sources,
            settings,
        }
    }

    fn app_ref(&self, name: &str) -> ObjectRef {
        ObjectRef {
            gvk: application_gvk(),
            namespace: self.settings.namespace.clone(),
            name: name.to_owned(),
        }
    }

    /// The names of the ApplicationSets of the namespace with their resourceVersions.
    pub async fn list(&self) -> Result<BTreeMap<String, String>, ClusterError> {
        let sets = self
            .cluster
            .list(&appset_gvk(), Some(&self.settings.namespace), "")
            .await?;
        Ok(sets
            .iter()
            .map(|s| {
                let meta = |k: &str| s["metadata"][k].as_str().unwrap_or("").to_string();
                (meta("name"), meta("resourceVersion"))
            })
            .collect())
    }

    /// The cluster Secrets' names with their resourceVersions (to notice changes).
    pub async fn cluster_secret_versions(&self) -> Result<BTreeMap<String, String>, ClusterError> {
        Ok(self
            .cluster_secrets()
            .await?
            .iter()
            .map(|s| {
                let meta = |k: &str| s["metadata"][k].as_str().unwrap_or("").to_string();
                (meta("name"), meta("resourceVersion"))
            })
            .collect())
    }

    async fn cluster_secrets(&self) -> Result<Vec<Value>, ClusterError> {
        self.cluster
            .list(
                &Gvk::new("", "v1", "Secret"),
                Some(&self.settings.namespace),
                CLUSTER_SECRET_SELECTOR,
            )
            .await
    }

    /// Reconciles ApplicationSet `name`; `refresh` forces fetching its repositories.
    pub async fn reconcile(
        &self,
        name: &str,
        refresh: Refresh,
    ) -> Result<AppSetOutcome, AppSetReconcileError> {
        let target = ObjectRef {
            gvk: appset_gvk(),
            namespace: self.settings.namespace.clone(),
            name: name.to_owned(),
        };
        let Some(object) = self.cluster.get(&target).await? else {
            return Ok(AppSetOutcome::default());
        };
        let appset = ApplicationSet::from_value(&object)?;
        let refresh = if appset
            .metadata
            .annotations
            .contains_key(APPSET_REFRESH_ANNOTATION)
        {
            let clear = json!({"metadata": {"annotations": {APPSET_REFRESH_ANNOTATION: null}}});
            self.cluster
                .merge_patch(&target, &clear, WriteOptions::default())
                .await?;
            Refresh::Force
        } else {
            refresh
        };
        let mut outcome = AppSetOutcome {
            requeue_after: appset
                .spec
                .generators
                .iter()
                .filter_map(|g| g.requeue_after_seconds())
                .min()
                .map(Duration::from_secs),
            ..AppSetOutcome::default()
        };
        let secrets = self.cluster_secrets().await?;
        let (generated, commits) = {
            let sources = self.sources.clone();
            let appset = appset.clone();
            tokio::task::spawn_blocking(move || {
                let repos = RepoSources::new(&sources, refresh, secrets);
                let generated = generate_applications(&appset, &repos);
                let commits = repos
                    .commits_read()
                    .into_iter()
                    .map(|(k, c)| (k, c.to_string()))
                    .collect::<BTreeMap<_, _>>();
                (generated, commits)
            })
            .await
            .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
        };
        outcome.commits = commits;
        let live: Vec<Value> = self
            .cluster
            .list(&application_gvk(), Some(&self.settings.namespace), "")
            .await?
            .into_iter()
            .filter(|a| is_owned_by(a, &appset))
            .collect();
        let mut generated = match generated {
            Ok(apps) => apps,
            Err(e) => {
                let message = e.to_string();
                write_status(&self.cluster, &object, &appset, &live, Err(&message), None).await?;
                outcome.error = Some(message);
                return Ok(outcome);
            }
        };
        let rollout = hold_back_later_steps(&appset, &mut generated, &live);
        let policy = ApplicationsSyncPolicy::effective(
            self.settings.policy,
            &appset,
            self.settings.enable_policy_override,
        )?;
        let plan = plan_changes(&appset, &generated, &live, policy)?;
        for app in &plan.create {
            self.cluster.create(app, WriteOptions::default()).await?;
            outcome.created.push(name_of(app));
        }
        for app in &plan.update {
            self.cluster.replace(app, WriteOptions::default()).await?;
            outcome.updated.push(name_of(app));
        }
        for gone in &plan.delete {
            self.cluster
                .delete(
                    &self.app_ref(gone),
                    Propagation::Background,
                    WriteOptions::default(),
                )
                .await?;
            outcome.deleted.push(gone.clone());
        }
        write_status(
            &self.cluster,
            &object,
            &appset,
            &live,
            Ok(&generated),
            rollout.as_ref(),
        )
        .await?;
        Ok(outcome)
    }
}

impl<C: Cluster + Send + Sync + 'static> AppSetReconciler<C> {
    /// Reconciles every ApplicationSet of the namespace until `shutdown`: when
    /// its resourceVersion changes, when the cluster Secrets change, when its
    /// `requeueAfterSeconds` is due, and every `resync` (new commits of its
    /// repositories arrive through the sources' polling interval). Looks for
    /// changes every `tick`.
    pub async fn run(&self, resync: Duration, tick: Duration, shutdown: impl Future<Output = ()>) {
        self.run_while(resync, tick, || true, shutdown).await;
    }

    /// [`AppSetReconciler::run`], reconciling only while `active()` holds
    /// (asked every `tick`): of several controller replicas only one
    /// reconciles ApplicationSets. Becoming active reconciles every set anew.
    pub async fn run_while(
        &self,
        resync: Duration,
        tick: Duration,
        active: impl Fn() -> bool,
        shutdown: impl Future<Output = ()>,
    ) {
        tokio::pin!(shutdown);
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        let mut secrets_seen: Option<BTreeMap<String, String>> = None;
        let mut due: BTreeMap<String, Instant> = BTreeMap::new();
        loop {
            if !active() {
                (seen, secrets_seen, due) = Default::default();
                tokio::select! {
                    () = &mut shutdown => return,
                    () = tokio::time::sleep(tick) => continue,
                }
            }
            let sets = self.list().await.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "listing ApplicationSets");
                BTreeMap::new()
            });
            let secrets = self.cluster_secret_versions().await.ok();
            let secrets_changed = secrets.is_some() && secrets != secrets_seen;
            for (name, version) in &sets {
                let now = Instant::now();
                let changed = seen.get(name) != Some(version);
                let is_due = due.get(name).is_none_or(|t| *t <= now);
                if !(changed || secrets_changed || is_due) {
                    continue;
                }
                let next = match self.reconcile(name, Refresh::Normal).await {
                    Ok(outcome) => {
                        tracing::info!(
                            appset = %name,
                            created = outcome.created.len(),
                            updated = outcome.updated.len(),
                            deleted = outcome.deleted.len(),
                            error = outcome.error.as_deref().unwrap_or(""),
                            "reconciled ApplicationSet"
                        );
                        outcome.requeue_after.map_or(resync, |r| r.min(resync))
                    }
                    Err(e) => {
                        tracing::warn!(appset = %name, error = %e, "reconciling ApplicationSet");
                        tick
                    }
                };
                due.insert(name.clone(), now + next);
            }
            // Versions after this pass's own status writes, so they do not wake it again.
            seen = self.list().await.unwrap_or(sets);
            due.retain(|name, _| seen.contains_key(name));
            if secrets.is_some() {
                secrets_seen = secrets;
            }
            tokio::select! {
                () = &mut shutdown => return,
                () = tokio::time::sleep(tick) => {}
            }
        }
    }
}

fn name_of(app: &Value) -> String {
    app.pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

/// Health and sync status of a live Application.
fn live_state(app: &Value) -> (&str, &str) {
    (
        app.pointer("/status/health/status")
            .and_then(Value::as_str)
            .unwrap_or(""),
        app.pointer("/status/sync/status")
            .and_then(Value::as_str)
            .unwrap_or(""),
    )
}

/// With `strategy.type: RollingSync`, removes automated sync from generated
/// Applications whose step may not sync yet; returns the rollout status per
/// Application (`Healthy`, `Progressing` or `Waiting`).
fn hold_back_later_steps(
    appset: &ApplicationSet,
    generated: &mut [Value],
    live: &[Value],
) -> Option<BTreeMap<String, String>> {
    let plan = plan_steps(appset, generated);
    if plan.steps.is_empty() {
        return None;
    }
    let live_by_name: BTreeMap<String, &Value> = live.iter().map(|a| (name_of(a), a)).collect();
    let mut status = BTreeMap::new();
    for (name, app) in &live_by_name {
        let (health, sync) = live_state(app);
        let state = if health == "Healthy" && sync == "Synced" {
            "Healthy"
        } else {
            "Progressing"
        };
        status.insert(name.clone(), state.to_string());
    }
    let current: BTreeSet<String> = live_by_name.keys().cloned().collect();
    let allowed = apps_to_sync(&plan.steps, &current, &status);
    for app in generated.iter_mut() {
        let name = name_of(app);
        if !allowed.contains(&name) {
            if let Some(policy) = app
                .pointer_mut("/spec/syncPolicy")
                .and_then(Value::as_object_mut)
            {
                policy.remove("automated");
            }
            status.insert(name, "Waiting".into());
        }
    }
    Some(status)
}

/// Writes conditions, `resources` and `applicationStatus` to the ApplicationSet.
async fn write_status<C: Cluster>(
    cluster: &C,
    object: &Value,
    appset: &ApplicationSet,
    live: &[Value],
    generated: Result<&[Value], &str>,
    rollout: Option<&BTreeMap<String, String>>,
) -> Result<(), ClusterError> {
    let now = format_time(jiff::Timestamp::now());
    let condition = |type_: &str, status: bool, reason: &str, message: &str| {
        json!({
            "type": type_,
            "status": if status { "True" } else { "False" },
            "reason": reason,
            "message": message,
            "lastTransitionTime": now,
        })
    };
    let mut status = Map::new();
    let conditions = match generated {
        Err(message) => vec![
            condition(
                "ErrorOccurred",
                true,
                "ApplicationGenerationFromParamsError",
                message,
            ),
            condition("ParametersGenerated", false, "ErrorOccurred", message),
            condition("ResourcesUpToDate", false, "ErrorOccurred", message),
        ],
        Ok(apps) => {
            let live_by_name: BTreeMap<String, &Value> =
                live.iter().map(|a| (name_of(a), a)).collect();
            let resources: Vec<Value> = apps
                .iter()
                .map(|app| {
                    let name = name_of(app);
                    let (health, sync) = live_by_name
                        .get(&name)
                        .map(|a| live_state(a))
                        .unwrap_or(("", ""));
                    json!({
                        "group": "argoproj.io", "version": "v1alpha1", "kind": "Application",
                        "name": name, "namespace": appset.metadata.namespace,
                        "status": sync, "health": {"status": health},
                    })
                })
                .collect();
            status.insert("resources".into(), Value::Array(resources));
            let mut conditions = vec![
                condition(
                    "ErrorOccurred",
                    false,
                    "ApplicationSetUpToDate",
                    "Successfully generated parameters for all Applications",
                ),
                condition(
                    "ParametersGenerated",
                    true,
                    "ParametersGenerated",
                    "Successfully generated parameters for all Applications",
                ),
                condition(
                    "ResourcesUpToDate",
                    true,
                    "ApplicationSetUpToDate",
                    "ApplicationSet up to date",
                ),
            ];
            if let Some(rollout) = rollout {
                let waiting = rollout.values().any(|s| s != "Healthy");
                conditions.push(condition(
                    "RolloutProgressing",
                    waiting,
                    if waiting {
                        "ApplicationSetModified"
                    } else {
                        "ApplicationSetRolloutComplete"
                    },
                    if waiting {
                        "ApplicationSet is performing rollout"
                    } else {
                        "ApplicationSet Rollout has completed"
                    },
                ));
                let entries: Vec<Value> = rollout
                    .iter()
                    .map(|(app, s)| json!({"application": app, "status": s, "lastTransitionTime": now}))
                    .collect();
                status.insert("applicationStatus".into(), Value::Array(entries));
            }
            conditions
        }
    };
    status.insert("conditions".into(), Value::Array(conditions));
    let old = object.get("status").cloned().unwrap_or(Value::Null);
    if same_ignoring_times(&old, &Value::Object(status.clone())) {
        return Ok(());
    }
    let target = ObjectRef::of(object)?;
    cluster
        .merge_patch(&target, &json!({"status": status}), WriteOptions::default())
        .await?;
    Ok(())
}

/// Whether two statuses differ only in `lastTransitionTime`s.
fn same_ignoring_times(a: &Value, b: &Value) -> bool {
    fn strip(v: &Value) -> Value {
        match v {
            Value::Object(m) => Value::Object(
                m.iter()
                    .filter(|(k, _)| k.as_str() != "lastTransitionTime")
                    .map(|(k, v)| (k.clone(), strip(v)))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(strip).collect()),
            other => other.clone(),
        }
    }
    strip(a) == strip(b)
}
