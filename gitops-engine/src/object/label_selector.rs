//! Kubernetes label selectors (`matchLabels`, `matchExpressions`) over string maps.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A label selector that cannot be evaluated (an unknown operator).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidLabelSelector(pub String);

/// A `metav1.LabelSelector`: every `matchLabels` pair and every expression must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct LabelSelector {
    /// `matchLabels`: key equals value.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub match_labels: BTreeMap<String, String>,
    /// `matchExpressions`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub match_expressions: Vec<LabelSelectorRequirement>,
}

/// One `matchExpressions` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LabelSelectorRequirement {
    /// `key`.
    pub key: String,
    /// `operator`: `In`, `NotIn`, `Exists` or `DoesNotExist`.
    pub operator: String,
    /// `values` (for `In` and `NotIn`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

impl LabelSelector {
    /// True when the selector has no requirement (it then selects everything).
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }

    /// Whether `labels` satisfy every requirement; an unknown operator is an error.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> Result<bool, InvalidLabelSelector> {
        let labels_match = self
            .match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v));
        if !labels_match {
            return Ok(false);
        }
        for requirement in &self.match_expressions {
            if !requirement.matches(labels)? {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

impl LabelSelectorRequirement {
    /// Whether `labels` satisfy this requirement.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> Result<bool, InvalidLabelSelector> {
        let value = labels.get(&self.key);
        let listed = || value.is_some_and(|v| self.values.contains(v));
        match self.operator.as_str() {
            "In" => Ok(listed()),
            "NotIn" => Ok(!listed()),
            "Exists" => Ok(value.is_some()),
            "DoesNotExist" => Ok(value.is_none()),
            other => Err(InvalidLabelSelector(format!(
                "{other:?} is not a valid label selector operator"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn expr(key: &str, operator: &str, values: &[&str]) -> LabelSelectorRequirement {
        LabelSelectorRequirement {
            key: key.into(),
            operator: operator.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    #[test]
    fn operators_follow_kubernetes() {
        let l = labels(&[("env", "prod")]);
        assert!(expr("env", "In", &["prod", "dev"]).matches(&l).unwrap());
        assert!(!expr("env", "NotIn", &["prod"]).matches(&l).unwrap());
        assert!(expr("tier", "NotIn", &["web"]).matches(&l).unwrap());
        assert!(expr("env", "Exists", &[]).matches(&l).unwrap());
        assert!(expr("tier", "DoesNotExist", &[]).matches(&l).unwrap());
        assert!(expr("env", "Gt", &["1"]).matches(&l).is_err());
    }

    #[test]
    fn match_labels_and_expressions_must_all_hold() {
        let selector = LabelSelector {
            match_labels: labels(&[("org", "foo")]),
            match_expressions: vec![expr("env", "In", &["prod"])],
        };
        assert!(
            selector
                .matches(&labels(&[("org", "foo"), ("env", "prod")]))
                .unwrap()
        );
        assert!(
            !selector
                .matches(&labels(&[("org", "bar"), ("env", "prod")]))
                .unwrap()
        );
        assert!(LabelSelector::default().matches(&labels(&[])).unwrap());
    }
}
