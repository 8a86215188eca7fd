//! API defaults of the common built-in kinds: the values the API server
//! fills in when a field is unset. Applied to both the predicted and the
//! live object, so a field removed from the applied configuration compares
//! against its default rather than against nothing.
//!
//! Covered: pod templates (pod, containers, probes, ports, volumes, env
//! field refs) in Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet,
//! ReplicationController, Job and CronJob; Deployment, StatefulSet,
//! DaemonSet, Job, CronJob and HorizontalPodAutoscaler specs; Pod requests
//! from limits; Service; Secret; PersistentVolume(Claim); NetworkPolicy;
//! (Cluster)RoleBinding subjects; StorageClass; admission webhook
//! configurations. Workload defaults are those of `apps/v1` for every
//! version. Only absent (or null) fields are set.

use serde_json::{Map, Value, json};

use crate::object::Gvk;

/// Applies the API defaults of `obj`'s kind in place; unknown kinds are
/// left unchanged.
pub(crate) fn apply_defaults(obj: &mut Value) {
    let ty = Gvk::named_by(obj);
    if !ty.is_built_in() {
        return;
    }
    let Some(root) = obj.as_object_mut() else {
        return;
    };
    match (ty.group.as_str(), ty.kind.as_str()) {
        ("", "Pod") => with_map(root, "spec", |s| {
            pod_spec(s);
            for key in ["containers", "initContainers"] {
                for_each_map(s, key, requests_from_limits);
            }
        }),
        ("", "Service") => with_map(root, "spec", service_spec),
        ("", "Secret") => set(root, "type", json!("Opaque")),
        ("", "PersistentVolumeClaim") => with_map(root, "spec", |s| {
            set(s, "volumeMode", json!("Filesystem"));
        }),
        ("", "PersistentVolume") => with_map(root, "spec", |s| {
            set(s, "persistentVolumeReclaimPolicy", json!("Retain"));
            set(s, "volumeMode", json!("Filesystem"));
        }),
        ("", "ReplicationController") | ("apps" | "extensions", "ReplicaSet") => {
            with_map(root, "spec", |s| {
                set(s, "replicas", json!(1));
                template(s);
            });
        }
        ("apps" | "extensions", "Deployment") => with_map(root, "spec", deployment_spec),
        ("apps", "StatefulSet") => with_map(root, "spec", statefulset_spec),
        ("apps" | "extensions", "DaemonSet") => with_map(root, "spec", daemonset_spec),
        ("batch", "Job") => with_map(root, "spec", job_spec),
        ("batch", "CronJob") => with_map(root, "spec", |s| {
            set(s, "concurrencyPolicy", json!("Allow"));
            set(s, "suspend", json!(false));
            set(s, "successfulJobsHistoryLimit", json!(3));
            set(s, "failedJobsHistoryLimit", json!(1));
            with_map(s, "jobTemplate", |jt| with_map(jt, "spec", template));
        }),
        ("autoscaling", "HorizontalPodAutoscaler") => with_map(root, "spec", |s| {
            set(s, "minReplicas", json!(1));
        }),
        ("networking.k8s.io" | "extensions", "NetworkPolicy") => with_map(root, "spec", |s| {
            let mut types = vec![json!("Ingress")];
            if s.get("egress")
                .and_then(Value::as_array)
                .is_some_and(|e| !e.is_empty())
            {
                types.push(json!("Egress"));
            }
            set(s, "policyTypes", Value::Array(types));
        }),
        ("rbac.authorization.k8s.io", "RoleBinding" | "ClusterRoleBinding") => {
            for_each_map(root, "subjects", |subject| {
                let group = match subject.get("kind").and_then(Value::as_str) {
                    Some("User" | "Group") => "rbac.authorization.k8s.io",
                    _ => "",
                };
                set(subject, "apiGroup", json!(group));
            });
        }
        ("storage.k8s.io", "StorageClass") => {
            set(root, "reclaimPolicy", json!("Delete"));
            set(root, "volumeBindingMode", json!("Immediate"));
        }
        (
            "admissionregistration.k8s.io",
            kind @ ("MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration"),
        ) => {
            let beta = ty.version == "v1beta1";
            let mutating = kind.starts_with("Mutating");
            for_each_map(root, "webhooks", |w| webhook(w, beta, mutating));
        }
        _ => {}
    }
}

