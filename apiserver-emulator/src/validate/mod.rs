//! Validation of built-in kinds as the API server does it: typed decoding
//! ([`decode`], `400`) and field rules (`422 Invalid`, with the server's
//! `Kind.group "name" is invalid: field: …` texts): label syntax, required
//! workload fields, selectors matching templates, port ranges, config keys
//! and immutable fields.
//!
//! Approximation: `Invalid value` of a whole Job template prints it as JSON
//! where the server prints a Go struct.

pub mod decode;

use serde_json::Value;

use crate::error::ApiError;
use crate::registry::ResourceType;

/// One failed rule: `field: Reason: detail`.
type FieldError = String;

/// Checks an object about to be stored (`old` is the stored version of an
/// update); `422` listing every failed rule.
pub fn validate(rt: &ResourceType, obj: &Value, old: Option<&Value>) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    if old.is_none() {
        name(
            rt,
            obj["metadata"]["name"].as_str().unwrap_or(""),
            &mut errors,
        );
    }
    labels(&obj["metadata"]["labels"], "metadata.labels", &mut errors);
    match (rt.group.as_str(), rt.kind.as_str()) {
        ("apps", "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet") => {
            workload(obj, &rt.kind, &mut errors);
            immutable(obj, old, "selector", &mut errors);
        }
        ("batch", "Job") => {
            pod_spec(
                &obj["spec"]["template"]["spec"],
                "spec.template.spec",
                &mut errors,
            );
            restart_policy(obj, &["OnFailure", "Never"], &mut errors);
            if old.is_some() {
                immutable(obj, old, "selector", &mut errors);
                immutable(obj, old, "template", &mut errors);
            }
        }
        ("", "Pod") => pod_spec(&obj["spec"], "spec", &mut errors),
        ("", "Service") => service(obj, &mut errors),
        ("", "ConfigMap") => {
            config_keys(&obj["data"], "data", &mut errors);
            config_keys(&obj["binaryData"], "binaryData", &mut errors);
        }
        ("", "Secret") => config_keys(&obj["data"], "data", &mut errors),
        _ => {}
    }
    if errors.is_empty() {
        return Ok(());
    }
    let name = obj["metadata"]["name"].as_str().unwrap_or("");
    let what = if rt.group.is_empty() {
        rt.kind.clone()
    } else {
        format!("{}.{}", rt.kind, rt.group)
    };
    let list = if errors.len() == 1 {
        errors.remove(0)
    } else {
        format!("[{}]", errors.join(", "))
    };
    Err(ApiError::invalid(
        &rt.group,
        &rt.plural,
        name,
        format!("{what} {name:?} is invalid: {list}"),
    ))
}

const SUBDOMAIN_RULE: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1035_RULE: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

/// `metadata.name`: an RFC 1035 label for Services, an RFC 1123 label for
/// Namespaces, an RFC 1123 subdomain otherwise.
fn name(rt: &ResourceType, name: &str, errors: &mut Vec<FieldError>) {
    let field = "metadata.name";
    match (rt.group.as_str(), rt.kind.as_str()) {
        ("", "Service") => {
            let ok = name.len() <= 63
                && is_dns_label(name)
                && name.starts_with(|c: char| c.is_ascii_lowercase());
            if !ok {
                errors.push(invalid(field, &quoted(name), DNS1035_RULE));
            }
        }
        ("", "Namespace") => {
            if name.len() > 63 || !is_dns_label(name) {
                errors.push(invalid(field, &quoted(name), CONTAINER_NAME_RULE));
            }
        }
        _ => {
            if !dns_subdomain(name) {
                errors.push(invalid(field, &quoted(name), SUBDOMAIN_RULE));
            }
        }
    }
}

fn required(field: &str) -> FieldError {
    format!("{field}: Required value")
}

fn invalid(field: &str, value: &str, detail: &str) -> FieldError {
    format!("{field}: Invalid value: {value}: {detail}")
}

fn unsupported(field: &str, value: &str, allowed: &[&str]) -> FieldError {
    let supported: Vec<String> = allowed.iter().map(|a| quoted(a)).collect();
    format!(
        "{field}: Unsupported value: {}: supported values: {}",
        quoted(value),
        supported.join(", ")
    )
}

