//! Lenient tag versions and version constraints with the semantics of the
//! Masterminds `semver/v3` library that Argo CD Image Updater uses.
//!
//! * Tags parse leniently: an optional `v` prefix and missing minor/patch parts
//!   are accepted (`v1.2` is 1.2.0, `20240101` is 20240101.0.0).
//! * Constraints: operators `=`, `!=`, `>`, `<`, `>=`, `=>`, `<=`, `=<`, `~`,
//!   `~>`, `^`; wildcards `x`, `X`, `*` and missing parts (`1.2` behaves like
//!   `1.2.x`, i.e. `>=1.2.0 <1.3.0`); hyphen ranges `1.2 - 1.4.5`; AND with
//!   spaces or commas; OR with `||`.
//! * A pre-release version only matches an OR-group in which some comparator
//!   carries a pre-release itself (`>=2.0.0-0`, `2.x-0`).
//! * Build metadata is ignored when comparing.

use std::cmp::Ordering;
use std::fmt;
use std::sync::LazyLock;

use regex::Regex;
use semver::{BuildMetadata, Prerelease};

static TAG_VERSION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^v?([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?(?:-([0-9A-Za-z.-]+))?(?:\+([0-9A-Za-z.-]+))?$",
    )
    .expect("static regex")
});
static CONSTRAINT_VERSION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^v?([0-9]+|[xX*])(?:\.([0-9]+|[xX*]))?(?:\.([0-9]+|[xX*]))?(?:-([0-9A-Za-z.-]+))?(?:\+([0-9A-Za-z.-]+))?$",
    )
    .expect("static regex")
});

/// A version parsed leniently from an image tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagVersion {
    /// Major, minor and patch numbers.
    pub release: [u64; 3],
    /// Pre-release identifiers (empty for a release).
    pub pre: Prerelease,
}

impl TagVersion {
    /// Parses a tag such as `v1.2`, `1.2.3-rc.1+build5`; `None` when the tag is
    /// not a version (`latest`, `sha-abc`).
    pub fn parse(tag: &str) -> Option<Self> {
        let caps = TAG_VERSION.captures(tag)?;
        let number = |i: usize| {
            caps.get(i)
                .map_or(Some(0), |m| m.as_str().parse::<u64>().ok())
        };
        let pre = match caps.get(4) {
            Some(m) => Prerelease::new(m.as_str()).ok()?,
            None => Prerelease::EMPTY,
        };
        if let Some(build) = caps.get(5) {
            BuildMetadata::new(build.as_str()).ok()?;
        }
        Some(Self {
            release: [number(1)?, number(2)?, number(3)?],
            pre,
        })
    }

    /// True for pre-release versions.
    pub fn is_prerelease(&self) -> bool {
        !self.pre.is_empty()
    }
}

impl Ord for TagVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.release
            .cmp(&other.release)
            .then_with(|| self.pre.cmp(&other.pre))
    }
}

impl PartialOrd for TagVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Why a constraint could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("version constraint {constraint:?}: {problem}")]
pub struct ConstraintError {
    /// The whole constraint text.
    pub constraint: String,
    /// What is wrong with it.
    pub problem: String,
}

/// Comparison operator of one comparator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    TildeOrEqual,
    NotEqual,
    Greater,
    Less,
    GreaterEqual,
    LessEqual,
    Tilde,
    Caret,
}

impl Op {
    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "" | "=" => Self::TildeOrEqual,
            "!=" => Self::NotEqual,
            ">" => Self::Greater,
            "<" => Self::Less,
            ">=" | "=>" => Self::GreaterEqual,
            "<=" | "=<" => Self::LessEqual,
            "~" | "~>" => Self::Tilde,
            "^" => Self::Caret,
            _ => return None,
        })
    }
}

/// Which part of a constraint version is a wildcard (or missing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wildcard {
    None,
    Patch,
    Minor,
    Major,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Comparator {
    op: Op,
    version: TagVersion,
    wildcard: Wildcard,
}

