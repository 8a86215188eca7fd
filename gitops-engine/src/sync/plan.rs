//! Sync planning: pairing desired with live objects and turning the pairs into ordered
//! tasks (spec §2.1–§2.3, §2.6, §2.9).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::SyncError;
use super::hooks::{self, HOOK_FINALIZER, HookClass, HookDeletePolicy, SyncPhase};
use super::options::{PruneMode, SYNC_OPTIONS_ANNOTATION, SyncOptions};
use super::ordering;
use super::task::{HookTask, PruneAction, SyncTask, TaskAction, TaskRole};
use super::tracking::{self, Membership, TrackingConfig};
use super::waves::sync_wave;
use crate::object::{self, ApiResource, ResourceKey, Scopes};

/// Settings of one sync operation (the sync request rather than the Application).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationSettings {
    /// Prune extraneous objects (`--prune`, `automated.prune`). Off: they are reported
    /// "ignored (requires pruning)".
    pub prune: bool,
    /// The whole operation is a dry-run.
    pub dry_run: bool,
    /// Hooks are not run (`syncStrategy.apply`, or a selective sync).
    pub skip_hooks: bool,
    /// The request's force flag.
    pub force: bool,
    /// `argocd.argoproj.io/deletion-approved` is not before the operation start.
    pub prune_confirmed: bool,
    /// The revision being synced (names generated hooks).
    pub revision: String,
    /// The operation's start time in UTC seconds (names generated hooks).
    pub started_at_unix: i64,
    /// Selective sync: only these resources take part (empty: all of them). Hooks do not
    /// run in a selective sync.
    pub resources: Vec<SelectedResource>,
}

impl OperationSettings {
    /// Whether the resource with `key` takes part in the operation.
    pub fn selects(&self, key: &ResourceKey) -> bool {
        self.resources.is_empty() || self.resources.iter().any(|r| r.matches(key))
    }

    /// Whether hooks run: not when disabled, nor in a selective sync.
    pub fn runs_hooks(&self) -> bool {
        !self.skip_hooks && self.resources.is_empty()
    }
}

/// A resource named in a selective sync request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectedResource {
    /// API group (empty for core).
    pub group: String,
    /// Kind.
    pub kind: String,
    /// Name.
    pub name: String,
    /// Namespace; empty matches any.
    pub namespace: String,
}

impl SelectedResource {
    /// Group, kind and name equal, and the namespace equal unless left empty.
    pub fn matches(&self, key: &ResourceKey) -> bool {
        self.group == key.group
            && self.kind == key.kind
            && self.name == key.name
            && (self.namespace.is_empty() || self.namespace == key.namespace)
    }
}

/// Everything sync planning depends on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PlanInput {
    /// Instance name of the app (see [`tracking::instance_name`]).
    pub app_instance: String,
    /// Destination namespace.
    pub destination_namespace: String,
    /// Rendered objects, hooks included.
    pub desired: Vec<Value>,
    /// Live objects: those with a desired key, and the candidates tracking may attribute
    /// to the app.
    pub live: Vec<Value>,
    /// Per resource, whether the diff found it modified.
    pub modified: BTreeMap<ResourceKey, bool>,
    /// Application-level sync options.
    pub options: SyncOptions,
    /// Settings of this operation.
    pub operation: OperationSettings,
    /// Tracking settings used to decide which extraneous live objects are the app's.
    pub tracking: TrackingConfig,
    /// Kinds known to the API server; `None` when discovery is not available (then only
    /// built-in cluster-scoped kinds have a known scope, and no task is rejected for an
    /// unknown kind).
    pub api_resources: Option<Vec<ApiResource>>,
    /// The destination namespace exists (for `CreateNamespace=true`).
    pub destination_namespace_exists: bool,
    /// `spec.syncPolicy.managedNamespaceMetadata` (`labels`, `annotations`).
    pub managed_namespace_metadata: Option<Value>,
    /// The app's `argocd.argoproj.io/client-side-apply-migration-manager` annotation;
    /// `kubectl-client-side-apply` when `None`.
    pub client_side_apply_migration_manager: Option<String>,
}

/// Default manager of client-side applies, whose fields migrate to server-side apply.
pub const CLIENT_SIDE_APPLY_MANAGER: &str = "kubectl-client-side-apply";

