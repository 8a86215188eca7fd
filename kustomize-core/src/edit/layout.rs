//! Where edits go: value regions, line ranges of pairs, and the sequence
//! indentation style a file already uses.

use super::EditError;
use super::text::{Splice, column, line_end, line_start};
use super::tree::{Kind, Node};

/// Byte offset of the `:` after a block mapping key.
pub(crate) fn colon_after(text: &str, key: &Node, field: &str) -> Result<usize, EditError> {
    let rest = &text[key.end..];
    let skipped = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    if rest[skipped..].starts_with(':') {
        Ok(key.end + skipped)
    } else {
        Err(EditError::Unsupported {
            field: field.to_owned(),
            construct: "a complex (`?`) mapping key",
        })
    }
}

/// Byte offset of the end of the pair `key: value`: the end of the value, or
/// just past the `:` when the value is empty (its span can end before the
/// indicator: `key:` alone).
pub(crate) fn pair_end(text: &str, key: &Node, value: &Node) -> usize {
    let rest = &text[key.end..];
    let skipped = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    let colon_end = if rest[skipped..].starts_with(':') {
        key.end + skipped + 1
    } else {
        key.end
    };
    value.end.max(colon_end)
}

/// The splice writing `new` as the value of the block pair `key: value`;
/// the old value text (with any tag, anchor or block-scalar header) goes.
pub(crate) fn replace_value(
    text: &str,
    key: &Node,
    value: &Node,
    new: &str,
    field: &str,
) -> Result<Splice, EditError> {
    let colon = colon_after(text, key, field)?;
    if value.start == value.end {
        return Ok(Splice {
            start: colon + 1,
            end: colon + 1,
            with: format!(" {new}"),
        });
    }
    let after = &text[colon + 1..];
    let first = colon + 1 + (after.len() - after.trim_start_matches([' ', '\t']).len());
    let start = match text[first..].chars().next() {
        Some('\n' | '\r' | '#') | None => value.start,
        Some(_) => first.min(value.start),
    };
    Ok(Splice {
        start,
        end: value.end,
        with: new.to_owned(),
    })
}

/// How a block sequence writes its items: the column of `-` and the number
/// of spaces between `-` and the item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SeqStyle {
    /// Column of the dash.
    pub dash: usize,
    /// Spaces after the dash.
    pub gap: usize,
}

impl SeqStyle {
    /// The style of a block sequence, read off its first item written on
    /// its dash's line.
    pub fn of(text: &str, seq: &Node) -> Option<Self> {
        let Kind::Seq { items, flow: false } = &seq.kind else {
            return None;
        };
        items.iter().find_map(|item| {
            let line = &text[line_start(text, item.start)..item.start];
            let dash = line.rfind('-')?;
            let blank = |s: &str| s.bytes().all(|b| b == b' ');
            (blank(&line[..dash]) && blank(&line[dash + 1..]) && dash + 1 < line.len()).then(|| {
                SeqStyle {
                    dash: line[..dash].chars().count(),
                    gap: line.len() - dash - 1,
                }
            })
        })
    }

    /// The style the block sequences under the pairs of `map` use, shifted
    /// to a key at `key_column`; `- ` at the key's column when there is none.
    pub fn for_new_key(text: &str, map: &Node, key_column: usize) -> Self {
        let found = match &map.kind {
            Kind::Map { pairs, .. } => pairs.iter().find_map(|(k, v)| {
                let style = Self::of(text, v)?;
                let offset = style.dash.checked_sub(column(text, k.start))?;
                Some(SeqStyle {
                    dash: key_column + offset,
                    gap: style.gap,
                })
            }),
            _ => None,
        };
        found.unwrap_or(SeqStyle {
            dash: key_column,
            gap: 1,
        })
    }
}

/// The splice giving the null value of `key:` (empty, `~` or `null`) the
/// lines of `block`, which starts with a line break; a comment after the
/// value stays on the key's line.
pub(crate) fn fill_null(
    text: &str,
    key: &Node,
    value: &Node,
    block: String,
    field: &str,
) -> Result<Splice, EditError> {
    let colon = colon_after(text, key, field)?;
    if value.start == value.end || value.start < colon {
        let at = line_end(text, colon);
        return Ok(Splice {
            start: at,
            end: at,
            with: block,
        });
    }
    let at = line_end(text, value.end);
    Ok(Splice {
        start: colon + 1,
        end: at,
        with: text[value.end..at].to_owned() + &block,
    })
}
