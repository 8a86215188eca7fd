//! Byte-range edits of a text and the line facts they need.

use super::EditError;
use crate::yaml::parse_document;
use saphyr_parser::ScalarStyle;
use serde_json::{Value, json};

/// Replace `start..end` with `with`; an insertion has `start == end`.
#[derive(Debug)]
pub(crate) struct Splice {
    pub start: usize,
    pub end: usize,
    pub with: String,
}

impl Splice {
    /// Inserts `with` at `at`.
    pub fn insert(at: usize, with: String) -> Self {
        Splice {
            start: at,
            end: at,
            with,
        }
    }
}

/// Applies splices; insertions at one offset keep their order. Overlapping
/// splices are an editor bug, reported as [`EditError::Broken`].
pub(crate) fn apply(text: &str, mut splices: Vec<Splice>) -> Result<String, EditError> {
    splices.sort_by_key(|s| (s.start, s.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for s in splices {
        if s.start < at || s.end < s.start {
            return Err(EditError::Broken(format!(
                "overlapping edits at bytes {}..{}",
                s.start, s.end
            )));
        }
        out.push_str(&text[at..s.start]);
        out.push_str(&s.with);
        at = s.end;
    }
    out.push_str(&text[at..]);
    Ok(out)
}

/// Checks that `out`, the edit of `before`, still parses. When it does not,
/// the editor is at fault ([`EditError::Broken`]), unless `before` did not
/// parse either: then the input is ([`EditError::Yaml`]).
pub(crate) fn check_parses(before: &str, out: String) -> Result<String, EditError> {
    match parse_document(&out) {
        Ok(_) => Ok(out),
        Err(e) => Err(match parse_document(before) {
            Err(input) => EditError::Yaml(input),
            Ok(_) => EditError::Broken(format!("the edited text is not valid YAML ({e})")),
        }),
    }
}

/// The line break the text uses: `\r\n` when its first line ends so.
pub(crate) fn eol(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if text[..i].ends_with('\r') => "\r\n",
        _ => "\n",
    }
}

/// Byte offset of the start of the line holding `at`.
pub(crate) fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

/// Byte offset of the line break (or end of text) ending the line holding `at`.
pub(crate) fn line_end(text: &str, at: usize) -> usize {
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    if text[..end].ends_with('\r') {
        end - 1
    } else {
        end
    }
}

/// Byte offset just past the line break ending the line holding `at`.
pub(crate) fn next_line(text: &str, at: usize) -> usize {
    text[at..].find('\n').map_or(text.len(), |i| at + i + 1)
}

/// The column (in characters) of `at` within its line.
pub(crate) fn column(text: &str, at: usize) -> usize {
    text[line_start(text, at)..at].chars().count()
}

/// Whether only spaces precede `at` on its line.
pub(crate) fn starts_line(text: &str, at: usize) -> bool {
    text[line_start(text, at)..at].bytes().all(|b| b == b' ')
}

/// Where a scalar is written: decides which plain scalars are safe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Context {
    /// A block mapping value or sequence item.
    Block,
    /// Inside `[...]` or `{...}`.
    Flow,
}

/// `value` as YAML text, in `style` when that style can hold it: plain only
/// when it reads back as the same string (as a kustomization is read), else
/// double-quoted; single-quoted kept for single-line printable text.
pub(crate) fn scalar(value: &str, style: ScalarStyle, context: Context) -> String {
    match style {
        ScalarStyle::SingleQuoted
            if value.chars().all(|c| !c.is_control()) && !value.is_empty() =>
        {
            format!("'{}'", value.replace('\'', "''"))
        }
        ScalarStyle::DoubleQuoted | ScalarStyle::SingleQuoted => double_quoted(value),
        _ if plain_reads_back(value, context) => value.to_owned(),
        _ => double_quoted(value),
    }
}

fn double_quoted(value: &str) -> String {
    // JSON string syntax is valid YAML double-quoted syntax.
    Value::String(value.to_owned()).to_string()
}

/// Whether `value` written plain in `context` parses back as the string `value`.
fn plain_reads_back(value: &str, context: Context) -> bool {
    if value.is_empty() || value.contains(['\n', '\r', '\t']) {
        return false;
    }
    let (doc, want) = match context {
        Context::Block => (format!("k: {value}\n"), json!({ "k": value })),
        Context::Flow => (format!("[{value}]\n"), json!([value])),
    };
    parse_document(&doc).is_ok_and(|v| v == want)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ScalarStyle::{DoubleQuoted, Plain, SingleQuoted};

    #[test]
    fn plain_only_when_it_reads_back_as_the_string() {
        let b = Context::Block;
        assert_eq!(scalar("1.21.0", Plain, b), "1.21.0");
        assert_eq!(scalar("1234", Plain, b), "\"1234\"");
        assert_eq!(scalar("3.2e2", Plain, b), "\"3.2e2\"");
        assert_eq!(scalar("yes", Plain, b), "\"yes\"");
        assert_eq!(scalar("a #b", Plain, b), "\"a #b\"");
        assert_eq!(scalar("localhost:5000/x", Plain, b), "localhost:5000/x");
        assert_eq!(scalar("sha256:abc", Plain, b), "sha256:abc");
        assert_eq!(scalar("a,b", Plain, b), "a,b");
        assert_eq!(scalar("a,b", Plain, Context::Flow), "\"a,b\"");
    }

    #[test]
    fn quoted_styles_are_kept() {
        let b = Context::Block;
        assert_eq!(scalar("it's", SingleQuoted, b), "'it''s'");
        assert_eq!(scalar("v1", DoubleQuoted, b), "\"v1\"");
        assert_eq!(scalar("a\"b\\", DoubleQuoted, b), "\"a\\\"b\\\\\"");
        assert_eq!(scalar("a\nb", SingleQuoted, b), "\"a\\nb\"");
    }

    #[test]
    fn splices_apply_in_order() {
        let s = apply(
            "abcdef",
            vec![
                Splice {
                    start: 4,
                    end: 4,
                    with: "X".into(),
                },
                Splice {
                    start: 1,
                    end: 3,
                    with: "".into(),
                },
                Splice {
                    start: 4,
                    end: 4,
                    with: "Y".into(),
                },
            ],
        );
        assert_eq!(s.unwrap(), "adXYef");
        let overlap = vec![
            Splice {
                start: 1,
                end: 3,
                with: String::new(),
            },
            Splice {
                start: 2,
                end: 4,
                with: String::new(),
            },
        ];
        assert!(matches!(
            apply("abcdef", overlap),
            Err(EditError::Broken(_))
        ));
    }

    #[test]
    fn line_facts() {
        let t = "a\r\n  b: c\r\nd";
        assert_eq!(eol(t), "\r\n");
        assert_eq!(line_start(t, 6), 3);
        assert_eq!(line_end(t, 6), 9);
        assert_eq!(next_line(t, 6), 11);
        assert_eq!(line_end(t, 11), 12);
        assert_eq!(column(t, 5), 2);
        assert!(starts_line(t, 5));
        assert!(!starts_line(t, 8));
    }
}
