//! The clusterDecisionResource lookup through the cluster, as Argo CD's
//! duck-type generator does it: the ConfigMap named by `configMapRef` (in the
//! ApplicationSet controller's namespace) gives the resource's `apiVersion`,
//! `kind` (its plural resource name), `statusListKey` (default `clusters`)
//! and `matchKey`; the resources are the one named `name` or those matching
//! `labelSelector`, and the decisions are the entries of their
//! `status.<statusListKey>` lists.

use serde_json::{Map, Value};

use super::generators::string_map;
use super::model::DecisionResourceGenerator;
use crate::cluster::{Cluster, Gvk, ObjectRef};

/// The `matchKey` and the decisions of `generator`, read from `cluster` in
/// `namespace`; the error is Argo CD's message. An empty `matchKey` yields no
/// decisions (Argo CD generates nothing then).
pub(super) async fn decisions<C: Cluster>(
    cluster: &C,
    namespace: &str,
    generator: &DecisionResourceGenerator,
) -> Result<(String, Vec<Map<String, Value>>), String> {
    let config = cluster
        .get(&ObjectRef {
            gvk: Gvk::new("", "v1", "ConfigMap"),
            namespace: namespace.to_owned(),
            name: generator.config_map_ref.clone(),
        })
        .await
        .map_err(|e| format!("error reading configMapRef: {e}"))?
        .ok_or_else(|| {
            format!(
                "error reading configMapRef: configmaps {:?} not found",
                generator.config_map_ref
            )
        })?;
    let data = |key: &str| config["data"][key].as_str().unwrap_or_default().to_owned();
    let (api_version, resource) = (data("apiVersion"), data("kind"));
    let split = api_version.find('/').filter(|&i| i >= 1);
    let (Some(split), false) = (split, resource.is_empty()) else {
        return Err("there is a problem with the apiVersion, kind or resourceName provided".into());
    };
    let by_name = !generator.name.is_empty();
    let by_labels = !generator.label_selector.is_empty();
    // Exactly one of `name` and `labelSelector`.
    if by_name == by_labels {
        return Err(
            "there is a problem with the definition of the ClusterDecisionResource generator"
                .into(),
        );
    }
    let (group, version) = (&api_version[..split], &api_version[split + 1..]);
    let not_served = || {
        format!(
            "failed to get dynamic resources: the server could not find the requested resource ({resource}.{version}.{group})"
        )
    };
    let kind = cluster
        .kind_of_resource(group, version, &resource)
        .await
        .map_err(|e| format!("failed to get dynamic resources: {e}"))?
        .ok_or_else(not_served)?;
    let gvk = Gvk::new(group, version, &kind);
    let found = if by_name {
        let target = ObjectRef {
            gvk,
            namespace: namespace.to_owned(),
            name: generator.name.clone(),
        };
        cluster
            .get(&target)
            .await
            .map_err(|e| format!("failed to get dynamic resources: {e}"))?
            .into_iter()
            .collect()
    } else {
        let mut selected = Vec::new();
        let all = cluster
            .list(&gvk, Some(namespace), "")
            .await
            .map_err(|e| format!("failed to get dynamic resources: {e}"))?;
        for item in all {
            let labels = string_map(item.pointer("/metadata/labels"));
            if generator
                .label_selector
                .matches(&labels)
                .map_err(|e| e.to_string())?
            {
                selected.push(item);
            }
        }
        selected
    };
    if found.is_empty() {
        return Err("no clusterDecisionResources found".into());
    }
    let list_key = Some(data("statusListKey"))
        .filter(|k| !k.is_empty())
        .unwrap_or_else(|| "clusters".into());
    let match_key = data("matchKey");
    if match_key.is_empty() {
        return Ok((match_key, Vec::new()));
    }
    let decisions = found
        .iter()
        .filter_map(|r| r["status"][&list_key].as_array())
        .flatten()
        .filter_map(|d| d.as_object().cloned())
        .collect();
    Ok((match_key, decisions))
}
