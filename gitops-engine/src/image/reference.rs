//! Container image references: `[registry/]repository[:tag][@digest]`.
//!
//! Normalisation follows Docker's rules, which Argo CD Image Updater also
//! applies: the first path component is a registry host only when it contains
//! a `.` or a `:` or is `localhost`; otherwise the image lives on Docker Hub
//! (`docker.io`), where single-component names get the `library/` namespace.

use std::fmt;
use std::sync::LazyLock;

use regex::Regex;

/// Host name under which Docker Hub images are recorded.
pub const DOCKER_HUB: &str = "docker.io";

/// Base URL of Docker Hub's registry API.
pub const DOCKER_HUB_API: &str = "https://registry-1.docker.io";

/// Host names that all mean Docker Hub.
const DOCKER_HUB_ALIASES: [&str; 3] = [DOCKER_HUB, "index.docker.io", "registry-1.docker.io"];

static COMPONENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$").expect("static regex"));
static TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$").expect("static regex"));
static DIGEST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[A-Za-z0-9=_-]+$").expect("static regex")
});

/// A parsed, normalised image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Registry host (with port when given), e.g. `docker.io`, `ghcr.io`, `127.0.0.1:5000`.
    pub registry: String,
    /// Repository path inside the registry, e.g. `library/nginx`, `argoproj/argocd`.
    pub repository: String,
    /// Tag, when the reference names one.
    pub tag: Option<String>,
    /// Digest (`sha256:<hex>`), when the reference pins one.
    pub digest: Option<String>,
}

/// Why an image reference could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReferenceError {
    /// The reference (or its name part) is empty.
    #[error("image reference {0:?} has an empty name")]
    EmptyName(String),
    /// A repository path component breaks the lowercase name grammar.
    #[error(
        "image reference {reference:?}: repository component {component:?} is not a valid name"
    )]
    InvalidName {
        /// The whole reference.
        reference: String,
        /// The offending component.
        component: String,
    },
    /// The tag breaks the tag grammar.
    #[error("image reference {reference:?}: tag {tag:?} is not valid")]
    InvalidTag {
        /// The whole reference.
        reference: String,
        /// The offending tag.
        tag: String,
    },
    /// The digest is not `<algorithm>:<encoded>`.
    #[error("image reference {reference:?}: digest {digest:?} is not <algorithm>:<hex>")]
    InvalidDigest {
        /// The whole reference.
        reference: String,
        /// The offending digest.
        digest: String,
    },
}

/// The pieces of `name[:suffix][@digest]` before the suffix is interpreted
/// (as a tag for references, as a version constraint for image-list entries).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SplitReference<'a> {
    pub name: &'a str,
    pub suffix: Option<&'a str>,
    pub digest: Option<&'a str>,
}

/// Splits `name[:suffix][@digest]`; the suffix colon is the first one after the
/// last `/`, so registry ports (`host:5000/app`) stay in the name.
pub(crate) fn split_reference(input: &str) -> SplitReference<'_> {
    let (rest, digest) = match input.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (input, None),
    };
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    match rest[last_slash..].find(':') {
        Some(colon) => SplitReference {
            name: &rest[..last_slash + colon],
            suffix: Some(&rest[last_slash + colon + 1..]),
            digest,
        },
        None => SplitReference {
            name: rest,
            suffix: None,
            digest,
        },
    }
}

impl ImageRef {
    /// Parses `[registry/]repository[:tag][@digest]` and normalises Docker Hub names.
    pub fn parse(reference: &str) -> Result<Self, ReferenceError> {
        let split = split_reference(reference.trim());
        let mut image = Self::from_name(split.name, reference)?;
        if let Some(tag) = split.suffix {
            if !TAG.is_match(tag) {
                return Err(ReferenceError::InvalidTag {
                    reference: reference.to_owned(),
                    tag: tag.to_owned(),
                });
            }
            image.tag = Some(tag.to_owned());
        }
        image.digest = split
            .digest
            .map(|d| validate_digest(d, reference))
            .transpose()?;
        Ok(image)
    }

