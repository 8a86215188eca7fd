//! Server-side printing: `meta.k8s.io/v1` `Table` answers for requests that
//! accept `application/json;as=Table`, with the columns the real API server
//! prints for common kinds (`kubectl get` shows them as they come).

use serde_json::{Value, json};

use crate::registry::ResourceType;

/// Whether an `Accept` header asks for a `Table`.
pub fn wants_table(accept: &str) -> bool {
    accept
        .split(',')
        .next()
        .is_some_and(|first| first.split(';').any(|p| p.trim() == "as=Table"))
}

/// What a row carries besides its cells (`includeObject`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncludeObject {
    /// Nothing.
    None,
    /// `PartialObjectMetadata` (the default).
    Metadata,
    /// The whole object.
    Object,
}

impl IncludeObject {
    /// Parses the `includeObject` query parameter.
    pub fn parse(param: Option<&str>) -> Self {
        match param {
            Some("None") => IncludeObject::None,
            Some("Object") => IncludeObject::Object,
            _ => IncludeObject::Metadata,
        }
    }
}

/// A column: header, OpenAPI type and format, priority (0 is shown by
/// default, 1 with `-o wide`) and how a cell is computed.
type Column = (&'static str, &'static str, &'static str, u8, Cell);

/// Computes one cell from the object and the current time (Unix seconds).
type Cell = fn(&Value, i64) -> Value;

/// The `Table` of some objects of one type.
pub fn table(
    rt: &ResourceType,
    items: &[Value],
    resource_version: Option<String>,
    include: IncludeObject,
    now: i64,
) -> Value {
    let columns = columns(&rt.group, &rt.kind);
    let definitions: Vec<Value> = columns
        .iter()
        .map(|(name, ty, format, priority, _)| {
            json!({"name": name, "type": ty, "format": format, "description": description(name), "priority": priority})
        })
        .collect();
    let rows: Vec<Value> = items
        .iter()
        .map(|obj| {
            let cells: Vec<Value> = columns.iter().map(|c| (c.4)(obj, now)).collect();
            let mut row = json!({"cells": cells});
            match include {
                IncludeObject::None => {}
                IncludeObject::Metadata => {
                    row["object"] = json!({
                        "kind": "PartialObjectMetadata",
                        "apiVersion": "meta.k8s.io/v1",
                        "metadata": obj["metadata"],
                    });
                }
                IncludeObject::Object => row["object"] = obj.clone(),
            }
            row
        })
        .collect();
    let mut metadata = json!({});
    if let Some(rv) = resource_version {
        metadata["resourceVersion"] = rv.into();
    }
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": metadata,
        "columnDefinitions": definitions,
        "rows": rows,
    })
}

fn description(column: &str) -> &'static str {
    match column {
        "Name" => {
            "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
        }
        "Age" => {
            "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC."
        }
        _ => "",
    }
}

const NAME: Column = ("Name", "string", "name", 0, |o, _| {
    o["metadata"]["name"].clone()
});
const AGE: Column = ("Age", "string", "", 0, |o, now| {
    Value::String(age(&o["metadata"]["creationTimestamp"], now))
});

