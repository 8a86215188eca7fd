//! The EndpointSlice controller: a Service with a selector gets an
//! EndpointSlice (`<service>-<suffix>`) listing the selected Pods that have
//! an IP, ready or not, with the Service's ports.

use serde_json::{Value, json};

use super::{Pass, deleting, meta, owner_ref, pod_ready, remove, write};
use crate::store::Store;

/// The label naming a slice's Service.
const SERVICE_NAME: &str = "kubernetes.io/service-name";
const MANAGED_BY: &str = "endpointslice.kubernetes.io/managed-by";
const CONTROLLER: &str = "endpointslice-controller.k8s.io";

/// Syncs the slices of one Service (`slices`: those it controls) with the
/// live Pods `pods` (of every namespace).
pub(super) fn sync(
    store: &mut Store,
    pass: &Pass,
    svc: &Value,
    slices: Vec<Value>,
    pods: &[Value],
) {
    let selector = match svc["spec"]["selector"].as_object() {
        Some(s) if !s.is_empty() && !deleting(svc) && svc["spec"]["type"] != "ExternalName" => s,
        _ => return,
    };
    let ns = meta(svc, "namespace");
    let mut selected: Vec<&Value> = pods
        .iter()
        .filter(|p| meta(p, "namespace") == ns && !deleting(p))
        .filter(|p| {
            selector
                .iter()
                .all(|(k, v)| p["metadata"]["labels"][k] == *v)
        })
        .filter(|p| p["status"]["podIP"].is_string())
        .filter(|p| !matches!(p["status"]["phase"].as_str(), Some("Succeeded" | "Failed")))
        .collect();
    selected.sort_by_key(|p| meta(p, "name"));
    let publish = svc["spec"]["publishNotReadyAddresses"] == true;
    let endpoints: Vec<Value> = selected
        .iter()
        .map(|p| {
            let ready = publish || pod_ready(p);
            json!({
                "addresses": [p["status"]["podIP"]],
                "conditions": {"ready": ready, "serving": ready, "terminating": false},
                "nodeName": p["spec"]["nodeName"],
                "targetRef": {"kind": "Pod", "namespace": ns, "name": p["metadata"]["name"],
                              "uid": p["metadata"]["uid"]},
            })
        })
        .collect();
    let ports: Vec<Value> = match selected.first() {
        Some(first) => svc["spec"]["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|port| slice_port(port, first))
            .collect(),
        // The placeholder slice of a Service without endpoints has no ports.
        None => Vec::new(),
    };
    let mut labels = svc["metadata"]["labels"].clone();
    if !labels.is_object() {
        labels = json!({});
    }
    labels[SERVICE_NAME] = meta(svc, "name").into();
    labels[MANAGED_BY] = CONTROLLER.into();
    // Empty lists are `null`, as the Go types serialize them.
    let list = |items: Vec<Value>| {
        if items.is_empty() {
            Value::Null
        } else {
            Value::from(items)
        }
    };
    let (endpoints, ports) = (list(endpoints), list(ports));
    let mut slices = slices.into_iter();
    match slices.next() {
        Some(mut slice) => {
            if slice["metadata"]["labels"] != labels
                || slice["endpoints"] != endpoints
                || slice["ports"] != ports
            {
                slice["metadata"]["labels"] = labels;
                slice["endpoints"] = endpoints;
                slice["ports"] = ports;
                write(store, &pass.t.slices, slice);
            }
        }
        None => {
            let slice = json!({
                "apiVersion": "discovery.k8s.io/v1",
                "kind": "EndpointSlice",
                "metadata": {"generateName": format!("{}-", meta(svc, "name")), "namespace": ns,
                             "labels": labels, "ownerReferences": owner_ref(svc)},
                "addressType": "IPv4",
                "endpoints": endpoints,
                "ports": ports,
            });
            let _ = store.create(&pass.t.slices, ns, slice, false);
        }
    }
    for extra in slices {
        remove(store, &pass.t.slices, &extra);
    }
}

/// A Service port as a slice lists it: the target port, a named one
/// resolved against `pod`'s container ports (`None` when it has none of
/// that name).
fn slice_port(port: &Value, pod: &Value) -> Option<Value> {
    let number = match &port["targetPort"] {
        Value::Number(n) => n.as_u64()?,
        Value::String(name) => pod["spec"]["containers"]
            .as_array()?
            .iter()
            .flat_map(|c| c["ports"].as_array().into_iter().flatten())
            .find(|p| p["name"] == name.as_str())?["containerPort"]
            .as_u64()?,
        _ => port["port"].as_u64()?,
    };
    let mut out = json!({
        "name": port["name"].as_str().unwrap_or(""),
        "port": number,
        "protocol": port["protocol"].as_str().unwrap_or("TCP"),
    });
    if let Some(app) = port["appProtocol"].as_str() {
        out["appProtocol"] = app.into();
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::testing::{Sandbox, name};
    use super::*;

    fn pod(name: &str, image: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "default", "labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": image,
                "ports": [{"name": "http", "containerPort": 8080}]}]}})
    }

    fn service(selector: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"selector": selector, "ports": [
                {"name": "http", "port": 80, "targetPort": "http"},
                {"name": "metrics", "port": 9090, "protocol": "TCP"}]}})
    }

    fn slices(sandbox: &Sandbox) -> Vec<Value> {
        sandbox.list("discovery.k8s.io/v1", "EndpointSlice")
    }

    /// `(pod, ready)` of a slice's endpoints.
    fn endpoints(slice: &Value) -> Vec<(String, bool)> {
        slice["endpoints"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                (
                    e["targetRef"]["name"].as_str().unwrap_or("").to_owned(),
                    e["conditions"]["ready"] == true,
                )
            })
            .collect()
    }

    #[test]
    fn a_selecting_service_lists_its_pods_with_their_readiness() {
        let mut sandbox = Sandbox::new();
        sandbox.create(service(json!({"app": "web"})));
        sandbox.pass();
        // No Pods yet: a placeholder slice without endpoints.
        let placeholder = slices(&sandbox);
        assert_eq!(placeholder.len(), 1);
        assert!(placeholder[0]["endpoints"].is_null());
        assert!(placeholder[0]["ports"].is_null());
        assert!(name(&placeholder[0]).starts_with("web-"));
        assert_eq!(placeholder[0]["metadata"]["labels"][SERVICE_NAME], "web");
        assert_eq!(
            placeholder[0]["metadata"]["ownerReferences"][0]["kind"],
            "Service"
        );
        assert_eq!(placeholder[0]["addressType"], "IPv4");

        sandbox.create(pod("a", "web:1"));
        sandbox.create(pod("b", "web:broken"));
        sandbox.settle(10);
        let slice = &slices(&sandbox)[0];
        assert_eq!(
            endpoints(slice),
            [("a".to_owned(), true), ("b".to_owned(), false)]
        );
        assert_eq!(
            slice["ports"],
            json!([{"name": "http", "port": 8080, "protocol": "TCP"},
                   {"name": "metrics", "port": 9090, "protocol": "TCP"}])
        );
        let a = sandbox.get("v1", "Pod", "a");
        assert_eq!(slice["endpoints"][0]["addresses"][0], a["status"]["podIP"]);
        assert_eq!(slice["endpoints"][0]["nodeName"], "sandbox");

        // A deleted Pod leaves the slice.
        let rt = sandbox.rt("v1", "Pod");
        sandbox
            .store
            .delete(&rt, "default", "a", crate::Propagation::Background, false)
            .expect("delete");
        sandbox.settle(10);
        assert_eq!(endpoints(&slices(&sandbox)[0]), [("b".to_owned(), false)]);
        assert_eq!(slices(&sandbox).len(), 1);
    }

    #[test]
    fn a_service_without_selector_gets_no_slice() {
        let mut sandbox = Sandbox::new();
        sandbox.create(service(Value::Null));
        sandbox.create(pod("a", "web:1"));
        sandbox.settle(10);
        assert!(slices(&sandbox).is_empty());
    }
}
