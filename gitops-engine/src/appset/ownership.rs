//! How generated Applications meet the live ones: ownership, the
//! `applicationsSync` policies, and the update that keeps what Argo CD keeps.
//!
//! An update takes the generated `spec` (and `operation`, when set), labels,
//! annotations and finalizers, but keeps from the live Application: its
//! `status`, the notification/refresh/hydrate annotations and the
//! `preservedFields`, the pre-/post-delete finalizers, and every field
//! `ignoreApplicationDifferences` names. Ignored fields are removed from both
//! sides before comparing, and the change is applied as a JSON merge patch of
//! what differs, so lists are replaced whole (as Argo CD's patch does).

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::error::AppSetError;
use super::model::{ApplicationSet, KIND};
use crate::diff::jq::JqPath;

/// Annotations kept from the live Application on update.
pub const PRESERVED_ANNOTATIONS: [&str; 3] = [
    "notified.notifications.argoproj.io",
    "argocd.argoproj.io/refresh",
    "argocd.argoproj.io/hydrate",
];

/// Finalizer prefixes kept from the live Application on update (with their stages).
pub const PRESERVED_FINALIZER_PREFIXES: [&str; 2] = [
    "pre-delete-finalizer.argocd.argoproj.io",
    "post-delete-finalizer.argocd.argoproj.io",
];

/// `syncPolicy.applicationsSync`: what the controller may do to generated Applications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ApplicationsSyncPolicy {
    /// Create, update and delete (`sync`, the default).
    #[default]
    Sync,
    /// Create only.
    CreateOnly,
    /// Create and update, never delete.
    CreateUpdate,
    /// Create and delete, never update.
    CreateDelete,
}

impl ApplicationsSyncPolicy {
    /// Parses a policy name; an unknown name is an error naming it.
    pub fn parse(name: &str) -> Result<Self, AppSetError> {
        match name {
            "" | "sync" => Ok(Self::Sync),
            "create-only" => Ok(Self::CreateOnly),
            "create-update" => Ok(Self::CreateUpdate),
            "create-delete" => Ok(Self::CreateDelete),
            other => Err(AppSetError::InvalidField {
                appset: String::new(),
                field: "spec.syncPolicy.applicationsSync".into(),
                message: format!("unknown policy {other:?}"),
            }),
        }
    }

    /// The policy in force: the ApplicationSet's own when overrides are enabled
    /// and it sets one, else the controller's.
    pub fn effective(
        controller: Self,
        appset: &ApplicationSet,
        enable_override: bool,
    ) -> Result<Self, AppSetError> {
        let own = appset
            .spec
            .sync_policy
            .as_ref()
            .and_then(|p| p.applications_sync.as_deref());
        match own {
            Some(name) if enable_override => Self::parse(name),
            _ => Ok(controller),
        }
    }

    /// Whether existing Applications may be updated.
    pub fn allows_update(self) -> bool {
        matches!(self, Self::Sync | Self::CreateUpdate)
    }

    /// Whether Applications no longer generated may be deleted.
    pub fn allows_delete(self) -> bool {
        matches!(self, Self::Sync | Self::CreateDelete)
    }
}

/// The controller ownerReference an ApplicationSet puts on its Applications.
pub fn owner_reference(appset: &ApplicationSet) -> Value {
    json!({
        "apiVersion": crate::app::API_VERSION,
        "kind": KIND,
        "name": appset.metadata.name,
        "uid": appset.metadata.uid,
        "controller": true,
        "blockOwnerDeletion": true,
    })
}

/// Whether `app` is controlled by `appset` (a controller ownerReference to it).
pub fn is_owned_by(app: &Value, appset: &ApplicationSet) -> bool {
    app.pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .is_some_and(|refs| {
            refs.iter().any(|r| {
                r["kind"] == KIND
                    && r["name"] == appset.metadata.name.as_str()
                    && r["controller"] == true
                    && (appset.metadata.uid.is_empty() || r["uid"] == appset.metadata.uid.as_str())
            })
        })
}

