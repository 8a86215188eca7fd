//! Go's `fmt` and `strconv` as templates need them: `%v` printing of
//! values, `Sprint`/`Sprintln`/`Sprintf`, float formatting (`strconv`'s
//! `'e'`, `'f'`, `'g'`), and Go string quoting/unquoting.

use std::fmt::Write;

use crate::value::Value;

/// Nesting bound when printing values (maps can contain themselves).
const MAX_PRINT_DEPTH: usize = 64;

thread_local! {
    /// Printing (and JSON encoding) stops growing a string past this many
    /// bytes: maps that hold each other can print exponentially. An
    /// execution sets it to its output limit, which then fails it.
    static PRINT_CAP: std::cell::Cell<usize> = const { std::cell::Cell::new(64 << 20) };
}

thread_local! {
    /// The maps being printed, outermost first (for cycle detection).
    static PRINTING: std::cell::RefCell<Vec<usize>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Whether a string being printed has passed the current print cap.
pub(crate) fn past_print_cap(len: usize) -> bool {
    PRINT_CAP.with(|c| len > c.get())
}

/// Sets the print cap for the current thread until the guard drops.
pub(crate) fn cap_printing(max: usize) -> PrintCapGuard {
    let old = PRINT_CAP.with(|c| c.replace(max));
    PrintCapGuard(old)
}

/// Restores the previous print cap when dropped.
pub(crate) struct PrintCapGuard(usize);

impl Drop for PrintCapGuard {
    fn drop(&mut self) {
        PRINT_CAP.with(|c| c.set(self.0));
    }
}

/// Go's `strconv.Quote`.
pub fn quote(s: &str) -> String {
    quote_with(s, '"')
}

fn quote_with(s: &str, q: char) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push(q);
    for c in s.chars() {
        push_escaped(&mut out, c, q);
    }
    out.push(q);
    out
}

fn push_escaped(out: &mut String, c: char, q: char) {
    match c {
        c if c == q || c == '\\' => {
            out.push('\\');
            out.push(c);
        }
        '\x07' => out.push_str("\\a"),
        '\x08' => out.push_str("\\b"),
        '\x0c' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\x0b' => out.push_str("\\v"),
        c if is_print(c) => out.push(c),
        c if (c as u32) < 0x80 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if (c as u32) < 0x10000 => {
            let _ = write!(out, "\\u{:04x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\U{:08x}", c as u32);
        }
    }
}

/// Approximates Go's `strconv.IsPrint`: printable per Unicode graphic
/// categories plus the ASCII space.
fn is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    !matches!(c as u32, 0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB | 0xE000..=0xF8FF | 0xFFFE | 0xFFFF)
}

/// Go's `strconv.Unquote` for `"..."`, `` `...` `` and `'.'` literals.
pub fn unquote(s: &str) -> Option<String> {
    let q = s.chars().next()?;
    if s.len() < 2 || !s.ends_with(q) {
        return None;
    }
    let body = &s[1..s.len() - 1];
    match q {
        '`' => {
            if body.contains('`') {
                return None;
            }
            Some(body.replace('\r', ""))
        }
        '"' | '\'' => {
            let mut out = String::new();
            let mut rest = body;
            while !rest.is_empty() {
                if q == '"' && rest.starts_with('\n') {
                    return None;
                }
                let (c, tail) = unquote_char(rest, q)?;
                out.push(c);
                rest = tail;
            }
            if q == '\'' && out.chars().count() != 1 {
                return None;
            }
            Some(out)
        }
        _ => None,
    }
}

