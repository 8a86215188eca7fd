//! Sprig's date functions, with Go's reference-time layouts
//! (`2006-01-02 15:04:05`) for formatting and parsing. This crate reads no
//! time zone database: `Local` is UTC, and zones other than UTC resolve to
//! UTC.

use std::sync::Arc;

use jiff::Timestamp;
use jiff::tz::{Offset, TimeZone};

use super::{Reg, Res, err};
use crate::func::Param::{Any, String as Str};
use crate::value::Value;

/// One element of a Go layout.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Chunk {
    Literal(usize),
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    YearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    PM,
    Pm,
    TzName,
    /// Numeric offset: with `Z` for UTC, with colons, with seconds, hours only.
    Offset {
        z: bool,
        colon: bool,
        seconds: bool,
        hours_only: bool,
    },
    /// Fractional seconds: digits, and whether trailing zeros are dropped (`9`).
    Frac(usize, bool),
}

/// Splits a layout into chunks as Go's `nextStdChunk` recognises them.
fn chunks(layout: &str) -> Vec<(Chunk, &str)> {
    let b = layout.as_bytes();
    let mut out = Vec::new();
    let mut lit_start = 0;
    let mut i = 0;
    while i < b.len() {
        let rest = &layout[i..];
        let found: Option<(Chunk, usize)> = match b[i] {
            b'J' if rest.starts_with("January") => Some((Chunk::LongMonth, 7)),
            b'J' if rest.starts_with("Jan") => Some((Chunk::Month, 3)),
            b'M' if rest.starts_with("Monday") => Some((Chunk::LongWeekDay, 6)),
            b'M' if rest.starts_with("Mon") => Some((Chunk::WeekDay, 3)),
            b'M' if rest.starts_with("MST") => Some((Chunk::TzName, 3)),
            b'0' if rest.starts_with("002") => Some((Chunk::YearDay, 3)),
            b'0' if b.get(i + 1).is_some_and(|c| (b'1'..=b'6').contains(c)) => Some((
                match b[i + 1] {
                    b'1' => Chunk::ZeroMonth,
                    b'2' => Chunk::ZeroDay,
                    b'3' => Chunk::ZeroHour12,
                    b'4' => Chunk::ZeroMinute,
                    b'5' => Chunk::ZeroSecond,
                    _ => Chunk::Year,
                },
                2,
            )),
            b'1' if rest.starts_with("15") => Some((Chunk::Hour, 2)),
            b'1' => Some((Chunk::NumMonth, 1)),
            b'2' if rest.starts_with("2006") => Some((Chunk::LongYear, 4)),
            b'2' => Some((Chunk::Day, 1)),
            b'_' if rest.starts_with("_2") && !rest.starts_with("_2006") => {
                Some((Chunk::UnderDay, 2))
            }
            b'3' => Some((Chunk::Hour12, 1)),
            b'4' => Some((Chunk::Minute, 1)),
            b'5' => Some((Chunk::Second, 1)),
            b'P' if rest.starts_with("PM") => Some((Chunk::PM, 2)),
            b'p' if rest.starts_with("pm") => Some((Chunk::Pm, 2)),
            b'-' | b'Z' => {
                let z = b[i] == b'Z';
                let body = &rest[1..];
                [
                    ("070000", false, true, false),
                    ("07:00:00", true, true, false),
                    ("0700", false, false, false),
                    ("07:00", true, false, false),
                    ("07", false, false, true),
                ]
                .iter()
                .find(|(p, ..)| body.starts_with(p))
                .map(|(p, colon, seconds, hours_only)| {
                    (
                        Chunk::Offset {
                            z,
                            colon: *colon,
                            seconds: *seconds,
                            hours_only: *hours_only,
                        },
                        p.len() + 1,
                    )
                })
            }
            b'.' | b',' if matches!(b.get(i + 1), Some(b'0' | b'9')) => {
                let digit = b[i + 1];
                let n = b[i + 1..].iter().take_while(|c| **c == digit).count();
                if b.get(i + 1 + n).is_some_and(u8::is_ascii_digit) {
                    None
                } else {
                    Some((Chunk::Frac(n, digit == b'9'), n + 1))
                }
            }
            _ => None,
        };
        match found {
            Some((chunk, len)) => {
                if lit_start < i {
                    out.push((Chunk::Literal(i - lit_start), &layout[lit_start..i]));
                }
                out.push((chunk, &layout[i..i + len]));
                i += len;
                lit_start = i;
            }
            None => i += layout[i..].chars().next().map_or(1, char::len_utf8),
        }
    }
    if lit_start < b.len() {
        out.push((Chunk::Literal(b.len() - lit_start), &layout[lit_start..]));
    }
    out
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// The zone abbreviation Go prints for `MST`: the name for UTC, else the
/// numeric offset.
fn zone_name(t: &jiff::Zoned) -> String {
    let secs = t.offset().seconds();
    if secs == 0 {
        return "UTC".into();
    }
    let (sign, a) = if secs < 0 { ('-', -secs) } else { ('+', secs) };
    if a % 3600 == 0 {
        format!("{sign}{:02}", a / 3600)
    } else {
        format!("{sign}{:02}{:02}", a / 3600, a % 3600 / 60)
    }
}

/// Go's `Time.Format(layout)`.
pub(crate) fn go_format(t: &jiff::Zoned, layout: &str) -> String {
    let mut out = String::new();
    let month = t.month() as usize;
    let hour = t.hour() as i64;
    for (chunk, text) in chunks(layout) {
        match chunk {
            Chunk::Literal(_) => out.push_str(text),
            Chunk::LongMonth => out.push_str(MONTHS[month - 1]),
            Chunk::Month => out.push_str(&MONTHS[month - 1][..3]),
            Chunk::NumMonth => out.push_str(&month.to_string()),
            Chunk::ZeroMonth => out.push_str(&format!("{month:02}")),
            Chunk::LongWeekDay => out.push_str(DAYS[t.weekday().to_sunday_zero_offset() as usize]),
            Chunk::WeekDay => {
                out.push_str(&DAYS[t.weekday().to_sunday_zero_offset() as usize][..3])
            }
            Chunk::Day => out.push_str(&t.day().to_string()),
            Chunk::UnderDay => out.push_str(&format!("{:>2}", t.day())),
            Chunk::ZeroDay => out.push_str(&format!("{:02}", t.day())),
            Chunk::YearDay => out.push_str(&format!("{:03}", t.day_of_year())),
            Chunk::Hour => out.push_str(&format!("{hour:02}")),
            Chunk::Hour12 | Chunk::ZeroHour12 => {
                let h = match hour % 12 {
                    0 => 12,
                    h => h,
                };
                if chunk == Chunk::Hour12 {
                    out.push_str(&h.to_string());
                } else {
                    out.push_str(&format!("{h:02}"));
                }
            }
            Chunk::Minute => out.push_str(&t.minute().to_string()),
            Chunk::ZeroMinute => out.push_str(&format!("{:02}", t.minute())),
            Chunk::Second => out.push_str(&t.second().to_string()),
            Chunk::ZeroSecond => out.push_str(&format!("{:02}", t.second())),
            Chunk::LongYear => out.push_str(&format!("{:04}", t.year())),
            Chunk::Year => out.push_str(&format!("{:02}", t.year().rem_euclid(100))),
            Chunk::PM => out.push_str(if hour >= 12 { "PM" } else { "AM" }),
            Chunk::Pm => out.push_str(if hour >= 12 { "pm" } else { "am" }),
            Chunk::TzName => out.push_str(&zone_name(t)),
            Chunk::Offset {
                z,
                colon,
                seconds,
                hours_only,
            } => {
                let secs = t.offset().seconds();
                if z && secs == 0 {
                    out.push('Z');
                    continue;
                }
                let (sign, a) = if secs < 0 { ('-', -secs) } else { ('+', secs) };
                out.push(sign);
                out.push_str(&format!("{:02}", a / 3600));
                if !hours_only {
                    if colon {
                        out.push(':');
                    }
                    out.push_str(&format!("{:02}", a % 3600 / 60));
                }
                if seconds {
                    if colon {
                        out.push(':');
                    }
                    out.push_str(&format!("{:02}", a % 60));
                }
            }
            Chunk::Frac(n, trim) => {
                let digits = format!("{:09}", t.subsec_nanosecond());
                let mut d = digits[..n.min(9)].to_string();
                if trim {
                    while d.ends_with('0') {
                        d.pop();
                    }
                    if d.is_empty() {
                        continue;
                    }
                }
                out.push_str(&text[..1]);
                out.push_str(&d);
            }
        }
    }
    out
}

/// Go's `time.ParseInLocation(layout, value, Local)` with `Local` as UTC,
/// for numeric fields, month and day names, AM/PM and offsets.
fn go_parse(layout: &str, value: &str) -> Result<jiff::Zoned, String> {
    let fail = |elem: &str, rest: &str| {
        Err(format!(
            "parsing time {} as {}: cannot parse {} as {}",
            crate::fmt::quote(value),
            crate::fmt::quote(layout),
            crate::fmt::quote(rest),
            crate::fmt::quote(elem)
        ))
    };
    let (mut year, mut month, mut day, mut hour, mut min, mut sec, mut nanos) =
        (1i64, 1i64, 1i64, 0i64, 0i64, 0i64, 0i64);
    let mut pm: Option<bool> = None;
    let mut offset: Option<i32> = None;
    let mut rest = value;
    let number = |rest: &str, min_len: usize, max_len: usize| -> Option<(i64, usize)> {
        let n = rest
            .bytes()
            .take(max_len)
            .take_while(u8::is_ascii_digit)
            .count();
        (n >= min_len).then(|| (rest[..n].parse().unwrap_or(0), n))
    };
    for (chunk, text) in chunks(layout) {
        let take = |v: Option<(i64, usize)>, rest: &mut &str| -> Option<i64> {
            let (n, len) = v?;
            *rest = &rest[len..];
            Some(n)
        };
        let parsed = match chunk {
            Chunk::Literal(_) => {
                // Go lets layout spaces match runs of spaces loosely; keep exact.
                rest.strip_prefix(text).map(|r| rest = r)
            }
            Chunk::LongYear => take(number(rest, 4, 4), &mut rest).map(|v| year = v),
            Chunk::Year => take(number(rest, 2, 2), &mut rest).map(|v| {
                year = if v >= 69 { 1900 + v } else { 2000 + v };
            }),
            Chunk::ZeroMonth => take(number(rest, 2, 2), &mut rest).map(|v| month = v),
            Chunk::NumMonth => take(number(rest, 1, 2), &mut rest).map(|v| month = v),
            Chunk::LongMonth | Chunk::Month => MONTHS
                .iter()
                .position(|m| {
                    let name = if chunk == Chunk::Month { &m[..3] } else { m };
                    rest.len() >= name.len() && rest[..name.len()].eq_ignore_ascii_case(name)
                })
                .map(|i| {
                    let len = if chunk == Chunk::Month {
                        3
                    } else {
                        MONTHS[i].len()
                    };
                    rest = &rest[len..];
                    month = i as i64 + 1;
                }),
            Chunk::LongWeekDay | Chunk::WeekDay => DAYS
                .iter()
                .find(|d| {
                    let name = if chunk == Chunk::WeekDay { &d[..3] } else { d };
                    rest.len() >= name.len() && rest[..name.len()].eq_ignore_ascii_case(name)
                })
                .map(|d| {
                    rest = &rest[if chunk == Chunk::WeekDay { 3 } else { d.len() }..];
                }),
            Chunk::ZeroDay => take(number(rest, 2, 2), &mut rest).map(|v| day = v),
            Chunk::Day => take(number(rest, 1, 2), &mut rest).map(|v| day = v),
            Chunk::UnderDay => {
                if rest.starts_with(' ') {
                    rest = &rest[1..];
                }
                take(number(rest, 1, 2), &mut rest).map(|v| day = v)
            }
            Chunk::YearDay => take(number(rest, 3, 3), &mut rest).map(|_| ()),
            Chunk::Hour => take(number(rest, 2, 2), &mut rest).map(|v| hour = v),
            Chunk::Hour12 => take(number(rest, 1, 2), &mut rest).map(|v| hour = v),
            Chunk::ZeroHour12 => take(number(rest, 2, 2), &mut rest).map(|v| hour = v),
            Chunk::Minute => take(number(rest, 1, 2), &mut rest).map(|v| min = v),
            Chunk::ZeroMinute => take(number(rest, 2, 2), &mut rest).map(|v| min = v),
            Chunk::Second => take(number(rest, 1, 2), &mut rest).map(|v| sec = v),
            Chunk::ZeroSecond => take(number(rest, 2, 2), &mut rest).map(|v| sec = v),
            Chunk::PM | Chunk::Pm => {
                let head = rest.get(..2).unwrap_or_default().to_ascii_uppercase();
                match head.as_str() {
                    "AM" | "PM" => {
                        pm = Some(head == "PM");
                        rest = &rest[2..];
                        Some(())
                    }
                    _ => None,
                }
            }
            Chunk::TzName => {
                let n = rest.bytes().take_while(u8::is_ascii_uppercase).count();
                (n >= 3).then(|| {
                    if &rest[..n] == "UTC" {
                        offset = Some(0);
                    }
                    rest = &rest[n..];
                })
            }
            Chunk::Offset { z, .. } if z && rest.starts_with('Z') => {
                rest = &rest[1..];
                offset = Some(0);
                Some(())
            }
            Chunk::Offset {
                colon,
                seconds,
                hours_only,
                ..
            } => {
                let sign = match rest.as_bytes().first() {
                    Some(b'+') => 1,
                    Some(b'-') => -1,
                    _ => 0,
                };
                let mut fields = vec![2];
                if !hours_only {
                    fields.push(2);
                }
                if seconds {
                    fields.push(2);
                }
                let mut r = rest.get(1..).unwrap_or_default();
                let mut parts = Vec::new();
                let mut ok = sign != 0;
                for (k, w) in fields.iter().enumerate() {
                    if k > 0 && colon {
                        match r.strip_prefix(':') {
                            Some(x) => r = x,
                            None => ok = false,
                        }
                    }
                    match number(r, *w, *w) {
                        Some((v, len)) if ok => {
                            parts.push(v);
                            r = &r[len..];
                        }
                        _ => ok = false,
                    }
                }
                ok.then(|| {
                    let secs = parts[0] * 3600
                        + parts.get(1).copied().unwrap_or(0) * 60
                        + parts.get(2).copied().unwrap_or(0);
                    offset = Some(sign * secs as i32);
                    rest = r;
                })
            }
            Chunk::Frac(n, trim) => {
                let sep = &text[..1];
                if let Some(r) = rest.strip_prefix(sep) {
                    let digits = r.bytes().take_while(u8::is_ascii_digit).count();
                    if (trim && digits > 0) || (!trim && digits == n) {
                        let d = &r[..digits.min(9)];
                        nanos = format!("{d:0<9}").parse().unwrap_or(0);
                        rest = &r[digits..];
                        Some(())
                    } else {
                        None
                    }
                } else if trim {
                    Some(())
                } else {
                    None
                }
            }
        };
        if parsed.is_none() {
            return fail(text, rest);
        }
    }
    if !rest.is_empty() {
        return Err(format!(
            "parsing time {}: extra text: {}",
            crate::fmt::quote(value),
            crate::fmt::quote(rest)
        ));
    }
    match pm {
        Some(true) if hour < 12 => hour += 12,
        Some(false) if hour == 12 => hour = 0,
        _ => {}
    }
    let out_of_range = |what: &str| {
        format!(
            "parsing time {}: {what} out of range",
            crate::fmt::quote(value)
        )
    };
    if !(1..=12).contains(&month) {
        return Err(out_of_range("month"));
    }
    let date = jiff::civil::Date::new(year as i16, month as i8, day as i8)
        .map_err(|_| out_of_range("day"))?;
    let time = jiff::civil::Time::new(hour as i8, min as i8, sec as i8, nanos as i32)
        .map_err(|_| out_of_range("hour"))?;
    let tz = TimeZone::fixed(Offset::from_seconds(offset.unwrap_or(0)).unwrap_or(Offset::UTC));
    date.to_datetime(time)
        .to_zoned(tz)
        .map_err(|e| e.to_string())
}

/// Go's zero `time.Time` (January 1, year 1, UTC).
fn zero_time() -> jiff::Zoned {
    jiff::civil::date(1, 1, 1)
        .to_zoned(TimeZone::UTC)
        .unwrap_or_else(|_| Timestamp::UNIX_EPOCH.to_zoned(TimeZone::UTC))
}

fn time(t: jiff::Zoned) -> Value {
    Value::Time(Arc::new(t))
}

/// The time a date function's argument names: a time, or Unix seconds
/// (`int`/`int64`); anything else is now.
fn time_of(v: &Value) -> jiff::Zoned {
    match v {
        Value::Time(t) => (**t).clone(),
        Value::Int(s) | Value::Int64(s) => Timestamp::from_second(*s)
            .unwrap_or(Timestamp::UNIX_EPOCH)
            .to_zoned(TimeZone::UTC),
        _ => jiff::Zoned::now().with_time_zone(TimeZone::UTC),
    }
}

/// Go's `time.Time.String()`: `2006-01-02 15:04:05.999999999 -0700 MST`.
pub(crate) fn go_time_string(t: &jiff::Zoned) -> String {
    go_format(t, "2006-01-02 15:04:05.999999999 -0700 MST")
}

/// RFC 3339 with nanoseconds as Go's JSON encoding of a time.
pub(crate) fn rfc3339(t: &jiff::Zoned) -> String {
    go_format(t, "2006-01-02T15:04:05.999999999Z07:00")
}

/// Go's `time.ParseDuration`, in nanoseconds.
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

/// Go's `time.Duration.String()` for whole seconds.
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

fn since(t: &jiff::Zoned) -> i128 {
    (Timestamp::now().as_nanosecond()) - t.timestamp().as_nanosecond()
}

pub(crate) fn register(r: &mut Reg) {
    r.add("now", &[], None, |_| {
        Ok(time(jiff::Zoned::now().with_time_zone(TimeZone::UTC)))
    });
    for name in ["date", "dateInZone", "date_in_zone"] {
        let f: fn(Vec<Value>) -> Res = |a| {
            let layout = a[0].as_str().unwrap_or_default();
            Ok(Value::from(go_format(&time_of(&a[1]), layout)))
        };
        if name == "date" {
            r.add(name, &[Str, Any], None, f);
        } else {
            r.add(name, &[Str, Any, Str], None, f);
        }
    }
    r.add("htmlDate", &[Any], None, |a| {
        Ok(Value::from(go_format(&time_of(&a[0]), "2006-01-02")))
    });
    r.add("htmlDateInZone", &[Any, Str], None, |a| {
        Ok(Value::from(go_format(&time_of(&a[0]), "2006-01-02")))
    });
    r.add("toDate", &[Str, Str], None, |a| {
        let t = go_parse(
            a[0].as_str().unwrap_or_default(),
            a[1].as_str().unwrap_or_default(),
        );
        Ok(time(t.unwrap_or_else(|_| zero_time())))
    });
    r.add("mustToDate", &[Str, Str], None, |a| {
        go_parse(
            a[0].as_str().unwrap_or_default(),
            a[1].as_str().unwrap_or_default(),
        )
        .map(time)
        .map_err(err)
    });
    r.add("unixEpoch", &[Any], None, |a| match &a[0] {
        Value::Time(t) => Ok(Value::from(t.timestamp().as_second().to_string())),
        v => Err(err(format!(
            "wrong type for value; expected time.Time; got {}",
            v.type_name()
        ))),
    });
    for (name, must) in [
        ("dateModify", false),
        ("date_modify", false),
        ("mustDateModify", true),
        ("must_date_modify", true),
    ] {
        let f: fn(Vec<Value>) -> Res = if must {
            |a| modify(&a, true)
        } else {
            |a| modify(&a, false)
        };
        r.add(name, &[Str, Any], None, f);
    }
    r.add("ago", &[Any], None, |a| {
        let secs = since(&time_of(&a[0])) / 1_000_000_000 * 1_000_000_000;
        Ok(Value::from(go_duration(secs)))
    });
    r.add("durationRound", &[Any], None, |a| {
        let ns = match &a[0] {
            Value::String(s) => parse_duration(s).unwrap_or(0),
            Value::Int64(i) => *i as i128,
            Value::Time(t) => since(t),
            _ => 0,
        };
        Ok(Value::from(duration_round(ns)))
    });
    r.add("duration", &[Any], None, |a| {
        let secs = match &a[0] {
            Value::String(s) => s.parse::<i64>().unwrap_or(0),
            Value::Int64(i) => *i,
            _ => 0,
        };
        Ok(Value::from(go_duration(secs as i128 * 1_000_000_000)))
    });
}

fn modify(a: &[Value], must: bool) -> Res {
    let Value::Time(t) = &a[1] else {
        return Err(err(format!(
            "wrong type for value; expected time.Time; got {}",
            a[1].type_name()
        )));
    };
    let layout = a[0].as_str().unwrap_or_default();
    match parse_duration(layout) {
        Some(ns) => {
            let span = jiff::SignedDuration::from_nanos(ns as i64);
            Ok(time(t.checked_add(span).unwrap_or_else(|_| (**t).clone())))
        }
        None if must => Err(err(format!(
            "time: invalid duration {}",
            crate::fmt::quote(layout)
        ))),
        None => Ok(Value::Time(t.clone())),
    }
}
