//! The `clusters` generator: one parameter set per Argo CD cluster.
//!
//! Clusters are the cluster Secrets plus the local `in-cluster`
//! (`https://kubernetes.default.svc`) when no Secret names it; the local
//! cluster has no labels, so any non-empty selector leaves it out.

use std::collections::BTreeMap;

use base64::Engine;
use serde_json::{Map, Value};

use super::super::error::AppSetError;
use super::super::model::ClusterGenerator;
use super::super::params::{Params, sanitize_name};
use super::GenerateContext;

pub use crate::cluster::secrets::{IN_CLUSTER_NAME, IN_CLUSTER_SERVER};

/// A cluster as the generator sees it.
pub(super) struct ClusterInfo {
    pub name: String,
    pub server: String,
    pub project: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    /// The local cluster, known without a Secret.
    pub local: bool,
}

/// Every known cluster: the Secrets, then `in-cluster` unless a Secret targets it.
pub(super) fn known_clusters(ctx: GenerateContext<'_>) -> Result<Vec<ClusterInfo>, AppSetError> {
    let secrets = ctx
        .sources
        .cluster_secrets()
        .map_err(AppSetError::ClusterSecrets)?;
    let mut out: Vec<ClusterInfo> = secrets.iter().map(cluster_from_secret).collect();
    if !out.iter().any(|c| c.server == IN_CLUSTER_SERVER) {
        out.push(ClusterInfo {
            name: IN_CLUSTER_NAME.into(),
            server: IN_CLUSTER_SERVER.into(),
            project: String::new(),
            labels: BTreeMap::new(),
            annotations: BTreeMap::new(),
            local: true,
        });
    }
    Ok(out)
}

/// The string entries of a JSON map (labels, annotations); others are skipped.
pub(in crate::appset) fn string_map(value: Option<&Value>) -> BTreeMap<String, String> {
    value
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

fn cluster_from_secret(secret: &Value) -> ClusterInfo {
    let data = |key: &str| {
        let encoded = secret
            .pointer(&format!("/data/{key}"))
            .and_then(Value::as_str);
        let from_data =
            encoded.and_then(|e| base64::engine::general_purpose::STANDARD.decode(e).ok());
        let from_string = secret
            .pointer(&format!("/stringData/{key}"))
            .and_then(Value::as_str)
            .map(|s| s.as_bytes().to_vec());
        from_string
            .or(from_data)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    };
    ClusterInfo {
        name: data("name"),
        server: data("server"),
        project: data("project"),
        labels: string_map(secret.pointer("/metadata/labels")),
        annotations: string_map(secret.pointer("/metadata/annotations")),
        local: false,
    }
}

/// The parameter sets of a clusters generator.
pub(super) fn params(
    g: &ClusterGenerator,
    ctx: GenerateContext<'_>,
) -> Result<Vec<Params>, AppSetError> {
    let ignore_local = !g.selector.is_empty();
    let mut out = Vec::new();
    for cluster in known_clusters(ctx)? {
        let is_local = cluster.local;
        if is_local && ignore_local {
            continue;
        }
        if !is_local && !g.selector.matches(&cluster.labels)? {
            continue;
        }
        let mut params = Params::new();
        params.insert("name".into(), cluster.name.clone().into());
        params.insert("nameNormalized".into(), sanitize_name(&cluster.name).into());
        params.insert("server".into(), cluster.server.clone().into());
        params.insert("project".into(), cluster.project.clone().into());
        if ctx.mode.go_template {
            let mut meta = Map::new();
            let to_obj = |m: &BTreeMap<String, String>| {
                Value::Object(
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.clone().into()))
                        .collect(),
                )
            };
            if !cluster.annotations.is_empty() {
                meta.insert("annotations".into(), to_obj(&cluster.annotations));
            }
            if !cluster.labels.is_empty() {
                meta.insert("labels".into(), to_obj(&cluster.labels));
            }
            if !is_local {
                params.insert("metadata".into(), Value::Object(meta));
            }
        } else {
            for (k, v) in &cluster.annotations {
                params.insert(format!("metadata.annotations.{k}"), v.clone().into());
            }
            for (k, v) in &cluster.labels {
                params.insert(format!("metadata.labels.{k}"), v.clone().into());
            }
        }
        ctx.append_values(&g.values, &mut params)?;
        out.push(params);
    }
    if g.flat_list {
        let mut flat = Params::new();
        flat.insert(
            "clusters".into(),
            Value::Array(out.into_iter().map(Value::Object).collect()),
        );
        return Ok(vec![flat]);
    }
    Ok(out)
}
