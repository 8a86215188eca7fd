//! Errors as Argo CD's API answers them (grpc-gateway JSON): `{"error", "code",
//! "message", "details"}` with the gRPC code and the matching HTTP status.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::app::AppError;
use crate::app::store::StoreError;
use crate::cluster::ClusterError;

/// The gRPC status codes the API answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// 2: an unclassified failure (HTTP 500).
    Unknown = 2,
    /// 3: the request is malformed (HTTP 400).
    InvalidArgument = 3,
    /// 4: the server gave up waiting (HTTP 504).
    DeadlineExceeded = 4,
    /// 5: no such object (HTTP 404).
    NotFound = 5,
    /// 7: the caller may not do this (HTTP 403).
    PermissionDenied = 7,
    /// 8: a limit was reached, e.g. too many failed logins (HTTP 429).
    ResourceExhausted = 8,
    /// 9: the object is not in a state that allows this (HTTP 400).
    FailedPrecondition = 9,
    /// 13: the server failed (HTTP 500).
    Internal = 13,
    /// 16: no valid credentials (HTTP 401).
    Unauthenticated = 16,
}

impl Code {
    /// The HTTP status grpc-gateway maps the code to.
    pub fn http_status(self) -> StatusCode {
        match self {
            Code::InvalidArgument | Code::FailedPrecondition => StatusCode::BAD_REQUEST,
            Code::DeadlineExceeded => StatusCode::GATEWAY_TIMEOUT,
            Code::NotFound => StatusCode::NOT_FOUND,
            Code::PermissionDenied => StatusCode::FORBIDDEN,
            Code::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
            Code::Unauthenticated => StatusCode::UNAUTHORIZED,
            Code::Unknown | Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// A failed API call: a gRPC code and a message for the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    /// The gRPC code.
    pub code: Code,
    /// The message shown to the caller.
    pub message: String,
}

impl ApiError {
    /// An error with `code` and `message`.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
        }
    }

    /// `InvalidArgument` with `message`.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(Code::InvalidArgument, message)
    }

    /// Argo CD's answer for an app that is missing or that the caller may not see.
    pub fn permission_denied() -> Self {
        Self::new(Code::PermissionDenied, "permission denied")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "error": self.message,
            "code": self.code as i32,
            "message": self.message,
            "details": [],
        });
        (self.code.http_status(), Json(body)).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        let code = match &e {
            StoreError::NotFound { .. } => Code::NotFound,
            StoreError::OperationInProgress | StoreError::Deleting | StoreError::Conflict(_) => {
                Code::FailedPrecondition
            }
            StoreError::App(
                AppError::RollbackWithAutoSync
                | AppError::RollbackWhileDeleting
                | AppError::RollbackWithoutSource,
            ) => Code::FailedPrecondition,
            StoreError::App(AppError::UnknownHistoryId { .. }) => Code::InvalidArgument,
            StoreError::Cluster(ClusterError::NotFound(_)) => Code::NotFound,
            StoreError::Unrenderable(_) | StoreError::Project(_) => Code::FailedPrecondition,
            _ => Code::Unknown,
        };
        let message = match &e {
            StoreError::NotFound { name, .. } => {
                format!("applications.argoproj.io \"{name}\" not found")
            }
            _ => e.to_string(),
        };
        ApiError::new(code, message)
    }
}

impl From<ClusterError> for ApiError {
    fn from(e: ClusterError) -> Self {
        StoreError::from(e).into()
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        StoreError::from(e).into()
    }
}
