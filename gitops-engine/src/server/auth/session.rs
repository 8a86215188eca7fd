//! Sessions: `POST /api/v1/session` (login with a local account's password, rate
//! limited per user and padded in time), `DELETE /api/v1/session` (logout: the token is
//! revoked), `GET /api/v1/session/userinfo`; HS256 tokens signed with the text of
//! `server.secretkey` and checked as `argocd-server` checks them. Neither passwords nor
//! tokens are ever logged.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::accounts::{self, AccountSettings};
use super::{AuthError, Caller};
use crate::server::error::{ApiError, Code};
use crate::server::{ServerState, State};

/// The issuer of every token.
const ISSUER: &str = "argocd";
/// The cookie carrying the token for the web UI (split into `-1`, `-2`, … when long).
pub const TOKEN_COOKIE: &str = "argocd.token";
/// The longest accepted user name.
const MAX_USERNAME_BYTES: usize = 32;
/// The most users whose failed logins are remembered at once.
const MAX_TRACKED_USERS: usize = 10_000;
/// The largest cookie value before the token is split.
const MAX_COOKIE_BYTES: usize = 4093;
/// The most cookie parts a token is read from.
const MAX_COOKIE_PARTS: usize = 10;

/// The claims of a token.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Claims {
    iss: String,
    sub: String,
    iat: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nbf: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exp: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    jti: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    groups: Vec<String>,
}

/// What a valid token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The account.
    pub username: String,
    /// Its groups.
    pub groups: Vec<String>,
    /// Issue time (Unix seconds).
    pub issued_at: i64,
    /// The token id.
    pub token_id: String,
    /// Expiry (Unix seconds), if any.
    pub expires_at: Option<i64>,
}

/// Failed logins of one user within the window.
#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    first: Instant,
}

/// Login limits (Argo CD's `ARGOCD_SESSION_FAILURE_MAX_FAIL_COUNT`,
/// `ARGOCD_SESSION_FAILURE_WINDOW_SECONDS`) and the time every login check is padded to.
#[derive(Debug, Clone, Copy)]
pub struct LoginLimits {
    /// Failed logins after which a user's logins are refused unchecked.
    pub max_failures: u32,
    /// How long failures count.
    pub failure_window: Duration,
    /// Every login answer takes between this and twice this long.
    pub padding: Duration,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            max_failures: 5,
            failure_window: Duration::from_secs(300),
            padding: Duration::from_millis(500),
        }
    }
}

/// The server's session state: failed logins and revoked tokens (in memory).
#[derive(Debug, Default)]
pub struct Sessions {
    limits: LoginLimits,
    failures: Mutex<HashMap<String, Failures>>,
    /// Revoked token ids with their expiry (Unix seconds; `i64::MAX`: none).
    revoked: Mutex<HashMap<String, i64>>,
}

fn now_seconds() -> i64 {
    jiff::Timestamp::now().as_second()
}

fn unauthenticated(message: impl Into<String>) -> ApiError {
    ApiError::new(Code::Unauthenticated, message)
}

impl Sessions {
    /// Sessions with these login limits.
    pub fn new(limits: LoginLimits) -> Self {
        Sessions {
            limits,
            ..Sessions::default()
        }
    }

