//! The registry client itself: configuration, and sending requests with
//! authentication (Bearer tokens, Basic), pacing and throttling retries.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use reqwest::header::{ACCEPT, RETRY_AFTER, WWW_AUTHENTICATE};
use reqwest::{Method, Response, StatusCode, Url};

use super::auth::{Challenge, TokenResponse};
use super::credentials::Credentials;
use super::error::RegistryError;
use super::ratelimit::{RateLimiter, RetryPolicy, parse_retry_after};
use super::response::{excerpt, header, transport};
use crate::image::reference::{DOCKER_HUB, ImageRef};

/// How to reach one registry.
#[derive(Debug, Clone)]
pub struct RegistryConfig {
    /// Base URL of the API, e.g. `https://ghcr.io` or `http://127.0.0.1:5000`.
    pub api_url: String,
    /// Credentials for Basic auth and token requests.
    pub credentials: Credentials,
    /// Request pacing; `None` = unlimited.
    pub requests_per_second: Option<f64>,
    /// Retries of throttled requests.
    pub retry: RetryPolicy,
    /// Timeout of each HTTP request.
    pub timeout: Duration,
    /// `n` sent with the first tag-list request; `None` lets the registry choose.
    pub page_size: Option<u32>,
}

impl RegistryConfig {
    /// Defaults for an API URL: anonymous, 20 requests/s, 30 s timeout.
    pub fn new(api_url: impl Into<String>) -> Self {
        Self {
            api_url: api_url.into(),
            credentials: Credentials::Anonymous,
            requests_per_second: Some(20.0),
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(30),
            page_size: None,
        }
    }

    /// Defaults for the registry an image lives on (Docker Hub: 10 requests/s).
    pub fn for_image(image: &ImageRef) -> Self {
        let mut config = Self::new(image.api_url());
        if image.registry == DOCKER_HUB {
            config.requests_per_second = Some(10.0);
        }
        config
    }
}

#[derive(Debug, Default)]
struct AuthState {
    use_basic: bool,
    tokens: HashMap<String, String>,
}

/// A client for one registry. Cheap to share behind `&`; requests are paced
/// by the registry's rate limit.
#[derive(Debug)]
pub struct RegistryClient {
    pub(super) http: reqwest::Client,
    base: Url,
    credentials: Credentials,
    pub(super) limiter: RateLimiter,
    retry: RetryPolicy,
    pub(super) page_size: Option<u32>,
    auth: Mutex<AuthState>,
}

