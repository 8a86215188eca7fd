//! The patch transformers: `patches` entries (strategic merge or JSON 6902,
//! inline or from a file, with optional target selectors and options) and
//! the deprecated `patchesStrategicMerge` list.

use super::load::resources_from_bytes;
use super::target::{Accumulator, Target};
use crate::Error;
use crate::error::FieldError;
use crate::kustomization::Patch;
use crate::resmap::ResMap;
use crate::resource::Resource;
use crate::selector::Selector;
use crate::smp::Schema;
use crate::yaml::AnnotationText;
use crate::{json6902, smp, yaml};
use serde_json::Value;

/// A parsed patch: strategic merge documents or JSON 6902 operations.
enum Parsed {
    Strategic(Vec<Resource>),
    Json(Value),
}

impl Target {
    /// Reads a patch from `patch` text or the file at `path`; returns its
    /// text and a description for messages.
    fn patch_text(&self, entry: &Patch, field: &str) -> Result<(String, String), Error> {
        let inline = entry.patch.trim();
        match (inline.is_empty(), entry.path.is_empty()) {
            (true, true) => {
                Err(self.invalid_field(field, "must specify one of patch and path".into()))
            }
            (false, false) => {
                Err(self
                    .invalid_field(field, "patch and path can't be set at the same time".into()))
            }
            (false, true) => Ok((inline.to_owned(), format!("[patch: {inline:?}]"))),
            (true, false) => {
                let bytes = self.read_file(&entry.path, field)?;
                let text = String::from_utf8(bytes).map_err(|_| {
                    self.invalid_field(
                        field,
                        format!("patch file '{}' is not UTF-8 text", entry.path),
                    )
                })?;
                Ok((text, format!("[path: {:?}]", entry.path)))
            }
        }
    }

    /// Field `field` of this kustomization failed: `source` says why.
    pub(crate) fn field_error(&self, field: &str, source: impl Into<FieldError>) -> Error {
        Error::Field {
            path: self.file.clone(),
            field: field.to_owned(),
            source: Box::new(source.into()),
        }
    }

    /// Field `field` of this kustomization failed a check `message` describes.
    pub(crate) fn invalid_field(&self, field: &str, message: String) -> Error {
        self.field_error(field, FieldError::Invalid(message))
    }

    fn parse_patch(&self, text: &str, source: &str, field: &str) -> Result<Parsed, Error> {
        let strategic = resources_from_bytes(text.as_bytes(), &self.file).ok();
        let json = parse_json_ops(text);
        match (strategic, json) {
            (Some(_), Some(_)) => Err(self.invalid_field(
                field,
                format!("patch {source} illegally qualifies as both a strategic merge and a JSON 6902 patch"),
            )),
            (Some(docs), None) => Ok(Parsed::Strategic(docs)),
            (None, Some(ops)) => Ok(Parsed::Json(ops)),
            (None, None) => Err(self.invalid_field(
                field,
                format!("unable to parse {source} as a strategic merge patch or a JSON 6902 patch"),
            )),
        }
    }

