//! OpenAPI v3: the index `/openapi/v3` and one document per group version,
//! generated when asked for (kubectl caches them by the `hash` in the
//! index's URLs).
//!
//! A document has, per resource type, the object paths with `patch`, `put`
//! and `post` operations tagged with `x-kubernetes-group-version-kind` and
//! accepting `fieldValidation` (kubectl then leaves field validation to the
//! server, [`crate::validate`]), and in `components.schemas` the schema of
//! each kind and of everything it refers to:
//!
//! - built-in kinds: the schemas k8s-openapi carries (Kubernetes' own
//!   definition names and API documentation), with a `$ref` that has
//!   siblings wrapped as `allOf: [{$ref}]` as a real server publishes them;
//! - custom resources: the CRD version's `openAPIV3Schema` with `apiVersion`,
//!   `kind` and `metadata` declared as a real server adds them;
//! - each kind's schema tagged with `x-kubernetes-group-version-kind`, which
//!   is how `kubectl explain` finds it.
//!
//! Approximations: the built-in schemas are Kubernetes 1.35's (k8s-openapi's
//! `v1_35`) although the emulator reports 1.32, and they carry no `enum`s,
//! so `kubectl explain` prints no `enum:` lines for built-in fields. The
//! `patch` operations declare no request body, so kubectl's client-side
//! apply computes strategic merge patches from its compiled-in types rather
//! than from these schemas (they lack the `x-kubernetes-patch-*` merge
//! keys). `/openapi/v2` is not served: kubectl 1.32 needs it only for
//! `explain --output plaintext-openapiv2`, and its apply and validation do
//! without it.

use std::sync::Arc;

use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::schemars::generate::{SchemaGenerator, SchemaSettings};
use k8s_openapi::schemars::{JsonSchema, Schema};
use serde_json::{Map, Value, json};

use crate::discovery::KUBERNETES_VERSION;
use crate::registry::{Registry, ResourceType};

/// Where the OpenAPI schema of a resource type comes from.
#[derive(Debug, Clone)]
pub enum SchemaSource {
    /// A k8s-openapi type: adds its definition (and those it refers to) to a
    /// generator and returns the `$ref` to it.
    Builtin(fn(&mut SchemaGenerator) -> Schema),
    /// A CRD version's `schema.openAPIV3Schema`.
    Custom(Arc<Value>),
    /// No schema (Argo CD's kinds, CRD versions without one).
    None,
}

impl SchemaSource {
    /// The source of a k8s-openapi type's schema.
    pub fn of<T: JsonSchema>() -> Self {
        SchemaSource::Builtin(|generator| generator.subschema_for::<T>())
    }
}

/// `/openapi/v3`: the index of the per-group-version documents.
pub fn v3_root(registry: &Registry) -> Value {
    let hash = v3_hash(registry);
    let mut paths = Map::new();
    let mut add = |gv: String| {
        let url = format!("/openapi/v3/{gv}?hash={hash}");
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

/// The `hash` in the index's URLs: a fingerprint of the served types and
/// their custom schemas, so that kubectl's cache of OpenAPI documents (keyed
/// by their URLs) notices new and changed CRDs.
pub fn v3_hash(registry: &Registry) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for t in registry.types() {
        (&t.group, &t.version, &t.plural, &t.kind, t.namespaced).hash(&mut h);
        if let SchemaSource::Custom(schema) = &t.schema {
            schema.to_string().hash(&mut h);
        }
    }
    format!("{:016x}", h.finish())
}

/// `/openapi/v3/api/v1` or `/openapi/v3/apis/<group>/<version>`, when the
/// group version is served.
pub fn v3_group_version(registry: &Registry, group: &str, version: &str) -> Option<Value> {
    let types: Vec<&ResourceType> = registry
        .types()
        .iter()
        .filter(|t| t.group == group && t.version == version)
        .collect();
    if types.is_empty() {
        return None;
    }
    let mut paths = Map::new();
    for t in &types {
        operations(t, &mut paths);
    }
    let (major, minor) = KUBERNETES_VERSION;
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": format!("v{major}.{minor}.0")},
        "paths": paths,
        "components": {"schemas": schemas(&types)},
    }))
}

/// The object and collection paths of a type, with the write operations
/// kubectl inspects.
fn operations(t: &ResourceType, paths: &mut Map<String, Value>) {
    let prefix = if t.group.is_empty() {
        format!("/api/{}", t.version)
    } else {
        format!("/apis/{}/{}", t.group, t.version)
    };
    let scope = if t.namespaced {
        "/namespaces/{namespace}"
    } else {
        ""
    };
    let gvk = json!({"group": t.group, "version": t.version, "kind": t.kind});
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

/// The settings real servers' documents follow: definitions under
/// `#/components/schemas/`, `$ref` siblings moved beside an `allOf`.
fn generator() -> SchemaGenerator {
    SchemaSettings::openapi3()
        .with(|s| s.meta_schema = None)
        .into_generator()
}

/// `components.schemas` for the given types: each kind's schema, tagged
/// with its group, version and kind, and every definition they refer to.
fn schemas(types: &[&ResourceType]) -> Map<String, Value> {
    let mut generator = generator();
    let mut kinds = Vec::new();
    for t in types {
        let name = match &t.schema {
            SchemaSource::Builtin(subschema) => {
                let reference = subschema(&mut generator);
                let Some(name) = reference
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.rsplit('/').next())
                else {
                    continue;
                };
                name.to_owned()
            }
            SchemaSource::Custom(schema) => {
                let name = custom_definition_name(t);
                let kind = custom_schema(schema, &mut generator);
                generator.definitions_mut().insert(name.clone(), kind);
                name
            }
            SchemaSource::None => continue,
        };
        kinds.push((name, t));
    }
    let mut definitions = generator.take_definitions(true);
    for (name, t) in kinds {
        if let Some(Value::Object(schema)) = definitions.get_mut(&name) {
            if matches!(t.schema, SchemaSource::Builtin(_)) {
                optional_metadata(schema);
            }
            schema.insert(
                "x-kubernetes-group-version-kind".into(),
                json!([{"group": t.group, "kind": t.kind, "version": t.version}]),
            );
        }
    }
    definitions
}

