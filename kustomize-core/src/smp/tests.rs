//! Unit tests of the strategic merge patch.

use super::*;
use serde_json::json;

fn apply(target: Value, patch: Value) -> Option<Value> {
    merge(&target, &patch, Schema::builtin()).expect("merge succeeds")
}

#[test]
fn containers_merge_by_name_patch_first() {
    let target = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
        "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "ia"}, {"name": "b", "image": "ib"}]}}}});
    let patch = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
        "spec": {"template": {"spec": {"containers": [{"name": "b", "image": "ib2"}, {"name": "c", "image": "ic"}]}}}});
    let out = apply(target, patch).unwrap();
    assert_eq!(
        out["spec"]["template"]["spec"]["containers"],
        json!([{"name": "b", "image": "ib2"}, {"name": "c", "image": "ic"}, {"name": "a", "image": "ia"}])
    );
}
