//! `behavior: merge` and `behavior: replace`: a generated ConfigMap or
//! Secret taking the place of an existing object with the same id.

use serde_json::{Map, Value};

use super::error::GeneratorError;
use crate::resource::{GeneratorBehavior, Resource};

/// The annotation that records where an object came from; a merge keeps
/// the base's.
const ORIGIN_ANNOTATION: &str = "config.kubernetes.io/origin";

/// Replaces `base` by `overlay`, a generated object whose behavior is merge
/// or replace, as kustomize does when a generator re-declares an object.
///
/// The result is `overlay`'s object with:
/// - labels and annotations of both (the overlay's win on equal keys);
/// - the base's name and namespace, name history, prefixes and suffixes,
///   and behavior (and, for merge, its origin); a hash suffix only if both wanted one;
/// - for merge, the `data` and `binaryData` entries of both (the overlay's
///   win), every value as a string; a map that ends up empty is removed.
///
/// Fails if `overlay`'s behavior is create (or unset): an object with its id
/// already exists.
pub fn merge_generated(base: &mut Resource, mut overlay: Resource) -> Result<(), GeneratorError> {
    let merge_data = match overlay.behavior {
        Some(GeneratorBehavior::Merge) => true,
        Some(GeneratorBehavior::Replace) => false,
        Some(GeneratorBehavior::Create) | None => {
            return Err(GeneratorError::AlreadyExists {
                id: overlay.id().to_string(),
            });
        }
    };
    let base_meta = base.object.get("metadata");
    let labels = union(
        field(base_meta, "labels"),
        field(overlay.object.get("metadata"), "labels"),
    );
    let base_annotations = field(base_meta, "annotations");
    let base_origin = base_annotations
        .and_then(|a| a.get(ORIGIN_ANNOTATION))
        .cloned();
    let mut annotations = union(
        base_annotations,
        field(overlay.object.get("metadata"), "annotations"),
    );
    if let (true, Some(origin)) = (merge_data, base_origin) {
        annotations.insert(
            ORIGIN_ANNOTATION.into(),
            Value::String(scalar_text(&origin)),
        );
    }
    let name = base.name().to_owned();
    let namespace = base.namespace().to_owned();

    let meta = overlay.metadata_mut();
    set_or_remove(meta, "labels", labels);
    set_or_remove(meta, "annotations", annotations);
    meta.insert("name".into(), Value::String(name));
    if namespace.is_empty() {
        meta.remove("namespace");
    } else {
        meta.insert("namespace".into(), Value::String(namespace));
    }
    if merge_data {
        for key in ["data", "binaryData"] {
            let merged = union(base.object.get(key), overlay.object.get(key));
            set_or_remove(&mut overlay.object, key, merged);
        }
    }

    if merge_data {
        overlay.origin = base.origin.take();
    }
    overlay.previous_ids = std::mem::take(&mut base.previous_ids);
    overlay.name_prefixes = std::mem::take(&mut base.name_prefixes);
    overlay.name_suffixes = std::mem::take(&mut base.name_suffixes);
    overlay.behavior = base.behavior;
    overlay.needs_hash &= base.needs_hash;
    *base = overlay;
    Ok(())
}

/// `map[key]`, if `map` is an object.
fn field<'a>(map: Option<&'a Value>, key: &str) -> Option<&'a Value> {
    map.and_then(|m| m.get(key))
}

/// The entries of two string maps, `over`'s winning; values become their
/// scalar text, as kustomize reads such maps. A missing or non-map value
/// counts as empty.
fn union(under: Option<&Value>, over: Option<&Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for map in [under, over]
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
    {
        for (k, v) in map {
            out.insert(k.clone(), Value::String(scalar_text(v)));
        }
    }
    out
}

/// A scalar's text as YAML wrote it; non-scalars have none.
fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null | Value::Array(_) | Value::Object(_) => String::new(),
    }
}

