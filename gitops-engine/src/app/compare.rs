//! Comparing an application's rendered objects with the live ones: per-resource sync
//! status and health, the diffs, the app's sync status and aggregate health.
//!
//! Follows Argo CD's comparison: desired hooks are not managed resources (the sync runs
//! them); desired objects are paired with live objects by resource key; live objects
//! tracked by this app and not desired are extraneous (`requiresPruning`). Hooks, `Skip`
//! resources and live hooks get no sync status and do not affect the app's.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::model::{AppHealthStatus, Application, ApplicationCondition, ResourceStatus};
use super::{SyncStatusCode, conditions};
use crate::diff::{self, AnnotationTracking, DiffOptions, DiffResult, IgnoreStatus};
use crate::health::{self, HealthRules, HealthStatus, ResourceHealth};
use crate::object::{self, Scopes};
use crate::sync::options::has_annotation_option;
use crate::sync::tracking::{self, Membership, TrackingConfig, TrackingMethod};
use crate::sync::{ApiResource, HookClass, PruneMode, ResourceKey, SyncOptions, hooks, waves};

/// The annotation carrying per-resource compare options (`IgnoreExtraneous`).
pub const COMPARE_OPTIONS_ANNOTATION: &str = "argocd.argoproj.io/compare-options";

/// Settings of the Argo CD installation that shape every comparison. The default is
/// Argo CD's: `/status` ignored on every resource (`ignoreResourceStatusField: all`),
/// annotation tracking, control-plane namespace `argocd`.
#[derive(Debug, Clone)]
pub struct CompareSettings {
    /// System-wide diff settings (`resource.compareoptions`, `knownTypeFields`, system
    /// `ignoreDifferences`); the app's own `ignoreDifferences`, its `ServerSideApply=true`
    /// option and the tracking normalisation are added per app.
    pub diff: DiffOptions,
    /// Tracking method and label key.
    pub tracking: TrackingConfig,
    /// The control-plane namespace (normally `argocd`), for the app's instance name.
    pub control_plane_namespace: String,
    /// Annotations whose values are masked in returned diffs
    /// (`resource.sensitive.mask.annotations`).
    pub hide_annotations: Vec<String>,
}

impl Default for CompareSettings {
    fn default() -> Self {
        CompareSettings {
            diff: DiffOptions {
                ignore_status: IgnoreStatus::All,
                ..DiffOptions::default()
            },
            tracking: TrackingConfig::default(),
            control_plane_namespace: "argocd".into(),
            hide_annotations: Vec::new(),
        }
    }
}

/// Everything one comparison reads.
#[derive(Debug, Clone, Copy)]
pub struct CompareInput<'a> {
    /// The application.
    pub app: &'a Application,
    /// The resolved revision the desired objects were rendered from.
    pub revision: &'a str,
    /// The rendered objects (hooks included), not yet stamped for tracking.
    pub desired: &'a [Value],
    /// Live objects of the kinds involved: those with a desired key and the candidates
    /// tracking may attribute to the app.
    pub live: &'a [Value],
    /// Health rules.
    pub health_rules: &'a HealthRules,
    /// Installation settings.
    pub settings: &'a CompareSettings,
    /// Kinds the API server serves (scope of desired objects); `None` without discovery
    /// (then only built-in cluster-scoped kinds are known to have no namespace).
    pub api_resources: Option<&'a [ApiResource]>,
}

/// The diff of one managed resource (Secret values masked).
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceDiff {
    /// The resource.
    pub key: ResourceKey,
    /// The diff result; `normalized_live`/`predicted_live` are masked for Secrets.
    pub result: DiffResult,
}