impl PlanInput {
    fn client_side_apply_manager(&self) -> &str {
        self.client_side_apply_migration_manager
            .as_deref()
            .unwrap_or(CLIENT_SIDE_APPLY_MANAGER)
    }
}

/// Whether `live` has a managedFields entry of `manager` with operation `Update` (v3).
fn has_client_side_fields(live: &Value, manager: &str) -> bool {
    !manager.is_empty()
        && live
            .pointer("/metadata/managedFields")
            .and_then(Value::as_array)
            .is_some_and(|entries| {
                entries.iter().any(|e| {
                    e.get("manager").and_then(Value::as_str) == Some(manager)
                        && e.get("operation").and_then(Value::as_str) == Some("Update")
                })
            })
}

/// A task that failed validation; the operation fails before anything is applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvalidTask {
    /// Result key of the task.
    pub result_key: String,
    /// Why it is invalid.
    pub message: String,
}

/// The planned sync: ordered tasks plus what was found along the way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncPlan {
    /// Instance name of the app.
    pub app_instance: String,
    /// Destination namespace.
    pub destination_namespace: String,
    /// The operation is a dry-run.
    pub dry_run: bool,
    /// `ApplyOutOfSyncOnly=true`.
    pub apply_out_of_sync_only: bool,
    /// Tasks in execution order.
    pub tasks: Vec<SyncTask>,
    /// Tasks rejected by validation.
    pub invalid: Vec<InvalidTask>,
    /// Warnings (repeated or shared resources).
    pub warnings: Vec<String>,
}

impl SyncPlan {
    /// Keys of extraneous objects left in place because pruning is off for the operation.
    pub fn requires_pruning(&self) -> Vec<&ResourceKey> {
        self.tasks
            .iter()
            .filter(|t| t.operation == TaskAction::Prune(PruneAction::RequiresPruning))
            .map(|t| &t.key)
            .collect()
    }
}

/// A desired object after hook classification.
struct Desired {
    obj: Value,
    class: HookClass,
}

/// Desired plain resources (and `Skip` objects) by key.
type Resources = BTreeMap<ResourceKey, Desired>;
/// Desired hooks with their classification.
type HookObjects = Vec<(Value, hooks::Hook)>;

/// Plans a sync. Pure: the result depends only on `input`.
pub fn plan(input: &PlanInput) -> Result<SyncPlan, SyncError> {
    let scopes = Scopes::new(input.api_resources.as_deref());
    let mut warnings = Vec::new();
    let (resources, hook_objs) = split_desired(input, &scopes, &mut warnings)?;
    let live = index_live(&input.live, &resources)?;

    let mut tasks = Vec::new();
    let mut unpaired = live.clone();
    for (key, desired) in &resources {
        let live_key = [key.clone(), key.with_namespace("")]
            .into_iter()
            .take(if scope_unknown(&scopes, key) { 2 } else { 1 })
            .find(|k| unpaired.contains_key(k));
        let live_obj = live_key.and_then(|k| unpaired.remove(&k));
        if let Some(live_obj) = &live_obj {
            check_shared(input, live_obj, &mut warnings)?;
        }
        if desired.class == HookClass::Resource && input.operation.selects(key) {
            let target = with_namespace(&desired.obj, &input.destination_namespace);
            tasks.push(apply_task(
                input,
                key.clone(),
                SyncPhase::Sync,
                TaskRole::Resource,
                target,
                live_obj.as_ref(),
                None,
            ));
        }
    }
    for (key, live_obj) in unpaired.iter().filter(|(k, _)| input.operation.selects(k)) {
        if let Some(task) = prune_task(input, key, live_obj) {
            tasks.push(task);
        }
    }
    if input.operation.runs_hooks() {
        for (obj, hook) in &hook_objs {
            tasks.extend(hook_tasks(input, obj, hook, &live));
        }
    }
    if let Some(task) = managed_namespace_task(input, &resources, &hook_objs) {
        tasks.push(task);
    }

    let invalid = validate_kinds(input, &scopes, &resources, &mut tasks);
    mark_dry_run(input, &mut tasks);
    ordering::mirror_prune_waves(&mut tasks);
    let last = ordering::prune_last_wave(&tasks);
    for task in tasks.iter_mut().filter(|t| t.is_prune()) {
        if let Some(live_obj) = live.get(&task.key)
            && input.options.prune_last_for(live_obj)
        {
            task.wave = last;
        }
    }
    ordering::sort_tasks(&mut tasks);

    Ok(SyncPlan {
        app_instance: input.app_instance.clone(),
        destination_namespace: input.destination_namespace.clone(),
        dry_run: input.operation.dry_run,
        apply_out_of_sync_only: input.options.apply_out_of_sync_only,
        tasks,
        invalid,
        warnings,
    })
}

