//! The registry HTTP API v2 client: authentication, pacing, retries, tags,
//! manifests and config blobs.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, LINK, RETRY_AFTER, WWW_AUTHENTICATE};
use reqwest::{Method, Response, StatusCode, Url};
use serde::Deserialize;
use sha2::{Digest as _, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::auth::{Challenge, TokenResponse};
use super::credentials::Credentials;
use super::error::RegistryError;
use super::manifest::{ImageConfig, MANIFEST_ACCEPT, Manifest, ManifestProblem};
use super::ratelimit::{RateLimiter, RetryPolicy, parse_retry_after};
use crate::image::platform::{Platform, any_accepts};
use crate::image::reference::{DOCKER_HUB, ImageRef};

/// Header carrying the registry's digest of the returned manifest.
const CONTENT_DIGEST: &str = "docker-content-digest";
/// Upper bound on followed `Link` pages, against registries that loop.
const MAX_PAGES: usize = 1000;

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

/// A manifest as fetched, with its digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedManifest {
    /// `sha256:<hex>` of the manifest bytes.
    pub digest: String,
    /// The parsed manifest.
    pub manifest: Manifest,
}

/// What the `newest-build` strategy needs to know about one tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagInfo {
    /// Digest of the tag's manifest (or index).
    pub digest: String,
    /// Newest creation date among the wanted platforms' images, when the
    /// configs carry one.
    pub created: Option<OffsetDateTime>,
    /// Platforms of the images that matched the wanted platforms.
    pub platforms: Vec<Platform>,
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
    http: reqwest::Client,
    base: Url,
    credentials: Credentials,
    limiter: RateLimiter,
    retry: RetryPolicy,
    page_size: Option<u32>,
    auth: Mutex<AuthState>,
}

#[derive(Deserialize)]
struct TagList {
    #[serde(default)]
    tags: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    errors: Vec<ErrorEntry>,
}

#[derive(Deserialize)]
struct ErrorEntry {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
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

    /// `GET /v2/`: checks that the registry speaks API v2. Returns the
    /// authentication challenge when it answers 401.
    pub async fn ping(&self) -> Result<Option<Challenge>, RegistryError> {
        let url = self.url("v2/")?;
        self.limiter.acquire().await;
        let response = self
            .http
            .get(url.clone())
            .send()
            .await
            .map_err(|e| transport(&Method::GET, &url, e))?;
        match response.status() {
            StatusCode::UNAUTHORIZED => Ok(
                header(response.headers(), WWW_AUTHENTICATE.as_str()).and_then(Challenge::parse)
            ),
            _ => check_status(response, &url).await.map(|_| None),
        }
    }

    /// All tags of `repository`, following `Link: <...>; rel="next"` pages.
    /// Order is the registry's (often unsorted).
    pub async fn list_tags(&self, repository: &str) -> Result<Vec<String>, RegistryError> {
        let first = self.url(&format!("v2/{repository}/tags/list"))?;
        let mut url = first.clone();
        if let Some(n) = self.page_size {
            url.query_pairs_mut().append_pair("n", &n.to_string());
        }
        let scope = pull_scope(repository);
        let mut tags = Vec::new();
        for _ in 0..MAX_PAGES {
            let response = self
                .send(Method::GET, &url, Some("application/json"), &scope)
                .await?;
            let response = check_status(response, &url).await?;
            let next = next_link(response.headers());
            let body = read_body(response, &url).await?;
            let page: TagList = parse_json(&body, &url)?;
            tags.extend(page.tags.unwrap_or_default());
            match next {
                Some(link) => {
                    url = url.join(&link).map_err(|e| RegistryError::InvalidUrl {
                        url: format!("{url} + Link {link}"),
                        reason: e.to_string(),
                    })?;
                }
                None => return Ok(tags),
            }
        }
        Err(RegistryError::TooManyPages {
            url: first.to_string(),
            pages: MAX_PAGES,
        })
    }

    /// Digest of the manifest behind `reference` (tag or digest) via `HEAD`,
    /// falling back to a `GET` when the registry omits `Docker-Content-Digest`.
    pub async fn manifest_digest(
        &self,
        repository: &str,
        reference: &str,
    ) -> Result<String, RegistryError> {
        let url = self.url(&format!("v2/{repository}/manifests/{reference}"))?;
        let response = self
            .send(
                Method::HEAD,
                &url,
                Some(MANIFEST_ACCEPT),
                &pull_scope(repository),
            )
            .await?;
        let response = check_status(response, &url).await?;
        match header(response.headers(), CONTENT_DIGEST) {
            Some(digest) => Ok(digest.to_owned()),
            None => Ok(self.manifest(repository, reference).await?.digest),
        }
    }