/// The outcome of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Instance name of the app (tracking).
    pub app_instance: String,
    /// The revision compared.
    pub revision: String,
    /// The desired objects stamped with tracking metadata (hooks included) and put in
    /// their namespaces (the destination namespace for namespaced kinds and kinds of
    /// unknown scope without one; none for cluster-scoped kinds), ready for
    /// [`crate::sync::PlanInput::desired`].
    pub desired: Vec<Value>,
    /// The live objects that matter to a sync: paired with a desired object, or
    /// extraneous members of the app.
    pub live: Vec<Value>,
    /// `status.resources`, sorted by key.
    pub resources: Vec<ResourceStatus>,
    /// Per managed resource, whether the diff found it modified (missing resources are
    /// modified; extraneous ones are not).
    pub modified: BTreeMap<ResourceKey, bool>,
    /// Diffs of the resources that have a desired object.
    pub diffs: Vec<ResourceDiff>,
    /// The app's sync status.
    pub sync_status: SyncStatusCode,
    /// The app's aggregate health.
    pub health: HealthStatus,
    /// Container images of the desired workloads (hooks included), sorted and unique
    /// (`summary.images`).
    pub images: Vec<String>,
    /// Conditions found (`ComparisonError`, `SharedResourceWarning`,
    /// `RepeatedResourceWarning`), without transition times.
    pub conditions: Vec<ApplicationCondition>,
}

impl Comparison {
    /// Writes the comparison into `app.status`: `sync` (status, revision, comparedTo),
    /// `resources`, `health` (transition time kept when the code is unchanged),
    /// `summary.images`, `reconciledAt`, and the comparison conditions (replacing earlier
    /// ones of the same types).
    pub fn write_status(&self, app: &mut Application, now: &str) {
        let status = &mut app.status;
        status.sync.status = self.sync_status;
        status.sync.revision = self.revision.clone();
        status.sync.compared_to = Some(super::ComparedTo {
            source: app.spec.source.clone(),
            sources: app.spec.sources.clone(),
            destination: app.spec.destination.clone(),
            ignore_differences: app.spec.ignore_differences.clone(),
        });
        status.resources = self.resources.clone();
        let transition = match &status.health {
            Some(old) if old.status == self.health.status => old.last_transition_time.clone(),
            _ => Some(now.to_owned()),
        };
        status.health = Some(AppHealthStatus {
            status: self.health.status,
            message: self.health.message.clone(),
            last_transition_time: transition,
        });
        status.summary.images = self.images.clone();
        status.reconciled_at = Some(now.to_owned());
        conditions::replace_types(
            &mut status.conditions,
            &[
                conditions::COMPARISON_ERROR,
                conditions::SHARED_RESOURCE_WARNING,
                conditions::REPEATED_RESOURCE_WARNING,
            ],
            &self.conditions,
            now,
        );
    }
}