/// The object to create for a generated Application: normalised, owned.
pub fn prepare_create(generated: &Value, appset: &ApplicationSet) -> Value {
    let mut app = generated.clone();
    normalize_spec(&mut app);
    set_owner(&mut app, appset);
    if let Value::Object(map) = &mut app {
        map.insert("apiVersion".into(), crate::app::API_VERSION.into());
        map.insert("kind".into(), crate::app::KIND.into());
    }
    app
}

/// The live Application updated to `generated`, or `None` when nothing would change.
pub fn prepare_update(
    live: &Value,
    generated: &Value,
    appset: &ApplicationSet,
) -> Result<Option<Value>, AppSetError> {
    let mut mutated = live.clone();
    mutate(&mut mutated, generated, appset);
    let rules = IgnoreRules::new(appset)?;
    let name = app_name(live);
    let mut before = live.clone();
    let mut after = mutated;
    rules.strip(name, &mut before);
    let operation = after.get("operation").cloned();
    rules.strip(name, &mut after);
    if let (Some(op), Value::Object(map)) = (operation, &mut after) {
        map.insert("operation".into(), op);
    }
    normalize_spec(&mut before);
    normalize_spec(&mut after);
    if before == after {
        return Ok(None);
    }
    let patch = merge_patch_diff(&before, &after);
    let mut updated = live.clone();
    json_patch::merge(&mut updated, &patch);
    Ok(Some(updated))
}

/// Whether updating `live` to `generated` would change its `spec` (after
/// `ignoreApplicationDifferences` and Argo CD's spec normalisation).
pub fn spec_differs(
    live: &Value,
    generated: &Value,
    appset: &ApplicationSet,
) -> Result<bool, AppSetError> {
    let rules = IgnoreRules::new(appset)?;
    let name = app_name(live);
    let mut before = live.clone();
    let mut after = live.clone();
    mutate(&mut after, generated, appset);
    for side in [&mut before, &mut after] {
        rules.strip(name, side);
        normalize_spec(side);
    }
    Ok(before.get("spec") != after.get("spec"))
}

fn meta(app: &Value) -> Option<&Map<String, Value>> {
    app.get("metadata").and_then(Value::as_object)
}

fn meta_mut(app: &mut Value) -> Option<&mut Map<String, Value>> {
    let Value::Object(map) = app else {
        return None;
    };
    let meta = map
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    meta.as_object_mut()
}

