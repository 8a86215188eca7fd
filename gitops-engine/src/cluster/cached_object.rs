//! [`CachedObject`]: a watched object as the [`LiveCache`](super::LiveCache)
//! keeps it. The cache holds every object of every watched kind for as long
//! as the controller runs, and a parsed `serde_json::Value` (an ordered map
//! per object, a heap string per key) takes several times the memory of the
//! JSON text it came from; so the cache keeps the text and parses an object
//! when it is read, which it is only when an app it belongs to is compared.

use std::borrow::Cow;
use std::collections::BTreeMap;

use kube::api::{ApiResource, ObjectMeta};
use kube::core::DynamicResourceScope;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

/// The annotation left out of [`CachedObject::metadata`]: it holds a whole
/// manifest, is needed only by the diff, and stays in the JSON text.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// A watched object: the metadata the reflector store and the cache's index
/// read (name, namespace, resourceVersion, uid, labels and the annotations
/// but `last-applied-configuration`), decoded, and the whole object as JSON
/// text.
#[derive(Clone, Debug)]
pub(super) struct CachedObject {
    metadata: ObjectMeta,
    json: Box<str>,
}

impl CachedObject {
    /// The object's metadata, as far as it is decoded (see [`CachedObject`]).
    pub(super) fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }

    /// The object as a manifest led by `apiVersion` and `kind` (list items
    /// may come without them); `None` only if the text is not a JSON object,
    /// which it always is, having been one when decoded.
    pub(super) fn manifest(&self, resource: &ApiResource) -> Option<Value> {
        let Ok(Value::Object(fields)) = serde_json::from_str(&self.json) else {
            return None;
        };
        let mut out = Map::with_capacity(fields.len() + 2);
        out.insert("apiVersion".into(), resource.api_version.clone().into());
        out.insert("kind".into(), resource.kind.clone().into());
        out.extend(
            fields
                .into_iter()
                .filter(|(k, _)| k != "apiVersion" && k != "kind"),
        );
        Some(Value::Object(out))
    }
}

impl From<Value> for CachedObject {
    fn from(object: Value) -> Self {
        let meta = &object["metadata"];
        let text = |field: &str| meta[field].as_str().map(str::to_owned);
        let strings = |field: &str| {
            meta[field].as_object().map(|map| {
                map.iter()
                    .filter(|(k, _)| *k != LAST_APPLIED)
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                    .collect::<BTreeMap<_, _>>()
            })
        };
        let metadata = ObjectMeta {
            name: text("name"),
            namespace: text("namespace"),
            resource_version: text("resourceVersion"),
            uid: text("uid"),
            labels: strings("labels"),
            annotations: strings("annotations"),
            ..ObjectMeta::default()
        };
        CachedObject {
            metadata,
            json: object.to_string().into_boxed_str(),
        }
    }
}

impl<'de> Deserialize<'de> for CachedObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Value::deserialize(deserializer).map(CachedObject::from)
    }
}

impl kube::Resource for CachedObject {
    type DynamicType = ApiResource;
    type Scope = DynamicResourceScope;

    fn kind(dt: &ApiResource) -> Cow<'_, str> {
        dt.kind.as_str().into()
    }

    fn group(dt: &ApiResource) -> Cow<'_, str> {
        dt.group.as_str().into()
    }

    fn version(dt: &ApiResource) -> Cow<'_, str> {
        dt.version.as_str().into()
    }

    fn api_version(dt: &ApiResource) -> Cow<'_, str> {
        dt.api_version.as_str().into()
    }

    fn plural(dt: &ApiResource) -> Cow<'_, str> {
        dt.plural.as_str().into()
    }

    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config_map() -> ApiResource {
        ApiResource::erase::<k8s_openapi::api::core::v1::ConfigMap>(&())
    }

    #[test]
    fn manifests_lead_with_the_type_and_keep_every_field() {
        let obj: CachedObject = serde_json::from_value(json!({
            "metadata": {"name": "x", "namespace": "default", "resourceVersion": "7",
                "annotations": {LAST_APPLIED: "{\"big\":1}", "note": "kept"}},
            "data": {"k": "v"},
        }))
        .expect("decodes");
        let m = obj.manifest(&config_map()).expect("manifest");
        let keys: Vec<&str> = m
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["apiVersion", "kind", "metadata", "data"]);
        assert_eq!(m["apiVersion"], "v1");
        assert_eq!(m["kind"], "ConfigMap");
        assert_eq!(m["data"]["k"], "v");
        assert_eq!(
            m["metadata"]["annotations"][LAST_APPLIED], "{\"big\":1}",
            "the manifest has every annotation"
        );
    }

    #[test]
    fn the_decoded_metadata_is_what_the_store_and_index_read() {
        let obj = CachedObject::from(json!({
            "metadata": {"name": "x", "namespace": "ns", "resourceVersion": "7", "uid": "u",
                "labels": {"app": "a"},
                "annotations": {LAST_APPLIED: "{}", "argocd.argoproj.io/tracking-id": "t"}},
        }));
        let meta = obj.metadata();
        assert_eq!(meta.name.as_deref(), Some("x"));
        assert_eq!(meta.namespace.as_deref(), Some("ns"));
        assert_eq!(meta.resource_version.as_deref(), Some("7"));
        assert_eq!(meta.uid.as_deref(), Some("u"));
        assert_eq!(meta.labels.as_ref().map(|l| l["app"].as_str()), Some("a"));
        let annotations = meta.annotations.as_ref().expect("annotations");
        assert_eq!(annotations.len(), 1, "last-applied stays in the text only");
        assert_eq!(annotations["argocd.argoproj.io/tracking-id"], "t");
    }
}
