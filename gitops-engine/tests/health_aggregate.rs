//! Application health aggregation over resource healths.

use gitops_engine::health::{
    HealthStatus, HealthStatusCode, ResourceHealth, aggregate, excluded_from_aggregate,
};
use serde_json::json;

fn res(group: &str, kind: &str, name: &str, health: Option<HealthStatusCode>) -> ResourceHealth {
    ResourceHealth {
        group: group.into(),
        kind: kind.into(),
        namespace: "ns".into(),
        name: name.into(),
        live: true,
        health: health.map(|code| HealthStatus::new(code, "")),
        excluded: false,
    }
}

use HealthStatusCode::*;

#[test]
fn worst_health_wins_in_argo_cd_order() {
    let order = [Healthy, Suspended, Progressing, Missing, Degraded, Unknown];
    for (i, worse) in order.iter().enumerate() {
        for better in &order[..=i] {
            let resources = [
                res("apps", "Deployment", "a", Some(*better)),
                res("", "Pod", "b", Some(*worse)),
            ];
            assert_eq!(aggregate(&resources).status, *worse, "{better} vs {worse}");
        }
    }
}

#[test]
fn empty_app_and_unjudged_resources_are_healthy() {
    assert_eq!(aggregate(&[]), HealthStatus::healthy(""));
    let resources = [
        res("", "ConfigMap", "cm", None),
        res("apps", "Deployment", "d", Some(Healthy)),
    ];
    assert_eq!(aggregate(&resources), HealthStatus::healthy(""));
}

#[test]
fn ignored_resources_do_not_count() {
    let mut hook = res("batch", "Job", "migrate", Some(Degraded));
    hook.excluded = true;
    let mut missing = res("apps", "Deployment", "gone", Some(Missing));
    missing.live = false;
    let child_unknown = res("argoproj.io", "Application", "child", Some(Unknown));
    let child_missing = res("argoproj.io", "Application", "child2", Some(Missing));
    let resources = [
        hook,
        missing,
        child_unknown,
        child_missing,
        res("", "Service", "svc", Some(Progressing)),
    ];
    assert_eq!(
        aggregate(&resources),
        HealthStatus::progressing("Caused by Service:ns/svc")
    );
    // A degraded child Application does count.
    let child = res("argoproj.io", "Application", "child", Some(Degraded));
    assert_eq!(
        aggregate(&[child]),
        HealthStatus::degraded("Caused by argoproj.io/Application:ns/child")
    );
}

#[test]
fn nothing_live_is_missing() {
    let mut a = res("apps", "Deployment", "a", Some(Missing));
    a.live = false;
    let mut b = res("", "ConfigMap", "b", None);
    b.live = false;
    assert_eq!(aggregate(&[a, b]).status, Missing);
}

#[test]
fn message_names_at_most_three_causes() {
    let resources: Vec<ResourceHealth> = (1..=5)
        .map(|i| res("apps", "StatefulSet", &format!("s{i}"), Some(Degraded)))
        .chain([res("", "Pod", "p", Some(Progressing))])
        .collect();
    assert_eq!(
        aggregate(&resources).message,
        "Caused by apps/StatefulSet:ns/s1, apps/StatefulSet:ns/s2, apps/StatefulSet:ns/s3 and 2 more"
    );
}

#[test]
fn hooks_and_ignore_annotation_are_excluded() {
    let with = |annotations: serde_json::Value| json!({"metadata": {"annotations": annotations}});
    assert!(excluded_from_aggregate(&with(
        json!({"argocd.argoproj.io/hook": "PreSync"})
    )));
    assert!(excluded_from_aggregate(&with(
        json!({"helm.sh/hook": "post-install"})
    )));
    assert!(excluded_from_aggregate(&with(
        json!({"argocd.argoproj.io/ignore-healthcheck": "true"})
    )));
    assert!(!excluded_from_aggregate(&with(
        json!({"argocd.argoproj.io/ignore-healthcheck": "false"})
    )));
    assert!(!excluded_from_aggregate(&json!({"metadata": {}})));
}

#[test]
fn assess_builds_entries_from_desired_and_live_objects() {
    use gitops_engine::health::HealthRules;
    let rules = HealthRules::builtin();
    let desired = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "prod"}, "spec": {"replicas": 2}});
    let missing = ResourceHealth::assess(Some(&desired), None, &rules).unwrap();
    assert_eq!(
        (
            missing.group.as_str(),
            missing.kind.as_str(),
            missing.namespace.as_str(),
            missing.name.as_str()
        ),
        ("apps", "Deployment", "prod", "web")
    );
    assert!(!missing.live);
    assert_eq!(missing.health.as_ref().map(|h| h.status), Some(Missing));

    let mut live = desired.clone();
    live["status"] = json!({"replicas": 2, "updatedReplicas": 2, "availableReplicas": 1});
    let progressing = ResourceHealth::assess(Some(&desired), Some(&live), &rules).unwrap();
    assert_eq!(
        progressing.health,
        Some(HealthStatus::progressing(
            "Waiting for rollout to finish: 1 of 2 updated replicas are available..."
        ))
    );
    assert!(!progressing.excluded);
    assert_eq!(
        aggregate(&[missing, progressing]),
        HealthStatus::progressing("Caused by apps/Deployment:prod/web")
    );

    let mut skipped = desired.clone();
    skipped["metadata"]["annotations"] = json!({"argocd.argoproj.io/hook": "Skip"});
    assert!(
        ResourceHealth::assess(Some(&skipped), None, &rules)
            .unwrap()
            .excluded
    );
    let mut hook = live.clone();
    hook["metadata"]["annotations"] = json!({"argocd.argoproj.io/hook": "PostSync"});
    assert!(
        ResourceHealth::assess(None, Some(&hook), &rules)
            .unwrap()
            .excluded
    );
    assert!(ResourceHealth::assess(None, None, &rules).is_none());
}