/// Argo CD's mutate step: generated spec, labels, annotations, finalizers onto the live object.
fn mutate(found: &mut Value, generated: &Value, appset: &ApplicationSet) {
    let live_meta = meta(found).cloned().unwrap_or_default();
    let gen_meta = meta(generated).cloned().unwrap_or_default();
    let string_map = |m: &Map<String, Value>, key: &str| -> Map<String, Value> {
        m.get(key)
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    let mut annotations = string_map(&gen_meta, "annotations");
    let mut labels = string_map(&gen_meta, "labels");
    let live_annotations = string_map(&live_meta, "annotations");
    let live_labels = string_map(&live_meta, "labels");
    let preserved = appset.spec.preserved_fields.clone().unwrap_or_default();
    let keep_annotations = preserved
        .annotations
        .iter()
        .map(String::as_str)
        .chain(PRESERVED_ANNOTATIONS);
    for key in keep_annotations {
        if let Some(v) = live_annotations.get(key) {
            annotations.insert(key.to_string(), v.clone());
        }
    }
    for key in &preserved.labels {
        if let Some(v) = live_labels.get(key) {
            labels.insert(key.clone(), v.clone());
        }
    }
    let mut finalizers: Vec<Value> = gen_meta
        .get("finalizers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let live_finalizers = live_meta.get("finalizers").and_then(Value::as_array);
    for f in live_finalizers.into_iter().flatten() {
        let kept = f.as_str().is_some_and(|f| {
            PRESERVED_FINALIZER_PREFIXES
                .iter()
                .any(|p| f.starts_with(p))
        });
        if kept {
            finalizers.push(f.clone());
        }
    }
    if let Value::Object(map) = found {
        map.insert(
            "spec".into(),
            generated.get("spec").cloned().unwrap_or(Value::Null),
        );
        if let Some(op) = generated.get("operation").filter(|o| !o.is_null()) {
            map.insert("operation".into(), op.clone());
        }
    }
    if let Some(m) = meta_mut(found) {
        set_or_remove(m, "annotations", Value::Object(annotations));
        set_or_remove(m, "labels", Value::Object(labels));
        set_or_remove(m, "finalizers", Value::Array(finalizers));
    }
    set_owner(found, appset);
}

fn set_or_remove(map: &mut Map<String, Value>, key: &str, value: Value) {
    let empty = match &value {
        Value::Object(o) => o.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    };
    if empty {
        map.remove(key);
    } else {
        map.insert(key.into(), value);
    }
}

/// Replaces any controller ownerReference by the ApplicationSet's.
fn set_owner(app: &mut Value, appset: &ApplicationSet) {
    let Some(m) = meta_mut(app) else { return };
    let mut refs: Vec<Value> = m
        .get("ownerReferences")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    refs.retain(|r| r["controller"] != true);
    refs.push(owner_reference(appset));
    m.insert("ownerReferences".into(), Value::Array(refs));
}

/// Argo CD's spec normalisation: an all-empty `syncPolicy` or source `directory`
/// counts as absent.
fn normalize_spec(app: &mut Value) {
    let Some(spec) = app.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    if spec.get("syncPolicy").is_some_and(sync_policy_is_zero) {
        spec.remove("syncPolicy");
    }
    if let Some(src) = spec.get_mut("source").and_then(Value::as_object_mut) {
        drop_empty_directory(src);
    }
    if let Some(list) = spec.get_mut("sources").and_then(Value::as_array_mut) {
        for src in list.iter_mut().filter_map(Value::as_object_mut) {
            drop_empty_directory(src);
        }
    }
}

/// Argo CD's `SyncPolicy.IsZero`: no `automated`, `retry` or
/// `managedNamespaceMetadata` (present, even empty, counts) and no `syncOptions`.
fn sync_policy_is_zero(policy: &Value) -> bool {
    match policy {
        Value::Object(fields) => fields.iter().all(|(k, v)| match k.as_str() {
            "automated" | "retry" | "managedNamespaceMetadata" => v.is_null(),
            _ => is_empty_tree(v),
        }),
        other => is_empty_tree(other),
    }
}

fn drop_empty_directory(source: &mut Map<String, Value>) {
    if source.get("directory").is_some_and(is_empty_tree) {
        source.remove("directory");
    }
}

/// Null, false, "", 0, or containers holding only such values.
fn is_empty_tree(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::String(s) => s.is_empty(),
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::Array(a) => a.iter().all(is_empty_tree),
        Value::Object(o) => o.values().all(is_empty_tree),
    }
}

/// The RFC 7386 merge patch turning `from` into `to`.
fn merge_patch_diff(from: &Value, to: &Value) -> Value {
    match (from, to) {
        (Value::Object(f), Value::Object(t)) => {
            let mut patch = Map::new();
            for (k, tv) in t {
                match f.get(k) {
                    Some(fv) if fv == tv => {}
                    Some(fv) => {
                        patch.insert(k.clone(), merge_patch_diff(fv, tv));
                    }
                    None => {
                        patch.insert(k.clone(), tv.clone());
                    }
                }
            }
            for k in f.keys().filter(|k| !t.contains_key(*k)) {
                patch.insert(k.clone(), Value::Null);
            }
            Value::Object(patch)
        }
        _ => to.clone(),
    }
}

/// One `ignoreApplicationDifferences` entry.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct IgnoreEntry {
    name: String,
    json_pointers: Vec<String>,
    jq_path_expressions: Vec<String>,
}

