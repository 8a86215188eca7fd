//! Minimal-diff edits of YAML text: kustomize's `edit add|set|remove|fix`
//! and `create` on a kustomization (`commands`, `fix` and `convert` (`fix
//! --vars`, which also rewrites resource files), and `kustomization` for
//! `set image`). `fields` holds the generic edits they are made of: set a
//! field, append items to a list, remove items or fields, replace a field
//! where it stands, each on the mapping at a path of keys and indices; one
//! of them, [`upsert_string_item`], is public for other YAML files (the
//! engine sets images in Argo CD's `.argocd-source-<app>.yaml` with it).
//!
//! The text is parsed with saphyr-parser, whose events carry spans, and only
//! the bytes of the changed scalars are rewritten; removed fields and items
//! lose their lines, and added fields, entries and keys are inserted in the
//! indentation the file already uses (sequence dash column and gap copied
//! from an existing entry or another top-level sequence, nested mappings
//! indented as another top-level mapping). Comments, key order, quoting,
//! blank lines and line endings (`\n` or `\r\n`) elsewhere are kept byte for
//! byte. Flow style stays flow: `resources: [a, b]` gets new items before the
//! `]`, a whole `{...}` document new fields before the `}`, and removals
//! rewrite the flow collection. An edited value keeps its quoting style
//! unless it cannot hold the new value; a plain value that would read back
//! as a non-string (`"1234"`, `"yes"`) is double-quoted, and multi-line text
//! is a literal block (`|`, `|-`). Every result is checked to parse again.
//!
//! Fields are found as kustomize reads them: names match ignoring ASCII
//! case, and of several spellings the one kustomize uses is edited (see
//! `tree::Node::get_ci`); the deprecated `imageTags` list is searched too.
//!
//! Deliberate differences from kustomize, which re-reads the file into its
//! Kustomization type and re-emits all of it in its field order (adding
//! `apiVersion`/`kind` and folding `bases` into `resources` on every edit):
//! - new fields go at the end of the mapping, new entries at the end of
//!   their list (in argument order), and lists are not re-sorted
//!   (`set replicas` and `set image` sort by name in kustomize); only
//!   `edit fix` adds `apiVersion`/`kind` and moves deprecated fields;
//! - `set image` edits every entry with the edited name (kustomize merges
//!   duplicates into one); an empty image name is an error;
//! - `set buildmetadata` rewrites the list only when it differs;
//! - `add label --without-selector` reuses a matching `labels` entry, as
//!   kustomize 5.6 does (5.5 appended a new entry each time), and `remove
//!   component` (kustomize 5.6) is supported;
//! - `remove annotation`'s errors say "annotation" (kustomize 5.5 says
//!   "label"); kustomize's notes name a patch by Go's `%#v`, ours plainly;
//! - `add configmap|secret` checks the sources by generating the object in
//!   the CLI (kustomize does that in the command); a new entry's keys are
//!   in kustomize's (sorted) order, as are new `replicas` and `patches`
//!   entries;
//! - `edit fix` does not convert `helmChartInflationGenerator`, and places
//!   `apiVersion`/`kind` first; `convert_vars` (`edit fix --vars`) lists its
//!   own differences.
//!
//! Removing the first field of an entry (on its `- ` line) also removes
//! comment lines between it and the next kept field; a field on a `- ` line
//! cannot be removed by `fields::remove_keys` (it is reported as
//! unsupported). A removed list item takes its line, trailing comment
//! included; a list or string map left empty is removed with its key, as
//! kustomize's `omitempty` does.

mod arg;
mod commands;
mod convert;
mod fields;
mod fix;
mod kustomization;
mod layout;
mod text;
mod tree;

pub use arg::{FieldEdit, ImageEdit, ImageFields, split_image};
pub use commands::{
    BUILD_METADATA_OPTIONS, CreateOptions, Edited, GeneratorFlags, Metadata, Patch, TARGET_FIELDS,
    add_bases, add_build_metadata, add_components, add_generator, add_generator_files,
    add_labels_without_selector, add_metadata, add_patch, add_resources, add_transformer_files,
    create, parse_annotation_pairs, parse_build_metadata, parse_keys, parse_pairs, parse_replica,
    remove_build_metadata, remove_components, remove_generators, remove_metadata, remove_patch,
    remove_resources, set_build_metadata, set_field, set_generator, set_replicas,
};
pub use convert::{ConvertedVars, convert_vars};
pub use fields::upsert_string_item;
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
    #[error("{field} (line {line}): expected {expected}")]
    WrongKind {
        /// Path of the field, like `images[1].newTag`.
        field: String,
        /// The line of the value (from 1).
        line: usize,
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
    /// A file `edit fix --vars` reads (a kustomization, or a field of it)
    /// is invalid; the message names the file.
    #[error("{message}")]
    Invalid {
        /// The file, relative to the kustomization's directory.
        path: String,
        /// What is wrong, after the file's name.
        message: String,
    },
    /// `edit fix --vars` cannot convert a var's usage in a file (a
    /// `$(NAME)` inside a value without the same character on both sides).
    #[error("error with {file}: {reason}")]
    VarUsage {
        /// The file, relative to the kustomization's directory.
        file: String,
        /// Why, in kustomize's words.
        reason: String,
    },
    /// The editor went wrong (its edits overlap or their result does not
    /// parse); this is a bug in the editor, and no text is returned.
    #[error("internal error: {0}")]
    Broken(String),
}

#[cfg(test)]
mod command_tests;
#[cfg(test)]
mod convert_tests;
#[cfg(test)]
mod tests;
