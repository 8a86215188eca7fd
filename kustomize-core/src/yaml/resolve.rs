//! Scalar resolution: which type a YAML scalar has, by go-yaml's rules.
//!
//! Resources are read by kyaml (go-yaml v3, YAML 1.2-ish: `yes`/`on` are
//! strings); kustomization files by sigs.k8s.io/yaml (go-yaml v2, YAML 1.1:
//! `yes`/`on`/`y` are booleans). Both accept Go's integer syntax.

use super::number::{
    is_yaml_style_float, parse_finite, parse_go_decimal_float, parse_go_int, parse_go_uint,
};
use std::borrow::Cow;

/// Which go-yaml generation reads the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Schema {
    /// go-yaml v3 via kyaml: resource files.
    V3,
    /// go-yaml v2 via sigs.k8s.io/yaml: kustomization files (and the v2
    /// re-read that decides quoting on output).
    V2,
}

/// A resolved scalar.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(String),
    /// A timestamp; `rfc3339` is how Go's `encoding/json` prints it.
    Timestamp {
        text: String,
        rfc3339: String,
    },
    /// The merge key: a plain `<<` (or one tagged `!!merge`).
    Merge,
}

impl Scalar {
    /// The YAML core tag name of this value (`str`, `int`, ...).
    pub(crate) fn tag_name(&self) -> &'static str {
        match self {
            Scalar::Null => "null",
            Scalar::Bool(_) => "bool",
            Scalar::Int(_) | Scalar::Uint(_) => "int",
            Scalar::Float(_) => "float",
            Scalar::Str(_) => "str",
            Scalar::Timestamp { .. } => "timestamp",
            Scalar::Merge => "merge",
        }
    }
}

/// Resolves a plain (unquoted, untagged) scalar, or a tagged scalar's text
/// when `tag` is a core tag name like `int`.
pub(crate) fn resolve_plain(text: &str, schema: Schema, tag: Option<&str>) -> Scalar {
    resolve_non_string(text, schema, tag).unwrap_or_else(|| Scalar::Str(text.to_string()))
}

/// [`resolve_plain`], or `None` when the scalar is a string (which is then
/// not copied).
pub(crate) fn resolve_non_string(text: &str, schema: Schema, tag: Option<&str>) -> Option<Scalar> {
    let Some(&first) = text.as_bytes().first() else {
        return Some(Scalar::Null);
    };
    // go-yaml only looks further at scalars starting with one of these.
    if !matches!(first, b'+' | b'-' | b'.' | b'0'..=b'9' | b'~') && !b"yYnNtTfFoO".contains(&first)
    {
        return None;
    }
    if let Some(s) = lookup(text, schema) {
        return Some(s);
    }
    match first {
        b'.' => parse_go_decimal_float(text).map(Scalar::Float),
        b'+' | b'-' | b'0'..=b'9' => {
            if (tag.is_none() || tag == Some("timestamp"))
                && let Some(ts) = parse_timestamp(text)
            {
                return Some(ts);
            }
            resolve_number(text)
        }
        _ => None,
    }
}

/// An integer or float in Go's syntax (`_` allowed anywhere), as go-yaml
/// resolves a plain scalar starting with a sign or digit.
fn resolve_number(text: &str) -> Option<Scalar> {
    let plain: Cow<'_, str> = if text.contains('_') {
        Cow::Owned(text.chars().filter(|&c| c != '_').collect())
    } else {
        Cow::Borrowed(text)
    };
    if let Some(i) = parse_go_int(&plain) {
        return Some(Scalar::Int(i));
    }
    if let Some(u) = parse_go_uint(&plain) {
        return Some(Scalar::Uint(u));
    }
    if is_yaml_style_float(&plain) {
        return parse_finite(&plain).map(Scalar::Float);
    }
    None
}

/// The fixed words of each schema.
fn lookup(text: &str, schema: Schema) -> Option<Scalar> {
    let s = match text {
        "true" | "True" | "TRUE" => Scalar::Bool(true),
        "false" | "False" | "FALSE" => Scalar::Bool(false),
        "~" | "null" | "Null" | "NULL" => Scalar::Null,
        ".nan" | ".NaN" | ".NAN" => Scalar::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Scalar::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Scalar::Float(f64::NEG_INFINITY),
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" if schema == Schema::V2 => {
            Scalar::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" if schema == Schema::V2 => {
            Scalar::Bool(false)
        }
        _ => return None,
    };
    Some(s)
}