/// Go's `strconv.UnquoteChar`: decodes one character or escape of a
/// literal quoted with `q`; returns it and the rest.
pub fn unquote_char(s: &str, q: char) -> Option<(char, &str)> {
    let mut chars = s.chars();
    let c = chars.next()?;
    if c == q && (q == '\'' || q == '"') {
        return None;
    }
    if c != '\\' {
        return Some((c, chars.as_str()));
    }
    let e = chars.next()?;
    let rest = chars.as_str();
    let simple = match e {
        'a' => Some('\x07'),
        'b' => Some('\x08'),
        'f' => Some('\x0c'),
        'n' => Some('\n'),
        'r' => Some('\r'),
        't' => Some('\t'),
        'v' => Some('\x0b'),
        '\\' => Some('\\'),
        '\'' | '"' if e == q => Some(e),
        _ => None,
    };
    if let Some(c) = simple {
        return Some((c, rest));
    }
    let (n, radix) = match e {
        'x' => (2, 16),
        'u' => (4, 16),
        'U' => (8, 16),
        '0'..='7' => (3, 8),
        _ => return None,
    };
    let (digits, rest) = if radix == 8 {
        (&s[1..4.min(s.len())], s.get(4..)?)
    } else {
        (rest.get(..n)?, rest.get(n..)?)
    };
    if digits.len() != n {
        return None;
    }
    let v = u32::from_str_radix(digits, radix).ok()?;
    if radix == 8 && v > 255 {
        return None;
    }
    // \x and octal escapes are bytes; non-ASCII bytes cannot be held in a
    // Rust string on their own and become the replacement character.
    let c = if (e == 'x' || radix == 8) && v >= 0x80 {
        char::REPLACEMENT_CHARACTER
    } else {
        char::from_u32(v)?
    };
    Some((c, rest))
}

fn split_base(text: &str) -> (bool, u32, String) {
    let (neg, t) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let lower = t.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d.to_string())
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d.to_string())
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d.to_string())
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].to_string())
    } else {
        (10, lower)
    };
    (neg, radix, digits)
}

fn parse_magnitude(text: &str) -> Option<(bool, u128)> {
    let (neg, radix, digits) = split_base(text);
    if digits.is_empty() || digits.starts_with('_') && radix == 10 || digits.ends_with('_') {
        return None;
    }
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    if clean.is_empty() || clean.contains("__") {
        return None;
    }
    let v = u128::from_str_radix(&clean, radix).ok()?;
    Some((neg, v))
}

/// Go's `strconv.ParseInt(text, 0, 64)`.
pub fn parse_go_int(text: &str) -> Option<i64> {
    let (neg, v) = parse_magnitude(text)?;
    if neg {
        if v > 1u128 << 63 {
            return None;
        }
        Some((v as i128).wrapping_neg() as i64)
    } else {
        i64::try_from(v).ok()
    }
}

/// Go's `strconv.ParseUint(text, 0, 64)`.
pub fn parse_go_uint(text: &str) -> Option<u64> {
    if text.starts_with(['-', '+']) {
        return None;
    }
    let (_, v) = parse_magnitude(text)?;
    u64::try_from(v).ok()
}

/// Go's `strconv.ParseFloat(text, 64)` for decimal literals (hexadecimal
/// mantissas included).
pub fn parse_go_float(text: &str) -> Option<f64> {
    let clean: String = text.chars().filter(|c| *c != '_').collect();
    let lower = clean.to_ascii_lowercase();
    let (neg, body) = match lower.as_bytes().first() {
        Some(b'-') => (true, &lower[1..]),
        Some(b'+') => (false, &lower[1..]),
        _ => (false, &lower[..]),
    };
    let v = if let Some(hex) = body.strip_prefix("0x") {
        let (mant, exp) = hex.split_once('p')?;
        let exp: i32 = exp.parse().ok()?;
        let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
        let mut v = 0f64;
        for c in int.chars().chain(frac.chars()) {
            v = v * 16.0 + c.to_digit(16)? as f64;
        }
        v * 2f64.powi(exp - 4 * frac.len() as i32)
    } else {
        if body.is_empty() || !body.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
            return None;
        }
        body.parse::<f64>().ok()?
    };
    Some(if neg { -v } else { v })
}

/// Decimal digits of a finite non-negative float and the decimal point
/// position (`0.d1d2... × 10^dp`); zero has no digits.
struct Digits {
    digits: Vec<u8>,
    dp: i32,
}

