//! Authentication and authorisation with Argo CD's own configuration: local accounts
//! and passwords ([`accounts`]), HS256 session tokens and login ([`session`]), and the
//! RBAC policy ([`rbac`]) every call is checked against. A request's token comes from
//! `Authorization: Bearer` or the `argocd.token` cookie (the web UI's).

pub mod accounts;
pub mod rbac;
pub mod session;

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use thiserror::Error;

use super::ServerState;
use super::error::{ApiError, Code};
use crate::cluster::ClusterError;
use rbac::Policy;

/// Why the configuration of accounts could not be used.
#[derive(Debug, Error)]
pub enum AuthError {
    /// Reading or writing Argo CD's ConfigMaps and Secrets failed.
    #[error("{0}")]
    Cluster(#[from] ClusterError),
    /// The configuration is unusable (named file and field in the message).
    #[error("{0}")]
    Config(String),
    /// The RBAC policy is unusable.
    #[error("{ARGOCD_RBAC_CM}: {0}", ARGOCD_RBAC_CM = accounts::ARGOCD_RBAC_CM)]
    Policy(#[from] rbac::PolicyError),
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        ApiError::new(Code::Internal, e.to_string())
    }
}

/// The authenticated caller of a request and the policy its calls are checked against.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The account name (the RBAC subject).
    pub username: String,
    /// The token's groups.
    pub groups: Vec<String>,
    /// When the token was issued (Unix seconds).
    pub issued_at: i64,
    /// The token's id.
    pub token_id: String,
    /// When the token expires (Unix seconds), if it does.
    pub expires_at: Option<i64>,
    policy: Arc<Policy>,
}

impl Caller {
    /// Whether the caller may do `action` on `resource` `object`.
    pub fn can(&self, resource: &str, action: &str, object: &str) -> bool {
        self.policy
            .enforce(&self.username, &self.groups, resource, action, object)
    }

    /// [`Caller::can`], or Argo CD's `permission denied: <res>, <act>, <obj>, sub: <sub>,
    /// iat: <time>` (403).
    pub fn enforce(&self, resource: &str, action: &str, object: &str) -> Result<(), ApiError> {
        if self.can(resource, action, object) {
            return Ok(());
        }
        let iat = jiff::Timestamp::from_second(self.issued_at)
            .map(crate::app::format_time)
            .unwrap_or_default();
        Err(ApiError::new(
            Code::PermissionDenied,
            format!(
                "permission denied: {resource}, {action}, {object}, sub: {}, iat: {iat}",
                self.username
            ),
        ))
    }
}

impl FromRequestParts<Arc<ServerState>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<ServerState>,
    ) -> Result<Self, Self::Rejection> {
        let token = session::request_token(&parts.headers)
            .ok_or_else(|| ApiError::new(Code::Unauthenticated, "no session information"))?;
        let settings = accounts::load(state.store.cluster(), &state.config.namespace).await?;
        let verified = state.sessions.verify(&token, &settings)?;
        let policy = Policy::from_config_map(&settings.rbac).map_err(AuthError::from)?;
        Ok(Caller {
            username: verified.username,
            groups: verified.groups,
            issued_at: verified.issued_at,
            token_id: verified.token_id,
            expires_at: verified.expires_at,
            policy: Arc::new(policy),
        })
    }
}