/// Sets `key` to `value` when it is absent or null.
fn set(m: &mut Map<String, Value>, key: &str, value: Value) {
    if m.get(key).is_none_or(Value::is_null) {
        m.insert(key.to_string(), value);
    }
}

/// Runs `f` on the map under `key`, if there is one.
fn with_map(m: &mut Map<String, Value>, key: &str, f: impl FnOnce(&mut Map<String, Value>)) {
    if let Some(Value::Object(child)) = m.get_mut(key) {
        f(child);
    }
}

/// Runs `f` on every map element of the list under `key`.
fn for_each_map(m: &mut Map<String, Value>, key: &str, mut f: impl FnMut(&mut Map<String, Value>)) {
    if let Some(Value::Array(items)) = m.get_mut(key) {
        items
            .iter_mut()
            .filter_map(Value::as_object_mut)
            .for_each(&mut f);
    }
}

fn template(spec: &mut Map<String, Value>) {
    with_map(spec, "template", |t| with_map(t, "spec", pod_spec));
}

fn deployment_spec(s: &mut Map<String, Value>) {
    set(s, "replicas", json!(1));
    set(s, "revisionHistoryLimit", json!(10));
    set(s, "progressDeadlineSeconds", json!(600));
    set(s, "strategy", json!({}));
    with_map(s, "strategy", |st| {
        set(st, "type", json!("RollingUpdate"));
        if st.get("type") == Some(&json!("RollingUpdate")) {
            set(st, "rollingUpdate", json!({}));
            with_map(st, "rollingUpdate", |ru| {
                set(ru, "maxSurge", json!("25%"));
                set(ru, "maxUnavailable", json!("25%"));
            });
        }
    });
    template(s);
}

fn statefulset_spec(s: &mut Map<String, Value>) {
    set(s, "replicas", json!(1));
    set(s, "revisionHistoryLimit", json!(10));
    set(s, "podManagementPolicy", json!("OrderedReady"));
    set(s, "updateStrategy", json!({}));
    with_map(s, "updateStrategy", |st| {
        set(st, "type", json!("RollingUpdate"));
        if st.get("type") == Some(&json!("RollingUpdate")) {
            set(st, "rollingUpdate", json!({}));
            with_map(st, "rollingUpdate", |ru| set(ru, "partition", json!(0)));
        }
    });
    template(s);
}

fn daemonset_spec(s: &mut Map<String, Value>) {
    set(s, "revisionHistoryLimit", json!(10));
    set(s, "updateStrategy", json!({}));
    with_map(s, "updateStrategy", |st| {
        set(st, "type", json!("RollingUpdate"));
        if st.get("type") == Some(&json!("RollingUpdate")) {
            set(st, "rollingUpdate", json!({}));
            with_map(st, "rollingUpdate", |ru| {
                set(ru, "maxUnavailable", json!(1));
                set(ru, "maxSurge", json!(0));
            });
        }
    });
    template(s);
}

fn job_spec(s: &mut Map<String, Value>) {
    set(s, "backoffLimit", json!(6));
    let unset = |s: &Map<String, Value>, k: &str| s.get(k).is_none_or(Value::is_null);
    if unset(s, "completions") && unset(s, "parallelism") {
        set(s, "completions", json!(1));
    }
    set(s, "parallelism", json!(1));
    set(s, "completionMode", json!("NonIndexed"));
    set(s, "suspend", json!(false));
    template(s);
}

/// A Pod's container requests default to its limits.
fn requests_from_limits(c: &mut Map<String, Value>) {
    with_map(c, "resources", |r| {
        let Some(Value::Object(limits)) = r.get("limits").cloned() else {
            return;
        };
        set(r, "requests", json!({}));
        with_map(r, "requests", |req| {
            for (name, limit) in limits {
                set(req, &name, limit);
            }
        });
    });
}

fn pod_spec(s: &mut Map<String, Value>) {
    set(s, "dnsPolicy", json!("ClusterFirst"));
    set(s, "restartPolicy", json!("Always"));
    set(s, "schedulerName", json!("default-scheduler"));
    set(s, "securityContext", json!({}));
    set(s, "terminationGracePeriodSeconds", json!(30));
    for key in ["containers", "initContainers"] {
        for_each_map(s, key, container);
    }
    for_each_map(s, "volumes", volume);
}

