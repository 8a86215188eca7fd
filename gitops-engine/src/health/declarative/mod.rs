//! Declarative health rules, loaded from YAML or JSON without recompiling.
//!
//! ```yaml
//! rules:
//!   - group: cert-manager.io          # glob patterns (`*`); a string or a list
//!     kind: [Issuer, ClusterIssuer]
//!     checks:                         # first check whose `when` holds decides
//!       - when: {field: status, exists: false}
//!         status: Progressing
//!         message: Initializing issuer
//!       - when: {condition: {type: Ready, status: "True"}}
//!         status: Healthy
//!         message: "{{ condition.message }}"
//!       - status: Progressing         # no `when`: always applies
//! ```
//!
//! Predicates (`when`) combine, all having to hold:
//! - `field: PATH` with one of `equals: V`, `in: [V...]`, `exists: bool`,
//!   `empty: bool` (absent, null, `""`, `[]` and `{}` are empty);
//! - `condition: {type, status, reason, last, path}`: picks the first (or with
//!   `last: true` the last) entry of `status.conditions` (or `path`) whose `type`
//!   matches (any entry without `type`), then requires `status`/`reason` (a string or
//!   list) to match. The picked condition is what `{{ condition.* }}` renders;
//! - `all: [...]`, `any: [...]`, `not: {...}`.
//!
//! When no check applies the rule gives no verdict and the next rule, then the
//! built-in rules, are consulted. Messages are templates (see [`template`]).

mod path;
mod spec;
pub mod template;

use serde_json::Value;

use crate::health::matcher::KindMatcher;
use crate::health::status::{HealthStatus, HealthStatusCode};
use path::FieldPath;
use spec::{CheckSpec, ConditionSpec, PredicateSpec, RuleFileSpec, RuleSpec};
use template::Template;

/// Why a rule file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    /// The file could not be read.
    #[error("cannot read health rule file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The text is not valid YAML/JSON or does not have the rule file's shape.
    #[error("{source_name}: invalid health rule file: {message}")]
    Parse {
        /// Name of the file or source.
        source_name: String,
        /// What the parser reported (with line and column).
        message: String,
    },
    /// A rule is well-formed but meaningless (bad path, template, pattern, ...).
    #[error("{source_name}: rules[{rule}]: {problem}")]
    Invalid {
        /// Name of the file or source.
        source_name: String,
        /// Index of the offending rule.
        rule: usize,
        /// Where in the rule and what is wrong.
        problem: String,
    },
}

/// A validated declarative rule.
#[derive(Debug, Clone)]
pub struct DeclarativeRule {
    matcher: KindMatcher,
    checks: Vec<Check>,
}

#[derive(Debug, Clone)]
struct Check {
    when: Option<Predicate>,
    status: HealthStatusCode,
    message: Template,
}

#[derive(Debug, Clone)]
enum FieldTest {
    Equals(Value),
    In(Vec<Value>),
    Exists(bool),
    Empty(bool),
}

#[derive(Debug, Clone)]
struct ConditionMatch {
    path: FieldPath,
    condition_type: Option<String>,
    status: Option<Vec<String>>,
    reason: Option<Vec<String>>,
    last: bool,
}

#[derive(Debug, Clone)]
enum Predicate {
    Field { path: FieldPath, test: FieldTest },
    Condition(ConditionMatch),
    All(Vec<Predicate>),
    Any(Vec<Predicate>),
    Not(Box<Predicate>),
}

/// Result of a predicate that holds: the condition it picked, if any.
type Holds<'a> = Option<Option<&'a Value>>;

impl DeclarativeRule {
    /// The kinds this rule judges.
    pub fn matcher(&self) -> &KindMatcher {
        &self.matcher
    }

    /// The verdict of the first applicable check, or `None` when no check applies.
    pub fn evaluate(&self, obj: &Value) -> Option<HealthStatus> {
        self.checks.iter().find_map(|check| {
            let condition = match &check.when {
                None => None,
                Some(p) => p.eval(obj)?,
            };
            Some(HealthStatus::new(
                check.status,
                check.message.render(obj, condition),
            ))
        })
    }
}

