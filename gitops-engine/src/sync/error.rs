//! Errors raised while planning a sync.

use thiserror::Error;

/// Why a sync plan could not be built.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SyncError {
    /// An input object is not a JSON object.
    #[error("{what} #{index}: not a JSON object")]
    NotAnObject {
        /// Which input list the object came from (`desired` or `live`).
        what: &'static str,
        /// Position of the object in that list.
        index: usize,
    },
    /// An input object lacks a required string field.
    #[error("{what} #{index}: field `{field}` is missing or not a string")]
    MissingField {
        /// Which input list the object came from (`desired` or `live`).
        what: &'static str,
        /// Position of the object in that list.
        index: usize,
        /// The dotted path of the missing field.
        field: &'static str,
    },
    /// A tracking-id annotation value does not follow `<app>:<group>/<kind>:<namespace>/<name>`.
    #[error("invalid tracking id `{value}`: {reason}")]
    InvalidTrackingId {
        /// The annotation value.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An unknown resource tracking method name.
    #[error(
        "unknown resource tracking method `{0}` (expected annotation, label or annotation+label)"
    )]
    UnknownTrackingMethod(String),
    /// A retry backoff duration is neither an integer nor a Go duration.
    #[error("unable to parse {0} as a duration")]
    InvalidDuration(String),
    /// A live object is tracked by another application and the app sets `FailOnSharedResource=true`.
    #[error("Shared resource found: {0}")]
    SharedResource(String),
}
