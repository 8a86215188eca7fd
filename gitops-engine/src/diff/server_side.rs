//! Server-side diff: the predicted live object is the response of a
//! server-side apply dry-run (`--server-side --dry-run=server
//! --force-conflicts`, manager `argocd-controller`, managedFields shown).

use serde_json::Value;

use super::managed_fields::{FieldSet, owned_by};
use super::ssa::{ListKinds, keep_owned, merge, remove_dropped};
use super::{DiffError, DiffOptions, DiffResult, LAST_APPLIED_ANNOTATION, Normalizer, Sides};
use crate::object::path::str_at;

/// The field manager Argo CD applies with.
pub const DEFAULT_MANAGER: &str = "argocd-controller";

/// Compares `live` with `dry_run`, the API server's answer to a server-side
/// apply dry-run of `desired`. Unless `opts.include_mutation_webhook`, the
/// changes of mutating webhooks are undone first: fields of the dry-run
/// result not owned by the manager are dropped (key fields of composite list
/// keys excepted), the rest is merged over live, and fields the dry run
/// removed from live are removed again. Both sides are then normalised
/// (including `ignoreDifferences`) and stripped of `managedFields`,
/// `resourceVersion` and the last-applied annotation.
///
/// When one side is absent the result is that of [`super::diff`] and
/// `dry_run` is not used.
pub fn server_side_diff(
    desired: Option<&Value>,
    live: Option<&Value>,
    dry_run: &Value,
    opts: &DiffOptions,
) -> Result<DiffResult, DiffError> {
    let normalizer = Normalizer::new(opts)?;
    let live = match Sides::of(&normalizer, desired, live)? {
        Sides::Decided(result) => return Ok(result),
        Sides::Both(_, live) => live,
    };
    let live = normalizer.prepare(live, false);
    let mut predicted = if opts.include_mutation_webhook {
        dry_run.clone()
    } else {
        remove_webhook_mutation(dry_run, &live, opts.manager())?
    };
    predicted = normalizer.prepare(&predicted, true);
    let mut live = normalizer.prepare(&live, true);
    for obj in [&mut predicted, &mut live] {
        strip_server_fields(obj);
    }
    Ok(DiffResult {
        modified: predicted != live,
        normalized_live: live,
        predicted_live: predicted,
    })
}

/// The object to send in the server-side apply dry-run for `desired`: the
/// diff pre-pass without the `ignoreDifferences` normaliser, so ignored
/// fields still reach the API server.
pub fn dry_run_input(desired: &Value, opts: &DiffOptions) -> Result<Value, DiffError> {
    Ok(Normalizer::new(opts)?.prepare(desired, false))
}

fn strip_server_fields(obj: &mut Value) {
    let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    meta.shift_remove("managedFields");
    meta.shift_remove("resourceVersion");
    if let Some(annotations) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
        annotations.shift_remove(LAST_APPLIED_ANNOTATION);
    }
}

fn remove_webhook_mutation(
    predicted: &Value,
    live: &Value,
    manager: &str,
) -> Result<Value, DiffError> {
    let error = |message: String| DiffError::ServerSideDiff {
        resource: format!(
            "{}/{}",
            predicted.get("kind").and_then(Value::as_str).unwrap_or(""),
            str_at(predicted, &["metadata", "name"])
        ),
        message,
    };
    let has_managed_fields = predicted
        .pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty());
    if !has_managed_fields {
        return Err(error(
            "the dry-run result has no metadata.managedFields".into(),
        ));
    }
    let managers = [manager.to_string()];
    let owned = owned_by(predicted, &managers).fold(FieldSet::default(), |mut acc, set| {
        acc.children.extend(set.children);
        acc
    });
    if owned.children.is_empty() {
        return Err(error(format!(
            "no managed fields found for manager {manager}"
        )));
    }
    let owned = owned.merged();
    let kinds = ListKinds::learn([predicted, live]);
    let kept = keep_owned(predicted, &owned, &kinds, &mut Vec::new()).unwrap_or(Value::Null);
    let mut merged = merge(live, &kept, &kinds, &mut Vec::new());
    remove_dropped(&mut merged, live, predicted, &kinds, &mut Vec::new());
    Ok(merged)
}