fn scope_unknown(scopes: &Scopes, key: &ResourceKey) -> bool {
    !key.namespace.is_empty() && scopes.namespaced(&key.group, &key.kind).is_none()
}

/// Validates desired objects, drops ignored hooks, keys resources (last duplicate wins)
/// and returns hooks with their phases.
fn split_desired(
    input: &PlanInput,
    scopes: &Scopes,
    warnings: &mut Vec<String>,
) -> Result<(Resources, HookObjects), SyncError> {
    let mut resources = BTreeMap::new();
    let mut hook_objs = Vec::new();
    for (index, obj) in input.desired.iter().enumerate() {
        check_object("desired", index, obj)?;
        if object::name(obj).is_none() && object::generate_name(obj).is_none() {
            return Err(SyncError::MissingField {
                what: "desired",
                index,
                field: "metadata.name",
            });
        }
        match hooks::classify(obj) {
            HookClass::Ignored => {}
            HookClass::Hook(hook) => hook_objs.push((obj.clone(), hook)),
            class => {
                let key = scopes.desired_key(obj, &input.destination_namespace);
                let repeated = resources
                    .insert(
                        key.clone(),
                        Desired {
                            obj: obj.clone(),
                            class,
                        },
                    )
                    .is_some();
                if repeated {
                    warnings.push(format!(
                        "RepeatedResourceWarning: resource {key} appeared multiple times"
                    ));
                }
            }
        }
    }
    Ok((resources, hook_objs))
}

fn check_object(what: &'static str, index: usize, obj: &Value) -> Result<(), SyncError> {
    if !obj.is_object() {
        return Err(SyncError::NotAnObject { what, index });
    }
    if object::kind(obj).is_none() {
        return Err(SyncError::MissingField {
            what,
            index,
            field: "kind",
        });
    }
    Ok(())
}

/// Validates live objects and keys them; of objects sharing a UID (one object seen
/// through two API groups) the one whose key is desired is kept, else the first.
fn index_live(
    live: &[Value],
    resources: &Resources,
) -> Result<BTreeMap<ResourceKey, Value>, SyncError> {
    let mut by_uid: BTreeMap<&str, ResourceKey> = BTreeMap::new();
    let mut index = BTreeMap::new();
    for (i, obj) in live.iter().enumerate() {
        check_object("live", i, obj)?;
        if object::name(obj).is_none() {
            return Err(SyncError::MissingField {
                what: "live",
                index: i,
                field: "metadata.name",
            });
        }
        let key = ResourceKey::of(obj);
        if let Some(uid) = object::uid(obj) {
            if let Some(kept) = by_uid.get(uid) {
                if resources.contains_key(kept) || !resources.contains_key(&key) {
                    continue;
                }
                index.remove(kept);
            }
            by_uid.insert(uid, key.clone());
        }
        index.insert(key, obj.clone());
    }
    Ok(index)
}

/// Warns (or fails with `FailOnSharedResource=true`) when a paired live object is tracked
/// by another app.
fn check_shared(
    input: &PlanInput,
    live: &Value,
    warnings: &mut Vec<String>,
) -> Result<(), SyncError> {
    let Some(other) = tracking::tracked_app_instance(live, &input.tracking) else {
        return Ok(());
    };
    if other == input.app_instance {
        return Ok(());
    }
    let message = format!(
        "{}/{} is part of applications {} and {}",
        object::kind(live).unwrap_or_default(),
        object::name(live).unwrap_or_default(),
        input.app_instance,
        other
    );
    if input.options.fail_on_shared_resource {
        return Err(SyncError::SharedResource(message));
    }
    warnings.push(format!("SharedResourceWarning: {message}"));
    Ok(())
}

