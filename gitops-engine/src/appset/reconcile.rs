//! The ApplicationSet reconciler: generate the Applications, compare them with
//! the live ones, create/update/delete as the policy allows, and record the
//! outcome in the ApplicationSet's status (conditions, per-Application
//! resources, rollout status). With a RollingSync the generated Applications
//! get no automated sync; the reconciler syncs them itself, step by step.
//!
//! A failed generation changes no Application (nothing is deleted because a
//! generator failed); it sets `ErrorOccurred` with the generator's message.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use super::duck_type;
use super::error::AppSetError;
use super::model::{ApplicationSet, DecisionResourceGenerator, KIND};
use super::ownership::{ApplicationsSyncPolicy, is_owned_by, plan_changes, spec_differs};
use super::render::generate_applications;
use super::repo_sources::RepoSources;
use super::rollout::{
    ApplicationRolloutStatus, PENDING, application_statuses, apps_to_sync, disable_automated_sync,
    is_rolling_sync, plan_steps, progressing_step, promote_to_pending, rolling_steps,
    rolling_sync_operation, rollout_config_issue, update_statuses,
};
use crate::app::{API_VERSION, application_gvk, format_time};
use crate::cluster::{
    Cluster, ClusterError, EventRecorder, EventType, Gvk, LiveCache, ObjectRef, PropagationPolicy,
    WriteOptions,
};
use crate::source::{Refresh, Sources};

/// Label of Argo CD cluster Secrets.
pub const CLUSTER_SECRET_SELECTOR: &str = "argocd.argoproj.io/secret-type=cluster";

/// Annotation asking for a reconciliation that fetches the repositories now
/// (set to `"true"` by Git webhooks; removed when the reconciliation starts).
pub const APPSET_REFRESH_ANNOTATION: &str = "argocd.argoproj.io/application-set-refresh";

/// The ApplicationSet type.
pub fn appset_gvk() -> Gvk {
    let (group, version) = crate::object::split_api_version(API_VERSION);
    Gvk::new(group, version, KIND)
}

/// A schemaless CustomResourceDefinition of the ApplicationSet kind, for API
/// servers without Argo CD's own CRDs installed (the local sandbox).
pub fn appset_crd() -> Value {
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "applicationsets.argoproj.io"},
        "spec": {
            "group": "argoproj.io",
            "scope": "Namespaced",
            "names": {"kind": KIND, "plural": "applicationsets",
                      "singular": "applicationset", "listKind": "ApplicationSetList",
                      "shortNames": ["appset", "appsets"]},
            "versions": [{"name": "v1alpha1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object",
                    "x-kubernetes-preserve-unknown-fields": true}}}]
        }
    })
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
    /// When to reconcile again: `requeueAfterSeconds` of its generators, or
    /// at once when the rollout status changed (as Argo CD requeues on a
    /// change of `status.applicationStatus`).
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

/// The `source.component` of the Events about ApplicationSets (Argo CD's).
pub const EVENT_COMPONENT: &str = "applicationset-controller";

/// Reconciles ApplicationSets of one namespace against `cluster`, reading
/// repositories through `sources` (shared with the Application controller, so a
/// repository is fetched once per polling interval).
pub struct AppSetReconciler<C> {
    cluster: Arc<C>,
    sources: Sources,
    settings: AppSetSettings,
    events: Option<EventRecorder>,
    /// Where the loop reads Applications from, when not from `cluster`.
    applications: Option<LiveCache>,
}

