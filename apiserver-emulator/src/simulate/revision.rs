//! ControllerRevisions: the Pod templates a StatefulSet or DaemonSet has
//! had, numbered, as the controllers' history (`controller_history.go`)
//! keeps them.

use serde_json::{Value, json};

use super::{Pass, count, meta, owner_ref, remove, template_hash, write};
use crate::store::Store;

/// The label carrying a revision's template hash.
pub(super) const HASH_KEY: &str = "controller.kubernetes.io/hash";
/// How many unused revisions are kept without `revisionHistoryLimit`.
const DEFAULT_HISTORY: usize = 10;

/// A revision's number.
fn number(rev: &Value) -> u64 {
    rev["revision"].as_u64().unwrap_or(0)
}

/// The revision of `owner`'s current template, created (numbered after the
/// newest) when missing and renumbered when an older template came back;
/// `None` when that write failed. `revisions` are `owner`'s, and gain a
/// created one.
pub(super) fn current(
    store: &mut Store,
    pass: &Pass,
    owner: &Value,
    revisions: &mut Vec<Value>,
) -> Option<Value> {
    let template = &owner["spec"]["template"];
    let hash = template_hash(template);
    let name = format!("{}-{hash}", meta(owner, "name"));
    let newest = revisions.iter().map(number).max().unwrap_or(0);
    if let Some(i) = revisions.iter().position(|r| meta(r, "name") == name) {
        if number(&revisions[i]) < newest {
            let mut next = revisions[i].clone();
            next["revision"] = (newest + 1).into();
            revisions[i] = write(store, &pass.t.revisions, next)?;
        }
        return Some(revisions[i].clone());
    }
    let mut data_template = template.clone();
    data_template["$patch"] = "replace".into();
    let mut labels = template["metadata"]["labels"].clone();
    labels[HASH_KEY] = hash.into();
    let rev = json!({
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": {"name": name, "namespace": meta(owner, "namespace"),
                     "labels": labels, "ownerReferences": owner_ref(owner)},
        "data": {"spec": {"template": data_template}},
        "revision": newest + 1,
    });
    let created = store
        .create(&pass.t.revisions, meta(owner, "namespace"), rev, false)
        .ok()?;
    revisions.push(created.clone());
    Some(created)
}

/// The Pod template a revision recorded.
pub(super) fn template(rev: &Value) -> Value {
    let mut template = rev["data"]["spec"]["template"].clone();
    if let Some(t) = template.as_object_mut() {
        t.remove("$patch");
    }
    template
}

/// Deletes the oldest revisions past `revisionHistoryLimit` that no name
/// in `live` (the revisions in use) refers to.
pub(super) fn truncate(
    store: &mut Store,
    pass: &Pass,
    owner: &Value,
    mut revisions: Vec<Value>,
    live: &[&str],
) {
    let limit = count(&owner["spec"]["revisionHistoryLimit"]).unwrap_or(DEFAULT_HISTORY);
    revisions.retain(|r| !live.contains(&meta(r, "name")));
    revisions.sort_by_key(number);
    let surplus = revisions.len().saturating_sub(limit);
    for old in revisions.iter().take(surplus) {
        remove(store, &pass.t.revisions, old);
    }
}
