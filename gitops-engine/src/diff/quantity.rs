//! Kubernetes resource quantities (`500m`, `1.5Gi`, `0.2`) in their
//! canonical text form, as the API server's typed round trip writes them.

/// Decimal SI suffixes by power of ten.
const DECIMAL_SUFFIXES: &[(i32, &str)] = &[
    (-9, "n"),
    (-6, "u"),
    (-3, "m"),
    (0, ""),
    (3, "k"),
    (6, "M"),
    (9, "G"),
    (12, "T"),
    (15, "P"),
    (18, "E"),
];

/// Binary suffixes by power of 1024.
const BINARY_SUFFIXES: &[&str] = &["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];

/// Nano-units per unit.
const NANO: i128 = 1_000_000_000;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Format {
    DecimalSi,
    BinarySi,
    DecimalExponent,
}

/// The canonical form of quantity `text`, or `None` when it is not a
/// quantity. Values are rounded up to a multiple of 10⁻⁹; binary values
/// stay binary when they are whole and at least 1024, decimal ones use the
/// largest power-of-1000 suffix that keeps the mantissa whole.
pub(crate) fn canonical(text: &str) -> Option<String> {
    let (nano, format) = parse(text.trim())?;
    if nano == 0 {
        return Some("0".into());
    }
    if format == Format::BinarySi && nano.abs() >= 1024 * NANO && nano % NANO == 0 {
        let mut units = nano / NANO;
        let mut power = 0;
        while power + 1 < BINARY_SUFFIXES.len() && units % 1024 == 0 {
            units /= 1024;
            power += 1;
        }
        return Some(format!("{units}{}", BINARY_SUFFIXES[power]));
    }
    let (exp, mantissa) = DECIMAL_SUFFIXES
        .iter()
        .rev()
        .find_map(|(exp, _)| {
            let divisor = 10i128.pow(u32::try_from(exp + 9).ok()?);
            (nano % divisor == 0).then_some((*exp, nano / divisor))
        })
        .unwrap_or((-9, nano));
    let suffix = match format {
        Format::DecimalExponent if exp != 0 => format!("e{exp}"),
        Format::DecimalExponent => String::new(),
        _ => DECIMAL_SUFFIXES
            .iter()
            .find(|(e, _)| *e == exp)
            .map_or("", |(_, s)| s)
            .to_string(),
    };
    Some(format!("{mantissa}{suffix}"))
}

/// Parses into nano-units (rounded up) and the notation used.
fn parse(text: &str) -> Option<(i128, Format)> {
    let (negative, body) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let number_len = body
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(body.len());
    let (number, suffix) = body.split_at(number_len);
    let (int_part, frac_part) = number.split_once('.').unwrap_or((number, ""));
    if int_part.is_empty() && frac_part.is_empty() || int_part.len() + frac_part.len() > 30 {
        return None;
    }
    let digits: i128 = format!("{int_part}{frac_part}").parse().ok()?;
    let frac_len = i32::try_from(frac_part.len()).ok()?;
    let (format, ten_power, binary_power) = parse_suffix(suffix)?;
    // value = digits · 10^(ten_power − frac_len) · 1024^binary_power
    let mut numerator = digits.checked_mul(1024i128.checked_pow(binary_power)?)?;
    let shift = ten_power - frac_len + 9;
    let nano = if shift >= 0 {
        numerator = numerator.checked_mul(10i128.checked_pow(u32::try_from(shift).ok()?)?)?;
        numerator
    } else {
        let divisor = 10i128.checked_pow(u32::try_from(-shift).ok()?)?;
        (numerator + divisor - 1) / divisor
    };
    Some((if negative { -nano } else { nano }, format))
}

/// `(format, power of ten, power of 1024)` of a suffix.
fn parse_suffix(suffix: &str) -> Option<(Format, i32, u32)> {
    if let Some(power) = BINARY_SUFFIXES.iter().skip(1).position(|s| *s == suffix) {
        return Some((Format::BinarySi, 0, u32::try_from(power + 1).ok()?));
    }
    if let Some((exp, _)) = DECIMAL_SUFFIXES.iter().find(|(_, s)| *s == suffix) {
        return Some((Format::DecimalSi, *exp, 0));
    }
    let exponent = suffix.strip_prefix(['e', 'E'])?;
    let exp: i32 = exponent.parse().ok()?;
    (exp.abs() <= 30).then_some((Format::DecimalExponent, exp, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms() {
        for (input, want) in [
            ("0.2", "200m"),
            ("200m", "200m"),
            ("1000m", "1"),
            ("1500m", "1500m"),
            ("1.5", "1500m"),
            ("2000", "2k"),
            ("100M", "100M"),
            ("1.5Gi", "1536Mi"),
            ("0.5Gi", "512Mi"),
            ("1024Ki", "1Mi"),
            ("1000Mi", "1000Mi"),
            ("512Ki", "512Ki"),
            ("1Ki", "1Ki"),
            ("0.5Ki", "512"),
            ("1e3", "1e3"),
            ("12e2", "1200"),
            ("0", "0"),
            ("0Gi", "0"),
            ("-1.5", "-1500m"),
            ("0.0000000001", "1n"),
            ("30Gi", "30Gi"),
        ] {
            assert_eq!(canonical(input).as_deref(), Some(want), "{input}");
        }
    }

    #[test]
    fn non_quantities() {
        for input in ["", "abc", "1.5X", "--1", "1e", "."] {
            assert_eq!(canonical(input), None, "{input}");
        }
    }
}