/// Whether go-yaml v2 would print `s` plain and read it back as the same
/// string (not a bool, number, null, timestamp, or YAML 1.1 base-60 float).
pub(crate) fn is_plain_safe_string(s: &str) -> bool {
    resolve_non_string(s, Schema::V2, None).is_none() && !is_base60_float(s)
}

/// go-yaml v2's `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`.
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    if i >= b.len() || !b[i].is_ascii_digit() {
        return false;
    }
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while i < b.len() && b[i] == b':' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() && i - start < 2 {
            i += 1;
        }
        match i - start {
            1 => {}
            2 if b[start] <= b'5' => {}
            _ => return false,
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// A date/time as go-yaml accepts it (Go's `time.Parse` with the layouts
/// `2006-1-2T15:4:5.999999999Z07:00`, the same with `t`, `2006-1-2 15:4:5.999999999`
/// and `2006-1-2`).
pub(crate) fn parse_timestamp(s: &str) -> Option<Scalar> {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return None;
    }
    let mut p = Cursor { b, i: 5 };
    let year: u32 = s[..4].parse().ok()?;
    let month = p.num()?;
    p.lit(b'-')?;
    let day = p.num()?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in(month, year) {
        return None;
    }
    let date = format!("{year:04}-{month:02}-{day:02}");
    if p.done() {
        return Some(Scalar::Timestamp {
            text: s.to_string(),
            rfc3339: format!("{date}T00:00:00Z"),
        });
    }
    let zoned = match b[p.i] {
        b'T' | b't' => {
            p.i += 1;
            true
        }
        b' ' => {
            while p.i < b.len() && b[p.i] == b' ' {
                p.i += 1;
            }
            false
        }
        _ => return None,
    };
    let hour = p.num()?;
    p.lit(b':')?;
    let minute = p.num()?;
    p.lit(b':')?;
    let second = p.num()?;
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut nanos = String::new();
    if p.i + 1 < b.len() && (b[p.i] == b'.' || b[p.i] == b',') && b[p.i + 1].is_ascii_digit() {
        p.i += 1;
        while p.i < b.len() && b[p.i].is_ascii_digit() {
            if nanos.len() < 9 {
                nanos.push(b[p.i] as char);
            }
            p.i += 1;
        }
    }
    let zone = if zoned {
        if p.i < b.len() && b[p.i] == b'Z' {
            p.i += 1;
            "Z".to_string()
        } else {
            let z = b.get(p.i..p.i + 6)?;
            let sign_ok = z[0] == b'+' || z[0] == b'-';
            let digits_ok = [1, 2, 4, 5].iter().all(|&k| z[k].is_ascii_digit());
            if !sign_ok || !digits_ok || z[3] != b':' {
                return None;
            }
            let hh = u32::from(z[1] - b'0') * 10 + u32::from(z[2] - b'0');
            let mm = u32::from(z[4] - b'0') * 10 + u32::from(z[5] - b'0');
            if hh > 24 || mm > 60 {
                return None;
            }
            p.i += 6;
            if hh == 0 && mm == 0 {
                "Z".to_string()
            } else {
                format!("{}{hh:02}:{mm:02}", z[0] as char)
            }
        }
    } else {
        "Z".to_string()
    };
    if !p.done() {
        return None;
    }
    let nanos = nanos.trim_end_matches('0');
    let fraction = if nanos.is_empty() {
        String::new()
    } else {
        format!(".{nanos}")
    };
    Some(Scalar::Timestamp {
        text: s.to_string(),
        rfc3339: format!("{date}T{hour:02}:{minute:02}:{second:02}{fraction}{zone}"),
    })
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    /// Go's `getnum(value, false)`: one or two digits.
    fn num(&mut self) -> Option<u32> {
        let d0 = *self.b.get(self.i)?;
        if !d0.is_ascii_digit() {
            return None;
        }
        self.i += 1;
        let mut n = u32::from(d0 - b'0');
        if let Some(&d1) = self.b.get(self.i)
            && d1.is_ascii_digit()
        {
            self.i += 1;
            n = n * 10 + u32::from(d1 - b'0');
        }
        Some(n)
    }

    fn lit(&mut self, c: u8) -> Option<()> {
        (self.b.get(self.i) == Some(&c)).then(|| self.i += 1)
    }

    fn done(&self) -> bool {
        self.i == self.b.len()
    }
}

