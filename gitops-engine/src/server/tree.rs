//! `GET /api/v1/applications/{name}/resource-tree`: the app's resources and, through
//! owner references, what they own (ReplicaSets, Pods, Jobs), with each node's health.
//! Sync status per resource is the app's `status.resources`, as in Argo CD.

use std::collections::{HashMap, HashSet};

use axum::Json;
use axum::extract::Path;
use serde_json::{Map, Value, json};

use super::auth::Caller;
use super::error::ApiError;
use super::{ServerState, State};
use crate::app::Application;
use crate::cluster::{Cluster, ClusterError, Gvk, ObjectRef};
use crate::health::{HealthRules, health};

/// The kinds whose objects are looked for as children of an app's resources.
const CHILD_KINDS: [(&str, &str, &str); 3] = [
    ("apps", "v1", "ReplicaSet"),
    ("", "v1", "Pod"),
    ("batch", "v1", "Job"),
];

/// `GET …/resource-tree`: `{"nodes": [...]}`, parents before their children.
pub(super) async fn resource_tree(
    axum::extract::State(state): State,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (app, _) = state.app_for(&caller, &name, None, "get").await?;
    Ok(Json(json!({"nodes": tree_nodes(&state, &app).await?})))
}

/// The nodes of `app`'s tree: its live resources, then their descendants breadth first.
pub(super) async fn tree_nodes(
    state: &ServerState,
    app: &Application,
) -> Result<Vec<Value>, ApiError> {
    let cluster = state.store.cluster();
    let rules = HealthRules::builtin();
    let mut nodes = Vec::new();
    let mut frontier: Vec<Value> = Vec::new();
    let mut namespaces: HashSet<String> = HashSet::new();
    for resource in &app.status.resources {
        let object = ObjectRef {
            gvk: Gvk::new(&resource.group, &resource.version, &resource.kind),
            namespace: resource.namespace.clone(),
            name: resource.name.clone(),
        };
        let live = match cluster.get(&object).await {
            Ok(Some(live)) => live,
            Ok(None) | Err(ClusterError::UnknownKind(_)) => continue,
            Err(e) => return Err(e.into()),
        };
        if !resource.namespace.is_empty() {
            namespaces.insert(resource.namespace.clone());
        }
        let health = resource
            .health
            .as_ref()
            .map(|h| json!({"status": h.status.as_str(), "message": h.message}));
        nodes.push(node(&live, health, Vec::new()));
        frontier.push(live);
    }
    let children = owned_objects(state, &namespaces).await?;
    let mut seen: HashSet<String> = frontier.iter().map(uid).collect();
    while !frontier.is_empty() {
        let mut next = Vec::new();
        for parent in &frontier {
            let Some(owned) = children.get(&uid(parent)) else {
                continue;
            };
            for child in owned {
                if !seen.insert(uid(child)) {
                    continue;
                }
                let health = health(child, &rules)
                    .map(|h| json!({"status": h.status.as_str(), "message": h.message}));
                nodes.push(node(child, health, vec![reference(parent)]));
                next.push(child.clone());
            }
        }
        frontier = next;
    }
    Ok(nodes)
}

/// The objects of [`CHILD_KINDS`] in `namespaces`, by the uid of each owner.
async fn owned_objects(
    state: &ServerState,
    namespaces: &HashSet<String>,
) -> Result<HashMap<String, Vec<Value>>, ApiError> {
    let cluster = state.store.cluster();
    let mut by_owner: HashMap<String, Vec<Value>> = HashMap::new();
    for namespace in namespaces {
        for (group, version, kind) in CHILD_KINDS {
            let objects = match cluster
                .list(&Gvk::new(group, version, kind), Some(namespace), "")
                .await
            {
                Ok(objects) => objects,
                Err(ClusterError::UnknownKind(_)) => continue,
                Err(e) => return Err(e.into()),
            };
            for object in objects {
                let owners: Vec<String> = object["metadata"]["ownerReferences"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|o| o["uid"].as_str().map(str::to_owned))
                    .collect();
                for owner in owners {
                    by_owner.entry(owner).or_default().push(object.clone());
                }
            }
        }
    }
    Ok(by_owner)
}

fn uid(object: &Value) -> String {
    object["metadata"]["uid"].as_str().unwrap_or("").to_owned()
}

/// A `parentRefs` entry: `{group, kind, namespace, name, uid}`.
fn reference(object: &Value) -> Value {
    let gvk = Gvk::of(object).unwrap_or_else(|| Gvk::new("", "", ""));
    let meta = &object["metadata"];
    json!({
        "group": gvk.group,
        "kind": gvk.kind,
        "namespace": meta["namespace"].as_str().unwrap_or(""),
        "name": meta["name"].as_str().unwrap_or(""),
        "uid": meta["uid"].as_str().unwrap_or(""),
    })
}

/// A `ResourceNode` of Argo CD's tree for a live object.
fn node(object: &Value, health: Option<Value>, parents: Vec<Value>) -> Value {
    let mut node = match reference(object) {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    let version = Gvk::of(object).map(|g| g.version).unwrap_or_default();
    let meta = &object["metadata"];
    node.insert("version".into(), version.into());
    node.insert(
        "resourceVersion".into(),
        meta["resourceVersion"].as_str().unwrap_or("").into(),
    );
    if let Some(created) = meta["creationTimestamp"].as_str() {
        node.insert("createdAt".into(), created.into());
    }
    if !parents.is_empty() {
        node.insert("parentRefs".into(), parents.into());
    }
    if let Some(health) = health {
        node.insert("health".into(), health);
    }
    let (info, images) = pod_info(object);
    if !info.is_empty() {
        node.insert("info".into(), info.into());
    }
    if !images.is_empty() {
        node.insert("images".into(), images.into());
    }
    Value::Object(node)
}

/// For a Pod: Argo CD's `Status Reason` and `Containers` (ready/total) infos and its
/// container images.
fn pod_info(object: &Value) -> (Vec<Value>, Vec<Value>) {
    if object["kind"] != "Pod" || object["apiVersion"] != "v1" {
        return (Vec::new(), Vec::new());
    }
    let containers = object["spec"]["containers"].as_array();
    let images: Vec<Value> = containers
        .into_iter()
        .flatten()
        .filter_map(|c| c["image"].as_str())
        .map(Value::from)
        .collect();
    let total = containers.map_or(0, Vec::len);
    let ready = object["status"]["containerStatuses"]
        .as_array()
        .map_or(0, |s| s.iter().filter(|c| c["ready"] == true).count());
    let reason = object["status"]["reason"]
        .as_str()
        .or_else(|| object["status"]["phase"].as_str())
        .unwrap_or("Unknown");
    let info = vec![
        json!({"name": "Status Reason", "value": reason}),
        json!({"name": "Containers", "value": format!("{ready}/{total}")}),
    ];
    (info, images)
}