/// The columns of a kind: the real server's printers for common kinds,
/// `Name` and `Age` for the rest.
fn columns(group: &str, kind: &str) -> Vec<Column> {
    let middle: Vec<Column> = match (group, kind) {
        ("", "Pod") => vec![
            ("Ready", "string", "", 0, pod_ready),
            ("Status", "string", "", 0, pod_status),
            ("Restarts", "string", "", 0, pod_restarts),
        ],
        ("apps", "Deployment") => vec![
            ("Ready", "string", "", 0, |o, _| {
                ratio(&o["status"]["readyReplicas"], &o["spec"]["replicas"])
            }),
            ("Up-to-date", "integer", "", 0, |o, _| {
                int(&o["status"]["updatedReplicas"])
            }),
            ("Available", "integer", "", 0, |o, _| {
                int(&o["status"]["availableReplicas"])
            }),
        ],
        ("apps", "ReplicaSet") => vec![
            ("Desired", "integer", "", 0, |o, _| {
                int(&o["spec"]["replicas"])
            }),
            ("Current", "integer", "", 0, |o, _| {
                int(&o["status"]["replicas"])
            }),
            ("Ready", "integer", "", 0, |o, _| {
                int(&o["status"]["readyReplicas"])
            }),
        ],
        ("apps", "StatefulSet") => vec![("Ready", "string", "", 0, |o, _| {
            ratio(&o["status"]["readyReplicas"], &o["spec"]["replicas"])
        })],
        ("apps", "DaemonSet") => vec![
            ("Desired", "integer", "", 0, |o, _| {
                int(&o["status"]["desiredNumberScheduled"])
            }),
            ("Current", "integer", "", 0, |o, _| {
                int(&o["status"]["currentNumberScheduled"])
            }),
            ("Ready", "integer", "", 0, |o, _| {
                int(&o["status"]["numberReady"])
            }),
            ("Up-to-date", "integer", "", 0, |o, _| {
                int(&o["status"]["updatedNumberScheduled"])
            }),
            ("Available", "integer", "", 0, |o, _| {
                int(&o["status"]["numberAvailable"])
            }),
            ("Node Selector", "string", "", 0, |o, _| {
                Value::String(pairs(&o["spec"]["template"]["spec"]["nodeSelector"]))
            }),
        ],
        ("batch", "Job") => vec![
            ("Status", "string", "", 0, job_status),
            ("Completions", "string", "", 0, |o, _| {
                let completions = o["spec"]["completions"].as_i64();
                let succeeded = o["status"]["succeeded"].as_i64().unwrap_or(0);
                Value::String(match completions {
                    Some(c) => format!("{succeeded}/{c}"),
                    None => format!(
                        "{succeeded}/1 of {}",
                        o["spec"]["parallelism"].as_i64().unwrap_or(1)
                    ),
                })
            }),
            ("Duration", "string", "", 0, job_duration),
        ],
        ("batch", "CronJob") => vec![
            ("Schedule", "string", "", 0, |o, _| {
                o["spec"]["schedule"].clone()
            }),
            ("Timezone", "string", "", 0, |o, _| {
                Value::String(
                    o["spec"]["timeZone"]
                        .as_str()
                        .unwrap_or("<none>")
                        .to_owned(),
                )
            }),
            ("Suspend", "boolean", "", 0, |o, _| {
                Value::Bool(o["spec"]["suspend"] == true)
            }),
            ("Active", "integer", "", 0, |o, _| {
                Value::from(o["status"]["active"].as_array().map_or(0, Vec::len))
            }),
            ("Last Schedule", "string", "", 0, |o, now| {
                match o["status"]["lastScheduleTime"] {
                    Value::Null => Value::String("<none>".into()),
                    ref t => Value::String(age(t, now)),
                }
            }),
        ],
        ("", "Service") => vec![
            ("Type", "string", "", 0, |o, _| {
                Value::String(o["spec"]["type"].as_str().unwrap_or("ClusterIP").to_owned())
            }),
            ("Cluster-IP", "string", "", 0, |o, _| {
                Value::String(
                    o["spec"]["clusterIP"]
                        .as_str()
                        .unwrap_or("<none>")
                        .to_owned(),
                )
            }),
            ("External-IP", "string", "", 0, service_external_ip),
            ("Port(s)", "string", "", 0, service_ports),
        ],
        ("", "ConfigMap") => vec![("Data", "integer", "", 0, |o, _| {
            Value::from(count(&o["data"]) + count(&o["binaryData"]))
        })],
        ("", "Secret") => vec![
            ("Type", "string", "", 0, |o, _| o["type"].clone()),
            ("Data", "integer", "", 0, |o, _| {
                Value::from(count(&o["data"]))
            }),
        ],
        ("", "Namespace") => vec![("Status", "string", "", 0, |o, _| {
            o["status"]["phase"].clone()
        })],
        ("", "ServiceAccount") => vec![("Secrets", "string", "", 0, |o, _| {
            Value::from(o["secrets"].as_array().map_or(0, Vec::len))
        })],
        ("", "PersistentVolumeClaim") => vec![
            ("Status", "string", "", 0, |o, _| {
                o["status"]["phase"].clone()
            }),
            ("Volume", "string", "", 0, |o, _| {
                Value::String(o["spec"]["volumeName"].as_str().unwrap_or("").to_owned())
            }),
            ("Capacity", "string", "", 0, |o, _| {
                Value::String(
                    o["status"]["capacity"]["storage"]
                        .as_str()
                        .unwrap_or("")
                        .to_owned(),
                )
            }),
            ("Access Modes", "string", "", 0, |o, _| {
                Value::String(access_modes(&o["status"]["accessModes"]))
            }),
            ("StorageClass", "string", "", 0, |o, _| {
                Value::String(
                    o["spec"]["storageClassName"]
                        .as_str()
                        .unwrap_or("<unset>")
                        .to_owned(),
                )
            }),
            ("VolumeAttributesClass", "string", "", 0, |o, _| {
                Value::String(
                    o["spec"]["volumeAttributesClassName"]
                        .as_str()
                        .unwrap_or("<unset>")
                        .to_owned(),
                )
            }),
        ],
        ("networking.k8s.io", "Ingress") => vec![
            ("Class", "string", "", 0, |o, _| {
                Value::String(
                    o["spec"]["ingressClassName"]
                        .as_str()
                        .unwrap_or("<none>")
                        .to_owned(),
                )
            }),
            ("Hosts", "string", "", 0, ingress_hosts),
            ("Address", "string", "", 0, |o, _| {
                Value::String(load_balancer(&o["status"]["loadBalancer"]["ingress"]).join(","))
            }),
            ("Ports", "string", "", 0, |o, _| {
                Value::String(
                    if o["spec"]["tls"].as_array().is_some_and(|t| !t.is_empty()) {
                        "80, 443".into()
                    } else {
                        "80".into()
                    },
                )
            }),
        ],
        ("apps", "ControllerRevision") => vec![
            ("Controller", "string", "", 0, revision_controller),
            ("Revision", "string", "", 0, |o, _| o["revision"].clone()),
        ],
        ("", "Node") => vec![
            ("Status", "string", "", 0, node_status),
            ("Roles", "string", "", 0, node_roles),
        ],
        ("discovery.k8s.io", "EndpointSlice") => vec![
            ("AddressType", "string", "", 0, |o, _| {
                o["addressType"].clone()
            }),
            ("Ports", "string", "", 0, |o, _| {
                let ports = o["ports"].as_array().map_or(&[][..], Vec::as_slice);
                Value::String(first_three(ports.iter().map(|p| {
                    p["port"]
                        .as_i64()
                        .map(|n| n.to_string())
                        .or_else(|| p["name"].as_str().map(str::to_owned))
                        .unwrap_or_else(|| "*".to_owned())
                })))
            }),
            ("Endpoints", "string", "", 0, |o, _| {
                let endpoints = o["endpoints"].as_array().map_or(&[][..], Vec::as_slice);
                Value::String(first_three(
                    endpoints
                        .iter()
                        .flat_map(|e| e["addresses"].as_array().into_iter().flatten())
                        .map(|a| a.as_str().unwrap_or("").to_owned()),
                ))
            }),
        ],
        _ => Vec::new(),
    };
    // Columns after Age (the Node printer's version and wide columns).
    let after: Vec<Column> = match (group, kind) {
        ("", "Node") => vec![
            ("Version", "string", "", 0, |o, _| {
                o["status"]["nodeInfo"]["kubeletVersion"].clone()
            }),
            ("Internal-IP", "string", "", 1, |o, _| {
                node_address(o, "InternalIP")
            }),
            ("External-IP", "string", "", 1, |o, _| {
                node_address(o, "ExternalIP")
            }),
            ("OS-Image", "string", "", 1, |o, _| node_info(o, "osImage")),
            ("Kernel-Version", "string", "", 1, |o, _| {
                node_info(o, "kernelVersion")
            }),
            ("Container-Runtime", "string", "", 1, |o, _| {
                node_info(o, "containerRuntimeVersion")
            }),
        ],
        _ => Vec::new(),
    };
    std::iter::once(NAME)
        .chain(middle)
        .chain(std::iter::once(AGE))
        .chain(after)
        .collect()
}