    /// Signs a login token for `username` valid for the configured session duration.
    fn issue(&self, username: &str, settings: &AccountSettings) -> Result<String, ApiError> {
        if settings.secret_key.is_empty() {
            return Err(AuthError::Config(format!(
                "{}: field server.secretkey is missing",
                accounts::ARGOCD_SECRET
            ))
            .into());
        }
        let now = now_seconds();
        let claims = Claims {
            iss: ISSUER.to_owned(),
            sub: format!("{username}:login"),
            iat: now,
            nbf: Some(now),
            exp: Some(now + settings.session_duration.as_secs() as i64),
            jti: Some(uuid::Uuid::new_v4().to_string()),
            groups: Vec::new(),
        };
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(settings.secret_key.as_bytes()),
        )
        .map_err(|e| ApiError::new(Code::Internal, format!("signing the token: {e}")))
    }

    /// Checks a token: HS256 with the current key, issuer, times, id, not revoked, and
    /// an enabled account whose password did not change since (login tokens) or that
    /// lists the token (API keys).
    pub fn verify(&self, token: &str, settings: &AccountSettings) -> Result<Verified, ApiError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|e| unauthenticated(format!("invalid session: {e}")))?;
        if header.alg != Algorithm::HS256 {
            return Err(unauthenticated(format!(
                "invalid session: unexpected signing method: {:?}",
                header.alg
            )));
        }
        if settings.secret_key.is_empty() {
            return Err(unauthenticated(
                "invalid session: no signing key configured",
            ));
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.validate_nbf = true;
        validation.set_issuer(&[ISSUER]);
        validation.required_spec_claims.clear();
        let claims = jsonwebtoken::decode::<Claims>(
            token,
            &DecodingKey::from_secret(settings.secret_key.as_bytes()),
            &validation,
        )
        .map_err(|e| unauthenticated(format!("invalid session: {e}")))?
        .claims;
        let token_id = claims.jti.clone().ok_or_else(|| {
            unauthenticated(
                "invalid session: token does not have a unique identifier (jti claim) and cannot be validated",
            )
        })?;
        if self.is_revoked(&token_id) {
            return Err(unauthenticated(
                "invalid session: token is revoked, please re-login",
            ));
        }
        let (username, capability) = claims
            .sub
            .split_once(':')
            .unwrap_or((claims.sub.as_str(), "login"));
        if username == "proj" {
            return Err(unauthenticated(
                "invalid session: project tokens are not supported by this server",
            ));
        }
        let account = settings.accounts.get(username).ok_or_else(|| {
            unauthenticated(format!(
                "invalid session: account {username} does not exist"
            ))
        })?;
        if !account.enabled {
            return Err(unauthenticated(format!(
                "invalid session: account {username} is disabled"
            )));
        }
        match capability {
            "apiKey" if !account.token_ids.contains(&token_id) => {
                return Err(unauthenticated(format!(
                    "invalid session: account {username} does not have token with id {token_id}"
                )));
            }
            "apiKey" => {}
            _ if account
                .password_mtime
                .is_some_and(|mtime| claims.iat < mtime) =>
            {
                return Err(unauthenticated(
                    "invalid session: account password has changed since token issued",
                ));
            }
            _ => {}
        }
        Ok(Verified {
            username: username.to_owned(),
            groups: claims.groups,
            issued_at: claims.iat,
            token_id,
            expires_at: claims.exp,
        })
    }

    fn is_revoked(&self, token_id: &str) -> bool {
        let mut revoked = self.revoked.lock().unwrap_or_else(|e| e.into_inner());
        let now = now_seconds();
        revoked.retain(|_, exp| *exp >= now);
        revoked.contains_key(token_id)
    }

    fn revoke(&self, token_id: &str, expires_at: Option<i64>) {
        self.revoked
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(token_id.to_owned(), expires_at.unwrap_or(i64::MAX));
    }

    /// Whether `username` reached the failed-login limit within the window.
    fn locked_out(&self, username: &str) -> bool {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let window = self.limits.failure_window;
        failures.retain(|_, f| f.first.elapsed() < window);
        failures
            .get(username)
            .is_some_and(|f| f.count >= self.limits.max_failures)
    }

    fn record_failure(&self, username: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if failures.len() >= MAX_TRACKED_USERS && !failures.contains_key(username) {
            return;
        }
        failures
            .entry(username.to_owned())
            .or_insert(Failures {
                count: 0,
                first: Instant::now(),
            })
            .count += 1;
    }

    fn clear_failures(&self, username: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(username);
    }
}

/// The token of a request: `Authorization: Bearer`, else the `argocd.token` cookie
/// (joined from `argocd.token-1`, `-2`, … when split).
pub fn request_token(headers: &HeaderMap) -> Option<String> {
    if let Some(bearer) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        return Some(bearer.to_owned());
    }
    let mut cookies: HashMap<String, String> = HashMap::new();
    for value in headers.get_all(header::COOKIE) {
        let Ok(value) = value.to_str() else { continue };
        for pair in value.split(';') {
            if let Some((name, v)) = pair.trim().split_once('=') {
                cookies.insert(name.to_owned(), v.to_owned());
            }
        }
    }
    if let Some(token) = cookies.get(TOKEN_COOKIE).filter(|t| !t.is_empty()) {
        return Some(token.clone());
    }
    let parts: Vec<&String> = (1..=MAX_COOKIE_PARTS)
        .map_while(|i| cookies.get(&format!("{TOKEN_COOKIE}-{i}")))
        .collect();
    (!parts.is_empty()).then(|| parts.into_iter().map(String::as_str).collect())
}

