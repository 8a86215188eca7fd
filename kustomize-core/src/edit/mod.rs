//! Minimal-diff edits of YAML text: set an image in a kustomization's
//! `images` (what `kustomize edit set image` does) or in an Argo CD
//! `.argocd-source-<app>.yaml` override file.
//!
//! The text is parsed with saphyr-parser, whose events carry spans, and only
//! the bytes of the changed scalars are rewritten; removed fields lose their
//! lines, and added fields, entries and keys are inserted in the indentation
//! the file already uses (sequence dash column and gap copied from an
//! existing entry or another top-level sequence). Comments, key order,
//! quoting, blank lines and line endings (`\n` or `\r\n`) elsewhere are kept
//! byte for byte. A flow-style `images: [...]` stays flow: matching
//! `{...}` entries are rewritten in place and new entries go before the `]`.
//! An edited value keeps its quoting style unless it cannot hold the new
//! value; a plain value that would read back as a non-string (`"1234"`,
//! `"yes"`) is double-quoted. Every result is checked to parse again.
//!
//! Fields are found as kustomize reads them: names match ignoring ASCII
//! case, and of several spellings the one kustomize uses is edited (see
//! `tree::Node::get_ci`); the deprecated `imageTags` list is searched too.
//!
//! Deliberate differences from `kustomize edit set image`, which re-emits the
//! whole file: entries are not re-sorted by name (new ones are appended), and
//! every entry with the edited name is edited (kustomize merges duplicates
//! into one); an empty image name is an error. Removing the first field of
//! an entry (on its `- ` line) also removes comment lines between it and the
//! next kept field. The resulting image data otherwise match kustomize's.

mod arg;
mod argocd_source;
mod commands;
mod fields;
mod fix;
mod kustomization;
mod layout;
mod text;
mod tree;

pub use arg::{FieldEdit, ImageEdit, ImageFields, split_image};
pub use argocd_source::set_argocd_source_image;
pub use commands::{
    BUILD_METADATA_OPTIONS, CreateOptions, Edited, Metadata, Patch, TARGET_FIELDS, add_bases,
    add_build_metadata, add_components, add_labels_without_selector, add_metadata, add_patch,
    add_resources, create, parse_annotation_pairs, parse_build_metadata, parse_keys, parse_pairs,
    parse_replica, remove_build_metadata, remove_components, remove_metadata, remove_patch,
    remove_resources, set_build_metadata, set_field, set_replicas,
};
pub use fix::fix;
pub use kustomization::{set_image, set_images};

/// Why an edit could not be made. The input text is never half-edited.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EditError {
    /// An image argument is not one of `kustomize edit set image`'s forms.
    #[error("invalid image argument {arg:?}: {reason}")]
    InvalidImageArg {
        /// The argument as given.
        arg: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The text is not valid YAML.
    #[error("{0}")]
    Yaml(#[from] crate::yaml::YamlError),
    /// A field holds a value of the wrong kind.
    #[error("{field}: expected {expected}")]
    WrongKind {
        /// Path of the field, like `images[1].newTag`.
        field: String,
        /// What it should hold.
        expected: &'static str,
    },
    /// A kustomize command refused its arguments or the file's content;
    /// the message is kustomize's.
    #[error("{0}")]
    Refused(String),
    /// The YAML uses a construct this editor does not rewrite.
    #[error("{field}: cannot edit {construct}")]
    Unsupported {
        /// Path of the field.
        field: String,
        /// The construct in the way.
        construct: &'static str,
    },
    /// The editor went wrong (its edits overlap or their result does not
    /// parse); this is a bug in the editor, and no text is returned.
    #[error("internal error: {0}")]
    Broken(String),
}

#[cfg(test)]
mod command_tests;
#[cfg(test)]
mod tests;