/// `<kind>.<group>/<name>` of the controller owner reference, `<none>`
/// without one.
fn revision_controller(o: &Value, _: i64) -> Value {
    let owner = o["metadata"]["ownerReferences"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["controller"] == true);
    Value::String(owner.map_or_else(
        || "<none>".to_owned(),
        |r| {
            let kind = r["kind"].as_str().unwrap_or("").to_lowercase();
            let group = r["apiVersion"]
                .as_str()
                .and_then(|v| v.rsplit_once('/'))
                .map_or("", |(g, _)| g);
            let name = r["name"].as_str().unwrap_or("");
            if group.is_empty() {
                format!("{kind}/{name}")
            } else {
                format!("{kind}.{group}/{name}")
            }
        },
    ))
}

/// At most three items joined by `,` and how many more
/// (`listWithMoreString`), `<unset>` when there are none.
fn first_three(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    match items.len() {
        0 => "<unset>".to_owned(),
        n if n > 3 => format!("{} + {} more...", items[..3].join(","), n - 3),
        _ => items.join(","),
    }
}

/// `Ready`/`NotReady` (`Unknown` without the condition), and
/// `SchedulingDisabled` for a cordoned Node.
fn node_status(o: &Value, _: i64) -> Value {
    let ready = o["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["type"] == "Ready");
    let mut parts = vec![match ready {
        Some(c) if c["status"] == "True" => "Ready",
        Some(_) => "NotReady",
        None => "Unknown",
    }];
    if o["spec"]["unschedulable"] == true {
        parts.push("SchedulingDisabled");
    }
    Value::String(parts.join(","))
}

/// The roles named by `node-role.kubernetes.io/<role>` labels and the
/// `kubernetes.io/role` label, sorted; `<none>` without any.
fn node_roles(o: &Value, _: i64) -> Value {
    let mut roles: Vec<&str> = o["metadata"]["labels"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| match k.strip_prefix("node-role.kubernetes.io/") {
            Some(role) => Some(role),
            None if k == "kubernetes.io/role" => v.as_str(),
            None => None,
        })
        .filter(|r| !r.is_empty())
        .collect();
    roles.sort_unstable();
    roles.dedup();
    Value::String(if roles.is_empty() {
        "<none>".to_owned()
    } else {
        roles.join(",")
    })
}

fn node_address(o: &Value, kind: &str) -> Value {
    let address = o["status"]["addresses"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|a| a["type"] == kind)
        .and_then(|a| a["address"].as_str());
    Value::String(address.unwrap_or("<none>").to_owned())
}

fn node_info(o: &Value, field: &str) -> Value {
    let value = o["status"]["nodeInfo"][field]
        .as_str()
        .filter(|v| !v.is_empty());
    Value::String(value.unwrap_or("<unknown>").to_owned())
}

fn int(v: &Value) -> Value {
    Value::from(v.as_i64().unwrap_or(0))
}

fn ratio(have: &Value, want: &Value) -> Value {
    Value::String(format!(
        "{}/{}",
        have.as_i64().unwrap_or(0),
        want.as_i64().unwrap_or(1)
    ))
}

fn count(map: &Value) -> usize {
    map.as_object().map_or(0, serde_json::Map::len)
}

/// `k=v,k2=v2` of a string map, `<none>` when empty.
fn pairs(map: &Value) -> String {
    let joined: Vec<String> = map
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
        .collect();
    if joined.is_empty() {
        "<none>".into()
    } else {
        joined.join(",")
    }
}

fn pod_ready(o: &Value, _: i64) -> Value {
    let total = o["spec"]["containers"].as_array().map_or(0, Vec::len);
    let ready = o["status"]["containerStatuses"]
        .as_array()
        .map_or(0, |cs| cs.iter().filter(|c| c["ready"] == true).count());
    Value::String(format!("{ready}/{total}"))
}

/// The reason kubectl shows for a Pod: a waiting or terminated container's
/// reason when there is one, `Terminating` while deleted, else the phase.
fn pod_status(o: &Value, _: i64) -> Value {
    if o["metadata"]["deletionTimestamp"].is_string() {
        return Value::String("Terminating".into());
    }
    let waiting = o["status"]["containerStatuses"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|c| {
            c["state"]["waiting"]["reason"]
                .as_str()
                .or(c["state"]["terminated"]["reason"].as_str())
        });
    let phase = o["status"]["reason"]
        .as_str()
        .or(o["status"]["phase"].as_str())
        .unwrap_or("Pending");
    Value::String(waiting.unwrap_or(phase).to_owned())
}

fn pod_restarts(o: &Value, _: i64) -> Value {
    let restarts: i64 = o["status"]["containerStatuses"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["restartCount"].as_i64())
        .sum();
    Value::String(restarts.to_string())
}

fn has_true_condition(o: &Value, kind: &str) -> bool {
    o["status"]["conditions"].as_array().is_some_and(|cs| {
        cs.iter()
            .any(|c| c["type"] == kind && c["status"] == "True")
    })
}

fn job_status(o: &Value, _: i64) -> Value {
    let status = if has_true_condition(o, "Complete") {
        "Complete"
    } else if has_true_condition(o, "Failed") {
        "Failed"
    } else if has_true_condition(o, "FailureTarget") {
        "FailureTarget"
    } else if has_true_condition(o, "SuccessCriteriaMet") {
        "SuccessCriteriaMet"
    } else if o["spec"]["suspend"] == true {
        "Suspended"
    } else {
        "Running"
    };
    Value::String(status.into())
}

fn job_duration(o: &Value, now: i64) -> Value {
    let Some(start) = seconds(&o["status"]["startTime"]) else {
        return Value::String(String::new());
    };
    let end = seconds(&o["status"]["completionTime"]).unwrap_or(now);
    Value::String(human_duration(end - start))
}

fn service_external_ip(o: &Value, _: i64) -> Value {
    let external: Vec<String> = o["spec"]["externalIPs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    let text = match o["spec"]["type"].as_str().unwrap_or("ClusterIP") {
        "LoadBalancer" => {
            let mut all = load_balancer(&o["status"]["loadBalancer"]["ingress"]);
            all.extend(external);
            if all.is_empty() {
                "<pending>".to_owned()
            } else {
                all.join(",")
            }
        }
        "ExternalName" => o["spec"]["externalName"].as_str().unwrap_or("").to_owned(),
        _ if external.is_empty() => "<none>".to_owned(),
        _ => external.join(","),
    };
    Value::String(text)
}

fn load_balancer(ingress: &Value) -> Vec<String> {
    ingress
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["ip"].as_str().or(i["hostname"].as_str()))
        .map(str::to_owned)
        .collect()
}

