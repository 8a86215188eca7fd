//! The typed form of a `replacements:` entry, read from parsed YAML the way
//! kustomize's JSON decoding reads it: field names match case-insensitively
//! (the last matching key wins), `null` means absent, and unknown fields are
//! ignored (the kustomization loader rejects them in inline entries).

use crate::resource::{Gvk, ResId};
use serde_json::{Map, Value};
use std::fmt;

/// A field of a replacement entry with the wrong type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field '{field}' must be {expected}")]
pub struct SpecError {
    /// Dotted path of the field inside the entry.
    pub field: String,
    /// What it must be.
    pub expected: &'static str,
}

/// Looks up a field as Go's JSON decoder does: case-insensitively, the last
/// matching key winning; `null` counts as absent.
pub(crate) fn field<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.iter()
        .rev()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
}

/// Reads a string field (empty when absent).
pub(crate) fn string_field(
    obj: &Map<String, Value>,
    name: &str,
    at: &str,
) -> Result<String, SpecError> {
    match field(obj, name) {
        None => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(SpecError {
            field: join(at, name),
            expected: "a string",
        }),
    }
}

/// Reads a map field.
pub(crate) fn object_field<'a>(
    obj: &'a Map<String, Value>,
    name: &str,
    at: &str,
) -> Result<Option<&'a Map<String, Value>>, SpecError> {
    match field(obj, name) {
        None => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(_) => Err(SpecError {
            field: join(at, name),
            expected: "a map",
        }),
    }
}

fn list_field<'a>(
    obj: &'a Map<String, Value>,
    name: &str,
    at: &str,
) -> Result<Option<&'a Vec<Value>>, SpecError> {
    match field(obj, name) {
        None => Ok(None),
        Some(Value::Array(items)) => Ok(Some(items)),
        Some(_) => Err(SpecError {
            field: join(at, name),
            expected: "a list",
        }),
    }
}

/// `at.name`, or `name` at the top.
pub(crate) fn join(at: &str, name: &str) -> String {
    if at.is_empty() {
        name.to_owned()
    } else {
        format!("{at}.{name}")
    }
}

/// Group, version, kind, name and namespace, each matching exactly when set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdSelector {
    /// The id fields (empty ones match anything).
    pub id: ResId,
}

impl IdSelector {
    fn parse(obj: &Map<String, Value>, at: &str) -> Result<Self, SpecError> {
        let s = |name| string_field(obj, name, at);
        Ok(Self {
            id: ResId {
                gvk: Gvk {
                    group: s("group")?,
                    version: s("version")?,
                    kind: s("kind")?,
                },
                name: s("name")?,
                namespace: s("namespace")?,
            },
        })
    }

    /// Whether no field is set.
    pub fn is_empty(&self) -> bool {
        self.id == ResId::default()
    }

    /// Kustomize's `IsSelectedBy`: set fields must be equal; namespaces
    /// compare with an empty one meaning `default`.
    pub fn selects(&self, id: &ResId) -> bool {
        let sel = &self.id;
        let ns = |n: &str| if n.is_empty() { "default" } else { n }.to_owned();
        (sel.name.is_empty() || sel.name == id.name)
            && (sel.namespace.is_empty() || ns(&sel.namespace) == ns(&id.namespace))
            && id.gvk.is_selected_by(&sel.gvk)
    }
}

/// `options` of a source or target.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldOptions {
    /// Splits the field's text on this (when not empty).
    pub delimiter: String,
    /// Which part of the split text.
    pub index: i64,
    /// Create missing target fields.
    pub create: bool,
}

