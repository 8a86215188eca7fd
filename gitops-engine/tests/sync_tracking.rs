//! Resource tracking: tracking-id format, stamping per method, membership
//! (notes/gitops-engine.md §4.1, §2.6; argocd-interfaces.md tracking).

mod sync_support;

use gitops_engine::sync::tracking::{
    INSTALLATION_ID_ANNOTATION, TRACKING_ID_ANNOTATION, instance_name, membership, stamp,
    truncated_label_value,
};
use gitops_engine::sync::{Membership, SyncError, TrackingConfig, TrackingId, TrackingMethod};
use serde_json::json;
use sync_support::*;

const LABEL: &str = "app.kubernetes.io/instance";

fn config(method: TrackingMethod) -> TrackingConfig {
    TrackingConfig {
        method,
        ..TrackingConfig::default()
    }
}

fn stamped(o: &serde_json::Value, app: &str, method: TrackingMethod) -> serde_json::Value {
    let mut o = o.clone();
    stamp(&mut o, app, &config(method), NS);
    o
}

// §4.1: "<instance name>:<group>/<kind>:<namespace>/<name> … core group is empty
// (my-app:/ConfigMap:default/cfg)".
#[test]
fn tracking_id_format() {
    assert_eq!(
        TrackingId::for_object("my-app", &cm("cfg", &[]), NS).to_string(),
        "my-app:/ConfigMap:default/cfg"
    );
    let d = obj("apps/v1", "Deployment", Some("prod"), "web", &[]);
    assert_eq!(
        TrackingId::for_object("my-app", &d, NS).to_string(),
        "my-app:apps/Deployment:prod/web"
    );
}

// §4.1: "namespace is the object's namespace or, if empty (cluster-scoped), the app's
// destination namespace".
#[test]
fn tracking_id_of_cluster_scoped_object_uses_destination_namespace() {
    let role = obj(
        "rbac.authorization.k8s.io/v1",
        "ClusterRole",
        None,
        "admin",
        &[],
    );
    assert_eq!(
        TrackingId::for_object("a", &role, "dest").to_string(),
        "a:rbac.authorization.k8s.io/ClusterRole:dest/admin"
    );
}

// §4.1: "Parse by splitting on the first two `:` (the name part may contain `:`); the middle
// and last parts must each split into exactly two on `/`."
#[test]
fn tracking_id_parse() {
    let id = TrackingId::parse("app:rbac.authorization.k8s.io/ClusterRole:ns/system:controller:x")
        .unwrap();
    assert_eq!(
        (
            id.app_instance.as_str(),
            id.group.as_str(),
            id.kind.as_str(),
            id.namespace.as_str(),
            id.name.as_str()
        ),
        (
            "app",
            "rbac.authorization.k8s.io",
            "ClusterRole",
            "ns",
            "system:controller:x"
        )
    );
    let core = TrackingId::parse("my-app:/ConfigMap:default/cfg").unwrap();
    assert_eq!((core.group.as_str(), core.kind.as_str()), ("", "ConfigMap"));
    for bad in [
        "my-app",
        "my-app:/ConfigMap",
        "my-app:ConfigMap:default/cfg",
        "my-app:a/b/c:ns/n",
        "my-app:/ConfigMap:default",
    ] {
        assert!(
            matches!(
                TrackingId::parse(bad),
                Err(SyncError::InvalidTrackingId { .. })
            ),
            "{bad}"
        );
    }
}

// §4.1: tracking method names.
#[test]
fn tracking_method_names() {
    assert_eq!(
        "annotation".parse::<TrackingMethod>().unwrap(),
        TrackingMethod::Annotation
    );
    assert_eq!(
        "label".parse::<TrackingMethod>().unwrap(),
        TrackingMethod::Label
    );
    assert_eq!(
        "annotation+label".parse::<TrackingMethod>().unwrap(),
        TrackingMethod::AnnotationAndLabel
    );
    assert_eq!(
        TrackingMethod::default(),
        TrackingMethod::Annotation,
        "default since Argo CD 3.0"
    );
    assert!("Annotation".parse::<TrackingMethod>().is_err());
}

