//! The resource types the emulator serves: the built-in kinds a GitOps
//! controller manages, Argo CD's `Application`, and custom resources whose
//! `CustomResourceDefinition` was created at runtime. A built-in kind's
//! group, version, plural, scope and schema come from its k8s-openapi type.

use std::sync::Arc;

use k8s_openapi::schemars::JsonSchema;
use k8s_openapi::{ClusterResourceScope, NamespaceResourceScope, Resource};
use serde_json::{Value, json};

use crate::openapi::SchemaSource;

/// Verbs every served resource type allows.
const VERBS: [&str; 8] = [
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

/// One resource type: where it is served and how it is described in discovery.
#[derive(Debug, Clone)]
pub struct ResourceType {
    /// API group (`""` for the core group).
    pub group: String,
    /// API version inside the group.
    pub version: String,
    /// Kind of the objects.
    pub kind: String,
    /// Plural resource name used in URLs.
    pub plural: String,
    /// Singular resource name.
    pub singular: String,
    /// Whether objects live in a namespace.
    pub namespaced: bool,
    /// Short names (`cm`, `deploy`, …) announced in discovery.
    pub short_names: Vec<String>,
    /// Whether the type has a `status` subresource: updates of the main
    /// resource keep the stored status, and `/status` updates touch only it.
    pub status_subresource: bool,
    /// Where its OpenAPI schema comes from ([`crate::openapi`]).
    pub schema: SchemaSource,
}

/// The built-in types in the `all` category (`kubectl get all`).
const CATEGORY_ALL: &[(&str, &str)] = &[
    ("", "pods"),
    ("", "replicationcontrollers"),
    ("", "services"),
    ("apps", "daemonsets"),
    ("apps", "deployments"),
    ("apps", "replicasets"),
    ("apps", "statefulsets"),
    ("autoscaling", "horizontalpodautoscalers"),
    ("batch", "cronjobs"),
    ("batch", "jobs"),
];

/// The built-in types with a `scale` subresource.
const SCALABLE: &[(&str, &str)] = &[
    ("", "replicationcontrollers"),
    ("apps", "deployments"),
    ("apps", "replicasets"),
    ("apps", "statefulsets"),
];

impl ResourceType {
    /// The `apiVersion` of the objects (`v1` or `group/version`).
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// Whether the type has a `scale` subresource (`autoscaling/v1` `Scale`).
    pub fn scalable(&self) -> bool {
        SCALABLE.contains(&(self.group.as_str(), self.plural.as_str()))
    }

    /// Whether this is the core group's Pod type (with a `log` subresource).
    pub fn is_pod(&self) -> bool {
        self.group.is_empty() && self.plural == "pods"
    }

    /// Whether the type serves the named subresource.
    pub fn has_subresource(&self, name: &str) -> bool {
        match name {
            "status" => self.status_subresource,
            "scale" => self.scalable(),
            "log" => self.is_pod(),
            _ => false,
        }
    }

    /// The categories the type belongs to (`all` for workloads).
    pub fn categories(&self) -> Vec<&'static str> {
        if CATEGORY_ALL.contains(&(self.group.as_str(), self.plural.as_str())) {
            vec!["all"]
        } else {
            Vec::new()
        }
    }

    /// The `APIResource` entries of a discovery `APIResourceList`: the type
    /// and its subresources.
    pub fn discovery_entries(&self) -> Vec<Value> {
        let mut entries = vec![json!({
            "name": self.plural,
            "singularName": self.singular,
            "namespaced": self.namespaced,
            "kind": self.kind,
            "verbs": VERBS,
            "shortNames": self.short_names,
            "categories": self.categories(),
        })];
        let sub = |name: &str, group: Option<(&str, &str)>, kind: &str, verbs: &[&str]| {
            let mut entry = json!({
                "name": format!("{}/{name}", self.plural),
                "singularName": "",
                "namespaced": self.namespaced,
                "kind": kind,
                "verbs": verbs,
            });
            if let Some((group, version)) = group {
                entry["group"] = group.into();
                entry["version"] = version.into();
            }
            entry
        };
        if self.status_subresource {
            entries.push(sub("status", None, &self.kind, &["get", "patch", "update"]));
        }
        if self.scalable() {
            entries.push(sub(
                "scale",
                Some(("autoscaling", "v1")),
                "Scale",
                &["get", "patch", "update"],
            ));
        }
        if self.is_pod() {
            entries.push(sub("log", None, "Pod", &["get"]));
        }
        entries
    }
}

/// Whether a k8s-openapi resource scope is namespaced.
trait Scope {
    const NAMESPACED: bool;
}

impl Scope for NamespaceResourceScope {
    const NAMESPACED: bool = true;
}