impl<C: Cluster + Send + Sync + 'static> AppSetReconciler<C> {
    /// A reconciler.
    pub fn new(cluster: C, sources: Sources, settings: AppSetSettings) -> Self {
        Self {
            cluster: Arc::new(cluster),
            sources,
            settings,
            events: None,
            applications: None,
        }
    }

    /// Has the loop of [`run`](Self::run) read the Applications whose
    /// changes it looks for from `cache` (a watch cache of the same cluster,
    /// such as [`Controller::control_plane_cache`](crate::controller::Controller::control_plane_cache))
    /// instead of listing all of them from the API server at every tick.
    /// Reconciling still reads them from the API server.
    pub fn with_application_cache(mut self, cache: LiveCache) -> Self {
        self.applications = Some(cache);
        self
    }

    /// Records Events on the ApplicationSet with `recorder` (as Argo CD does:
    /// `created`/`updated` and `Deleted` for each Application written).
    pub fn with_events(mut self, recorder: EventRecorder) -> Self {
        self.events = Some(recorder);
        self
    }

    /// Records a Normal Event on the ApplicationSet; a refused Event is only logged.
    async fn event(&self, appset: &Value, reason: &str, message: &str) {
        if let Some(events) = &self.events
            && let Err(e) = events
                .publish(appset, EventType::Normal, reason, message)
                .await
        {
            tracing::warn!(error = %e, reason, "recording an ApplicationSet event");
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
            let cluster = Arc::clone(&self.cluster);
            let namespace = self.settings.namespace.clone();
            let runtime = tokio::runtime::Handle::current();
            tokio::task::spawn_blocking(move || {
                let lookup = |g: &DecisionResourceGenerator| {
                    runtime.block_on(duck_type::decisions(&*cluster, &namespace, g))
                };
                let repos = RepoSources::new(&sources, refresh, secrets).with_decisions(&lookup);
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
        let live = self.owned_applications(&appset).await?;
        let mut generated = match generated {
            Ok(apps) => apps,
            Err(e) => {
                let message = e.to_string();
                let rolling = is_rolling_sync(&appset);
                let report = Report::failed(error_reason(&e), &message, false, rolling);
                write_status(&*self.cluster, &object, report).await?;
                outcome.error = Some(message);
                return Ok(outcome);
            }
        };
        let rollout = if is_rolling_sync(&appset) {
            if rolling_steps(&appset).is_none() {
                let message = "No steps defined for rollout";
                let report = Report::failed("ApplicationSetRolloutError", message, true, true);
                write_status(&*self.cluster, &object, report).await?;
                outcome.error = Some(message.into());
                return Ok(outcome);
            }
            let rollout = progressive_sync(&appset, &mut generated, &live)?;
            let untimed = |list: &[ApplicationRolloutStatus]| -> Vec<ApplicationRolloutStatus> {
                let mut list: Vec<_> = list
                    .iter()
                    .map(|s| ApplicationRolloutStatus {
                        last_transition_time: None,
                        ..s.clone()
                    })
                    .collect();
                list.sort_by(|a, b| a.application.cmp(&b.application));
                list
            };
            if untimed(&rollout.statuses) != untimed(&application_statuses(&appset.status)) {
                outcome.requeue_after = Some(Duration::ZERO);
            }
            Some(rollout)
        } else {
            None
        };
        let policy = ApplicationsSyncPolicy::effective(
            self.settings.policy,
            &appset,
            self.settings.enable_policy_override,
        )?;
        let plan = plan_changes(&appset, &generated, &live, policy)?;
        let writes = !(plan.create.is_empty() && plan.update.is_empty() && plan.delete.is_empty());
        for app in &plan.create {
            self.cluster.create(app, WriteOptions::default()).await?;
            let name = name_of(app);
            self.event(&object, "created", &format!("created Application {name:?}"))
                .await;
            outcome.created.push(name);
        }
        for app in &plan.update {
            self.cluster.replace(app, WriteOptions::default()).await?;
            let name = name_of(app);
            self.event(&object, "updated", &format!("updated Application {name:?}"))
                .await;
            outcome.updated.push(name);
        }
        for gone in &plan.delete {
            self.cluster
                .delete(
                    &self.app_ref(gone),
                    PropagationPolicy::Background,
                    WriteOptions::default(),
                )
                .await?;
            self.event(&object, "Deleted", &format!("Deleted Application {gone:?}"))
                .await;
            outcome.deleted.push(gone.clone());
        }
        // The status lists the Applications as they are after this pass's writes.
        let live = if writes {
            self.owned_applications(&appset).await?
        } else {
            live
        };
        write_status(&*self.cluster, &object, Report::succeeded(&live, rollout)).await?;
        Ok(outcome)
    }

    /// For each ApplicationSet (by name), a digest of what Argo CD watches on
    /// the Applications it controls: their names, spec, labels, annotations,
    /// finalizers, health and sync status, and operation phase and start (so
    /// a RollingSync advances as soon as an Application changes).
    async fn owned_application_states(&self) -> Result<BTreeMap<String, u64>, ClusterError> {
        use std::hash::{Hash, Hasher};
        let namespace = Some(self.settings.namespace.as_str());
        let apps = match &self.applications {
            Some(cache) => {
                cache.watch(&application_gvk()).await?;
                cache.list(&application_gvk(), namespace)
            }
            None => self.cluster.list(&application_gvk(), namespace, "").await?,
        };
        let mut states: BTreeMap<String, std::collections::hash_map::DefaultHasher> =
            BTreeMap::new();
        for app in &apps {
            let owner = app["metadata"]["ownerReferences"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|r| r["controller"] == true && r["kind"] == KIND)
                .and_then(|r| r["name"].as_str());
            let Some(owner) = owner else { continue };
            let watched = json!([
                app["metadata"]["name"],
                app["spec"],
                app["metadata"]["labels"],
                app["metadata"]["annotations"],
                app["metadata"]["finalizers"],
                app["status"]["health"]["status"],
                app["status"]["sync"]["status"],
                app["status"]["operationState"]["phase"],
                app["status"]["operationState"]["startedAt"],
            ]);
            watched
                .to_string()
                .hash(states.entry(owner.to_owned()).or_default());
        }
        Ok(states.into_iter().map(|(k, h)| (k, h.finish())).collect())
    }

    /// The Applications of the namespace that `appset` controls.
    async fn owned_applications(
        &self,
        appset: &ApplicationSet,
    ) -> Result<Vec<Value>, ClusterError> {
        Ok(self
            .cluster
            .list(&application_gvk(), Some(&self.settings.namespace), "")
            .await?
            .into_iter()
            .filter(|a| is_owned_by(a, appset))
            .collect())
    }
}

impl<C: Cluster + Send + Sync + 'static> AppSetReconciler<C> {
    /// Reconciles every ApplicationSet of the namespace until `shutdown`: when
    /// its resourceVersion changes, when the cluster Secrets change, when an
    /// Application it controls changes (spec, metadata, health, sync or
    /// operation status), when its `requeueAfterSeconds` is due, and every
    /// `resync` (new commits of its repositories arrive through the sources'
    /// polling interval). Looks for changes every `tick`.
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
        let mut apps_seen: BTreeMap<String, u64> = BTreeMap::new();
        let mut due: BTreeMap<String, Instant> = BTreeMap::new();
        loop {
            if !active() {
                (seen, secrets_seen, apps_seen, due) = Default::default();
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
            // Reading every Application costs as much as there are apps (from
            // the application cache when there is one, else a list from the
            // API server): only when there is a set they could belong to.
            let apps = if sets.is_empty() {
                None
            } else {
                self.owned_application_states().await.ok()
            };
            for (name, version) in &sets {
                let now = Instant::now();
                let changed = seen.get(name) != Some(version);
                let is_due = due.get(name).is_none_or(|t| *t <= now);
                let apps_changed = apps
                    .as_ref()
                    .is_some_and(|a| a.get(name) != apps_seen.get(name));
                if !(changed || secrets_changed || is_due || apps_changed) {
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
            if let Some(apps) = apps {
                apps_seen = apps;
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

/// The rollout computed for a RollingSync ApplicationSet.
struct Rollout {
    /// `status.applicationStatus`, sorted by Application.
    statuses: Vec<ApplicationRolloutStatus>,
    /// The step (1-based) being rolled out, `None` when complete.
    progressing: Option<String>,
    /// The `InvalidRolloutConfig` message, `None` when the steps are fine.
    issue: Option<String>,
}

/// Argo CD's progressive sync: groups the generated Applications into steps,
/// advances each live Application's rollout status, moves the Applications
/// that may sync now to `Pending` (within `maxUpdate`), turns off automated
/// sync on every generated Application and sets a sync `operation` on the
/// `Pending` ones of the current steps.
fn progressive_sync(
    appset: &ApplicationSet,
    generated: &mut [Value],
    live: &[Value],
) -> Result<Rollout, AppSetError> {
    let now = jiff::Timestamp::now();
    let plan = plan_steps(appset, generated);
    let desired: BTreeMap<String, &Value> = generated.iter().map(|a| (name_of(a), a)).collect();
    let mut spec_changed = BTreeSet::new();
    for app in live {
        let name = name_of(app);
        if let Some(wanted) = desired.get(&name) {
            let mut wanted = (*wanted).clone();
            disable_automated_sync(&mut wanted);
            if spec_differs(app, &wanted, appset)? {
                spec_changed.insert(name);
            }
        }
    }
    let previous = application_statuses(&appset.status);
    let mut statuses = update_statuses(&previous, live, &spec_changed, &plan.step_of, now);
    let current: BTreeSet<String> = live.iter().map(name_of).collect();
    let by_status: BTreeMap<String, String> = statuses
        .iter()
        .map(|s| (s.application.clone(), s.status.clone()))
        .collect();
    let to_sync = apps_to_sync(&plan.steps, &current, &by_status);
    let invalid_max = promote_to_pending(appset, &mut statuses, &to_sync, &plan.step_of, now);
    for app in generated.iter_mut() {
        let prune = disable_automated_sync(app);
        let name = name_of(app);
        let pending = statuses
            .iter()
            .any(|s| s.application == name && s.status == PENDING);
        if to_sync.contains(&name) && pending {
            let operation = rolling_sync_operation(app, prune);
            if let Value::Object(map) = app {
                map.insert("operation".into(), operation);
            }
        }
    }
    statuses.sort_by(|a, b| a.application.cmp(&b.application));
    Ok(Rollout {
        progressing: progressing_step(plan.steps.len(), &statuses),
        issue: rollout_config_issue(&plan.issues, &invalid_max),
        statuses,
    })
}

/// The `ErrorOccurred` reason of a failed generation, as Argo CD names it.
fn error_reason(error: &AppSetError) -> &'static str {
    match error {
        AppSetError::EmptyName { .. } | AppSetError::DuplicateName { .. } => {
            "ApplicationValidationError"
        }
        AppSetError::InvalidTemplate(_)
        | AppSetError::GoTemplateParse { .. }
        | AppSetError::GoTemplateExecute { .. }
        | AppSetError::TemplatePatch(_)
        | AppSetError::Template(_) => "RenderTemplateParamsError",
        _ => "ApplicationGenerationFromParamsError",
    }
}

/// What a reconciliation writes to the ApplicationSet's status.
struct Report {
    /// Conditions set by this reconciliation.
    conditions: Vec<Value>,
    /// Condition types this reconciliation decides (others are kept as they are).
    evaluated: Vec<&'static str>,
    /// Other status fields to set (`null` removes one).
    fields: Map<String, Value>,
}

fn condition(type_: &str, status: bool, reason: &str, message: &str) -> Value {
    json!({
        "type": type_,
        "status": if status { "True" } else { "False" },
        "reason": reason,
        "message": message,
    })
}

const UP_TO_DATE: &str = "All applications have been generated successfully";

impl Report {
    /// A reconciliation that stopped at an error: `ErrorOccurred` with `reason`,
    /// `ResourcesUpToDate` false, and `ParametersGenerated` true only when the
    /// parameters were generated. Resources and rollout status stay as they are;
    /// the rollout conditions too, unless the set is not `rolling` (then they go).
    fn failed(reason: &str, message: &str, parameters_generated: bool, rolling: bool) -> Self {
        let parameters = if parameters_generated {
            condition(
                "ParametersGenerated",
                true,
                "ParametersGenerated",
                "Successfully generated parameters for all Applications",
            )
        } else {
            condition("ParametersGenerated", false, "ErrorOccurred", message)
        };
        Report {
            conditions: vec![
                parameters,
                condition("ErrorOccurred", true, reason, message),
                condition("ResourcesUpToDate", false, "ErrorOccurred", message),
            ],
            evaluated: if rolling {
                vec!["ParametersGenerated", "ErrorOccurred", "ResourcesUpToDate"]
            } else {
                vec![
                    "ParametersGenerated",
                    "ErrorOccurred",
                    "ResourcesUpToDate",
                    "RolloutProgressing",
                    "InvalidRolloutConfig",
                ]
            },
            fields: Map::new(),
        }
    }

    /// A complete reconciliation: every condition says so; `resources` lists the
    /// Applications `live` after the writes (sorted by name) with `resourcesCount`;
    /// a RollingSync adds its rollout conditions and `applicationStatus`, any other
    /// strategy removes them.
    fn succeeded(live: &[Value], rollout: Option<Rollout>) -> Self {
        let mut resources: Vec<Value> = live
            .iter()
            .map(|app| {
                let (health, sync) = live_state(app);
                let mut entry = json!({
                    "group": "argoproj.io", "version": "v1alpha1", "kind": "Application",
                    "namespace": app["metadata"]["namespace"], "name": name_of(app),
                    "health": {},
                });
                if !sync.is_empty() {
                    entry["status"] = sync.into();
                }
                if !health.is_empty() {
                    entry["health"]["status"] = health.into();
                }
                entry
            })
            .collect();
        resources.sort_by_key(|r| r["name"].as_str().unwrap_or("").to_owned());
        let mut fields = Map::new();
        fields.insert("resourcesCount".into(), resources.len().into());
        fields.insert("resources".into(), Value::Array(resources));
        let mut conditions = vec![
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
                UP_TO_DATE,
            ),
            condition("ErrorOccurred", false, "ApplicationSetUpToDate", UP_TO_DATE),
        ];
        let evaluated = vec![
            "ParametersGenerated",
            "ResourcesUpToDate",
            "ErrorOccurred",
            "RolloutProgressing",
            "InvalidRolloutConfig",
        ];
        match rollout {
            Some(rollout) => {
                conditions.push(match &rollout.progressing {
                    Some(step) => condition(
                        "RolloutProgressing",
                        true,
                        "ApplicationSetModified",
                        &format!("ApplicationSet is performing rollout of step {step}"),
                    ),
                    None => condition(
                        "RolloutProgressing",
                        false,
                        "ApplicationSetRolloutComplete",
                        "ApplicationSet Rollout has completed",
                    ),
                });
                conditions.push(match &rollout.issue {
                    Some(message) => condition(
                        "InvalidRolloutConfig",
                        true,
                        "ApplicationSetInvalidRolloutConfig",
                        message,
                    ),
                    None => condition(
                        "InvalidRolloutConfig",
                        false,
                        "ApplicationSetValidRolloutConfig",
                        "Rolling Sync Configured correctly",
                    ),
                });
                fields.insert(
                    "applicationStatus".into(),
                    serde_json::to_value(&rollout.statuses).unwrap_or(Value::Null),
                );
            }
            None => {
                fields.insert("applicationStatus".into(), Value::Null);
            }
        }
        Report {
            conditions,
            evaluated,
            fields,
        }
    }
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

/// Argo CD's `SetConditions`: conditions of types not evaluated are kept, an
/// evaluated one unchanged in status, reason and message keeps its
/// `lastTransitionTime`, evaluated types without a new condition are removed;
/// sorted by type, status, reason, message.
fn merge_conditions(old: &[Value], report: &Report, now: &str) -> Vec<Value> {
    let mut out: Vec<Value> = old
        .iter()
        .filter(|c| {
            !report
                .evaluated
                .iter()
                .any(|t| c["type"].as_str() == Some(t))
        })
        .cloned()
        .collect();
    for new in &report.conditions {
        let same = old.iter().find(|c| {
            c["type"] == new["type"]
                && c["status"] == new["status"]
                && c["reason"] == new["reason"]
                && c["message"] == new["message"]
        });
        out.push(match same {
            Some(kept) => kept.clone(),
            None => {
                let mut fresh = new.clone();
                fresh["lastTransitionTime"] = now.into();
                fresh
            }
        });
    }
    let key = |c: &Value| {
        ["type", "status", "reason", "message"].map(|k| c[k].as_str().unwrap_or("").to_owned())
    };
    out.sort_by_key(key);
    out
}

/// Writes the report to the ApplicationSet's status (nothing when only times would change).
async fn write_status<C: Cluster>(
    cluster: &C,
    object: &Value,
    report: Report,
) -> Result<(), ClusterError> {
    let now = format_time(jiff::Timestamp::now());
    let old = object.get("status").cloned().unwrap_or(Value::Null);
    let old_conditions = old["conditions"].as_array().cloned().unwrap_or_default();
    let mut status = report.fields.clone();
    status.insert(
        "conditions".into(),
        Value::Array(merge_conditions(&old_conditions, &report, &now)),
    );
    let mut after = old.clone();
    json_patch::merge(&mut after, &json!({ "status": status })["status"]);
    if same_ignoring_times(&old, &after) {
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
