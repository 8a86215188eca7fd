//! Health rules for common custom resources (and `batch/CronJob`), shipped with the
//! engine: declarative ones in `rules.yaml`, the rest in Rust.

mod cronjob;
mod gateway;
mod knative;
mod rollout;

use crate::health::declarative::parse_rules;
use crate::health::matcher::KindMatcher;
use crate::health::rules::Rule;

/// The shipped declarative rules.
const RULES_YAML: &str = include_str!("rules.yaml");

fn native(
    group: &str,
    kinds: &[&str],
    check: fn(&serde_json::Value) -> Option<crate::health::HealthStatus>,
) -> Rule {
    let kinds: Vec<String> = kinds.iter().map(|k| k.to_string()).collect();
    let matcher = KindMatcher::new(&[group.to_string()], &kinds)
        .expect("shipped matchers use valid literal names");
    Rule::native(matcher, check)
}

/// Every shipped rule, Rust rules first.
pub(crate) fn rules() -> Vec<Rule> {
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
}
