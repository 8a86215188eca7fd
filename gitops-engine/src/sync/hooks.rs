//! Hook annotations: which objects are hooks, in which phases they run, when they are
//! deleted, and how hooks declared with `generateName` are named (spec §2.2, §2.8).

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::options::annotation_items;
use crate::object::annotation;

/// Annotation naming the hook types of an object.
pub const HOOK_ANNOTATION: &str = "argocd.argoproj.io/hook";
/// Annotation naming the delete policies of a hook.
pub const HOOK_DELETE_POLICY_ANNOTATION: &str = "argocd.argoproj.io/hook-delete-policy";
/// Helm's hook annotation, honoured when no valid Argo CD hook type is given.
pub const HELM_HOOK_ANNOTATION: &str = "helm.sh/hook";
/// Helm's hook delete policy annotation.
pub const HELM_HOOK_DELETE_POLICY_ANNOTATION: &str = "helm.sh/hook-delete-policy";
/// Finalizer added to hooks before creation so their result can be read before GC.
pub const HOOK_FINALIZER: &str = "argocd.argoproj.io/hook-finalizer";

/// A phase of a sync operation, in execution order.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub enum SyncPhase {
    /// Before the resources are applied.
    PreSync,
    /// The phase in which resources are applied and pruned (the default).
    #[default]
    Sync,
    /// After every resource of `Sync` is healthy.
    PostSync,
    /// Only when the operation fails.
    SyncFail,
}

impl SyncPhase {
    /// The phase name as written in annotations and results.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PreSync => "PreSync",
            Self::Sync => "Sync",
            Self::PostSync => "PostSync",
            Self::SyncFail => "SyncFail",
        }
    }
}

impl fmt::Display for SyncPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// When a completed hook object is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum HookDeletePolicy {
    /// After the operation succeeded.
    HookSucceeded,
    /// After the operation failed.
    HookFailed,
    /// Before a new instance of the hook is created (the default).
    BeforeHookCreation,
}

impl HookDeletePolicy {
    /// Parses an Argo CD policy name (exact, case-sensitive).
    fn from_argo(text: &str) -> Option<Self> {
        match text {
            "HookSucceeded" => Some(Self::HookSucceeded),
            "HookFailed" => Some(Self::HookFailed),
            "BeforeHookCreation" => Some(Self::BeforeHookCreation),
            _ => None,
        }
    }

    /// Parses a Helm policy name.
    fn from_helm(text: &str) -> Option<Self> {
        match text {
            "hook-succeeded" => Some(Self::HookSucceeded),
            "hook-failed" => Some(Self::HookFailed),
            "before-hook-creation" => Some(Self::BeforeHookCreation),
            _ => None,
        }
    }
}

impl fmt::Display for HookDeletePolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// A recognised hook type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum HookType {
    Phase(SyncPhase),
    Skip,
    /// `PreDelete` / `PostDelete`: hooks of Application deletion, never run by a sync.
    Deletion,
}

fn argo_hook_type(text: &str) -> Option<HookType> {
    match text {
        "PreSync" => Some(HookType::Phase(SyncPhase::PreSync)),
        "Sync" => Some(HookType::Phase(SyncPhase::Sync)),
        "PostSync" => Some(HookType::Phase(SyncPhase::PostSync)),
        "SyncFail" => Some(HookType::Phase(SyncPhase::SyncFail)),
        "Skip" => Some(HookType::Skip),
        "PreDelete" | "PostDelete" => Some(HookType::Deletion),
        _ => None,
    }
}

fn helm_hook_type(text: &str) -> Option<HookType> {
    match text {
        "pre-install" | "pre-upgrade" => Some(HookType::Phase(SyncPhase::PreSync)),
        "post-install" | "post-upgrade" => Some(HookType::Phase(SyncPhase::PostSync)),
        _ => None,
    }
}

