//! Behaviour of the public diff API beyond the shared corpus.

use gitops_engine::diff::{
    DiffError, DiffOptions, IgnoreDifference, IgnoreStatus, diff, diff_list, diff_masked,
    dry_run_input, server_side_diff,
};
use serde_json::{Value, json};

fn config_map(data: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "n"}, "data": data})
}

#[test]
fn both_sides_missing_is_an_error() {
    assert!(matches!(
        diff(None, None, &DiffOptions::default()),
        Err(DiffError::NothingToCompare)
    ));
}

#[test]
fn lists_diff_pairwise() {
    let a = config_map(json!({"k": "1"}));
    let b = config_map(json!({"k": "2"}));
    let (modified, results) = diff_list(
        &[Some(a.clone()), Some(b.clone())],
        &[Some(a.clone()), Some(a.clone())],
        &DiffOptions::default(),
    )
    .unwrap();
    assert!(modified);
    assert_eq!(
        results.iter().map(|r| r.modified).collect::<Vec<_>>(),
        [false, true]
    );
    let err = diff_list(&[Some(a)], &[], &DiffOptions::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot diff lists of different lengths: 1 desired vs 0 live objects"
    );
}

#[test]
fn masked_diff_hides_values_and_keeps_modified() {
    let secret = |v: &str| json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"k": v}});
    let r = diff_masked(
        Some(&secret("YQ==")),
        Some(&secret("Yg==")),
        &DiffOptions::default(),
        &[],
    )
    .unwrap();
    assert!(r.modified);
    assert_eq!(r.predicted_live["data"]["k"], "++++++++");
    assert_eq!(r.normalized_live["data"]["k"], "++++++++++++");
    let same = diff_masked(
        Some(&secret("YQ==")),
        Some(&secret("YQ==")),
        &DiffOptions::default(),
        &[],
    )
    .unwrap();
    assert!(!same.modified);
}

#[test]
fn status_ignore_option() {
    let desired = json!({"apiVersion": "foo.io/v1", "kind": "Foo", "metadata": {"name": "f"}, "status": {"phase": "A"}});
    let live = json!({"apiVersion": "foo.io/v1", "kind": "Foo", "metadata": {"name": "f"}, "status": {"phase": "B"}});
    assert!(
        diff(Some(&desired), Some(&live), &DiffOptions::default())
            .unwrap()
            .modified
    );
    let all = DiffOptions {
        ignore_status: IgnoreStatus::All,
        ..DiffOptions::default()
    };
    let r = diff(Some(&desired), Some(&live), &all).unwrap();
    assert!(!r.modified);
    assert!(r.normalized_live.get("status").is_none());
    let crd_only = DiffOptions {
        ignore_status: IgnoreStatus::Crd,
        ..DiffOptions::default()
    };
    assert!(
        diff(Some(&desired), Some(&live), &crd_only)
            .unwrap()
            .modified
    );
}

#[test]
fn ignore_differences_respect_name_and_namespace() {
    let desired = config_map(json!({"k": "1"}));
    let live = config_map(json!({"k": "2"}));
    let entry = |name: &str| IgnoreDifference {
        kind: "ConfigMap".into(),
        name: name.into(),
        json_pointers: vec!["/data/k".into()],
        ..IgnoreDifference::default()
    };
    let opts = |name: &str| DiffOptions {
        ignore_differences: vec![entry(name)],
        ..DiffOptions::default()
    };
    assert!(
        !diff(Some(&desired), Some(&live), &opts("c"))
            .unwrap()
            .modified
    );
    assert!(
        diff(Some(&desired), Some(&live), &opts("other"))
            .unwrap()
            .modified
    );
}

#[test]
fn invalid_jq_expression_is_reported() {
    let opts = DiffOptions {
        ignore_differences: vec![IgnoreDifference {
            kind: "*".into(),
            group: "*".into(),
            jq_path_expressions: vec![".spec[".into()],
            ..IgnoreDifference::default()
        }],
        ..DiffOptions::default()
    };
    let err = diff(Some(&config_map(json!({}))), None, &opts).unwrap_err();
    assert!(
        err.to_string()
            .contains("invalid jqPathExpression `.spec[`"),
        "{err}"
    );
}

#[test]
fn server_side_apply_annotation_selects_structured_merge() {
    let desired = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "c", "annotations": {"argocd.argoproj.io/sync-options": "Prune=false, ServerSideApply=true"}},
        "data": {"a": "1"}});
    let live = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "c", "annotations": {"argocd.argoproj.io/sync-options": "Prune=false, ServerSideApply=true"},
            "managedFields": [{"manager": "argocd-controller", "operation": "Apply",
                "fieldsV1": {"f:data": {"f:a": {}, "f:b": {}}}}]},
        "data": {"a": "1", "b": "2"}});
    // Three-way/two-way would keep `b` (live-only); SSA removes the field it applied before.
    let r = diff(Some(&desired), Some(&live), &DiffOptions::default()).unwrap();
    assert!(r.modified);
    assert_eq!(r.predicted_live["data"], json!({"a": "1"}));
}

