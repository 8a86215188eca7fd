//! kustomize's `ValueAddTransformer`: puts one string into a field of the
//! selected resources, creating the field (and the maps above it) when
//! missing, or inserts it into a file path the field already holds.

use super::{TransformError, scalar_text, wrong_kind};
use crate::fieldspec::FieldSpecError;
use crate::resource::Resource;
use serde_json::{Map, Value};

/// Adds `value` at `field_path` (`/`-separated, `\/` escapes a slash;
/// `[key=value]` picks a list element) of each resource. With a
/// `file_path_position` above zero, the field's current value is taken as a
/// path and `value` is inserted as its `file_path_position`-th part.
pub fn add_value<'r>(
    resources: impl IntoIterator<Item = &'r mut Resource>,
    value: &str,
    field_path: &str,
    file_path_position: usize,
) -> Result<(), TransformError> {
    let fields = split_field_path(field_path);
    for res in resources {
        let object = res.id().to_string();
        let field_error = |reason: String| FieldSpecError::Field {
            path: field_path.to_owned(),
            object: object.clone(),
            reason,
        };
        let slot = lookup_create(&mut res.object, &fields).map_err(field_error)?;
        let Some(current) = scalar_text(slot) else {
            let reason = wrong_kind("ScalarNode", slot);
            return Err(field_error(reason).into());
        };
        *slot = Value::String(if file_path_position > 0 {
            insert_path_part(&current, file_path_position - 1, value)
        } else {
            value.to_owned()
        });
    }
    Ok(())
}

/// The fields of a `/`-separated path, a field ending in `\` joined with the
/// next by a literal slash.
fn split_field_path(path: &str) -> Vec<String> {
    let mut fields: Vec<String> = Vec::new();
    for part in path.split('/') {
        match fields.last_mut() {
            Some(last) if last.ends_with('\\') => {
                last.pop();
                last.push('/');
                last.push_str(part);
            }
            _ => fields.push(part.to_owned()),
        }
    }
    fields
}

/// The value at `fields`, with missing maps, list elements and the final
/// field created.
fn lookup_create<'a>(
    object: &'a mut Map<String, Value>,
    fields: &[String],
) -> Result<&'a mut Value, String> {
    let Some((first, rest)) = fields.split_first() else {
        return Err("fieldPath cannot be empty".into());
    };
    let mut node = object.entry(first.as_str()).or_insert(Value::Null);
    for field in rest {
        if node.is_null() {
            *node = if is_element_selector(field) {
                Value::Array(Vec::new())
            } else {
                Value::Object(Map::new())
            };
        }
        node = match node {
            Value::Object(m) => m.entry(field.as_str()).or_insert(Value::Null),
            Value::Array(items) => list_element(items, field)?,
            other => return Err(wrong_kind("MappingNode", other)),
        };
    }
    Ok(node)
}

/// Whether a field is a `[key=value]` list element selector.
fn is_element_selector(field: &str) -> bool {
    field.starts_with('[') && field.ends_with(']') && field.contains('=')
}

/// The element of a list a `[key=value]` field names, appended when absent.
fn list_element<'a>(items: &'a mut Vec<Value>, field: &str) -> Result<&'a mut Value, String> {
    let (key, wanted) = field
        .strip_prefix('[')
        .and_then(|f| f.strip_suffix(']'))
        .and_then(|f| f.split_once('='))
        .ok_or_else(|| format!("a list needs a [key=value] field, not {field:?}"))?;
    let found = items
        .iter()
        .position(|i| i.get(key).and_then(Value::as_str) == Some(wanted));
    let index = found.unwrap_or_else(|| {
        let mut element = Map::new();
        element.insert(key.to_owned(), Value::String(wanted.to_owned()));
        items.push(Value::Object(element));
        items.len() - 1
    });
    Ok(&mut items[index])
}

/// `path` with `part` inserted as its `pos`-th element (0 first; past the
/// end appends); a leading `/` stays, and the result is cleaned as Go's
/// `filepath.Join` cleans it.
fn insert_path_part(path: &str, pos: usize, part: &str) -> String {
    if part.is_empty() {
        return path.to_owned();
    }
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let pos = pos.min(parts.len());
    parts.insert(pos, part);
    let cleaned = clean(&parts, absolute);
    if absolute {
        format!("/{cleaned}")
    } else if cleaned.is_empty() {
        ".".to_owned()
    } else {
        cleaned
    }
}

/// Lexically resolves `.` and `..` parts, as Go's `filepath.Clean`.
fn clean(parts: &[&str], absolute: bool) -> String {
    let mut out: Vec<&str> = Vec::with_capacity(parts.len());
    for &p in parts {
        match p {
            "." => {}
            ".." if out.last().is_some_and(|l| *l != "..") => {
                out.pop();
            }
            ".." if absolute => {}
            p => out.push(p),
        }
    }
    out.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserts_path_parts_as_kustomize_documents() {
        for (old, pos, new) in [
            ("", 0, "PEACH"),
            ("/", 5, "/PEACH"),
            ("pie", 0, "PEACH/pie"),
            ("/pie", 0, "/PEACH/pie"),
            ("raw", 1, "raw/PEACH"),
            ("/raw", 9, "/raw/PEACH"),
            ("a/nice/warm/pie", 3, "a/nice/warm/PEACH/pie"),
            ("/a/nice/warm/pie", 3, "/a/nice/warm/PEACH/pie"),
        ] {
            assert_eq!(insert_path_part(old, pos, "PEACH"), new, "{old} at {pos}");
        }
    }

    #[test]
    fn splits_escaped_slashes() {
        assert_eq!(
            split_field_path(r"metadata/annotations/a.io\/b"),
            ["metadata", "annotations", "a.io/b"]
        );
    }
}
