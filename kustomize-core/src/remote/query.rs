//! The query of a remote target (`?ref=v1&timeout=61&submodules=false`),
//! read as kustomize reads it with Go's `url.ParseQuery`, `strconv` and
//! `time.ParseDuration`: a query that does not parse, and any value that
//! does not, leaves the defaults.

use std::time::Duration;

/// The parameters kustomize reads from the query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Query {
    /// `ref`, else `version`, else empty.
    pub git_ref: String,
    /// `timeout` when it is a positive number of seconds or Go duration.
    pub timeout: Duration,
    /// `submodules` when it is one of Go's boolean spellings.
    pub submodules: bool,
}

/// Reads `query` (without the `?`), with these defaults.
pub(crate) fn parse_query(query: &str, timeout: Duration, submodules: bool) -> Query {
    let defaults = Query {
        git_ref: String::new(),
        timeout,
        submodules,
    };
    let Some(values) = parse_values(query) else {
        return defaults;
    };
    let get = |key: &str| {
        values
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let git_ref = Some(get("ref"))
        .filter(|r| !r.is_empty())
        .unwrap_or(get("version"));
    let timeout = match get("timeout") {
        "" => timeout,
        value => match value.parse::<i64>() {
            Ok(secs) if secs > 0 => Duration::from_secs(secs.unsigned_abs()),
            _ => parse_go_duration(value)
                .filter(|d| !d.is_zero())
                .unwrap_or(timeout),
        },
    };
    let submodules = parse_go_bool(get("submodules")).unwrap_or(submodules);
    Query {
        git_ref: git_ref.to_owned(),
        timeout,
        submodules,
    }
}

/// The key/value pairs of a query in order, as `url.ParseQuery` reads
/// them; `None` where it reports an error (a `;`, a bad `%` escape).
fn parse_values(query: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        if pair.contains(';') {
            return None;
        }
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        out.push((unescape(key)?, unescape(value)?));
    }
    Some(out)
}

/// Go's `url.QueryUnescape`: `+` is a space, `%XX` a byte.
fn unescape(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// Go's `strconv.ParseBool`.
fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Go's `time.ParseDuration` for durations that are not negative
/// (`1m1s`, `1.5h`, `300ms`, `0`); `None` for anything else.
pub(crate) fn parse_go_duration(s: &str) -> Option<Duration> {
    let s = s.strip_prefix('+').unwrap_or(s);
    if s == "0" {
        return Some(Duration::ZERO);
    }
    if s.is_empty() {
        return None;
    }
    let mut total: u128 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, tail) = rest.split_at(digits);
        let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
        if (whole.is_empty() && frac.is_empty()) || frac.contains('.') {
            return None;
        }
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        let nanos_per: u128 = match unit {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return None,
        };
        let whole: u128 = if whole.is_empty() {
            0
        } else {
            whole.parse().ok()?
        };
        let mut value = whole.checked_mul(nanos_per)?;
        let mut scale = nanos_per;
        for d in frac.bytes().take(20) {
            scale /= 10;
            value += u128::from(d - b'0') * scale;
        }
        total = total.checked_add(value)?;
        rest = tail;
    }
    // Go's durations are int64 nanoseconds.
    if total > i64::MAX as u128 {
        return None;
    }
    let secs = u64::try_from(total / 1_000_000_000).ok()?;
    let nanos = u32::try_from(total % 1_000_000_000).ok()?;
    Some(Duration::new(secs, nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        let d = |s| parse_go_duration(s);
        assert_eq!(d("1m1s"), Some(Duration::from_secs(61)));
        assert_eq!(d("1.5h"), Some(Duration::from_secs(5400)));
        assert_eq!(d("300ms"), Some(Duration::from_millis(300)));
        assert_eq!(d(".5s"), Some(Duration::from_millis(500)));
        assert_eq!(d("0"), Some(Duration::ZERO));
        assert_eq!(d("jiffy"), None);
        assert_eq!(d("61"), None);
        assert_eq!(d("-1s"), None);
        assert_eq!(d("1.s"), Some(Duration::from_secs(1)));
        assert_eq!(d("."), None);
        assert_eq!(d("99999999999999h"), None);
    }
}