impl Predicate {
    fn eval<'a>(&self, obj: &'a Value) -> Holds<'a> {
        match self {
            Predicate::Field { path, test } => test.holds(path.lookup(obj)).then_some(None),
            Predicate::Condition(m) => m.eval(obj).map(Some),
            Predicate::All(parts) => {
                let mut picked = None;
                for part in parts {
                    picked = picked.or(part.eval(obj)?);
                }
                Some(picked)
            }
            Predicate::Any(parts) => parts.iter().find_map(|p| p.eval(obj)),
            Predicate::Not(inner) => inner.eval(obj).is_none().then_some(None),
        }
    }
}

impl FieldTest {
    fn holds(&self, value: Option<&Value>) -> bool {
        match self {
            FieldTest::Equals(expected) => value.is_some_and(|v| same_value(v, expected)),
            FieldTest::In(options) => {
                value.is_some_and(|v| options.iter().any(|o| same_value(v, o)))
            }
            FieldTest::Exists(wanted) => value.is_some_and(|v| !v.is_null()) == *wanted,
            FieldTest::Empty(wanted) => is_empty(value) == *wanted,
        }
    }
}

/// JSON equality, except that numbers compare by value (`1` equals `1.0`).
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn is_empty(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(o)) => o.is_empty(),
        Some(_) => false,
    }
}

impl ConditionMatch {
    fn eval<'a>(&self, obj: &'a Value) -> Option<&'a Value> {
        let list = self.path.lookup(obj).and_then(Value::as_array)?;
        let of_type = |c: &&Value| {
            self.condition_type
                .as_deref()
                .is_none_or(|t| c.get("type").and_then(Value::as_str) == Some(t))
        };
        let picked = if self.last {
            list.iter().rev().find(of_type)
        } else {
            list.iter().find(of_type)
        }?;
        let field_matches = |field: &str, wanted: &Option<Vec<String>>| {
            wanted.as_ref().is_none_or(|options| {
                let actual = picked.get(field).and_then(Value::as_str).unwrap_or("");
                options.iter().any(|o| o == actual)
            })
        };
        (field_matches("status", &self.status) && field_matches("reason", &self.reason))
            .then_some(picked)
    }
}

/// Parses and validates a rule file (YAML or JSON text).
pub fn parse_rules(source_name: &str, text: &str) -> Result<Vec<DeclarativeRule>, RuleError> {
    let options = serde_saphyr::options! {
        duplicate_keys: serde_saphyr::options::DuplicateKeyPolicy::Error,
    };
    let file: RuleFileSpec =
        serde_saphyr::from_str_with_options(text, options).map_err(|e| RuleError::Parse {
            source_name: source_name.to_string(),
            message: e.to_string(),
        })?;
    file.rules
        .into_iter()
        .enumerate()
        .map(|(index, rule)| {
            compile_rule(rule).map_err(|problem| RuleError::Invalid {
                source_name: source_name.to_string(),
                rule: index,
                problem,
            })
        })
        .collect()
}

fn compile_rule(rule: RuleSpec) -> Result<DeclarativeRule, String> {
    let matcher = KindMatcher::new(&rule.group.into_vec(), &rule.kind.into_vec())
        .map_err(|e| e.to_string())?;
    if rule.checks.is_empty() {
        return Err("`checks` must not be empty".to_string());
    }
    let checks = rule
        .checks
        .into_iter()
        .enumerate()
        .map(|(i, check)| compile_check(check).map_err(|e| format!("checks[{i}]: {e}")))
        .collect::<Result<_, _>>()?;
    Ok(DeclarativeRule { matcher, checks })
}

fn compile_check(check: CheckSpec) -> Result<Check, String> {
    let when = check
        .when
        .map(|p| compile_predicate(p).map_err(|e| format!("when: {e}")))
        .transpose()?;
    let message = Template::parse(&check.message).map_err(|e| format!("message: {e}"))?;
    Ok(Check {
        when,
        status: check.status,
        message,
    })
}

