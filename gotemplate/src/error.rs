//! Errors with Go's texts and positions.

/// A parse or execution error. `Display` gives exactly Go's text, e.g.
/// `template: t:1:2: executing "t" at <nil>: nil is not a command`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The text does not parse: `template: NAME:LINE: MESSAGE`.
    #[error("template: {name}:{line}: {message}")]
    Parse {
        /// The name given to the parse (Go's `ParseName`).
        name: String,
        /// 1-based line of the offending item.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// Execution failed at a node:
    /// `template: LOCATION: executing "NAME" at <CONTEXT>: MESSAGE`.
    #[error("template: {location}: executing \"{name}\" at <{context}>: {message}")]
    Exec {
        /// `PARSENAME:LINE:COL` of the node (column is a 0-based byte offset).
        location: String,
        /// The executing template's name.
        name: String,
        /// The node as Go prints it.
        context: String,
        /// What went wrong.
        message: String,
    },
    /// Execution failed before reaching a node: `template: MESSAGE`
    /// (e.g. `no template "x" associated with template "y"`).
    #[error("template: {message}")]
    Template {
        /// What went wrong.
        message: String,
    },
    /// A bound of [`crate::Limits`] was exceeded.
    #[error("template: {name}: {message}")]
    Limit {
        /// The executing template.
        name: String,
        /// Which bound, and its value.
        message: String,
    },
}

/// The error a function returns; execution reports it as
/// `error calling NAME: MESSAGE` at the call's position.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct FuncError(pub String);

impl FuncError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        FuncError(message.into())
    }
}

impl From<Error> for FuncError {
    /// A template error raised inside a function (e.g. Helm's `include`)
    /// keeps its full Go text.
    fn from(e: Error) -> Self {
        FuncError(e.to_string())
    }
}
