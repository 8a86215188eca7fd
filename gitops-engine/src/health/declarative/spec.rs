//! The on-disk shape of a rule file (YAML or JSON), before validation.

use serde::Deserialize;
use serde_json::Value;

use crate::health::status::HealthStatusCode;

/// A whole rule file: `rules: [...]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFileSpec {
    pub rules: Vec<RuleSpec>,
}

/// A string or a list of strings.
#[derive(Debug, Deserialize)]
#[serde(untagged, expecting = "a string or a list of strings")]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

/// One rule: which kinds it judges and its ordered checks.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub group: OneOrMany,
    pub kind: OneOrMany,
    pub checks: Vec<CheckSpec>,
}

/// One check: when the predicate holds (or always, without `when`), the result.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSpec {
    pub when: Option<PredicateSpec>,
    pub status: HealthStatusCode,
    #[serde(default)]
    pub message: String,
}

/// A predicate; every test present must hold.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PredicateSpec {
    pub field: Option<String>,
    pub equals: Option<Value>,
    #[serde(rename = "in")]
    pub one_of: Option<Vec<Value>>,
    pub exists: Option<bool>,
    pub empty: Option<bool>,
    pub condition: Option<ConditionSpec>,
    pub all: Option<Vec<PredicateSpec>>,
    pub any: Option<Vec<PredicateSpec>>,
    pub not: Option<Box<PredicateSpec>>,
}

/// A test on one entry of a condition list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionSpec {
    #[serde(rename = "type")]
    pub condition_type: Option<String>,
    pub status: Option<OneOrMany>,
    pub reason: Option<OneOrMany>,
    #[serde(default)]
    pub last: bool,
    pub path: Option<String>,
}
