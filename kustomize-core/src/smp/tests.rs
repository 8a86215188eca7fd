//! Unit tests of the strategic merge patch. Expected results follow kyaml's
//! merge2 semantics (checked against `kubectl kustomize` in
//! tests/fixtures/smp-*).

use super::*;
use serde_json::json;

fn deployment(spec: Value) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": spec}}})
}

fn pod_spec(v: &Value) -> &Value {
    &v["spec"]["template"]["spec"]
}

fn apply(target: &Value, patch: &Value) -> Value {
    merge(target, patch, Schema::builtin())
        .expect("merge succeeds")
        .expect("resource kept")
}

#[test]
fn maps_merge_and_null_deletes() {
    let target = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": {"a": "1", "b": "2"}}, "data": {"x": "1", "y": "2"}});
    let patch = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": {"a": null, "c": "3"}}, "data": {"y": "3", "z": null}});
    let out = apply(&target, &patch);
    assert_eq!(out["metadata"]["labels"], json!({"b": "2", "c": "3"}));
    assert_eq!(out["data"], json!({"x": "1", "y": "3"}));
}

#[test]
fn containers_merge_by_name_patch_elements_first() {
    let target = deployment(
        json!({"containers": [{"name": "a", "image": "ia"}, {"name": "b", "image": "ib"}]}),
    );
    let patch = deployment(
        json!({"containers": [{"name": "b", "image": "ib2"}, {"name": "c", "image": "ic"}]}),
    );
    let out = apply(&target, &patch);
    assert_eq!(
        pod_spec(&out)["containers"],
        json!([{"name": "b", "image": "ib2"}, {"name": "c", "image": "ic"}, {"name": "a", "image": "ia"}])
    );
}

#[test]
fn env_and_volume_mounts_merge_by_their_keys() {
    let target = deployment(
        json!({"containers": [{"name": "a", "env": [{"name": "X", "value": "1"}], "volumeMounts": [{"mountPath": "/d", "name": "v"}]}]}),
    );
    let patch = deployment(
        json!({"containers": [{"name": "a", "env": [{"name": "Y", "value": "2"}], "volumeMounts": [{"mountPath": "/d", "readOnly": true}]}]}),
    );
    let out = apply(&target, &patch);
    let c = &pod_spec(&out)["containers"][0];
    assert_eq!(
        c["env"],
        json!([{"name": "Y", "value": "2"}, {"name": "X", "value": "1"}])
    );
    assert_eq!(
        c["volumeMounts"],
        json!([{"mountPath": "/d", "name": "v", "readOnly": true}])
    );
}

#[test]
fn ports_use_port_and_protocol_and_new_ones_go_first() {
    let target = deployment(
        json!({"containers": [{"name": "a", "ports": [{"containerPort": 80, "protocol": "TCP"}, {"containerPort": 90}]}]}),
    );
    // A port without protocol matches the target's TCP one by key, but kyaml then looks
    // the patch element up with both keys and finds nothing: its fields are dropped.
    let patch = deployment(
        json!({"containers": [{"name": "a", "ports": [{"containerPort": 80, "name": "http"}, {"containerPort": 100}]}]}),
    );
    let out = apply(&target, &patch);
    assert_eq!(
        pod_spec(&out)["containers"][0]["ports"],
        json!([{"containerPort": 100}, {"containerPort": 80, "protocol": "TCP"}, {"containerPort": 90}])
    );
}

#[test]
fn primitive_merge_list_is_a_union_patch_first() {
    let target = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "finalizers": ["a", "b", "a"]}});
    let patch = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "finalizers": ["c", "a"]}});
    assert_eq!(
        apply(&target, &patch)["metadata"]["finalizers"],
        json!(["c", "a", "b"])
    );
}