#[test]
fn server_side_diff_needs_managed_fields() {
    let obj = config_map(json!({"a": "1"}));
    let err = server_side_diff(Some(&obj), Some(&obj), &obj, &DiffOptions::default()).unwrap_err();
    assert!(
        err.to_string().contains("ConfigMap/c") && err.to_string().contains("managedFields"),
        "{err}"
    );
    let include = DiffOptions {
        include_mutation_webhook: true,
        ..DiffOptions::default()
    };
    assert!(
        !server_side_diff(Some(&obj), Some(&obj), &obj, &include)
            .unwrap()
            .modified
    );
    let created =
        server_side_diff(Some(&obj), None, &Value::Null, &DiffOptions::default()).unwrap();
    assert!(created.modified && created.normalized_live.is_null());
}

#[test]
fn odd_inputs_do_not_panic() {
    let odd = [
        json!("text"),
        json!([1, 2]),
        json!(null),
        json!({"kind": "Secret", "apiVersion": "v1", "data": "not-a-map", "stringData": ["x"]}),
        json!({"kind": "Secret", "apiVersion": "v1", "metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": 5}}}),
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": "oops", "spec": {"template": {"spec": {"containers": [1, {"name": 2}]}}}}),
        json!({"apiVersion": "v1", "kind": "Endpoints", "subsets": [null, {"ports": [3, {"protocol": 5}]}]}),
        json!({"apiVersion": "v1", "kind": "Service", "spec": {"ports": "x", "type": 7}}),
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{\"spec\":[1]}"},
                "managedFields": [{"manager": "m", "fieldsV1": {"f:spec": {"k:{bad": {}, "i:x": {}}}}]},
            "spec": {"template": {"spec": {"containers": [{"name": "a"}, {"name": "a"}]}}}}),
    ];
    let opts = DiffOptions {
        ignore_differences: vec![IgnoreDifference {
            group: "*".into(),
            kind: "*".into(),
            json_pointers: vec!["/spec/0".into(), "not-a-pointer".into()],
            jq_path_expressions: vec![".spec[]?.name".into()],
            managed_fields_managers: vec!["m".into()],
            ..IgnoreDifference::default()
        }],
        ..DiffOptions::default()
    };
    for a in &odd {
        for b in &odd {
            let _ = diff(Some(a), Some(b), &opts);
            let _ = diff_masked(Some(a), Some(b), &opts, &["x".to_string()]);
            let _ = server_side_diff(Some(a), Some(b), b, &opts);
            let _ = gitops_engine::diff::unified_diff(a, b, &[]);
            let ssa = DiffOptions {
                server_side_apply: true,
                ..opts.clone()
            };
            let _ = diff(Some(a), Some(b), &ssa);
        }
    }
}

#[test]
fn annotation_tracking_ignores_legacy_instance_label() {
    use gitops_engine::diff::{AnnotationTracking, DEFAULT_INSTANCE_LABEL, TRACKING_ID_ANNOTATION};
    let desired = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "c", "annotations": {TRACKING_ID_ANNOTATION: "app:/ConfigMap:n/c"}}, "data": {"a": "1"}});
    let live = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "c", "labels": {DEFAULT_INSTANCE_LABEL: "app"},
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration":
                "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\",\"labels\":{\"app.kubernetes.io/instance\":\"app\"}},\"data\":{\"a\":\"1\"}}"}},
        "data": {"a": "1"}});
    assert!(
        diff(Some(&desired), Some(&live), &DiffOptions::default())
            .unwrap()
            .modified
    );
    let opts = DiffOptions {
        tracking: Some(AnnotationTracking::default()),
        ..DiffOptions::default()
    };
    assert!(!diff(Some(&desired), Some(&live), &opts).unwrap().modified);
}

#[test]
fn dry_run_input_keeps_ignored_fields() {
    let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "creationTimestamp": null},
        "stringData": {"a": "b"}, "data": {"c": "ZA=="}});
    let opts = DiffOptions {
        ignore_differences: vec![IgnoreDifference {
            kind: "Secret".into(),
            json_pointers: vec!["/data/c".into()],
            ..IgnoreDifference::default()
        }],
        ..DiffOptions::default()
    };
    let input = dry_run_input(&secret, &opts).unwrap();
    assert_eq!(input["data"], json!({"c": "ZA==", "a": "Yg=="}));
    assert_eq!(input["metadata"], json!({"name": "s"}));
}