impl Scope for ClusterResourceScope {
    const NAMESPACED: bool = false;
}

/// A built-in type from its k8s-openapi type (group, version, kind, plural,
/// scope and schema), its short names and whether it has a `status`
/// subresource.
fn builtin<T>(short_names: &[&str], status_subresource: bool) -> ResourceType
where
    T: Resource + JsonSchema,
    T::Scope: Scope,
{
    ResourceType {
        group: T::GROUP.to_owned(),
        version: T::VERSION.to_owned(),
        kind: T::KIND.to_owned(),
        plural: T::URL_PATH_SEGMENT.to_owned(),
        singular: T::KIND.to_lowercase(),
        namespaced: <T::Scope as Scope>::NAMESPACED,
        short_names: short_names.iter().map(|s| (*s).to_owned()).collect(),
        status_subresource,
        schema: SchemaSource::of::<T>(),
    }
}

/// One of Argo CD's namespaced kinds (`argoproj.io/v1alpha1`), which have
/// no k8s-openapi type.
fn argo(kind: &str, plural: &str, short_names: &[&str]) -> ResourceType {
    ResourceType {
        group: "argoproj.io".to_owned(),
        version: "v1alpha1".to_owned(),
        kind: kind.to_owned(),
        plural: plural.to_owned(),
        singular: kind.to_lowercase(),
        namespaced: true,
        short_names: short_names.iter().map(|s| (*s).to_owned()).collect(),
        status_subresource: false,
        schema: SchemaSource::None,
    }
}

/// Every built-in type, in discovery order.
fn builtins() -> Vec<ResourceType> {
    use k8s_openapi::api::{apps, batch, core, discovery, networking, rbac};
    use k8s_openapi::api::{autoscaling, coordination, events, policy, scheduling, storage};
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions;
    vec![
        builtin::<core::v1::Namespace>(&["ns"], true),
        builtin::<core::v1::ConfigMap>(&["cm"], false),
        builtin::<core::v1::Secret>(&[], false),
        builtin::<core::v1::Service>(&["svc"], true),
        builtin::<core::v1::ServiceAccount>(&["sa"], false),
        builtin::<core::v1::Pod>(&["po"], true),
        builtin::<core::v1::PersistentVolumeClaim>(&["pvc"], true),
        builtin::<core::v1::PersistentVolume>(&["pv"], true),
        builtin::<core::v1::Event>(&["ev"], false),
        builtin::<core::v1::Endpoints>(&["ep"], false),
        builtin::<core::v1::ResourceQuota>(&["quota"], true),
        builtin::<core::v1::LimitRange>(&["limits"], false),
        builtin::<core::v1::PodTemplate>(&[], false),
        builtin::<core::v1::ReplicationController>(&["rc"], true),
        builtin::<core::v1::Node>(&["no"], true),
        builtin::<apps::v1::Deployment>(&["deploy"], true),
        builtin::<apps::v1::StatefulSet>(&["sts"], true),
        builtin::<apps::v1::DaemonSet>(&["ds"], true),
        builtin::<apps::v1::ReplicaSet>(&["rs"], true),
        builtin::<apps::v1::ControllerRevision>(&[], false),
        builtin::<batch::v1::Job>(&[], true),
        builtin::<batch::v1::CronJob>(&["cj"], true),
        builtin::<networking::v1::Ingress>(&["ing"], true),
        builtin::<networking::v1::NetworkPolicy>(&["netpol"], false),
        builtin::<networking::v1::IngressClass>(&[], false),
        builtin::<discovery::v1::EndpointSlice>(&[], false),
        builtin::<storage::v1::StorageClass>(&["sc"], false),
        builtin::<scheduling::v1::PriorityClass>(&["pc"], false),
        builtin::<rbac::v1::Role>(&[], false),
        builtin::<rbac::v1::RoleBinding>(&[], false),
        builtin::<rbac::v1::ClusterRole>(&[], false),
        builtin::<rbac::v1::ClusterRoleBinding>(&[], false),
        builtin::<autoscaling::v2::HorizontalPodAutoscaler>(&["hpa"], true),
        builtin::<policy::v1::PodDisruptionBudget>(&["pdb"], true),
        builtin::<apiextensions::v1::CustomResourceDefinition>(&["crd", "crds"], true),
        builtin::<coordination::v1::Lease>(&[], false),
        builtin::<events::v1::Event>(&["ev"], false),
        argo("Application", "applications", &["app", "apps"]),
        argo("AppProject", "appprojects", &["appproj", "appprojs"]),
    ]
}

/// The resource types currently served, in registration order.
#[derive(Debug, Clone)]
pub struct Registry {
    types: Vec<ResourceType>,
}

impl Default for Registry {
    fn default() -> Self {
        Self::builtin()
    }
}