/// What the hook annotations make of an object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum HookClass {
    /// A plain resource: applied in `Sync`, pruned when no longer desired.
    Resource,
    /// `argocd.argoproj.io/hook: Skip`: paired with live for status, but never a task.
    Skip,
    /// A hook running in the given phases (possibly none, e.g. only `PreDelete`).
    Hook(Hook),
    /// Hook annotations without any recognised type: the object is dropped entirely.
    Ignored,
}

/// Phases and delete policies of a hook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hook {
    /// Sync phases the hook runs in (one task each).
    pub phases: BTreeSet<SyncPhase>,
    /// When the hook object is deleted; `BeforeHookCreation` when none valid is given.
    pub delete_policies: BTreeSet<HookDeletePolicy>,
}

/// Classifies an object by its hook annotations.
///
/// Argo CD types come from `argocd.argoproj.io/hook`; only when it yields no valid type
/// are `helm.sh/hook` values mapped (`pre-install`/`pre-upgrade` → `PreSync`,
/// `post-install`/`post-upgrade` → `PostSync`). An object is a hook when it carries the
/// Argo CD annotation (and is not `Skip` alone), or else a Helm hook annotation other than
/// `crd-install`. A hook without any valid type is [`HookClass::Ignored`].
pub fn classify(obj: &Value) -> HookClass {
    let mut types: BTreeSet<HookType> = annotation_items(obj, HOOK_ANNOTATION)
        .iter()
        .filter_map(|t| argo_hook_type(t))
        .collect();
    if types.is_empty() {
        types = annotation_items(obj, HELM_HOOK_ANNOTATION)
            .iter()
            .filter_map(|t| helm_hook_type(t))
            .collect();
    }
    let skip = types.len() == 1 && types.contains(&HookType::Skip);
    let is_hook = if annotation(obj, HOOK_ANNOTATION).is_some() {
        !skip
    } else {
        annotation(obj, HELM_HOOK_ANNOTATION).is_some_and(|v| v != "crd-install")
    };
    if skip {
        HookClass::Skip
    } else if !is_hook {
        HookClass::Resource
    } else if types.is_empty() {
        HookClass::Ignored
    } else {
        HookClass::Hook(Hook {
            phases: types
                .iter()
                .filter_map(|t| match t {
                    HookType::Phase(p) => Some(*p),
                    HookType::Skip | HookType::Deletion => None,
                })
                .collect(),
            delete_policies: delete_policies(obj),
        })
    }
}

/// The delete policies of a hook: Argo CD and Helm values together, unknown values ignored,
/// `BeforeHookCreation` when none is valid.
pub fn delete_policies(obj: &Value) -> BTreeSet<HookDeletePolicy> {
    let argo = annotation_items(obj, HOOK_DELETE_POLICY_ANNOTATION);
    let helm = annotation_items(obj, HELM_HOOK_DELETE_POLICY_ANNOTATION);
    let mut policies: BTreeSet<HookDeletePolicy> = argo
        .iter()
        .filter_map(|p| HookDeletePolicy::from_argo(p))
        .chain(helm.iter().filter_map(|p| HookDeletePolicy::from_helm(p)))
        .collect();
    if policies.is_empty() {
        policies.insert(HookDeletePolicy::BeforeHookCreation);
    }
    policies
}

/// The name given to a hook declared with `generateName` only:
/// `generateName + lowercase("<rev7>-<phase>-<start>")`, where `<rev7>` is the first 7
/// characters of the revision (the whole revision when shorter than 8) and `<start>` the
/// operation's start time in UTC seconds.
pub fn generated_hook_name(
    generate_name: &str,
    revision: &str,
    phase: SyncPhase,
    started_at_unix: i64,
) -> String {
    let rev = if revision.chars().count() >= 8 {
        revision.chars().take(7).collect::<String>()
    } else {
        revision.to_owned()
    };
    let suffix = format!("{rev}-{phase}-{started_at_unix}").to_lowercase();
    format!("{generate_name}{suffix}")
}
