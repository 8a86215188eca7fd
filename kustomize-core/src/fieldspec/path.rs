//! Walking an object along a field spec's path.
//!
//! Path syntax (kustomize's): elements separated by `/`; `\/` is a literal
//! slash inside an element (`metadata/annotations/a.io\/b`); a leading `/` is
//! ignored. A sequence met on the way is entered element by element with the
//! rest of the path, so `spec/containers/image` and `spec/containers[]/image`
//! both reach every container's image; the `[]` suffix only says the field is
//! a sequence (a null there becomes `[]`, and it is never created).

use super::{FieldSpec, FieldSpecError};
use crate::resource::Gvk;
use serde_json::{Map, Value};

/// What a walk creates at the end of a path when the spec says `create` and
/// the field is missing. Fields on the way are always created as maps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateKind {
    /// Create nothing, whatever the spec says (the image transformer).
    Nothing,
    /// Create an empty string for the setter to fill (names, namespaces,
    /// replica counts).
    Scalar,
    /// Create an empty map (labels, annotations).
    Map,
}

/// Splits a path at `/`, keeping `\/` as a literal slash in an element and
/// ignoring one leading `/`.
pub fn split_path(path: &str) -> Vec<String> {
    let path = path.strip_prefix('/').unwrap_or(path);
    let mut out: Vec<String> = Vec::new();
    for part in path.split('/') {
        match out.last_mut() {
            Some(last) if last.ends_with('\\') => {
                last.pop();
                last.push('/');
                last.push_str(part);
            }
            _ => out.push(part.to_owned()),
        }
    }
    out
}

/// The YAML node kind of a value, as kustomize names it in errors.
pub fn node_kind(v: &Value) -> &'static str {
    match v {
        Value::Object(_) => "MappingNode",
        Value::Array(_) => "SequenceNode",
        _ => "ScalarNode",
    }
}

/// Applies `set` to every field `spec` designates in `object`, if the spec
/// selects the object's `apiVersion` and `kind`. The setter gets the field
/// (possibly null) and returns why it refuses it, if it does.
pub fn apply<F>(
    spec: &FieldSpec,
    object: &mut Map<String, Value>,
    create: CreateKind,
    set: &mut F,
) -> Result<(), FieldSpecError>
where
    F: FnMut(&mut Value) -> Result<(), String>,
{
    if !spec.selects(&object_gvk(object)) {
        return Ok(());
    }
    apply_selected(spec, object, create, set)
}

/// [`apply`] once the spec is known to select the object.
fn apply_selected<F>(
    spec: &FieldSpec,
    object: &mut Map<String, Value>,
    create: CreateKind,
    set: &mut F,
) -> Result<(), FieldSpecError>
where
    F: FnMut(&mut Value) -> Result<(), String>,
{
    let walker = Walker {
        create: if spec.create {
            create
        } else {
            CreateKind::Nothing
        },
    };
    let path = split_path(&spec.path);
    walker
        .in_map(object, &path, set)
        .map_err(|reason| FieldSpecError::Field {
            path: spec.path.clone(),
            object: object_id(object),
            reason,
        })
}

/// [`apply`] for each spec in turn.
pub fn apply_all<F>(
    specs: &[FieldSpec],
    object: &mut Map<String, Value>,
    create: CreateKind,
    set: &mut F,
) -> Result<(), FieldSpecError>
where
    F: FnMut(&mut Value) -> Result<(), String>,
{
    let mut gvk = object_gvk(object);
    for spec in specs {
        if !spec.selects(&gvk) {
            continue;
        }
        apply_selected(spec, object, create, set)?;
        // Only a spec that designates `apiVersion` or `kind` can change
        // which of the remaining specs select the object.
        let top = spec.path.strip_prefix('/').unwrap_or(&spec.path);
        if top.starts_with("apiVersion") || top.starts_with("kind") {
            gvk = object_gvk(object);
        }
    }
    Ok(())
}

fn object_gvk(object: &Map<String, Value>) -> Gvk {
    let s = |k: &str| object.get(k).and_then(Value::as_str).unwrap_or("");
    Gvk::from_api_version(s("apiVersion"), s("kind"))
}

