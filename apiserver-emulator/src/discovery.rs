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

/// `/openapi/v3`: the index of the per-group-version documents.
pub fn openapi_v3_root(registry: &Registry) -> Value {
    let mut paths = serde_json::Map::new();
    let mut add = |gv: String| {
        let url = format!("/openapi/v3/{gv}?hash={:016x}", registry_hash(registry));
        paths.insert(gv, json!({"serverRelativeURL": url}));
    };
    add("api/v1".to_owned());
    for (group, versions) in registry.groups() {
        for v in versions {
            add(format!("apis/{group}/{v}"));
        }
    }
    json!({"paths": paths})
}

/// A fingerprint of the served types, so that kubectl's cache of OpenAPI
/// documents (keyed by the `hash` in their URLs) notices new CRDs.
fn registry_hash(registry: &Registry) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for t in registry.types() {
        (&t.group, &t.version, &t.plural, &t.kind, t.namespaced).hash(&mut h);
    }
    h.finish()
}

/// `/openapi/v3/api/v1` or `/openapi/v3/apis/<group>/<version>`: an OpenAPI
/// 3 document with, per resource type, the object path and its `patch`
/// operation tagged with `x-kubernetes-group-version-kind` and accepting
/// `fieldValidation`, and no schemas.
///
/// That is what kubectl reads to decide that the server validates fields
/// itself (so it skips client-side validation, which would need a full
/// schema); `kubectl apply` then computes strategic merge patches from its
/// compiled-in types; the emulator validates fields itself ([`crate::validate`]).
pub fn openapi_v3_group_version(registry: &Registry, group: &str, version: &str) -> Option<Value> {
    let mut paths = serde_json::Map::new();
    for t in registry
        .types()
        .iter()
        .filter(|t| t.group == group && t.version == version)
    {
        let prefix = if group.is_empty() {
            "/api/v1".to_owned()
        } else {
            format!("/apis/{group}/{version}")
        };
        let scope = if t.namespaced {
            "/namespaces/{namespace}"
        } else {
            ""
        };
        let gvk = json!({"group": group, "version": version, "kind": t.kind});
        let param = |name: &str| json!({"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": true}});
        let operation = |verb: &str| {
            json!({
                "operationId": format!("{verb}{}", t.kind),
                "parameters": [param("dryRun"), param("fieldManager"), param("fieldValidation")],
                "responses": {"200": {"description": "OK"}},
                "x-kubernetes-action": verb,
                "x-kubernetes-group-version-kind": gvk,
            })
        };
        paths.insert(
            format!("{prefix}{scope}/{}/{{name}}", t.plural),
            json!({"patch": operation("patch"), "put": operation("put")}),
        );
        paths.insert(
            format!("{prefix}{scope}/{}", t.plural),
            json!({"post": operation("post")}),
        );
    }
    (!paths.is_empty()).then(|| {
        let (major, minor) = KUBERNETES_VERSION;
        json!({
            "openapi": "3.0.0",
            "info": {"title": "Kubernetes", "version": format!("v{major}.{minor}.0")},
            "paths": paths,
            "components": {"schemas": {}},
        })
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
