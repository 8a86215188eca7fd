//! Authentication and a small authorization model, as an API server
//! answers: a request authenticates with a bearer token
//! ([`Authentication::tokens`]) or a client certificate issued by the
//! emulator's authority ([`crate::tls::TlsIdentity`]); one without valid
//! credentials gets `401 Unauthorized`. A read-only user gets `403 Forbidden`
//! with the real server's message for any write. Discovery, `/version` and
//! OpenAPI are open to every authenticated user, as with Kubernetes'
//! `system:discovery` role.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::server::Shared;
use crate::tls::PeerCertificate;

/// Who may call the emulator, when it checks credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Authentication {
    /// The accepted bearer tokens.
    pub tokens: Vec<TokenUser>,
}

/// A bearer token and the user it authenticates.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenUser {
    /// The token (`Authorization: Bearer <token>`).
    pub token: String,
    /// The user name it authenticates as.
    pub user: String,
    /// Only `get`, `list` and `watch` are permitted.
    pub read_only: bool,
}

impl TokenUser {
    /// A token with full access for `user`.
    pub fn admin(token: &str, user: &str) -> Self {
        TokenUser {
            token: token.to_owned(),
            user: user.to_owned(),
            read_only: false,
        }
    }
}

/// The token stays out of debug output.
impl std::fmt::Debug for TokenUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenUser")
            .field("user", &self.user)
            .field("read_only", &self.read_only)
            .finish_non_exhaustive()
    }
}

/// An authenticated caller.
struct Caller {
    user: String,
    read_only: bool,
}

/// Checks the credentials of every request when the emulator has an
/// [`Authentication`]; passes everything otherwise.
pub(crate) async fn check(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let Some(auth) = &shared.config.authentication else {
        return next.run(req).await;
    };
    let Some(caller) = authenticate(&shared, auth, &req) else {
        return ApiError::unauthorized().into_response();
    };
    if caller.read_only
        && let Some(refusal) = refuse_write(&caller.user, req.method(), req.uri().path())
    {
        return refusal.into_response();
    }
    next.run(req).await
}

fn authenticate(shared: &Shared, auth: &Authentication, req: &Request) -> Option<Caller> {
    let bearer = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    if let Some(token) = bearer {
        // A wrong token is refused even with a valid certificate, as the
        // real server does.
        return auth
            .tokens
            .iter()
            .find(|t| t.token == token)
            .map(|t| Caller {
                user: t.user.clone(),
                read_only: t.read_only,
            });
    }
    let cert = req.extensions().get::<PeerCertificate>()?;
    let user = shared.config.tls.as_ref()?.client_user(&cert.0)?;
    Some(Caller {
        user,
        read_only: false,
    })
}

/// The 403 of a write by a read-only user; `None` for reads and
/// non-resource paths.
fn refuse_write(user: &str, method: &Method, path: &str) -> Option<ApiError> {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let (group, rest) = match segs.as_slice() {
        ["api", "v1", rest @ ..] => ("", rest),
        ["apis", group, _version, rest @ ..] => (*group, rest),
        _ => return None,
    };
    let (namespace, rest) = match rest {
        ["namespaces", ns, plural, rest @ ..] => (*ns, [&[*plural], rest].concat()),
        other => ("", other.to_vec()),
    };
    // `/api/v1/namespaces/<ns>` names the namespace object itself.
    let (plural, name) = match rest.as_slice() {
        [] => return None,
        [plural] => (*plural, ""),
        [plural, name, ..] => (*plural, *name),
    };
    let verb = match (method.as_str(), name.is_empty()) {
        ("GET" | "HEAD", _) => return None,
        ("POST", _) => "create",
        ("PUT", _) => "update",
        ("PATCH", _) => "patch",
        ("DELETE", true) => "deletecollection",
        ("DELETE", false) => "delete",
        (other, _) => other,
    };
    Some(ApiError::not_permitted(
        user, verb, group, plural, namespace, name,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(method: Method, path: &str) -> Option<String> {
        refuse_write("viewer", &method, path).map(|e| e.message)
    }

    #[test]
    fn writes_are_refused_with_the_real_messages() {
        assert_eq!(
            message(
                Method::PATCH,
                "/apis/apps/v1/namespaces/web/deployments/api"
            )
            .as_deref(),
            Some(
                "deployments.apps \"api\" is forbidden: User \"viewer\" cannot patch resource \"deployments\" in API group \"apps\" in the namespace \"web\""
            )
        );
        assert_eq!(
            message(Method::POST, "/api/v1/namespaces/web/configmaps").as_deref(),
            Some(
                "configmaps is forbidden: User \"viewer\" cannot create resource \"configmaps\" in API group \"\" in the namespace \"web\""
            )
        );
        assert_eq!(
            message(Method::DELETE, "/api/v1/namespaces/web").as_deref(),
            Some(
                "namespaces \"web\" is forbidden: User \"viewer\" cannot delete resource \"namespaces\" in API group \"\" at the cluster scope"
            )
        );
        assert_eq!(message(Method::GET, "/api/v1/namespaces/web/pods"), None);
        assert_eq!(message(Method::POST, "/version"), None);
    }
}
