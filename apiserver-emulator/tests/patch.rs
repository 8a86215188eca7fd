//! PATCH with every supported content type, dry runs and server-side apply.

mod common;

use common::{api_error, start, within};
use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{Api, Patch, PatchParams, PostParams};
use serde_json::{Value, json};

fn deployment() -> Deployment {
    serde_json::from_value(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "app", "image": "app:1"}, {"name": "proxy", "image": "proxy:1"}]}}}
    }))
    .expect("valid deployment")
}

fn images(d: &Deployment) -> Vec<(String, String)> {
    d.spec
        .as_ref()
        .and_then(|s| s.template.spec.as_ref())
        .map_or_else(Vec::new, |p| {
            p.containers
                .iter()
                .map(|c| (c.name.clone(), c.image.clone().unwrap_or_default()))
                .collect()
        })
}

#[tokio::test]
async fn json_merge_and_strategic_patches() {
    let (emu, client) = start().await;
    let api: Api<Deployment> = Api::namespaced(client, "default");
    within(api.create(&PostParams::default(), &deployment()))
        .await
        .expect("create");
    let pp = PatchParams::default();

    let smp = json!({"spec": {"template": {"spec": {"containers": [{"name": "proxy", "image": "proxy:2"}]}}}});
    let d = within(api.patch("web", &pp, &Patch::Strategic(&smp)))
        .await
        .expect("smp");
    let mut merged = images(&d);
    merged.sort();
    assert_eq!(
        merged,
        [
            ("app".into(), "app:1".into()),
            ("proxy".into(), "proxy:2".into())
        ]
    );
    assert_eq!(d.metadata.generation, Some(2));

    let json_patch: json_patch::Patch = serde_json::from_value(json!([
        {"op": "replace", "path": "/spec/replicas", "value": 3}
    ]))
    .expect("patch");
    let d = within(api.patch("web", &pp, &Patch::<()>::Json(json_patch)))
        .await
        .expect("json patch");
    assert_eq!(d.spec.as_ref().and_then(|s| s.replicas), Some(3));

    let merge = json!({"spec": {"template": {"spec": {"containers": [{"name": "only", "image": "only:1"}]}}}});
    let d = within(api.patch("web", &pp, &Patch::Merge(&merge)))
        .await
        .expect("merge");
    assert_eq!(
        images(&d),
        [("only".into(), "only:1".into())],
        "merge patch replaces lists"
    );

    let stale = json!({"metadata": {"resourceVersion": "1"}, "spec": {"replicas": 5}});
    let (code, _) = api_error(within(api.patch("web", &pp, &Patch::Merge(&stale))).await);
    assert_eq!(
        code, 409,
        "a patch naming a stale resourceVersion conflicts"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn dry_run_patch_changes_nothing() {
    let (emu, client) = start().await;
    let api: Api<Deployment> = Api::namespaced(client, "default");
    within(api.create(&PostParams::default(), &deployment()))
        .await
        .expect("create");
    let patch = json!({"spec": {"replicas": 7}});
    let would = within(api.patch(
        "web",
        &PatchParams::default().dry_run(),
        &Patch::Merge(&patch),
    ))
    .await
    .expect("dry run");
    assert_eq!(would.spec.as_ref().and_then(|s| s.replicas), Some(7));
    let live = within(api.get("web")).await.expect("get");
    assert_eq!(live.spec.as_ref().and_then(|s| s.replicas), Some(1));
    emu.shutdown().await;
}

#[tokio::test]
async fn server_side_apply_creates_tracks_managers_and_conflicts() {
    let (emu, client) = start().await;
    let api: Api<Deployment> = Api::namespaced(client, "default");
    let mut applied: Value = serde_json::to_value(deployment()).expect("json");
    applied["metadata"]["annotations"] = json!({"note": "first"});
    let d = within(api.patch(
        "web",
        &PatchParams::apply("gitops"),
        &Patch::Apply(&applied),
    ))
    .await
    .expect("create by apply");
    assert_eq!(d.metadata.generation, Some(1));
    let managed = d.metadata.managed_fields.clone().unwrap_or_default();
    assert_eq!(managed.len(), 1);
    assert_eq!(managed[0].manager.as_deref(), Some("gitops"));
    assert_eq!(managed[0].operation.as_deref(), Some("Apply"));

    // Dropping a field this manager applied removes it.
    applied["metadata"]
        .as_object_mut()
        .expect("metadata")
        .remove("annotations");
    let d = within(api.patch(
        "web",
        &PatchParams::apply("gitops"),
        &Patch::Apply(&applied),
    ))
    .await
    .expect("reapply");
    assert!(
        d.metadata
            .annotations
            .is_none_or(|a| !a.contains_key("note"))
    );

    let scale = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": 4}});
    let (code, reason) = api_error(
        within(api.patch("web", &PatchParams::apply("hpa"), &Patch::Apply(&scale))).await,
    );
    assert_eq!((code, reason.as_str()), (409, "Conflict"));
    let d = within(api.patch(
        "web",
        &PatchParams::apply("hpa").force(),
        &Patch::Apply(&scale),
    ))
    .await
    .expect("forced");
    assert_eq!(d.spec.as_ref().and_then(|s| s.replicas), Some(4));
    assert_eq!(images(&d).len(), 2, "the other manager's fields stay");
    emu.shutdown().await;
}
