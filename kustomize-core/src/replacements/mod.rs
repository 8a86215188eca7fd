//! The `replacements:` transformer: copies a field of one object into fields
//! of others, as kustomize 5.5 does.
//!
//! Objects are selected by exact group, version, kind, name and namespace,
//! matching any of an object's ids (current or earlier, so original names
//! work). Paths use kyaml's syntax (see [`path`]).
//!
//! A scalar target keeps its type and takes the source's text, so `"80"`
//! into an integer field gives `80` and `80` into a string field gives
//! `"80"`; created fields take the type their text reads as. A text the
//! target's type cannot hold (`abc` into an integer, anything but null into
//! `null`) fails with the message kustomize prints when it writes the
//! output; kustomize fails only then, this fails at once.

pub mod path;
pub mod scalar;
pub mod spec;

use crate::resource::{ResId, Resource};
use crate::selector::{CompiledSelector, Selector, SelectorError};
use path::{CreateKind, Location, PathError};
use scalar::TagMismatch;
use serde_json::Value;
use spec::{FieldOptions, Replacement, SourceSelector, SpecError, TargetFilter, TargetSelector};

/// The field read or written when none is named.
pub const DEFAULT_FIELD_PATH: &str = "metadata.name";

/// Why replacements could not be applied. Messages follow kustomize's.
#[derive(Debug, thiserror::Error)]
pub enum ReplacementError {
    /// An entry is malformed.
    #[error("replacements[{index}]: {source}")]
    Spec {
        /// Position of the entry.
        index: usize,
        /// What is wrong.
        source: SpecError,
    },
    /// An entry has both `path` and inline content.
    #[error("cannot specify both path and inline replacement")]
    PathAndInline,
    /// A replacement file holds neither a map nor a list.
    #[error("unsupported replacement type encountered within replacement path: {0}")]
    UnsupportedFile(&'static str),
    /// An entry still names a file (the caller loads those).
    #[error("replacement file '{0}' was not loaded")]
    UnloadedPath(String),
    /// An entry lacks `source` or `targets`.
    #[error("replacements must specify a source and at least one target")]
    MissingSourceOrTargets,
    /// The source selects more than one object.
    #[error("multiple matches for selector {0}")]
    MultipleSources(String),
    /// The source selects nothing.
    #[error("nothing selected by {0}")]
    NoSource(String),
    /// The source path cannot be followed.
    #[error("error looking up replacement source: {0}")]
    SourceLookup(PathError),
    /// The source field is absent, null or empty.
    #[error("fieldPath `{field_path}` is missing for replacement source {id}")]
    SourceMissing {
        /// The source's field path.
        field_path: String,
        /// The source selector's id, printed.
        id: String,
    },
    /// A delimiter is used on a map or list.
    #[error("delimiter option can only be used with scalar nodes")]
    DelimiterNeedsScalar,
    /// The source's `options.index` is outside its split value.
    #[error("options.index {index} is out of bounds for value {value}")]
    IndexOutOfBounds {
        /// The index.
        index: i64,
        /// The value that was split.
        value: String,
    },
    /// A target has no `select`.
    #[error("target must specify resources to select")]
    TargetWithoutSelect,
    /// A label or annotation selector is malformed.
    #[error(transparent)]
    Selector(#[from] SelectorError),
    /// A target field is missing or its path cannot be followed.
    #[error(
        "unable to find {}field {field_path:?} in replacement target{}",
        if *create { "or create " } else { "" },
        source.as_ref().map(|e| format!(": {e}")).unwrap_or_default()
    )]
    TargetField {
        /// The target field path.
        field_path: String,
        /// Whether `options.create` was set.
        create: bool,
        /// Why the path could not be followed, if it could not.
        source: Option<PathError>,
    },
    /// A target scalar cannot hold the copied text.
    #[error(transparent)]
    TagMismatch(#[from] TagMismatch),
}

/// The entries a replacement file (named by a `path:` entry) holds: one
/// replacement (a map) or a list of them. `doc` is the parsed file, `Null`
/// when it is empty.
pub fn file_entries(doc: Value) -> Result<Vec<Value>, ReplacementError> {
    match doc {
        Value::Array(items) => Ok(items),
        Value::Object(_) => Ok(vec![doc]),
        // Go's reflect kinds of what its YAML decoder returns.
        Value::Null => Err(ReplacementError::UnsupportedFile("invalid")),
        Value::String(_) => Err(ReplacementError::UnsupportedFile("string")),
        Value::Bool(_) => Err(ReplacementError::UnsupportedFile("bool")),
        Value::Number(_) => Err(ReplacementError::UnsupportedFile("float64")),
    }
}

/// Applies `replacements:` entries (already loaded: entries naming a file
/// must have been replaced by the file's content) to the resources, in order.
pub fn apply_replacements(
    resources: &mut [Resource],
    replacements: &[Value],
) -> Result<(), ReplacementError> {
    let parsed = replacements
        .iter()
        .enumerate()
        .map(|(index, v)| {
            let r = Replacement::from_value(v)
                .map_err(|source| ReplacementError::Spec { index, source })?;
            if !r.path.is_empty() {
                return Err(if r.source.is_some() || r.targets.is_some() {
                    ReplacementError::PathAndInline
                } else {
                    ReplacementError::UnloadedPath(r.path)
                });
            }
            Ok(r)
        })
        .collect::<Result<Vec<_>, _>>()?;
    for r in &parsed {
        let (Some(source), Some(targets)) = (&r.source, &r.targets) else {
            return Err(ReplacementError::MissingSourceOrTargets);
        };
        let value = source_value(resources, source)?;
        for target in targets {
            apply_target(resources, &value, target)?;
        }
    }
    Ok(())
}

/// The current id followed by the earlier ones.
fn ids(res: &Resource) -> Vec<ResId> {
    std::iter::once(res.id())
        .chain(res.previous_ids.iter().cloned())
        .collect()
}

fn source_value(
    resources: &[Resource],
    source: &SourceSelector,
) -> Result<Value, ReplacementError> {
    let mut matched = None;
    for res in resources {
        if ids(res).iter().any(|id| source.selector.selects(id)) {
            if matched.is_some() {
                return Err(ReplacementError::MultipleSources(source.to_string()));
            }
            matched = Some(res);
        }
    }
    let res = matched.ok_or_else(|| ReplacementError::NoSource(source.to_string()))?;
    let field_path = if source.field_path.is_empty() {
        DEFAULT_FIELD_PATH
    } else {
        &source.field_path
    };
    let object = Value::Object(res.object.clone());
    let found = path::lookup(&object, &path::split_path(field_path))
        .map_err(ReplacementError::SourceLookup)?;
    let value = match found {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) if m.is_empty() => None,
        Some(Value::Array(a)) if a.is_empty() => None,
        Some(v) => Some(v.clone()),
    }
    .ok_or_else(|| ReplacementError::SourceMissing {
        field_path: field_path.to_owned(),
        id: source.selector.id.to_string(),
    })?;
    refine(source.options.as_ref(), value)
}

