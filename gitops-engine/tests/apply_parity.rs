//! Client-side apply parity with `kubectl apply`: each scenario runs twice,
//! against two fresh emulators, once with the installed kubectl and once
//! with `KubeCluster::apply`. The patch kubectl sends (read from its `-v=10`
//! request log) must equal the one the engine computes, the live objects
//! must be equal afterwards, and the diff's prediction before the update
//! must equal the live result after it. Other writers (`kubectl set env`,
//! `kubectl label`, `kubectl patch`) act identically on both emulators.
//! Skipped when kubectl is not installed.

use std::path::Path;
use std::time::Duration;

#[path = "../../apiserver-emulator/tests/kubectl_support/mod.rs"]
mod kubectl_support;

use apiserver_emulator::{Emulator, EmulatorHandle};
use gitops_engine::cluster::{
    ApplyMode, Cluster, KubeCluster, ObjectRef, WriteOptions, client_side_patch,
    last_applied_annotated,
};
use gitops_engine::diff::{DiffOptions, LAST_APPLIED_ANNOTATION, diff};
use kubectl_support::{kubectl, kubectl_installed};
use serde_json::Value;

const LIMIT: Duration = Duration::from_secs(30);

/// How the object comes to exist before the update under test.
#[derive(Clone, Copy)]
enum Start {
    /// Applied from `v1` (kubectl apply / `Cluster::apply`).
    Applied,
    /// Created from `v1` without a last-applied annotation (`kubectl create`).
    Created,
    /// Created from `v1`, then given this stale last-applied configuration
    /// by `kubectl patch` (`kubectl create` would refresh one in the file).
    StaleLastApplied(&'static str),
}

struct Scenario {
    name: &'static str,
    /// Applied (or created) first; for custom resources, after the CRD.
    v1: String,
    /// What another writer does between the two applies (kubectl arguments).
    others: &'static [&'static [&'static str]],
    /// The manifest applied second.
    v2: String,
    start: Start,
}

const CRD: &str = r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, listKind: WidgetList}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
"#;

fn deployment(containers: &str, extra_spec: &str) -> String {
    format!(
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
  labels: {{app: web}}
spec:
  replicas: 1
  selector:
    matchLabels: {{app: web}}
{extra_spec}  template:
    metadata:
      labels: {{app: web}}
    spec:
      containers:
{containers}"#
    )
}

fn scenarios() -> Vec<Scenario> {
    let web = |image: &str| format!("      - name: web\n        image: {image}\n");
    let dep = |containers: String, extra: &str| deployment(&containers, extra);
    let cm = |body: &str| {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: conf\n  namespace: default\n{body}"
        )
    };
    let svc = |ports: &str| {
        format!(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: default\nspec:\n  selector: {{app: web}}\n  ports:\n{ports}"
        )
    };
    let widget = |spec: &str| {
        format!(
            "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: default\nspec:\n{spec}"
        )
    };
    let env = |pairs: &[(&str, &str)]| {
        let mut s = String::from("        env:\n");
        for (k, v) in pairs {
            s.push_str(&format!("        - name: {k}\n          value: \"{v}\"\n"));
        }
        s
    };
    let set_env: &'static [&'static [&'static str]] = &[&[
        "set",
        "env",
        "deployment/web",
        "-n",
        "default",
        "EXTRA=kept",
    ]];
    let applied = Start::Applied;
    vec![
        Scenario {
            name: "configmap data changed and a key removed from Git",
            v1: cm("data: {a: \"1\", b: \"2\"}\n"),
            others: &[],
            v2: cm("data: {a: \"9\"}\n"),
            start: applied,
        },
        Scenario {
            name: "env entry added by kubectl set env survives an image change",
            v1: dep(web("nginx:1"), ""),
            others: set_env,
            v2: dep(web("nginx:2"), ""),
            start: applied,
        },
        Scenario {
            name: "env entry removed from Git, another writer's entry kept",
            v1: dep(web("nginx:1") + &env(&[("A", "1"), ("B", "2")]), ""),
            others: set_env,
            v2: dep(web("nginx:1") + &env(&[("A", "1")]), ""),
            start: applied,
        },
        Scenario {
            name: "container renamed",
            v1: dep(web("nginx:1"), ""),
            others: &[],
            v2: dep("      - name: app\n        image: nginx:1\n".into(), ""),
            start: applied,
        },
        Scenario {
            name: "sidecar added",
            v1: dep(web("nginx:1"), ""),
            others: &[],
            v2: dep(web("nginx:1") + "      - name: side\n        image: busybox\n", ""),
            start: applied,
        },
        Scenario {
            name: "sidecar removed from Git",
            v1: dep(web("nginx:1") + "      - name: side\n        image: busybox\n", ""),
            others: &[],
            v2: dep(web("nginx:1"), ""),
            start: applied,
        },
        Scenario {
            name: "containers reordered",
            v1: dep(web("nginx:1") + "      - name: side\n        image: busybox\n", ""),
            others: &[],
            v2: dep("      - name: side\n        image: busybox\n".to_owned() + &web("nginx:1"), ""),
            start: applied,
        },
        Scenario {
            name: "container ports reordered",
            v1: dep(web("nginx:1") + "        ports:\n        - containerPort: 80\n        - containerPort: 443\n", ""),
            others: &[],
            v2: dep(web("nginx:1") + "        ports:\n        - containerPort: 443\n        - containerPort: 80\n", ""),
            start: applied,
        },
        Scenario {
            name: "service ports reordered and one changed",
            v1: svc("  - {name: http, port: 80, targetPort: 8080}\n  - {name: https, port: 443, targetPort: 8443}\n"),
            others: &[],
            v2: svc("  - {name: https, port: 443, targetPort: 9443}\n  - {name: http, port: 80, targetPort: 8080}\n"),
            start: applied,
        },
        Scenario {
            name: "service port removed from Git",
            v1: svc("  - {name: http, port: 80}\n  - {name: https, port: 443}\n"),
            others: &[],
            v2: svc("  - {name: http, port: 80}\n"),
            start: applied,
        },
        Scenario {
            name: "label added by another writer kept, replicas changed",
            v1: dep(web("nginx:1"), ""),
            others: &[&["label", "deployment/web", "-n", "default", "team=blue"]],
            v2: deployment(&web("nginx:1"), "").replace("replicas: 1", "replicas: 3"),
            start: applied,
        },
        Scenario {
            name: "annotation removed from Git",
            v1: cm("  annotations: {owner: a, note: b}\ndata: {a: \"1\"}\n"),
            others: &[],
            v2: cm("  annotations: {owner: a}\ndata: {a: \"1\"}\n"),
            start: applied,
        },
        Scenario {
            name: "last-applied missing: nothing is removed, changes are set",
            v1: cm("data: {a: \"1\", b: \"2\"}\n"),
            others: &[],
            v2: cm("data: {a: \"9\"}\n"),
            start: Start::Created,
        },
        Scenario {
            name: "last-applied stale: what it lists and Git dropped is removed",
            v1: cm("data: {a: \"1\", b: \"2\", c: \"3\"}\n"),
            others: &[],
            v2: cm("data: {a: \"1\"}\n"),
            start: Start::StaleLastApplied(
                r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"annotations":{},"name":"conf","namespace":"default"},"data":{"a":"1","c":"3"}}"#,
            ),
        },
        Scenario {
            name: "finalizers replaced in Git, another writer's finalizer kept",
            v1: cm("  finalizers: [example.com/a, example.com/b]\ndata: {a: \"1\"}\n"),
            others: &[&["patch", "configmap/conf", "-n", "default", "--type", "json", "-p",
                r#"[{"op":"add","path":"/metadata/finalizers/-","value":"example.com/other"}]"#]],
            v2: cm("  finalizers: [example.com/a, example.com/c]\ndata: {a: \"1\"}\n"),
            start: applied,
        },
        Scenario {
            name: "volume source changed (retainKeys)",
            v1: dep(web("nginx:1"), "").replace("      containers:", "      volumes:\n      - name: data\n        emptyDir: {}\n      containers:").to_owned(),
            others: &[],
            v2: dep(web("nginx:1"), "").replace("      containers:", "      volumes:\n      - name: data\n        configMap: {name: conf}\n      containers:").to_owned(),
            start: applied,
        },
        Scenario {
            name: "deployment strategy switched to Recreate (retainKeys)",
            v1: dep(web("nginx:1"), "  strategy:\n    type: RollingUpdate\n    rollingUpdate: {maxSurge: 2}\n"),
            others: &[],
            v2: dep(web("nginx:1"), "  strategy:\n    type: Recreate\n"),
            start: applied,
        },
        Scenario {
            name: "tolerations (an atomic list) replaced, dropping another writer's entry",
            v1: dep(web("nginx:1"), "").replace("      containers:", "      tolerations:\n      - {key: a, operator: Exists}\n      containers:").to_owned(),
            others: &[&["patch", "deployment/web", "-n", "default", "--type", "json", "-p",
                r#"[{"op":"add","path":"/spec/template/spec/tolerations/-","value":{"key":"b","operator":"Exists"}}]"#]],
            v2: dep(web("nginx:1"), "").replace("      containers:", "      tolerations:\n      - {key: c, operator: Exists}\n      containers:").to_owned(),
            start: applied,
        },
        Scenario {
            name: "$patch: delete in the manifest is dropped by kubectl's patch",
            v1: dep(web("nginx:1"), ""),
            others: &[&["patch", "deployment/web", "-n", "default", "--type", "strategic", "-p",
                r#"{"spec":{"template":{"spec":{"containers":[{"name":"side","image":"busybox"}]}}}}"#]],
            v2: dep(web("nginx:1") + "      - name: side\n        $patch: delete\n", ""),
            start: applied,
        },
        Scenario {
            name: "custom resource: list replaced, field removed, another writer's field kept",
            v1: widget("  items: [a, b]\n  size: 3\n  mode: fast\n"),
            others: &[&["patch", "widget/w", "-n", "default", "--type", "merge", "-p", r#"{"spec":{"extra":"kept"}}"#]],
            v2: widget("  items: [b]\n  size: 4\n"),
            start: applied,
        },
        Scenario {
            name: "custom resource without last-applied",
            v1: widget("  items: [a]\n  mode: fast\n"),
            others: &[],
            v2: widget("  items: [a, c]\n"),
            start: Start::Created,
        },
        Scenario {
            name: "unchanged manifest sends no patch",
            v1: dep(web("nginx:1"), ""),
            others: &[],
            v2: dep(web("nginx:1"), ""),
            start: applied,
        },
        Scenario {
            name: "values with HTML characters are recorded as kubectl's encoder writes them",
            v1: cm("data: {a: \"x\"}\n"),
            others: &[],
            v2: cm("data: {a: \"<b> & </b>\"}\n"),
            start: applied,
        },
        Scenario {
            name: "init container renamed and volume mount changed",
            v1: dep(web("nginx:1") + "        volumeMounts:\n        - {name: data, mountPath: /a}\n", "").replace("      containers:", "      volumes:\n      - name: data\n        emptyDir: {}\n      initContainers:\n      - name: init\n        image: busybox\n      containers:").to_owned(),
            others: &[],
            v2: dep(web("nginx:1") + "        volumeMounts:\n        - {name: data, mountPath: /b}\n", "").replace("      containers:", "      volumes:\n      - name: data\n        emptyDir: {}\n      initContainers:\n      - name: setup\n        image: busybox\n      containers:").to_owned(),
            start: applied,
        },
    ]
}

/// The kubectl commands other writers run between the two applies.
fn other_writers(s: &Scenario) -> Vec<Vec<String>> {
    let mut commands: Vec<Vec<String>> = Vec::new();
    if let Start::StaleLastApplied(stale) = s.start {
        let object = parse(&s.v1);
        let target = format!(
            "{}/{}",
            object["kind"].as_str().unwrap_or_default().to_lowercase(),
            object["metadata"]["name"].as_str().unwrap_or_default()
        );
        let patch =
            serde_json::json!({"metadata": {"annotations": {LAST_APPLIED_ANNOTATION: stale}}});
        commands.push(
            [
                "patch",
                &target,
                "-n",
                "default",
                "--type",
                "merge",
                "-p",
                &patch.to_string(),
            ]
            .map(str::to_owned)
            .to_vec(),
        );
    }
    commands.extend(
        s.others
            .iter()
            .map(|c| c.iter().map(|a| (*a).to_owned()).collect()),
    );
    commands
}

async fn run_other_writers(s: &Scenario, server: &str, dir: &Path) {
    for command in other_writers(s) {
        let args: Vec<&str> = command.iter().map(String::as_str).collect();
        kubectl_ok(server, dir, &args).await;
    }
}

fn parse(yaml: &str) -> Value {
    serde_saphyr::from_str(yaml).expect("scenario manifest parses")
}

async fn kubectl_ok(server: &str, dir: &Path, args: &[&str]) -> String {
    let (ok, out, err) = kubectl(server, dir, args).await;
    assert!(ok, "kubectl {args:?} failed:\n{out}\n{err}");
    err
}

/// The body of the PATCH request in kubectl's `-v=10` log, if it sent one:
/// the last `"Request Body"` logged before the `curl -XPATCH` line.
fn patch_body(log: &str) -> Option<Value> {
    let mut last_body = None;
    for line in log.lines() {
        if line.contains("\"Request Body\"") {
            last_body = line.split_once(" body=").map(|(_, b)| b.trim());
        } else if line.contains("-XPATCH") {
            let quoted: String = serde_json::from_str(last_body?).ok()?;
            return serde_json::from_str(&quoted).ok();
        }
    }
    None
}

/// Without the fields the server sets differently on every write, `status`
/// and the deployment controller's revision annotation.
fn comparable(mut obj: Value) -> Value {
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        for volatile in [
            "uid",
            "resourceVersion",
            "creationTimestamp",
            "managedFields",
        ] {
            meta.remove(volatile);
        }
        // Written by the deployment controller at its own pace.
        if let Some(a) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            a.remove("deployment.kubernetes.io/revision");
        }
    }
    if let Some(o) = obj.as_object_mut() {
        o.remove("status");
    }
    obj
}

/// `comparable` without the last-applied annotation (the diff's desired side
/// does not carry the new one) and `generation` (the server counts writes).
fn without_last_applied(obj: &Value) -> Value {
    let mut obj = comparable(obj.clone());
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("generation");
        if let Some(a) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            a.remove(LAST_APPLIED_ANNOTATION);
        }
        if meta
            .get("annotations")
            .is_some_and(|a| a == &serde_json::json!({}))
        {
            meta.remove("annotations");
        }
    }
    obj
}

async fn start() -> (EmulatorHandle, KubeCluster) {
    let emu = tokio::time::timeout(LIMIT, Emulator::start())
        .await
        .expect("in time")
        .expect("emulator");
    let client =
        kube::Client::try_from(kube::Config::new(emu.url().parse().expect("url"))).expect("client");
    (emu, KubeCluster::new(client))
}

async fn live(cluster: &KubeCluster, manifest: &Value) -> Value {
    let object = ObjectRef::of(manifest).expect("object ref");
    tokio::time::timeout(LIMIT, cluster.get(&object))
        .await
        .expect("in time")
        .expect("get")
        .expect("exists")
}

fn write(dir: &Path, name: &str, yaml: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, yaml).expect("write manifest");
    path.to_str().expect("utf-8").to_owned()
}

/// The scenario with kubectl: returns the live object and the PATCH body
/// kubectl sent (None when it sent none).
async fn with_kubectl(s: &Scenario, v1: &str, v2: &str, custom: bool) -> (Value, Option<Value>) {
    let (emu, cluster) = start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let url = emu.url();
    if custom {
        let crd = write(dir.path(), "crd.yaml", CRD);
        kubectl_ok(&url, dir.path(), &["apply", "-f", &crd]).await;
    }
    let first = write(dir.path(), "v1.yaml", v1);
    let verb = if matches!(s.start, Start::Applied) {
        "apply"
    } else {
        "create"
    };
    kubectl_ok(&url, dir.path(), &[verb, "-f", &first]).await;
    run_other_writers(s, &url, dir.path()).await;
    let second = write(dir.path(), "v2.yaml", v2);
    let log = kubectl_ok(&url, dir.path(), &["apply", "-f", &second, "-v=10"]).await;
    let result = live(&cluster, &parse(v2)).await;
    emu.shutdown().await;
    (result, patch_body(&log))
}

/// The scenario with the engine: the live object, the engine's patch (None
/// when it sends none), the diff's prediction before the update and the
/// diff of the updated object.
async fn with_engine(
    s: &Scenario,
    v1: &str,
    v2: &str,
    custom: bool,
) -> (Value, Option<Value>, Value, Value) {
    let (emu, cluster) = start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let url = emu.url();
    let apply = |obj: Value| {
        let cluster = &cluster;
        async move {
            tokio::time::timeout(
                LIMIT,
                cluster.apply(&obj, &ApplyMode::ClientSide, WriteOptions::default()),
            )
            .await
            .expect("in time")
            .unwrap_or_else(|e| panic!("apply: {e}"))
        }
    };
    if custom {
        apply(parse(CRD)).await;
    }
    let (v1, v2) = (parse(v1), parse(v2));
    if matches!(s.start, Start::Applied) {
        apply(v1.clone()).await;
    } else {
        let created = cluster.create(&v1, WriteOptions::default());
        tokio::time::timeout(LIMIT, created)
            .await
            .expect("in time")
            .expect("create");
    }
    run_other_writers(s, &url, dir.path()).await;
    let before = live(&cluster, &v2).await;
    let patch = client_side_patch(&last_applied_annotated(&v2), &before).expect("patch");
    let patch = (!patch.is_empty()).then(|| patch.body().clone());
    let prediction = diff(Some(&v2), Some(&before), &DiffOptions::default()).expect("diff");
    apply(v2.clone()).await;
    let after = live(&cluster, &v2).await;
    let settled = diff(Some(&v2), Some(&after), &DiffOptions::default()).expect("diff");
    emu.shutdown().await;
    (
        after,
        patch,
        prediction.predicted_live,
        settled.normalized_live,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_side_apply_matches_kubectl() {
    if !kubectl_installed() {
        eprintln!("kubectl not installed: skipping");
        return;
    }
    let all = scenarios();
    assert!(all.len() >= 20, "at least 20 scenarios");
    let mut failures = Vec::new();
    for s in &all {
        let (v1, v2) = (&s.v1, &s.v2);
        let custom = v1.contains("example.com/v1");
        let (theirs, their_patch) = with_kubectl(s, v1, v2, custom).await;
        let (ours, our_patch, predicted, settled) = with_engine(s, v1, v2, custom).await;
        if their_patch != our_patch {
            failures.push(format!(
                "{}: patch differs\nkubectl: {}\nengine:  {}",
                s.name,
                their_patch.map_or("none".into(), |p| p.to_string()),
                our_patch.map_or("none".into(), |p| p.to_string()),
            ));
        }
        if comparable(theirs.clone()) != comparable(ours.clone()) {
            failures.push(format!(
                "{}: live objects differ\nkubectl: {}\nengine:  {}",
                s.name,
                comparable(theirs),
                comparable(ours)
            ));
        }
        if without_last_applied(&predicted) != without_last_applied(&settled) {
            failures.push(format!(
                "{}: the diff predicted a different result\npredicted: {}\nlive:      {}",
                s.name,
                without_last_applied(&predicted),
                without_last_applied(&settled)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
