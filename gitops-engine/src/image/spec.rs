//! Image specs: one `image-list` entry (`[alias=]image[:constraint]`) with
//! its update settings, parsed and validated.

use super::filter::{FilterError, TagFilter};
use super::platform::{Platform, PlatformError};
use super::reference::{ImageRef, ReferenceError, split_reference};
use super::strategy::{Strategy, StrategyError};

/// Raw update settings as written in annotations or the CRD.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageSettings {
    /// `update-strategy` / `updateStrategy`.
    pub update_strategy: Option<String>,
    /// `allow-tags` / `allowTags`: `regexp:<re>` or `any`.
    pub allow_tags: Option<String>,
    /// `ignore-tags` / `ignoreTags` globs.
    pub ignore_tags: Vec<String>,
    /// `platforms`: `os/arch[/variant]` entries; empty = every platform.
    pub platforms: Vec<String>,
}

/// A validated image spec.
#[derive(Debug, Clone)]
pub struct ImageSpec {
    /// Alias from `alias=image`, used to look up per-image settings.
    pub alias: Option<String>,
    /// The image name (no tag, no digest).
    pub image: ImageRef,
    /// The strategy with its constraint or watched tag.
    pub strategy: Strategy,
    /// Allowed / ignored tags.
    pub filter: TagFilter,
    /// Platforms whose images must exist (empty = any platform).
    pub platforms: Vec<Platform>,
}

/// Why an image spec is invalid; every variant names the entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// Nothing after `alias=`.
    #[error("image-list entry {0:?}: empty image name")]
    EmptyImage(String),
    /// The image name is invalid.
    #[error("image-list entry {entry:?}: {source}")]
    Reference {
        /// The entry.
        entry: String,
        /// The parse error.
        #[source]
        source: ReferenceError,
    },
    /// Strategy or constraint is invalid.
    #[error("image-list entry {entry:?}: {source}")]
    Strategy {
        /// The entry.
        entry: String,
        /// The strategy error.
        #[source]
        source: StrategyError,
    },
    /// allow-tags / ignore-tags are invalid.
    #[error("image-list entry {entry:?}: {source}")]
    Filter {
        /// The entry.
        entry: String,
        /// The filter error.
        #[source]
        source: FilterError,
    },
    /// A platform is invalid.
    #[error("image-list entry {entry:?}: {source}")]
    Platform {
        /// The entry.
        entry: String,
        /// The platform error.
        #[source]
        source: PlatformError,
    },
}

impl ImageSpec {
    /// Parses `[alias=]image[:constraint]` (a trailing `@digest` is ignored)
    /// and applies `settings`. The alias `=` must come before the first `:`,
    /// so constraints such as `app:>=1.0` need no alias.
    pub fn parse(entry: &str, settings: &ImageSettings) -> Result<Self, SpecError> {
        let trimmed = entry.trim();
        let head_end = trimmed.find(':').unwrap_or(trimmed.len());
        let (alias, image) = match trimmed[..head_end].find('=') {
            Some(eq) => (
                Some(trimmed[..eq].trim().to_owned()),
                trimmed[eq + 1..].trim(),
            ),
            None => (None, trimmed),
        };
        if image.is_empty() {
            return Err(SpecError::EmptyImage(entry.to_owned()));
        }
        let split = split_reference(image);
        let image =
            ImageRef::from_name(split.name, entry).map_err(|source| SpecError::Reference {
                entry: entry.to_owned(),
                source,
            })?;
        let strategy = Strategy::from_settings(settings.update_strategy.as_deref(), split.suffix)
            .map_err(|source| SpecError::Strategy {
            entry: entry.to_owned(),
            source,
        })?;
        let filter = TagFilter::new(settings.allow_tags.as_deref(), &settings.ignore_tags)
            .map_err(|source| SpecError::Filter {
                entry: entry.to_owned(),
                source,
            })?;
        let platforms = settings
            .platforms
            .iter()
            .map(|p| p.parse())
            .collect::<Result<_, _>>()
            .map_err(|source| SpecError::Platform {
                entry: entry.to_owned(),
                source,
            })?;
        Ok(Self {
            alias: alias.filter(|a| !a.is_empty()),
            image,
            strategy,
            filter,
            platforms,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::constraint::Constraint;

    fn settings(strategy: Option<&str>) -> ImageSettings {
        ImageSettings {
            update_strategy: strategy.map(str::to_owned),
            ..ImageSettings::default()
        }
    }

    #[test]
    fn alias_image_and_constraint() {
        let s = ImageSpec::parse("nginx=nginx:1.20", &settings(None)).unwrap();
        assert_eq!(s.alias.as_deref(), Some("nginx"));
        assert_eq!(s.image.name(), "docker.io/library/nginx");
        assert_eq!(
            s.strategy,
            Strategy::Semver {
                constraint: Some(Constraint::parse("1.20").unwrap())
            }
        );

        let s = ImageSpec::parse("ghcr.io/org/app:>=1.0 <2.0", &settings(None)).unwrap();
        assert_eq!(s.alias, None);
        assert_eq!(s.image.name(), "ghcr.io/org/app");

        let s = ImageSpec::parse(
            "local=127.0.0.1:5000/demo/app",
            &settings(Some("newest-build")),
        )
        .unwrap();
        assert_eq!(s.image.registry, "127.0.0.1:5000");
        assert_eq!(s.strategy, Strategy::NewestBuild);

        let s = ImageSpec::parse("redis:latest", &settings(Some("digest"))).unwrap();
        assert_eq!(
            s.strategy,
            Strategy::Digest {
                tag: "latest".into()
            }
        );
    }

    #[test]
    fn settings_are_validated() {
        let full = ImageSettings {
            update_strategy: Some("alphabetical".into()),
            allow_tags: Some(r"regexp:^\d+$".into()),
            ignore_tags: vec!["9*".into()],
            platforms: vec!["linux/amd64".into(), "linux/arm/v7".into()],
        };
        let s = ImageSpec::parse("app", &full).unwrap();
        assert!(s.filter.accepts("123") && !s.filter.accepts("923") && !s.filter.accepts("v1"));
        assert_eq!(s.platforms.len(), 2);

        let bad = |settings: ImageSettings| ImageSpec::parse("app:1.x", &settings).unwrap_err();
        assert!(matches!(
            bad(ImageSettings {
                platforms: vec!["linux".into()],
                ..full.clone()
            }),
            SpecError::Platform { .. }
        ));
        assert!(matches!(
            bad(ImageSettings {
                allow_tags: Some("x".into()),
                ..full.clone()
            }),
            SpecError::Filter { .. }
        ));
        assert!(matches!(
            bad(settings(Some("fastest"))),
            SpecError::Strategy { .. }
        ));
        assert_eq!(
            ImageSpec::parse("a=", &full).unwrap_err(),
            SpecError::EmptyImage("a=".into())
        );
        let err = ImageSpec::parse("Bad/Name", &full).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("image-list entry \"Bad/Name\": "),
            "{err}"
        );
        assert!(matches!(
            ImageSpec::parse("app:latest", &settings(None)),
            Err(SpecError::Strategy { .. })
        ));
    }
}
