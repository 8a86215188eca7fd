//! Which objects a rule applies to: glob patterns over API group and kind.

use regex::Regex;
use serde_json::Value;

use crate::object::{group_version, kind};

/// Matches objects by API group (`""` is the core group) and kind, each against a
/// list of glob patterns in which `*` matches any run of characters.
#[derive(Debug, Clone)]
pub struct KindMatcher {
    groups: Vec<Regex>,
    kinds: Vec<Regex>,
}

/// Why a [`KindMatcher`] could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidMatcher(String);

fn glob(pattern: &str) -> Result<Regex, InvalidMatcher> {
    let body: Vec<String> = pattern.split('*').map(regex::escape).collect();
    Regex::new(&format!("^{}$", body.join(".*")))
        .map_err(|e| InvalidMatcher(format!("invalid pattern `{pattern}`: {e}")))
}

impl KindMatcher {
    /// A matcher for the given group and kind patterns; both lists must be non-empty
    /// and kinds must not be empty strings.
    pub fn new(groups: &[String], kinds: &[String]) -> Result<KindMatcher, InvalidMatcher> {
        if groups.is_empty() {
            return Err(InvalidMatcher(
                "`group` must name at least one group (\"\" is the core group)".into(),
            ));
        }
        if kinds.is_empty() || kinds.iter().any(String::is_empty) {
            return Err(InvalidMatcher(
                "`kind` must name at least one non-empty kind".into(),
            ));
        }
        Ok(KindMatcher {
            groups: groups.iter().map(|g| glob(g)).collect::<Result<_, _>>()?,
            kinds: kinds.iter().map(|k| glob(k)).collect::<Result<_, _>>()?,
        })
    }

    /// Whether the matcher accepts this group and kind.
    pub fn matches_group_kind(&self, group: &str, kind: &str) -> bool {
        self.groups.iter().any(|g| g.is_match(group)) && self.kinds.iter().any(|k| k.is_match(kind))
    }

    /// Whether the matcher accepts the object's group and kind.
    pub fn matches(&self, obj: &Value) -> bool {
        self.matches_group_kind(group_version(obj).0, kind(obj).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_whole_names() {
        let m = KindMatcher::new(&["*.toolkit.fluxcd.io".into()], &["*".into()]).unwrap();
        assert!(m.matches_group_kind("source.toolkit.fluxcd.io", "GitRepository"));
        assert!(!m.matches_group_kind("toolkit.fluxcd.io.evil", "GitRepository"));
        let core = KindMatcher::new(&["".into()], &["Pod".into()]).unwrap();
        assert!(core.matches_group_kind("", "Pod"));
        assert!(!core.matches_group_kind("apps", "Pod"));
        assert!(!core.matches_group_kind("", "PodTemplate"));
        assert!(KindMatcher::new(&[], &["Pod".into()]).is_err());
        assert!(KindMatcher::new(&["".into()], &["".into()]).is_err());
    }
}
