//! Number parsing and printing with Go's `strconv` rules, which decide how
//! go-yaml reads numeric scalars and how `kubectl kustomize` prints them.

use serde_json::Number;

/// Parses `s` as Go's `strconv.ParseInt(s, 0, 64)` does: optional sign, then
/// a `0x`, `0o`, `0b` or legacy `0` (octal) prefix, or decimal digits.
pub(crate) fn parse_go_int(s: &str) -> Option<i64> {
    let (negative, body) = split_sign(s);
    let magnitude = parse_go_unsigned(body)?;
    if negative {
        if magnitude <= 1u64 << 63 {
            Some((magnitude as i64).wrapping_neg())
        } else {
            None
        }
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// Parses `s` as Go's `strconv.ParseUint(s, 0, 64)` does (no sign allowed).
pub(crate) fn parse_go_uint(s: &str) -> Option<u64> {
    parse_go_unsigned(s)
}

fn split_sign(s: &str) -> (bool, &str) {
    if let Some(rest) = s.strip_prefix('-') {
        (true, rest)
    } else if let Some(rest) = s.strip_prefix('+') {
        (false, rest)
    } else {
        (false, s)
    }
}

fn parse_go_unsigned(s: &str) -> Option<u64> {
    let bytes = s.as_bytes();
    let (radix, digits) = if bytes.len() >= 2 && bytes[0] == b'0' {
        match bytes[1] {
            b'x' | b'X' => (16, &s[2..]),
            b'o' | b'O' => (8, &s[2..]),
            b'b' | b'B' => (2, &s[2..]),
            _ => (8, &s[1..]),
        }
    } else {
        (10, s)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// Whether `s` matches go-yaml's `yamlStyleFloat`:
/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
pub(crate) fn is_yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Parses a float the way go-yaml does for a scalar starting with `.`
/// (Go's `strconv.ParseFloat`, which allows `_` between digits). Out-of-range
/// values are rejected, as `ParseFloat` reports them as errors.
pub(crate) fn parse_go_decimal_float(s: &str) -> Option<f64> {
    if s.contains('_') && !underscores_ok(s) {
        return None;
    }
    let plain: String = s.chars().filter(|&c| c != '_').collect();
    if !is_yaml_style_float(&plain) {
        return None;
    }
    parse_finite(&plain)
}

/// Parses a string already known to match [`is_yaml_style_float`]; `None`
/// when it overflows (Go reports a range error there).
pub(crate) fn parse_finite(s: &str) -> Option<f64> {
    s.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// Go's `underscoreOK` for decimal numbers: every `_` sits between digits.
fn underscores_ok(s: &str) -> bool {
    let (_, body) = split_sign(s);
    let mut saw = b'^';
    for &c in body.as_bytes() {
        if c.is_ascii_digit() {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
    }
    saw != b'_'
}

/// Shortest decimal digits and decimal-point position of a finite, non-zero
/// `f`, as Go's `strconv` computes them: the value is `0.DIGITS × 10^point`.
fn shortest_digits(f: f64) -> (String, i32) {
    // Rust's `{:e}` prints the shortest representation that round-trips,
    // like Go's shortest formatting: "d.ddddde-7".
    let text = format!("{:e}", f.abs());
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    (digits.to_string(), exponent + 1)
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)`.
pub(crate) fn format_go_g(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let (digits, point) = shortest_digits(f);
    let mut out = String::new();
    if f < 0.0 {
        out.push('-');
    }
    let exp = point - 1;
    if !(-4..6).contains(&exp) {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let magnitude = exp.unsigned_abs();
        if magnitude < 10 {
            out.push('0');
        }
        out.push_str(&magnitude.to_string());
    } else if point <= 0 {
        out.push_str("0.");
        for _ in 0..(-point) {
            out.push('0');
        }
        out.push_str(&digits);
    } else {
        let point = point as usize;
        if digits.len() <= point {
            out.push_str(&digits);
            for _ in digits.len()..point {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..point]);
            out.push('.');
            out.push_str(&digits[point..]);
        }
    }
    out
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 32)` for a value already rounded to
/// `f32`: the shortest digits that identify the `f32`.
pub(crate) fn format_go_g32(f: f64) -> String {
    let narrow = f as f32;
    if !narrow.is_finite() || narrow == 0.0 {
        return format_go_g(f64::from(narrow));
    }
    // Shortest f32 digits, re-read as f64 so the f64 formatter prints exactly them.
    let shortest: f64 = format!("{narrow:e}").parse().unwrap_or(f64::from(narrow));
    format_go_g(shortest)
}

/// How `kubectl kustomize` prints a JSON number: Go's `encoding/json` writes
/// it, go-yaml v2 reads that text back (integral text becomes an integer when
/// it fits 64 bits) and prints floats with `FormatFloat(f, 'g', -1, 64)`.
pub(crate) fn format_number(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    let f = n.as_f64().unwrap_or(0.0);
    if f.fract() == 0.0 && f.abs() < 1e21 {
        // encoding/json prints integral floats below 1e21 as their shortest
        // digits padded with zeros ('f' format), e.g. 9223372036854776000.
        let text = format_go_f_integral(f);
        if let Ok(i) = text.parse::<i64>() {
            return i.to_string();
        }
        if let Ok(u) = text.parse::<u64>() {
            return u.to_string();
        }
    }
    match format_go_g(f).as_str() {
        "+Inf" => ".inf".into(),
        "-Inf" => "-.inf".into(),
        "NaN" => ".nan".into(),
        s => s.into(),
    }
}

/// Go's `strconv.FormatFloat(f, 'f', -1, 64)` for an integral, finite `f`.
fn format_go_f_integral(f: f64) -> String {
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let (digits, point) = shortest_digits(f);
    let mut out = String::new();
    if f < 0.0 {
        out.push('-');
    }
    out.push_str(&digits);
    for _ in digits.len()..point.max(0) as usize {
        out.push('0');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_int_prefixes() {
        assert_eq!(parse_go_int("0x1F"), Some(31));
        assert_eq!(parse_go_int("0o17"), Some(15));
        assert_eq!(parse_go_int("017"), Some(15));
        assert_eq!(parse_go_int("0b101"), Some(5));
        assert_eq!(parse_go_int("-0b101"), Some(-5));
        assert_eq!(parse_go_int("+12"), Some(12));
        assert_eq!(parse_go_int("08"), None);
        assert_eq!(parse_go_int("0x"), None);
        assert_eq!(parse_go_int("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_go_int("9223372036854775808"), None);
        assert_eq!(parse_go_uint("9223372036854775808"), Some(1 << 63));
        assert_eq!(parse_go_uint("+1"), None);
    }

    #[test]
    fn yaml_style_float_regex() {
        for yes in ["1.5", ".5", "1.", "1e3", "-1E+3", "08", "+.5e-2"] {
            assert!(is_yaml_style_float(yes), "{yes}");
        }
        for no in ["1e", ".", "1.2.3", "e3", "0x1p3", "", "-", "1_0"] {
            assert!(!is_yaml_style_float(no), "{no}");
        }
    }

    #[test]
    fn go_g_format() {
        assert_eq!(format_go_g(0.5), "0.5");
        assert_eq!(format_go_g(1234567.5), "1.2345675e+06");
        assert_eq!(format_go_g(123456.5), "123456.5");
        assert_eq!(format_go_g(0.0001), "0.0001");
        assert_eq!(format_go_g(0.00001), "1e-05");
        assert_eq!(format_go_g(1e20), "1e+20");
        assert_eq!(format_go_g(1.2345678901234568e29), "1.2345678901234568e+29");
        assert_eq!(format_go_g(-2.5e-300), "-2.5e-300");
        assert_eq!(format_go_g(100.0), "100");
        assert_eq!(format_go_g32(2.5), "2.5");
        assert_eq!(format_go_g32(0.1), "0.1");
    }

    #[test]
    fn json_number_printing() {
        let f = |x: f64| format_number(&Number::from_f64(x).unwrap_or(Number::from(0)));
        assert_eq!(f(1.0), "1");
        assert_eq!(f(-0.0), "0");
        assert_eq!(f(1e19), "10000000000000000000");
        // Shortest digits padded with zeros, as the oracle prints them.
        assert_eq!(f(9223372036854775808.0), "9223372036854776000");
        assert_eq!(f(-9223372036854775808.0), "-9.223372036854776e+18");
        assert_eq!(f(4611686018427387904.0), "4611686018427388000");
        assert_eq!(f(9007199254740993.0), "9007199254740992");
        assert_eq!(f(1e20), "1e+20");
        assert_eq!(f(1e21), "1e+21");
        assert_eq!(f(1e-7), "1e-07");
        assert_eq!(
            format_number(&Number::from(u64::MAX)),
            "18446744073709551615"
        );
    }
}
