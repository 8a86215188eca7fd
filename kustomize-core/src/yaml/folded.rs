//! kyaml's folded-scalar quirk. kustomize turns a resource into JSON by
//! printing it with go-yaml v3 (keeping each scalar's style) and reading it
//! back. go-yaml's folded (`>`) writer decides whether a line break needs an
//! extra blank line by looking at the start of the whole value instead of
//! the next line, so some folded values change on the way: a line followed by
//! a more-indented line gains a line break, a kept (`>+`) trailing break
//! gains one, and values starting with a space lose some.

use super::emit::{Analysis, is_break};

/// The value a folded scalar has after go-yaml v3 prints it folded and reads
/// it back.
pub(crate) fn kyaml_folded_round_trip(value: &str) -> String {
    if !Analysis::of(value).block_allowed {
        // Printed double-quoted instead, which reads back unchanged.
        return value.to_string();
    }
    reparse_folded(&print_folded(value), chomping(value))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Chomping {
    Strip,
    Clip,
    Keep,
}

/// The chomping indicator go-yaml chooses for `value`.
fn chomping(value: &str) -> Chomping {
    let mut rev = value.chars().rev();
    match (rev.next(), rev.next()) {
        (Some(last), _) if !is_break(last) => Chomping::Strip,
        (None, _) => Chomping::Strip,
        (Some(_), None) => Chomping::Keep,
        (Some(_), Some(prev)) if is_break(prev) => Chomping::Keep,
        _ => Chomping::Clip,
    }
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// The body go-yaml v3 writes for a folded scalar, without indentation
/// (line folding at the width limit is left out: it reads back unchanged).
fn print_folded(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    // go-yaml tests the characters after the *first* run of breaks of the value.
    let first_after_breaks = chars.iter().copied().find(|&c| !is_break(c));
    let extra_break = !first_after_breaks.is_none_or(is_blank);
    let mut out = String::with_capacity(value.len() + 8);
    let mut breaks = true;
    let mut leading_spaces = true;
    for &c in &chars {
        if is_break(c) {
            if !breaks && !leading_spaces && c == '\n' && extra_break {
                out.push('\n');
            }
            out.push(c);
            breaks = true;
        } else {
            if breaks {
                leading_spaces = is_blank(c);
            }
            out.push(c);
            breaks = false;
        }
    }
    out
}

/// Reads a folded block scalar body as go-yaml does (libyaml's
/// `scan_block_scalar` for `>`).
fn reparse_folded(body: &str, chomping: Chomping) -> String {
    // The document goes on after the scalar, so its last line ends in a break.
    let mut text = body.to_string();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    let mut out = String::new();
    let mut leading_break = "";
    let mut trailing_breaks = String::new();
    let mut leading_blank = false;
    for line in text.split_terminator('\n') {
        if line.is_empty() {
            trailing_breaks.push('\n');
            continue;
        }
        let trailing_blank = line.starts_with(is_blank);
        if leading_break == "\n" && !leading_blank && !trailing_blank {
            if trailing_breaks.is_empty() {
                out.push(' ');
            }
        } else {
            out.push_str(leading_break);
        }
        out.push_str(&trailing_breaks);
        trailing_breaks.clear();
        leading_blank = trailing_blank;
        out.push_str(line);
        leading_break = "\n";
    }
    if chomping != Chomping::Strip {
        out.push_str(leading_break);
    }
    if chomping == Chomping::Keep {
        out.push_str(&trailing_breaks);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oracle_cases() {
        // `>-` with a more-indented line (kubectl prints "para\n\n  more").
        assert_eq!(
            kyaml_folded_round_trip("folded text\npara\n  more indented\nback"),
            "folded text\npara\n\n  more indented\nback"
        );
        // `>+` keeping one empty line gains another.
        assert_eq!(kyaml_folded_round_trip("x\n\n"), "x\n\n\n");
    }

    #[test]
    fn ordinary_folded_values_are_unchanged() {
        for v in [
            "one line",
            "one line\n",
            "a\nb\n",
            "\nlead\n",
            "  indented\n",
            "",
        ] {
            assert_eq!(kyaml_folded_round_trip(v), v, "{v:?}");
        }
    }
}