/// Drops `metadata` from a built-in kind's `required`: k8s-openapi lists it
/// for every kind (its Rust field is not optional), the upstream schemas do
/// not (except core/v1 `Event`'s, which this drops too), so `kubectl
/// explain` would print `-required-` beside it.
fn optional_metadata(schema: &mut Map<String, Value>) {
    let Some(Value::Array(required)) = schema.get_mut("required") else {
        return;
    };
    required.retain(|r| r != "metadata");
    if required.is_empty() {
        schema.remove("required");
    }
}

/// The definition name a real server gives a custom kind: the group
/// reversed, then version and kind (`com.example.v1.Widget`).
fn custom_definition_name(t: &ResourceType) -> String {
    let group: Vec<&str> = t.group.rsplit('.').collect();
    format!("{}.{}.{}", group.join("."), t.version, t.kind)
}

/// A CRD version's schema with `apiVersion`, `kind` and `metadata` as every
/// Kubernetes object declares them (taken from a built-in kind's schema, so
/// with the upstream descriptions and `metadata` referring to `ObjectMeta`).
fn custom_schema(schema: &Value, generator: &mut SchemaGenerator) -> Value {
    let mut schema = schema.clone();
    if !schema.is_object() {
        schema = json!({"type": "object"});
    }
    // A scratch generator: only these three properties are wanted, not the
    // definitions of the rest of the built-in kind.
    let builtin = ConfigMap::json_schema(&mut self::generator());
    generator.subschema_for::<ObjectMeta>();
    if let Some(properties) = builtin.get("properties").and_then(Value::as_object) {
        let own = &mut schema["properties"];
        if !own.is_object() {
            *own = json!({});
        }
        for name in ["apiVersion", "kind", "metadata"] {
            if let Some(p) = properties.get(name) {
                own[name] = p.clone();
            }
        }
    }
    schema
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document(registry: &Registry, group: &str, version: &str) -> Value {
        v3_group_version(registry, group, version).expect("served")
    }

    #[test]
    fn builtin_kinds_carry_the_upstream_schemas() {
        let doc = document(&Registry::builtin(), "apps", "v1");
        let schemas = &doc["components"]["schemas"];
        let deployment = &schemas["io.k8s.api.apps.v1.Deployment"];
        assert_eq!(
            deployment["description"],
            "Deployment enables declarative updates for Pods and ReplicaSets."
        );
        assert!(deployment.get("required").is_none());
        assert_eq!(
            deployment["x-kubernetes-group-version-kind"],
            json!([{"group": "apps", "kind": "Deployment", "version": "v1"}])
        );
        // A reference with a description beside it, as real servers publish it.
        assert_eq!(
            deployment["properties"]["spec"],
            json!({
                "allOf": [{"$ref": "#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec"}],
                "description": "Specification of the desired behavior of the Deployment.",
            })
        );
        // Referenced definitions come along, only the kinds are tagged.
        let pod_spec = &schemas["io.k8s.api.core.v1.PodSpec"];
        assert!(pod_spec["properties"]["containers"].is_object());
        assert!(pod_spec.get("x-kubernetes-group-version-kind").is_none());
        assert!(schemas.get("io.k8s.api.core.v1.ConfigMap").is_none());
        assert!(
            doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
                .is_object()
        );
    }

    #[test]
    fn custom_kinds_use_the_crd_schema() {
        let mut registry = Registry::builtin();
        registry.register_crd(&json!({"spec": {
            "group": "example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "kind": "Widget"},
            "versions": [{"name": "v1", "served": true, "schema": {"openAPIV3Schema": {
                "type": "object", "description": "A widget.",
                "properties": {"spec": {"type": "object", "properties": {"size": {"type": "integer"}}}},
            }}}],
        }}));
        let before = v3_root(&registry)["paths"]["apis/example.com/v1"].clone();
        let doc = document(&registry, "example.com", "v1");
        let widget = &doc["components"]["schemas"]["com.example.v1.Widget"];
        assert_eq!(widget["description"], "A widget.");
        assert_eq!(
            widget["properties"]["spec"]["properties"]["size"]["type"],
            "integer"
        );
        assert_eq!(
            widget["properties"]["metadata"]["allOf"][0]["$ref"],
            "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
        );
        assert!(
            doc["components"]["schemas"]["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]
                .is_object()
        );
        assert_eq!(widget["properties"]["kind"]["type"], "string");
        assert_eq!(
            widget["x-kubernetes-group-version-kind"][0]["kind"],
            "Widget"
        );
        // A changed schema changes the hash kubectl caches the document by.
        registry.register_crd(&json!({"spec": {
            "group": "example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "kind": "Widget"},
            "versions": [{"name": "v1", "served": true, "schema": {"openAPIV3Schema": {"type": "object"}}}],
        }}));
        assert_ne!(v3_root(&registry)["paths"]["apis/example.com/v1"], before);
    }

    #[test]
    fn unknown_group_versions_have_no_document() {
        assert!(v3_group_version(&Registry::builtin(), "apps", "v2").is_none());
        let root = v3_root(&Registry::builtin());
        assert!(
            root["paths"]["api/v1"]["serverRelativeURL"]
                .as_str()
                .is_some_and(|u| u.starts_with("/openapi/v3/api/v1?hash="))
        );
    }
}
