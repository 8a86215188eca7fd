//! The pre-pass applied to both sides before comparing: remarshal (canonical
//! value formats for built-in kinds) and the kind-specific normalisations.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};

use super::quantity;
use crate::object::Gvk;

/// Top-level fields that some built-in type declares. A built-in object with
/// any other top-level field would fail a strict typed decode, in which case
/// the reference keeps it untouched; so do we.
const KNOWN_TOP_LEVEL_FIELDS: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "spec",
    "status",
    "data",
    "binaryData",
    "stringData",
    "type",
    "immutable",
    "rules",
    "aggregationRule",
    "subjects",
    "roleRef",
    "webhooks",
    "subsets",
    "secrets",
    "imagePullSecrets",
    "automountServiceAccountToken",
    "template",
    "provisioner",
    "parameters",
    "reclaimPolicy",
    "volumeBindingMode",
    "allowVolumeExpansion",
    "mountOptions",
    "allowedTopologies",
    "value",
    "globalDefault",
    "description",
    "preemptionPolicy",
    "handler",
    "overhead",
    "scheduling",
    "endpoints",
    "addressType",
    "ports",
    "involvedObject",
    "reason",
    "message",
    "source",
    "firstTimestamp",
    "lastTimestamp",
    "count",
    "eventTime",
    "series",
    "action",
    "related",
    "reportingComponent",
    "reportingInstance",
    "limits",
    "items",
];

/// List fields of built-in types that the typed encoder writes even when empty.
const NON_OMITTED_EMPTY_LISTS: &[&str] = &["containers", "rules"];

/// Options for the kind-specific normalisations.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct NormalizeOptions {
    /// Set `rules` of aggregated Roles/ClusterRoles to null.
    pub ignore_aggregated_roles: bool,
}

/// Remarshal: canonical numbers everywhere; for built-in kinds that would
/// decode strictly, also the typed round trip of [`remarshal_struct`] plus
/// the kind-specific parts (empty label/annotation/data maps, quantity maps
/// of ResourceQuota, PersistentVolume and LimitRange).
pub(crate) fn remarshal(obj: &mut Value) {
    canonicalize_numbers(obj);
    let ty = Gvk::named_by(obj);
    let decodes = obj.as_object().is_some_and(|m| {
        m.keys()
            .all(|k| KNOWN_TOP_LEVEL_FIELDS.contains(&k.as_str()))
    });
    if ty.is_built_in() && decodes {
        remarshal_struct(obj);
        drop_empty_maps(obj);
        canonicalize_kind_quantities(obj, &ty);
    }
}

/// The effect of a typed round trip on a built-in struct value: canonical
/// numbers, empty lists and null timestamps dropped, resource quantities
/// (`resources.requests`/`limits`, `overhead`) canonical.
pub(crate) fn remarshal_struct(v: &mut Value) {
    canonicalize_numbers(v);
    drop_empty_lists(v);
    drop_null_timestamps(v);
    canonicalize_resource_quantities(v, None);
}

/// A quantity value in canonical form; values that are not quantities stay.
pub(crate) fn canonicalize_quantity(q: &mut Value) {
    let text = match q {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return,
    };
    if let Some(c) = quantity::canonical(&text) {
        *q = Value::String(c);
    }
}

fn canonicalize_quantity_map(m: &mut Map<String, Value>) {
    m.values_mut().for_each(canonicalize_quantity);
}

/// Container and claim `resources.requests`/`limits` and pod `overhead`.
fn canonicalize_resource_quantities(v: &mut Value, parent: Option<&str>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                let is_quantities = matches!(
                    (parent, k.as_str()),
                    (Some("resources"), "requests" | "limits")
                ) || k == "overhead";
                match child {
                    Value::Object(q) if is_quantities => canonicalize_quantity_map(q),
                    _ => canonicalize_resource_quantities(child, Some(k)),
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|i| canonicalize_resource_quantities(i, parent)),
        _ => {}
    }
}

