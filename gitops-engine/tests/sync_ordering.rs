//! Sync waves, phase order, kind order, tie-breaks and Namespace/CRD hoisting
//! (notes/gitops-engine.md §2.3).

mod sync_support;

use gitops_engine::sync::waves::sync_wave;
use serde_json::json;
use sync_support::*;

const WAVE: &str = "argocd.argoproj.io/sync-wave";
const HOOK: &str = "argocd.argoproj.io/hook";

// §2.3 item 2: "Default 0, negatives allowed."
#[test]
fn wave_defaults_to_zero_and_allows_negatives() {
    assert_eq!(sync_wave(&cm("a", &[])), 0);
    assert_eq!(sync_wave(&cm("a", &[(WAVE, "-3")])), -3);
    assert_eq!(sync_wave(&cm("a", &[(WAVE, "12")])), 12);
}

// §2.3 item 2: "parsed strictly; invalid → fall back to helm.sh/hook-weight, else 0".
#[test]
fn wave_invalid_value_falls_back_to_helm_weight_then_zero() {
    for bad in ["abc", "1.5", " 1", "1 ", "", "0x10", "99999999999999999999"] {
        assert_eq!(sync_wave(&cm("a", &[(WAVE, bad)])), 0, "sync-wave {bad:?}");
        assert_eq!(
            sync_wave(&cm("a", &[(WAVE, bad), ("helm.sh/hook-weight", "7")])),
            7,
            "sync-wave {bad:?} with helm weight"
        );
    }
    // A valid sync-wave wins over the helm weight.
    assert_eq!(
        sync_wave(&cm("a", &[(WAVE, "2"), ("helm.sh/hook-weight", "7")])),
        2
    );
    // An invalid helm weight gives 0.
    assert_eq!(sync_wave(&cm("a", &[("helm.sh/hook-weight", "x")])), 0);
}

// §2.3 items 1-4: phase, then wave, then kind, then name.
#[test]
fn tasks_sorted_by_phase_then_wave_then_kind_then_name() {
    let desired = vec![
        deploy("web", &[]),
        cm("b-config", &[]),
        cm("a-config", &[]),
        obj("v1", "Service", Some(NS), "svc", &[(WAVE, "-1")]),
        job("post", &[(HOOK, "PostSync"), (WAVE, "-5")]),
        job("pre", &[(HOOK, "PreSync"), (WAVE, "5")]),
        job("fail", &[(HOOK, "SyncFail"), (WAVE, "-9")]),
        deploy("late", &[(WAVE, "1")]),
    ];
    let plan = must_plan(&input(desired, vec![]));
    assert_eq!(
        order(&plan),
        [
            "PreSync/5 Job/pre",
            "Sync/-1 Service/svc",
            "Sync/0 ConfigMap/a-config",
            "Sync/0 ConfigMap/b-config",
            "Sync/0 Deployment/web",
            "Sync/1 Deployment/late",
            "PostSync/-5 Job/post",
            "SyncFail/-9 Job/fail",
        ]
    );
}

/// The 35 kinds of §2.3 item 3, in the spec's order.
const SPEC_KIND_ORDER: [&str; 35] = [
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
];

// §2.3 item 3: the kind list, "any kind not listed (custom resources) sorts after all of them".
// Names are chosen so that name order is the reverse of kind order.
#[test]
fn kind_order_follows_argo_list_and_unknown_kinds_go_last() {
    let mut desired: Vec<_> = SPEC_KIND_ORDER
        .iter()
        .enumerate()
        .map(|(i, kind)| {
            obj(
                "example.com/v1",
                kind,
                Some("other"),
                &format!("n{:02}", 99 - i),
                &[],
            )
        })
        .collect();
    desired.push(obj(
        "example.com/v1",
        "Widget",
        Some("other"),
        "a-widget",
        &[],
    ));
    desired.reverse();
    let plan = must_plan(&input(desired, vec![]));
    let kinds: Vec<&str> = plan.tasks.iter().map(|t| t.key.kind.as_str()).collect();
    let mut expected: Vec<&str> = SPEC_KIND_ORDER.to_vec();
    expected.push("Widget");
    assert_eq!(kinds, expected);
}

// §2.3 item 3: "kind string only, group ignored".
#[test]
fn kind_order_ignores_group() {
    let desired = vec![
        obj("networking.k8s.io/v1", "Ingress", Some(NS), "b", &[]),
        obj("extensions/v1beta1", "Ingress", Some(NS), "a", &[]),
        obj("example.com/v1", "Service", Some(NS), "z", &[]),
        obj("v1", "Service", Some(NS), "y", &[]),
    ];
    let plan = must_plan(&input(desired, vec![]));
    assert_eq!(
        order(&plan),
        [
            "Sync/0 Service/y",
            "Sync/0 Service/z",
            "Sync/0 Ingress/a",
            "Sync/0 Ingress/b"
        ]
    );
}

