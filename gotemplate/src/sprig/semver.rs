//! Masterminds semver v3 as Sprig uses it: lenient version parsing and
//! constraints (`>=1.2 <2`, `~1.2`, `^1`, `1.x`, `1 - 2`, `||`).

use std::cmp::Ordering;

use crate::error::FuncError;
use crate::func::{Function, Param};
use crate::value::{Struct, Value};

/// A parsed version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: String,
    meta: String,
    original: String,
}

const INVALID: &str = "Invalid Semantic Version";

impl Version {
    pub(crate) fn parse(s: &str) -> Result<Version, String> {
        let t = s.strip_prefix('v').unwrap_or(s);
        let (t, meta) = t.split_once('+').unwrap_or((t, ""));
        let (core, pre) = t.split_once('-').unwrap_or((t, ""));
        let nums: Vec<&str> = core.split('.').collect();
        if nums.is_empty() || nums.len() > 3 || nums.iter().any(|n| n.is_empty()) {
            return Err(INVALID.into());
        }
        let mut v = [0u64; 3];
        for (i, n) in nums.iter().enumerate() {
            if !n.bytes().all(|b| b.is_ascii_digit()) {
                return Err(INVALID.into());
            }
            v[i] = n.parse().map_err(|_| INVALID.to_string())?;
        }
        let valid_ids = |x: &str| {
            x.split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        };
        if (!pre.is_empty() && !valid_ids(pre)) || (!meta.is_empty() && !valid_ids(meta)) {
            return Err(INVALID.into());
        }
        Ok(Version {
            major: v[0],
            minor: v[1],
            patch: v[2],
            pre: pre.into(),
            meta: meta.into(),
            original: s.into(),
        })
    }

    /// The version as a struct value with Masterminds' accessor names.
    pub(crate) fn to_value(&self) -> Value {
        Value::Struct(std::sync::Arc::new(Struct {
            type_name: "*semver.Version".into(),
            fields: vec![
                ("Major".into(), Value::Int(self.major as i64)),
                ("Minor".into(), Value::Int(self.minor as i64)),
                ("Patch".into(), Value::Int(self.patch as i64)),
                ("Prerelease".into(), Value::from(self.pre.as_str())),
                ("Metadata".into(), Value::from(self.meta.as_str())),
                ("Original".into(), Value::from(self.original.as_str())),
            ],
            methods: vec![
                ("Compare".into(), compare_method(self.clone(), |o| o as i64)),
                (
                    "LessThan".into(),
                    compare_method(self.clone(), |o| i64::from(o < 0)),
                ),
                (
                    "GreaterThan".into(),
                    compare_method(self.clone(), |o| i64::from(o > 0)),
                ),
                (
                    "Equal".into(),
                    compare_method(self.clone(), |o| i64::from(o == 0)),
                ),
            ],
        }))
    }

    /// Rebuilds a version from the value `to_value` made.
    fn from_value(v: &Value) -> Option<Version> {
        let Value::Struct(s) = v else { return None };
        if s.type_name != "*semver.Version" {
            return None;
        }
        Version::parse(s.field("Original")?.as_str()?).ok()
    }

    fn cmp(&self, o: &Version) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(o.major, o.minor, o.patch))
            .then_with(|| cmp_pre(&self.pre, &o.pre))
    }
}

/// A method of a version taking another version (`Compare`, `LessThan`...):
/// `Compare` returns an int, the others a bool.
fn compare_method(v: Version, result: fn(i8) -> i64) -> Function {
    let is_compare = result(1) == 1 && result(-1) == -1;
    Function::new(&[Param::Any], None, move |_, a| {
        let other = Version::from_value(&a[0]).ok_or_else(|| {
            FuncError::new(format!(
                "wrong type for value; expected *semver.Version; got {}",
                a[0].type_name()
            ))
        })?;
        let o = v.cmp(&other) as i8;
        Ok(if is_compare {
            Value::Int(result(o))
        } else {
            Value::Bool(result(o) == 1)
        })
    })
}

fn cmp_pre(a: &str, b: &str) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        _ => {}
    }
    let (mut x, mut y) = (a.split('.'), b.split('.'));
    loop {
        match (x.next(), y.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(p), Some(q)) => {
                let o = match (p.parse::<u64>(), q.parse::<u64>()) {
                    (Ok(m), Ok(n)) => m.cmp(&n),
                    (Ok(_), Err(_)) => Ordering::Less,
                    (Err(_), Ok(_)) => Ordering::Greater,
                    _ => p.cmp(q),
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
        }
    }
}

/// One comparison: operator, version, and how many parts were given
/// (wildcards and omitted parts count as absent).
#[derive(Clone, Debug)]
struct Cmp {
    op: String,
    v: Version,
    parts: usize,
}

/// `||`-separated groups of comparisons that must all hold.
#[derive(Clone, Debug)]
pub(crate) struct Constraint {
    groups: Vec<Vec<Cmp>>,
}

