//! Which live objects are hooks, for health: hooks and objects marked
//! `Skip` are left out of an app's aggregated health.

use serde_json::Value;

use crate::object::annotation;

/// Whether the object is a sync hook: it carries `argocd.argoproj.io/hook` (any
/// value except one listing `Skip`) or `helm.sh/hook` (except `crd-install`).
pub(crate) fn is_hook(obj: &Value) -> bool {
    if annotation(obj, "argocd.argoproj.io/hook").is_some() {
        return !is_skipped(obj);
    }
    annotation(obj, "helm.sh/hook").is_some_and(|hooks| {
        hooks
            .split(',')
            .map(str::trim)
            .any(|h| !h.is_empty() && h != "crd-install")
    })
}

/// Whether the object's `argocd.argoproj.io/hook` annotation lists `Skip`.
pub(crate) fn is_skipped(obj: &Value) -> bool {
    annotation(obj, "argocd.argoproj.io/hook")
        .is_some_and(|hooks| hooks.split(',').any(|h| h.trim() == "Skip"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hooks() {
        let with = |key: &str, value: &str| json!({"metadata": {"annotations": {key: value}}});
        assert!(is_hook(&with("argocd.argoproj.io/hook", "PreSync")));
        assert!(!is_hook(&with("argocd.argoproj.io/hook", "Skip")));
        assert!(is_hook(&with("helm.sh/hook", "pre-install")));
        assert!(!is_hook(&with("helm.sh/hook", "crd-install")));
        assert!(!is_hook(&json!({"metadata": {}})));
    }
}