fn from_exp_form(s: &str) -> Digits {
    let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut digits: Vec<u8> = mant.bytes().filter(u8::is_ascii_digit).collect();
    while digits.last() == Some(&b'0') {
        digits.pop();
    }
    if digits.is_empty() {
        return Digits { digits, dp: 0 };
    }
    Digits {
        digits,
        dp: exp + 1,
    }
}

fn shortest_digits(f: f64) -> Digits {
    from_exp_form(&format!("{f:e}"))
}

fn rounded_digits(f: f64, significant: usize) -> Digits {
    from_exp_form(&format!("{:.*e}", significant.saturating_sub(1), f))
}

fn fmt_e(out: &mut String, d: &Digits, prec: usize, e: char) {
    let first = d.digits.first().copied().unwrap_or(b'0');
    out.push(first as char);
    if prec > 0 {
        out.push('.');
        for i in 1..=prec {
            out.push(d.digits.get(i).copied().unwrap_or(b'0') as char);
        }
    }
    out.push(e);
    let exp = if d.digits.is_empty() { 0 } else { d.dp - 1 };
    out.push(if exp < 0 { '-' } else { '+' });
    let exp = exp.unsigned_abs();
    if exp < 10 {
        out.push('0');
    }
    let _ = write!(out, "{exp}");
}

fn fmt_f(out: &mut String, d: &Digits, prec: usize) {
    if d.dp > 0 {
        for i in 0..d.dp as usize {
            out.push(d.digits.get(i).copied().unwrap_or(b'0') as char);
        }
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        for i in 1..=prec as i32 {
            let j = d.dp + i - 1;
            let c = if j >= 0 {
                d.digits.get(j as usize).copied().unwrap_or(b'0')
            } else {
                b'0'
            };
            out.push(c as char);
        }
    }
}

/// Go's `strconv.FormatFloat(f, verb, prec, 64)` for verbs `e`, `E`, `f`,
/// `g`, `G`; `prec < 0` means the shortest representation.
pub fn format_float(f: f64, verb: char, prec: i32) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    let mut out = String::new();
    if f.is_sign_negative() {
        out.push('-');
    }
    let a = f.abs();
    let shortest = prec < 0;
    match verb {
        'e' | 'E' => {
            let d = if shortest {
                shortest_digits(a)
            } else {
                rounded_digits(a, prec as usize + 1)
            };
            let p = if shortest {
                d.digits.len().saturating_sub(1)
            } else {
                prec as usize
            };
            fmt_e(&mut out, &d, p, verb);
        }
        'f' | 'F' => {
            if shortest {
                let d = shortest_digits(a);
                let p = (d.digits.len() as i32 - d.dp).max(0) as usize;
                fmt_f(&mut out, &d, p);
            } else {
                let _ = write!(out, "{:.*}", prec as usize, a);
            }
        }
        _ => {
            let mut p = prec;
            if p == 0 {
                p = 1;
            }
            let d = if shortest {
                shortest_digits(a)
            } else {
                rounded_digits(a, p as usize)
            };
            let nd = d.digits.len() as i32;
            let mut eprec = if shortest { 6 } else { p };
            if !shortest && eprec > nd && nd >= d.dp {
                eprec = nd;
            }
            let exp = if nd == 0 { 0 } else { d.dp - 1 };
            let e = if verb == 'G' { 'E' } else { 'e' };
            if exp < -4 || exp >= eprec {
                let mut q = if shortest { nd } else { p };
                if q > nd {
                    q = nd;
                }
                fmt_e(&mut out, &d, (q - 1).max(0) as usize, e);
            } else {
                let mut q = if shortest { nd } else { p };
                if q > d.dp {
                    q = nd;
                }
                fmt_f(&mut out, &d, (q - d.dp).max(0) as usize);
            }
        }
    }
    out
}

/// `%v` of a value, as `fmt.Sprint` prints one operand.
pub fn sprint_value(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v, &Spec::plain('v'), 0);
    out
}