    /// Fetches and parses the manifest behind `reference`, verifying its digest.
    pub async fn manifest(
        &self,
        repository: &str,
        reference: &str,
    ) -> Result<FetchedManifest, RegistryError> {
        let url = self.url(&format!("v2/{repository}/manifests/{reference}"))?;
        let response = self
            .send(
                Method::GET,
                &url,
                Some(MANIFEST_ACCEPT),
                &pull_scope(repository),
            )
            .await?;
        let response = check_status(response, &url).await?;
        let content_type = header(response.headers(), CONTENT_TYPE.as_str()).map(str::to_owned);
        let announced = header(response.headers(), CONTENT_DIGEST).map(str::to_owned);
        let body = read_body(response, &url).await?;
        let digest = sha256_digest(&body);
        let expected = announced.or_else(|| reference.contains(':').then(|| reference.to_owned()));
        verify_digest(expected.as_deref(), &digest, &url)?;
        let manifest =
            Manifest::parse(&body, content_type.as_deref()).map_err(|problem| match problem {
                ManifestProblem::UnsupportedMediaType(media_type) => {
                    RegistryError::UnsupportedManifest {
                        url: url.to_string(),
                        media_type,
                    }
                }
                ManifestProblem::Invalid(reason) => RegistryError::InvalidBody {
                    url: url.to_string(),
                    reason,
                },
            })?;
        Ok(FetchedManifest { digest, manifest })
    }

    /// Fetches an image config blob by digest, verifying the content.
    pub async fn image_config(
        &self,
        repository: &str,
        digest: &str,
    ) -> Result<ImageConfig, RegistryError> {
        let url = self.url(&format!("v2/{repository}/blobs/{digest}"))?;
        let response = self
            .send(Method::GET, &url, None, &pull_scope(repository))
            .await?;
        let response = check_status(response, &url).await?;
        let body = read_body(response, &url).await?;
        verify_digest(Some(digest), &sha256_digest(&body), &url)?;
        parse_json(&body, &url)
    }

    /// Digest, platforms and creation date of `tag`, considering only images
    /// for `platforms` (all when empty). `None` when no image of the tag is
    /// for a wanted platform.
    pub async fn tag_info(
        &self,
        repository: &str,
        tag: &str,
        platforms: &[Platform],
    ) -> Result<Option<TagInfo>, RegistryError> {
        let fetched = self.manifest(repository, tag).await?;
        let configs = match &fetched.manifest {
            Manifest::Image { config } => vec![config.digest.clone()],
            Manifest::Index { manifests } => {
                let mut configs = Vec::new();
                for entry in manifests {
                    let wanted = entry.platform.as_ref().is_some_and(|p| {
                        any_accepts(platforms, &p.os, &p.architecture, p.variant.as_deref())
                    });
                    if !wanted {
                        continue;
                    }
                    match self.manifest(repository, &entry.digest).await?.manifest {
                        Manifest::Image { config } => configs.push(config.digest),
                        Manifest::Index { .. } => {
                            return Err(RegistryError::InvalidBody {
                                url: self
                                    .url(&format!("v2/{repository}/manifests/{}", entry.digest))?
                                    .to_string(),
                                reason: "index entry is itself an index".into(),
                            });
                        }
                    }
                }
                configs
            }
        };
        let mut info = TagInfo {
            digest: fetched.digest,
            created: None,
            platforms: Vec::new(),
        };
        for digest in configs {
            let config = self.image_config(repository, &digest).await?;
            if !any_accepts(
                platforms,
                &config.os,
                &config.architecture,
                config.variant.as_deref(),
            ) {
                continue;
            }
            let created = config
                .created
                .as_deref()
                .and_then(|c| OffsetDateTime::parse(c, &Rfc3339).ok());
            info.created = info.created.max(created);
            info.platforms.push(Platform {
                os: config.os,
                architecture: config.architecture,
                variant: config.variant,
            });
        }
        Ok((!info.platforms.is_empty()).then_some(info))
    }

    fn url(&self, path: &str) -> Result<Url, RegistryError> {
        self.base.join(path).map_err(|e| RegistryError::InvalidUrl {
            url: format!("{}{path}", self.base),
            reason: e.to_string(),
        })
    }

