//! The `scale` subresource of Deployments, ReplicaSets, StatefulSets and
//! ReplicationControllers: an `autoscaling/v1` `Scale` view of the parent.

use serde_json::{Value, json};

use crate::error::ApiError;

/// The `Scale` of a scalable object.
pub fn scale_of(parent: &Value) -> Value {
    let meta = &parent["metadata"];
    let mut metadata = json!({});
    for field in [
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "creationTimestamp",
    ] {
        if !meta[field].is_null() {
            metadata[field] = meta[field].clone();
        }
    }
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": metadata,
        "spec": {"replicas": parent["spec"]["replicas"].as_i64().unwrap_or(1)},
        "status": {
            "replicas": parent["status"]["replicas"].as_i64().unwrap_or(0),
            "selector": selector_string(&parent["spec"]["selector"]),
        },
    })
}

/// The parent with the replicas a written `Scale` asks for; the `Scale`'s
/// `resourceVersion`, when set, is the precondition of the update.
pub fn scaled_parent(mut parent: Value, scale: &Value) -> Result<Value, ApiError> {
    let replicas = match &scale["spec"]["replicas"] {
        Value::Null => 0,
        v => v.as_i64().filter(|n| *n >= 0).ok_or_else(|| {
            ApiError::invalid(
                "autoscaling",
                "scales",
                parent["metadata"]["name"].as_str().unwrap_or(""),
                format!(
                    "Scale.autoscaling {:?} is invalid: spec.replicas: Invalid value: {v}: must be greater than or equal to 0",
                    parent["metadata"]["name"].as_str().unwrap_or("")
                ),
            )
        })?,
    };
    parent["spec"]["replicas"] = replicas.into();
    if let Some(rv) = scale["metadata"]["resourceVersion"].as_str() {
        parent["metadata"]["resourceVersion"] = rv.into();
    }
    Ok(parent)
}

/// A label selector in its string form (`app=web,tier in (a,b)`).
fn selector_string(selector: &Value) -> String {
    let mut parts: Vec<String> = selector["matchLabels"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
        .collect();
    for req in selector["matchExpressions"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let key = req["key"].as_str().unwrap_or("");
        let values: Vec<&str> = req["values"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        parts.push(match req["operator"].as_str().unwrap_or("") {
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "Exists" => key.to_owned(),
            _ => format!("!{key}"),
        });
    }
    parts.sort();
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_view_and_write_back() {
        let d = json!({"metadata": {"name": "web", "namespace": "default", "resourceVersion": "4"},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"tier": "f", "app": "web"}}},
            "status": {"replicas": 2}});
        let s = scale_of(&d);
        assert_eq!(s["status"]["selector"], "app=web,tier=f");
        assert_eq!(s["spec"]["replicas"], 2);
        let scaled = scaled_parent(d.clone(), &json!({"spec": {"replicas": 5}})).expect("valid");
        assert_eq!(scaled["spec"]["replicas"], 5);
        let err = scaled_parent(d, &json!({"spec": {"replicas": -1}})).expect_err("negative");
        assert_eq!(err.code, 422);
    }
}