/// A parsed version constraint: OR of AND-groups of comparators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    source: String,
    groups: Vec<Vec<Comparator>>,
}

impl Constraint {
    /// Parses a constraint such as `^1.2`, `~1.2`, `>=1.0 <2.0`, `1.x`,
    /// `1.2 - 1.4.5`, `<1.0 || >=2.0`.
    pub fn parse(text: &str) -> Result<Self, ConstraintError> {
        let error = |problem: String| ConstraintError {
            constraint: text.to_owned(),
            problem,
        };
        let groups = text
            .split("||")
            .map(|group| parse_group(group).map_err(error))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            source: text.to_owned(),
            groups,
        })
    }

    /// True when `version` satisfies the constraint.
    pub fn matches(&self, version: &TagVersion) -> bool {
        self.groups.iter().any(|group| {
            let include_pre = group.iter().any(|c| c.version.is_prerelease());
            (include_pre || !version.is_prerelease()) && group.iter().all(|c| c.matches(version))
        })
    }
}

impl fmt::Display for Constraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

/// Splits one AND-group into `(operator, version)` tokens and parses them,
/// expanding hyphen ranges `a - b` into `>=a <=b`.
fn parse_group(group: &str) -> Result<Vec<Comparator>, String> {
    let tokens = tokenize(group)?;
    let mut comparators = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let (op, version) = tokens[i];
        if op.is_empty() && tokens.get(i + 1).is_some_and(|t| *t == ("-", "")) {
            let upper = tokens
                .get(i + 2)
                .filter(|(o, v)| o.is_empty() && !v.is_empty())
                .map(|(_, v)| *v)
                .ok_or_else(|| format!("hyphen range after {version:?} lacks an upper bound"))?;
            comparators.push(comparator(">=", version)?);
            comparators.push(comparator("<=", upper)?);
            i += 3;
        } else {
            comparators.push(comparator(op, version)?);
            i += 1;
        }
    }
    if comparators.is_empty() {
        return Err("empty constraint (use `*` to accept every version)".to_owned());
    }
    Ok(comparators)
}

/// Tokens are `(operator, version)`; a lone hyphen between spaces is `("-", "")`.
fn tokenize(group: &str) -> Result<Vec<(&str, &str)>, String> {
    let is_op = |c: char| matches!(c, '=' | '!' | '<' | '>' | '~' | '^');
    let is_version = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '*' | '-' | '+');
    let mut tokens = Vec::new();
    let mut rest = group.trim_start_matches(|c: char| c.is_whitespace() || c == ',');
    while !rest.is_empty() {
        let op_len = rest.find(|c: char| !is_op(c)).unwrap_or(rest.len());
        let (op, after_op) = rest.split_at(op_len);
        let after_op = after_op.trim_start();
        let version_len = after_op
            .find(|c: char| !is_version(c))
            .unwrap_or(after_op.len());
        let (version, after) = after_op.split_at(version_len);
        match after.chars().next() {
            None => {}
            Some(c) if c.is_whitespace() || c == ',' => {}
            Some(c) => return Err(format!("unexpected character {c:?} after {version:?}")),
        }
        if version == "-" && op.is_empty() {
            tokens.push(("-", ""));
        } else if version.is_empty() {
            return Err(format!("operator {op:?} is not followed by a version"));
        } else {
            tokens.push((op, version));
        }
        rest = after.trim_start_matches(|c: char| c.is_whitespace() || c == ',');
    }
    Ok(tokens)
}