/// ResourceQuota `spec.hard`, PersistentVolume `spec.capacity` and
/// LimitRange limit items.
fn canonicalize_kind_quantities(v: &mut Value, ty: &Gvk) {
    let spec_maps: &[&str] = match (ty.group.as_str(), ty.kind.as_str()) {
        ("", "ResourceQuota") => &["hard"],
        ("", "PersistentVolume") => &["capacity"],
        _ => &[],
    };
    for key in spec_maps {
        if let Some(Value::Object(m)) = v.get_mut("spec").and_then(|s| s.get_mut(*key)) {
            canonicalize_quantity_map(m);
        }
    }
    if ty.is("", "LimitRange")
        && let Some(Value::Array(limits)) = v.pointer_mut("/spec/limits")
    {
        for item in limits.iter_mut().filter_map(Value::as_object_mut) {
            for key in [
                "max",
                "min",
                "default",
                "defaultRequest",
                "maxLimitRequestRatio",
            ] {
                if let Some(Value::Object(m)) = item.get_mut(key) {
                    canonicalize_quantity_map(m);
                }
            }
        }
    }
}

/// Zero timestamps (`creationTimestamp: null`, e.g. in pod templates) are
/// not written back by the typed encoder.
fn drop_null_timestamps(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if m.get("creationTimestamp").is_some_and(Value::is_null) {
                m.remove("creationTimestamp");
            }
            m.values_mut().for_each(drop_null_timestamps);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_null_timestamps),
        _ => {}
    }
}

/// Map-typed fields that the typed encoder omits when empty.
fn drop_empty_maps(obj: &mut Value) {
    let is_empty_map = |v: &Value| v.as_object().is_some_and(Map::is_empty);
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        for key in ["labels", "annotations"] {
            if meta.get(key).is_some_and(is_empty_map) {
                meta.remove(key);
            }
        }
    }
    let ty = Gvk::named_by(obj);
    if (ty.is("", "Secret") || ty.is("", "ConfigMap"))
        && let Some(root) = obj.as_object_mut()
    {
        for key in ["data", "binaryData", "stringData"] {
            if root.get(key).is_some_and(is_empty_map) {
                root.remove(key);
            }
        }
    }
}

/// A copy of `v` with every map's keys in sorted order, as Go's encoder
/// writes them.
pub(crate) fn sorted_keys(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sorted_keys(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted_keys).collect()),
        other => other.clone(),
    }
}

/// Integral floating-point numbers become integers, recursively, so `1.0`
/// and `1` compare equal as they do after a typed round trip.
pub(crate) fn canonicalize_numbers(v: &mut Value) {
    match v {
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|_| n.is_f64())
                && f.fract() == 0.0
                && f.abs() < 9.0e15
            {
                *v = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(canonicalize_numbers),
        Value::Object(m) => m.values_mut().for_each(canonicalize_numbers),
        _ => {}
    }
}

fn drop_empty_lists(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|k, child| {
                !child.as_array().is_some_and(Vec::is_empty)
                    || NON_OMITTED_EMPTY_LISTS.contains(&k.as_str())
            });
            m.values_mut().for_each(drop_empty_lists);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_empty_lists),
        _ => {}
    }
}

/// The engine's normalisation: drop `metadata.creationTimestamp`, then the
/// rules for Secrets, Roles/ClusterRoles and Endpoints.
pub(crate) fn normalize(obj: &mut Value, opts: NormalizeOptions) {
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("creationTimestamp");
    }
    let ty = Gvk::named_by(obj);
    let Some(map) = obj.as_object_mut() else {
        return;
    };
    match (ty.group.as_str(), ty.kind.as_str()) {
        ("", "Secret") => normalize_secret(map),
        ("rbac.authorization.k8s.io", "Role" | "ClusterRole") => normalize_role(map, opts),
        ("", "Endpoints") => normalize_endpoints(map),
        _ => {}
    }
}

