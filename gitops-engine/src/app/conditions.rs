//! Maintaining `status.conditions`: set, clear and replace conditions by type, keeping
//! `lastTransitionTime` when a condition is unchanged (same type and message).

use super::model::ApplicationCondition;

/// `InvalidSpecError`: the spec cannot be acted on.
pub const INVALID_SPEC_ERROR: &str = "InvalidSpecError";
/// `ComparisonError`: desired and live state could not be compared.
pub const COMPARISON_ERROR: &str = "ComparisonError";
/// `SyncError`: a sync could not be started or failed.
pub const SYNC_ERROR: &str = "SyncError";
/// `DeletionError`: deleting the app's resources failed.
pub const DELETION_ERROR: &str = "DeletionError";
/// `UnknownError`.
pub const UNKNOWN_ERROR: &str = "UnknownError";
/// `SharedResourceWarning`: a resource is tracked by another app too.
pub const SHARED_RESOURCE_WARNING: &str = "SharedResourceWarning";
/// `RepeatedResourceWarning`: the same resource is declared more than once.
pub const REPEATED_RESOURCE_WARNING: &str = "RepeatedResourceWarning";
/// `ExcludedResourceWarning`: a declared kind is excluded from management.
pub const EXCLUDED_RESOURCE_WARNING: &str = "ExcludedResourceWarning";
/// `OrphanedResourceWarning`: the namespace holds resources of no app.
pub const ORPHANED_RESOURCE_WARNING: &str = "OrphanedResourceWarning";

/// Whether a condition type is an error (its name ends with `Error`) rather than a
/// warning.
pub fn is_error(condition_type: &str) -> bool {
    condition_type.ends_with("Error")
}

/// Sets the single condition of `condition_type` to `message`. An existing condition
/// with the same type and message keeps its `lastTransitionTime`; otherwise the time is
/// `now`. Other conditions of that type are removed.
pub fn set(
    conditions: &mut Vec<ApplicationCondition>,
    condition_type: &str,
    message: &str,
    now: &str,
) {
    let new = ApplicationCondition {
        condition_type: condition_type.to_owned(),
        message: message.to_owned(),
        last_transition_time: None,
    };
    replace_types(conditions, &[condition_type], &[new], now);
}

/// Removes every condition of `condition_type`.
pub fn clear(conditions: &mut Vec<ApplicationCondition>, condition_type: &str) {
    conditions.retain(|c| c.condition_type != condition_type);
}

/// Replaces all conditions of the given types with `new` (whose types should be among
/// them). Each new condition equal in type and message to an existing one keeps the
/// existing `lastTransitionTime`; the others get `now`. Conditions of other types are
/// kept in place; replacements are appended in the order given.
pub fn replace_types(
    conditions: &mut Vec<ApplicationCondition>,
    types: &[&str],
    new: &[ApplicationCondition],
    now: &str,
) {
    let (old, kept): (Vec<_>, Vec<_>) = conditions
        .drain(..)
        .partition(|c| types.contains(&c.condition_type.as_str()));
    *conditions = kept;
    for condition in new {
        let time = old
            .iter()
            .find(|o| {
                o.condition_type == condition.condition_type && o.message == condition.message
            })
            .and_then(|o| o.last_transition_time.clone())
            .unwrap_or_else(|| now.to_owned());
        conditions.push(ApplicationCondition {
            last_transition_time: Some(time),
            ..condition.clone()
        });
    }
}