/// Go's `fmt.Sprint`: operands separated by a space when neither side is
/// a string.
pub fn sprint(args: &[Value]) -> String {
    let mut out = String::new();
    let mut prev_string = false;
    for (i, a) in args.iter().enumerate() {
        let is_string = matches!(a, Value::String(_));
        if i > 0 && !is_string && !prev_string {
            out.push(' ');
        }
        write_value(&mut out, a, &Spec::plain('v'), 0);
        prev_string = is_string;
    }
    out
}

/// Go's `fmt.Sprintln`: operands always separated by spaces, then a newline.
pub fn sprintln(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        write_value(&mut out, a, &Spec::plain('v'), 0);
    }
    out.push('\n');
    out
}

/// One parsed `%` directive.
#[derive(Clone, Debug, Default)]
struct Spec {
    verb: char,
    minus: bool,
    plus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

impl Spec {
    fn plain(verb: char) -> Spec {
        Spec {
            verb,
            ..Spec::default()
        }
    }
}

/// Go's `fmt.Sprintf`.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut out = String::new();
    let mut arg = 0;
    let mut chars = format.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = Spec::default();
        while let Some(&(_, f)) = chars.peek() {
            match f {
                '-' => {
                    spec.minus = true;
                    spec.zero = false;
                }
                '+' => spec.plus = true,
                '#' => spec.sharp = true,
                ' ' => spec.space = true,
                '0' => spec.zero = !spec.minus,
                _ => break,
            }
            chars.next();
        }
        if chars.peek().is_some_and(|&(_, c)| c == '*') {
            chars.next();
            match args.get(arg) {
                Some(Value::Int(w)) => {
                    if *w < 0 {
                        spec.minus = true;
                        spec.zero = false;
                    }
                    spec.width = Some(w.unsigned_abs().min(1 << 20) as usize);
                }
                _ => out.push_str("%!(BADWIDTH)"),
            }
            arg += 1;
        } else {
            spec.width = take_number(&mut chars);
        }
        if chars.peek().is_some_and(|&(_, c)| c == '.') {
            chars.next();
            if chars.peek().is_some_and(|&(_, c)| c == '*') {
                chars.next();
                match args.get(arg) {
                    Some(Value::Int(p)) if *p >= 0 => spec.prec = Some((*p as usize).min(1 << 20)),
                    _ => out.push_str("%!(BADPREC)"),
                }
                arg += 1;
            } else {
                spec.prec = Some(take_number(&mut chars).unwrap_or(0));
            }
        }
        let Some((_, verb)) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        spec.verb = verb;
        if verb == '%' {
            out.push('%');
            continue;
        }
        match args.get(arg) {
            None => {
                let _ = write!(out, "%!{verb}(MISSING)");
            }
            Some(v) => {
                write_value(&mut out, v, &spec, 0);
            }
        }
        arg += 1;
    }
    if arg < args.len() {
        out.push_str("%!(EXTRA ");
        for (i, a) in args[arg..].iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            if matches!(a, Value::Nil) {
                out.push_str("<nil>");
            } else {
                let _ = write!(out, "{}=", a.type_name());
                write_value(&mut out, a, &Spec::plain('v'), 0);
            }
        }
        out.push(')');
    }
    out
}

fn take_number(chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>) -> Option<usize> {
    let mut n: Option<usize> = None;
    while let Some(&(_, c)) = chars.peek() {
        let Some(d) = c.to_digit(10) else { break };
        n = Some((n.unwrap_or(0) * 10 + d as usize).min(1 << 20));
        chars.next();
    }
    n
}

fn pad(out: &mut String, s: &str, spec: &Spec, zero_ok: bool) {
    let len = s.chars().count();
    let width = spec.width.unwrap_or(0);
    if len >= width {
        out.push_str(s);
        return;
    }
    let fill = width - len;
    if spec.minus {
        out.push_str(s);
        out.extend(std::iter::repeat_n(' ', fill));
    } else if spec.zero && zero_ok {
        // Zero padding goes after the sign.
        let (sign, rest) = match s.as_bytes().first() {
            Some(b'-' | b'+' | b' ') => s.split_at(1),
            _ => ("", s),
        };
        out.push_str(sign);
        out.extend(std::iter::repeat_n('0', fill));
        out.push_str(rest);
    } else {
        out.extend(std::iter::repeat_n(' ', fill));
        out.push_str(s);
    }
}

