//! The installed kubectl (`/usr/bin/kubectl` or `kubectl` on PATH) works
//! against the emulator: get, client-side apply (create and update) and
//! delete. Skipped when kubectl is not installed.

mod common;
mod kubectl_support;

use std::path::Path;

use common::{LIMIT, start};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::Api;
use kubectl_support::{kubectl, kubectl_installed};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_get_apply_delete() {
    if !kubectl_installed() {
        eprintln!("kubectl not installed: skipping");
        return;
    }
    let (emu, client) = start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let url = emu.url();

    let (ok, out, err) = kubectl(&url, dir.path(), &["get", "configmaps", "-n", "default"]).await;
    assert!(ok, "get failed: {out}\n{err}");
    assert!(
        out.is_empty() && err.contains("No resources found"),
        "{out}\n{err}"
    );

    let manifest = dir.path().join("cm.yaml");
    std::fs::write(&manifest, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\n  namespace: default\ndata:\n  mode: blue\n  keep: \"1\"\n").expect("write");
    let (ok, out, err) = kubectl(
        &url,
        dir.path(),
        &["apply", "-f", manifest.to_str().expect("utf-8")],
    )
    .await;
    assert!(ok, "apply failed: {out}\n{err}");
    assert!(out.contains("configmap/app-config created"), "{out}");

    let api: Api<ConfigMap> = Api::namespaced(client, "default");
    let live = tokio::time::timeout(LIMIT, api.get("app-config"))
        .await
        .expect("in time")
        .expect("created");
    let annotations = live.metadata.annotations.clone().unwrap_or_default();
    assert!(annotations.contains_key("kubectl.kubernetes.io/last-applied-configuration"));

    std::fs::write(&manifest, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\n  namespace: default\ndata:\n  mode: green\n").expect("write");
    let (ok, out, err) = kubectl(
        &url,
        dir.path(),
        &["apply", "-f", manifest.to_str().expect("utf-8")],
    )
    .await;
    assert!(ok, "second apply failed: {out}\n{err}");
    assert!(out.contains("configmap/app-config configured"), "{out}");
    let live = tokio::time::timeout(LIMIT, api.get("app-config"))
        .await
        .expect("in time")
        .expect("updated");
    let data = live.data.unwrap_or_default();
    assert_eq!(data.get("mode").map(String::as_str), Some("green"));
    assert!(
        !data.contains_key("keep"),
        "three-way apply removes the dropped key: {data:?}"
    );

    let (ok, out, err) = kubectl(
        &url,
        dir.path(),
        &["get", "cm", "-n", "default", "-o", "name"],
    )
    .await;
    assert!(ok && out.trim() == "configmap/app-config", "{out}\n{err}");

    let deploy = dir.path().join("deploy.yaml");
    std::fs::write(&deploy, "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: default\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1\n").expect("write");
    let deploy = deploy.to_str().expect("utf-8");
    let (ok, out, err) = kubectl(&url, dir.path(), &["apply", "--server-side", "-f", deploy]).await;
    assert!(
        ok && out.contains("deployment.apps/web serverside-applied"),
        "server-side apply: {out}\n{err}"
    );
    let (ok, out, err) = kubectl(
        &url,
        dir.path(),
        &[
            "rollout",
            "status",
            "deployment/web",
            "-n",
            "default",
            "--timeout=20s",
        ],
    )
    .await;
    assert!(
        ok && out.contains("successfully rolled out"),
        "rollout status: {out}\n{err}"
    );
    let changed = std::fs::read_to_string(deploy)
        .expect("read")
        .replace("nginx:1", "nginx:2");
    std::fs::write(deploy, changed).expect("write");
    let (ok, out, err) = kubectl(&url, dir.path(), &["apply", "-f", deploy]).await;
    assert!(ok, "client-side apply over server-side apply: {out}\n{err}");
    let (ok, out, err) = kubectl(
        &url,
        dir.path(),
        &["get", "deploy", "web", "-n", "default", "-o", "json"],
    )
    .await;
    assert!(ok, "{err}");
    let live: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        live["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx:2"
    );
    assert!(
        !out.contains("$setElementOrder") && !out.contains("$retainKeys"),
        "patch directives leaked: {out}"
    );
    let (ok, out, err) = kubectl(&url, dir.path(), &["delete", "-f", deploy]).await;
    assert!(ok && out.contains("deleted"), "delete -f: {out}\n{err}");
    let (ok, out, err) = kubectl(
        &url,
        dir.path(),
        &["delete", "configmap", "app-config", "-n", "default"],
    )
    .await;
    assert!(ok, "delete failed: {out}\n{err}");
    assert!(out.contains("deleted"), "{out}");
    assert!(
        tokio::time::timeout(LIMIT, api.get_opt("app-config"))
            .await
            .expect("in time")
            .expect("get")
            .is_none()
    );
    emu.shutdown().await;
}

/// Writes a manifest into `dir` and returns its path.
fn manifest(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write manifest");
    path.to_str().expect("utf-8").to_owned()
}

/// The header line of a `kubectl get` table, columns split on runs of spaces.
fn header(out: &str) -> Vec<String> {
    out.lines()
        .next()
        .unwrap_or("")
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect()
}

const WEB: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: team\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1\n";

/// A user's first session, command by command, with what a real API server
/// makes kubectl print.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_session() {
    if !kubectl_installed() {
        eprintln!("kubectl not installed: skipping");
        return;
    }
    let (emu, _client) = start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let url = emu.url();
    let run = |args: Vec<String>| {
        let (url, dir) = (url.clone(), dir.path().to_owned());
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            kubectl(&url, &dir, &args).await
        }
    };
    let argv = |s: &str| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>();

    // Imperative creation goes through kubectl's typed clients (protobuf bodies).
    for (cmd, want) in [
        ("create namespace team", "namespace/team created"),
        (
            "create configmap settings -n team --from-literal=mode=blue",
            "configmap/settings created",
        ),
        (
            "create secret generic creds -n team --from-literal=password=s3cret",
            "secret/creds created",
        ),
        (
            "create service clusterip web -n team --tcp=80:8080",
            "service/web created",
        ),
        ("run probe -n team --image=busybox:1", "pod/probe created"),
    ] {
        let (ok, out, err) = run(argv(cmd)).await;
        assert!(ok && out.trim() == want, "{cmd}: {out}\n{err}");
    }

    // Apply with server-side field validation: typos and wrong types are refused.
    let typo = manifest(
        dir.path(),
        "typo.yaml",
        &WEB.replace("  replicas: 2", "  replicass: 2"),
    );
    let (ok, _, err) = run(argv(&format!("apply -f {typo}"))).await;
    assert!(!ok);
    assert!(
        err.contains("Error from server (BadRequest): error when creating")
            && err.contains("Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: unknown field \"spec.replicass\""),
        "{err}"
    );
    let wrong = manifest(
        dir.path(),
        "wrong.yaml",
        &WEB.replace("replicas: 2", "replicas: three"),
    );
    let (ok, _, err) = run(argv(&format!("apply -f {wrong}"))).await;
    assert!(!ok);
    assert!(
        err.contains("json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32"),
        "{err}"
    );
    let web = manifest(dir.path(), "web.yaml", WEB);
    let (ok, out, err) = run(argv(&format!("apply -f {web}"))).await;
    assert!(
        ok && out.trim() == "deployment.apps/web created",
        "{out}\n{err}"
    );

    let (ok, out, err) = run(argv("rollout status deployment/web -n team --timeout=20s")).await;
    assert!(
        ok && out.contains("deployment \"web\" successfully rolled out"),
        "{out}\n{err}"
    );

    // Server-side printed columns.
    let (ok, out, err) = run(argv("get deployments -n team")).await;
    assert!(ok, "{err}");
    assert_eq!(
        header(&out),
        ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    );
    let row: Vec<&str> = out
        .lines()
        .nth(1)
        .unwrap_or("")
        .split_whitespace()
        .collect();
    assert_eq!(row[..4], ["web", "2/2", "2", "2"], "{out}");
    let (ok, out, err) = run(argv("get pods -n team")).await;
    assert!(ok, "{err}");
    assert_eq!(header(&out), ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
    let (ok, out, _) = run(argv("get svc web -n team")).await;
    assert!(ok);
    assert_eq!(
        header(&out),
        [
            "NAME",
            "TYPE",
            "CLUSTER-IP",
            "EXTERNAL-IP",
            "PORT(S)",
            "AGE"
        ]
    );
    assert!(out.contains("80/TCP"), "{out}");
    let (ok, out, _) = run(argv("get configmaps,secrets -n team")).await;
    assert!(ok);
    assert!(
        out.contains("NAME                 DATA   AGE") || out.contains("DATA"),
        "{out}"
    );
    assert!(
        out.contains("configmap/settings") && out.contains("secret/creds"),
        "{out}"
    );

    // `get all`: the workload kinds, not config.
    let (ok, out, err) = run(argv("get all -n team")).await;
    assert!(ok, "{err}");
    assert!(
        out.contains("pod/probe")
            && out.contains("service/web")
            && out.contains("deployment.apps/web"),
        "{out}"
    );
    assert!(!out.contains("configmap/"), "{out}");

    // Scale through the scale subresource, then wait for the condition.
    let (ok, out, err) = run(argv("scale deployment web -n team --replicas=3")).await;
    assert!(
        ok && out.trim() == "deployment.apps/web scaled",
        "{out}\n{err}"
    );
    let (ok, out, err) = run(argv(
        "wait --for=jsonpath={.status.readyReplicas}=3 deployment/web -n team --timeout=20s",
    ))
    .await;
    assert!(
        ok && out.trim() == "deployment.apps/web condition met",
        "{out}\n{err}"
    );
    let (ok, out, err) = run(argv(
        "wait --for=condition=Available deployment/web -n team --timeout=20s",
    ))
    .await;
    assert!(
        ok && out.trim() == "deployment.apps/web condition met",
        "{out}\n{err}"
    );

    let (ok, out, err) = run(argv("rollout restart deployment/web -n team")).await;
    assert!(
        ok && out.trim() == "deployment.apps/web restarted",
        "{out}\n{err}"
    );
    let (ok, out, err) = run(argv(
        "get deployment web -n team -o jsonpath={.spec.template.metadata.annotations}",
    ))
    .await;
    assert!(
        ok && out.contains("kubectl.kubernetes.io/restartedAt"),
        "{out}\n{err}"
    );
    // Undo goes back to the first revision's template, which had no restart mark.
    let (ok, out, err) = run(argv("rollout status deployment/web -n team --timeout=20s")).await;
    assert!(ok, "{out}\n{err}");
    let (ok, out, err) = run(argv("rollout undo deployment/web -n team")).await;
    assert!(
        ok && out.trim() == "deployment.apps/web rolled back",
        "{out}\n{err}"
    );
    let (ok, out, err) = run(argv(
        "get deployment web -n team -o jsonpath={.spec.template.metadata.annotations}",
    ))
    .await;
    assert!(
        ok && !out.contains("kubectl.kubernetes.io/restartedAt"),
        "{out}\n{err}"
    );
    // As the deployment controller does, undo reuses the first revision's
    // ReplicaSet (the template kubectl sends back carries
    // `creationTimestamp: null` and `resources: {}`): still two of them.
    let (ok, out, err) = run(argv("rollout status deployment/web -n team --timeout=20s")).await;
    assert!(ok, "{out}\n{err}");
    let (ok, out, err) = run(argv("get replicasets -n team -o name")).await;
    assert!(ok && out.lines().count() == 2, "{out}\n{err}");

    // Logs of a running Pod; field selectors on names.
    let (ok, out, err) = run(argv(
        "wait --for=condition=Ready pod/probe -n team --timeout=20s",
    ))
    .await;
    assert!(ok, "{out}\n{err}");
    let (ok, out, err) = run(argv("logs probe -n team")).await;
    assert!(ok && out.contains("busybox:1"), "{out}\n{err}");
    let (ok, out, err) = run(argv(
        "get pods -n team --field-selector metadata.name=probe -o name",
    ))
    .await;
    assert!(ok && out.trim() == "pod/probe", "{out}\n{err}");
    let (ok, out, err) = run(argv("get pods -n team --field-selector metadata.name=nope")).await;
    assert!(
        ok && out.is_empty() && err.contains("No resources found in team namespace."),
        "{out}\n{err}"
    );

    let (ok, out, err) = run(argv("delete namespace team")).await;
    assert!(
        ok && out.trim() == "namespace \"team\" deleted",
        "{out}\n{err}"
    );
    let (ok, _, err) = run(argv("get namespace team")).await;
    assert!(
        !ok && err.contains("Error from server (NotFound): namespaces \"team\" not found"),
        "{err}"
    );
    emu.shutdown().await;
}

