//! Sprig's date functions and Go's time formatting.

/// Go's `time.Time.String()`: `2006-01-02 15:04:05.999999999 -0700 MST`.
pub(crate) fn go_time_string(t: &jiff::Zoned) -> String {
    t.strftime("%Y-%m-%d %H:%M:%S%.f %z %Z").to_string()
}

/// RFC 3339 with nanoseconds as Go's JSON encoding of a time.
pub(crate) fn rfc3339(t: &jiff::Zoned) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.f%:z").to_string()
}

use super::{Reg, Res};
use crate::func::Param::Any;
use crate::value::Value;

/// Go's `time.ParseDuration`.
fn parse_duration(s: &str) -> Option<i128> {
    let (neg, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let num: f64 = rest[..n].parse().ok()?;
        rest = &rest[n..];
        let u = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = match &rest[..u] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        rest = &rest[u..];
        total += num * unit;
    }
    Some(if neg { -(total as i128) } else { total as i128 })
}

/// Sprig's `durationRound` text: the largest whole unit.
fn duration_round(ns: i128) -> String {
    let (neg, ns) = (ns < 0, ns.unsigned_abs());
    let sec = 1_000_000_000u128;
    let units = [
        (365 * 24 * 3600 * sec, "y"),
        (30 * 24 * 3600 * sec, "mo"),
        (24 * 3600 * sec, "d"),
        (3600 * sec, "h"),
        (60 * sec, "m"),
        (sec, "s"),
    ];
    let sign = if neg { "-" } else { "" };
    for (size, name) in units {
        if ns >= size {
            return format!("{sign}{}{name}", ns / size);
        }
    }
    "0s".into()
}

pub(crate) fn register(r: &mut Reg) {
    r.add("durationRound", &[Any], None, |a| -> Res {
        let ns = match &a[0] {
            Value::String(s) => parse_duration(s).unwrap_or(0),
            Value::Int(i) => *i as i128,
            Value::Float(f) => *f as i128,
            _ => 0,
        };
        Ok(Value::from(duration_round(ns)))
    });
    r.add("duration", &[Any], None, |a| -> Res {
        let secs = super::conv::to_i64(&a[0]);
        Ok(Value::from(go_duration(secs as i128 * 1_000_000_000)))
    });
}

/// Go's `time.Duration.String()` for whole seconds and above.
fn go_duration(ns: i128) -> String {
    if ns == 0 {
        return "0s".into();
    }
    let sign = if ns < 0 { "-" } else { "" };
    let total = ns.unsigned_abs() / 1_000_000_000;
    let (h, m, s) = (total / 3600, (total / 60) % 60, total % 60);
    let mut out = sign.to_string();
    if h > 0 {
        out.push_str(&format!("{h}h{m}m"));
    } else if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    out.push_str(&format!("{s}s"));
    out
}