impl FieldOptions {
    fn parse(obj: &Map<String, Value>, at: &str) -> Result<Self, SpecError> {
        let index = match field(obj, "index") {
            None => 0,
            Some(v) => v.as_i64().ok_or_else(|| SpecError {
                field: join(at, "index"),
                expected: "an integer",
            })?,
        };
        let create = match field(obj, "create") {
            None => false,
            Some(v) => v.as_bool().ok_or_else(|| SpecError {
                field: join(at, "create"),
                expected: "true or false",
            })?,
        };
        // `encoding` is accepted and, as in kustomize 5.5, has no effect.
        string_field(obj, "encoding", at)?;
        Ok(Self {
            delimiter: string_field(obj, "delimiter", at)?,
            index,
            create,
        })
    }

    fn parse_opt(obj: &Map<String, Value>, at: &str) -> Result<Option<Self>, SpecError> {
        let at = join(at, "options");
        object_field(obj, "options", &at)?
            .map(|o| Self::parse(o, &at))
            .transpose()
    }
}

/// `source:` — the one object and field to copy from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceSelector {
    /// Which object.
    pub selector: IdSelector,
    /// Which field (as written; empty means `metadata.name`).
    pub field_path: String,
    /// How to cut the value.
    pub options: Option<FieldOptions>,
}

impl fmt::Display for SourceSelector {
    /// Kustomize's form: the id, then `:fieldPath` and `:options` when set.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.selector.id)?;
        if !self.field_path.is_empty() {
            write!(f, ":{}", self.field_path)?;
        }
        if let Some(o) = self
            .options
            .as_ref()
            .filter(|o| !o.delimiter.is_empty() || o.create)
        {
            write!(f, ":{}({}), create={}", o.delimiter, o.index, o.create)?;
        }
        Ok(())
    }
}

/// A `select:` or `reject:` entry of a target.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetFilter {
    /// Id fields.
    pub selector: IdSelector,
    /// A label selector.
    pub label_selector: String,
    /// An annotation selector.
    pub annotation_selector: String,
}

impl TargetFilter {
    fn parse(obj: &Map<String, Value>, at: &str) -> Result<Self, SpecError> {
        Ok(Self {
            selector: IdSelector::parse(obj, at)?,
            label_selector: string_field(obj, "labelSelector", at)?,
            annotation_selector: string_field(obj, "annotationSelector", at)?,
        })
    }
}

/// One entry of `targets:`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetSelector {
    /// The objects to write to (required).
    pub select: Option<TargetFilter>,
    /// Objects to leave alone.
    pub reject: Vec<TargetFilter>,
    /// The fields to write (empty means `metadata.name`).
    pub field_paths: Vec<String>,
    /// How to write.
    pub options: Option<FieldOptions>,
}

impl TargetSelector {
    fn parse(obj: &Map<String, Value>, at: &str) -> Result<Self, SpecError> {
        let select = object_field(obj, "select", at)?
            .map(|m| TargetFilter::parse(m, &join(at, "select")))
            .transpose()?;
        let mut reject = Vec::new();
        for (i, r) in list_field(obj, "reject", at)?
            .into_iter()
            .flatten()
            .enumerate()
        {
            let here = format!("{}[{i}]", join(at, "reject"));
            match r {
                Value::Null => {}
                Value::Object(m) => reject.push(TargetFilter::parse(m, &here)?),
                _ => {
                    return Err(SpecError {
                        field: here,
                        expected: "a map",
                    });
                }
            }
        }
        let mut field_paths = Vec::new();
        for (i, p) in list_field(obj, "fieldPaths", at)?
            .into_iter()
            .flatten()
            .enumerate()
        {
            field_paths.push(p.as_str().map(str::to_owned).ok_or_else(|| SpecError {
                field: format!("{}[{i}]", join(at, "fieldPaths")),
                expected: "a string",
            })?);
        }
        Ok(Self {
            select,
            reject,
            field_paths,
            options: FieldOptions::parse_opt(obj, at)?,
        })
    }
}

/// One replacement: a source and the targets it is copied to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Replacement {
    /// Where the value comes from.
    pub source: Option<SourceSelector>,
    /// Where it goes; `None` when absent or empty.
    pub targets: Option<Vec<TargetSelector>>,
    /// `path:` of an entry whose content lives in another file.
    pub path: String,
}