/// Compiled `ignoreApplicationDifferences`.
struct IgnoreRules {
    rules: Vec<(IgnoreEntry, Vec<JqPath>)>,
}

impl IgnoreRules {
    fn new(appset: &ApplicationSet) -> Result<Self, AppSetError> {
        let mut rules = Vec::new();
        for (i, raw) in appset
            .spec
            .ignore_application_differences
            .iter()
            .enumerate()
        {
            let field = format!("spec.ignoreApplicationDifferences[{i}]");
            let invalid = |message: String| AppSetError::InvalidField {
                appset: appset.metadata.name.clone(),
                field: field.clone(),
                message,
            };
            let entry: IgnoreEntry =
                serde_json::from_value(raw.clone()).map_err(|e| invalid(e.to_string()))?;
            let jq = entry
                .jq_path_expressions
                .iter()
                .map(|e| JqPath::parse(e).map_err(|err| invalid(err.to_string())))
                .collect::<Result<_, _>>()?;
            rules.push((entry, jq));
        }
        Ok(Self { rules })
    }

    fn strip(&self, app_name: &str, app: &mut Value) {
        for (entry, jq) in &self.rules {
            if !entry.name.is_empty() && entry.name != app_name {
                continue;
            }
            for pointer in &entry.json_pointers {
                crate::diff::remove_pointer(app, pointer);
            }
            for path in jq {
                path.delete(app);
            }
        }
    }
}

/// What reconciling an ApplicationSet changes, under its policy.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChangePlan {
    /// Applications to create.
    pub create: Vec<Value>,
    /// Live Applications updated to their generated state.
    pub update: Vec<Value>,
    /// Names of owned Applications no longer generated, to delete.
    pub delete: Vec<String>,
}

/// The Application's `metadata.name` (empty when missing).
pub(super) fn app_name(app: &Value) -> &str {
    app.pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// Compares the generated Applications with the live ones in the ApplicationSet's
/// namespace: creates what is missing, updates what changed (when the policy allows),
/// deletes owned Applications no longer generated (when the policy allows).
/// Live Applications that `appset` does not own are never updated or deleted.
pub fn plan_changes(
    appset: &ApplicationSet,
    generated: &[Value],
    live: &[Value],
    policy: ApplicationsSyncPolicy,
) -> Result<ChangePlan, AppSetError> {
    let by_name: std::collections::HashMap<&str, &Value> =
        live.iter().map(|a| (app_name(a), a)).collect();
    let mut plan = ChangePlan::default();
    for app in generated {
        match by_name.get(app_name(app)) {
            None => plan.create.push(prepare_create(app, appset)),
            Some(existing) if policy.allows_update() && is_owned_by(existing, appset) => {
                if let Some(updated) = prepare_update(existing, app, appset)? {
                    plan.update.push(updated);
                }
            }
            Some(_) => {}
        }
    }
    if policy.allows_delete() {
        let wanted: std::collections::HashSet<&str> = generated.iter().map(app_name).collect();
        plan.delete = live
            .iter()
            .filter(|a| is_owned_by(a, appset) && !wanted.contains(app_name(a)))
            .map(|a| app_name(a).to_string())
            .collect();
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_automated_policy_is_kept() {
        // Argo CD's SyncPolicy.IsZero: a present `automated` (even `{}`) is not zero.
        let appset = ApplicationSet::default();
        let kept = prepare_create(&json!({"spec": {"syncPolicy": {"automated": {}}}}), &appset);
        assert_eq!(kept["spec"]["syncPolicy"], json!({"automated": {}}));
        let dropped = prepare_create(
            &json!({"spec": {"syncPolicy": {"syncOptions": []}}}),
            &appset,
        );
        assert!(dropped["spec"].get("syncPolicy").is_none(), "{dropped}");
    }
}