/// The `Set-Cookie` values carrying `token` (split when long; empty clears it).
fn token_cookies(token: &str, secure: bool) -> Vec<String> {
    let attributes = format!(
        "path=/; SameSite=lax; httpOnly{}{}",
        if secure { "; Secure" } else { "" },
        if token.is_empty() { "; Max-Age=0" } else { "" }
    );
    if token.len() <= MAX_COOKIE_BYTES {
        return vec![format!("{TOKEN_COOKIE}={token}; {attributes}")];
    }
    token
        .as_bytes()
        .chunks(MAX_COOKIE_BYTES)
        .enumerate()
        .map(|(i, chunk)| {
            format!(
                "{TOKEN_COOKIE}-{}={}; {attributes}",
                i + 1,
                String::from_utf8_lossy(chunk)
            )
        })
        .collect()
}

/// A JSON answer with `Set-Cookie` headers.
fn with_cookies(body: Value, cookies: Vec<String>) -> Response {
    let mut response = Json(body).into_response();
    for cookie in cookies {
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// The body of `POST /api/v1/session`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct LoginBody {
    username: String,
    password: String,
}

/// `POST /api/v1/session`: `{"token"}` and the cookie, or 401.
pub(crate) async fn login(
    axum::extract::State(state): State,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let body: LoginBody = serde_json::from_slice(&body)
        .map_err(|e| ApiError::invalid(format!("request body: {e}")))?;
    if body.username.is_empty() {
        return Err(unauthenticated("no credentials supplied"));
    }
    if body.password.is_empty() {
        return Err(unauthenticated("Blank passwords are not allowed"));
    }
    if body.username.len() > MAX_USERNAME_BYTES {
        return Err(ApiError::invalid(format!(
            "Username is too long ({MAX_USERNAME_BYTES} bytes max)"
        )));
    }
    let padding = state.sessions.limits.padding;
    let started = tokio::time::Instant::now();
    let outcome = check_password(&state, &body).await;
    let extra = rand_fraction() * padding.as_secs_f64();
    tokio::time::sleep_until(started + padding + Duration::from_secs_f64(extra)).await;
    let settings = outcome?;
    let token = state.sessions.issue(&body.username, &settings)?;
    let cookies = token_cookies(&token, state.config.secure_cookies);
    Ok(with_cookies(json!({"token": token}), cookies))
}

/// A random number in [0, 1).
fn rand_fraction() -> f64 {
    let mut bytes = [0u8; 4];
    if getrandom::fill(&mut bytes).is_err() {
        return 0.5;
    }
    f64::from(u32::from_le_bytes(bytes)) / (f64::from(u32::MAX) + 1.0)
}

/// Checks the user's password; the settings on success.
async fn check_password(
    state: &Arc<ServerState>,
    body: &LoginBody,
) -> Result<AccountSettings, ApiError> {
    let invalid = || unauthenticated("Invalid username or password");
    let sessions = &state.sessions;
    if sessions.locked_out(&body.username) {
        tracing::warn!(
            user = %body.username,
            "login refused: too many failed logins"
        );
        return Err(invalid());
    }
    let settings = accounts::load(state.store.cluster(), &state.config.namespace).await?;
    let Some(account) = settings.accounts.get(&body.username) else {
        sessions.record_failure(&body.username);
        return Err(invalid());
    };
    if !account.enabled {
        return Err(unauthenticated(format!(
            "Account {} is disabled",
            body.username
        )));
    }
    if !account.login {
        return Err(unauthenticated(format!(
            "Account {} does not have login capability",
            body.username
        )));
    }
    let hash = account.password_hash.clone();
    let password = body.password.clone();
    let matches = !hash.is_empty()
        && tokio::task::spawn_blocking(move || bcrypt::verify(password, &hash).unwrap_or(false))
            .await
            .unwrap_or(false);
    if !matches {
        sessions.record_failure(&body.username);
        return Err(invalid());
    }
    sessions.clear_failures(&body.username);
    Ok(settings)
}

/// `DELETE /api/v1/session`: revokes the caller's token and clears the cookie.
pub(crate) async fn logout(axum::extract::State(state): State, caller: Caller) -> Response {
    state.sessions.revoke(&caller.token_id, caller.expires_at);
    with_cookies(json!({}), token_cookies("", state.config.secure_cookies))
}

/// `GET /api/v1/session/userinfo`: `{loggedIn, username, iss, groups}` (`{"loggedIn":
/// false}` without a valid token).
pub(crate) async fn userinfo(caller: Result<Caller, ApiError>) -> Json<Value> {
    Json(match caller {
        Ok(caller) => json!({
            "loggedIn": true,
            "username": caller.username,
            "iss": ISSUER,
            "groups": caller.groups,
        }),
        Err(_) => json!({"loggedIn": false}),
    })
}
