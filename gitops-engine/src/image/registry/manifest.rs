//! Image manifests, indexes (manifest lists) and image config blobs, in both
//! the OCI and the Docker v2 schema.

use serde::Deserialize;

/// OCI image index media type.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// OCI image manifest media type.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// Docker manifest list media type.
pub const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// Docker image manifest (schema 2) media type.
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";

/// `Accept` header value covering every manifest schema we read. Registries
/// such as distribution 2.8 answer 400 when a schema is missing here.
pub const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json";

/// A content descriptor: what a manifest points at.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    /// Media type of the referenced content.
    #[serde(default)]
    pub media_type: String,
    /// Digest of the referenced content.
    pub digest: String,
    /// Size in bytes.
    #[serde(default)]
    pub size: u64,
    /// Platform, for entries of an index.
    #[serde(default)]
    pub platform: Option<DescriptorPlatform>,
}

/// Platform of an index entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DescriptorPlatform {
    /// CPU architecture.
    pub architecture: String,
    /// Operating system.
    pub os: String,
    /// CPU variant.
    #[serde(default)]
    pub variant: Option<String>,
}

/// A parsed manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Manifest {
    /// A single-platform image manifest.
    Image {
        /// The config blob descriptor.
        config: Descriptor,
    },
    /// A multi-platform index / manifest list.
    Index {
        /// One entry per platform image.
        manifests: Vec<Descriptor>,
    },
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawManifest {
    media_type: Option<String>,
    config: Option<Descriptor>,
    manifests: Option<Vec<Descriptor>>,
}

/// Why a manifest body could not be understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManifestProblem {
    /// The media type is neither an image manifest nor an index.
    UnsupportedMediaType(String),
    /// The JSON is malformed or lacks `config` / `manifests`.
    Invalid(String),
}

impl Manifest {
    /// Parses a manifest body; `content_type` is the response's `Content-Type`
    /// (preferred over the body's `mediaType`, which is optional in OCI).
    pub fn parse(body: &[u8], content_type: Option<&str>) -> Result<Self, ManifestProblem> {
        let raw: RawManifest =
            serde_json::from_slice(body).map_err(|e| ManifestProblem::Invalid(e.to_string()))?;
        let header = content_type
            .map(|c| c.split(';').next().unwrap_or(c).trim())
            .filter(|c| !c.is_empty());
        let media_type = header
            .filter(|c| *c != "application/json")
            .map(str::to_owned)
            .or(raw.media_type)
            .unwrap_or_default();
        let missing =
            |field: &str| ManifestProblem::Invalid(format!("{media_type} without {field}"));
        match media_type.as_str() {
            OCI_INDEX | DOCKER_MANIFEST_LIST => Ok(Self::Index {
                manifests: raw.manifests.ok_or_else(|| missing("manifests"))?,
            }),
            OCI_MANIFEST | DOCKER_MANIFEST => Ok(Self::Image {
                config: raw.config.ok_or_else(|| missing("config"))?,
            }),
            "" => match (raw.manifests, raw.config) {
                (Some(manifests), _) => Ok(Self::Index { manifests }),
                (None, Some(config)) => Ok(Self::Image { config }),
                (None, None) => Err(ManifestProblem::Invalid(
                    "neither manifests nor config".to_owned(),
                )),
            },
            other => Err(ManifestProblem::UnsupportedMediaType(other.to_owned())),
        }
    }
}

/// The fields of an image config blob we use.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
pub struct ImageConfig {
    /// Creation time, RFC 3339.
    #[serde(default)]
    pub created: Option<String>,
    /// CPU architecture.
    #[serde(default)]
    pub architecture: String,
    /// Operating system.
    #[serde(default)]
    pub os: String,
    /// CPU variant.
    #[serde(default)]
    pub variant: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"{"mediaType":"application/vnd.docker.container.image.v1+json","size":10,"digest":"sha256:aa"}"#;

    #[test]
    fn image_manifest_by_header_or_body() {
        let body = format!(
            r#"{{"schemaVersion":2,"mediaType":"{DOCKER_MANIFEST}","config":{CONFIG},"layers":[]}}"#
        );
        let m = Manifest::parse(body.as_bytes(), None).unwrap();
        assert!(matches!(m, Manifest::Image { ref config } if config.digest == "sha256:aa"));
        let oci = format!(r#"{{"schemaVersion":2,"config":{CONFIG},"layers":[]}}"#);
        assert!(matches!(
            Manifest::parse(oci.as_bytes(), Some(OCI_MANIFEST)),
            Ok(Manifest::Image { .. })
        ));
        assert!(matches!(
            Manifest::parse(oci.as_bytes(), None),
            Ok(Manifest::Image { .. })
        ));
    }

    #[test]
    fn index_with_platforms() {
        let body = r#"{"schemaVersion":2,"manifests":[
            {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:a","size":1,"platform":{"architecture":"arm","os":"linux","variant":"v7"}},
            {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:b","size":1}]}"#;
        let Manifest::Index { manifests } =
            Manifest::parse(body.as_bytes(), Some(OCI_INDEX)).unwrap()
        else {
            panic!("not an index")
        };
        assert_eq!(
            manifests[0].platform.as_ref().unwrap().variant.as_deref(),
            Some("v7")
        );
        assert_eq!(manifests[1].platform, None);
    }

    #[test]
    fn problems() {
        assert_eq!(
            Manifest::parse(
                b"{}",
                Some("application/vnd.docker.distribution.manifest.v1+prettyjws")
            ),
            Err(ManifestProblem::UnsupportedMediaType(
                "application/vnd.docker.distribution.manifest.v1+prettyjws".into()
            ))
        );
        assert!(matches!(
            Manifest::parse(b"{}", Some(OCI_INDEX)),
            Err(ManifestProblem::Invalid(_))
        ));
        assert!(matches!(
            Manifest::parse(b"not json", None),
            Err(ManifestProblem::Invalid(_))
        ));
        assert!(matches!(
            Manifest::parse(b"{}", None),
            Err(ManifestProblem::Invalid(_))
        ));
    }
}