fn container(c: &mut Map<String, Value>) {
    set(c, "terminationMessagePath", json!("/dev/termination-log"));
    set(c, "terminationMessagePolicy", json!("File"));
    let image = c.get("image").and_then(Value::as_str).unwrap_or("");
    set(c, "imagePullPolicy", json!(default_pull_policy(image)));
    for_each_map(c, "ports", |p| set(p, "protocol", json!("TCP")));
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        with_map(c, probe, |p| {
            set(p, "failureThreshold", json!(3));
            set(p, "periodSeconds", json!(10));
            set(p, "successThreshold", json!(1));
            set(p, "timeoutSeconds", json!(1));
            with_map(p, "httpGet", |h| set(h, "scheme", json!("HTTP")));
        });
    }
    for_each_map(c, "env", |e| {
        with_map(e, "valueFrom", |vf| {
            with_map(vf, "fieldRef", |fr| set(fr, "apiVersion", json!("v1")));
        });
    });
}

/// `Always` for `:latest` or untagged images (digests excepted), else
/// `IfNotPresent`.
fn default_pull_policy(image: &str) -> &'static str {
    if image.contains('@') {
        return "IfNotPresent";
    }
    let name = image.rsplit('/').next().unwrap_or(image);
    match name.split_once(':') {
        Some((_, "latest")) | None => "Always",
        Some(_) => "IfNotPresent",
    }
}

fn volume(v: &mut Map<String, Value>) {
    for source in ["configMap", "secret", "downwardAPI", "projected"] {
        with_map(v, source, |s| set(s, "defaultMode", json!(420)));
    }
    with_map(v, "hostPath", |h| set(h, "type", json!("")));
}

fn service_spec(s: &mut Map<String, Value>) {
    set(s, "type", json!("ClusterIP"));
    set(s, "sessionAffinity", json!("None"));
    let ty = s
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if ty != "ExternalName" {
        set(s, "internalTrafficPolicy", json!("Cluster"));
    }
    if ty == "NodePort" || ty == "LoadBalancer" {
        set(s, "externalTrafficPolicy", json!("Cluster"));
    }
    if ty == "LoadBalancer" {
        set(s, "allocateLoadBalancerNodePorts", json!(true));
    }
    if s.get("sessionAffinity").and_then(Value::as_str) == Some("ClientIP") {
        set(s, "sessionAffinityConfig", json!({}));
        with_map(s, "sessionAffinityConfig", |c| {
            set(c, "clientIP", json!({}));
            with_map(c, "clientIP", |ip| set(ip, "timeoutSeconds", json!(10800)));
        });
    }
    for_each_map(s, "ports", |p| {
        set(p, "protocol", json!("TCP"));
        if let Some(port) = p.get("port").cloned() {
            set(p, "targetPort", port);
        }
    });
}