fn days_in(month: u32, year: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v3(s: &str) -> Scalar {
        resolve_plain(s, Schema::V3, None)
    }

    #[test]
    fn v3_words() {
        assert_eq!(v3("yes"), Scalar::Str("yes".into()));
        assert_eq!(v3("on"), Scalar::Str("on".into()));
        assert_eq!(v3("y"), Scalar::Str("y".into()));
        assert_eq!(v3("True"), Scalar::Bool(true));
        assert_eq!(v3("FALSE"), Scalar::Bool(false));
        assert_eq!(v3("~"), Scalar::Null);
        assert_eq!(v3(""), Scalar::Null);
        assert_eq!(v3("<<"), Scalar::Str("<<".into()));
        assert_eq!(resolve_plain("yes", Schema::V2, None), Scalar::Bool(true));
        assert_eq!(resolve_plain("Off", Schema::V2, None), Scalar::Bool(false));
    }

    #[test]
    fn v3_numbers() {
        assert_eq!(v3("0x1F"), Scalar::Int(31));
        assert_eq!(v3("0o17"), Scalar::Int(15));
        assert_eq!(v3("017"), Scalar::Int(15));
        assert_eq!(v3("+12"), Scalar::Int(12));
        assert_eq!(v3("1_000"), Scalar::Int(1000));
        assert_eq!(v3("08"), Scalar::Float(8.0));
        assert_eq!(v3(".5"), Scalar::Float(0.5));
        assert_eq!(v3("1e3"), Scalar::Float(1000.0));
        assert_eq!(v3("1_0.5"), Scalar::Float(10.5));
        assert_eq!(v3("18446744073709551615"), Scalar::Uint(u64::MAX));
        assert_eq!(v3("1e400"), Scalar::Str("1e400".into()));
        assert_eq!(v3("0o8"), Scalar::Str("0o8".into()));
        assert_eq!(v3("._5"), Scalar::Str("._5".into()));
        assert_eq!(v3("1.2.3"), Scalar::Str("1.2.3".into()));
        assert!(matches!(v3(".inf"), Scalar::Float(f) if f.is_infinite()));
    }

    fn ts(s: &str) -> Option<String> {
        match parse_timestamp(s) {
            Some(Scalar::Timestamp { rfc3339, .. }) => Some(rfc3339),
            _ => None,
        }
    }

    #[test]
    fn timestamps_print_as_go_json() {
        assert_eq!(ts("2001-12-14").as_deref(), Some("2001-12-14T00:00:00Z"));
        assert_eq!(
            ts("2001-12-14T21:59:43.10-05:00").as_deref(),
            Some("2001-12-14T21:59:43.1-05:00")
        );
        assert_eq!(
            ts("2001-12-14t21:59:43,5+00:00").as_deref(),
            Some("2001-12-14T21:59:43.5Z")
        );
        assert_eq!(
            ts("2001-1-2 1:2:3").as_deref(),
            Some("2001-01-02T01:02:03Z")
        );
        assert_eq!(
            ts("2001-12-14T21:59:43.1234567891Z").as_deref(),
            Some("2001-12-14T21:59:43.123456789Z")
        );
        assert_eq!(
            ts("2001-12-14  21:59:43").as_deref(),
            Some("2001-12-14T21:59:43Z")
        );
        assert_eq!(ts("2000-02-29").as_deref(), Some("2000-02-29T00:00:00Z"));
        assert_eq!(ts("2001-02-29"), None);
        assert_eq!(ts("2001-12-14T24:00:00Z"), None);
        assert_eq!(ts("2001-123-1"), None);
    }

    #[test]
    fn plain_safety() {
        for quoted in [
            "true",
            "on",
            "yes",
            "y",
            "N",
            "2020",
            "1e3",
            "null",
            "~",
            "",
            "0x1F",
            "1_000",
            "1:20",
            "190:20:30",
            "2001-12-14",
            ".inf",
            ".NaN",
            "0.",
            "-.5",
            "685_230.15",
            "0b101",
        ] {
            assert!(!is_plain_safe_string(quoted), "{quoted}");
        }
        for plain in ["1.2.3", "1e", "<<", "x", "-x", "=", "1:60", "0o8"] {
            assert!(is_plain_safe_string(plain), "{plain}");
        }
    }
}
