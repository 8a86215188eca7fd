//! One health rule: declarative, or a kind matcher plus Rust code
//! ([`HealthCheck`]).

use std::sync::Arc;

use serde_json::Value;

use crate::health::declarative::DeclarativeRule;
use crate::health::matcher::KindMatcher;
use crate::health::status::HealthStatus;

/// A health rule written in Rust: the verdict for an object, or `None` to defer to
/// the next rule.
pub trait HealthCheck: Send + Sync {
    /// Judges `obj` (already known to match the rule's group and kind).
    fn check(&self, obj: &Value) -> Option<HealthStatus>;
}

impl<F> HealthCheck for F
where
    F: Fn(&Value) -> Option<HealthStatus> + Send + Sync,
{
    fn check(&self, obj: &Value) -> Option<HealthStatus> {
        self(obj)
    }
}

/// One rule: a declarative rule, or a matcher plus Rust code.
#[derive(Clone)]
pub(crate) enum Rule {
    Declarative(DeclarativeRule),
    Native(KindMatcher, Arc<dyn HealthCheck>),
}

impl Rule {
    pub(crate) fn declarative(rule: DeclarativeRule) -> Rule {
        Rule::Declarative(rule)
    }

    pub(crate) fn native(matcher: KindMatcher, check: impl HealthCheck + 'static) -> Rule {
        Rule::Native(matcher, Arc::new(check))
    }

    pub(crate) fn evaluate(&self, obj: &Value) -> Option<HealthStatus> {
        match self {
            Rule::Declarative(rule) if rule.matcher().matches(obj) => rule.evaluate(obj),
            Rule::Native(matcher, check) if matcher.matches(obj) => check.check(obj),
            _ => None,
        }
    }
}
