//! Discovery documents: `/version`, `/api`, `/apis`, `/apis/<group>` and the
//! `APIResourceList` of each group version, in the legacy (non-aggregated)
//! JSON form that kubectl and kube-rs fall back to.

use serde_json::{Value, json};

use crate::registry::Registry;

/// The Kubernetes version the emulator reports (kubectl's dispatcher picks a
/// client from it, so it stays within the installed kubectl's skew).
pub const KUBERNETES_VERSION: (&str, &str) = ("1", "32");

/// `/version`.
pub fn version() -> Value {
    let (major, minor) = KUBERNETES_VERSION;
    json!({
        "major": major,
        "minor": minor,
        "gitVersion": format!("v{major}.{minor}.0"),
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "go1.23.0",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}

/// `/api`.
pub fn core_versions() -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}],
    })
}

/// One `APIGroup` entry.
fn group(name: &str, versions: &[String]) -> Value {
    let versions: Vec<Value> = versions
        .iter()
        .map(|v| json!({"groupVersion": format!("{name}/{v}"), "version": v}))
        .collect();
    json!({"name": name, "versions": versions, "preferredVersion": versions[0]})
}

/// `/apis`.
pub fn group_list(registry: &Registry) -> Value {
    let groups: Vec<Value> = registry
        .groups()
        .iter()
        .map(|(g, vs)| group(g, vs))
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `/apis/<group>`, when the group is served.
pub fn api_group(registry: &Registry, name: &str) -> Option<Value> {
    registry
        .groups()
        .iter()
        .find(|(g, _)| g == name)
        .map(|(g, vs)| {
            let mut doc = group(g, vs);
            doc["kind"] = "APIGroup".into();
            doc["apiVersion"] = "v1".into();
            doc
        })
}

/// `/api/v1` or `/apis/<group>/<version>`, when the group version is served.
pub fn resource_list(registry: &Registry, group: &str, version: &str) -> Option<Value> {
    let mut resources = Vec::new();
    for t in registry
        .types()
        .iter()
        .filter(|t| t.group == group && t.version == version)
    {
        resources.extend(t.discovery_entries());
    }
    if resources.is_empty() {
        return None;
    }
    let group_version = if group.is_empty() {
        version.to_owned()
    } else {
        format!("{group}/{version}")
    };
    Some(json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": resources,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_lists() {
        let r = Registry::builtin();
        let core = resource_list(&r, "", "v1").expect("core");
        assert_eq!(core["groupVersion"], "v1");
        let cm = core["resources"]
            .as_array()
            .and_then(|rs| rs.iter().find(|x| x["name"] == "configmaps"))
            .expect("configmaps");
        assert_eq!(cm["shortNames"], json!(["cm"]));
        assert_eq!(cm["namespaced"], true);
        assert!(resource_list(&r, "apps", "v2").is_none());
        let apis = group_list(&r);
        assert!(apis["groups"].as_array().is_some_and(|g| {
            g.iter().any(|g| {
                g["name"] == "argoproj.io"
                    && g["preferredVersion"]["groupVersion"] == "argoproj.io/v1alpha1"
            })
        }));
        assert_eq!(api_group(&r, "apps").expect("apps")["kind"], "APIGroup");
    }
}