#[test]
fn lists_without_strategy_are_replaced() {
    let target = deployment(
        json!({"tolerations": [{"key": "k1"}], "containers": [{"name": "a", "args": ["x", "y"]}]}),
    );
    let patch = deployment(
        json!({"tolerations": [{"key": "k2"}], "containers": [{"name": "a", "args": ["z"]}]}),
    );
    let out = apply(&target, &patch);
    assert_eq!(pod_spec(&out)["tolerations"], json!([{"key": "k2"}]));
    assert_eq!(pod_spec(&out)["containers"][0]["args"], json!(["z"]));
}

#[test]
fn unknown_kinds_replace_lists_and_keep_nulls_inside_them() {
    let target = json!({"apiVersion": "x.io/v1", "kind": "Thing", "metadata": {"name": "t"}, "spec": {"items": [{"name": "a", "v": 1}, {"name": "b"}]}});
    let patch = json!({"apiVersion": "x.io/v1", "kind": "Thing", "metadata": {"name": "t"}, "spec": {"items": [{"name": "a", "v": null}]}});
    assert_eq!(
        apply(&target, &patch)["spec"]["items"],
        json!([{"name": "a", "v": null}])
    );
}

#[test]
fn nested_map_naming_a_known_type_gets_its_schema() {
    let target = json!({"apiVersion": "x.io/v1", "kind": "Thing", "metadata": {"name": "t"},
        "spec": {"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"name": "a"}]}}});
    let patch = json!({"apiVersion": "x.io/v1", "kind": "Thing", "metadata": {"name": "t"},
        "spec": {"spec": {"containers": [{"name": "b"}]}}});
    assert_eq!(
        apply(&target, &patch)["spec"]["spec"]["containers"],
        json!([{"name": "b"}, {"name": "a"}])
    );
}

#[test]
fn patch_delete_on_element_removes_it() {
    let target = deployment(
        json!({"volumes": [{"name": "v1", "emptyDir": {}}, {"name": "v2", "emptyDir": {}}]}),
    );
    let patch = deployment(
        json!({"volumes": [{"name": "v1", "$patch": "delete"}, {"name": "v3", "$patch": "delete"}]}),
    );
    assert_eq!(
        pod_spec(&apply(&target, &patch))["volumes"],
        json!([{"name": "v2", "emptyDir": {}}])
    );
}

#[test]
fn patch_delete_on_map_and_on_resource() {
    let target =
        deployment(json!({"affinity": {"nodeAffinity": {"x": 1}}, "containers": [{"name": "a"}]}));
    let patch = deployment(json!({"affinity": {"$patch": "delete"}}));
    assert_eq!(pod_spec(&apply(&target, &patch)).get("affinity"), None);
    let whole = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "$patch": "delete"});
    assert_eq!(merge(&target, &whole, Schema::builtin()), Ok(None));
}

#[test]
fn patch_replace_on_map_takes_the_patch_map() {
    let target = deployment(json!({"nodeSelector": {"a": "1"}, "containers": [{"name": "a"}]}));
    let patch = deployment(json!({"nodeSelector": {"$patch": "replace", "b": "2"}}));
    assert_eq!(
        pod_spec(&apply(&target, &patch))["nodeSelector"],
        json!({"b": "2"})
    );
}

#[test]
fn patch_replace_on_existing_element_is_undone_by_the_target_element() {
    let target = deployment(json!({"containers": [{"name": "a", "image": "ia", "args": ["x"]}]}));
    let patch = deployment(
        json!({"containers": [{"name": "a", "image": "ia2", "$patch": "replace"}, {"name": "b"}]}),
    );
    assert_eq!(
        pod_spec(&apply(&target, &patch))["containers"],
        json!([{"name": "a", "image": "ia", "args": ["x"]}, {"name": "b"}])
    );
}

#[test]
fn list_level_directives() {
    let target = deployment(
        json!({"containers": [{"name": "a"}], "initContainers": [{"name": "i1"}, {"name": "i2"}], "volumes": [{"name": "v"}]}),
    );
    let patch = deployment(json!({
        "initContainers": [{"$patch": "replace"}, {"name": "i3"}],
        "volumes": [{"$patch": "delete"}],
        "containers": [{"$patch": "merge"}, {"name": "b"}],
    }));
    let out = apply(&target, &patch);
    assert_eq!(pod_spec(&out)["initContainers"], json!([{"name": "i3"}]));
    assert_eq!(pod_spec(&out).get("volumes"), None);
    assert_eq!(
        pod_spec(&out)["containers"],
        json!([{"name": "b"}, {"name": "a"}])
    );
}

#[test]
fn other_directives_are_plain_fields() {
    let target = deployment(json!({"containers": [{"name": "a"}, {"name": "b"}]}));
    let patch = deployment(json!({
        "$setElementOrder/containers": [{"name": "b"}, {"name": "a"}],
        "$retainKeys": ["containers"],
        "$deleteFromPrimitiveList/args": ["x"],
    }));
    let out = apply(&target, &patch);
    assert_eq!(
        pod_spec(&out)["$setElementOrder/containers"],
        json!([{"name": "b"}, {"name": "a"}])
    );
    assert_eq!(pod_spec(&out)["$retainKeys"], json!(["containers"]));
    assert_eq!(
        pod_spec(&out)["$deleteFromPrimitiveList/args"],
        json!(["x"])
    );
    assert_eq!(
        pod_spec(&out)["containers"],
        json!([{"name": "a"}, {"name": "b"}])
    );
}

#[test]
fn element_without_merge_key_drops_keyed_target_elements() {
    let target = deployment(
        json!({"containers": [{"name": "a", "env": [{"name": "A", "value": "a"}, {"value": "nokey"}]}, {"name": "b"}]}),
    );
    let patch = deployment(
        json!({"containers": [{"name": "a", "env": [{"value": "new"}]}, {"image": "keyless"}]}),
    );
    let out = apply(&target, &patch);
    assert_eq!(
        pod_spec(&out)["containers"],
        json!([{"name": "a", "env": [{"value": "nokey"}]}])
    );
}

#[test]
fn new_subtrees_have_their_directives_and_nulls_applied() {
    let target = deployment(json!({"containers": [{"name": "a"}]}));
    let patch = deployment(json!({
        "affinity": {"nodeAffinity": {"$patch": "delete", "x": 1}, "podAffinity": {"$patch": "replace", "y": null, "z": 2}},
        "volumes": [{"name": "v1", "emptyDir": {}}, {"name": "v2", "$patch": "delete"}, {"name": "v1", "configMap": {"name": "c"}}],
    }));
    let out = apply(&target, &patch);
    assert_eq!(pod_spec(&out)["affinity"], json!({"podAffinity": {"z": 2}}));
    assert_eq!(
        pod_spec(&out)["volumes"],
        json!([{"name": "v1", "configMap": {"name": "c"}}])
    );
}

#[test]
fn nulls_already_in_the_target_are_kept() {
    let target = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "creationTimestamp": null}});
    let patch = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": {"a": "1"}}});
    assert_eq!(
        apply(&target, &patch)["metadata"],
        json!({"name": "c", "creationTimestamp": null, "labels": {"a": "1"}})
    );
}

