//! Health rules for common custom resources (and `batch/CronJob`), shipped with the
//! engine: declarative ones in `rules.yaml`, the rest in Rust.

mod cronjob;
mod gateway;
mod knative;
mod rollout;

use crate::health::declarative::parse_rules;
use crate::health::matcher::KindMatcher;
use crate::health::rule::Rule;
use crate::health::status::HealthStatus;
use serde_json::Value;
use std::sync::LazyLock;

/// The shipped declarative rules.
const RULES_YAML: &str = include_str!("rules.yaml");

fn native(group: &str, kinds: &[&str], check: fn(&Value) -> Option<HealthStatus>) -> Rule {
    let kinds: Vec<String> = kinds.iter().map(|k| k.to_string()).collect();
    let matcher = KindMatcher::new(&[group.to_string()], &kinds)
        .expect("shipped matchers use valid literal names");
    Rule::native(matcher, check)
}

/// Every shipped rule, Rust rules first; built once per process.
static SHIPPED: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    let mut rules = vec![
        native("argoproj.io", &["Rollout"], rollout::rollout),
        native("batch", &["CronJob"], cronjob::cron_job),
        native("gateway.networking.k8s.io", &["Gateway"], gateway::gateway),
        native(
            "gateway.networking.k8s.io",
            &["HTTPRoute", "GRPCRoute", "TCPRoute", "TLSRoute", "UDPRoute"],
            gateway::route,
        ),
        native("serving.knative.dev", &["Service"], knative::service),
    ];
    let declarative = parse_rules("shipped rules.yaml", RULES_YAML)
        .expect("the shipped rules.yaml is valid (checked by tests)");
    rules.extend(declarative.into_iter().map(Rule::declarative));
    rules
});

/// Every shipped rule, Rust rules first.
pub(crate) fn rules() -> Vec<Rule> {
    SHIPPED.clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn judge(obj: Value) -> Option<HealthStatus> {
        crate::health::HealthRules::builtin().custom_health(&obj)
    }

    #[test]
    fn shipped_rules_parse() {
        assert!(parse_rules("rules.yaml", RULES_YAML).unwrap().len() >= 14);
        assert!(rules().len() >= 19);
    }

    #[test]
    fn cronjob_last_run_failed() {
        let cj = json!({"apiVersion": "batch/v1", "kind": "CronJob", "spec": {},
            "status": {"lastScheduleTime": "2025-07-30T13:46:00Z", "lastSuccessfulTime": "2025-07-30T13:44:19Z"}});
        assert_eq!(
            judge(cj),
            Some(HealthStatus::degraded(
                "CronJob has not completed its last execution successfully"
            ))
        );
        let pending = json!({"apiVersion": "batch/v1", "kind": "CronJob", "spec": {}});
        assert_eq!(
            judge(pending),
            Some(HealthStatus::progressing("Waiting for CronJob"))
        );
    }

    #[test]
    fn rollout_waits_for_new_generation_then_replicas() {
        let mut ro = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
            "metadata": {"generation": 2}, "spec": {"replicas": 3},
            "status": {"observedGeneration": "1", "replicas": 3, "updatedReplicas": 1, "availableReplicas": 3}});
        assert_eq!(
            judge(ro.clone()),
            Some(HealthStatus::progressing(
                "Waiting for rollout spec update to be observed"
            ))
        );
        ro["status"]["observedGeneration"] = json!(2);
        assert_eq!(
            judge(ro),
            Some(HealthStatus::progressing(
                "Waiting for roll out to finish: More replicas need to be updated"
            ))
        );
    }

    #[test]
    fn flux_suspend_and_ready_reason() {
        let mut ks = json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "spec": {}, "status": {"conditions": [{"type": "Ready", "status": "False", "reason": "BuildFailed"}]}});
        assert_eq!(
            judge(ks.clone()),
            Some(HealthStatus::degraded("BuildFailed"))
        );
        ks["spec"]["suspend"] = json!(true);
        assert_eq!(
            judge(ks),
            Some(HealthStatus::suspended("Reconciliation is suspended"))
        );
        let alert =
            json!({"apiVersion": "notification.toolkit.fluxcd.io/v1beta3", "kind": "Alert"});
        assert_eq!(judge(alert), None);
    }

    #[test]
    fn route_conditions_of_older_generations_are_ignored() {
        let route = json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "GRPCRoute",
            "metadata": {"generation": 3},
            "status": {"parents": [{"parentRef": {"name": "gw"}, "conditions": [
                {"type": "Accepted", "status": "False", "observedGeneration": 2, "message": "old"},
                {"type": "ResolvedRefs", "status": "False", "observedGeneration": 3, "message": "no backend"}]}]}});
        assert_eq!(
            judge(route),
            Some(HealthStatus::degraded("Parent gw: no backend"))
        );
    }

    #[test]
    fn crossplane_managed_resources_and_packages() {
        let managed = |conditions: Value| {
            json!({"apiVersion": "s3.aws.upbound.io/v1beta1", "kind": "Bucket",
                "status": {"conditions": conditions}})
        };
        let synced_ok = json!({"type": "Synced", "status": "True", "reason": "ReconcileSuccess"});
        assert_eq!(
            judge(managed(
                json!([{"type": "Ready", "status": "True", "reason": "Available"}, synced_ok])
            )),
            Some(HealthStatus::healthy("Resource is available for use"))
        );
        assert_eq!(
            judge(managed(
                json!([{"type": "Ready", "status": "False", "reason": "Creating"}, synced_ok])
            )),
            Some(HealthStatus::progressing("Creating"))
        );
        assert_eq!(
            judge(managed(
                json!([{"type": "Synced", "status": "False", "reason": "ReconcileError",
                "message": "cannot create bucket"}])
            )),
            Some(HealthStatus::degraded("cannot create bucket"))
        );
        assert_eq!(
            judge(managed(
                json!([{"type": "Synced", "status": "False", "reason": "ReconcilePaused"}])
            )),
            Some(HealthStatus::suspended("Reconciliation is paused"))
        );
        // Kinds without Ready/Synced (e.g. Compositions) have no health.
        let composition =
            json!({"apiVersion": "apiextensions.crossplane.io/v1", "kind": "Composition"});
        assert_eq!(judge(composition), None);

        let provider = |healthy: &str| {
            json!({"apiVersion": "pkg.crossplane.io/v1", "kind": "Provider", "status": {"conditions": [
                {"type": "Installed", "status": "True"}, {"type": "Healthy", "status": healthy, "reason": "UnhealthyPackageRevision"}]}})
        };
        assert_eq!(
            judge(provider("True")),
            Some(HealthStatus::healthy("Package is installed and healthy"))
        );
        assert_eq!(
            judge(provider("False")),
            Some(HealthStatus::degraded("UnhealthyPackageRevision"))
        );
    }
}