fn compile_predicate(spec: PredicateSpec) -> Result<Predicate, String> {
    let mut parts = Vec::new();
    let mut field_tests = [
        spec.equals.map(FieldTest::Equals),
        spec.one_of.map(FieldTest::In),
        spec.exists.map(FieldTest::Exists),
        spec.empty.map(FieldTest::Empty),
    ]
    .into_iter()
    .flatten();
    match (spec.field, field_tests.next(), field_tests.next()) {
        (Some(field), Some(test), None) => {
            let path = FieldPath::parse(&field)?;
            parts.push(Predicate::Field { path, test });
        }
        (Some(field), None, _) => {
            return Err(format!(
                "field `{field}` needs one of `equals`, `in`, `exists`, `empty`"
            ));
        }
        (Some(field), Some(_), Some(_)) => {
            return Err(format!(
                "field `{field}` takes only one of `equals`, `in`, `exists`, `empty`"
            ));
        }
        (None, None, _) => {}
        (None, Some(_), _) => {
            return Err("`equals`/`in`/`exists`/`empty` need a `field`".to_string());
        }
    }
    if let Some(condition) = spec.condition {
        parts.push(Predicate::Condition(compile_condition(condition)?));
    }
    if let Some(all) = spec.all {
        parts.push(Predicate::All(compile_list(all, "all")?));
    }
    if let Some(any) = spec.any {
        parts.push(Predicate::Any(compile_list(any, "any")?));
    }
    if let Some(not) = spec.not {
        let inner = compile_predicate(*not).map_err(|e| format!("not: {e}"))?;
        parts.push(Predicate::Not(Box::new(inner)));
    }
    match parts.len() {
        0 => Err("empty predicate: give `field`, `condition`, `all`, `any` or `not`".to_string()),
        1 => Ok(parts.remove(0)),
        _ => Ok(Predicate::All(parts)),
    }
}

fn compile_list(specs: Vec<PredicateSpec>, name: &str) -> Result<Vec<Predicate>, String> {
    if specs.is_empty() {
        return Err(format!("`{name}` must not be empty"));
    }
    specs
        .into_iter()
        .enumerate()
        .map(|(i, p)| compile_predicate(p).map_err(|e| format!("{name}[{i}]: {e}")))
        .collect()
}

fn compile_condition(spec: ConditionSpec) -> Result<ConditionMatch, String> {
    let path = FieldPath::parse(spec.path.as_deref().unwrap_or("status.conditions"))
        .map_err(|e| format!("condition.path: {e}"))?;
    Ok(ConditionMatch {
        path,
        condition_type: spec.condition_type,
        status: spec.status.map(spec::OneOrMany::into_vec),
        reason: spec.reason.map(spec::OneOrMany::into_vec),
        last: spec.last,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn one_rule(checks: &str) -> DeclarativeRule {
        let text = format!("rules:\n  - group: g\n    kind: K\n    checks:\n{checks}");
        parse_rules("t", &text).unwrap().remove(0)
    }

    #[test]
    fn numbers_compare_by_value() {
        let rule =
            one_rule("      - when: {field: spec.n, in: [1, 2.5]}\n        status: Healthy\n");
        assert!(rule.evaluate(&json!({"spec": {"n": 1.0}})).is_some());
        assert!(rule.evaluate(&json!({"spec": {"n": 2.5}})).is_some());
        assert!(rule.evaluate(&json!({"spec": {"n": "1"}})).is_none());
    }

    #[test]
    fn last_picks_the_last_condition_of_its_type_before_testing_status() {
        let rule = one_rule(
            "      - when: {condition: {type: A, last: true, status: \"False\"}}\n        status: Degraded\n        message: '{{ condition.reason }}'\n",
        );
        let conds = |a: &str, b: &str| {
            json!({"status": {"conditions": [
                {"type": "A", "status": a, "reason": "first"},
                {"type": "B", "status": "False"},
                {"type": "A", "status": b, "reason": "second"}]}})
        };
        assert_eq!(
            rule.evaluate(&conds("True", "False")),
            Some(HealthStatus::degraded("second"))
        );
        assert_eq!(rule.evaluate(&conds("False", "True")), None);
    }

    #[test]
    fn exists_and_empty_treat_null_as_absent() {
        let rule = one_rule(
            "      - when: {field: status, exists: false}\n        status: Progressing\n      - when: {field: status.list, empty: true}\n        status: Unknown\n",
        );
        let code = |obj: Value| rule.evaluate(&obj).map(|h| h.status);
        assert_eq!(
            code(json!({"status": null})),
            Some(HealthStatusCode::Progressing)
        );
        assert_eq!(
            code(json!({"status": {"list": []}})),
            Some(HealthStatusCode::Unknown)
        );
        assert_eq!(code(json!({"status": {"list": [1]}})), None);
    }
}