#[test]
fn scalars_are_replaced_and_keys_compare_as_text() {
    let target = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {"ports": [{"port": 80, "protocol": "TCP", "targetPort": 8080}]}});
    let patch = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {"ports": [{"port": "80", "protocol": "TCP", "targetPort": "http"}]}});
    assert_eq!(
        apply(&target, &patch)["spec"]["ports"],
        json!([{"port": "80", "protocol": "TCP", "targetPort": "http"}])
    );
}

#[test]
fn errors_name_the_field() {
    let target = deployment(json!({"containers": [{"name": "a"}]}));
    let bad_kind = deployment(json!({"containers": {"name": "a"}}));
    assert_eq!(
        merge(&target, &bad_kind, Schema::builtin()),
        Err(SmpError::WrongKind {
            path: "spec.template.spec.containers".into(),
            expected: "SequenceNode",
            found: "MappingNode"
        })
    );
    let bad_directive =
        deployment(json!({"affinity": {"$patch": "frob"}, "nodeSelector": {"$patch": "frob"}}));
    let with_affinity = deployment(json!({"nodeSelector": {"a": "b"}}));
    assert_eq!(
        merge(&with_affinity, &bad_directive, Schema::builtin()),
        Err(SmpError::UnknownDirective {
            path: "spec.template.spec.nodeSelector".into(),
            value: "frob".into()
        })
    );
    let bad_list_directive = deployment(json!({"containers": [{"$patch": "frob"}]}));
    assert_eq!(
        merge(&target, &bad_list_directive, Schema::builtin()),
        Err(SmpError::UnknownDirective {
            path: "spec.template.spec.containers".into(),
            value: "frob".into()
        })
    );
    let nested = deployment(json!({"containers": [{"name": "a", "env": {"name": "X"}}]}));
    let with_env = deployment(json!({"containers": [{"name": "a", "env": [{"name": "Y"}]}]}));
    assert_eq!(
        merge(&with_env, &nested, Schema::builtin()),
        Err(SmpError::WrongKind {
            path: "spec.template.spec.containers[name=a].env".into(),
            expected: "SequenceNode",
            found: "MappingNode"
        })
    );
    let message = merge(&target, &bad_kind, Schema::builtin())
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("spec.template.spec.containers"),
        "{message}"
    );
}

