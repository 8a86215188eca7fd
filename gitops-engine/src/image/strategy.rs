//! Update strategies and the pure functions that pick a tag from candidates.

use jiff::Timestamp;

use super::constraint::{Constraint, ConstraintError, TagVersion};

/// How the newest acceptable image is chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Strategy {
    /// Highest semantic version satisfying the constraint (`None` = any release).
    Semver {
        /// The version constraint from the image spec.
        constraint: Option<Constraint>,
    },
    /// Most recently built tag, by the image config's `created` date.
    NewestBuild,
    /// Last tag in byte-wise order (for date-like tags).
    Alphabetical,
    /// Follow the digest behind one mutable tag.
    Digest {
        /// The tag to watch, e.g. `latest`.
        tag: String,
    },
}

/// Why a strategy setting is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StrategyError {
    /// The strategy name is not one we know.
    #[error(
        "update-strategy {0:?}: expected semver, newest-build (or latest), alphabetical (or name) or digest"
    )]
    Unknown(String),
    /// The semver constraint is invalid.
    #[error(transparent)]
    Constraint(#[from] ConstraintError),
    /// The digest strategy needs the tag to watch after the `:`.
    #[error("update-strategy digest needs the tag to watch, e.g. `image:latest`")]
    DigestWithoutTag,
}

impl Strategy {
    /// Builds a strategy from its name (`semver` when absent; the deprecated
    /// names `latest` and `name` are accepted) and the text after the image's
    /// `:`, which is a version constraint for `semver` and the watched tag for
    /// `digest`; other strategies ignore it.
    pub fn from_settings(
        name: Option<&str>,
        constraint: Option<&str>,
    ) -> Result<Self, StrategyError> {
        let constraint = constraint.map(str::trim).filter(|c| !c.is_empty());
        match name.map(str::trim).unwrap_or("") {
            "" | "semver" => Ok(Self::Semver {
                constraint: constraint.map(Constraint::parse).transpose()?,
            }),
            "newest-build" | "latest" => Ok(Self::NewestBuild),
            "alphabetical" | "name" => Ok(Self::Alphabetical),
            "digest" => constraint
                .map(|tag| Self::Digest {
                    tag: tag.to_owned(),
                })
                .ok_or(StrategyError::DigestWithoutTag),
            other => Err(StrategyError::Unknown(other.to_owned())),
        }
    }

    /// True when the strategy needs per-tag metadata (manifest and config).
    pub fn needs_metadata(&self) -> bool {
        matches!(self, Self::NewestBuild)
    }
}

/// The highest version among `tags` that satisfies `constraint` (any release
/// when `None`); tags that are not versions are skipped. Equal versions
/// (`v1.2.0` and `1.2.0`) are ordered by their text, the last one wins.
pub fn pick_semver<'a>(
    tags: impl IntoIterator<Item = &'a str>,
    constraint: Option<&Constraint>,
) -> Option<&'a str> {
    tags.into_iter()
        .filter_map(|tag| TagVersion::parse(tag).map(|v| (v, tag)))
        .filter(|(v, _)| match constraint {
            Some(c) => c.matches(v),
            None => !v.is_prerelease(),
        })
        .max()
        .map(|(_, tag)| tag)
}

/// The last tag in byte-wise order (`v10` sorts before `v9`).
pub fn pick_alphabetical<'a>(tags: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    tags.into_iter().max()
}

/// The tag with the newest creation date; ties go to the last tag by name.
pub fn pick_newest_build<'a>(
    candidates: impl IntoIterator<Item = (&'a str, Timestamp)>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(b.0)))
        .map(|(tag, _)| tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TAGS: [&str; 10] = [
        "latest",
        "1.9.0",
        "1.10.0",
        "v1.10.1",
        "2.0.0-rc1",
        "1.2",
        "sha-1234",
        "0.9.9",
        "1.10.1",
        "2.0.0-alpha",
    ];

    fn semver(constraint: Option<&str>) -> Option<&'static str> {
        let c = constraint.map(|c| Constraint::parse(c).unwrap());
        pick_semver(TAGS, c.as_ref())
    }

    #[test]
    fn semver_picks_highest_matching() {
        assert_eq!(semver(None), Some("v1.10.1"));
        assert_eq!(semver(Some("~1.9")), Some("1.9.0"));
        assert_eq!(semver(Some("<1.0")), Some("0.9.9"));
        assert_eq!(semver(Some("^2.0")), None);
        assert_eq!(semver(Some("2.x-0")), Some("2.0.0-rc1"));
        assert_eq!(semver(Some(">=1.2 <1.3")), Some("1.2"));
        assert_eq!(pick_semver([], None), None);
    }

    #[test]
    fn alphabetical_is_bytewise() {
        assert_eq!(pick_alphabetical(["v9", "v10", "v1"]), Some("v9"));
        assert_eq!(
            pick_alphabetical(["2024-01-02", "2024-01-10", "2023-12-31"]),
            Some("2024-01-10")
        );
    }

    #[test]
    fn newest_build_by_date_then_name() {
        let a: Timestamp = "2024-03-01T00:00:00Z".parse().expect("timestamp");
        let b: Timestamp = "2024-02-01T00:00:00Z".parse().expect("timestamp");
        assert_eq!(
            pick_newest_build([("x", b), ("old-name", a), ("y", b)]),
            Some("old-name")
        );
        assert_eq!(pick_newest_build([("a", a), ("b", a)]), Some("b"));
        assert_eq!(pick_newest_build([]), None);
    }

    #[test]
    fn strategy_settings() {
        assert_eq!(
            Strategy::from_settings(None, None),
            Ok(Strategy::Semver { constraint: None })
        );
        assert_eq!(
            Strategy::from_settings(Some("latest"), Some("1.x")),
            Ok(Strategy::NewestBuild)
        );
        assert_eq!(
            Strategy::from_settings(Some("name"), None),
            Ok(Strategy::Alphabetical)
        );
        assert_eq!(
            Strategy::from_settings(Some("digest"), Some("stable")),
            Ok(Strategy::Digest {
                tag: "stable".into()
            })
        );
        assert_eq!(
            Strategy::from_settings(Some("digest"), None),
            Err(StrategyError::DigestWithoutTag)
        );
        assert!(matches!(
            Strategy::from_settings(Some("newest"), None),
            Err(StrategyError::Unknown(_))
        ));
        assert!(matches!(
            Strategy::from_settings(None, Some("latest")),
            Err(StrategyError::Constraint(_))
        ));
        assert!(Strategy::NewestBuild.needs_metadata());
    }
}