/// A copy of `obj` whose empty namespace is set to the destination namespace (done even
/// for cluster-scoped objects; the apply ignores it).
fn with_namespace(obj: &Value, destination_namespace: &str) -> Value {
    let mut target = obj.clone();
    if object::namespace(&target).is_none() && !destination_namespace.is_empty() {
        object::set_metadata_str(&mut target, "namespace", destination_namespace);
    }
    target
}

/// A create/apply task for a desired object or hook.
fn apply_task(
    input: &PlanInput,
    key: ResourceKey,
    phase: SyncPhase,
    role: TaskRole,
    target: Value,
    live: Option<&Value>,
    hook: Option<HookTask>,
) -> SyncTask {
    let settings = input
        .options
        .apply_for(&target, live, input.operation.force);
    let operation = match (settings.replace, live) {
        (false, _) => TaskAction::Apply {
            server_side: settings.server_side,
            force: settings.force,
            validate: settings.validate,
            migrate_client_side: settings.server_side
                && input.options.client_side_apply_migration
                && live
                    .is_some_and(|l| has_client_side_fields(l, input.client_side_apply_manager())),
        },
        (true, None) => TaskAction::Create {
            validate: settings.validate,
        },
        (true, Some(_))
            if object::is_crd(&target) || object::kind(&target) == Some(object::NAMESPACE_KIND) =>
        {
            TaskAction::Update
        }
        (true, Some(_)) => TaskAction::Replace {
            force: settings.force,
        },
    };
    let modified = input.modified.get(&key).copied();
    let skip_unmodified = input.options.apply_out_of_sync_only
        && role == TaskRole::Resource
        && live.is_some()
        && modified == Some(false);
    SyncTask {
        api_version: object::api_version(&target).unwrap_or_default().to_owned(),
        wave: sync_wave(&target),
        key,
        phase,
        role,
        operation,
        live_exists: live.is_some(),
        modified,
        dry_run: true,
        skip_dry_run: false,
        skip_unmodified,
        awaiting_prune_confirmation: false,
        hook,
        target: Some(target),
    }
}

/// A prune task for an unpaired live object, if it is the app's and not a hook.
fn prune_task(input: &PlanInput, key: &ResourceKey, live: &Value) -> Option<SyncTask> {
    if hooks::classify(live) != HookClass::Resource {
        return None;
    }
    if tracking::membership(live, None, &input.app_instance, &input.tracking) != Membership::Member
    {
        return None;
    }
    let mode = input.options.prune_mode_for(live);
    let action = if !input.operation.prune {
        PruneAction::RequiresPruning
    } else if mode == PruneMode::Disabled {
        PruneAction::NoPrune
    } else {
        PruneAction::Delete {
            propagation: input.options.prune_propagation_policy,
        }
    };
    Some(SyncTask {
        key: key.clone(),
        api_version: object::api_version(live).unwrap_or_default().to_owned(),
        phase: SyncPhase::Sync,
        wave: sync_wave(live),
        role: TaskRole::Prune,
        operation: TaskAction::Prune(action),
        live_exists: true,
        modified: input.modified.get(key).copied(),
        dry_run: true,
        skip_dry_run: false,
        skip_unmodified: false,
        awaiting_prune_confirmation: mode == PruneMode::Confirm && !input.operation.prune_confirmed,
        hook: None,
        target: None,
    })
}

/// One task per phase of a hook, named (for `generateName`), given the hook finalizer and
/// the destination namespace, and matched with its live instance.
fn hook_tasks(
    input: &PlanInput,
    obj: &Value,
    hook: &hooks::Hook,
    live: &BTreeMap<ResourceKey, Value>,
) -> Vec<SyncTask> {
    hook.phases
        .iter()
        .map(|&phase| {
            let mut target = with_namespace(obj, &input.destination_namespace);
            let generated_name = object::name(obj).is_none();
            if generated_name {
                let name = hooks::generated_hook_name(
                    object::generate_name(obj).unwrap_or_default(),
                    &input.operation.revision,
                    phase,
                    input.operation.started_at_unix,
                );
                object::set_metadata_str(&mut target, "name", &name);
            }
            add_hook_finalizer(&mut target);
            let key = ResourceKey::of(&target);
            let live_obj = live.get(&key).or_else(|| live.get(&key.with_namespace("")));
            let details = HookTask {
                delete_policies: hook.delete_policies.clone(),
                delete_before_creation: live_obj.is_some()
                    && hook
                        .delete_policies
                        .contains(&HookDeletePolicy::BeforeHookCreation),
                generated_name,
            };
            apply_task(
                input,
                key,
                phase,
                TaskRole::Hook,
                target,
                live_obj,
                Some(details),
            )
        })
        .collect()
}