/// Cuts one part out of a delimited source value.
fn refine(options: Option<&FieldOptions>, value: Value) -> Result<Value, ReplacementError> {
    let Some(o) = options.filter(|o| !o.delimiter.is_empty()) else {
        return Ok(value);
    };
    let tag = scalar::tag_of(&value).ok_or(ReplacementError::DelimiterNeedsScalar)?;
    let text = scalar::text(&value);
    let part = usize::try_from(o.index)
        .ok()
        .and_then(|i| text.split(o.delimiter.as_str()).nth(i))
        .ok_or_else(|| ReplacementError::IndexOutOfBounds {
            index: o.index,
            value: text.clone(),
        })?;
    Ok(scalar::retag(part, Some(tag))?)
}

struct CompiledFilter<'a> {
    filter: &'a TargetFilter,
    labels: CompiledSelector,
}

impl<'a> CompiledFilter<'a> {
    fn new(filter: &'a TargetFilter) -> Result<Self, SelectorError> {
        let labels = Selector {
            label_selector: filter.label_selector.clone(),
            annotation_selector: filter.annotation_selector.clone(),
            ..Selector::default()
        }
        .compile()?;
        Ok(Self { filter, labels })
    }

    fn has_label_terms(&self) -> bool {
        !self.filter.label_selector.is_empty() || !self.filter.annotation_selector.is_empty()
    }
}

