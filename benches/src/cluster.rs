//! Synthetic cluster state for the engine benchmarks: desired objects as Git
//! declares them and the live objects an API server returns for them, with
//! server-set metadata, API defaults, `kubectl apply`'s last-applied
//! annotation and status.
//!
//! Objects cycle through Deployment, Service, ConfigMap and Pod. Every tenth
//! live object has drifted from its desired state, and statuses vary (most
//! healthy, some progressing or degraded) so that diff and health take their
//! less common paths too. Output is a pure function of the count.

use serde_json::{Value, json};

/// One object: what Git declares and what the cluster holds.
#[derive(Debug, Clone)]
pub struct Pair {
    /// The desired object.
    pub desired: Value,
    /// The live object.
    pub live: Value,
}

/// The namespace every generated object lives in.
pub const NAMESPACE: &str = "shop";

/// `count` desired/live pairs.
pub fn pairs(count: usize) -> Vec<Pair> {
    (0..count).map(pair).collect()
}

/// The `i`-th pair: kind by `i % 4`, drift every tenth object, status by `i % 7`.
fn pair(i: usize) -> Pair {
    let app = format!("svc-{:05}", i / 4);
    let drift = i % 10 == 9;
    let (desired, mut live) = match i % 4 {
        0 => deployment(&app, i, drift),
        1 => service(&app, drift),
        2 => config_map(&app, i, drift),
        _ => pod(&app, i, drift),
    };
    add_server_metadata(&desired, &mut live, i);
    Pair { desired, live }
}

/// Labels every object of an app carries.
fn labels(app: &str) -> Value {
    json!({"app.kubernetes.io/name": app, "app.kubernetes.io/part-of": "shop", "team": "checkout"})
}

/// Metadata of a desired object.
fn metadata(name: &str, app: &str) -> Value {
    json!({"name": name, "namespace": NAMESPACE, "labels": labels(app)})
}

/// The main container of an app as Git declares it.
fn container(app: &str, tag: &str) -> Value {
    json!({
        "name": "app",
        "image": format!("registry.example.com/shop/{app}:{tag}"),
        "ports": [{"name": "http", "containerPort": 8080}],
        "env": [
            {"name": "LOG_LEVEL", "value": "info"},
            {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}
        ],
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
        "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}}
    })
}

/// `container` with the fields the API server fills in.
fn defaulted_container(app: &str, tag: &str) -> Value {
    let mut c = container(app, tag);
    let obj = c.as_object_mut().expect("container is an object");
    obj.insert("imagePullPolicy".into(), json!("IfNotPresent"));
    obj.insert(
        "terminationMessagePath".into(),
        json!("/dev/termination-log"),
    );
    obj.insert("terminationMessagePolicy".into(), json!("File"));
    c["ports"][0]["protocol"] = json!("TCP");
    c["env"][1]["valueFrom"]["fieldRef"]["apiVersion"] = json!("v1");
    let probe = &mut c["readinessProbe"];
    probe["httpGet"]["scheme"] = json!("HTTP");
    for (k, v) in [
        ("timeoutSeconds", 1),
        ("periodSeconds", 10),
        ("successThreshold", 1),
        ("failureThreshold", 3),
    ] {
        probe[k] = json!(v);
    }
    c
}

/// Pod spec fields the API server fills in.
fn pod_spec_defaults(spec: &mut Value) {
    for (k, v) in [
        ("dnsPolicy", json!("ClusterFirst")),
        ("restartPolicy", json!("Always")),
        ("schedulerName", json!("default-scheduler")),
        ("securityContext", json!({})),
        ("terminationGracePeriodSeconds", json!(30)),
    ] {
        spec[k] = v;
    }
}