fn comparator(op_text: &str, version: &str) -> Result<Comparator, String> {
    let op = Op::parse(op_text).ok_or_else(|| format!("unknown operator {op_text:?}"))?;
    let caps = CONSTRAINT_VERSION
        .captures(version)
        .ok_or_else(|| format!("{version:?} is not a version"))?;
    let part = |i: usize| caps.get(i).map(|m| m.as_str());
    let is_wild = |p: Option<&str>| p.is_none_or(|p| matches!(p, "x" | "X" | "*"));
    let (wildcard, kept) = if is_wild(part(1)) {
        (Wildcard::Major, 0)
    } else if is_wild(part(2)) {
        (Wildcard::Minor, 1)
    } else if is_wild(part(3)) {
        (Wildcard::Patch, 2)
    } else {
        (Wildcard::None, 3)
    };
    let mut release = [0u64; 3];
    for (slot, i) in release.iter_mut().zip(1..=kept) {
        *slot = part(i)
            .unwrap_or("0")
            .parse()
            .map_err(|_| format!("{version:?} has a number that is too large"))?;
    }
    let pre = match part(4) {
        Some(p) => Prerelease::new(p).map_err(|e| format!("{version:?}: {e}"))?,
        None => Prerelease::EMPTY,
    };
    Ok(Comparator {
        op,
        version: TagVersion { release, pre },
        wildcard,
    })
}