/// The DESCRIPTION block of `kubectl explain` output, its wrapped lines
/// joined by single spaces.
fn explained_description(out: &str) -> String {
    out.lines()
        .skip_while(|l| *l != "DESCRIPTION:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty() && *l != "FIELDS:")
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
}

const WIDGET_CRD: &str = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n  scope: Namespaced\n  names: {plural: widgets, singular: widget, kind: Widget}\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n        description: Widget is a thing with a size.\n        type: object\n        properties:\n          spec:\n            description: What the widget should be.\n            type: object\n            required: [size]\n            properties:\n              size: {type: integer, description: How many parts the widget has.}\n";

/// `kubectl explain` for built-in kinds (the upstream API documentation as
/// k8s-openapi carries it, laid out by kubectl's own template) and for a
/// CRD's kind (its schema), with `apply` still validating on the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_explain() {
    if !kubectl_installed() {
        eprintln!("kubectl not installed: skipping");
        return;
    }
    let (emu, _client) = start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let url = emu.url();
    let run = |args: String| {
        let (url, dir) = (url.clone(), dir.path().to_owned());
        async move {
            let args: Vec<&str> = args.split_whitespace().collect();
            kubectl(&url, &dir, &args).await
        }
    };
    let lines = |out: &str| out.lines().map(str::to_owned).collect::<Vec<_>>();

    let (ok, out, err) = run("explain deployment".into()).await;
    assert!(ok, "{out}\n{err}");
    assert_eq!(
        lines(&out)[..6],
        [
            "GROUP:      apps",
            "KIND:       Deployment",
            "VERSION:    v1",
            "",
            "DESCRIPTION:",
            "    Deployment enables declarative updates for Pods and ReplicaSets."
        ],
        "{out}"
    );
    for line in [
        "FIELDS:",
        "  metadata\t<ObjectMeta>",
        "  spec\t<DeploymentSpec>",
        "    Specification of the desired behavior of the Deployment.",
        "  status\t<DeploymentStatus>",
    ] {
        assert!(lines(&out).iter().any(|l| l == line), "{line:?} in\n{out}");
    }

    let (ok, out, err) = run("explain deployment.spec.replicas".into()).await;
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("\nFIELD: replicas <integer>\n"), "{out}");
    assert_eq!(
        explained_description(&out),
        "Number of desired pods. This is a pointer to distinguish between explicit zero and not specified. Defaults to 1."
    );

    // A field's description, then its type's (a `$ref` beside a description
    // is published as `allOf`, as real servers do).
    let (ok, out, err) = run("explain deploy.spec.template.spec.containers.resources".into()).await;
    assert!(ok, "{out}\n{err}");
    assert!(
        out.contains("\nFIELD: resources <ResourceRequirements>\n"),
        "{out}"
    );
    assert!(
        explained_description(&out).ends_with("Cannot be updated. More info: https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/ ResourceRequirements describes the compute resource requirements."),
        "{out}"
    );

    let (ok, out, err) = run("explain pods.spec.containers --recursive".into()).await;
    assert!(ok, "{out}\n{err}");
    assert!(
        out.starts_with("KIND:       Pod\nVERSION:    v1\n"),
        "{out}"
    );
    assert!(out.contains("\nFIELD: containers <[]Container>\n"), "{out}");
    for line in [
        "  name\t<string> -required-",
        "  ports\t<[]ContainerPort>",
        "    containerPort\t<integer> -required-",
        "  resources\t<ResourceRequirements>",
        "    limits\t<map[string]Quantity>",
    ] {
        assert!(lines(&out).iter().any(|l| l == line), "{line:?} in\n{out}");
    }

    let (ok, _, err) = run("explain deployment.spec.replicass".into()).await;
    assert!(
        !ok && err.contains("field \"replicass\" does not exist"),
        "{err}"
    );

    // A CRD's kind, explained from its schema and applied with validation.
    let crd = manifest(dir.path(), "crd.yaml", WIDGET_CRD);
    let (ok, out, err) = run(format!("apply -f {crd}")).await;
    assert!(ok, "{out}\n{err}");
    let (ok, out, err) = run("explain widgets".into()).await;
    assert!(ok, "{out}\n{err}");
    assert_eq!(
        lines(&out)[..6],
        [
            "GROUP:      example.com",
            "KIND:       Widget",
            "VERSION:    v1",
            "",
            "DESCRIPTION:",
            "    Widget is a thing with a size."
        ],
        "{out}"
    );
    for line in [
        "  metadata\t<ObjectMeta>",
        "    Standard object's metadata. More info:",
        "  spec\t<Object>",
        "    What the widget should be.",
    ] {
        assert!(lines(&out).iter().any(|l| l == line), "{line:?} in\n{out}");
    }
    let (ok, out, err) = run("explain widget.spec".into()).await;
    assert!(ok, "{out}\n{err}");
    assert!(
        out.contains("\n  size\t<integer> -required-\n    How many parts the widget has.\n"),
        "{out}"
    );
    let widget = manifest(
        dir.path(),
        "widget.yaml",
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1, namespace: default}\nspec: {size: 3}\n",
    );
    let (ok, out, err) = run(format!("apply -f {widget}")).await;
    assert!(
        ok && out.trim() == "widget.example.com/w1 created",
        "{out}\n{err}"
    );
    emu.shutdown().await;
}