impl Constraint {
    pub(crate) fn parse(s: &str) -> Result<Constraint, String> {
        let mut groups = Vec::new();
        for group in s.split("||") {
            let mut cmps = Vec::new();
            let g = group.replace(',', " ");
            let toks: Vec<&str> = g.split_whitespace().collect();
            let mut i = 0;
            while i < toks.len() {
                // Hyphen range `A - B`.
                if toks.get(i + 1) == Some(&"-") && i + 2 < toks.len() {
                    cmps.push(parse_cmp(&format!(">={}", toks[i]), s)?);
                    cmps.push(parse_cmp(&format!("<={}", toks[i + 2]), s)?);
                    i += 3;
                    continue;
                }
                let mut tok = toks[i].to_string();
                // An operator separated from its version by spaces.
                if tok.chars().all(|c| "<>=!~^".contains(c)) && i + 1 < toks.len() {
                    tok.push_str(toks[i + 1]);
                    i += 1;
                }
                cmps.push(parse_cmp(&tok, s)?);
                i += 1;
            }
            if cmps.is_empty() {
                return Err(format!("improper constraint: {s}"));
            }
            groups.push(cmps);
        }
        Ok(Constraint { groups })
    }

    pub(crate) fn check(&self, v: &Version) -> bool {
        self.groups.iter().any(|g| g.iter().all(|c| c.check(v)))
    }
}

fn parse_cmp(tok: &str, whole: &str) -> Result<Cmp, String> {
    let op_len = tok
        .find(|c: char| !"<>=!~^".contains(c))
        .unwrap_or(tok.len());
    let (op, ver) = tok.split_at(op_len);
    let ver = ver.strip_prefix('v').unwrap_or(ver);
    let (core, rest) = match ver.find(['-', '+']) {
        Some(i) => (&ver[..i], &ver[i..]),
        None => (ver, ""),
    };
    let mut parts = 0;
    let mut nums = Vec::new();
    for p in core.split('.') {
        if matches!(p, "x" | "X" | "*") {
            break;
        }
        parts += 1;
        nums.push(p);
    }
    if nums.is_empty() {
        nums.push("0");
    }
    let text = format!("{}{}", nums.join("."), rest);
    let v = Version::parse(&text).map_err(|_| format!("improper constraint: {whole}"))?;
    let op = match op {
        "=>" => ">=",
        "=<" => "<=",
        "~>" => "~",
        "==" => "=",
        o => o,
    };
    if !matches!(op, "" | "=" | "!=" | ">" | "<" | ">=" | "<=" | "~" | "^") {
        return Err(format!("improper constraint: {whole}"));
    }
    Ok(Cmp {
        op: op.to_string(),
        v,
        parts,
    })
}

impl Cmp {
    /// The exclusive upper bound of a wildcard or partial version.
    fn next_bound(&self) -> Version {
        let mut n = self.v.clone();
        n.pre.clear();
        match self.parts {
            0 => n.major = u64::MAX,
            1 => {
                n.major += 1;
                n.minor = 0;
                n.patch = 0;
            }
            2 => {
                n.minor += 1;
                n.patch = 0;
            }
            _ => n.patch += 1,
        }
        n
    }

    fn check(&self, v: &Version) -> bool {
        if !v.pre.is_empty() && self.v.pre.is_empty() {
            return false;
        }
        let c = &self.v;
        let lt = |a: &Version, b: &Version| a.cmp(b) == Ordering::Less;
        match self.op.as_str() {
            "" | "=" => {
                if self.parts < 3 {
                    !lt(v, c) && lt(v, &self.next_bound())
                } else {
                    v.cmp(c) == Ordering::Equal
                }
            }
            "!=" => {
                if self.parts < 3 {
                    lt(v, c) || !lt(v, &self.next_bound())
                } else {
                    v.cmp(c) != Ordering::Equal
                }
            }
            ">" => {
                if self.parts < 3 {
                    !lt(v, &self.next_bound())
                } else {
                    v.cmp(c) == Ordering::Greater
                }
            }
            ">=" => !lt(v, c),
            "<" => lt(v, c),
            "<=" => {
                if self.parts < 3 {
                    lt(v, &self.next_bound())
                } else {
                    v.cmp(c) != Ordering::Greater
                }
            }
            "~" => {
                let mut upper = c.clone();
                upper.pre.clear();
                if self.parts <= 1 {
                    upper.major += 1;
                    upper.minor = 0;
                } else {
                    upper.minor += 1;
                }
                upper.patch = 0;
                !lt(v, c) && lt(v, &upper)
            }
            "^" => {
                let mut upper = c.clone();
                upper.pre.clear();
                if c.major > 0 || self.parts <= 1 {
                    upper.major += 1;
                    upper.minor = 0;
                    upper.patch = 0;
                } else if c.minor > 0 || self.parts == 2 {
                    upper.minor += 1;
                    upper.patch = 0;
                } else {
                    upper.patch += 1;
                }
                !lt(v, c) && lt(v, &upper)
            }
            _ => false,
        }
    }
}
