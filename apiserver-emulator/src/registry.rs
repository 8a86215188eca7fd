//! The resource types the emulator serves: the built-in kinds a GitOps
//! controller manages, Argo CD's `Application`, and custom resources whose
//! `CustomResourceDefinition` was created at runtime.

use serde_json::{Value, json};

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
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// `(group, version, kind, plural, namespaced, short names, status subresource)`
/// of every built-in type.
type Builtin = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static [&'static str],
    bool,
);

const BUILTINS: &[Builtin] = &[
    ("", "v1", "Namespace", "namespaces", false, &["ns"], true),
    ("", "v1", "ConfigMap", "configmaps", true, &["cm"], false),
    ("", "v1", "Secret", "secrets", true, &[], false),
    ("", "v1", "Service", "services", true, &["svc"], true),
    (
        "",
        "v1",
        "ServiceAccount",
        "serviceaccounts",
        true,
        &["sa"],
        false,
    ),
    ("", "v1", "Pod", "pods", true, &["po"], true),
    (
        "",
        "v1",
        "PersistentVolumeClaim",
        "persistentvolumeclaims",
        true,
        &["pvc"],
        true,
    ),
    (
        "",
        "v1",
        "PersistentVolume",
        "persistentvolumes",
        false,
        &["pv"],
        true,
    ),
    ("", "v1", "Event", "events", true, &["ev"], false),
    ("", "v1", "Endpoints", "endpoints", true, &["ep"], false),
    (
        "",
        "v1",
        "ResourceQuota",
        "resourcequotas",
        true,
        &["quota"],
        true,
    ),
    (
        "",
        "v1",
        "LimitRange",
        "limitranges",
        true,
        &["limits"],
        false,
    ),
    ("", "v1", "PodTemplate", "podtemplates", true, &[], false),
    (
        "",
        "v1",
        "ReplicationController",
        "replicationcontrollers",
        true,
        &["rc"],
        true,
    ),
    ("", "v1", "Node", "nodes", false, &["no"], true),
    (
        "apps",
        "v1",
        "Deployment",
        "deployments",
        true,
        &["deploy"],
        true,
    ),
    (
        "apps",
        "v1",
        "StatefulSet",
        "statefulsets",
        true,
        &["sts"],
        true,
    ),
    ("apps", "v1", "DaemonSet", "daemonsets", true, &["ds"], true),
    (
        "apps",
        "v1",
        "ReplicaSet",
        "replicasets",
        true,
        &["rs"],
        true,
    ),
    (
        "apps",
        "v1",
        "ControllerRevision",
        "controllerrevisions",
        true,
        &[],
        false,
    ),
    ("batch", "v1", "Job", "jobs", true, &[], true),
    ("batch", "v1", "CronJob", "cronjobs", true, &["cj"], true),
    (
        "networking.k8s.io",
        "v1",
        "Ingress",
        "ingresses",
        true,
        &["ing"],
        true,
    ),
    (
        "networking.k8s.io",
        "v1",
        "NetworkPolicy",
        "networkpolicies",
        true,
        &["netpol"],
        false,
    ),
    (
        "networking.k8s.io",
        "v1",
        "IngressClass",
        "ingressclasses",
        false,
        &[],
        false,
    ),
    (
        "discovery.k8s.io",
        "v1",
        "EndpointSlice",
        "endpointslices",
        true,
        &[],
        false,
    ),
    (
        "storage.k8s.io",
        "v1",
        "StorageClass",
        "storageclasses",
        false,
        &["sc"],
        false,
    ),
    (
        "scheduling.k8s.io",
        "v1",
        "PriorityClass",
        "priorityclasses",
        false,
        &["pc"],
        false,
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "Role",
        "roles",
        true,
        &[],
        false,
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "RoleBinding",
        "rolebindings",
        true,
        &[],
        false,
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRole",
        "clusterroles",
        false,
        &[],
        false,
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        false,
        &[],
        false,
    ),
    (
        "autoscaling",
        "v2",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        true,
        &["hpa"],
        true,
    ),
    (
        "policy",
        "v1",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        true,
        &["pdb"],
        true,
    ),
    (
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        false,
        &["crd", "crds"],
        true,
    ),
    (
        "coordination.k8s.io",
        "v1",
        "Lease",
        "leases",
        true,
        &[],
        false,
    ),
    (
        "events.k8s.io",
        "v1",
        "Event",
        "events",
        true,
        &["ev"],
        false,
    ),
    (
        "argoproj.io",
        "v1alpha1",
        "Application",
        "applications",
        true,
        &["app", "apps"],
        false,
    ),
    (
        "argoproj.io",
        "v1alpha1",
        "AppProject",
        "appprojects",
        true,
        &["appproj", "appprojs"],
        false,
    ),
];

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
        let types = BUILTINS
            .iter()
            .map(
                |&(group, version, kind, plural, namespaced, short, status)| ResourceType {
                    group: group.to_owned(),
                    version: version.to_owned(),
                    kind: kind.to_owned(),
                    plural: plural.to_owned(),
                    singular: kind.to_lowercase(),
                    namespaced,
                    short_names: short.iter().map(|s| (*s).to_owned()).collect(),
                    status_subresource: status,
                },
            )
            .collect();
        Registry { types }
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