/// A Deployment; live status by `i % 7`: healthy, progressing, or past its deadline.
fn deployment(app: &str, i: usize, drift: bool) -> (Value, Value) {
    let desired = json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(app, app),
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app.kubernetes.io/name": app}},
            "template": {
                "metadata": {"labels": labels(app)},
                "spec": {"containers": [container(app, "1.4.2")], "serviceAccountName": app}
            }
        }
    });
    let mut live = desired.clone();
    let tag = if drift { "1.4.1" } else { "1.4.2" };
    live["spec"]["template"]["spec"]["containers"] = json!([defaulted_container(app, tag)]);
    pod_spec_defaults(&mut live["spec"]["template"]["spec"]);
    live["spec"]["template"]["spec"]["serviceAccount"] = json!(app);
    live["spec"]["progressDeadlineSeconds"] = json!(600);
    live["spec"]["revisionHistoryLimit"] = json!(10);
    live["spec"]["strategy"] = json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}});
    let (updated, available, condition) = match i % 7 {
        5 => (
            1,
            2,
            json!({"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated"}),
        ),
        6 => (
            3,
            2,
            json!({"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}),
        ),
        _ => (
            3,
            3,
            json!({"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}),
        ),
    };
    live["status"] = json!({
        "observedGeneration": 1,
        "replicas": 3,
        "updatedReplicas": updated,
        "readyReplicas": available,
        "availableReplicas": available,
        "conditions": [
            {"type": "Available", "status": if available == 3 { "True" } else { "False" },
             "reason": "MinimumReplicasAvailable", "lastUpdateTime": "2026-11-01T10:00:00Z",
             "lastTransitionTime": "2026-11-01T10:00:00Z"},
            condition
        ]
    });
    (desired, live)
}

/// A ClusterIP Service.
fn service(app: &str, drift: bool) -> (Value, Value) {
    let desired = json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(app, app),
        "spec": {
            "selector": {"app.kubernetes.io/name": app},
            "ports": [{"name": "http", "port": 80, "targetPort": "http"}]
        }
    });
    let mut live = desired.clone();
    let spec = &mut live["spec"];
    spec["clusterIP"] = json!("10.96.12.34");
    spec["clusterIPs"] = json!(["10.96.12.34"]);
    spec["ipFamilies"] = json!(["IPv4"]);
    spec["ipFamilyPolicy"] = json!("SingleStack");
    spec["internalTrafficPolicy"] = json!("Cluster");
    spec["sessionAffinity"] = json!("None");
    spec["type"] = json!("ClusterIP");
    spec["ports"][0]["protocol"] = json!("TCP");
    if drift {
        spec["ports"][0]["port"] = json!(8080);
    }
    live["status"] = json!({"loadBalancer": {}});
    (desired, live)
}

/// A ConfigMap with a few settings.
fn config_map(app: &str, i: usize, drift: bool) -> (Value, Value) {
    let desired = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(&format!("{app}-config"), app),
        "data": {
            "LOG_LEVEL": "info",
            "FEATURE_FLAGS": "search,recommendations",
            "MAX_CONNECTIONS": (100 + i % 50).to_string(),
            "application.properties": "server.port=8080\nmanagement.port=9090\n"
        }
    });
    let mut live = desired.clone();
    if drift {
        live["data"]["LOG_LEVEL"] = json!("debug");
    }
    (desired, live)
}

/// A Pod; live status by `i % 7`: running and ready, pending, or crash-looping.
fn pod(app: &str, i: usize, drift: bool) -> (Value, Value) {
    let desired = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata(&format!("{app}-debug"), app),
        "spec": {"containers": [container(app, "1.4.2")]}
    });
    let mut live = desired.clone();
    let tag = if drift { "1.4.1" } else { "1.4.2" };
    live["spec"]["containers"] = json!([defaulted_container(app, tag)]);
    pod_spec_defaults(&mut live["spec"]);
    live["spec"]["nodeName"] = json!(format!("node-{}", i % 12));
    live["status"] = match i % 7 {
        3 => json!({"phase": "Pending", "conditions": [
            {"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}]}),
        4 => json!({"phase": "Running", "conditions": [{"type": "Ready", "status": "False"}],
            "containerStatuses": [{"name": "app", "ready": false, "restartCount": 7,
                "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s"}}}]}),
        _ => json!({"phase": "Running", "podIP": "10.244.1.7",
            "conditions": [{"type": "Ready", "status": "True"}, {"type": "ContainersReady", "status": "True"}],
            "containerStatuses": [{"name": "app", "ready": true, "restartCount": 0, "started": true,
                "state": {"running": {"startedAt": "2026-11-01T10:00:00Z"}}}]}),
    };
    (desired, live)
}

/// Metadata the API server and `kubectl apply` add to a live object.
fn add_server_metadata(desired: &Value, live: &mut Value, i: usize) {
    let applied = serde_json::to_string(desired).expect("JSON values serialise");
    let meta = &mut live["metadata"];
    meta["uid"] = json!(format!("0b7c2a9e-1d3f-4c55-9a1e-{i:012}"));
    meta["resourceVersion"] = json!((100_000 + i).to_string());
    meta["generation"] = json!(1);
    meta["creationTimestamp"] = json!("2026-11-01T10:00:00Z");
    meta["annotations"] = json!({"kubectl.kubernetes.io/last-applied-configuration": applied});
    meta["managedFields"] = json!([{
        "manager": "kubectl-client-side-apply",
        "operation": "Update",
        "apiVersion": desired["apiVersion"],
        "time": "2026-11-01T10:00:00Z",
        "fieldsType": "FieldsV1",
        "fieldsV1": {"f:metadata": {"f:annotations": {".": {}, "f:kubectl.kubernetes.io/last-applied-configuration": {}}}}
    }]);
}
