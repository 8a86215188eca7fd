//! Resource selectors (`target:` of patches, `select:` of replacements):
//! anchored regular expressions on group, version, kind, name and namespace,
//! plus Kubernetes label and annotation selectors.

use crate::pattern::Anchored;
use crate::resource::Resource;
use serde::Deserialize;
use serde_json::{Map, Value};

/// A selector as written in a kustomization.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub struct Selector {
    /// API group (regular expression).
    pub group: String,
    /// API version (regular expression).
    pub version: String,
    /// Kind (regular expression).
    pub kind: String,
    /// Name (regular expression).
    pub name: String,
    /// Namespace (regular expression).
    pub namespace: String,
    /// A Kubernetes label selector (`app=x,tier in (a,b)`).
    pub label_selector: String,
    /// A Kubernetes label selector applied to annotations.
    pub annotation_selector: String,
}

/// A selector that is not well-formed.
#[derive(Debug, thiserror::Error)]
pub enum SelectorError {
    /// A field is not a valid regular expression.
    #[error("invalid regular expression in selector field '{field}': {source}")]
    Regex {
        /// The selector field.
        field: &'static str,
        /// What the regex engine says.
        source: regex::Error,
    },
    /// A label or annotation selector does not parse.
    #[error("invalid {field} {text:?}: {reason}")]
    Requirement {
        /// `labelSelector` or `annotationSelector`.
        field: &'static str,
        /// The selector text.
        text: String,
        /// What is wrong.
        reason: String,
    },
}

/// A compiled [`Selector`].
#[derive(Debug)]
pub struct CompiledSelector {
    group: Option<Anchored>,
    version: Option<Anchored>,
    kind: Option<Anchored>,
    name: Option<Anchored>,
    namespace: Option<Anchored>,
    labels: LabelSelector,
    annotations: LabelSelector,
}

fn anchored(field: &'static str, pattern: &str) -> Result<Option<Anchored>, SelectorError> {
    if pattern.is_empty() {
        return Ok(None);
    }
    Anchored::new(pattern)
        .map(Some)
        .map_err(|source| SelectorError::Regex { field, source })
}

fn matches(re: &Option<Anchored>, s: &str) -> bool {
    re.as_ref().is_none_or(|re| re.is_match(s))
}

impl Selector {
    /// Compiles the regular expressions and label selectors.
    pub fn compile(&self) -> Result<CompiledSelector, SelectorError> {
        Ok(CompiledSelector {
            group: anchored("group", &self.group)?,
            version: anchored("version", &self.version)?,
            kind: anchored("kind", &self.kind)?,
            name: anchored("name", &self.name)?,
            namespace: anchored("namespace", &self.namespace)?,
            labels: requirement("labelSelector", &self.label_selector)?,
            annotations: requirement("annotationSelector", &self.annotation_selector)?,
        })
    }
}

impl CompiledSelector {
    /// Whether a resource is selected. Name and namespace match if either the
    /// original or the current value matches, as in kustomize.
    pub fn selects(&self, res: &Resource) -> bool {
        let cur = res.id();
        let org = res.original_id();
        if !(matches(&self.namespace, org.effective_namespace())
            || matches(&self.namespace, cur.effective_namespace()))
        {
            return false;
        }
        if !(matches(&self.name, &org.name) || matches(&self.name, &cur.name)) {
            return false;
        }
        let gvk = &cur.gvk;
        if !(matches(&self.group, &gvk.group)
            && matches(&self.version, &gvk.version)
            && matches(&self.kind, &gvk.kind))
        {
            return false;
        }
        let md = res.object.get("metadata");
        let labels = md.and_then(|m| m.get("labels")).and_then(Value::as_object);
        let annotations = md
            .and_then(|m| m.get("annotations"))
            .and_then(Value::as_object);
        self.labels.matches(labels) && self.annotations.matches(annotations)
    }
}

/// One term of a label selector.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Requirement {
    Exists(String),
    NotExists(String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
}

impl Requirement {
    fn matches(&self, labels: Option<&Map<String, Value>>) -> bool {
        let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
        match self {
            Requirement::Exists(k) => labels.is_some_and(|l| l.contains_key(k)),
            Requirement::NotExists(k) => !labels.is_some_and(|l| l.contains_key(k)),
            Requirement::In(k, vals) => get(k).is_some_and(|v| vals.iter().any(|x| x == v)),
            Requirement::NotIn(k, vals) => get(k).is_none_or(|v| !vals.iter().any(|x| x == v)),
        }
    }
}

