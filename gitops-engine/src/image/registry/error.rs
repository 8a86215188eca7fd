//! Typed errors of the registry client.

use std::time::Duration;

/// Everything that can go wrong talking to a registry.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// A URL could not be built or resolved.
    #[error("registry URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL (or base and reference) at fault.
        url: String,
        /// Why it is invalid.
        reason: String,
    },
    /// The HTTP client could not be set up.
    #[error("setting up the HTTP client for {url}: {source}")]
    ClientSetup {
        /// The registry API URL.
        url: String,
        /// The HTTP client's error.
        #[source]
        source: reqwest::Error,
    },
    /// The request did not complete (connection, TLS, timeout, body read).
    #[error("{method} {url}: {source}")]
    Transport {
        /// HTTP method.
        method: String,
        /// Request URL.
        url: String,
        /// The HTTP client's error.
        #[source]
        source: reqwest::Error,
    },
    /// The registry refused our credentials (or we had none).
    #[error("{url}: unauthorized ({detail})")]
    Unauthorized {
        /// Request URL.
        url: String,
        /// Challenge or error text from the registry.
        detail: String,
    },
    /// The token endpoint failed.
    #[error("token request to {realm}: {reason}")]
    Token {
        /// The realm URL from the challenge.
        realm: String,
        /// What went wrong.
        reason: String,
    },
    /// The repository, tag or blob does not exist.
    #[error("{url}: not found ({code})")]
    NotFound {
        /// Request URL.
        url: String,
        /// Registry error code, e.g. `MANIFEST_UNKNOWN`, `NAME_UNKNOWN`.
        code: String,
    },
    /// Still throttled (429/503) after the allowed retries, or asked to wait
    /// longer than the retry policy allows.
    #[error("{url}: rate limited by the registry after {attempts} attempt(s){}", retry_after.map(|d| format!(", Retry-After {}s", d.as_secs())).unwrap_or_default())]
    RateLimited {
        /// Request URL.
        url: String,
        /// Attempts made.
        attempts: u32,
        /// The last `Retry-After` the registry sent.
        retry_after: Option<Duration>,
    },
    /// Any other unexpected status.
    #[error("{url}: HTTP {status}: {message}")]
    Status {
        /// Request URL.
        url: String,
        /// HTTP status code.
        status: u16,
        /// Registry error message or body excerpt.
        message: String,
    },
    /// A response body is not the JSON we expect.
    #[error("{url}: invalid response body: {reason}")]
    InvalidBody {
        /// Request URL.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// Content did not hash to the digest the registry announced.
    #[error("{url}: content digest {actual} does not match {expected}")]
    DigestMismatch {
        /// Request URL.
        url: String,
        /// Digest the registry announced or we asked for.
        expected: String,
        /// Digest of the bytes received.
        actual: String,
    },
    /// The manifest media type is not an image manifest or index we understand.
    #[error("{url}: unsupported manifest media type {media_type:?}")]
    UnsupportedManifest {
        /// Request URL.
        url: String,
        /// The media type received.
        media_type: String,
    },
    /// `Link` pagination did not end.
    #[error("{url}: tag list pagination exceeded {pages} pages")]
    TooManyPages {
        /// The first page's URL.
        url: String,
        /// The page limit.
        pages: usize,
    },
}
