//! Image platforms (`os/architecture[/variant]`) and matching against the
//! platforms an image spec asks for.

use std::fmt;
use std::str::FromStr;

/// One platform, e.g. `linux/arm64/v8`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Platform {
    /// Operating system, e.g. `linux`.
    pub os: String,
    /// CPU architecture in OCI spelling, e.g. `amd64`, `arm64`.
    pub architecture: String,
    /// Optional CPU variant, e.g. `v7`.
    pub variant: Option<String>,
}

/// Why a platform string could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("platform {0:?} is not os/architecture[/variant]")]
pub struct PlatformError(pub String);

impl Platform {
    /// True when an image built for `os`/`architecture`/`variant` runs on this
    /// wanted platform; a wanted platform without variant accepts every variant.
    pub fn accepts(&self, os: &str, architecture: &str, variant: Option<&str>) -> bool {
        self.os == os
            && self.architecture == architecture
            && self
                .variant
                .as_deref()
                .is_none_or(|want| variant == Some(want))
    }

    /// Parses a comma-separated list such as `linux/amd64, linux/arm64`.
    pub fn parse_list(list: &str) -> Result<Vec<Self>, PlatformError> {
        list.split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::parse)
            .collect()
    }
}

/// True when `wanted` is empty (every platform is fine) or one entry accepts the platform.
pub fn any_accepts(
    wanted: &[Platform],
    os: &str,
    architecture: &str,
    variant: Option<&str>,
) -> bool {
    wanted.is_empty() || wanted.iter().any(|w| w.accepts(os, architecture, variant))
}

impl FromStr for Platform {
    type Err = PlatformError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.trim().split('/').collect();
        let valid =
            |p: &&str| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        match parts.as_slice() {
            [os, arch] if [os, arch].iter().all(|p| valid(p)) => Ok(Self {
                os: (*os).to_owned(),
                architecture: (*arch).to_owned(),
                variant: None,
            }),
            [os, arch, variant] if [os, arch, variant].iter().all(|p| valid(p)) => Ok(Self {
                os: (*os).to_owned(),
                architecture: (*arch).to_owned(),
                variant: Some((*variant).to_owned()),
            }),
            _ => Err(PlatformError(s.to_owned())),
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(variant) = &self.variant {
            write!(f, "/{variant}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display() {
        let list = Platform::parse_list("linux/amd64, linux/arm/v7").unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[1].variant.as_deref(), Some("v7"));
        assert_eq!(list[1].to_string(), "linux/arm/v7");
        assert_eq!(Platform::parse_list("").unwrap(), vec![]);
        for bad in ["linux", "linux/", "a/b/c/d", "linux/amd 64"] {
            assert_eq!(bad.parse::<Platform>(), Err(PlatformError(bad.to_owned())));
        }
    }

    #[test]
    fn matching() {
        let arm: Platform = "linux/arm64".parse().unwrap();
        assert!(arm.accepts("linux", "arm64", Some("v8")));
        assert!(arm.accepts("linux", "arm64", None));
        assert!(!arm.accepts("linux", "amd64", None));
        let v7: Platform = "linux/arm/v7".parse().unwrap();
        assert!(!v7.accepts("linux", "arm", Some("v6")));
        assert!(!v7.accepts("linux", "arm", None));
        assert!(any_accepts(&[], "windows", "amd64", None));
        assert!(!any_accepts(&[arm, v7], "linux", "amd64", None));
    }
}