/// Compares the app's desired objects with the live ones.
pub fn compare(input: &CompareInput) -> Comparison {
    let app = input.app;
    let settings = input.settings;
    let destination_namespace = app.spec.destination.namespace.as_str();
    let app_instance = tracking::instance_name(
        &app.metadata.name,
        &app.metadata.namespace,
        &settings.control_plane_namespace,
    );
    let mut conditions = Vec::new();

    let scope = Scopes::new(input.api_resources);
    let desired: Vec<Value> = input
        .desired
        .iter()
        .map(|obj| {
            let mut obj = obj.clone();
            tracking::stamp(
                &mut obj,
                &app_instance,
                &settings.tracking,
                destination_namespace,
            );
            scope.set_namespace(&mut obj, destination_namespace);
            obj
        })
        .collect();

    // Managed desired objects by key (last duplicate wins); hooks are run by the sync.
    let mut managed: BTreeMap<ResourceKey, &Value> = BTreeMap::new();
    let mut repeats: BTreeMap<ResourceKey, usize> = BTreeMap::new();
    for obj in &desired {
        if matches!(
            hooks::classify(obj),
            HookClass::Hook(_) | HookClass::Ignored
        ) {
            continue;
        }
        let key = ResourceKey::of(obj);
        if managed.insert(key.clone(), obj).is_some() {
            *repeats.entry(key).or_insert(1) += 1;
        }
    }
    for (key, times) in repeats {
        conditions.push(condition(
            conditions::REPEATED_RESOURCE_WARNING,
            format!("Resource {key} appeared {times} times among application resources."),
        ));
    }

    let mut unpaired: BTreeMap<ResourceKey, &Value> = input
        .live
        .iter()
        .filter(|obj| obj.is_object())
        .map(|obj| (ResourceKey::of(obj), obj))
        .collect();
    let mut pairs: Vec<(ResourceKey, Option<&Value>, Option<&Value>)> = Vec::new();
    for (key, desired_obj) in &managed {
        let live_key = [key.clone(), key.with_namespace("")]
            .into_iter()
            .take(if scope.namespaced(&key.group, &key.kind).is_none() {
                2
            } else {
                1
            })
            .find(|k| unpaired.contains_key(k));
        let live_obj = live_key.and_then(|k| unpaired.remove(&k));
        if let Some(live_obj) = live_obj
            && let Some(other) = tracking::tracked_app_instance(live_obj, &settings.tracking)
            && other != app_instance
        {
            conditions.push(condition(
                conditions::SHARED_RESOURCE_WARNING,
                format!(
                    "{}/{} is part of applications {app_instance} and {other}",
                    key.kind, key.name
                ),
            ));
        }
        pairs.push((key.clone(), Some(desired_obj), live_obj));
    }
    for (key, live_obj) in unpaired {
        if tracking::membership(live_obj, None, &app_instance, &settings.tracking)
            == Membership::Member
        {
            pairs.push((key, None, Some(live_obj)));
        }
    }
    pairs.sort_by(|a, b| a.0.cmp(&b.0));

    let diff_options = app_diff_options(app, settings);
    let sync_options = SyncOptions::from_list(app.spec.sync_options());
    let mut sync_status = SyncStatusCode::Synced;
    let mut comparison_failed = false;
    let mut resources = Vec::new();
    let mut modified = BTreeMap::new();
    let mut diffs = Vec::new();
    let mut health_inputs = Vec::new();
    for (key, desired_obj, live_obj) in &pairs {
        let (desired_obj, live_obj) = (*desired_obj, *live_obj);
        let live_hook = live_obj
            .is_some_and(|l| !matches!(hooks::classify(l), HookClass::Resource | HookClass::Skip));
        let skipped = desired_obj.is_some_and(|d| hooks::classify(d) == HookClass::Skip);
        let obj = desired_obj.or(live_obj).unwrap_or(&Value::Null);
        let mut status = ResourceStatus {
            group: key.group.clone(),
            version: version_of(obj),
            kind: key.kind.clone(),
            namespace: key.namespace.clone(),
            name: key.name.clone(),
            hook: live_hook,
            sync_wave: waves::sync_wave(obj),
            ..ResourceStatus::default()
        };

        let is_modified = match desired_obj {
            Some(d) => {
                match diff::diff_masked(
                    Some(d),
                    live_obj,
                    &diff_options,
                    &settings.hide_annotations,
                ) {
                    Ok(result) => {
                        let m = result.modified;
                        diffs.push(ResourceDiff {
                            key: key.clone(),
                            result,
                        });
                        Some(m)
                    }
                    Err(err) => {
                        comparison_failed = true;
                        conditions.push(condition(
                            conditions::COMPARISON_ERROR,
                            format!("Failed to compare desired state to live state: failed to calculate diff of {key}: {err}"),
                        ));
                        None
                    }
                }
            }
            None => Some(false),
        };
        if let Some(m) = is_modified {
            modified.insert(key.clone(), m);
        }

        if !(live_hook || skipped) {
            let out_of_sync =
                desired_obj.is_none() || live_obj.is_none() || is_modified == Some(true);
            status.status = Some(match is_modified {
                None => SyncStatusCode::Unknown,
                Some(_) if out_of_sync => SyncStatusCode::OutOfSync,
                Some(_) => SyncStatusCode::Synced,
            });
            if desired_obj.is_none() {
                status.requires_pruning = true;
                status.requires_deletion_confirmation =
                    live_obj.is_some_and(|l| sync_options.prune_mode_for(l) == PruneMode::Confirm);
            }
            let ignored_extraneous = desired_obj.is_none()
                && live_obj.is_some_and(|l| {
                    has_annotation_option(l, COMPARE_OPTIONS_ANNOTATION, "IgnoreExtraneous")
                });
            if out_of_sync && !ignored_extraneous {
                sync_status = SyncStatusCode::OutOfSync;
            }
        }

        if let Some(mut assessed) =
            ResourceHealth::assess(desired_obj, live_obj, input.health_rules)
        {
            if !(live_hook || skipped) {
                status.health = assessed.health.clone().map(AppHealthStatus::from);
            }
            if is_this_application(app, key) {
                assessed.excluded = true;
            }
            health_inputs.push(assessed);
        }
        resources.push(status);
    }
    if comparison_failed {
        sync_status = SyncStatusCode::Unknown;
    }
    conditions.dedup();

    let live = pairs
        .iter()
        .filter_map(|(_, _, live)| live.map(Clone::clone))
        .collect();
    let images = images_of(
        desired
            .iter()
            .filter(|d| hooks::classify(d) != HookClass::Ignored),
    );
    Comparison {
        app_instance,
        revision: input.revision.to_owned(),
        desired,
        live,
        resources,
        modified,
        diffs,
        sync_status,
        health: health::aggregate(&health_inputs),
        images,
        conditions,
    }
}