/// `80/TCP,443:30443/TCP`, `<none>` without ports.
fn service_ports(o: &Value, _: i64) -> Value {
    let ports: Vec<String> = o["spec"]["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            let protocol = p["protocol"].as_str().unwrap_or("TCP");
            let port = p["port"].as_i64().unwrap_or(0);
            match p["nodePort"].as_i64() {
                Some(node) if node != 0 => format!("{port}:{node}/{protocol}"),
                _ => format!("{port}/{protocol}"),
            }
        })
        .collect();
    Value::String(if ports.is_empty() {
        "<none>".into()
    } else {
        ports.join(",")
    })
}

fn ingress_hosts(o: &Value, _: i64) -> Value {
    let hosts: Vec<&str> = o["spec"]["rules"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| r["host"].as_str().unwrap_or("*"))
        .collect();
    Value::String(if hosts.is_empty() {
        "*".into()
    } else {
        hosts.join(",")
    })
}

/// `RWO,ROX,RWX,RWOP` abbreviations of access modes.
fn access_modes(modes: &Value) -> String {
    let short: Vec<&str> = modes
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| match m.as_str()? {
            "ReadWriteOnce" => Some("RWO"),
            "ReadOnlyMany" => Some("ROX"),
            "ReadWriteMany" => Some("RWX"),
            "ReadWriteOncePod" => Some("RWOP"),
            _ => None,
        })
        .collect();
    short.join(",")
}

