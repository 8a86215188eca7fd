//! argocd-cm `globalProjects`: projects whose rules are appended to every
//! project their label selector matches (Argo CD's virtual project).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::model::AppProject;
use crate::object::LabelSelector;

/// The ConfigMap holding Argo CD's settings.
pub const ARGOCD_CM: &str = "argocd-cm";
/// The argocd-cm key listing the global projects.
pub const GLOBAL_PROJECTS_KEY: &str = "globalProjects";

/// One entry of `globalProjects`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GlobalProject {
    /// `projectName`: the project whose rules are shared.
    pub project_name: String,
    /// `labelSelector`: the projects that receive them (empty selects all).
    pub label_selector: LabelSelector,
}

/// The `globalProjects` of an argocd-cm object (none when the key is
/// absent); the error names the key and the YAML problem.
pub fn global_projects(argocd_cm: &Value) -> Result<Vec<GlobalProject>, String> {
    let Some(text) = argocd_cm["data"][GLOBAL_PROJECTS_KEY].as_str() else {
        return Ok(Vec::new());
    };
    serde_saphyr::from_str::<Option<Vec<GlobalProject>>>(text)
        .map(Option::unwrap_or_default)
        .map_err(|e| format!("argocd-cm {GLOBAL_PROJECTS_KEY}: {e}"))
}

impl AppProject {
    /// The project's `metadata.labels`.
    pub fn labels(&self) -> BTreeMap<String, String> {
        self.metadata
            .other
            .get("labels")
            .and_then(Value::as_object)
            .map(|labels| {
                labels
                    .iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Names of the global projects whose selector matches this project.
    pub fn global_project_names<'a>(&self, globals: &'a [GlobalProject]) -> Vec<&'a str> {
        let labels = self.labels();
        globals
            .iter()
            .filter(|g| g.label_selector.matches(&labels).unwrap_or(false))
            .map(|g| g.project_name.as_str())
            .collect()
    }

    /// This project with `global`'s resource lists, sync windows, source
    /// repositories and destinations appended. A namespaced whitelist the
    /// project leaves unset (every kind) stays unset unless the global one
    /// lists kinds, as Argo CD's append on a nil list does.
    pub fn with_global(mut self, global: &AppProject) -> AppProject {
        let (spec, from) = (&mut self.spec, &global.spec);
        spec.cluster_resource_whitelist
            .extend(from.cluster_resource_whitelist.iter().cloned());
        spec.cluster_resource_blacklist
            .extend(from.cluster_resource_blacklist.iter().cloned());
        if let Some(kinds) = from
            .namespace_resource_whitelist
            .as_ref()
            .filter(|k| !k.is_empty())
        {
            spec.namespace_resource_whitelist
                .get_or_insert_with(Vec::new)
                .extend(kinds.iter().cloned());
        }
        spec.namespace_resource_blacklist
            .extend(from.namespace_resource_blacklist.iter().cloned());
        spec.sync_windows.extend(from.sync_windows.iter().cloned());
        spec.source_repos.extend(from.source_repos.iter().cloned());
        spec.destinations.extend(from.destinations.iter().cloned());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn project(value: Value) -> AppProject {
        AppProject::from_value(&value).unwrap()
    }

    #[test]
    fn matching_projects_receive_the_global_rules() {
        let cm = json!({"data": {GLOBAL_PROJECTS_KEY:
            "- projectName: platform\n  labelSelector:\n    matchExpressions:\n    - key: tier\n      operator: In\n      values: [team]\n- projectName: all\n"}});
        let globals = global_projects(&cm).unwrap();
        assert_eq!(globals.len(), 2);
        let team = project(json!({
            "apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject",
            "metadata": {"name": "team-a", "namespace": "argocd", "labels": {"tier": "team"}},
            "spec": {"sourceRepos": ["https://git.example.com/team-a/*"]},
        }));
        let other = project(json!({
            "apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject",
            "metadata": {"name": "other", "namespace": "argocd"},
            "spec": {},
        }));
        assert_eq!(team.global_project_names(&globals), ["platform", "all"]);
        assert_eq!(other.global_project_names(&globals), ["all"]);

        let platform = project(json!({
            "apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject",
            "metadata": {"name": "platform", "namespace": "argocd"},
            "spec": {
                "sourceRepos": ["https://git.example.com/platform/*"],
                "destinations": [{"server": "*", "namespace": "monitoring"}],
                "clusterResourceWhitelist": [{"group": "", "kind": "Namespace"}],
                "namespaceResourceBlacklist": [{"group": "", "kind": "ResourceQuota"}],
                "syncWindows": [{"kind": "deny", "schedule": "0 22 * * *", "duration": "8h",
                                 "applications": ["*"]}],
            },
        }));
        let merged = team.with_global(&platform);
        assert_eq!(
            merged.spec.source_repos,
            [
                "https://git.example.com/team-a/*",
                "https://git.example.com/platform/*"
            ]
        );
        assert_eq!(merged.spec.destinations[0].namespace, "monitoring");
        assert_eq!(merged.spec.cluster_resource_whitelist[0].kind, "Namespace");
        assert_eq!(
            merged.spec.namespace_resource_blacklist[0].kind,
            "ResourceQuota"
        );
        assert_eq!(merged.spec.sync_windows.len(), 1);
        assert_eq!(
            merged.spec.namespace_resource_whitelist, None,
            "still every kind"
        );
    }

    #[test]
    fn absent_and_bad_settings() {
        assert!(global_projects(&json!({"data": {}})).unwrap().is_empty());
        let err = global_projects(&json!({"data": {GLOBAL_PROJECTS_KEY: "projectName: [x"}}))
            .unwrap_err();
        assert!(err.starts_with("argocd-cm globalProjects: "), "{err}");
    }
}
