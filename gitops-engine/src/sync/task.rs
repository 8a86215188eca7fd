//! The sync task model: one task per resource per phase (spec §2.2, §2.5, §2.6).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::hooks::{HookDeletePolicy, SyncPhase};
use super::options::PropagationPolicy;
use crate::object::ResourceKey;

/// Why a task exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TaskRole {
    /// A desired plain resource.
    Resource,
    /// A hook, run in its phase.
    Hook,
    /// A live object no longer desired.
    Prune,
    /// The destination namespace, created because of `CreateNamespace=true`.
    ManagedNamespace,
}

/// What a task does to the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TaskAction {
    /// `kubectl apply` (server-side with `--force-conflicts` when `server_side`).
    Apply {
        /// Server-side apply as manager `argocd-controller`.
        server_side: bool,
        /// `--force`.
        force: bool,
        /// Strict field validation.
        validate: bool,
        /// Before a server-side apply, move field ownership from the client-side apply
        /// manager (its `Update` managedFields entries) to `argocd-controller`.
        migrate_client_side: bool,
    },
    /// `Replace=true` and no live object: `kubectl create`.
    Create {
        /// Strict field validation.
        validate: bool,
    },
    /// `Replace=true` with a live object: `kubectl replace`.
    Replace {
        /// `--force`.
        force: bool,
    },
    /// `Replace=true` on a live CRD or Namespace: an update (PUT) with live's
    /// resourceVersion, so their contents are not deleted.
    Update,
    /// Pruning an extraneous live object.
    Prune(PruneAction),
}

/// What pruning does to one extraneous object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PruneAction {
    /// Delete it (unless it already has a deletionTimestamp).
    Delete {
        /// Delete propagation.
        propagation: PropagationPolicy,
    },
    /// Pruning is off for the operation: "ignored (requires pruning)".
    RequiresPruning,
    /// `Prune=false`: "ignored (no prune)".
    NoPrune,
}

impl PruneAction {
    /// The result message the engine records for this prune.
    pub fn message(self, dry_run: bool) -> &'static str {
        match self {
            Self::RequiresPruning => "ignored (requires pruning)",
            Self::NoPrune => "ignored (no prune)",
            Self::Delete { .. } if dry_run => "pruned (dry run)",
            Self::Delete { .. } => "pruned",
        }
    }
}

/// Hook-specific facts of a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HookTask {
    /// Delete policies of the hook.
    pub delete_policies: BTreeSet<HookDeletePolicy>,
    /// An instance with the same name exists and `BeforeHookCreation` applies: it is
    /// deleted, and the hook created in a later step.
    pub delete_before_creation: bool,
    /// The name was generated from `generateName`.
    pub generated_name: bool,
}

/// One step of a sync: a resource (or hook, or prune) in one phase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncTask {
    /// Key of the object (desired when present, else live).
    pub key: ResourceKey,
    /// `apiVersion` of that object.
    pub api_version: String,
    /// Phase the task runs in.
    pub phase: SyncPhase,
    /// Wave within the phase (after prune mirroring, PruneLast and dependency hoisting).
    pub wave: i64,
    /// Why the task exists.
    pub role: TaskRole,
    /// What it does.
    pub operation: TaskAction,
    /// A live counterpart exists.
    pub live_exists: bool,
    /// The diff said the resource differs (`None` when not given).
    pub modified: Option<bool>,
    /// Takes part in the dry-run that precedes the first wave.
    pub dry_run: bool,
    /// The kind is unknown to the API server but tolerated
    /// (`SkipDryRunOnMissingResource`, or its CRD is part of the sync).
    pub skip_dry_run: bool,
    /// `ApplyOutOfSyncOnly=true` and the resource is unmodified: never applied.
    pub skip_unmodified: bool,
    /// `Prune=confirm` applies and the operation is not confirmed: the wave waits.
    pub awaiting_prune_confirmation: bool,
    /// Hook details, for hook tasks.
    pub hook: Option<HookTask>,
    /// The object to write (namespace defaulted, hook name and finalizer set); `None`
    /// for prune tasks.
    pub target: Option<Value>,
}

impl SyncTask {
    /// The key under which results are stored: `<resource key>:<phase>`.
    pub fn result_key(&self) -> String {
        format!("{}:{}", self.key, self.phase)
    }

    /// Whether the task prunes a live object.
    pub fn is_prune(&self) -> bool {
        self.role == TaskRole::Prune
    }

    /// Whether the task runs a hook.
    pub fn is_hook(&self) -> bool {
        self.role == TaskRole::Hook
    }

    /// Whether the hook carries `policy`.
    pub fn has_delete_policy(&self, policy: HookDeletePolicy) -> bool {
        self.hook
            .as_ref()
            .is_some_and(|h| h.delete_policies.contains(&policy))
    }
}