impl Comparator {
    fn matches(&self, v: &TagVersion) -> bool {
        let c = &self.version;
        let [c_major, c_minor, c_patch] = c.release;
        let [v_major, v_minor, v_patch] = v.release;
        let minor_wild = self.wildcard == Wildcard::Minor;
        match self.op {
            Op::TildeOrEqual if self.wildcard == Wildcard::None => v == c,
            Op::TildeOrEqual | Op::Tilde => {
                if self.wildcard == Wildcard::Major {
                    return v >= c;
                }
                v >= c && v_major == c_major && (minor_wild || v_minor == c_minor)
            }
            Op::NotEqual => match self.wildcard {
                Wildcard::None | Wildcard::Major => v != c,
                Wildcard::Minor => v_major != c_major,
                Wildcard::Patch => v_major != c_major || v_minor != c_minor,
            },
            Op::Greater => match self.wildcard {
                Wildcard::None | Wildcard::Major => v > c,
                Wildcard::Minor => v_major > c_major,
                Wildcard::Patch => v_major > c_major || (v_major == c_major && v_minor > c_minor),
            },
            Op::Less => v < c,
            Op::GreaterEqual => v >= c,
            Op::LessEqual => match self.wildcard {
                Wildcard::None => v <= c,
                Wildcard::Major => true,
                Wildcard::Minor => v_major <= c_major,
                Wildcard::Patch => v_major < c_major || (v_major == c_major && v_minor <= c_minor),
            },
            Op::Caret => {
                if self.wildcard == Wildcard::Major {
                    return v >= c;
                }
                if v < c {
                    false
                } else if c_major > 0 || minor_wild {
                    v_major == c_major
                } else if c_minor > 0 || self.wildcard == Wildcard::Patch {
                    v_major == 0 && v_minor == c_minor
                } else {
                    v_major == 0 && v_minor == 0 && v_patch == c_patch
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> TagVersion {
        TagVersion::parse(s).unwrap_or_else(|| panic!("{s} should parse"))
    }

    fn check(constraint: &str, accepted: &[&str], rejected: &[&str]) {
        let c = Constraint::parse(constraint).unwrap();
        for a in accepted {
            assert!(c.matches(&v(a)), "{constraint} should accept {a}");
        }
        for r in rejected {
            assert!(!c.matches(&v(r)), "{constraint} should reject {r}");
        }
    }

    #[test]
    fn lenient_tag_parsing() {
        assert_eq!(v("v1.2").release, [1, 2, 0]);
        assert_eq!(v("1").release, [1, 0, 0]);
        assert_eq!(v("20240101").release, [20240101, 0, 0]);
        assert_eq!(v("1.2.3-rc.1+build.5").pre.as_str(), "rc.1");
        for bad in ["latest", "sha-abc123", "1.2.3.4", "v", "1.2-", "1..2", ""] {
            assert_eq!(TagVersion::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn ordering_ignores_build_metadata_and_ranks_prereleases_lower() {
        assert!(v("1.10.0") > v("1.9.0"));
        assert!(v("2.0.0-rc.1") < v("2.0.0"));
        assert!(v("2.0.0-alpha") < v("2.0.0-beta"));
        assert_eq!(v("1.0.0+a").cmp(&v("1.0.0+b")), Ordering::Equal);
    }

    #[test]
    fn caret() {
        check(
            "^1.2",
            &["1.2.0", "1.9.9"],
            &["1.1.9", "2.0.0", "1.3.0-rc1"],
        );
        check("^0.2.3", &["0.2.3", "0.2.9"], &["0.3.0", "1.0.0"]);
        check("^0.0.3", &["0.0.3"], &["0.0.4", "0.1.0"]);
        check("^0", &["0.0.1", "0.9.0"], &["1.0.0"]);
    }

    #[test]
    fn tilde() {
        check("~1.2", &["1.2.0", "1.2.99"], &["1.3.0", "1.1.0"]);
        check("~1.2.3", &["1.2.3", "1.2.4"], &["1.2.2", "1.3.0"]);
        check("~1", &["1.0.0", "1.9.0"], &["2.0.0"]);
        check("~>1.2", &["1.2.5"], &["1.3.0"]);
    }

    #[test]
    fn ranges_and_lists() {
        check(">=1.0 <2.0", &["1.0.0", "1.99.0"], &["0.9.0", "2.0.0"]);
        check(">=1.0, <2.0", &["1.5.0"], &["2.0.0"]);
        check(">= 1.0 < 2.0", &["1.5.0"], &["2.0.0"]);
        check("1.2 - 1.4.5", &["1.2.0", "1.4.5"], &["1.4.6", "1.1.9"]);
        check("<1.0 || >=3.0", &["0.5.0", "3.1.0"], &["1.0.0", "2.9.9"]);
        check("!=1.2.3", &["1.2.4"], &["1.2.3"]);
        check(">1.2", &["1.3.0"], &["1.2.9"]);
        check("<=1.2", &["1.2.9", "1.1.0"], &["1.3.0"]);
        check("<=1.2.3", &["1.2.3"], &["1.2.4"]);
    }

    #[test]
    fn wildcards_and_bare_versions() {
        check("1.x", &["1.0.0", "1.99.1"], &["2.0.0", "0.9.0"]);
        check("1.2.X", &["1.2.7"], &["1.3.0"]);
        check("*", &["0.0.1", "99.0.0"], &["1.0.0-rc1"]);
        check("1.20", &["1.20.0", "1.20.3"], &["1.21.0", "1.19.9"]);
        check("=1.2.3", &["1.2.3", "v1.2.3"], &["1.2.4"]);
        check("1.2.3", &["1.2.3"], &["1.2.4"]);
    }

    #[test]
    fn prereleases_only_when_the_group_asks() {
        check("^1.0", &["1.1.0"], &["1.1.0-rc1"]);
        check(
            "2.x-0",
            &["2.0.0-rc1", "2.1.0", "2.1.0-beta"],
            &["3.0.0-rc1", "1.9.0"],
        );
        // 2.0.0-rc1 precedes 2.0.0, so an upper bound of <2.0.0 lets it in once
        // the group includes pre-releases (as in Masterminds).
        check(
            ">=1.0.0-0 <2.0.0",
            &["1.5.0-rc1", "1.5.0", "2.0.0-rc1"],
            &["2.0.0", "0.9.0-rc1"],
        );
        check(
            "<1.0.0 || >=2.0.0-0",
            &["2.0.0-rc1", "0.5.0"],
            &["0.5.0-rc1"],
        );
    }

    #[test]
    fn invalid_constraints() {
        for bad in [
            "", "latest", "1.2 -", ">=", "1.2.3.4", ">>1", "1.0<2.0", "||",
        ] {
            let err = Constraint::parse(bad).unwrap_err();
            assert_eq!(err.constraint, bad);
        }
    }
}