fn condition(condition_type: &str, message: String) -> ApplicationCondition {
    ApplicationCondition {
        condition_type: condition_type.to_owned(),
        message,
        last_transition_time: None,
    }
}

/// The installation's diff options plus the app's `ignoreDifferences`, its
/// `ServerSideApply=true` option and, with annotation tracking, the tracking
/// normalisation.
fn app_diff_options(app: &Application, settings: &CompareSettings) -> DiffOptions {
    let mut options = settings.diff.clone();
    options
        .ignore_differences
        .extend(app.spec.ignore_differences.iter().cloned());
    if app
        .spec
        .sync_options()
        .iter()
        .any(|o| o == "ServerSideApply=true")
    {
        options.server_side_apply = true;
    }
    if settings.tracking.method != TrackingMethod::Label {
        options.tracking = Some(AnnotationTracking {
            instance_label_key: settings.tracking.instance_label_key.clone(),
        });
    }
    options
}

/// The version part of an object's `apiVersion`.
fn version_of(obj: &Value) -> String {
    object::group_version(obj).1.to_owned()
}

/// A live `argoproj.io` `Application` that is the app itself (self-managed app).
fn is_this_application(app: &Application, key: &ResourceKey) -> bool {
    key.group == "argoproj.io"
        && key.kind == "Application"
        && key.name == app.metadata.name
        && key.namespace == app.metadata.namespace
}

/// Pointers of pod specs in workload objects: Pods, pod templates, CronJob job templates.
const POD_SPEC_POINTERS: [&str; 3] = [
    "/spec",
    "/spec/template/spec",
    "/spec/jobTemplate/spec/template/spec",
];

/// Container images (init, regular, ephemeral) of the objects' pod specs, sorted, unique.
fn images_of<'a>(objects: impl Iterator<Item = &'a Value>) -> Vec<String> {
    let mut images = BTreeSet::new();
    for obj in objects {
        for pointer in POD_SPEC_POINTERS {
            let Some(spec) = obj.pointer(pointer) else {
                continue;
            };
            for list in ["initContainers", "containers", "ephemeralContainers"] {
                let containers = spec.get(list).and_then(Value::as_array);
                for container in containers.into_iter().flatten() {
                    if let Some(image) = container.get("image").and_then(Value::as_str)
                        && !image.is_empty()
                    {
                        images.insert(image.to_owned());
                    }
                }
            }
        }
    }
    images.into_iter().collect()
}
