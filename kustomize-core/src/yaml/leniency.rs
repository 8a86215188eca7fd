//! go-yaml (libyaml) accepts a few things the YAML 1.2 parser used here
//! rejects. When the parser stops on one of them, the source is rewritten to
//! an equivalent text it accepts, and parsed again.

use saphyr_parser::ScanError;
use std::ops::Range;

/// Most rewrites tried for one input before giving up.
pub(crate) const MAX_REWRITES: usize = 64;

/// A replacement that makes `src` parse the way go-yaml reads it, for the
/// parser error `e`; `None` when the error is a real one.
pub(crate) fn rewrite_for(src: &str, e: &ScanError) -> Option<(Range<usize>, String)> {
    let index = e.marker().index();
    let info = e.info();
    if info.contains("':' must be followed by") {
        tab_after_colon(src, index)
    } else if info.contains("unknown escape character") {
        escaped_single_quote(src, index)
    } else if info.contains("invalid indentation in quoted scalar") {
        reindent_quoted(src, index)
    } else {
        None
    }
}

/// Byte offset of the character at `index` (parser positions count characters).
fn byte_at(src: &str, index: usize) -> Option<usize> {
    src.char_indices().nth(index).map(|(b, _)| b)
}

/// A tab separating `:` from a plain value: a space means the same.
fn tab_after_colon(src: &str, index: usize) -> Option<(Range<usize>, String)> {
    // The parser reports the position at or just after the tab.
    let (byte, _) = src
        .char_indices()
        .skip(index.saturating_sub(1))
        .take(2)
        .find(|&(_, c)| c == '\t')?;
    Some((byte..byte + 1, " ".into()))
}

/// The byte range of the quoted scalar opening at byte `start`, closing
/// quote included.
fn quoted_extent(src: &str, start: usize) -> Option<Range<usize>> {
    let quote = src[start..].chars().next()?;
    let mut chars = src[start..].char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            ('"', '\\') => {
                chars.next();
            }
            ('\'', '\'') if src[start + i + 1..].starts_with('\'') => {
                chars.next();
            }
            (q, c) if c == q => return Some(start..start + i + 1),
            _ => {}
        }
    }
    None
}

/// go-yaml's `\'` escape in a double-quoted scalar is a plain `'`.
fn escaped_single_quote(src: &str, index: usize) -> Option<(Range<usize>, String)> {
    let start = byte_at(src, index)?;
    if !src[start..].starts_with('"') {
        return None;
    }
    let extent = quoted_extent(src, start)?;
    let body = &src[extent.clone()];
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some((j, '\'')) => return Some((start + i..start + j + 1, "'".into())),
                Some(_) => {}
                None => return None,
            }
        }
    }
    None
}

/// go-yaml does not check the indentation of a quoted scalar's continuation
/// lines. Their leading white space is not content, so indenting them past
/// the opening quote changes nothing but satisfies the parser.
fn reindent_quoted(src: &str, index: usize) -> Option<(Range<usize>, String)> {
    let start = byte_at(src, index)?;
    if !src[start..].starts_with(['"', '\'']) {
        return None;
    }
    let extent = quoted_extent(src, start)?;
    let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
    let column = src[line_start..start].chars().count();
    let indent = " ".repeat(column + 1);
    let body = &src[extent.clone()];
    let mut lines = body.split('\n');
    let mut out = String::with_capacity(body.len() + 16);
    out.push_str(lines.next()?);
    for line in lines {
        out.push('\n');
        out.push_str(&indent);
        out.push_str(line.trim_start_matches([' ', '\t']));
    }
    if out == body {
        return None;
    }
    Some((extent, out))
}
