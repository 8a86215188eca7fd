//! Reading registry responses: status codes to typed errors, headers,
//! JSON bodies, `Link` pagination and content digests.

use reqwest::header::{HeaderMap, LINK, WWW_AUTHENTICATE};
use reqwest::{Method, Response, StatusCode, Url};
use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use super::error::RegistryError;

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

pub(super) fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

pub(super) fn transport(method: &Method, url: &Url, source: reqwest::Error) -> RegistryError {
    RegistryError::Transport {
        method: method.to_string(),
        url: url.to_string(),
        source,
    }
}

pub(super) async fn read_body(response: Response, url: &Url) -> Result<Vec<u8>, RegistryError> {
    let bytes = response
        .bytes()
        .await
        .map_err(|e| transport(&Method::GET, url, e))?;
    Ok(bytes.to_vec())
}

pub(super) fn parse_json<T: for<'de> Deserialize<'de>>(
    body: &[u8],
    url: &Url,
) -> Result<T, RegistryError> {
    serde_json::from_slice(body).map_err(|e| RegistryError::InvalidBody {
        url: url.to_string(),
        reason: e.to_string(),
    })
}

/// Maps non-success statuses to typed errors, reading the registry's
/// `{"errors":[{"code","message"}]}` body when there is one.
pub(super) async fn check_status(response: Response, url: &Url) -> Result<Response, RegistryError> {
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

pub(super) fn excerpt(body: &[u8]) -> String {
    String::from_utf8_lossy(body).chars().take(200).collect()
}

/// `sha256:<hex>` of `bytes`.
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{:x}", Sha256::digest(bytes))
}

/// Fails when `expected` is a sha256 digest other than `actual`; other
/// algorithms cannot be checked and are trusted.
pub(super) fn verify_digest(
    expected: Option<&str>,
    actual: &str,
    url: &Url,
) -> Result<(), RegistryError> {
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
pub(super) fn next_link(headers: &HeaderMap) -> Option<String> {
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
}