fn bad_verb(out: &mut String, v: &Value, verb: char) {
    let _ = write!(out, "%!{verb}(");
    if matches!(v, Value::Nil) {
        out.push_str("<nil>");
    } else {
        let _ = write!(out, "{}=", v.type_name());
        write_value(out, v, &Spec::plain('v'), 0);
    }
    out.push(')');
}

fn write_value(out: &mut String, v: &Value, spec: &Spec, depth: usize) {
    if past_print_cap(out.len()) {
        return;
    }
    if depth > MAX_PRINT_DEPTH {
        out.push_str("...");
        return;
    }
    if spec.verb == 'T' {
        pad(out, v.type_name(), spec, false);
        return;
    }
    match v {
        Value::Nil => match spec.verb {
            'v' => pad(out, "<nil>", spec, false),
            _ => bad_verb(out, v, spec.verb),
        },
        Value::Bool(b) => match spec.verb {
            'v' | 't' => pad(out, if *b { "true" } else { "false" }, spec, false),
            _ => bad_verb(out, v, spec.verb),
        },
        Value::Int(i) | Value::Int64(i) => write_int(out, *i, spec, v),
        Value::Float(f) => write_float(out, *f, spec, v),
        Value::Complex(re, im) => {
            if !matches!(spec.verb, 'v' | 'e' | 'E' | 'f' | 'F' | 'g' | 'G') {
                bad_verb(out, v, spec.verb);
                return;
            }
            let mut s = String::from("(");
            write_float(
                &mut s,
                *re,
                &Spec {
                    width: None,
                    ..spec.clone()
                },
                v,
            );
            let imag_spec = Spec {
                width: None,
                plus: true,
                ..spec.clone()
            };
            write_float(&mut s, *im, &imag_spec, v);
            s.push_str("i)");
            pad(out, &s, spec, false);
        }
        Value::String(s) => write_str(out, s, spec, v),
        Value::List(items) => {
            if spec.sharp && spec.verb == 'v' {
                out.push_str("[]interface {}{");
            } else {
                out.push('[');
            }
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(if spec.sharp && spec.verb == 'v' {
                        ','
                    } else {
                        ' '
                    });
                    if spec.sharp && spec.verb == 'v' {
                        out.push(' ');
                    }
                }
                write_value(out, item, spec, depth + 1);
            }
            out.push(if spec.sharp && spec.verb == 'v' {
                '}'
            } else {
                ']'
            });
        }
        Value::Map(m) => {
            // A map inside itself: Go recurses until its stack overflows;
            // this crate prints the inner occurrence as `map[...]`.
            if PRINTING.with(|p| p.borrow().contains(&m.id())) {
                out.push_str("map[...]");
                return;
            }
            PRINTING.with(|p| p.borrow_mut().push(m.id()));
            out.push_str("map[");
            for (i, (k, val)) in m.entries().iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_str(out, k, spec, &Value::Nil);
                out.push(':');
                write_value(out, val, spec, depth + 1);
            }
            out.push(']');
            PRINTING.with(|p| p.borrow_mut().pop());
        }
        Value::Struct(s) => {
            out.push('{');
            for (i, (name, val)) in s.fields.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                if spec.plus {
                    let _ = write!(out, "{name}:");
                }
                write_value(out, val, spec, depth + 1);
            }
            out.push('}');
        }
        Value::Func(_) => pad(out, "func", spec, false),
        Value::Time(t) => match spec.verb {
            'v' | 's' => pad(out, &crate::sprig::dates::go_time_string(t), spec, false),
            _ => bad_verb(out, v, spec.verb),
        },
    }
}

