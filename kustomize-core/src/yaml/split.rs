//! kyaml's document splitting: before parsing, kustomize cuts a resource
//! file at every line starting with `---` and parses each piece on its own
//! (only its first document counts).

use super::YamlError;
use std::borrow::Cow;

/// One piece of a resource file.
pub(crate) struct Piece<'a> {
    /// The piece's text, as kyaml hands it to the parser.
    pub(crate) text: &'a str,
    /// Lines before this piece in the (CRLF-normalised) file.
    pub(crate) line_offset: usize,
}

/// `src` with CRLF line ends turned into LF, as kyaml does before
/// splitting (borrowed when there is none).
pub(crate) fn normalize_line_ends(src: &str) -> Cow<'_, str> {
    if memchr::memmem::find(src.as_bytes(), b"\r\n").is_some() {
        Cow::Owned(src.replace("\r\n", "\n"))
    } else {
        Cow::Borrowed(src)
    }
}

/// Splits `s` (with LF line ends, see [`normalize_line_ends`]) as kyaml's
/// `splitDocuments` does: each `\n---…\n` line separates pieces; text after
/// `---` must be a comment. The pieces borrow from `s`.
pub(crate) fn split_documents(s: &str) -> Result<Vec<Piece<'_>>, YamlError> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut search = 0;
    let mut line = 0;
    while let Some(found) = memchr::memmem::find(&s.as_bytes()[search..], b"\n---") {
        let sep = search + found;
        // The separator runs to the end of its line and needs that newline.
        let Some(eol) = s[sep + 4..].find('\n').map(|i| sep + 4 + i) else {
            break;
        };
        let rest = s[sep + 4..eol].trim();
        if !rest.is_empty() && !rest.starts_with('#') {
            return Err(YamlError {
                message: format!("invalid Yaml document separator: {rest}"),
                line: Some(line + s[start..sep].matches('\n').count() + 2),
                column: None,
            });
        }
        // The piece keeps the line break before the separator.
        let text = &s[start..=sep];
        let lines = memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1;
        pieces.push(Piece {
            text,
            line_offset: line,
        });
        line += lines;
        // Go's regexp finds non-overlapping matches: the newline ending this
        // separator cannot begin the next one.
        start = eol + 1;
        search = eol + 1;
    }
    pieces.push(Piece {
        text: &s[start..],
        line_offset: line,
    });
    Ok(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        let s = normalize_line_ends(s);
        split_documents(&s)
            .unwrap()
            .into_iter()
            .map(|p| p.text.to_string())
            .collect()
    }

    #[test]
    fn splits_at_separator_lines() {
        assert_eq!(texts("a: 1\n---\nb: 2\n"), ["a: 1\n", "b: 2\n"]);
        assert_eq!(texts("---\na: 1\n"), ["---\na: 1\n"]);
        assert_eq!(texts("a: 1\n--- # c\nb: 2"), ["a: 1\n", "b: 2"]);
        assert_eq!(texts("a: 1\r\n---\r\nb: 2\r\n"), ["a: 1\n", "b: 2\n"]);
        assert_eq!(texts("a: 1\n---"), ["a: 1\n---"]);
        assert_eq!(texts("a: 1\n---\n---\nb: 2\n"), ["a: 1\n", "---\nb: 2\n"]);
    }

    #[test]
    fn separator_with_content_is_an_error() {
        let err = split_documents("a: 1\n--- {b: 2}\n").err().unwrap();
        assert_eq!(err.message, "invalid Yaml document separator: {b: 2}");
    }

    #[test]
    fn line_offsets_count_separators() {
        let pieces = split_documents("a: 1\nb: 2\n---\nc: 3\n").unwrap();
        assert_eq!(pieces[1].line_offset, 3);
    }
}