/// Unix seconds of an RFC 3339 timestamp.
fn seconds(t: &Value) -> Option<i64> {
    t.as_str()?
        .parse::<jiff::Timestamp>()
        .ok()
        .map(|t| t.as_second())
}

/// The `Age` of a creation timestamp: `<unknown>` without one.
fn age(created: &Value, now: i64) -> String {
    match seconds(created) {
        Some(t) => human_duration(now - t),
        None => "<unknown>".to_owned(),
    }
}

/// A duration the way kubectl prints ages: two significant units at most,
/// coarser as it grows (`45s`, `5m3s`, `15m`, `2h10m`, `30h`, `3d4h`, `20d`,
/// `2y10d`).
pub fn human_duration(secs: i64) -> String {
    if secs < -1 {
        return "<invalid>".into();
    }
    let secs = secs.max(0);
    if secs < 120 {
        return format!("{secs}s");
    }
    let minutes = secs / 60;
    if minutes < 10 {
        return with_rest(minutes, "m", secs % 60, "s");
    }
    if minutes < 180 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    if hours < 8 {
        return with_rest(hours, "h", minutes % 60, "m");
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    let days = hours / 24;
    if hours < 24 * 8 {
        return with_rest(days, "d", hours % 24, "h");
    }
    if days < 365 * 2 {
        return format!("{days}d");
    }
    if days < 365 * 8 {
        return with_rest(days / 365, "y", days % 365, "d");
    }
    format!("{}y", days / 365)
}

fn with_rest(big: i64, big_unit: &str, rest: i64, rest_unit: &str) -> String {
    if rest == 0 {
        format!("{big}{big_unit}")
    } else {
        format!("{big}{big_unit}{rest}{rest_unit}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Registry;

    #[test]
    fn ages_as_kubectl_prints_them() {
        let cases = [
            (-5, "<invalid>"),
            (-1, "0s"),
            (59, "59s"),
            (119, "119s"),
            (303, "5m3s"),
            (300, "5m"),
            (900, "15m"),
            (7800, "130m"),
            (3 * 3600 + 600, "3h10m"),
            (30 * 3600, "30h"),
            (3 * 86400 + 4 * 3600, "3d4h"),
            (20 * 86400, "20d"),
            (740 * 86400, "2y10d"),
            (3000 * 86400, "8y"),
        ];
        for (secs, want) in cases {
            assert_eq!(human_duration(secs), want, "{secs}s");
        }
    }

    #[test]
    fn node_rows_as_the_node_printer_makes_them() {
        let rt = Registry::builtin()
            .by_kind("v1", "Node")
            .cloned()
            .expect("built-in");
        let node = json!({"metadata": {"name": "n1", "creationTimestamp": "2026-01-01T00:00:00Z",
                "labels": {"node-role.kubernetes.io/worker": "", "node-role.kubernetes.io/control-plane": ""}},
            "spec": {"unschedulable": true},
            "status": {"conditions": [{"type": "Ready", "status": "False"}],
                "addresses": [{"type": "InternalIP", "address": "10.0.0.1"}],
                "nodeInfo": {"kubeletVersion": "v1.32.0", "osImage": "Ubuntu"}}});
        let now = seconds(&json!("2026-01-01T00:05:00Z")).expect("time");
        let t = table(&rt, &[node], None, IncludeObject::None, now);
        assert_eq!(
            t["rows"][0]["cells"],
            json!([
                "n1",
                "NotReady,SchedulingDisabled",
                "control-plane,worker",
                "5m",
                "v1.32.0",
                "10.0.0.1",
                "<none>",
                "Ubuntu",
                "<unknown>",
                "<unknown>"
            ])
        );
        let wide: Vec<&Value> = t["columnDefinitions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| &c["priority"])
            .collect();
        assert_eq!(wide, [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    }

    #[test]
    fn endpoint_slice_rows_list_three_ports_and_addresses_then_how_many_more() {
        let rt = Registry::builtin()
            .by_kind("discovery.k8s.io/v1", "EndpointSlice")
            .cloned()
            .expect("built-in");
        let addresses = |ips: &[&str]| -> Vec<Value> {
            ips.iter().map(|ip| json!({"addresses": [ip]})).collect()
        };
        let slice = json!({"metadata": {"name": "web-abc", "creationTimestamp": "2026-01-01T00:00:00Z"},
            "addressType": "IPv4", "ports": [{"port": 80}, {"name": "http"}],
            "endpoints": addresses(&["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"])});
        let empty = json!({"metadata": {"name": "web-def", "creationTimestamp": "2026-01-01T00:00:00Z"},
            "addressType": "IPv4", "endpoints": []});
        let now = seconds(&json!("2026-01-01T00:00:30Z")).expect("time");
        let t = table(&rt, &[slice, empty], None, IncludeObject::None, now);
        assert_eq!(
            t["rows"][0]["cells"],
            json!([
                "web-abc",
                "IPv4",
                "80,http",
                "10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...",
                "30s"
            ])
        );
        assert_eq!(
            t["rows"][1]["cells"],
            json!(["web-def", "IPv4", "<unset>", "<unset>", "30s"])
        );
    }

    #[test]
    fn controller_revision_rows_name_their_controller() {
        let rt = Registry::builtin()
            .by_kind("apps/v1", "ControllerRevision")
            .cloned()
            .expect("built-in");
        let owned = json!({"metadata": {"name": "db-abc", "creationTimestamp": "2026-01-01T00:00:00Z",
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "db",
                                     "uid": "u", "controller": true}]},
            "revision": 2});
        let orphan = json!({"metadata": {"name": "x", "creationTimestamp": "2026-01-01T00:00:00Z"},
            "revision": 1});
        let now = seconds(&json!("2026-01-01T00:00:10Z")).expect("time");
        let t = table(&rt, &[owned, orphan], None, IncludeObject::None, now);
        assert_eq!(
            t["rows"][0]["cells"],
            json!(["db-abc", "statefulset.apps/db", 2, "10s"])
        );
        assert_eq!(t["rows"][1]["cells"], json!(["x", "<none>", 1, "10s"]));
    }

    #[test]
    fn deployment_rows_have_ready_and_available() {
        let rt = Registry::builtin()
            .by_kind("apps/v1", "Deployment")
            .cloned()
            .expect("built-in");
        let d = json!({"metadata": {"name": "web", "creationTimestamp": "2026-01-01T00:00:00Z"},
            "spec": {"replicas": 3},
            "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}});
        let now = seconds(&json!("2026-01-01T00:05:00Z")).expect("time");
        let t = table(&rt, &[d], Some("7".into()), IncludeObject::Metadata, now);
        let names: Vec<&str> = t["columnDefinitions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["name"].as_str())
            .collect();
        assert_eq!(names, ["Name", "Ready", "Up-to-date", "Available", "Age"]);
        assert_eq!(t["rows"][0]["cells"], json!(["web", "2/3", 3, 2, "5m"]));
        assert_eq!(t["rows"][0]["object"]["kind"], "PartialObjectMetadata");
        assert!(wants_table(
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
        ));
        assert!(!wants_table("application/json"));
    }
}