/// Folds `stringData` into base64 `data`; in a valid Secret, null data
/// values become "".
fn normalize_secret(secret: &mut Map<String, Value>) {
    if let Some(Value::Object(string_data)) = secret.remove("stringData") {
        let data = secret
            .entry("data")
            .or_insert_with(|| Value::Object(Map::new()));
        if !data.is_object() {
            *data = Value::Object(Map::new());
        }
        if let Some(data) = data.as_object_mut() {
            for (k, v) in string_data {
                let encoded = match v {
                    Value::String(s) => Value::String(STANDARD.encode(s)),
                    other => other,
                };
                data.insert(k, encoded);
            }
        }
    }
    let Some(Value::Object(data)) = secret.get_mut("data") else {
        return;
    };
    let valid = data.values().all(|v| match v {
        Value::Null => true,
        Value::String(s) => STANDARD.decode(s).is_ok(),
        _ => false,
    });
    if valid {
        for v in data.values_mut() {
            if v.is_null() {
                *v = Value::String(String::new());
            }
        }
    }
}

fn normalize_role(role: &mut Map<String, Value>, opts: NormalizeOptions) {
    let aggregated = role.get("aggregationRule").is_some_and(Value::is_object);
    let empty = role
        .get("rules")
        .and_then(Value::as_array)
        .is_some_and(Vec::is_empty);
    if (opts.ignore_aggregated_roles && aggregated) || empty {
        role.insert("rules".into(), Value::Null);
    }
}