// §4.1: "Instance name of an app = its name, or <app namespace>_<app name> when the
// Application lives outside the control-plane namespace."
#[test]
fn instance_name_outside_control_plane_namespace() {
    assert_eq!(instance_name("guestbook", "argocd", "argocd"), "guestbook");
    assert_eq!(
        instance_name("guestbook", "team-a", "argocd"),
        "team-a_guestbook"
    );
}

// §4.1 annotation method: the tracking-id annotation only.
#[test]
fn stamp_annotation_method() {
    let o = stamped(&cm("cfg", &[]), "my-app", TrackingMethod::Annotation);
    assert_eq!(
        o["metadata"]["annotations"],
        json!({TRACKING_ID_ANNOTATION: "my-app:/ConfigMap:default/cfg"})
    );
    assert!(o["metadata"].get("labels").is_none());
}

// §4.1 label method: "Values over 63 characters are not truncated in label-only mode".
#[test]
fn stamp_label_method_does_not_truncate() {
    let long = "a".repeat(70);
    let o = stamped(&cm("cfg", &[]), &long, TrackingMethod::Label);
    assert_eq!(o["metadata"]["labels"], json!({LABEL: long}));
    assert!(o["metadata"].get("annotations").is_none());
}

// §4.1 annotation+label: both written; "the label is also written, truncated to 63
// characters with trailing non-alphanumerics stripped".
#[test]
fn stamp_annotation_and_label_truncates_label() {
    let app = format!("{}-_.{}", "b".repeat(60), "tail");
    let o = stamped(&cm("cfg", &[]), &app, TrackingMethod::AnnotationAndLabel);
    assert_eq!(o["metadata"]["labels"][LABEL], "b".repeat(60));
    assert_eq!(
        o["metadata"]["annotations"][TRACKING_ID_ANNOTATION],
        format!("{app}:/ConfigMap:default/cfg")
    );
    assert_eq!(truncated_label_value("short-app"), "short-app");
    // Values of 63 characters or fewer are never altered.
    assert_eq!(truncated_label_value("ends-with-dash-"), "ends-with-dash-");
}

// §4.1: "The tracking metadata is injected into every rendered object except
// CustomResourceDefinitions".
#[test]
fn stamp_skips_crds() {
    let crd = obj(
        "apiextensions.k8s.io/v1",
        "CustomResourceDefinition",
        None,
        "w.example.com",
        &[],
    );
    assert_eq!(stamped(&crd, "a", TrackingMethod::AnnotationAndLabel), crd);
}

// §4.1: an installation ID is written, and objects of another installation are not ours.
#[test]
fn installation_id_written_and_checked() {
    let cfg = TrackingConfig {
        installation_id: Some("inst-1".into()),
        ..TrackingConfig::default()
    };
    let mut o = cm("c", &[]);
    stamp(&mut o, "my-app", &cfg, NS);
    assert_eq!(
        o["metadata"]["annotations"][INSTALLATION_ID_ANNOTATION],
        "inst-1"
    );
    assert_eq!(membership(&o, None, "my-app", &cfg), Membership::Member);
    let other = TrackingConfig {
        installation_id: Some("inst-2".into()),
        ..TrackingConfig::default()
    };
    assert_eq!(
        membership(&o, None, "my-app", &other),
        Membership::Untracked
    );
    // Stamping without an installation ID removes a stale one.
    let mut restamped = o.clone();
    stamp(&mut restamped, "my-app", &TrackingConfig::default(), NS);
    assert!(
        restamped["metadata"]["annotations"]
            .get(INSTALLATION_ID_ANNOTATION)
            .is_none()
    );
    // Without the annotation the object is not this installation's either.
    assert_eq!(
        membership(&tracked(&cm("c", &[])), None, "my-app", &cfg),
        Membership::Untracked
    );
}