#[test]
fn unknown_directive_in_a_new_map_is_ignored() {
    // kyaml ignores the directive error where the target has nothing yet.
    let target = deployment(json!({"containers": [{"name": "a"}]}));
    let patch = deployment(json!({"affinity": {"$patch": "frob", "x": 1}}));
    assert_eq!(
        pod_spec(&apply(&target, &patch))["affinity"],
        json!({"$patch": "frob", "x": 1})
    );
}

#[test]
fn builtin_schema_knows_kubernetes_1_21_types() {
    let s = Schema::builtin();
    let pod = s.for_type("v1", "Pod").expect("Pod");
    let containers = pod
        .field("spec")
        .and_then(|f| f.field("containers"))
        .expect("containers");
    assert!(containers.merges());
    assert_eq!(containers.keys(), ["name"]);
    let ports = containers
        .elements()
        .and_then(|c| c.field("ports"))
        .expect("ports");
    assert_eq!(ports.keys(), ["containerPort", "protocol"]);
    let svc_ports = s
        .for_type("v1", "Service")
        .and_then(|t| t.field("spec"))
        .and_then(|f| f.field("ports"))
        .expect("ports");
    assert_eq!(svc_ports.keys(), ["port", "protocol"]);
    let finalizers = pod
        .field("metadata")
        .and_then(|m| m.field("finalizers"))
        .expect("finalizers");
    assert!(finalizers.merges() && finalizers.keys().is_empty());
    let tolerations = pod
        .field("spec")
        .and_then(|f| f.field("tolerations"))
        .expect("tolerations");
    assert!(!tolerations.merges());
    assert!(s.for_type("batch/v1", "CronJob").is_some());
    assert!(s.for_type("example.com/v1", "Thing").is_none());
}