/// Default port protocols and put addresses, ports and subsets into a
/// canonical order so that equal Endpoints compare equal.
fn normalize_endpoints(endpoints: &mut Map<String, Value>) {
    let Some(Value::Array(subsets)) = endpoints.get_mut("subsets") else {
        return;
    };
    for subset in subsets.iter_mut() {
        let Some(subset) = subset.as_object_mut() else {
            continue;
        };
        for field in ["addresses", "notReadyAddresses"] {
            if let Some(Value::Array(addrs)) = subset.get_mut(field) {
                addrs.sort_by_key(|a| {
                    let ip = a
                        .get("ip")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string();
                    let uid = a
                        .pointer("/targetRef/uid")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string();
                    (ip, uid)
                });
            }
        }
        if let Some(Value::Array(ports)) = subset.get_mut("ports") {
            for port in ports.iter_mut().filter_map(Value::as_object_mut) {
                let unset = port
                    .get("protocol")
                    .and_then(Value::as_str)
                    .is_none_or(str::is_empty);
                if unset {
                    port.insert("protocol".into(), Value::String("TCP".into()));
                }
            }
            ports.sort_by_key(Value::to_string);
        }
    }
    subsets.sort_by_key(Value::to_string);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn creation_timestamp_is_dropped() {
        let mut o = json!({"apiVersion": "foo.io/v1", "kind": "Foo", "metadata": {"name": "a", "creationTimestamp": null}});
        normalize(&mut o, NormalizeOptions::default());
        assert_eq!(o["metadata"], json!({"name": "a"}));
    }

    #[test]
    fn secret_string_data_folds_into_data() {
        let mut s = json!({"apiVersion": "v1", "kind": "Secret",
            "data": {"foo": "b2xk", "n": null}, "stringData": {"foo": "bar", "bad": 5}});
        normalize(&mut s, NormalizeOptions::default());
        assert_eq!(
            s,
            json!({"apiVersion": "v1", "kind": "Secret",
            "data": {"foo": "YmFy", "n": null, "bad": 5}})
        );
        let mut valid =
            json!({"apiVersion": "v1", "kind": "Secret", "data": {"n": null, "a": "YmFy"}});
        normalize(&mut valid, NormalizeOptions::default());
        assert_eq!(valid["data"], json!({"n": "", "a": "YmFy"}));
    }

    #[test]
    fn invalid_base64_keeps_secret_as_is() {
        let mut s =
            json!({"apiVersion": "v1", "kind": "Secret", "data": {"a": "+++++", "n": null}});
        normalize(&mut s, NormalizeOptions::default());
        assert_eq!(s["data"], json!({"a": "+++++", "n": null}));
    }

    #[test]
    fn role_rules() {
        let agg = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "aggregationRule": {"clusterRoleSelectors": []}, "rules": [{"verbs": ["get"]}]});
        let mut on = agg.clone();
        normalize(
            &mut on,
            NormalizeOptions {
                ignore_aggregated_roles: true,
            },
        );
        assert_eq!(on["rules"], Value::Null);
        let mut off = agg.clone();
        normalize(&mut off, NormalizeOptions::default());
        assert_eq!(off["rules"], agg["rules"]);
        let mut empty =
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "rules": []});
        normalize(&mut empty, NormalizeOptions::default());
        assert_eq!(
            empty,
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "rules": null})
        );
    }

    #[test]
    fn endpoints_are_canonical() {
        let mut a = json!({"apiVersion": "v1", "kind": "Endpoints", "subsets": [
            {"addresses": [{"ip": "10.0.0.2"}, {"ip": "10.0.0.1"}], "ports": [{"port": 2}, {"port": 1, "protocol": "TCP"}]}]});
        let mut b = json!({"apiVersion": "v1", "kind": "Endpoints", "subsets": [
            {"addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}], "ports": [{"port": 1}, {"port": 2, "protocol": "TCP"}]}]});
        normalize(&mut a, NormalizeOptions::default());
        normalize(&mut b, NormalizeOptions::default());
        assert_eq!(a, b);
        assert_eq!(a["subsets"][0]["ports"][0]["protocol"], "TCP");
    }

    #[test]
    fn remarshal_canonicalizes_quantities() {
        let mut d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": {"containers": [
            {"name": "a", "resources": {"requests": {"cpu": 0.2, "memory": "1.5Gi"}, "limits": {"cpu": "1000m", "odd": "lots"}}}]}}}});
        remarshal(&mut d);
        assert_eq!(
            d["spec"]["template"]["spec"]["containers"][0]["resources"],
            json!({"requests": {"cpu": "200m", "memory": "1536Mi"}, "limits": {"cpu": "1", "odd": "lots"}})
        );
        let mut quota = json!({"apiVersion": "v1", "kind": "ResourceQuota", "spec": {"hard": {"pods": 10, "requests.cpu": "0.5"}}});
        remarshal(&mut quota);
        assert_eq!(
            quota["spec"]["hard"],
            json!({"pods": "10", "requests.cpu": "500m"})
        );
        let mut cr = json!({"apiVersion": "foo.io/v1", "kind": "Foo", "spec": {"resources": {"requests": {"cpu": 0.2}}}});
        remarshal(&mut cr);
        assert_eq!(cr["spec"]["resources"]["requests"]["cpu"], 0.2);
    }

    #[test]
    fn remarshal_canonicalizes_built_in_kinds_only() {
        let mut d = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "spec": {"replicas": 2.0, "template": {"metadata": {"creationTimestamp": null},
            "spec": {"imagePullSecrets": [], "containers": []}}}});
        remarshal(&mut d);
        assert_eq!(
            d["spec"],
            json!({"replicas": 2, "template": {"metadata": {}, "spec": {"containers": []}}})
        );
        let mut unknown =
            json!({"apiVersion": "v1", "kind": "ConfigMap", "invalidKey": [], "data": {"x": []}});
        let before = unknown.clone();
        remarshal(&mut unknown);
        assert_eq!(unknown, before);
        let mut cr = json!({"apiVersion": "foo.io/v1", "kind": "Foo", "spec": {"list": []}});
        remarshal(&mut cr);
        assert_eq!(cr["spec"]["list"], json!([]));
    }
}
