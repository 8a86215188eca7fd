//! Errors of ApplicationSet generation and rendering.
//!
//! Messages follow Argo CD's wording where users grep for it (the generator
//! errors below), prefixed so that a condition names the generator and field.

use thiserror::Error;

/// Why an ApplicationSet could not produce its Applications.
#[derive(Debug, Error)]
pub enum AppSetError {
    /// A field of the ApplicationSet has the wrong shape.
    #[error("applicationset {appset:?}: field {field}: {message}")]
    InvalidField {
        /// Name of the ApplicationSet (`<unnamed>` when it has none).
        appset: String,
        /// Path of the offending field.
        field: String,
        /// What the parser objected to.
        message: String,
    },
    /// A generator entry sets no known generator.
    #[error("generator {index}: no recognized generator is set")]
    UnrecognizedGenerator {
        /// Position in `spec.generators`.
        index: usize,
    },
    /// A generator kind this engine accepts but does not run.
    #[error("{kind} generator is not supported yet")]
    UnsupportedGenerator {
        /// The generator's field name (`pullRequest`, `scmProvider`, `plugin`).
        kind: &'static str,
    },
    /// The git generator's repository could not list its directories.
    #[error("error generating params from git: error getting directories from repo: {0}")]
    GitDirectories(String),
    /// The git generator's repository could not list its files.
    #[error("error generating params from git: {0}")]
    GitFiles(String),
    /// A git generator file is not a JSON/YAML object or list of objects.
    #[error(
        "error generating params from git: unable to process file '{path}' from repository '{repo}': unable to parse file: {message}"
    )]
    GitFileParse {
        /// Path of the file in the repository.
        path: String,
        /// `repoURL` of the generator.
        repo: String,
        /// What the parser objected to.
        message: String,
    },
    /// A git generator sets neither `directories` nor `files`.
    #[error("git generator: one of directories or files must be set")]
    GitNothingRequested,
    /// Cluster Secrets could not be listed.
    #[error("error getting cluster secrets: {0}")]
    ClusterSecrets(String),
    /// Decision resources of a clusterDecisionResource generator could not be read.
    #[error("clusterDecisionResource generator: {0}")]
    DecisionResource(String),
    /// A `list` element is not usable as a parameter set.
    #[error("list generator: element {index}: {message}")]
    ListElement {
        /// Position of the element.
        index: usize,
        /// What is wrong.
        message: String,
    },
    /// `elementsYaml` is not a YAML list of objects.
    #[error("list generator: elementsYaml: {0}")]
    ElementsYaml(String),
    /// A matrix has fewer than two children.
    #[error("found less than two generators, Matrix support only two")]
    MatrixTooFew,
    /// A matrix has more than two children.
    #[error("found more than two generators, Matrix support only two")]
    MatrixTooMany,
    /// A matrix or merge child sets more than one generator.
    #[error("found more than one generator in matrix.Generators")]
    ChildWithSeveralGenerators,
    /// A matrix or merge child produced nothing usable.
    #[error("child generator generated no parameters")]
    ChildWithoutGenerator,
    /// Matrix/merge nested deeper than one level.
    #[error("matrix and merge generators can be nested only one level deep")]
    NestedTooDeep,
    /// Two plain (string) parameter sets of a matrix disagree on a key.
    #[error("found duplicate key {key} with different value, a: {a} ,b: {b}")]
    MatrixConflict {
        /// The key.
        key: String,
        /// Value from the first child.
        a: String,
        /// Value from the second child.
        b: String,
    },
    /// A matrix or merge child failed; the inner error says why.
    #[error("{context}: {source}")]
    Child {
        /// Which child (`matrix` first/second generator, `merge` child).
        context: &'static str,
        /// The child's error.
        source: Box<AppSetError>,
    },
    /// A merge has fewer than two children.
    #[error("found less than two generators, Merge requires two or more")]
    MergeTooFew,
    /// A merge has no `mergeKeys`.
    #[error("no merge keys were specified, Merge requires at least one")]
    NoMergeKeys,
    /// Two parameter sets of one merge child share their merge-key values.
    #[error(
        "the parameters from a generator were not unique by the given mergeKeys, Merge requires all param sets to be unique. Duplicate key was {0}"
    )]
    MergeKeyNotUnique(String),
    /// A label selector is malformed.
    #[error("invalid selector: {0}")]
    InvalidSelector(String),
    /// A `{{...}}` template is malformed.
    #[error("invalid template: {0}")]
    InvalidTemplate(String),
    /// A Go template does not parse.
    #[error("failed to parse template {template}: {message}")]
    GoTemplateParse {
        /// The template text.
        template: String,
        /// Go's parse error.
        message: String,
    },
    /// A Go template failed while executing (e.g. `missingkey=error`).
    #[error("failed to execute go template {template}: {message}")]
    GoTemplateExecute {
        /// The template text.
        template: String,
        /// Go's execution error.
        message: String,
    },
    /// `templatePatch` is not valid YAML/JSON after rendering, or does not apply.
    #[error("templatePatch: {0}")]
    TemplatePatch(String),
    /// The template is not an Application object.
    #[error("template: {0}")]
    Template(String),
    /// A generated Application has no name.
    #[error("application generated from parameter set {index} has an empty name")]
    EmptyName {
        /// Position of the parameter set in generation order.
        index: usize,
    },
    /// Two generated Applications have the same name.
    #[error("ApplicationSet {appset} contains applications with duplicate name: {name}")]
    DuplicateName {
        /// Name of the ApplicationSet.
        appset: String,
        /// The repeated Application name.
        name: String,
    },
    /// A generator-level error, with the generator's position for the condition message.
    #[error("generator {index} ({kind}): {source}")]
    Generator {
        /// Position in `spec.generators`.
        index: usize,
        /// Field name of the generator.
        kind: &'static str,
        /// What went wrong.
        source: Box<AppSetError>,
    },
}

impl From<crate::object::InvalidLabelSelector> for AppSetError {
    fn from(e: crate::object::InvalidLabelSelector) -> Self {
        Self::InvalidSelector(e.0)
    }
}
