//! Strategic merge patch as Kustomize 5.5 applies `patches:` and
//! `patchesStrategicMerge:` entries (kyaml's `merge2` walker, not
//! apimachinery's strategic merge), with the patch-merge keys of built-in
//! Kubernetes types or of a custom OpenAPI document.
//!
//! What the merge does, in kyaml's terms:
//! - maps merge field by field; a `null` in the patch removes the field;
//! - `$patch: delete` on a map removes it (on the top-level map: the whole
//!   resource), `$patch: replace` takes the patch's map instead of merging,
//!   `$patch: merge` is the default; a list element `{$patch: <d>}` alone
//!   applies `<d>` to the whole list;
//! - lists whose schema strategy includes `merge` are associative: elements
//!   merge by the merge keys (`x-kubernetes-list-map-keys` when present, else
//!   `x-kubernetes-patch-merge-key`), patch elements first in patch order, then
//!   the target's remaining elements; lists of scalars (e.g. `finalizers`)
//!   become the union, patch values first;
//! - every other list, and every list of a kind the schema does not know
//!   (CRDs without a custom schema), is replaced by the patch's list;
//! - `$setElementOrder/…`, `$retainKeys` and `$deleteFromPrimitiveList/…` are
//!   not directives here: kyaml copies them into the result as plain fields.
//!
//! The schema of the top level is found from the target's `apiVersion` and
//! `kind` (then the patch's), and likewise for any nested map with no schema
//! that names its own `apiVersion` and `kind`, as kyaml does.
//!
//! Nulls: kyaml tells a key given no value (`key:`) from a spelled-out
//! `null` or `~`. Where the walk goes (maps, and the elements of lists it
//! merges) a patch's null removes the field, and a target's null the patch
//! says nothing about stays when spelled and goes when blank. Lists it
//! replaces whole are not walked: nulls inside them stay, blank or not.
//! JSON values hold spelled nulls only; a build tells the merge where its
//! resources hold blank ones.

mod assoc;
#[rustfmt::skip]
mod builtin_schema;
mod schema;
mod tree;
mod walk;

pub use schema::{At, Schema};

use crate::yaml::FieldPath;
use serde_json::Value;
use tree::Tree;
use walk::Walker;

/// Why a strategic merge patch could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SmpError {
    /// Target and patch disagree about the kind of node at a field.
    #[error(
        "strategic merge patch: field {path}: wrong node kind: expected {expected} but got {found}"
    )]
    WrongKind {
        /// Dotted field path.
        path: String,
        /// The kind seen first (kyaml's node kind name).
        expected: &'static str,
        /// The other kind.
        found: &'static str,
    },
    /// `$patch` holds something other than `delete`, `replace` or `merge`.
    #[error("strategic merge patch: field {path}: unknown patch strategy '{value}'")]
    UnknownDirective {
        /// Dotted field path.
        path: String,
        /// The value found.
        value: String,
    },
    /// A custom OpenAPI document is not usable.
    #[error("invalid OpenAPI schema: {0}")]
    InvalidSchema(String),
}

/// Applies `patch` to `target` and returns the result, or `None` when the
/// patch deletes the resource (`$patch: delete` at its top level).
///
/// The caller restores name, namespace and kind afterwards as kustomize does;
/// this function only merges.
pub fn merge(target: &Value, patch: &Value, schema: &Schema) -> Result<Option<Value>, SmpError> {
    merge_owned(target.clone(), patch.clone(), schema)
}

/// [`merge`], taking target and patch by value so that their contents move
/// into the result instead of being copied.
pub fn merge_owned(
    target: Value,
    patch: Value,
    schema: &Schema,
) -> Result<Option<Value>, SmpError> {
    let merged = merge_marked(Marked::from(target), Marked::from(patch), schema)?;
    Ok(merged.map(|m| m.value))
}

/// A document with the places where YAML gave a key no value (`key:`),
/// which JSON cannot tell from `null`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Marked {
    /// The document.
    pub(crate) value: Value,
    /// Where `value` holds a null that was a key's missing value.
    pub(crate) blanks: Vec<FieldPath>,
}

impl From<Value> for Marked {
    fn from(value: Value) -> Self {
        Marked {
            value,
            blanks: Vec::new(),
        }
    }
}

/// [`merge_owned`] for documents whose blank nulls are known; the result
/// says where the blank nulls that survived the merge are.
pub(crate) fn merge_marked(
    target: Marked,
    patch: Marked,
    schema: &Schema,
) -> Result<Option<Marked>, SmpError> {
    let mut tree = Tree::default();
    let [dest, origin] = [target, patch].map(|doc| {
        let root = tree.add(doc.value);
        for path in &doc.blanks {
            tree.mark_blank(root, path);
        }
        root
    });
    let mut walker = Walker {
        tree,
        schema,
        path: Vec::new(),
    };
    let merged = walker.walk([Some(dest), Some(origin)], None)?;
    match merged.filter(|&id| !walker.tree.missing_or_null(Some(id))) {
        Some(id) => {
            let blanks = walker.tree.blank_paths(id);
            let value = walker.tree.into_value(id);
            Ok(Some(Marked { value, blanks }))
        }
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests;