    /// Applies one `patches` (or `patchesJson6902`) entry.
    pub(crate) fn apply_patch(
        &self,
        acc: &mut Accumulator,
        entry: &Patch,
        schema: &Schema,
        field: &str,
    ) -> Result<(), Error> {
        let (text, source) = self.patch_text(entry, field)?;
        let target = entry
            .target
            .as_ref()
            .map(|t| serde_json::from_value::<Selector>(t.clone()))
            .transpose()
            .map_err(|e| self.field_error(field, FieldError::within("target", e)))?
            .map(|s| s.compile())
            .transpose()
            .map_err(|e| self.field_error(field, FieldError::within("target", e)))?;
        let allow_name = entry
            .options
            .get("allowNameChange")
            .copied()
            .unwrap_or(false);
        let allow_kind = entry
            .options
            .get("allowKindChange")
            .copied()
            .unwrap_or(false);
        match self.parse_patch(&text, &source, field)? {
            Parsed::Strategic(mut patches) => {
                for p in &mut patches {
                    p.allow_name_change = allow_name;
                    p.allow_kind_change = allow_kind;
                }
                match target {
                    Some(selector) => {
                        let [patch] = patches.as_slice() else {
                            return Err(self.invalid_field(field, format!(
                                "Multiple Strategic-Merge Patches in one `patches` entry is not allowed to set `patches.target` field: {source}"
                            )));
                        };
                        let selected = acc.res.select(&selector);
                        apply_strategic_to(&mut acc.res, &selected, patch, schema)
                            .map_err(|e| self.field_error(field, FieldError::within(&source, e)))
                    }
                    None => patches.iter().try_for_each(|patch| {
                        let id = patch.original_id();
                        let i = acc.res.index_by_any_id(&id).map_err(|e| {
                            self.invalid_field(
                                field,
                                format!("no resource matches strategic merge patch \"{id}\": {e}"),
                            )
                        })?;
                        apply_strategic_to(&mut acc.res, &[i], patch, schema)
                            .map_err(|e| self.field_error(field, FieldError::within(&source, e)))
                    }),
                }
            }
            Parsed::Json(ops) => {
                let Some(selector) = target else {
                    return Err(self.invalid_field(
                        field,
                        format!("must specify a target for JSON patch {source}"),
                    ));
                };
                for i in acc.res.select(&selector) {
                    let res = &mut acc.res.resources_mut()[i];
                    res.store_previous_id();
                    let mut doc = Value::Object(std::mem::take(&mut res.object));
                    let added = ensure_annotations(&mut doc);
                    // A failure ends the build, so the object need not survive it.
                    let outcome = json6902::apply_in_place(&mut doc, &ops);
                    if added {
                        drop_empty_annotations(&mut doc);
                    }
                    if let Value::Object(m) = doc {
                        res.object = m;
                    }
                    // kustomize applies the patch to the object's JSON and
                    // reads it back: every null comes back spelled, every
                    // annotation as its value.
                    res.empty_fields.clear();
                    res.annotation_texts.clear();
                    outcome.map_err(|e| self.field_error(field, FieldError::within(&source, e)))?;
                }
                Ok(())
            }
        }
    }

    /// Applies the `patchesStrategicMerge` entries (inline documents or files).
    pub(crate) fn apply_patches_strategic_merge(
        &self,
        acc: &mut Accumulator,
        schema: &Schema,
    ) -> Result<(), Error> {
        match &self.k.patches_strategic_merge {
            Some(entries) => {
                self.apply_strategic_merge_entries(acc, entries, schema, "patchesStrategicMerge")
            }
            None => Ok(()),
        }
    }

    /// Applies strategic merge patches given as inline documents or files,
    /// each to the one resource its id names.
    pub(crate) fn apply_strategic_merge_entries(
        &self,
        acc: &mut Accumulator,
        entries: &[String],
        schema: &Schema,
        field: &str,
    ) -> Result<(), Error> {
        let mut patches = Vec::new();
        for entry in entries {
            match resources_from_bytes(entry.as_bytes(), &self.file) {
                Ok(docs) if !docs.is_empty() => patches.extend(docs),
                _ => {
                    let bytes = self.read_file(entry, field)?;
                    let path = self.loader.resolve(entry);
                    patches.extend(resources_from_bytes(&bytes, &path)?);
                }
            }
        }
        if patches.is_empty() {
            return Err(self.invalid_field(
                field,
                format!("patch appears to be empty; files={entries:?}"),
            ));
        }
        for patch in &patches {
            let id = patch.original_id();
            let i = acc.res.index_by_any_id(&id).map_err(|e| {
                self.invalid_field(
                    field,
                    format!("{e}; failed to find unique target for patch {id}"),
                )
            })?;
            apply_strategic_to(&mut acc.res, &[i], patch, schema)
                .map_err(|e| self.field_error(field, e))?;
        }
        Ok(())
    }
}

