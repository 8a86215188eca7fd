//! Errors of the Application model and its pure reconciliation logic.

use thiserror::Error;

/// Why an Application could not be read or an action on it was refused.
#[derive(Debug, Error)]
pub enum AppError {
    /// The object is not an `argoproj.io` `Application`.
    #[error("application {app:?}: not an Application: {problem}")]
    NotAnApplication {
        /// Name of the object (`<unnamed>` when it has none).
        app: String,
        /// What was wrong (kind or apiVersion found).
        problem: String,
    },
    /// A field has the wrong shape.
    #[error("application {app:?}: field {field}: {message}")]
    InvalidField {
        /// Name of the application (`<unnamed>` when it has none).
        app: String,
        /// Path of the offending field, e.g. `spec.syncPolicy.retry.limit`.
        field: String,
        /// What the parser objected to.
        message: String,
    },
    /// Rollback requested while automated sync is enabled.
    #[error("rollback cannot be initiated when auto-sync is enabled")]
    RollbackWithAutoSync,
    /// Rollback requested while the application is being deleted.
    #[error("application is deleting")]
    RollbackWhileDeleting,
    /// The history entry has no source (deployed by a very old Argo CD).
    #[error(
        "cannot rollback to revision deployed with Argo CD v0.11 or lower. sync to revision instead."
    )]
    RollbackWithoutSource,
    /// Rollback to a history id the application does not have.
    #[error("application {app:?} does not have deployment with id {id}")]
    UnknownHistoryId {
        /// Name of the application.
        app: String,
        /// The requested id.
        id: i64,
    },
    /// A time field is not an RFC 3339 timestamp.
    #[error("application {app:?}: field {field}: {value:?} is not an RFC 3339 time")]
    InvalidTime {
        /// Name of the application.
        app: String,
        /// Path of the field.
        field: String,
        /// The text found.
        value: String,
    },
}