impl Registry {
    /// The built-in types only.
    pub fn builtin() -> Self {
        Registry { types: builtins() }
    }

    /// All served types.
    pub fn types(&self) -> &[ResourceType] {
        &self.types
    }

    /// The type served at `group/version/plural`.
    pub fn by_plural(&self, group: &str, version: &str, plural: &str) -> Option<&ResourceType> {
        self.types
            .iter()
            .find(|t| t.group == group && t.version == version && t.plural == plural)
    }

    /// The type of objects with this `apiVersion` and `kind`.
    pub fn by_kind(&self, api_version: &str, kind: &str) -> Option<&ResourceType> {
        self.types
            .iter()
            .find(|t| t.kind == kind && t.api_version() == api_version)
    }

    /// The groups served, each with its versions, in registration order.
    pub fn groups(&self) -> Vec<(String, Vec<String>)> {
        let mut groups: Vec<(String, Vec<String>)> = Vec::new();
        for t in self.types.iter().filter(|t| !t.group.is_empty()) {
            match groups.iter_mut().find(|(g, _)| *g == t.group) {
                Some((_, versions)) if !versions.contains(&t.version) => {
                    versions.push(t.version.clone());
                }
                Some(_) => {}
                None => groups.push((t.group.clone(), vec![t.version.clone()])),
            }
        }
        groups
    }

    /// Registers (or replaces) the types a `CustomResourceDefinition` declares,
    /// one per served version.
    pub fn register_crd(&mut self, crd: &Value) {
        for t in crd_types(crd) {
            self.types.retain(|o| {
                !(o.group == t.group && o.version == t.version && o.plural == t.plural)
            });
            self.types.push(t);
        }
    }

    /// Removes the types a deleted `CustomResourceDefinition` declared.
    pub fn unregister_crd(&mut self, crd: &Value) {
        for t in crd_types(crd) {
            self.types.retain(|o| {
                !(o.group == t.group && o.version == t.version && o.plural == t.plural)
            });
        }
    }
}

/// The types a CRD declares: one per version that is served.
fn crd_types(crd: &Value) -> Vec<ResourceType> {
    let spec = &crd["spec"];
    let names = &spec["names"];
    let (Some(group), Some(plural), Some(kind)) = (
        spec["group"].as_str(),
        names["plural"].as_str(),
        names["kind"].as_str(),
    ) else {
        return Vec::new();
    };
    let singular = names["singular"]
        .as_str()
        .map_or_else(|| kind.to_lowercase(), str::to_owned);
    let short_names: Vec<String> = names["shortNames"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let namespaced = spec["scope"].as_str() != Some("Cluster");
    spec["versions"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter(|v| v["served"].as_bool() != Some(false))
        .filter_map(|v| {
            Some(ResourceType {
                group: group.to_owned(),
                version: v["name"].as_str()?.to_owned(),
                kind: kind.to_owned(),
                plural: plural.to_owned(),
                singular: singular.clone(),
                namespaced,
                short_names: short_names.clone(),
                status_subresource: v["subresources"]["status"].is_object(),
                schema: match &v["schema"]["openAPIV3Schema"] {
                    Value::Null => SchemaSource::None,
                    schema => SchemaSource::Custom(Arc::new(schema.clone())),
                },
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_lookup_by_plural_and_kind() {
        let r = Registry::builtin();
        let d = r
            .by_plural("apps", "v1", "deployments")
            .expect("deployments");
        assert_eq!(d.kind, "Deployment");
        assert!(d.namespaced);
        assert_eq!(
            r.by_kind("v1", "Namespace").map(|t| t.namespaced),
            Some(false)
        );
        assert!(r.by_kind("apps/v1", "ConfigMap").is_none());
    }

    #[test]
    fn crd_registration_adds_served_versions_only() {
        let mut r = Registry::builtin();
        let crd = json!({
            "spec": {"group": "example.com", "scope": "Cluster",
                "names": {"plural": "widgets", "kind": "Widget", "shortNames": ["wd"]},
                "versions": [{"name": "v1", "served": true, "subresources": {"status": {}}},
                             {"name": "v0", "served": false}]}
        });
        r.register_crd(&crd);
        let w = r
            .by_plural("example.com", "v1", "widgets")
            .expect("registered");
        assert!(!w.namespaced && w.status_subresource);
        assert_eq!(w.short_names, ["wd"]);
        assert!(r.by_plural("example.com", "v0", "widgets").is_none());
        assert!(
            r.groups()
                .iter()
                .any(|(g, v)| g == "example.com" && v == &["v1"])
        );
        r.unregister_crd(&crd);
        assert!(r.by_kind("example.com/v1", "Widget").is_none());
    }
}
