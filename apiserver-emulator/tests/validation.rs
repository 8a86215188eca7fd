//! Invalid objects get the real API server's status codes and texts: `400`
//! for bodies that do not decode into the Go types (wrong JSON types;
//! unknown fields under `fieldValidation=Strict`), `422` for values the
//! validation rules refuse. The expected texts are the ones a Kubernetes
//! 1.32 API server answers.

mod common;

use axum::http::Request;
use common::{start, within};
use serde_json::{Value, json};

/// Sends `body` with `method` to `path`; returns the failure's code and message.
async fn fails(client: &kube::Client, method: &str, path: &str, body: &Value) -> (u16, String) {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(body).expect("json"))
        .expect("request");
    match within(client.request_text(req)).await {
        Err(kube::Error::Api(status)) => (status.code, status.message),
        other => panic!("{method} {path} {body}: expected an API error, got {other:?}"),
    }
}

fn deployment(spec: Value) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": spec})
}

fn valid_spec() -> Value {
    json!({"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
           "template": {"metadata": {"labels": {"app": "web"}},
                        "spec": {"containers": [{"name": "web", "image": "nginx:1"}]}}})
}

fn with(mut spec: Value, pointer: &str, value: Value) -> Value {
    *spec.pointer_mut(pointer).expect("field exists") = value;
    spec
}

const DEPLOYMENTS: &str = "/apis/apps/v1/namespaces/default/deployments";
const CONFIGMAPS: &str = "/api/v1/namespaces/default/configmaps";
const SERVICES: &str = "/api/v1/namespaces/default/services";
const PODS: &str = "/api/v1/namespaces/default/pods";

#[tokio::test]
async fn invalid_objects_get_the_real_servers_answers() {
    let (emu, client) = start().await;
    let cm = |meta: Value, data: Value| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data});
    let svc = |spec: Value| json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": spec});
    let pod = |spec: Value| json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec});
    let strict_deployments = format!("{DEPLOYMENTS}?fieldValidation=Strict");
    let cases: Vec<(&str, Value, u16, String)> = vec![
        (
            DEPLOYMENTS,
            deployment(with(valid_spec(), "/replicas", json!("three"))),
            400,
            "Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32".into(),
        ),
        (
            &strict_deployments,
            deployment(with(valid_spec(), "/template/spec/containers/0", json!({"name": "web", "image": "nginx:1", "imagePullPolicyy": "Always"}))),
            400,
            "Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: unknown field \"spec.template.spec.containers[0].imagePullPolicyy\"".into(),
        ),
        (
            DEPLOYMENTS,
            deployment(with(valid_spec(), "/selector", json!(["app=web"]))),
            400,
            "Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal array into Go struct field DeploymentSpec.spec.selector of type v1.LabelSelector".into(),
        ),
        (
            CONFIGMAPS,
            cm(json!({"name": "c"}), json!({"port": 8080})),
            400,
            "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap.data of type string".into(),
        ),
        (
            PODS,
            pod(json!({"containers": [{"name": "a", "image": 7}]})),
            400,
            "Pod in version \"v1\" cannot be handled as a Pod: json: cannot unmarshal number into Go struct field Container.spec.containers.image of type string".into(),
        ),
        (
            SERVICES,
            svc(json!({"ports": [{"port": "http"}]})),
            400,
            "Service in version \"v1\" cannot be handled as a Service: json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32".into(),
        ),
        (
            CONFIGMAPS,
            cm(json!({"name": "Web_1"}), json!({})),
            422,
            "ConfigMap \"Web_1\" is invalid: metadata.name: Invalid value: \"Web_1\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')".into(),
        ),
        (
            CONFIGMAPS,
            cm(json!({"name": "c", "labels": {"tier": "bad value!"}}), json!({})),
            422,
            "ConfigMap \"c\" is invalid: metadata.labels: Invalid value: \"bad value!\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')".into(),
        ),
        (
            CONFIGMAPS,
            cm(json!({"name": "c", "labels": {"-tier": "x"}}), json!({})),
            422,
            "ConfigMap \"c\" is invalid: metadata.labels: Invalid value: \"-tier\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')".into(),
        ),
        (
            CONFIGMAPS,
            cm(json!({"name": "c"}), json!({"bad key": "v"})),
            422,
            "ConfigMap \"c\" is invalid: data[bad key]: Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')".into(),
        ),
        (
            DEPLOYMENTS,
            deployment(with(valid_spec(), "/selector", Value::Null)),
            422,
            "Deployment.apps \"web\" is invalid: spec.selector: Required value".into(),
        ),
        (
            DEPLOYMENTS,
            deployment(with(valid_spec(), "/template/metadata/labels", json!({"app": "other"}))),
            422,
            "Deployment.apps \"web\" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"other\"}: `selector` does not match template `labels`".into(),
        ),
        (
            DEPLOYMENTS,
            deployment(with(valid_spec(), "/replicas", json!(-1))),
            422,
            "Deployment.apps \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0".into(),
        ),
        (
            DEPLOYMENTS,
            deployment(with(valid_spec(), "/template/spec/containers/0", json!({"name": "web"}))),
            422,
            "Deployment.apps \"web\" is invalid: spec.template.spec.containers[0].image: Required value".into(),
        ),
        (
            DEPLOYMENTS,
            deployment(with(valid_spec(), "/template/spec", json!({"restartPolicy": "Never", "containers": [{"name": "web", "image": "nginx:1"}]}))),
            422,
            "Deployment.apps \"web\" is invalid: spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\"".into(),
        ),
        (
            PODS,
            pod(json!({"containers": []})),
            422,
            "Pod \"p\" is invalid: spec.containers: Required value".into(),
        ),
        (
            SERVICES,
            svc(json!({"ports": [{"port": 70000, "targetPort": 8080}]})),
            422,
            "Service \"s\" is invalid: spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive".into(),
        ),
        (
            SERVICES,
            svc(json!({"type": "Bogus", "ports": [{"port": 80}]})),
            422,
            "Service \"s\" is invalid: spec.type: Unsupported value: \"Bogus\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"".into(),
        ),
        (
            "/apis/batch/v1/namespaces/default/jobs",
            json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"},
                   "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "busybox"}]}}}}),
            422,
            "Job.batch \"j\" is invalid: spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\"".into(),
        ),
    ];
    assert!(cases.len() >= 15);
    for (path, body, code, message) in &cases {
        assert_eq!(
            fails(&client, "POST", path, body).await,
            (*code, message.clone()),
            "{body}"
        );
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn selectors_are_immutable() {
    let (emu, client) = start().await;
    let req = Request::builder()
        .method("POST")
        .uri(DEPLOYMENTS)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&deployment(valid_spec())).expect("json"))
        .expect("request");
    within(client.request_text(req))
        .await
        .expect("valid deployment");
    let changed = with(
        with(
            valid_spec(),
            "/selector/matchLabels",
            json!({"app": "other"}),
        ),
        "/template/metadata/labels",
        json!({"app": "other"}),
    );
    let (code, message) = fails(
        &client,
        "PUT",
        &format!("{DEPLOYMENTS}/web"),
        &deployment(changed),
    )
    .await;
    assert_eq!(code, 422);
    assert_eq!(
        message,
        "Deployment.apps \"web\" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"other\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"
    );
    emu.shutdown().await;
}
