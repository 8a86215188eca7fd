//! Character-indexed access to the YAML source, for the few checks the
//! parser's events cannot answer.

use saphyr_parser::{Marker, Span};

/// Random access to the source by character index (parser positions count
/// characters).
pub(crate) enum SourceChars<'a> {
    Ascii(&'a [u8]),
    Unicode(Vec<char>),
}

impl<'a> SourceChars<'a> {
    /// Indexes `src`.
    pub(crate) fn new(src: &'a str) -> Self {
        if src.is_ascii() {
            SourceChars::Ascii(src.as_bytes())
        } else {
            SourceChars::Unicode(src.chars().collect())
        }
    }

    fn get(&self, index: usize) -> Option<char> {
        match self {
            SourceChars::Ascii(bytes) => bytes.get(index).map(|&b| char::from(b)),
            SourceChars::Unicode(chars) => chars.get(index).copied(),
        }
    }

    /// Whether a collection event ending at `end` opened with `{` or `[`.
    pub(crate) fn opens_flow(&self, end: &Marker) -> bool {
        end.index()
            .checked_sub(1)
            .and_then(|i| self.get(i))
            .is_some_and(|c| c == '{' || c == '[')
    }

    /// Whether the input ends without a line break and holds only blanks
    /// from `from` on.
    pub(crate) fn ends_unterminated_after(&self, from: &Marker) -> bool {
        let len = match self {
            SourceChars::Ascii(bytes) => bytes.len(),
            SourceChars::Unicode(chars) => chars.len(),
        };
        let last = len.checked_sub(1).and_then(|i| self.get(i));
        last.is_some_and(|c| c != '\n')
            && (from.index()..len).all(|i| self.get(i).is_some_and(|c| c == ' ' || c == '\t'))
    }

    /// Whether the node starting at `start` follows a `?` (an explicit key),
    /// with only white space between.
    pub(crate) fn follows_question_mark(&self, start: &Marker) -> bool {
        (0..start.index())
            .rev()
            .map(|i| self.get(i))
            .find(|c| !matches!(c, Some(' ' | '\t' | '\n' | '\r')))
            .is_some_and(|c| c == Some('?'))
    }

    /// Checks the escapes of the double-quoted scalar at `span` against
    /// go-yaml's list, which lacks YAML 1.2's `\/`.
    pub(crate) fn check_escapes(&self, span: &Span) -> Result<(), &'static str> {
        let mut i = span.start.index();
        while self.get(i).is_some_and(|c| c != '"') && i < span.end.index() {
            i += 1;
        }
        i += 1;
        while i < span.end.index() {
            match self.get(i) {
                Some('"') | None => break,
                Some('\\') => {
                    let known = self
                        .get(i + 1)
                        .is_some_and(|c| "0abt\tnvfre \"'\\N_LPxuU\n\r".contains(c));
                    if !known {
                        return Err("found unknown escape character while parsing a quoted scalar");
                    }
                    i += 2;
                }
                Some(_) => i += 1,
            }
        }
        Ok(())
    }
}
