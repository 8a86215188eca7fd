//! Chart versions and dependency version constraints with the rules of
//! Masterminds/semver (what Helm uses): lenient versions (`v1.2`, `1`),
//! constraints with `=`, `!=`, `>`, `<`, `>=`, `<=`, `~`, `^`, wildcards
//! (`1.2.x`, `*`), hyphen ranges, `,`/space for "and", `||` for "or".

use std::cmp::Ordering;

/// A parsed semantic version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: String,
}

impl Version {
    /// Parses a version leniently as Masterminds' `NewVersion`: optional
    /// `v`, one to three numeric parts, optional `-pre` and `+build`.
    pub fn parse(text: &str) -> Option<Version> {
        let text = text.strip_prefix('v').unwrap_or(text);
        let (core, _build) = text.split_once('+').unwrap_or((text, ""));
        let (core, pre) = core.split_once('-').unwrap_or((core, ""));
        let mut nums = [0u64; 3];
        let parts: Vec<&str> = core.split('.').collect();
        if parts.is_empty() || parts.len() > 3 {
            return None;
        }
        for (slot, part) in nums.iter_mut().zip(&parts) {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            *slot = part.parse().ok()?;
        }
        Some(Version {
            major: nums[0],
            minor: nums[1],
            patch: nums[2],
            pre: pre.to_string(),
        })
    }

    /// The major version.
    pub fn major(&self) -> u64 {
        self.major
    }

    /// The minor version.
    pub fn minor(&self) -> u64 {
        self.minor
    }

    /// `MAJOR.MINOR.PATCH[-PRE]`.
    pub fn core_string(&self) -> String {
        if self.pre.is_empty() {
            format!("{}.{}.{}", self.major, self.minor, self.patch)
        } else {
            format!("{}.{}.{}-{}", self.major, self.minor, self.patch, self.pre)
        }
    }

    fn cmp_core(&self, other: &Version) -> Ordering {
        (self.major, self.minor, self.patch).cmp(&(other.major, other.minor, other.patch))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.cmp_core(other)
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => compare_prerelease(&self.pre, &other.pre),
            })
    }
}

fn compare_prerelease(a: &str, b: &str) -> Ordering {
    let mut ai = a.split('.');
    let mut bi = b.split('.');
    loop {
        match (ai.next(), bi.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let ord = match (x.parse::<u64>(), y.parse::<u64>()) {
                    (Ok(m), Ok(n)) => m.cmp(&n),
                    (Ok(_), Err(_)) => Ordering::Less,
                    (Err(_), Ok(_)) => Ordering::Greater,
                    (Err(_), Err(_)) => x.cmp(y),
                };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
        }
    }
}

/// A version with wildcard parts, as written in a constraint (`1.2.x`).
struct Partial {
    version: Version,
    /// How many leading parts were given as numbers (0 for `*`).
    fixed: usize,
}

fn parse_partial(text: &str) -> Option<Partial> {
    let text = text.trim();
    let text = text.strip_prefix('v').unwrap_or(text);
    if matches!(text, "" | "*" | "x" | "X") {
        return Some(Partial {
            version: Version::parse("0.0.0")?,
            fixed: 0,
        });
    }
    let (core, pre) = text.split_once('-').unwrap_or((text, ""));
    let core = core.split_once('+').map_or(core, |(c, _)| c);
    let mut fixed = 0;
    let mut nums = Vec::new();
    for part in core.split('.') {
        if matches!(part, "x" | "X" | "*") {
            break;
        }
        nums.push(part);
        fixed += 1;
    }
    let mut padded = nums.clone();
    while padded.len() < 3 {
        padded.push("0");
    }
    let mut version = Version::parse(&padded.join("."))?;
    version.pre = pre.to_string();
    Some(Partial { version, fixed })
}

/// The smallest version above every version that shares `v`'s parts up to
/// index `part` (0 = major, 1 = minor, 2 = patch): the bound of a wildcard.
fn bump(v: &Version, part: usize) -> Version {
    let (major, minor, patch) = match part {
        0 => (v.major + 1, 0, 0),
        1 => (v.major, v.minor + 1, 0),
        _ => (v.major, v.minor, v.patch + 1),
    };
    Version {
        major,
        minor,
        patch,
        pre: String::new(),
    }
}