fn apply_target(
    resources: &mut [Resource],
    value: &Value,
    target: &TargetSelector,
) -> Result<(), ReplacementError> {
    let select = target
        .select
        .as_ref()
        .ok_or(ReplacementError::TargetWithoutSelect)?;
    let select = CompiledFilter::new(select)?;
    let rejects = target
        .reject
        .iter()
        .map(CompiledFilter::new)
        .collect::<Result<Vec<_>, _>>()?;
    let default_paths = [DEFAULT_FIELD_PATH.to_owned()];
    let field_paths: &[String] = if target.field_paths.is_empty() {
        &default_paths
    } else {
        &target.field_paths
    };
    for res in resources.iter_mut() {
        // Label and annotation terms: the select's must match, and a
        // reject's must not (a reject's id fields are checked separately).
        if !select.labels.selects(res)
            || rejects
                .iter()
                .any(|r| r.has_label_terms() && r.labels.selects(res))
        {
            continue;
        }
        let ids = ids(res);
        let rejected = rejects.iter().any(|r| {
            !r.filter.selector.is_empty() && ids.iter().any(|id| r.filter.selector.selects(id))
        });
        if rejected || !ids.iter().any(|id| select.filter.selector.selects(id)) {
            continue;
        }
        copy_to_target(res, value, target, field_paths)?;
    }
    Ok(())
}

fn copy_to_target(
    res: &mut Resource,
    value: &Value,
    target: &TargetSelector,
    field_paths: &[String],
) -> Result<(), ReplacementError> {
    let create = target
        .options
        .as_ref()
        .filter(|o| o.create)
        .map(|_| CreateKind::of(value));
    let mut object = Value::Object(std::mem::take(&mut res.object));
    let result = field_paths.iter().try_for_each(|fp| {
        let err = |source| ReplacementError::TargetField {
            field_path: fp.clone(),
            create: create.is_some(),
            source,
        };
        let found =
            path::locate(&mut object, &path::split_path(fp), create).map_err(|e| err(Some(e)))?;
        if found.is_empty() {
            return Err(err(None));
        }
        found
            .iter()
            .try_for_each(|loc| set_field(&mut object, loc, target.options.as_ref(), value))
    });
    if let Value::Object(m) = object {
        res.object = m;
    }
    result
}

