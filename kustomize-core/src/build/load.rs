//! Turning the bytes of a resource file into resources, as kustomize does:
//! empty documents dropped, `kind` and `metadata.name` required, `*List`
//! documents expanded into their items (null list entries are kept, as
//! kustomize 5.5 keeps them).

use crate::resource::Resource;
use crate::yaml::Document;
use crate::{Error, yaml};
use serde_json::Value;
use std::collections::VecDeque;
use std::path::Path;

/// Parses every document of a resource file into resources.
pub(crate) fn resources_from_bytes(bytes: &[u8], path: &Path) -> Result<Vec<Resource>, Error> {
    let invalid = |message: String| Error::Invalid {
        path: path.to_path_buf(),
        message,
    };
    let text = std::str::from_utf8(bytes).map_err(|e| invalid(format!("not UTF-8 text: {e}")))?;
    let docs = yaml::parse_resource_documents(text).map_err(|source| Error::Yaml {
        path: path.to_path_buf(),
        source,
    })?;
    let mut queue = VecDeque::from(docs);
    let mut out = Vec::new();
    while let Some(Document {
        value,
        empty_fields,
        annotation_texts,
    }) = queue.pop_front()
    {
        let mut map = match value {
            Value::Null => continue,
            Value::Object(m) if m.is_empty() => continue,
            Value::Object(m) => m,
            other => {
                return Err(invalid(format!(
                    "expected a Kubernetes object (a map), found {}",
                    crate::value_kind::describe(&other)
                )));
            }
        };
        let kind = map
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        if kind.is_empty() {
            return Err(invalid("missing kind in object".into()));
        }
        if kind.ends_with("List") {
            match map.remove("items") {
                None => {}
                Some(Value::Null) => continue,
                Some(Value::Array(items)) => {
                    // kustomize re-reads list items from JSON: their
                    // empty values are plain nulls, their annotations values.
                    queue.extend(items.into_iter().map(|value| Document {
                        value,
                        empty_fields: Vec::new(),
                        annotation_texts: Vec::new(),
                    }));
                    continue;
                }
                Some(other) => {
                    return Err(invalid(format!(
                        "expected array in {kind}/items, but found {}",
                        crate::value_kind::describe(&other)
                    )));
                }
            }
        } else {
            let name = map
                .get("metadata")
                .and_then(|m| m.get("name"))
                .and_then(Value::as_str);
            if name.is_none_or(str::is_empty) {
                return Err(invalid(format!(
                    "missing metadata.name in object of kind {kind}"
                )));
            }
        }
        let mut res = Resource::new(map);
        res.empty_fields = empty_fields;
        res.annotation_texts = annotation_texts;
        out.push(res);
    }
    Ok(out)
}