/// Splits on commas that are not inside parentheses.
fn split_terms(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// A `labelSelector` or `annotationSelector` field, parsed.
fn requirement(field: &'static str, text: &str) -> Result<LabelSelector, SelectorError> {
    LabelSelector::parse(text).map_err(|e| SelectorError::Requirement {
        field,
        text: e.text,
        reason: e.reason,
    })
}

/// A Kubernetes label selector (`=`, `==`, `!=`, `in`, `notin`, `key`,
/// `!key`), over labels or annotations; the empty selector matches
/// everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector(Vec<Requirement>);

/// A label selector that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid label selector {text:?}: {reason}")]
pub struct LabelSelectorError {
    /// The selector text.
    pub text: String,
    /// What is wrong.
    pub reason: String,
}

impl LabelSelector {
    /// Parses selector text.
    pub fn parse(text: &str) -> Result<Self, LabelSelectorError> {
        let err = |reason: String| LabelSelectorError {
            text: text.to_owned(),
            reason,
        };
        let valid_key = |k: &str| {
            !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
        };
        let mut out = Vec::new();
        for term in split_terms(text).into_iter().map(str::trim) {
            if term.is_empty() {
                continue;
            }
            let expected_set = || err(format!("expected (values) in {term:?}"));
            let req = if let Some(k) = term.strip_prefix('!') {
                Requirement::NotExists(k.trim().to_owned())
            } else if let Some((k, v)) = term.split_once("!=") {
                Requirement::NotIn(k.trim().to_owned(), vec![v.trim().to_owned()])
            } else if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
                Requirement::In(k.trim().to_owned(), vec![v.trim().to_owned()])
            } else if let Some((k, rest)) = split_set_op(term, " notin ") {
                Requirement::NotIn(k, parse_set(rest).ok_or_else(expected_set)?)
            } else if let Some((k, rest)) = split_set_op(term, " in ") {
                Requirement::In(k, parse_set(rest).ok_or_else(expected_set)?)
            } else {
                Requirement::Exists(term.to_owned())
            };
            let key = match &req {
                Requirement::Exists(k)
                | Requirement::NotExists(k)
                | Requirement::In(k, _)
                | Requirement::NotIn(k, _) => k,
            };
            if !valid_key(key) {
                return Err(err(format!("invalid key {key:?}")));
            }
            out.push(req);
        }
        Ok(LabelSelector(out))
    }

    /// Whether `labels` (a `metadata.labels` or `metadata.annotations` map,
    /// `None` when absent) satisfy every requirement.
    pub fn matches(&self, labels: Option<&Map<String, Value>>) -> bool {
        self.0.iter().all(|r| r.matches(labels))
    }
}

fn split_set_op<'a>(term: &'a str, op: &str) -> Option<(String, &'a str)> {
    term.split_once(op)
        .map(|(k, rest)| (k.trim().to_owned(), rest.trim()))
}

fn parse_set(s: &str) -> Option<Vec<String>> {
    let inner = s.strip_prefix('(')?.strip_suffix(')')?;
    Some(
        inner
            .split(',')
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn res(v: Value) -> Resource {
        Resource::new(v.as_object().unwrap().clone())
    }

    fn deploy() -> Resource {
        res(json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web-1", "labels": {"app": "web", "tier": "fe"}}}))
    }

    fn sel(v: Value) -> CompiledSelector {
        serde_json::from_value::<Selector>(v)
            .unwrap()
            .compile()
            .unwrap()
    }

    #[test]
    fn regex_fields_are_anchored() {
        assert!(sel(json!({"name": "web-.*"})).selects(&deploy()));
        assert!(!sel(json!({"name": "web"})).selects(&deploy()));
        assert!(sel(json!({"kind": "Deploy.*", "group": "apps"})).selects(&deploy()));
        assert!(!sel(json!({"version": "v2"})).selects(&deploy()));
    }

    #[test]
    fn namespace_matches_effective_namespace() {
        assert!(sel(json!({"namespace": "default"})).selects(&deploy()));
    }

    #[test]
    fn label_selector_terms() {
        assert!(sel(json!({"labelSelector": "app=web,tier in (fe, be)"})).selects(&deploy()));
        assert!(!sel(json!({"labelSelector": "app!=web"})).selects(&deploy()));
        assert!(sel(json!({"labelSelector": "!missing,app"})).selects(&deploy()));
        assert!(sel(json!({"labelSelector": "tier notin (be)"})).selects(&deploy()));
    }

    #[test]
    fn bad_selectors_are_errors() {
        let s: Selector = serde_json::from_value(json!({"name": "("})).unwrap();
        assert!(s.compile().is_err());
        let s: Selector = serde_json::from_value(json!({"labelSelector": "a in b"})).unwrap();
        assert!(s.compile().is_err());
    }
}
