//! Tag filters: `allow-tags` (`regexp:<re>` or `any`) and `ignore-tags` globs.

use globset::{Glob, GlobMatcher};
use regex::Regex;

/// Why a tag filter setting is invalid. Argo CD Image Updater silently
/// matches nothing in these cases; we refuse the setting instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    /// `allow-tags` names no known match function.
    #[error("allow-tags {0:?}: expected `regexp:<expression>` or `any`")]
    UnknownMatchFunction(String),
    /// The `regexp:` expression does not compile.
    #[error("allow-tags {value:?}: invalid regular expression: {reason}")]
    InvalidRegex {
        /// The whole setting.
        value: String,
        /// The regex compiler's message.
        reason: String,
    },
    /// An `ignore-tags` entry is not a valid glob.
    #[error("ignore-tags {pattern:?}: invalid glob: {reason}")]
    InvalidGlob {
        /// The offending pattern.
        pattern: String,
        /// The glob compiler's message.
        reason: String,
    },
}

/// Which tags a spec may consider at all.
#[derive(Debug, Clone, Default)]
pub struct TagFilter {
    allow: Option<Regex>,
    ignore: Vec<GlobMatcher>,
}

impl TagFilter {
    /// Builds a filter from an `allow-tags` value (`None`, `any` or
    /// `regexp:<re>`) and `ignore-tags` globs (`*`, `?`, `[...]`; `*` alone
    /// ignores every tag, which pauses updates).
    pub fn new(allow: Option<&str>, ignore: &[String]) -> Result<Self, FilterError> {
        let allow = match allow.map(str::trim) {
            None | Some("") | Some("any") => None,
            Some(value) => {
                let expression = value
                    .strip_prefix("regexp:")
                    .ok_or_else(|| FilterError::UnknownMatchFunction(value.to_owned()))?;
                Some(
                    Regex::new(expression).map_err(|e| FilterError::InvalidRegex {
                        value: value.to_owned(),
                        reason: e.to_string(),
                    })?,
                )
            }
        };
        let ignore = ignore
            .iter()
            .map(|p| p.trim())
            .filter(|p| !p.is_empty())
            .map(|p| {
                Glob::new(p)
                    .map(|g| g.compile_matcher())
                    .map_err(|e| FilterError::InvalidGlob {
                        pattern: p.to_owned(),
                        reason: e.kind().to_string(),
                    })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { allow, ignore })
    }

    /// True when `tag` passes the allow expression and no ignore glob.
    pub fn accepts(&self, tag: &str) -> bool {
        self.allow.as_ref().is_none_or(|re| re.is_match(tag))
            && !self.ignore.iter().any(|g| g.is_match(tag))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn globs(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn allow_regexp_and_ignore_globs() {
        let f = TagFilter::new(Some(r"regexp:^\d{4}-\d{2}-\d{2}$"), &[]).unwrap();
        assert!(f.accepts("2024-01-31"));
        assert!(!f.accepts("latest"));
        let f = TagFilter::new(Some("any"), &globs(&["latest", "*-rc*", "sha-??????"])).unwrap();
        assert!(f.accepts("1.2.3"));
        assert!(!f.accepts("latest"));
        assert!(!f.accepts("1.0-rc1"));
        assert!(!f.accepts("sha-abcdef"));
        assert!(f.accepts("sha-abcdefg"));
        let pause = TagFilter::new(None, &globs(&["*"])).unwrap();
        assert!(!pause.accepts("1.0.0"));
    }

    #[test]
    fn bad_settings_are_errors() {
        assert!(matches!(
            TagFilter::new(Some("glob:*"), &[]),
            Err(FilterError::UnknownMatchFunction(_))
        ));
        assert!(matches!(
            TagFilter::new(Some("regexp:("), &[]),
            Err(FilterError::InvalidRegex { .. })
        ));
        assert!(matches!(
            TagFilter::new(None, &globs(&["[a-"])),
            Err(FilterError::InvalidGlob { .. })
        ));
    }
}