impl RegistryClient {
    /// Builds a client for `config.api_url`.
    pub fn new(config: RegistryConfig) -> Result<Self, RegistryError> {
        let mut base = Url::parse(&config.api_url).map_err(|e| RegistryError::InvalidUrl {
            url: config.api_url.clone(),
            reason: e.to_string(),
        })?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(RegistryError::InvalidUrl {
                url: config.api_url,
                reason: "scheme must be http or https".into(),
            });
        }
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .user_agent(concat!("gitops-engine/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|source| RegistryError::ClientSetup {
                url: config.api_url.clone(),
                source,
            })?;
        Ok(Self {
            http,
            base,
            credentials: config.credentials,
            limiter: RateLimiter::new(config.requests_per_second),
            retry: config.retry,
            page_size: config.page_size,
            auth: Mutex::new(AuthState::default()),
        })
    }
    pub(super) fn url(&self, path: &str) -> Result<Url, RegistryError> {
        self.base.join(path).map_err(|e| RegistryError::InvalidUrl {
            url: format!("{}{path}", self.base),
            reason: e.to_string(),
        })
    }

    /// Sends one request with authentication, pacing and throttling retries.
    /// Answers 401 once by authenticating and retrying; a second 401 is an error.
    pub(super) async fn send(
        &self,
        method: Method,
        url: &Url,
        accept: Option<&str>,
        scope: &str,
    ) -> Result<Response, RegistryError> {
        let mut retries = 0;
        let mut authenticated = false;
        loop {
            self.limiter.acquire().await;
            let mut request = self.http.request(method.clone(), url.clone());
            if let Some(accept) = accept {
                request = request.header(ACCEPT, accept);
            }
            request = self.authorize(request, scope);
            let response = request
                .send()
                .await
                .map_err(|e| transport(&method, url, e))?;
            match response.status() {
                StatusCode::UNAUTHORIZED if !authenticated => {
                    authenticated = true;
                    let challenge =
                        header(response.headers(), WWW_AUTHENTICATE.as_str()).map(str::to_owned);
                    self.authenticate(challenge.as_deref(), scope, url).await?;
                }
                StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => {
                    let retry_after = header(response.headers(), RETRY_AFTER.as_str())
                        .and_then(|v| parse_retry_after(v, SystemTime::now()));
                    match self.retry.delay(retries, retry_after) {
                        Some(wait) => tokio::time::sleep(wait).await,
                        None => {
                            return Err(RegistryError::RateLimited {
                                url: url.to_string(),
                                attempts: retries + 1,
                                retry_after,
                            });
                        }
                    }
                    retries += 1;
                }
                _ => return Ok(response),
            }
        }
    }

    fn authorize(&self, request: reqwest::RequestBuilder, scope: &str) -> reqwest::RequestBuilder {
        let state = self
            .auth
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(token) = state.tokens.get(scope) {
            return request.bearer_auth(token);
        }
        match (&self.credentials, state.use_basic) {
            (Credentials::Basic { username, password }, true) => {
                request.basic_auth(username, Some(password))
            }
            _ => request,
        }
    }

    /// Reacts to a 401 challenge: fetch a bearer token, or switch to Basic.
    async fn authenticate(
        &self,
        challenge: Option<&str>,
        scope: &str,
        url: &Url,
    ) -> Result<(), RegistryError> {
        let unauthorized = |detail: &str| RegistryError::Unauthorized {
            url: url.to_string(),
            detail: detail.to_owned(),
        };
        match challenge.and_then(Challenge::parse) {
            Some(Challenge::Bearer {
                realm,
                service,
                scope: asked,
                ..
            }) => {
                let token = self
                    .fetch_token(
                        &realm,
                        service.as_deref(),
                        asked.as_deref().unwrap_or(scope),
                    )
                    .await?;
                self.lock_auth().tokens.insert(scope.to_owned(), token);
                Ok(())
            }
            Some(Challenge::Basic { .. })
                if matches!(self.credentials, Credentials::Basic { .. }) =>
            {
                let mut state = self.lock_auth();
                if state.use_basic {
                    return Err(unauthorized("Basic credentials rejected"));
                }
                state.use_basic = true;
                Ok(())
            }
            Some(Challenge::Basic { .. }) => Err(unauthorized(
                "Basic authentication required, no credentials configured",
            )),
            None => Err(unauthorized(
                challenge.unwrap_or("no WWW-Authenticate challenge"),
            )),
        }
    }

    fn lock_auth(&self) -> std::sync::MutexGuard<'_, AuthState> {
        self.auth
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    async fn fetch_token(
        &self,
        realm: &str,
        service: Option<&str>,
        scope: &str,
    ) -> Result<String, RegistryError> {
        let token_error = |reason: String| RegistryError::Token {
            realm: realm.to_owned(),
            reason,
        };
        let mut url =
            Url::parse(realm).map_err(|e| token_error(format!("invalid realm URL: {e}")))?;
        {
            let mut query = url.query_pairs_mut();
            if let Some(service) = service {
                query.append_pair("service", service);
            }
            query.append_pair("scope", scope);
        }
        let mut request = self.http.get(url.clone());
        if let Credentials::Basic { username, password } = &self.credentials {
            request = request.basic_auth(username, Some(password));
        }
        let response = request
            .send()
            .await
            .map_err(|e| token_error(e.to_string()))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| token_error(e.to_string()))?;
        if !status.is_success() {
            return Err(token_error(format!("HTTP {status}: {}", excerpt(&body))));
        }
        let parsed: TokenResponse =
            serde_json::from_slice(&body).map_err(|e| token_error(format!("invalid JSON: {e}")))?;
        parsed
            .into_token()
            .ok_or_else(|| token_error("response has neither token nor access_token".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn config_and_urls() {
        let hub = RegistryConfig::for_image(&ImageRef::parse("nginx").unwrap());
        assert_eq!(hub.api_url, "https://registry-1.docker.io");
        assert_eq!(hub.requests_per_second, Some(10.0));
        let client =
            RegistryClient::new(RegistryConfig::new("http://127.0.0.1:5000/prefix")).unwrap();
        assert_eq!(
            client.url("v2/a/b/tags/list").unwrap().as_str(),
            "http://127.0.0.1:5000/prefix/v2/a/b/tags/list"
        );
        assert!(matches!(
            RegistryClient::new(RegistryConfig::new("ftp://x")),
            Err(RegistryError::InvalidUrl { .. })
        ));
        assert!(matches!(
            RegistryClient::new(RegistryConfig::new("not a url")),
            Err(RegistryError::InvalidUrl { .. })
        ));
    }
}