fn add_hook_finalizer(obj: &mut Value) {
    let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    let finalizers = meta.entry("finalizers").or_insert_with(|| json!([]));
    if !finalizers.is_array() {
        *finalizers = json!([]);
    }
    if let Some(list) = finalizers.as_array_mut()
        && !list.iter().any(|f| f == HOOK_FINALIZER)
    {
        list.push(Value::String(HOOK_FINALIZER.to_owned()));
    }
}

/// With `CreateNamespace=true`: a `PreSync` task creating the destination namespace when no
/// desired object is that Namespace, and it is missing or has managed metadata to apply
/// (labels and annotations set, server-side apply requested by annotation).
fn managed_namespace_task(
    input: &PlanInput,
    resources: &Resources,
    hook_objs: &HookObjects,
) -> Option<SyncTask> {
    let ns = input.destination_namespace.as_str();
    if !input.options.create_namespace || ns.is_empty() {
        return None;
    }
    let declared = resources
        .values()
        .map(|d| &d.obj)
        .chain(hook_objs.iter().map(|(o, _)| o))
        .any(|o| object::is_namespace(o) && object::name(o) == Some(ns));
    if declared
        || (input.destination_namespace_exists && input.managed_namespace_metadata.is_none())
    {
        return None;
    }
    let mut target = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}});
    if let Some(meta) = &input.managed_namespace_metadata {
        for field in ["labels", "annotations"] {
            if let Some(map) = object::metadata_map_mut(&mut target, field) {
                map.extend(
                    meta.get(field)
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_default(),
                );
            }
        }
        // Managed metadata is applied server-side so other labels and annotations survive.
        if let Some(annotations) = object::metadata_map_mut(&mut target, "annotations") {
            annotations.insert(
                SYNC_OPTIONS_ANNOTATION.to_owned(),
                json!("ServerSideApply=true"),
            );
        }
    }
    let live = input.destination_namespace_exists.then(|| json!({}));
    Some(apply_task(
        input,
        ResourceKey::new("", object::NAMESPACE_KIND, "", ns),
        SyncPhase::PreSync,
        TaskRole::ManagedNamespace,
        target,
        live.as_ref(),
        None,
    ))
}

/// With discovery: a task whose kind the API server does not know skips the dry-run when
/// tolerated (`SkipDryRunOnMissingResource`, or a CRD for it is part of the sync) and is
/// invalid otherwise.
fn validate_kinds(
    input: &PlanInput,
    scopes: &Scopes,
    resources: &Resources,
    tasks: &mut [SyncTask],
) -> Vec<InvalidTask> {
    let defined: BTreeSet<(String, String)> = resources
        .values()
        .filter_map(|d| object::crd_defines(&d.obj))
        .collect();
    let mut invalid = Vec::new();
    for task in tasks.iter_mut() {
        if scopes.is_known(&task.key.group, &task.key.kind) {
            continue;
        }
        let tolerated = input
            .options
            .skip_dry_run_on_missing_for(task.target.as_ref())
            || defined.contains(&(task.key.group.clone(), task.key.kind.clone()));
        if tolerated {
            task.skip_dry_run = true;
        } else {
            invalid.push(InvalidTask {
                result_key: task.result_key(),
                message: format!(
                    "the server could not find the requested resource {}/{}",
                    task.key.group, task.key.kind
                ),
            });
        }
    }
    invalid
}

/// Decides which tasks take part in the initial dry-run: not those whose kind is missing
/// but tolerated, not the task creating the destination namespace (applied for real
/// first), and with `ApplyOutOfSyncOnly=true` not the unmodified ones.
fn mark_dry_run(input: &PlanInput, tasks: &mut [SyncTask]) {
    let ns = input.destination_namespace.as_str();
    for task in tasks.iter_mut() {
        let creates_destination = !task.live_exists
            && task
                .target
                .as_ref()
                .is_some_and(|t| object::is_namespace(t) && object::name(t) == Some(ns));
        task.dry_run = !task.skip_dry_run && !creates_destination && !task.skip_unmodified;
    }
}