fn object_id(object: &Map<String, Value>) -> String {
    let meta = |k: &str| {
        object
            .get("metadata")
            .and_then(|m| m.get(k))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    crate::resource::ResId {
        gvk: object_gvk(object),
        name: meta("name"),
        namespace: meta("namespace"),
    }
    .to_string()
}

/// A walk's fixed parameters.
struct Walker {
    /// What to create at the end of the path; `Nothing` unless the spec creates.
    create: CreateKind,
}

impl Walker {
    fn walk<F>(&self, node: &mut Value, path: &[String], set: &mut F) -> Result<(), String>
    where
        F: FnMut(&mut Value) -> Result<(), String>,
    {
        if path.is_empty() {
            return set(node);
        }
        match node {
            Value::Null => Ok(()),
            Value::Object(map) => self.in_map(map, path, set),
            Value::Array(items) => items
                .iter_mut()
                .try_for_each(|item| self.walk(item, path, set))
                .map_err(|e| format!("visit traversal on path: [{}]: {e}", path.join(" "))),
            _ => Err("expected sequence or mapping node".to_owned()),
        }
    }

    fn in_map<F>(
        &self,
        map: &mut Map<String, Value>,
        path: &[String],
        set: &mut F,
    ) -> Result<(), String>
    where
        F: FnMut(&mut Value) -> Result<(), String>,
    {
        let Some((head, rest)) = path.split_first() else {
            return Err("cannot set or create an empty field name".to_owned());
        };
        let (name, is_seq) = match head.strip_suffix("[]") {
            Some(n) => (n, true),
            None => (head.as_str(), false),
        };
        if name.is_empty() {
            return Err("cannot set or create an empty field name".to_owned());
        }
        // What a missing or null field becomes, if anything.
        let make: Option<fn() -> Value> = match (self.create, is_seq, rest.is_empty()) {
            (_, true, _) => Some(|| Value::Array(Vec::new())),
            (CreateKind::Nothing, false, _) => None,
            (CreateKind::Scalar, false, true) => Some(|| Value::String(String::new())),
            (_, false, _) => Some(|| Value::Object(Map::new())),
        };
        let creating = self.create != CreateKind::Nothing && !is_seq;
        let field = match map.get_mut(name) {
            Some(f) => f,
            None if creating => map
                .entry(name)
                .or_insert_with(make.expect("creating implies a kind")),
            None => return Ok(()),
        };
        if let (Value::Null, Some(make)) = (&field, make) {
            *field = make();
        }
        self.walk(field, rest, set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn set_x(v: &mut Value) -> Result<(), String> {
        match v {
            Value::Object(_) | Value::Array(_) => {
                Err(format!("wrong node kind: got {}", node_kind(v)))
            }
            _ => {
                *v = json!("x");
                Ok(())
            }
        }
    }

    #[test]
    fn splits_with_escapes() {
        assert_eq!(split_path("a/b/c"), ["a", "b", "c"]);
        assert_eq!(split_path("/a/b"), ["a", "b"]);
        assert_eq!(
            split_path(r"metadata/annotations/a.io\/b"),
            ["metadata", "annotations", "a.io/b"]
        );
        assert_eq!(split_path(r"a\/b\/c/d"), ["a/b/c", "d"]);
        assert_eq!(split_path("a"), ["a"]);
        assert_eq!(split_path("a/"), ["a", ""]);
    }

    #[test]
    fn walks_sequences_with_or_without_brackets() {
        let mut o = obj(
            json!({"kind": "Pod", "spec": {"containers": [{"image": "a"}, {"image": "b"}, {"name": "c"}]}}),
        );
        let mut seen = Vec::new();
        let mut rec = |v: &mut Value| {
            seen.push(v.clone());
            Ok(())
        };
        apply(
            &FieldSpec::new("spec/containers[]/image"),
            &mut o,
            CreateKind::Nothing,
            &mut rec,
        )
        .unwrap();
        apply(
            &FieldSpec::new("spec/containers/image"),
            &mut o,
            CreateKind::Nothing,
            &mut rec,
        )
        .unwrap();
        assert_eq!(seen, [json!("a"), json!("b"), json!("a"), json!("b")]);
    }

    #[test]
    fn creates_maps_and_leaf_only_when_asked() {
        let mut o = obj(json!({"kind": "Deployment", "spec": {}}));
        let spec = FieldSpec::new("spec/template/metadata/labels");
        apply(&spec, &mut o, CreateKind::Map, &mut |_| Ok(())).unwrap();
        assert_eq!(o["spec"], json!({}));
        apply(
            &spec.clone().creating(),
            &mut o,
            CreateKind::Map,
            &mut |_| Ok(()),
        )
        .unwrap();
        assert_eq!(o["spec"], json!({"template": {"metadata": {"labels": {}}}}));
        let mut o = obj(json!({"kind": "Deployment"}));
        apply(
            &FieldSpec::new("spec/replicas").creating(),
            &mut o,
            CreateKind::Scalar,
            &mut set_x,
        )
        .unwrap();
        assert_eq!(o["spec"], json!({"replicas": "x"}));
        // CreateKind::Nothing overrides the spec's create.
        let mut o = obj(json!({"kind": "Pod"}));
        apply(
            &FieldSpec::new("spec/containers[]/image").creating(),
            &mut o,
            CreateKind::Nothing,
            &mut set_x,
        )
        .unwrap();
        assert_eq!(o.get("spec"), None);
    }

    #[test]
    fn nulls_become_the_expected_kind() {
        let mut o =
            obj(json!({"kind": "Pod", "spec": {"containers": null}, "metadata": {"labels": null}}));
        apply(
            &FieldSpec::new("spec/containers[]/image"),
            &mut o,
            CreateKind::Nothing,
            &mut set_x,
        )
        .unwrap();
        assert_eq!(o["spec"]["containers"], json!([]));
        // Without create a null leaf is left to the setter.
        let mut seen = None;
        apply(
            &FieldSpec::new("metadata/labels"),
            &mut o,
            CreateKind::Map,
            &mut |v: &mut Value| {
                seen = Some(v.clone());
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(seen, Some(Value::Null));
        apply(
            &FieldSpec::new("metadata/labels").creating(),
            &mut o,
            CreateKind::Map,
            &mut |_| Ok(()),
        )
        .unwrap();
        assert_eq!(o["metadata"]["labels"], json!({}));
        // A null on the way ends the walk.
        let mut o = obj(json!({"kind": "Pod", "spec": null}));
        apply(
            &FieldSpec::new("spec/a/b"),
            &mut o,
            CreateKind::Map,
            &mut set_x,
        )
        .unwrap();
        assert_eq!(o["spec"], Value::Null);
    }

    #[test]
    fn matches_gvk_of_object() {
        let mut o =
            obj(json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "n"}}));
        let mut count = 0;
        let mut c = |_: &mut Value| {
            count += 1;
            Ok(())
        };
        apply(
            &FieldSpec::new("metadata/name").kind("Service"),
            &mut o,
            CreateKind::Nothing,
            &mut c,
        )
        .unwrap();
        apply(
            &FieldSpec::new("metadata/name").group("batch"),
            &mut o,
            CreateKind::Nothing,
            &mut c,
        )
        .unwrap();
        apply(
            &FieldSpec::new("metadata/name").group("apps").version("v1"),
            &mut o,
            CreateKind::Nothing,
            &mut c,
        )
        .unwrap();
        assert_eq!(count, 1);
    }

    #[test]
    fn type_errors_name_field_and_object() {
        let mut o = obj(
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": "x"}}),
        );
        let err = apply(
            &FieldSpec::new("spec/template/metadata/labels"),
            &mut o,
            CreateKind::Map,
            &mut set_x,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "considering field 'spec/template/metadata/labels' of object Deployment.v1.apps/d.[noNs]: expected sequence or mapping node"
        );
        let mut o = obj(json!({"kind": "Pod", "spec": {"containers": ["x"]}}));
        let err = apply(
            &FieldSpec::new("spec/containers/image"),
            &mut o,
            CreateKind::Nothing,
            &mut set_x,
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("visit traversal on path: [image]: expected sequence or mapping node"),
            "{err}"
        );
        let mut o = obj(json!({"kind": "Pod", "metadata": {}}));
        let err = apply(
            &FieldSpec::new("metadata/").creating(),
            &mut o,
            CreateKind::Map,
            &mut set_x,
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .ends_with("cannot set or create an empty field name"),
            "{err}"
        );
    }
}