// §2.3 item 4: name in byte order; ties (same name, other namespace/group) get a defined
// order — we use the full key.
#[test]
fn ties_broken_by_name_then_full_key() {
    let desired = vec![
        obj("v1", "ConfigMap", Some("zz"), "same", &[]),
        obj("v1", "ConfigMap", Some("aa"), "same", &[]),
        cm("B", &[]),
        cm("a", &[]),
    ];
    let plan = must_plan(&input(desired, vec![]));
    let keys: Vec<String> = plan.tasks.iter().map(|t| t.key.to_string()).collect();
    assert_eq!(
        keys,
        [
            "/ConfigMap/default/B",
            "/ConfigMap/default/a",
            "/ConfigMap/aa/same",
            "/ConfigMap/zz/same"
        ]
    );
}

// §2.3: "A task creating core Namespace X is moved to just before the first task whose
// object is in namespace X, and takes that task's phase and wave."
#[test]
fn namespace_task_hoisted_before_first_task_in_it() {
    let desired = vec![
        obj("v1", "Namespace", None, "team", &[(WAVE, "5")]),
        obj("v1", "ConfigMap", Some("team"), "cfg", &[(WAVE, "2")]),
        obj("v1", "Secret", Some("team"), "sec", &[(WAVE, "3")]),
        cm("elsewhere", &[]),
    ];
    let plan = must_plan(&input(desired, vec![]));
    assert_eq!(
        order(&plan),
        [
            "Sync/0 ConfigMap/elsewhere",
            "Sync/2 Namespace/team",
            "Sync/2 ConfigMap/cfg",
            "Sync/3 Secret/sec"
        ]
    );
}

// §2.3: the hoisted Namespace also takes the phase of its first dependant (a PreSync hook).
#[test]
fn namespace_task_takes_phase_of_first_dependant_hook() {
    let desired = vec![
        obj("v1", "Namespace", None, "team", &[]),
        obj(
            "batch/v1",
            "Job",
            Some("team"),
            "migrate",
            &[(HOOK, "PreSync"), (WAVE, "-2")],
        ),
    ];
    let plan = must_plan(&input(desired, vec![]));
    assert_eq!(
        order(&plan),
        ["PreSync/-2 Namespace/team", "PreSync/-2 Job/migrate"]
    );
}

// §2.3: a Namespace already sorted before its dependants keeps its own wave.
#[test]
fn namespace_already_first_keeps_its_wave() {
    let desired = vec![
        obj("v1", "Namespace", None, "team", &[(WAVE, "-1")]),
        obj("v1", "ConfigMap", Some("team"), "cfg", &[(WAVE, "2")]),
    ];
    let plan = must_plan(&input(desired, vec![]));
    assert_eq!(
        order(&plan),
        ["Sync/-1 Namespace/team", "Sync/2 ConfigMap/cfg"]
    );
}

// §2.3: "A task creating a CRD for group G kind K is moved before the first task whose
// object is G/K, taking its phase and wave."
#[test]
fn crd_task_hoisted_before_first_custom_resource() {
    let mut crd = obj(
        "apiextensions.k8s.io/v1",
        "CustomResourceDefinition",
        None,
        "widgets.example.com",
        &[(WAVE, "3")],
    );
    crd["spec"] = json!({"group": "example.com", "names": {"kind": "Widget"}});
    let desired = vec![
        crd,
        obj("example.com/v1", "Widget", Some(NS), "w", &[(WAVE, "1")]),
        cm("first", &[]),
    ];
    let plan = must_plan(&input(desired, vec![]));
    assert_eq!(
        order(&plan),
        [
            "Sync/0 ConfigMap/first",
            "Sync/1 CustomResourceDefinition/widgets.example.com",
            "Sync/1 Widget/w"
        ]
    );
}

// §2.3: a CRD without spec.group / spec.names.kind defines nothing and is not moved.
#[test]
fn crd_without_definition_is_not_hoisted() {
    let crd = obj(
        "apiextensions.k8s.io/v1",
        "CustomResourceDefinition",
        None,
        "broken",
        &[(WAVE, "3")],
    );
    let desired = vec![
        crd,
        obj("example.com/v1", "Widget", Some(NS), "w", &[(WAVE, "1")]),
    ];
    let plan = must_plan(&input(desired, vec![]));
    assert_eq!(
        order(&plan),
        ["Sync/1 Widget/w", "Sync/3 CustomResourceDefinition/broken"]
    );
}

// §2.3 hoisting with two namespaces and a PreSync hook in each; the expected order and the
// hoisted phase/wave are those of upstream `TestSyncTasksSort_NamespaceAndObjectInNamespace`.
#[test]
fn namespaces_hoisted_before_their_hooks_in_presync() {
    let desired = vec![
        obj(
            "batch/v1",
            "Job",
            Some("ns1"),
            "hook1",
            &[(HOOK, "PreSync")],
        ),
        obj(
            "batch/v1",
            "Job",
            Some("ns2"),
            "hook2",
            &[(HOOK, "PreSync")],
        ),
        obj("v1", "Namespace", None, "ns1", &[(WAVE, "1")]),
        obj("v1", "Namespace", None, "ns2", &[(WAVE, "2")]),
    ];
    let plan = must_plan(&input(desired, vec![]));
    assert_eq!(
        order(&plan),
        [
            "PreSync/0 Namespace/ns1",
            "PreSync/0 Job/hook1",
            "PreSync/0 Namespace/ns2",
            "PreSync/0 Job/hook2"
        ]
    );
}