fn write_int(out: &mut String, i: i64, spec: &Spec, v: &Value) {
    let sign = if i < 0 {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    };
    let a = i.unsigned_abs();
    let digits = match spec.verb {
        'v' | 'd' => a.to_string(),
        'b' => format!("{a:b}"),
        'o' => {
            if spec.sharp {
                format!("0{a:o}")
            } else {
                format!("{a:o}")
            }
        }
        'O' => format!("0o{a:o}"),
        'x' => {
            if spec.sharp {
                format!("0x{a:x}")
            } else {
                format!("{a:x}")
            }
        }
        'X' => {
            if spec.sharp {
                format!("0X{a:X}")
            } else {
                format!("{a:X}")
            }
        }
        'c' => {
            let c = char::from_u32(i as u32).unwrap_or(char::REPLACEMENT_CHARACTER);
            pad(out, &c.to_string(), spec, false);
            return;
        }
        'q' => {
            let c = char::from_u32(i as u32).unwrap_or(char::REPLACEMENT_CHARACTER);
            pad(out, &quote_with(&c.to_string(), '\''), spec, false);
            return;
        }
        'U' => {
            pad(out, &format!("U+{:04X}", i), spec, false);
            return;
        }
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' | 's' | 't' => {
            bad_verb(out, v, spec.verb);
            return;
        }
        _ => {
            bad_verb(out, v, spec.verb);
            return;
        }
    };
    let mut digits = digits;
    if let Some(p) = spec.prec {
        if p == 0 && a == 0 {
            digits.clear();
        }
        while digits.len() < p {
            digits.insert(0, '0');
        }
    }
    pad(out, &format!("{sign}{digits}"), spec, spec.prec.is_none());
}

fn write_float(out: &mut String, f: f64, spec: &Spec, v: &Value) {
    let (verb, default_prec) = match spec.verb {
        'v' => ('g', -1),
        'e' | 'E' | 'f' | 'F' => (spec.verb, 6),
        'g' | 'G' => (spec.verb, -1),
        _ => {
            bad_verb(out, v, spec.verb);
            return;
        }
    };
    let prec = spec.prec.map_or(default_prec, |p| p as i32);
    let mut s = format_float(f, verb, prec);
    if spec.sharp && !s.contains('.') && f.is_finite() {
        // `%#g` keeps a decimal point; a rarely used form, kept minimal.
        match s.find(['e', 'E']) {
            Some(i) => s.insert(i, '.'),
            None => s.push('.'),
        }
    }
    if !s.starts_with('-') && f.is_finite() {
        if spec.plus {
            s.insert(0, '+');
        } else if spec.space {
            s.insert(0, ' ');
        }
    } else if spec.plus && s == "+Inf" {
        // already signed
    } else if s == "+Inf" && !spec.plus {
        s.remove(0);
    }
    pad(out, &s, spec, f.is_finite());
}

fn write_str(out: &mut String, s: &str, spec: &Spec, v: &Value) {
    match spec.verb {
        'v' | 's' => {
            let s = match spec.prec {
                Some(p) => s.chars().take(p).collect::<String>(),
                None => s.to_string(),
            };
            pad(out, &s, spec, true);
        }
        'q' => {
            let q = if spec.sharp && !s.contains('`') {
                format!("`{s}`")
            } else {
                quote(s)
            };
            pad(out, &q, spec, false);
        }
        'x' | 'X' => {
            let mut h = String::new();
            for (i, b) in s.bytes().enumerate() {
                if spec.space && i > 0 {
                    h.push(' ');
                }
                if spec.verb == 'x' {
                    let _ = write!(h, "{b:02x}");
                } else {
                    let _ = write!(h, "{b:02X}");
                }
            }
            pad(out, &h, spec, false);
        }
        _ => {
            if matches!(v, Value::Nil) {
                bad_verb(out, &Value::string(s), spec.verb);
            } else {
                bad_verb(out, v, spec.verb);
            }
        }
    }
}
