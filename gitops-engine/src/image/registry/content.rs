//! What the client reads from a registry: the `/v2/` ping, tag lists across
//! `Link` pages, manifests, config blobs and per-tag build metadata.

use jiff::Timestamp;
use reqwest::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use reqwest::{Method, StatusCode};
use serde::Deserialize;

use super::auth::Challenge;
use super::client::RegistryClient;
use super::error::RegistryError;
use super::manifest::{ImageConfig, MANIFEST_ACCEPT, Manifest, ManifestProblem};
use super::response::{
    check_status, header, next_link, parse_json, read_body, sha256_digest, transport, verify_digest,
};
use crate::image::platform::{Platform, any_accepts};

/// Header carrying the registry's digest of the returned manifest.
const CONTENT_DIGEST: &str = "docker-content-digest";
/// Upper bound on followed `Link` pages, against registries that loop.
const MAX_PAGES: usize = 1000;

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
    /// Newest creation date among the wanted platforms' images; configs
    /// without a valid RFC 3339 `created` contribute none.
    pub created: Option<Timestamp>,
    /// Platforms of the images that matched the wanted platforms.
    pub platforms: Vec<Platform>,
}

#[derive(Deserialize)]
struct TagList {
    #[serde(default)]
    tags: Option<Vec<String>>,
}

impl RegistryClient {
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
                .and_then(|c| c.parse::<Timestamp>().ok());
            info.created = info.created.max(created);
            info.platforms.push(Platform {
                os: config.os,
                architecture: config.architecture,
                variant: config.variant,
            });
        }
        Ok((!info.platforms.is_empty()).then_some(info))
    }
}

fn pull_scope(repository: &str) -> String {
    format!("repository:{repository}:pull")
}