    /// Parses the name part only (no tag, no digest); `reference` names the
    /// whole input in errors.
    pub(crate) fn from_name(name: &str, reference: &str) -> Result<Self, ReferenceError> {
        if name.is_empty() {
            return Err(ReferenceError::EmptyName(reference.to_owned()));
        }
        let (registry, path) = match name.split_once('/') {
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (normalise_registry(first), rest)
            }
            _ => (DOCKER_HUB.to_owned(), name),
        };
        let repository = if registry == DOCKER_HUB && !path.contains('/') {
            format!("library/{path}")
        } else {
            path.to_owned()
        };
        if let Some(bad) = repository.split('/').find(|c| !COMPONENT.is_match(c)) {
            return Err(ReferenceError::InvalidName {
                reference: reference.to_owned(),
                component: bad.to_owned(),
            });
        }
        Ok(Self {
            registry,
            repository,
            tag: None,
            digest: None,
        })
    }

    /// `registry/repository` without tag or digest.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// Base URL of the registry's HTTP API (`https://<registry>`; Docker Hub
    /// maps to `https://registry-1.docker.io`).
    pub fn api_url(&self) -> String {
        if self.registry == DOCKER_HUB {
            DOCKER_HUB_API.to_owned()
        } else {
            format!("https://{}", self.registry)
        }
    }

    /// The same image with another tag and digest.
    pub fn with_version(&self, tag: Option<&str>, digest: Option<&str>) -> Self {
        Self {
            registry: self.registry.clone(),
            repository: self.repository.clone(),
            tag: tag.map(str::to_owned),
            digest: digest.map(str::to_owned),
        }
    }
}

/// True when `host` is one of Docker Hub's names.
pub fn is_docker_hub(host: &str) -> bool {
    DOCKER_HUB_ALIASES.contains(&host)
}

fn normalise_registry(host: &str) -> String {
    if is_docker_hub(host) {
        DOCKER_HUB.to_owned()
    } else {
        host.to_owned()
    }
}

fn validate_digest(digest: &str, reference: &str) -> Result<String, ReferenceError> {
    if DIGEST.is_match(digest) {
        Ok(digest.to_owned())
    } else {
        Err(ReferenceError::InvalidDigest {
            reference: reference.to_owned(),
            digest: digest.to_owned(),
        })
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> ImageRef {
        ImageRef::parse(s).unwrap()
    }

    #[test]
    fn docker_hub_official_image_gets_library_namespace() {
        let r = parse("nginx");
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str()),
            ("docker.io", "library/nginx")
        );
        assert_eq!((r.tag, r.digest), (None, None));
        assert_eq!(parse("nginx:1.25").tag.as_deref(), Some("1.25"));
        assert_eq!(parse("docker.io/nginx").repository, "library/nginx");
        assert_eq!(parse("index.docker.io/nginx").registry, "docker.io");
    }

    #[test]
    fn docker_hub_user_image_keeps_namespace() {
        let r = parse("bitnami/redis:7.2");
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str()),
            ("docker.io", "bitnami/redis")
        );
        assert_eq!(r.api_url(), "https://registry-1.docker.io");
    }

    #[test]
    fn registry_host_detection() {
        let r = parse("ghcr.io/argoproj/argocd:v2.9.0");
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str()),
            ("ghcr.io", "argoproj/argocd")
        );
        assert_eq!(r.api_url(), "https://ghcr.io");
        let r = parse("localhost/app");
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str()),
            ("localhost", "app")
        );
        let r = parse("127.0.0.1:5000/demo/app:1.0");
        assert_eq!(r.registry, "127.0.0.1:5000");
        assert_eq!(r.repository, "demo/app");
        assert_eq!(r.tag.as_deref(), Some("1.0"));
    }

    #[test]
    fn port_without_tag_is_not_a_tag() {
        let r = parse("registry.local:5000/app");
        assert_eq!(r.registry, "registry.local:5000");
        assert_eq!(r.tag, None);
    }

    #[test]
    fn tag_and_digest_together() {
        let d = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        let r = parse(&format!("quay.io/org/app:1.2@{d}"));
        assert_eq!(r.tag.as_deref(), Some("1.2"));
        assert_eq!(r.digest.as_deref(), Some(d));
        assert_eq!(r.to_string(), format!("quay.io/org/app:1.2@{d}"));
        let r = parse(&format!("app@{d}"));
        assert_eq!((r.tag, r.digest.as_deref()), (None, Some(d)));
    }

    #[test]
    fn invalid_references_are_typed_errors() {
        assert_eq!(
            ImageRef::parse(""),
            Err(ReferenceError::EmptyName(String::new()))
        );
        assert!(matches!(
            ImageRef::parse("Nginx"),
            Err(ReferenceError::InvalidName { .. })
        ));
        assert!(matches!(
            ImageRef::parse("nginx:bad tag"),
            Err(ReferenceError::InvalidTag { .. })
        ));
        assert!(matches!(
            ImageRef::parse("nginx@md5"),
            Err(ReferenceError::InvalidDigest { .. })
        ));
        assert!(matches!(
            ImageRef::parse("a//b"),
            Err(ReferenceError::InvalidName { .. })
        ));
    }

    #[test]
    fn display_is_fully_qualified() {
        assert_eq!(parse("nginx:1").to_string(), "docker.io/library/nginx:1");
        assert_eq!(parse("nginx").name(), "docker.io/library/nginx");
    }
}