fn set_or_remove(map: &mut Map<String, Value>, key: &str, value: Map<String, Value>) {
    if value.is_empty() {
        map.remove(key);
    } else {
        map.insert(key.into(), Value::Object(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::ResId;
    use serde_json::json;

    fn res(v: Value, behavior: Option<GeneratorBehavior>, needs_hash: bool) -> Resource {
        let mut r = Resource::new(v.as_object().unwrap().clone());
        r.behavior = behavior;
        r.needs_hash = needs_hash;
        r
    }

    fn base() -> Resource {
        let mut r = res(
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "p-cm", "namespace": "ns",
                    "labels": {"a": "base", "b": "base"},
                    "annotations": {"config.kubernetes.io/origin": "path: base", "n": "base"}},
                "data": {"k1": "base", "k2": 2, "k3": true}, "binaryData": {"bin": "AA=="}}),
            Some(GeneratorBehavior::Create),
            true,
        );
        r.name_prefixes = vec!["p-".into()];
        r.previous_ids = vec![ResId {
            name: "cm".into(),
            ..Default::default()
        }];
        r
    }

    fn overlay(behavior: GeneratorBehavior, needs_hash: bool) -> Resource {
        res(
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "cm", "labels": {"a": "over"},
                    "annotations": {"config.kubernetes.io/origin": "path: over", "n": "over"}},
                "data": {"k1": "over", "k4": "new"}, "immutable": true}),
            Some(behavior),
            needs_hash,
        )
    }

    #[test]
    fn merge_combines_data_and_metadata() {
        let mut b = base();
        merge_generated(&mut b, overlay(GeneratorBehavior::Merge, true)).unwrap();
        let want = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "p-cm", "namespace": "ns",
                "labels": {"a": "over", "b": "base"},
                "annotations": {"config.kubernetes.io/origin": "path: base", "n": "over"}},
            "data": {"k1": "over", "k2": "2", "k3": "true", "k4": "new"},
            "binaryData": {"bin": "AA=="}, "immutable": true});
        assert_eq!(Value::Object(b.object.clone()), want);
        assert_eq!(b.name_prefixes, ["p-"]);
        assert_eq!(b.original_id().name, "cm");
        assert_eq!(b.behavior, Some(GeneratorBehavior::Create));
        assert!(b.needs_hash);
    }

    #[test]
    fn replace_keeps_only_overlay_data() {
        let mut b = base();
        merge_generated(&mut b, overlay(GeneratorBehavior::Replace, false)).unwrap();
        assert_eq!(b.object["data"], json!({"k1": "over", "k4": "new"}));
        assert_eq!(b.object.get("binaryData"), None);
        assert_eq!(
            b.object["metadata"]["annotations"]["config.kubernetes.io/origin"],
            "path: over"
        );
        assert_eq!(b.name(), "p-cm");
        // No hash if either side disabled it.
        assert!(!b.needs_hash);
    }

    #[test]
    fn empty_maps_are_removed() {
        let mut b = res(
            json!({"kind": "Secret", "metadata": {"name": "s"}, "data": {}, "type": "Opaque"}),
            None,
            false,
        );
        let o = res(
            json!({"kind": "Secret", "metadata": {"name": "s", "namespace": "x", "labels": {}},
                "data": {}, "type": "Opaque"}),
            Some(GeneratorBehavior::Merge),
            true,
        );
        merge_generated(&mut b, o).unwrap();
        assert_eq!(
            Value::Object(b.object),
            json!({"kind": "Secret", "metadata": {"name": "s"}, "type": "Opaque"})
        );
        assert!(!b.needs_hash);
        assert_eq!(b.behavior, None);
    }

    #[test]
    fn create_clash_is_an_error() {
        let mut b = base();
        let err = merge_generated(&mut b, overlay(GeneratorBehavior::Create, true)).unwrap_err();
        assert!(matches!(err, GeneratorError::AlreadyExists { .. }), "{err}");
        assert_eq!(b, base());
    }
}
