//! A client for the Docker Registry HTTP API v2 / OCI distribution API.
//!
//! It pings `/v2/`, answers `WWW-Authenticate` challenges (Bearer tokens from
//! the challenge's realm, Basic), lists tags across `Link` pages, reads
//! manifests and indexes of both the OCI and Docker schemas, verifies digests,
//! reads config blobs for creation dates and platforms, paces requests per
//! registry and retries HTTP 429/503 honouring `Retry-After`.

pub mod auth;
pub mod client;
pub mod content;
pub mod credentials;
pub mod error;
pub mod manifest;
pub mod ratelimit;
pub mod response;

pub use auth::Challenge;
pub use client::{RegistryClient, RegistryConfig};
pub use content::{FetchedManifest, TagInfo};
pub use credentials::{Credentials, CredentialsError, PullSecretError, PullSecretRef};
pub use error::RegistryError;
pub use manifest::{Descriptor, ImageConfig, Manifest};
pub use ratelimit::{RateLimiter, RetryPolicy};
pub use response::sha256_digest;