impl Replacement {
    /// Reads one entry of `replacements:` (or of a replacement file).
    pub fn from_value(v: &Value) -> Result<Self, SpecError> {
        let Value::Object(obj) = v else {
            return Err(SpecError {
                field: "replacement".into(),
                expected: "a map",
            });
        };
        let source = object_field(obj, "source", "")?
            .map(|m| -> Result<SourceSelector, SpecError> {
                Ok(SourceSelector {
                    selector: IdSelector::parse(m, "source")?,
                    field_path: string_field(m, "fieldPath", "source")?,
                    options: FieldOptions::parse_opt(m, "source")?,
                })
            })
            .transpose()?;
        let mut targets = Vec::new();
        for (i, t) in list_field(obj, "targets", "")?
            .into_iter()
            .flatten()
            .enumerate()
        {
            let at = format!("targets[{i}]");
            let Value::Object(m) = t else {
                return Err(SpecError {
                    field: at,
                    expected: "a map",
                });
            };
            targets.push(TargetSelector::parse(m, &at)?);
        }
        Ok(Self {
            source,
            // Kustomize re-encodes the entry with `omitempty`, so an empty
            // list of targets is as good as none.
            targets: (!targets.is_empty()).then_some(targets),
            path: string_field(obj, "path", "")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_match_case_insensitively_last_wins() {
        let r = Replacement::from_value(&json!({
            "Source": {"KIND": "ConfigMap", "fieldpath": "data.a", "kind": "Secret"},
            "targets": [{"select": {"name": "x"}, "FieldPaths": ["a.b"],
                         "options": {"delimiter": "-", "index": 2, "create": true}}]
        }))
        .unwrap();
        let source = r.source.unwrap();
        assert_eq!(source.selector.id.gvk.kind, "Secret");
        assert_eq!(source.field_path, "data.a");
        let t = &r.targets.unwrap()[0];
        assert_eq!(t.field_paths, ["a.b"]);
        assert_eq!(
            t.options,
            Some(FieldOptions {
                delimiter: "-".into(),
                index: 2,
                create: true
            })
        );
    }

    #[test]
    fn empty_targets_are_none_and_types_are_checked() {
        let r = Replacement::from_value(&json!({"source": {}, "targets": []})).unwrap();
        assert!(r.targets.is_none());
        let err = Replacement::from_value(&json!({"source": {"kind": 3}})).unwrap_err();
        assert_eq!(err.to_string(), "field 'source.kind' must be a string");
        let err = Replacement::from_value(&json!({"targets": [{"options": {"index": "1"}}]}))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "field 'targets[0].options.index' must be an integer"
        );
    }

    #[test]
    fn source_prints_like_kustomize() {
        let mut s = SourceSelector::default();
        s.selector.id.gvk.kind = "ConfigMap".into();
        assert_eq!(s.to_string(), "ConfigMap.[noVer].[noGrp]/[noName].[noNs]");
        s.field_path = "data.a".into();
        s.options = Some(FieldOptions {
            delimiter: ".".into(),
            index: 1,
            create: false,
        });
        assert_eq!(
            s.to_string(),
            "ConfigMap.[noVer].[noGrp]/[noName].[noNs]:data.a:.(1), create=false"
        );
    }

    #[test]
    fn id_selection_is_exact_with_default_namespace() {
        let sel = |v: Value| IdSelector::parse(v.as_object().unwrap(), "").unwrap();
        let id = ResId {
            gvk: Gvk::from_api_version("apps/v1", "Deployment"),
            name: "web".into(),
            namespace: String::new(),
        };
        assert!(sel(json!({"kind": "Deployment", "namespace": "default"})).selects(&id));
        assert!(!sel(json!({"kind": "Deploy.*"})).selects(&id));
        assert!(!sel(json!({"name": "we"})).selects(&id));
        assert!(sel(json!({"group": "apps", "version": "v1"})).selects(&id));
    }
}