/// Writes `value` into the node at `loc`: a scalar target keeps its type and
/// takes the value's text (one part of it with a delimiter); a map or list
/// target is replaced by the value.
fn set_field(
    object: &mut Value,
    loc: &Location,
    options: Option<&FieldOptions>,
    value: &Value,
) -> Result<(), ReplacementError> {
    let Some(target) = path::get_mut(object, &loc.steps).filter(|_| !loc.detached) else {
        return Ok(());
    };
    let target_tag = scalar::tag_of(target);
    let mut text = scalar::text(value);
    if let Some(o) = options.filter(|o| !o.delimiter.is_empty()) {
        if target_tag.is_none() {
            return Err(ReplacementError::DelimiterNeedsScalar);
        }
        let mut parts: Vec<String> = scalar::text(target)
            .split(o.delimiter.as_str())
            .map(str::to_owned)
            .collect();
        match usize::try_from(o.index) {
            Err(_) => parts.insert(0, text),
            Ok(i) if i >= parts.len() => parts.push(text),
            Ok(i) => parts[i] = text,
        }
        text = parts.join(&o.delimiter);
    }
    *target = match target_tag {
        Some(_) if loc.created_scalar => scalar::retag(&text, None)?,
        Some(tag) => scalar::retag(&text, Some(tag))?,
        None => value.clone(),
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn res(v: Value) -> Resource {
        Resource::new(v.as_object().unwrap().clone())
    }

    fn cm(name: &str, data: Value) -> Resource {
        res(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}),
        )
    }

    fn apply(resources: &mut [Resource], r: Value) -> Result<(), ReplacementError> {
        apply_replacements(resources, &[r])
    }

    #[test]
    fn copies_with_delimiters_and_keeps_target_types() {
        let rs = || {
            vec![
                cm("src", json!({"a": "x.8080.z"})),
                cm("dst", json!({"s": "p:q", "i": 1, "m": {"k": "v"}})),
            ]
        };
        let source = json!({"name": "src", "fieldPath": "data.a",
                            "options": {"delimiter": ".", "index": 1}});
        let err = apply(
            &mut rs(),
            json!({"source": source, "targets": [{"select": {"name": "dst"},
                "fieldPaths": ["data.m"], "options": {"delimiter": ":"}}]}),
        )
        .unwrap_err();
        assert!(matches!(err, ReplacementError::DelimiterNeedsScalar));
        let mut rs = rs();
        apply(
            &mut rs,
            json!({"source": source,
                   "targets": [{"select": {"name": "dst"},
                                "fieldPaths": ["data.s", "data.new"],
                                "options": {"delimiter": ":", "index": 1, "create": true}},
                               {"select": {"name": "dst"}, "fieldPaths": ["data.m", "data.i"]}]}),
        )
        .unwrap();
        assert_eq!(
            rs[1].object["data"],
            json!({"s": "p:8080", "i": 8080, "m": "8080", "new": ":8080"})
        );
    }

    #[test]
    fn source_selection_errors() {
        let mut rs = vec![cm("a", json!({})), cm("b", json!({}))];
        let err = apply(
            &mut rs,
            json!({"source": {"kind": "ConfigMap"}, "targets": [{"select": {}}]}),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "multiple matches for selector ConfigMap.[noVer].[noGrp]/[noName].[noNs]"
        );
        let err = apply(
            &mut rs,
            json!({"source": {"kind": "Nope", "fieldPath": "x"}, "targets": [{"select": {}}]}),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "nothing selected by Nope.[noVer].[noGrp]/[noName].[noNs]:x"
        );
        let err = apply(
            &mut rs,
            json!({"source": {"name": "a", "fieldPath": "data"}, "targets": [{"select": {}}]}),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "fieldPath `data` is missing for replacement source [noKind].[noVer].[noGrp]/a.[noNs]"
        );
        let err = apply(&mut rs, json!({"source": {"name": "a"}})).unwrap_err();
        assert!(matches!(err, ReplacementError::MissingSourceOrTargets));
        let err = apply(
            &mut rs,
            json!({"source": {"name": "a"}, "targets": [{"fieldPaths": ["x"]}]}),
        )
        .unwrap_err();
        assert!(matches!(err, ReplacementError::TargetWithoutSelect));
    }

    #[test]
    fn missing_target_fields_are_errors_without_create() {
        let mut rs = vec![cm("a", json!({"k": "v"}))];
        let err = apply(
            &mut rs,
            json!({"source": {"name": "a"}, "targets": [{"select": {"name": "a"}, "fieldPaths": ["spec.x"]}]}),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "unable to find field \"spec.x\" in replacement target"
        );
        let err = apply(
            &mut rs,
            json!({"source": {"name": "a"}, "targets": [{"select": {"name": "a"},
                "fieldPaths": ["data.k.z"], "options": {"create": true}}]}),
        )
        .unwrap_err();
        assert!(
            err.to_string().starts_with(
                "unable to find or create field \"data.k.z\" in replacement target: wrong node kind: expected MappingNode but got ScalarNode"
            ),
            "{err}"
        );
    }

    #[test]
    fn selects_by_original_name_and_rejects() {
        let mut a = cm("a", json!({"v": "1"}));
        a.store_previous_id();
        a.set_name("p-a");
        let mut rs = vec![
            a,
            cm("b", json!({"v": "2"})),
            res(json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "c", "labels": {"skip": "yes"}}, "data": {"v": "3"}})),
        ];
        apply(
            &mut rs,
            json!({"source": {"name": "a", "fieldPath": "metadata.name"},
                   "targets": [{"select": {"kind": "ConfigMap"}, "fieldPaths": ["data.v"],
                                "reject": [{"name": "a"}, {"labelSelector": "skip=yes"}]}]}),
        )
        .unwrap();
        let v: Vec<_> = rs.iter().map(|r| r.object["data"]["v"].clone()).collect();
        assert_eq!(v, [json!("1"), json!("p-a"), json!("3")]);
    }

    #[test]
    fn null_targets_cannot_take_text() {
        let mut rs = vec![cm("a", json!({"n": null, "s": "8080"}))];
        let err = apply(
            &mut rs,
            json!({"source": {"name": "a", "fieldPath": "data.s"},
                   "targets": [{"select": {"name": "a"}, "fieldPaths": ["data.n"]}]}),
        )
        .unwrap_err();
        assert!(matches!(err, ReplacementError::TagMismatch(_)));
    }

    #[test]
    fn replacement_files_hold_a_map_or_a_list() {
        assert_eq!(file_entries(json!({"source": {}})).unwrap().len(), 1);
        assert_eq!(file_entries(json!([{}, {}])).unwrap().len(), 2);
        let err = file_entries(json!("x")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unsupported replacement type encountered within replacement path: string"
        );
    }

    #[test]
    fn path_entries_must_be_loaded() {
        let err = apply(&mut [], json!({"path": "r.yaml"})).unwrap_err();
        assert_eq!(err.to_string(), "replacement file 'r.yaml' was not loaded");
        let err = apply(&mut [], json!({"path": "r.yaml", "source": {}})).unwrap_err();
        assert!(matches!(err, ReplacementError::PathAndInline));
    }
}