#[test]
fn custom_schema_replaces_the_builtin_one() {
    let doc = json!({"definitions": {
        "T": {"type": "object", "x-kubernetes-group-version-kind": [{"group": "x.io", "version": "v1", "kind": "T"}],
              "properties": {"spec": {"$ref": "#/definitions/S"}}},
        "S": {"type": "object", "properties": {
            "parts": {"type": "array", "x-kubernetes-patch-strategy": "merge", "x-kubernetes-patch-merge-key": "id", "items": {"type": "object"}},
            "owners": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"]}}}
    }});
    let schema = Schema::with_custom(&doc).expect("valid schema");
    let target = json!({"apiVersion": "x.io/v1", "kind": "T", "spec": {"parts": [{"id": 1, "q": 1}], "owners": [{"name": "a"}]}});
    let patch = json!({"apiVersion": "x.io/v1", "kind": "T", "spec": {"parts": [{"id": 2}, {"id": 1, "q": 2}], "owners": [{"name": "b"}]}});
    let out = merge(&target, &patch, &schema).unwrap().unwrap();
    assert_eq!(out["spec"]["parts"], json!([{"id": 2}, {"id": 1, "q": 2}]));
    // list-map-keys without a patch strategy does not make a list associative.
    assert_eq!(out["spec"]["owners"], json!([{"name": "b"}]));
    // Built-in kinds have no schema beside a custom one.
    let d = deployment(json!({"containers": [{"name": "a"}]}));
    let p = deployment(json!({"containers": [{"name": "b"}]}));
    assert_eq!(
        pod_spec(&merge(&d, &p, &schema).unwrap().unwrap())["containers"],
        json!([{"name": "b"}])
    );
}

#[test]
fn invalid_custom_schemas_are_rejected() {
    for doc in [
        json!([1]),
        json!({"definitions": []}),
        json!({"definitions": {"T": {"$ref": "http://elsewhere/x"}}}),
        json!({"definitions": {"T": {"x-kubernetes-group-version-kind": [{"group": "g"}]}}}),
        json!({"definitions": {"T": {"type": "array", "x-kubernetes-list-map-keys": [1]}}}),
    ] {
        assert!(
            matches!(Schema::with_custom(&doc), Err(SmpError::InvalidSchema(_))),
            "{doc}"
        );
    }
    assert!(Schema::with_custom(&json!({"swagger": "2.0"})).is_ok());
}

#[test]
fn scalars_in_a_list_of_keyed_maps_empty_it() {
    let target = deployment(json!({"containers": [{"name": "a"}]}));
    let patch = deployment(json!({"containers": ["x"]}));
    assert_eq!(pod_spec(&apply(&target, &patch))["containers"], json!([]));
}

#[test]
fn maps_in_a_list_of_scalars_are_an_error() {
    let target = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
    let patch = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "finalizers": [{"a": 1}]}});
    assert_eq!(
        merge(&target, &patch, Schema::builtin()),
        Err(SmpError::WrongKind {
            path: "metadata.finalizers (list element)".into(),
            expected: "ScalarNode",
            found: "MappingNode"
        })
    );
}

/// A field path of map keys and list indices, written `a.0.b`.
fn path(dotted: &str) -> FieldPath {
    use crate::yaml::PathSegment;
    dotted
        .split('.')
        .map(|s| match s.parse() {
            Ok(i) => PathSegment::Index(i),
            Err(_) => PathSegment::Key(s.to_owned()),
        })
        .collect()
}

#[test]
fn blank_nulls_go_where_the_walk_goes_and_stay_in_replaced_lists() {
    let target = Marked {
        value: deployment(json!({
            "hostname": null,
            "subdomain": null,
            "tolerations": [{"key": "k", "value": null}],
            "containers": [{"name": "c", "workingDir": null}],
        })),
        blanks: [
            "spec.template.spec.hostname",
            "spec.template.spec.tolerations.0.value",
            "spec.template.spec.containers.0.workingDir",
        ]
        .map(path)
        .to_vec(),
    };
    let patch = Marked::from(deployment(json!({"dnsPolicy": "None"})));
    let merged = merge_marked(target, patch, Schema::builtin())
        .expect("merge succeeds")
        .expect("resource kept");
    assert_eq!(
        pod_spec(&merged.value),
        &json!({
            "containers": [{"name": "c"}],
            "dnsPolicy": "None",
            "subdomain": null,
            "tolerations": [{"key": "k", "value": null}],
        })
    );
    assert_eq!(
        merged.blanks,
        vec![path("spec.template.spec.tolerations.0.value")]
    );
}
