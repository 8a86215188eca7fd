//! `.helmignore`: which files of a chart directory are left out when it is loaded.
//!
//! Semantics of Helm's `pkg/ignore`: one pattern a line, `#` comments,
//! `!` negates, a trailing `/` matches directories only, a pattern holding
//! `/` matches the whole chart-relative path and one without `/` matches
//! the base name, both with Go's `filepath.Match` (`*` stays within one
//! path element); `**` is refused. Rules apply in order and, as in Helm, a
//! negated rule that does not match ignores the path.

use crate::error::{Error, Result};
use globset::{GlobBuilder, GlobMatcher};

/// The name of the ignore file in a chart's root.
pub const HELMIGNORE: &str = ".helmignore";

struct Rule {
    matcher: GlobMatcher,
    /// Match the whole relative path rather than the base name.
    full_path: bool,
    negate: bool,
    dir_only: bool,
}

/// The parsed rules of one `.helmignore`, plus Helm's default rule
/// (hidden files under `templates/` are ignored).
pub struct IgnoreRules {
    rules: Vec<Rule>,
}

impl IgnoreRules {
    /// Parses the text of a `.helmignore` (empty text: only the default rule).
    pub fn parse(text: &str) -> Result<Self> {
        let mut rules = Self { rules: Vec::new() };
        for line in text.lines() {
            rules.add(line)?;
        }
        rules.add("templates/.?*")?;
        Ok(rules)
    }

    fn add(&mut self, line: &str) -> Result<()> {
        let mut pattern = line.trim();
        if pattern.is_empty() || pattern.starts_with('#') {
            return Ok(());
        }
        if pattern.contains("**") {
            return Err(Error::InvalidChart(
                "double-star (**) syntax is not supported".into(),
            ));
        }
        let negate = pattern.starts_with('!') && pattern.len() > 1;
        if negate {
            pattern = &pattern[1..];
        }
        let dir_only = pattern.ends_with('/') && pattern.len() > 1;
        if dir_only {
            pattern = &pattern[..pattern.len() - 1];
        }
        let full_path = pattern.contains('/');
        let pattern = pattern.strip_prefix('/').unwrap_or(pattern);
        let matcher = GlobBuilder::new(pattern)
            .literal_separator(true)
            .backslash_escape(true)
            .build()
            .map_err(|e| Error::InvalidChart(format!("{HELMIGNORE}: bad pattern {line:?}: {e}")))?
            .compile_matcher();
        self.rules.push(Rule {
            matcher,
            full_path,
            negate,
            dir_only,
        });
        Ok(())
    }

    /// Whether the chart-relative `path` (`/`-separated) is ignored.
    pub fn ignores(&self, path: &str, is_dir: bool) -> bool {
        if path.is_empty() || path == "." || path == "./" {
            return false;
        }
        let base = path.rsplit('/').next().unwrap_or(path);
        for rule in &self.rules {
            let subject = if rule.full_path { path } else { base };
            if rule.negate {
                if rule.dir_only && !is_dir {
                    return true;
                }
                if !rule.matcher.is_match(subject) {
                    return true;
                }
                continue;
            }
            if rule.dir_only && !is_dir {
                continue;
            }
            if rule.matcher.is_match(subject) {
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_as_helm_does() {
        let rules = IgnoreRules::parse("# comment\n*.bak\n/docs/*.md\nsecret/\n").unwrap();
        assert!(rules.ignores("a.bak", false));
        assert!(rules.ignores("sub/a.bak", false));
        assert!(rules.ignores("docs/x.md", false));
        assert!(!rules.ignores("other/docs/x.md", false));
        assert!(rules.ignores("secret", true));
        assert!(!rules.ignores("secret", false));
        assert!(rules.ignores("templates/.hidden", false));
        assert!(!rules.ignores("templates/visible.yaml", false));
        assert!(!rules.ignores("Chart.yaml", false));
    }

    #[test]
    fn a_negated_rule_ignores_what_it_does_not_match() {
        let rules = IgnoreRules::parse("!keep.txt\n").unwrap();
        assert!(!rules.ignores("keep.txt", false));
        assert!(rules.ignores("other.txt", false));
    }

    #[test]
    fn double_star_is_refused() {
        assert!(IgnoreRules::parse("a/**/b").is_err());
    }
}