// §4.1 rule 1: a member names this instance and has no ownerReferences; rule 4: another
// app's objects are reported as such.
#[test]
fn membership_by_method() {
    let ann = config(TrackingMethod::Annotation);
    let lab = config(TrackingMethod::Label);
    let both = config(TrackingMethod::AnnotationAndLabel);
    let by_annotation = stamped(&cm("c", &[]), "my-app", TrackingMethod::Annotation);
    let by_label = stamped(&cm("c", &[]), "my-app", TrackingMethod::Label);
    assert_eq!(
        membership(&by_annotation, None, "my-app", &ann),
        Membership::Member
    );
    assert_eq!(
        membership(&by_annotation, None, "other", &ann),
        Membership::OtherApp("my-app".into())
    );
    assert_eq!(
        membership(&by_label, None, "my-app", &lab),
        Membership::Member
    );
    assert_eq!(
        membership(&by_label, None, "my-app", &ann),
        Membership::Untracked
    );
    assert_eq!(
        membership(&by_annotation, None, "my-app", &lab),
        Membership::Untracked
    );
    // annotation+label: "annotation decides".
    assert_eq!(
        membership(&by_label, None, "my-app", &both),
        Membership::Untracked
    );
    assert_eq!(
        membership(&by_annotation, None, "my-app", &both),
        Membership::Member
    );

    let mut child = by_annotation.clone();
    child["metadata"]["ownerReferences"] = json!([{"kind": "ReplicaSet", "name": "x", "uid": "u"}]);
    assert_eq!(membership(&child, None, "my-app", &ann), Membership::Owned);
}

// §4.1 rule 3: "the tracking-id's group/kind/name must equal the object's, and its namespace
// must equal the object's namespace (or the object is cluster-scoped). When a desired
// object exists its identity is used".
#[test]
fn membership_requires_self_referencing_tracking_id() {
    let ann = config(TrackingMethod::Annotation);
    let with_id = |o: serde_json::Value, id: &str| {
        let mut o = o;
        o["metadata"]["annotations"] = json!({TRACKING_ID_ANNOTATION: id});
        o
    };
    let pod = with_id(
        obj("v1", "Pod", Some(NS), "web-123", &[]),
        "my-app:apps/Deployment:default/web",
    );
    assert_eq!(
        membership(&pod, None, "my-app", &ann),
        Membership::NotSelfReferencing
    );
    let wrong_ns = with_id(cm("c", &[]), "my-app:/ConfigMap:elsewhere/c");
    assert_eq!(
        membership(&wrong_ns, None, "my-app", &ann),
        Membership::NotSelfReferencing
    );
    let cluster = with_id(
        obj("v1", "Namespace", None, "team", &[]),
        "my-app:/Namespace:anything/team",
    );
    assert_eq!(
        membership(&cluster, None, "my-app", &ann),
        Membership::Member
    );
    // Ingress moved API group: the tracking-id was written for `extensions`, the live
    // object is read in the desired object's version (`networking.k8s.io`). Alone it fails
    // the check; paired with the desired object, the desired identity is used.
    let live = with_id(
        obj("networking.k8s.io/v1", "Ingress", Some(NS), "web", &[]),
        "my-app:extensions/Ingress:default/web",
    );
    let desired = obj("networking.k8s.io/v1", "Ingress", Some(NS), "web", &[]);
    assert_eq!(
        membership(&live, None, "my-app", &ann),
        Membership::NotSelfReferencing
    );
    assert_eq!(
        membership(&live, Some(&desired), "my-app", &ann),
        Membership::Member
    );
    // Paired with a desired object of another identity it is not self-referencing.
    let other = obj("v1", "Service", Some(NS), "web", &[]);
    assert_eq!(
        membership(&live, Some(&other), "my-app", &ann),
        Membership::NotSelfReferencing
    );
    // Label tracking has no tracking-id, so no self-reference check.
    let mut labelled = pod.clone();
    labelled["metadata"]["labels"] = json!({LABEL: "my-app"});
    assert_eq!(
        membership(&labelled, None, "my-app", &config(TrackingMethod::Label)),
        Membership::Member
    );
}

// The planner uses the configured tracking method to find prune candidates (§2.6).
#[test]
fn plan_prunes_by_configured_tracking_method() {
    let by_label = stamped(&cm("old", &[]), APP, TrackingMethod::Label);
    let mut input = input(vec![], vec![by_label]);
    assert!(
        must_plan(&input).tasks.is_empty(),
        "annotation tracking ignores the label"
    );
    input.tracking = config(TrackingMethod::Label);
    assert_eq!(order(&must_plan(&input)), ["Sync/0 ConfigMap/old"]);
}