fn check_one(op: &str, target: &str, v: &Version) -> Option<bool> {
    let p = parse_partial(target)?;
    let base = &p.version;
    let in_wildcard = |v: &Version| -> bool {
        match p.fixed {
            0 => true,
            1 => v.major == base.major,
            2 => v.major == base.major && v.minor == base.minor,
            _ => v.cmp_core(base) == Ordering::Equal && v.pre == base.pre,
        }
    };
    Some(match op {
        "" | "=" => in_wildcard(v),
        "!=" => !in_wildcard(v),
        ">" => match p.fixed {
            0 => false,
            f if f < 3 => *v >= bump(base, f - 1),
            _ => v > base,
        },
        "<" => v < base,
        ">=" | "=>" => v >= base,
        "<=" | "=<" => match p.fixed {
            0 => true,
            f if f < 3 => *v < bump(base, f - 1),
            _ => v <= base,
        },
        "~" | "~>" => v >= base && *v < bump(base, if p.fixed >= 2 { 1 } else { 0 }),
        "^" => {
            let upper = if base.major > 0 || p.fixed <= 1 {
                bump(base, 0)
            } else if base.minor > 0 || p.fixed == 2 {
                bump(base, 1)
            } else {
                bump(base, 2)
            };
            v >= base && *v < upper
        }
        _ => return None,
    })
}

fn split_op(term: &str) -> (&str, &str) {
    let end = term
        .find(|c: char| c.is_ascii_alphanumeric() || c == '*')
        .unwrap_or(term.len());
    (term[..end].trim(), term[end..].trim())
}

/// Whether `version` satisfies `constraint` (Helm's `IsCompatibleRange`);
/// an unparsable constraint or version is not compatible.
pub fn is_compatible_range(constraint: &str, version: &str) -> bool {
    let Some(v) = Version::parse(version) else {
        return false;
    };
    if constraint.trim().is_empty() {
        return false;
    }
    constraint.split("||").any(|alternative| {
        let alternative = alternative.replace(',', " ");
        let tokens: Vec<&str> = alternative.split_whitespace().collect();
        let mut terms: Vec<String> = Vec::new();
        let mut i = 0;
        while i < tokens.len() {
            if tokens.get(i + 1) == Some(&"-") && i + 2 < tokens.len() {
                terms.push(format!(">={}", tokens[i]));
                terms.push(format!("<={}", tokens[i + 2]));
                i += 3;
            } else if matches!(split_op(tokens[i]), (_, "")) && i + 1 < tokens.len() {
                // An operator separated from its version by a space (`>= 1.2`).
                terms.push(format!("{}{}", tokens[i], tokens[i + 1]));
                i += 2;
            } else {
                terms.push(tokens[i].to_string());
                i += 1;
            }
        }
        let prerelease_allowed = !v.pre.is_empty()
            && terms.iter().any(|t| {
                parse_partial(split_op(t).1).is_some_and(|p| {
                    !p.version.pre.is_empty() && p.version.cmp_core(&v) == Ordering::Equal
                })
            });
        if !v.pre.is_empty() && !prerelease_allowed {
            return false;
        }
        !terms.is_empty()
            && terms.iter().all(|t| {
                let (op, target) = split_op(t);
                check_one(op, target, &v).unwrap_or(false)
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraints_follow_masterminds() {
        assert!(is_compatible_range("0.1.0", "0.1.0"));
        assert!(!is_compatible_range("0.1.0", "0.1.1"));
        assert!(is_compatible_range("^1.2.0", "1.9.3"));
        assert!(!is_compatible_range("^1.2.0", "2.0.0"));
        assert!(is_compatible_range("^0.2.3", "0.2.9"));
        assert!(!is_compatible_range("^0.2.3", "0.3.0"));
        assert!(is_compatible_range("~1.2.3", "1.2.9"));
        assert!(!is_compatible_range("~1.2.3", "1.3.0"));
        assert!(is_compatible_range("1.2.x", "1.2.7"));
        assert!(is_compatible_range("*", "3.0.0"));
        assert!(is_compatible_range(">=1.0.0 <2.0.0", "1.5.0"));
        assert!(is_compatible_range(">= 1.0.0, < 2.0.0", "1.5.0"));
        assert!(is_compatible_range("1.0.0 - 1.4.0", "1.3.0"));
        assert!(is_compatible_range("<1.0.0 || >=3", "3.1.0"));
        assert!(!is_compatible_range(">=1.0.0", "1.1.0-alpha"));
        assert!(is_compatible_range(">=1.1.0-alpha", "1.1.0-beta"));
        assert!(!is_compatible_range("", "1.0.0"));
        assert!(!is_compatible_range("1.0.0", "not-a-version"));
    }

    #[test]
    fn versions_are_lenient_and_ordered() {
        assert!(Version::parse("v1.2").is_some());
        assert!(Version::parse("1.2.3.4").is_none());
        assert!(Version::parse("1.0.0-alpha").unwrap() < Version::parse("1.0.0").unwrap());
        assert!(
            Version::parse("1.0.0-alpha.2").unwrap() < Version::parse("1.0.0-alpha.10").unwrap()
        );
    }
}