    /// Sends one request with authentication, pacing and throttling retries.
    /// Answers 401 once by authenticating and retrying; a second 401 is an error.
    async fn send(
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

fn pull_scope(repository: &str) -> String {
    format!("repository:{repository}:pull")
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn transport(method: &Method, url: &Url, source: reqwest::Error) -> RegistryError {
    RegistryError::Transport {
        method: method.to_string(),
        url: url.to_string(),
        source,
    }
}

async fn read_body(response: Response, url: &Url) -> Result<Vec<u8>, RegistryError> {
    let bytes = response
        .bytes()
        .await
        .map_err(|e| transport(&Method::GET, url, e))?;
    Ok(bytes.to_vec())
}

fn parse_json<T: for<'de> Deserialize<'de>>(body: &[u8], url: &Url) -> Result<T, RegistryError> {
    serde_json::from_slice(body).map_err(|e| RegistryError::InvalidBody {
        url: url.to_string(),
        reason: e.to_string(),
    })
}

/// Maps non-success statuses to typed errors, reading the registry's
/// `{"errors":[{"code","message"}]}` body when there is one.
async fn check_status(response: Response, url: &Url) -> Result<Response, RegistryError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let challenge = header(response.headers(), WWW_AUTHENTICATE.as_str()).map(str::to_owned);
    let body = response.bytes().await.unwrap_or_default();
    let first = serde_json::from_slice::<ErrorBody>(&body)
        .ok()
        .and_then(|b| b.errors.into_iter().next());
    let url = url.to_string();
    Err(match status {
        StatusCode::NOT_FOUND => RegistryError::NotFound {
            url,
            code: first.map_or_else(|| "NOT_FOUND".to_owned(), |e| e.code),
        },
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => RegistryError::Unauthorized {
            url,
            detail: first
                .map(|e| e.message)
                .or(challenge)
                .unwrap_or_else(|| status.to_string()),
        },
        _ => RegistryError::Status {
            url,
            status: status.as_u16(),
            message: first.map_or_else(|| excerpt(&body), |e| format!("{}: {}", e.code, e.message)),
        },
    })
}

fn excerpt(body: &[u8]) -> String {
    String::from_utf8_lossy(body).chars().take(200).collect()
}

/// `sha256:<hex>` of `bytes`.
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{:x}", Sha256::digest(bytes))
}

/// Fails when `expected` is a sha256 digest other than `actual`; other
/// algorithms cannot be checked and are trusted.
fn verify_digest(expected: Option<&str>, actual: &str, url: &Url) -> Result<(), RegistryError> {
    match expected {
        Some(expected) if expected.starts_with("sha256:") && expected != actual => {
            Err(RegistryError::DigestMismatch {
                url: url.to_string(),
                expected: expected.to_owned(),
                actual: actual.to_owned(),
            })
        }
        _ => Ok(()),
    }
}

/// The target of the `rel="next"` entry of the `Link` headers, if any.
fn next_link(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|link| {
            let (target, params) = link.trim().strip_prefix('<')?.split_once('>')?;
            params
                .split(';')
                .filter_map(|p| p.trim().split_once('='))
                .any(|(k, v)| {
                    k.trim().eq_ignore_ascii_case("rel")
                        && v.trim()
                            .trim_matches('"')
                            .split_whitespace()
                            .any(|r| r == "next")
                })
                .then(|| target.to_owned())
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn link_header_next() {
        let mut headers = HeaderMap::new();
        assert_eq!(next_link(&headers), None);
        headers.insert(
            LINK,
            HeaderValue::from_static(r#"</v2/_catalog?last=demo%2Fapp&n=1>; rel="next""#),
        );
        assert_eq!(
            next_link(&headers).as_deref(),
            Some("/v2/_catalog?last=demo%2Fapp&n=1")
        );
        headers.insert(
            LINK,
            HeaderValue::from_static(r#"<https://x/prev>; rel="prev", <https://x/next>; rel=next"#),
        );
        assert_eq!(next_link(&headers).as_deref(), Some("https://x/next"));
        headers.insert(
            LINK,
            HeaderValue::from_static(r#"<https://x/prev>; rel="prev""#),
        );
        assert_eq!(next_link(&headers), None);
    }

    #[test]
    fn digests() {
        assert_eq!(
            sha256_digest(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let url = Url::parse("http://x/").unwrap();
        assert!(verify_digest(Some("sha256:00"), &sha256_digest(b""), &url).is_err());
        assert!(verify_digest(Some("sha512:00"), &sha256_digest(b""), &url).is_ok());
        assert!(verify_digest(None, "sha256:00", &url).is_ok());
    }

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