fn webhook(w: &mut Map<String, Value>, beta: bool, mutating: bool) {
    set(
        w,
        "failurePolicy",
        json!(if beta { "Ignore" } else { "Fail" }),
    );
    set(
        w,
        "matchPolicy",
        json!(if beta { "Exact" } else { "Equivalent" }),
    );
    set(w, "namespaceSelector", json!({}));
    set(w, "objectSelector", json!({}));
    set(w, "timeoutSeconds", json!(if beta { 30 } else { 10 }));
    if beta {
        set(w, "sideEffects", json!("Unknown"));
        set(w, "admissionReviewVersions", json!(["v1beta1"]));
    }
    if mutating {
        set(w, "reinvocationPolicy", json!("Never"));
    }
    for_each_map(w, "rules", |r| set(r, "scope", json!("*")));
    with_map(w, "clientConfig", |cc| {
        with_map(cc, "service", |svc| set(svc, "port", json!(443)));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployment_defaults() {
        let mut d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {
            "template": {"spec": {"containers": [{"name": "a", "image": "nginx", "ports": [{"containerPort": 80}]}]}}}});
        apply_defaults(&mut d);
        assert_eq!(d["spec"]["replicas"], 1);
        assert_eq!(d["spec"]["strategy"]["rollingUpdate"]["maxSurge"], "25%");
        let c = &d["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(c["imagePullPolicy"], "Always");
        assert_eq!(c["ports"][0]["protocol"], "TCP");
        assert_eq!(d["spec"]["template"]["spec"]["dnsPolicy"], "ClusterFirst");
    }

    #[test]
    fn explicit_values_are_kept() {
        let mut d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"replicas": 3,
            "strategy": {"type": "Recreate"}}});
        apply_defaults(&mut d);
        assert_eq!(d["spec"]["replicas"], 3);
        assert_eq!(d["spec"]["strategy"], json!({"type": "Recreate"}));
    }

    #[test]
    fn service_defaults() {
        let mut s =
            json!({"apiVersion": "v1", "kind": "Service", "spec": {"ports": [{"port": 80}]}});
        apply_defaults(&mut s);
        assert_eq!(
            s["spec"],
            json!({"ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}],
            "type": "ClusterIP", "sessionAffinity": "None", "internalTrafficPolicy": "Cluster"})
        );
    }

    #[test]
    fn job_completions_only_when_parallelism_unset() {
        let mut j = json!({"apiVersion": "batch/v1", "kind": "Job", "spec": {"parallelism": 3}});
        apply_defaults(&mut j);
        assert_eq!(j["spec"].get("completions"), None);
        assert_eq!(j["spec"]["parallelism"], 3);
        let mut k = json!({"apiVersion": "batch/v1", "kind": "Job", "spec": {}});
        apply_defaults(&mut k);
        assert_eq!(
            (
                k["spec"]["completions"].clone(),
                k["spec"]["parallelism"].clone()
            ),
            (json!(1), json!(1))
        );
    }

    #[test]
    fn cron_job_defaults_its_pod_template_only() {
        let mut c = json!({"apiVersion": "batch/v1", "kind": "CronJob", "spec": {"jobTemplate": {"spec": {
            "template": {"spec": {"containers": [{"name": "a", "image": "x:1"}]}}}}}});
        apply_defaults(&mut c);
        let job = &c["spec"]["jobTemplate"]["spec"];
        assert_eq!(job.get("backoffLimit"), None);
        assert_eq!(job["template"]["spec"]["restartPolicy"], "Always");
        assert_eq!(c["spec"]["concurrencyPolicy"], "Allow");
    }

    #[test]
    fn pod_requests_default_to_limits() {
        let mut p = json!({"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [
            {"name": "a", "image": "x:1", "resources": {"limits": {"cpu": "1"}, "requests": {"memory": "1Gi"}}}]}});
        apply_defaults(&mut p);
        assert_eq!(
            p["spec"]["containers"][0]["resources"]["requests"],
            json!({"memory": "1Gi", "cpu": "1"})
        );
    }

    #[test]
    fn binding_subjects_and_network_policy() {
        let mut b = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "subjects": [
            {"kind": "User", "name": "u"}, {"kind": "ServiceAccount", "name": "s", "namespace": "n"}]});
        apply_defaults(&mut b);
        assert_eq!(b["subjects"][0]["apiGroup"], "rbac.authorization.k8s.io");
        assert_eq!(b["subjects"][1]["apiGroup"], "");
        let mut np = json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "spec": {"egress": [{}]}});
        apply_defaults(&mut np);
        assert_eq!(np["spec"]["policyTypes"], json!(["Ingress", "Egress"]));
        let mut ingress_only = json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "spec": {"egress": []}});
        apply_defaults(&mut ingress_only);
        assert_eq!(ingress_only["spec"]["policyTypes"], json!(["Ingress"]));
    }

    #[test]
    fn pull_policy_by_tag() {
        assert_eq!(default_pull_policy("nginx:1.2"), "IfNotPresent");
        assert_eq!(default_pull_policy("reg:5000/nginx"), "Always");
        assert_eq!(default_pull_policy("nginx:latest"), "Always");
        assert_eq!(default_pull_policy("nginx@sha256:abc"), "IfNotPresent");
    }

    #[test]
    fn custom_resources_get_no_defaults() {
        let mut cr = json!({"apiVersion": "foo.io/v1", "kind": "Deployment", "spec": {}});
        apply_defaults(&mut cr);
        assert_eq!(cr["spec"], json!({}));
    }
}
