//! Sync options: the Application's `spec.syncPolicy.syncOptions` list, the per-resource
//! `argocd.argoproj.io/sync-options` annotation, and how the two combine (spec §0, §2.9).

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use crate::object::PropagationPolicy;
use crate::object::annotation;

/// Per-resource sync options annotation (comma-separated).
pub const SYNC_OPTIONS_ANNOTATION: &str = "argocd.argoproj.io/sync-options";

/// The items of a comma-separated annotation in order: trimmed, empty items dropped,
/// duplicates collapsed. An absent annotation yields no items.
pub fn annotation_items(obj: &Value, key: &str) -> Vec<String> {
    let mut items: Vec<String> = Vec::new();
    for item in annotation(obj, key)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
    {
        if !item.is_empty() && !items.iter().any(|i| i == item) {
            items.push(item.to_owned());
        }
    }
    items
}

/// Whether one item of a comma-separated annotation equals `option` exactly.
pub fn has_annotation_option(obj: &Value, key: &str, option: &str) -> bool {
    annotation_items(obj, key).iter().any(|i| i == option)
}

/// The value of the first `Prune=<value>` item as a prune mode: `false` disables pruning,
/// `confirm` requires confirmation, any other value allows it.
fn prune_mode_of<'a>(mut items: impl Iterator<Item = &'a str>) -> Option<PruneMode> {
    items
        .find_map(|i| i.strip_prefix("Prune="))
        .map(|value| match value {
            "false" => PruneMode::Disabled,
            "confirm" => PruneMode::Confirm,
            _ => PruneMode::Allow,
        })
}

/// Whether the object's `argocd.argoproj.io/sync-options` contain `option`.
fn has_sync_option(obj: Option<&Value>, option: &str) -> bool {
    obj.is_some_and(|o| has_annotation_option(o, SYNC_OPTIONS_ANNOTATION, option))
}

/// Whether an extraneous object may be pruned (`Prune=…`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum PruneMode {
    /// Pruned when the operation prunes (the default).
    #[default]
    Allow,
    /// `Prune=false`: never pruned, reported `PruneSkipped` "ignored (no prune)".
    Disabled,
    /// `Prune=confirm`: pruning waits for `argocd.argoproj.io/deletion-approved`.
    Confirm,
}

/// Application-level sync options (`spec.syncPolicy.syncOptions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncOptions {
    /// The first `Prune=<value>` item, the app-wide default (v3): `false`, `confirm`.
    pub prune: PruneMode,
    /// `PruneLast=true`.
    pub prune_last: bool,
    /// `PrunePropagationPolicy=background|foreground|orphan` (checked in that order).
    pub prune_propagation_policy: PropagationPolicy,
    /// False with `Validate=false`.
    pub validate: bool,
    /// `SkipDryRunOnMissingResource=true`.
    pub skip_dry_run_on_missing_resource: bool,
    /// `ApplyOutOfSyncOnly=true`.
    pub apply_out_of_sync_only: bool,
    /// `ServerSideApply=true`.
    pub server_side_apply: bool,
    /// False with `ClientSideApplyMigration=false`.
    pub client_side_apply_migration: bool,
    /// `Replace=true`.
    pub replace: bool,
    /// `CreateNamespace=true`.
    pub create_namespace: bool,
    /// `RespectIgnoreDifferences=true`.
    pub respect_ignore_differences: bool,
    /// `FailOnSharedResource=true`.
    pub fail_on_shared_resource: bool,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            prune: PruneMode::Allow,
            prune_last: false,
            prune_propagation_policy: PropagationPolicy::Foreground,
            validate: true,
            skip_dry_run_on_missing_resource: false,
            apply_out_of_sync_only: false,
            server_side_apply: false,
            client_side_apply_migration: true,
            replace: false,
            create_namespace: false,
            respect_ignore_differences: false,
            fail_on_shared_resource: false,
        }
    }
}

impl SyncOptions {
    /// Reads the Application's option list. Items are matched by exact string equality
    /// (no trimming); unknown items are ignored, as Argo CD does.
    pub fn from_list<S: AsRef<str>>(items: &[S]) -> Self {
        let has = |option: &str| items.iter().any(|i| i.as_ref() == option);
        let prune = prune_mode_of(items.iter().map(AsRef::as_ref)).unwrap_or_default();
        let prune_propagation_policy = if has("PrunePropagationPolicy=background") {
            PropagationPolicy::Background
        } else if has("PrunePropagationPolicy=foreground") {
            PropagationPolicy::Foreground
        } else if has("PrunePropagationPolicy=orphan") {
            PropagationPolicy::Orphan
        } else {
            PropagationPolicy::Foreground
        };
        Self {
            prune,
            prune_last: has("PruneLast=true"),
            prune_propagation_policy,
            validate: !has("Validate=false"),
            skip_dry_run_on_missing_resource: has("SkipDryRunOnMissingResource=true"),
            apply_out_of_sync_only: has("ApplyOutOfSyncOnly=true"),
            server_side_apply: has("ServerSideApply=true"),
            client_side_apply_migration: !has("ClientSideApplyMigration=false"),
            replace: has("Replace=true"),
            create_namespace: has("CreateNamespace=true"),
            respect_ignore_differences: has("RespectIgnoreDifferences=true"),
            fail_on_shared_resource: has("FailOnSharedResource=true"),
        }
    }

    /// The prune mode of one extraneous live object: the first `Prune=<value>` item of its
    /// annotation wins over the app-wide default.
    pub fn prune_mode_for(&self, live: &Value) -> PruneMode {
        let items = annotation_items(live, SYNC_OPTIONS_ANNOTATION);
        prune_mode_of(items.iter().map(String::as_str)).unwrap_or(self.prune)
    }

    /// `PruneLast=true` app-wide or on the live object.
    pub fn prune_last_for(&self, live: &Value) -> bool {
        self.prune_last || has_sync_option(Some(live), "PruneLast=true")
    }

    /// `SkipDryRunOnMissingResource=true` app-wide or on the desired object.
    pub fn skip_dry_run_on_missing_for(&self, desired: Option<&Value>) -> bool {
        self.skip_dry_run_on_missing_resource
            || has_sync_option(desired, "SkipDryRunOnMissingResource=true")
    }

    /// The apply settings of one resource, combining app-wide options and the sync
    /// request's force flag with the desired object's annotation (and, for `Replace` and
    /// `Force`, the live object's, as v3 does).
    pub fn apply_for(
        &self,
        desired: &Value,
        live: Option<&Value>,
        force_requested: bool,
    ) -> ApplySettings {
        let on_desired = |option: &str| has_sync_option(Some(desired), option);
        let on_either = |option: &str| on_desired(option) || has_sync_option(live, option);
        ApplySettings {
            replace: self.replace || on_either("Replace=true"),
            force: force_requested || on_either("Force=true"),
            server_side: !on_desired("ServerSideApply=false")
                && (self.server_side_apply || on_desired("ServerSideApply=true")),
            validate: self.validate && !on_desired("Validate=false"),
        }
    }
}

/// How one object is written to the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplySettings {
    /// Replace/create instead of apply.
    pub replace: bool,
    /// Delete-and-recreate on conflict.
    pub force: bool,
    /// Server-side apply (never used for dry-runs).
    pub server_side: bool,
    /// Strict field validation.
    pub validate: bool,
}