fn quoted(s: &str) -> String {
    format!("{s:?}")
}

/// Whether `s` is `[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?` (empty allowed
/// when `empty_ok`).
fn qualified_part(s: &str, empty_ok: bool) -> bool {
    if s.is_empty() {
        return empty_ok;
    }
    let edge = |c: char| c.is_ascii_alphanumeric();
    s.starts_with(edge)
        && s.ends_with(edge)
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Whether `s` is a DNS-1123 subdomain (label key prefixes).
fn dns_subdomain(s: &str) -> bool {
    s.len() <= 253
        && s.split('.').all(|part| {
            !part.is_empty()
                && part.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                && part.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
}

const LABEL_VALUE_RULE: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const NAME_PART_RULE: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const PREFIX_RULE: &str = "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/// Label keys (`[prefix/]name`) and values.
fn labels(labels: &Value, field: &str, errors: &mut Vec<FieldError>) {
    for (key, value) in labels.as_object().into_iter().flatten() {
        let (prefix, name) = match key.split_once('/') {
            Some((p, n)) => (Some(p), n),
            None => (None, key.as_str()),
        };
        if name.len() > 63 {
            errors.push(invalid(
                field,
                &quoted(key),
                "name part must be no more than 63 characters",
            ));
        } else if !qualified_part(name, false) {
            errors.push(invalid(field, &quoted(key), NAME_PART_RULE));
        }
        if prefix.is_some_and(|p| !dns_subdomain(p)) {
            errors.push(invalid(field, &quoted(key), PREFIX_RULE));
        }
        let value = value.as_str().unwrap_or("");
        if value.len() > 63 {
            errors.push(invalid(
                field,
                &quoted(value),
                "must be no more than 63 characters",
            ));
        } else if !qualified_part(value, true) {
            errors.push(invalid(field, &quoted(value), LABEL_VALUE_RULE));
        }
    }
}

/// Go's `%#v` of a string map: `map[string]string{"a":"b"}` (sorted keys).
fn go_map(map: &Value) -> String {
    let mut pairs: Vec<(&String, &Value)> = map.as_object().into_iter().flatten().collect();
    pairs.sort_by_key(|(k, _)| *k);
    let inner: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k:?}:{:?}", v.as_str().unwrap_or("")))
        .collect();
    format!("map[string]string{{{}}}", inner.join(", "))
}

/// Go's `%#v` of a `v1.LabelSelector` with match labels only.
fn go_selector(selector: &Value) -> String {
    let labels = if selector["matchLabels"].is_object() {
        go_map(&selector["matchLabels"])
    } else {
        "map[string]string(nil)".to_owned()
    };
    format!(
        "v1.LabelSelector{{MatchLabels:{labels}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}}"
    )
}

/// Deployments, ReplicaSets, StatefulSets and DaemonSets.
fn workload(obj: &Value, kind: &str, errors: &mut Vec<FieldError>) {
    let spec = &obj["spec"];
    if let Some(n) = spec["replicas"].as_i64().filter(|n| *n < 0) {
        errors.push(invalid(
            "spec.replicas",
            &n.to_string(),
            "must be greater than or equal to 0",
        ));
    }
    let selector = &spec["selector"];
    let template_labels = &spec["template"]["metadata"]["labels"];
    if selector.is_null() {
        errors.push(required("spec.selector"));
    } else if !selector_matches(selector, template_labels) {
        errors.push(invalid(
            "spec.template.metadata.labels",
            &go_map(template_labels),
            "`selector` does not match template `labels`",
        ));
    }
    labels(template_labels, "spec.template.metadata.labels", errors);
    pod_spec(&spec["template"]["spec"], "spec.template.spec", errors);
    if kind != "StatefulSet" || !spec["template"]["spec"]["restartPolicy"].is_null() {
        restart_policy(obj, &["Always"], errors);
    }
}

/// Whether a selector's match labels all appear in the template's labels.
fn selector_matches(selector: &Value, labels: &Value) -> bool {
    selector["matchLabels"]
        .as_object()
        .into_iter()
        .flatten()
        .all(|(k, v)| labels.get(k) == Some(v))
}

fn restart_policy(obj: &Value, allowed: &[&str], errors: &mut Vec<FieldError>) {
    let policy = obj["spec"]["template"]["spec"]["restartPolicy"]
        .as_str()
        .unwrap_or("Always");
    if !allowed.contains(&policy) {
        errors.push(unsupported(
            "spec.template.spec.restartPolicy",
            policy,
            allowed,
        ));
    }
}

/// The rule of RFC 1123 labels (container and namespace names).
const CONTAINER_NAME_RULE: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

/// Containers of a Pod spec: at least one, each named (an RFC 1123 label,
/// unique) with an image.
fn pod_spec(spec: &Value, field: &str, errors: &mut Vec<FieldError>) {
    let containers = spec["containers"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    if containers.is_empty() {
        errors.push(required(&format!("{field}.containers")));
    }
    let mut seen = Vec::new();
    for (i, c) in containers.iter().enumerate() {
        let at = format!("{field}.containers[{i}]");
        let name = c["name"].as_str().unwrap_or("");
        if name.is_empty() {
            errors.push(required(&format!("{at}.name")));
        } else if name.len() > 63 || !is_dns_label(name) {
            errors.push(invalid(
                &format!("{at}.name"),
                &quoted(name),
                CONTAINER_NAME_RULE,
            ));
        } else if seen.contains(&name) {
            errors.push(format!("{at}.name: Duplicate value: {}", quoted(name)));
        }
        seen.push(name);
        if c["image"].as_str().unwrap_or("").trim().is_empty() {
            errors.push(required(&format!("{at}.image")));
        }
        for (j, p) in c["ports"].as_array().into_iter().flatten().enumerate() {
            let port = p["containerPort"].as_i64().unwrap_or(0);
            if !(1..=65535).contains(&port) {
                errors.push(invalid(
                    &format!("{at}.ports[{j}].containerPort"),
                    &port.to_string(),
                    "must be between 1 and 65535, inclusive",
                ));
            }
        }
    }
}

fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

const SERVICE_TYPES: [&str; 4] = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];

fn service(obj: &Value, errors: &mut Vec<FieldError>) {
    let spec = &obj["spec"];
    let ty = spec["type"].as_str().unwrap_or("ClusterIP");
    if !SERVICE_TYPES.contains(&ty) {
        errors.push(unsupported("spec.type", ty, &SERVICE_TYPES));
    }
    let ports = spec["ports"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    if ports.is_empty() && ty != "ExternalName" && spec["clusterIP"] != "None" {
        errors.push(required("spec.ports"));
    }
    for (i, p) in ports.iter().enumerate() {
        let port = p["port"].as_i64().unwrap_or(0);
        if !(1..=65535).contains(&port) {
            errors.push(invalid(
                &format!("spec.ports[{i}].port"),
                &port.to_string(),
                "must be between 1 and 65535, inclusive",
            ));
        }
        if ports.len() > 1 && p["name"].as_str().unwrap_or("").is_empty() {
            errors.push(required(&format!("spec.ports[{i}].name")));
        }
    }
}

const CONFIG_KEY_RULE: &str = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

fn config_keys(data: &Value, field: &str, errors: &mut Vec<FieldError>) {
    for key in data.as_object().into_iter().flatten().map(|(k, _)| k) {
        let ok = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !ok {
            errors.push(invalid(
                &format!("{field}[{key}]"),
                &quoted(key),
                CONFIG_KEY_RULE,
            ));
        }
    }
}

/// `spec.<field>` may not change once set.
fn immutable(obj: &Value, old: Option<&Value>, field: &str, errors: &mut Vec<FieldError>) {
    let Some(old) = old else { return };
    let (before, after) = (&old["spec"][field], &obj["spec"][field]);
    if before.is_null() || before == after {
        return;
    }
    let shown = if field == "selector" {
        go_selector(after)
    } else {
        after.to_string()
    };
    errors.push(invalid(
        &format!("spec.{field}"),
        &shown,
        "field is immutable",
    ));
}