/// JSON 6902 operations from patch text (a JSON array, or YAML). Empty text
/// (only comments) parses as no operations, as kustomize's decoder allows.
fn parse_json_ops(text: &str) -> Option<Value> {
    let value = if text.trim_start().starts_with('[') {
        serde_json::from_str(text)
            .ok()
            .or_else(|| yaml::parse_document(text).ok())?
    } else {
        yaml::parse_document(text).ok()?
    };
    match value {
        Value::Array(_) => Some(value),
        Value::Null => Some(Value::Array(Vec::new())),
        _ => None,
    }
}

/// Applies a strategic merge patch to the resources at `indices`, keeping
/// their name, kind and namespace unless the patch allows changing them, and
/// dropping those the patch deletes.
fn apply_strategic_to(
    res: &mut ResMap,
    indices: &[usize],
    patch: &Resource,
    schema: &Schema,
) -> Result<(), smp::SmpError> {
    let mut deleted = Vec::new();
    for &i in indices {
        let r = &mut res.resources_mut()[i];
        let (name, namespace, kind) = (
            r.name().to_owned(),
            r.namespace().to_owned(),
            r.kind().to_owned(),
        );
        let mut patch_obj = patch.object.clone();
        if let Some(v) = r.object.get("apiVersion") {
            patch_obj.insert("apiVersion".into(), v.clone());
        }
        if patch.allow_name_change || patch.allow_kind_change {
            r.store_previous_id();
        }
        let target = smp::Marked {
            value: Value::Object(std::mem::take(&mut r.object)),
            blanks: std::mem::take(&mut r.empty_fields),
        };
        let patch_doc = smp::Marked {
            value: Value::Object(patch_obj),
            blanks: patch.empty_fields.clone(),
        };
        match smp::merge_marked(target, patch_doc, schema)? {
            Some(smp::Marked {
                value: Value::Object(m),
                blanks,
            }) if !m.is_empty() => {
                r.object = m;
                r.empty_fields = blanks;
                merge_annotation_texts(&mut r.annotation_texts, &patch.annotation_texts);
                if !patch.allow_kind_change {
                    r.set_kind(&kind);
                }
                if !patch.allow_name_change {
                    r.set_name(&name);
                }
                r.set_namespace(&namespace);
            }
            _ => deleted.push(i),
        }
    }
    if !deleted.is_empty() {
        let kept = std::mem::take(res)
            .into_resources()
            .into_iter()
            .enumerate()
            .filter(|(i, _)| !deleted.contains(i))
            .map(|(_, r)| r)
            .collect();
        res.replace_all(kept);
    }
    Ok(())
}

/// Gives `doc` an empty `metadata.annotations` when it has none (or null);
/// whether it did. Kustomize keeps internal annotations on every resource
/// while it builds, so a JSON patch finds the map even on a resource
/// without annotations (`add /metadata/annotations/x` works there, where
/// `add /metadata/labels/x` fails).
fn ensure_annotations(doc: &mut Value) -> bool {
    let Some(meta) = doc.get_mut("metadata").and_then(Value::as_object_mut) else {
        return false;
    };
    if meta.get("annotations").is_some_and(|a| !a.is_null()) {
        return false;
    }
    meta.insert("annotations".into(), Value::Object(Default::default()));
    true
}

/// Removes `metadata.annotations` when it is an empty map.
fn drop_empty_annotations(doc: &mut Value) {
    if let Some(meta) = doc.get_mut("metadata").and_then(Value::as_object_mut)
        && meta
            .get("annotations")
            .and_then(Value::as_object)
            .is_some_and(|a| a.is_empty())
    {
        meta.remove("annotations");
    }
}

/// The annotation texts of a resource after a strategic merge patch: the
/// patch's, and the resource's for the keys the patch does not set.
fn merge_annotation_texts(texts: &mut Vec<AnnotationText>, patch: &[AnnotationText]) {
    texts.retain(|t| !patch.iter().any(|p| p.key == t.key));
    texts.extend_from_slice(patch);
}
