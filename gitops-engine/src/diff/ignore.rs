//! Argo CD's `ignoreDifferences`: which entries apply to an object, and the
//! normaliser that removes the ignored fields before comparing.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::DiffError;
use super::jq::JqPath;
use crate::object::Gvk;
use crate::object::path::str_at;

/// One `spec.ignoreDifferences[]` entry of an Application (or a system-wide
/// override). `group` and `kind` are glob patterns (`*` matches any run of
/// characters); `name` and `namespace` must match exactly when set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IgnoreDifference {
    /// API group pattern; empty matches the core group only.
    pub group: String,
    /// Kind pattern.
    pub kind: String,
    /// Exact object name, or empty for any.
    pub name: String,
    /// Exact namespace, or empty for any.
    pub namespace: String,
    /// RFC 6901 pointers of fields to remove.
    pub json_pointers: Vec<String>,
    /// jq path expressions of fields to remove (see [`super::jq`] for the
    /// supported subset).
    pub jq_path_expressions: Vec<String>,
    /// Field managers whose fields are trusted to differ.
    pub managed_fields_managers: Vec<String>,
}

impl IgnoreDifference {
    /// An entry for the `argocd-cm` key
    /// `resource.customizations.ignoreDifferences.<suffix>`, with `suffix`
    /// `all` (every resource), `<group>_<kind>` or `<kind>` (core group);
    /// its fields still need to be filled from the key's value.
    pub fn for_customization_key(suffix: &str) -> Self {
        let (group, kind) = match suffix {
            "all" => ("*", "*"),
            _ => suffix.split_once('_').unwrap_or(("", suffix)),
        };
        IgnoreDifference {
            group: group.into(),
            kind: kind.into(),
            ..IgnoreDifference::default()
        }
    }

    /// Whether this entry applies to `obj`.
    pub fn matches(&self, obj: &Value) -> bool {
        let ty = Gvk::named_by(obj);
        glob_match(&self.group, &ty.group)
            && glob_match(&self.kind, &ty.kind)
            && (self.name.is_empty() || self.name == str_at(obj, &["metadata", "name"]))
            && (self.namespace.is_empty()
                || self.namespace == str_at(obj, &["metadata", "namespace"]))
    }
}

/// Glob match where `*` matches any (possibly empty) run of characters.
pub(crate) fn glob_match(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let middle: Vec<&str> = parts.collect();
    let Some((last, middle)) = middle.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// The compiled removal rules of all entries.
#[derive(Debug, Clone, Default)]
pub(crate) struct IgnoreNormalizer {
    rules: Vec<(IgnoreDifference, Vec<JqPath>)>,
}

impl IgnoreNormalizer {
    /// Compiles the jq expressions of `entries`.
    pub fn new(entries: &[IgnoreDifference]) -> Result<Self, DiffError> {
        let rules = entries
            .iter()
            .map(|e| {
                let jq = e
                    .jq_path_expressions
                    .iter()
                    .map(|expr| {
                        JqPath::parse(expr).map_err(|source| DiffError::InvalidJqPath {
                            expression: expr.clone(),
                            source,
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok((e.clone(), jq))
            })
            .collect::<Result<Vec<_>, DiffError>>()?;
        Ok(IgnoreNormalizer { rules })
    }

    /// Removes every ignored field from `obj`. Pointers or expressions that
    /// select nothing are skipped silently.
    pub fn normalize(&self, obj: &mut Value) {
        for (entry, jq) in &self.rules {
            if !entry.matches(obj) {
                continue;
            }
            for pointer in &entry.json_pointers {
                remove_pointer(obj, pointer);
            }
            for path in jq {
                path.delete(obj);
            }
        }
    }
}

/// Removes the value at RFC 6901 `pointer`; returns whether it existed.
pub(crate) fn remove_pointer(doc: &mut Value, pointer: &str) -> bool {
    use json_patch::{PatchOperation, RemoveOperation, jsonptr::PointerBuf};
    let Ok(path) = PointerBuf::parse(pointer) else {
        return false;
    };
    if path.is_root() {
        return false;
    }
    json_patch::patch(doc, &[PatchOperation::Remove(RemoveOperation { path })]).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn globs() {
        assert!(glob_match("*", "apps"));
        assert!(glob_match("*", ""));
        assert!(glob_match("", ""));
        assert!(!glob_match("", "apps"));
        assert!(glob_match("*.k8s.io", "networking.k8s.io"));
        assert!(glob_match("Ing*ss", "Ingress"));
        assert!(!glob_match("Ing*ss", "Ingressx"));
        assert!(glob_match("a*a", "aa"));
        assert!(!glob_match("a*a", "a"));
    }

    #[test]
    fn matching_by_group_kind_name_namespace() {
        let obj = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x", "namespace": "ns"}});
        let e = |g: &str, k: &str, n: &str, ns: &str| IgnoreDifference {
            group: g.into(),
            kind: k.into(),
            name: n.into(),
            namespace: ns.into(),
            ..Default::default()
        };
        assert!(e("apps", "Deployment", "", "").matches(&obj));
        assert!(e("*", "*", "x", "ns").matches(&obj));
        assert!(!e("", "Deployment", "", "").matches(&obj));
        assert!(!e("apps", "Deployment", "y", "").matches(&obj));
        assert!(!e("apps", "Deployment", "", "other").matches(&obj));
    }

    #[test]
    fn customization_keys() {
        let gk = |s: &str| {
            let e = IgnoreDifference::for_customization_key(s);
            (e.group, e.kind)
        };
        assert_eq!(gk("all"), ("*".to_string(), "*".to_string()));
        assert_eq!(
            gk("apps_Deployment"),
            ("apps".to_string(), "Deployment".to_string())
        );
        assert_eq!(
            gk("admissionregistration.k8s.io_MutatingWebhookConfiguration").1,
            "MutatingWebhookConfiguration"
        );
        assert_eq!(gk("Service"), (String::new(), "Service".to_string()));
    }

    #[test]
    fn pointers_and_jq_remove_fields() {
        let entries = [IgnoreDifference {
            group: "*".into(),
            kind: "*".into(),
            json_pointers: vec![
                "/spec/replicas".into(),
                "/spec/missing".into(),
                "/metadata/annotations/a~1b".into(),
            ],
            jq_path_expressions: vec![
                ".spec.template.spec.containers[] | select(.name == \"side\") | .image".into(),
            ],
            ..Default::default()
        }];
        let n = IgnoreNormalizer::new(&entries).unwrap();
        let mut obj = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"annotations": {"a/b": "1", "c": "2"}},
            "spec": {"replicas": 3, "template": {"spec": {"containers": [
                {"name": "main", "image": "a"}, {"name": "side", "image": "b"}]}}}});
        n.normalize(&mut obj);
        assert_eq!(obj["metadata"]["annotations"], json!({"c": "2"}));
        assert_eq!(
            obj["spec"],
            json!({"template": {"spec": {"containers": [
            {"name": "main", "image": "a"}, {"name": "side"}]}}})
        );
    }

    #[test]
    fn invalid_jq_is_an_error() {
        let entries = [IgnoreDifference {
            jq_path_expressions: vec![".a[".into()],
            ..Default::default()
        }];
        assert!(matches!(
            IgnoreNormalizer::new(&entries),
            Err(DiffError::InvalidJqPath { .. })
        ));
    }
}
