//! Builders shared by the sync tests.
#![allow(dead_code)]

use gitops_engine::sync::tracking::{TRACKING_ID_ANNOTATION, stamp};
use gitops_engine::sync::{OperationSettings, PlanInput, SyncPlan, TrackingConfig, plan};
use serde_json::{Map, Value, json};

/// The app every test plans for.
pub const APP: &str = "my-app";
/// Its destination namespace.
pub const NS: &str = "default";

/// An object with optional namespace and annotations.
pub fn obj(
    api_version: &str,
    kind: &str,
    namespace: Option<&str>,
    name: &str,
    annotations: &[(&str, &str)],
) -> Value {
    let mut metadata = Map::new();
    metadata.insert("name".into(), json!(name));
    if let Some(ns) = namespace {
        metadata.insert("namespace".into(), json!(ns));
    }
    if !annotations.is_empty() {
        let map: Map<String, Value> = annotations
            .iter()
            .map(|(k, v)| ((*k).to_owned(), json!(v)))
            .collect();
        metadata.insert("annotations".into(), Value::Object(map));
    }
    json!({"apiVersion": api_version, "kind": kind, "metadata": metadata})
}

/// A ConfigMap in the destination namespace.
pub fn cm(name: &str, annotations: &[(&str, &str)]) -> Value {
    obj("v1", "ConfigMap", Some(NS), name, annotations)
}

/// A Deployment in the destination namespace.
pub fn deploy(name: &str, annotations: &[(&str, &str)]) -> Value {
    obj("apps/v1", "Deployment", Some(NS), name, annotations)
}

/// A Job hook in the destination namespace.
pub fn job(name: &str, annotations: &[(&str, &str)]) -> Value {
    obj("batch/v1", "Job", Some(NS), name, annotations)
}

/// `obj` as it would be live after an apply by app `app` (annotation tracking).
pub fn tracked_by(app: &str, obj: &Value) -> Value {
    let mut live = obj.clone();
    stamp(&mut live, app, &TrackingConfig::default(), NS);
    live
}

/// `obj` live and tracked by [`APP`].
pub fn tracked(obj: &Value) -> Value {
    tracked_by(APP, obj)
}

/// A plan input for [`APP`] in [`NS`] with pruning on.
pub fn input(desired: Vec<Value>, live: Vec<Value>) -> PlanInput {
    PlanInput {
        app_instance: APP.into(),
        destination_namespace: NS.into(),
        desired,
        live,
        operation: OperationSettings {
            prune: true,
            revision: "0123456789abcdef".into(),
            started_at_unix: 1_700_000_000,
            ..OperationSettings::default()
        },
        ..PlanInput::default()
    }
}

/// Plans, panicking on error (tests only).
pub fn must_plan(input: &PlanInput) -> SyncPlan {
    plan(input).expect("plan")
}

/// `phase/wave kind/name` of each task in order.
pub fn order(plan: &SyncPlan) -> Vec<String> {
    plan.tasks
        .iter()
        .map(|t| format!("{}/{} {}/{}", t.phase, t.wave, t.key.kind, t.key.name))
        .collect()
}

/// The tracking-id annotation of an object.
pub fn tracking_id(obj: &Value) -> Option<&str> {
    obj.pointer("/metadata/annotations")?
        .get(TRACKING_ID_ANNOTATION)?
        .as_str()
}
