//! A fast scanner for the block-style YAML that manifests are nearly always
//! written in: block mappings and sequences (also a sequence at its key's
//! indentation), plain and quoted scalars over one or more lines, literal
//! block scalars (`|`, `|-`), comments, an empty `{}`, flow sequences of
//! one-line scalars (`[a, "b"]`), and a leading `---`.
//!
//! Anything else (anchors, aliases, tags, flow mappings with content, nested
//! flow collections, folded or kept block scalars, directives, tabs, control characters, a
//! missing final line break) and anything that is an error makes it stop
//! with [`Uncovered`]: the full parser then reads the input. So the values
//! never depend on which one read the input; a differential test holds
//! the two to that.

use super::event::Event;
use saphyr_parser::ScalarStyle;
use std::borrow::Cow;

/// The input is outside the subset this scanner reads, or is an error.
#[derive(Debug)]
pub(crate) struct Uncovered;

type Step<T = ()> = Result<T, Uncovered>;

/// Reads the first document of `src`, handing its events to `sink`; an
/// input with no content gives no events.
pub(crate) fn scan<'a, F>(src: &'a str, sink: &mut F) -> Step
where
    F: FnMut(Event<'a>) -> Step,
{
    if !is_plain_text(src) {
        return Err(Uncovered);
    }
    let mut scanner = Scanner {
        src,
        bytes: src.as_bytes(),
        pos: 0,
        stack: Vec::new(),
        sink,
        first_key: None,
    };
    scanner.document()
}

/// Whether `src` ends with a line break and holds no character the scanner
/// leaves to the full parser: tabs, carriage returns and other controls,
/// C1 controls, byte order marks, non-characters, and the Unicode line and
/// paragraph separators.
fn is_plain_text(src: &str) -> bool {
    let bytes = src.as_bytes();
    if bytes.last().is_some_and(|&b| b != b'\n') {
        return false;
    }
    let printable_ascii = |b: u8| (0x20..0x7f).contains(&b) | (b == b'\n');
    // Whole chunks at a time, which the compiler vectorises.
    let ascii = bytes
        .chunks(64)
        .all(|chunk| chunk.iter().fold(true, |ok, &b| ok & printable_ascii(b)));
    ascii
        || src.chars().all(|c| {
            c == '\n'
                || (' '..='~').contains(&c)
                || (c >= '\u{a0}'
                    && !matches!(
                        c,
                        '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
                    ))
        })
}

/// What an open block collection is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Mapping,
    Sequence,
    /// A sequence at the indentation of the key it is the value of
    /// (`key:` then `- item` lines at the key's column).
    CompactSequence,
}

/// An open block collection and the column of its entries.
#[derive(Clone, Copy)]
struct Open {
    kind: Kind,
    indent: usize,
}

/// What follows a plain scalar's text on its line.
enum LineRest {
    /// A comment, starting here.
    Comment(usize),
    /// Nothing: the line's break is here.
    Break(usize),
}

/// One line of the input.
#[derive(Clone, Copy)]
struct Line {
    start: usize,
    /// Leading spaces.
    indent: usize,
    /// Where the content after the indentation starts.
    content: usize,
    /// Where the line's `\n` is.
    end: usize,
}

impl Line {
    fn is_blank(&self) -> bool {
        self.content == self.end
    }
}

struct Scanner<'a, 's, F> {
    src: &'a str,
    bytes: &'a [u8],
    /// Start of the first line not read yet.
    pos: usize,
    stack: Vec<Open>,
    sink: &'s mut F,
    /// The first key of a mapping just opened, read to tell that it is one:
    /// where it starts, then as [`Self::key`] gives it.
    first_key: Option<(usize, Key<'a>)>,
}

/// A mapping key: its text, style, and where its value starts.
type Key<'a> = (Cow<'a, str>, ScalarStyle, usize);

impl<'a, F> Scanner<'a, '_, F>
where
    F: FnMut(Event<'a>) -> Step,
{
    fn document(&mut self) -> Step {
        if self.bytes.starts_with(b"---") {
            // Only a bare explicit start: `---` and maybe a comment.
            let line = self.line(0);
            let rest = &self.src[3..line.end];
            let after_spaces = rest.trim_start_matches(' ');
            let bare = rest.is_empty()
                || (rest.starts_with(' ')
                    && (after_spaces.is_empty() || after_spaces.starts_with('#')));
            if !bare {
                return Err(Uncovered);
            }
            self.pos = line.end + 1;
        }
        let Some(first) = self.next_content_line(self.pos) else {
            return Ok(());
        };
        (self.sink)(Event::DocumentStart)?;
        self.pos = first.start;
        if self.is_entry(first.content) {
            self.open(Kind::Sequence, first.indent)?;
        } else {
            self.open(Kind::Mapping, first.indent)?;
        }
        self.lines()?;
        while !self.stack.is_empty() {
            self.close()?;
        }
        (self.sink)(Event::DocumentEnd)
    }

    /// Reads entries line by line until the input ends.
    fn lines(&mut self) -> Step {
        while let Some(line) = self.next_content_line(self.pos) {
            loop {
                // Content after the root collection closed.
                let top = *self.stack.last().ok_or(Uncovered)?;
                if line.indent < top.indent {
                    self.close()?;
                    continue;
                }
                if line.indent > top.indent {
                    return Err(Uncovered);
                }
                match (top.kind, self.is_entry(line.content)) {
                    (Kind::Mapping, false) => self.mapping_entry(line.content, top.indent)?,
                    (Kind::Sequence | Kind::CompactSequence, true) => {
                        self.sequence_entry(line, top.indent)?;
                    }
                    (Kind::CompactSequence, false) => {
                        self.close()?;
                        continue;
                    }
                    _ => return Err(Uncovered),
                }
                break;
            }
        }
        Ok(())
    }

    fn line(&self, start: usize) -> Line {
        let indent = self.bytes[start..]
            .iter()
            .take_while(|&&b| b == b' ')
            .count();
        let content = start + indent;
        let end = self.line_end(content);
        Line {
            start,
            indent,
            content,
            end,
        }
    }

    /// Where the line holding `at` ends (its `\n`; every line ends with one,
    /// see `is_plain_text`).
    fn line_end(&self, at: usize) -> usize {
        at + memchr::memchr(b'\n', &self.bytes[at..]).unwrap_or(0)
    }

    /// The first line from `start` on that is neither blank nor a comment.
    fn next_content_line(&self, mut start: usize) -> Option<Line> {
        while start < self.bytes.len() {
            let line = self.line(start);
            if !line.is_blank() && self.bytes[line.content] != b'#' {
                return Some(line);
            }
            start = line.end + 1;
        }
        None
    }

    /// Whether a sequence entry (`-` then a space or the line's end) starts at `at`.
    fn is_entry(&self, at: usize) -> bool {
        self.bytes[at] == b'-' && matches!(self.bytes[at + 1], b' ' | b'\n')
    }

    fn open(&mut self, kind: Kind, indent: usize) -> Step {
        self.stack.push(Open { kind, indent });
        (self.sink)(match kind {
            Kind::Mapping => Event::MappingStart {
                anchor: 0,
                flow: false,
            },
            Kind::Sequence | Kind::CompactSequence => Event::SequenceStart {
                anchor: 0,
                flow: false,
            },
        })
    }

    fn close(&mut self) -> Step {
        self.stack.pop();
        (self.sink)(Event::CollectionEnd)
    }

    fn scalar(&mut self, text: Cow<'a, str>, style: ScalarStyle) -> Step {
        (self.sink)(Event::Scalar {
            text,
            style,
            anchor: 0,
            tag: None,
            multi_line_simple: false,
        })
    }

    /// A `key: value` entry of the mapping at `indent`, starting at `at`.
    fn mapping_entry(&mut self, at: usize, indent: usize) -> Step {
        let (key, style, after) = match self.first_key.take() {
            Some((read_at, key)) if read_at == at => key,
            _ => self.key(at)?.ok_or(Uncovered)?,
        };
        self.scalar(key, style)?;
        self.value(after, indent, true)
    }

    /// A `- item` entry of the sequence at `indent`.
    fn sequence_entry(&mut self, line: Line, indent: usize) -> Step {
        let after_dash = line.content + 1;
        let at = self.skip_spaces(after_dash);
        match self.bytes[at] {
            b'\n' | b'#' => return self.block_value(line.end + 1, indent, false),
            _ if self.is_entry(at) => return Err(Uncovered),
            _ => {}
        }
        if let Some((key, style, after)) = self.key(at)? {
            // A mapping inside the entry, its keys at this column (all
            // ASCII before it: spaces and the dash).
            let column = at - line.start;
            self.open(Kind::Mapping, column)?;
            self.scalar(key, style)?;
            return self.value(after, column, true);
        }
        self.inline_value(at, indent)
    }

    fn skip_spaces(&self, mut at: usize) -> usize {
        while self.bytes[at] == b' ' {
            at += 1;
        }
        at
    }

    /// The mapping key starting at `at`, its style and where its value
    /// starts (after the `:`); `None` when no key starts there.
    fn key(&self, at: usize) -> Step<Option<Key<'a>>> {
        const MAX_KEY: usize = 1000;
        let b = self.bytes;
        match b[at] {
            b'"' | b'\'' => {
                let Ok((text, style, after_quote)) = self.quoted(at, 0, true) else {
                    return Ok(None);
                };
                let colon = self.skip_spaces(after_quote);
                if b[colon] != b':' || !matches!(b[colon + 1], b' ' | b'\n') {
                    return Ok(None);
                }
                if colon - at > MAX_KEY {
                    return Err(Uncovered);
                }
                Ok(Some((text, style, colon + 1)))
            }
            c if is_indicator(c) => Ok(None),
            _ => {
                let mut i = at;
                let mut flow_indicator = false;
                loop {
                    i = skip_to(&KEY_STOPS, b, i);
                    match b[i] {
                        b'\n' => return Ok(None),
                        b':' if matches!(b[i + 1], b' ' | b'\n') => break,
                        b'#' if b[i - 1] == b' ' => return Ok(None),
                        b',' | b'[' | b']' | b'{' | b'}' => flow_indicator = true,
                        _ => {}
                    }
                    i += 1;
                }
                // Such keys are valid; the parser reads them.
                if flow_indicator {
                    return Err(Uncovered);
                }
                if i - at > MAX_KEY {
                    return Err(Uncovered);
                }
                let key = self.src[at..i].trim_end_matches(' ');
                Ok(Some((Cow::Borrowed(key), ScalarStyle::Plain, i + 1)))
            }
        }
    }

    /// The value after a mapping key's `:` at `after`; `compact` allows a
    /// sequence at the mapping's own `indent`.
    fn value(&mut self, after: usize, indent: usize, compact: bool) -> Step {
        let at = self.skip_spaces(after);
        match self.bytes[at] {
            b'\n' | b'#' => self.block_value(self.line_end(at) + 1, indent, compact),
            _ => self.inline_value(at, indent),
        }
    }

    /// A value on the lines from `next` on, nested under a key or entry at
    /// `indent`: a collection, or else an empty (null) scalar.
    fn block_value(&mut self, next: usize, indent: usize, compact: bool) -> Step {
        self.pos = next;
        match self.next_content_line(next) {
            Some(line) if line.indent > indent => {
                self.pos = line.start;
                if self.is_entry(line.content) {
                    self.open(Kind::Sequence, line.indent)
                } else if let Some(key) = self.key(line.content)? {
                    self.first_key = Some((line.content, key));
                    self.open(Kind::Mapping, line.indent)
                } else {
                    // A scalar on its own lines.
                    Err(Uncovered)
                }
            }
            Some(line) if compact && line.indent == indent && self.is_entry(line.content) => {
                self.pos = line.start;
                self.open(Kind::CompactSequence, line.indent)
            }
            _ => self.scalar(Cow::Borrowed(""), ScalarStyle::Plain),
        }
    }

    /// A value starting at `at` on its key's or entry's line; `indent` is
    /// the column of the collection holding it.
    fn inline_value(&mut self, at: usize, indent: usize) -> Step {
        let b = self.bytes;
        match b[at] {
            b'"' | b'\'' => {
                let (text, style, after) = self.quoted(at, indent, false)?;
                self.end_of_line(after)?;
                self.scalar(text, style)
            }
            b'|' => self.literal(at, indent),
            b'{' => {
                if b[at + 1] != b'}' {
                    return Err(Uncovered);
                }
                self.end_of_line(at + 2)?;
                (self.sink)(Event::MappingStart {
                    anchor: 0,
                    flow: true,
                })?;
                (self.sink)(Event::CollectionEnd)
            }
            b'[' => self.flow_sequence(at),
            b'-' if b[at + 1] != b' ' && b[at + 1] != b'\n' => self.plain(at, indent),
            c if is_indicator(c) => Err(Uncovered),
            _ => self.plain(at, indent),
        }
    }

    /// A flow sequence of scalars on one line (`[a, "b", 'c']`), opening at
    /// `at`; nested collections, an empty or trailing entry, and plain
    /// scalars holding `:` or `#` are left to the parser.
    fn flow_sequence(&mut self, at: usize) -> Step {
        let b = self.bytes;
        (self.sink)(Event::SequenceStart {
            anchor: 0,
            flow: true,
        })?;
        let mut i = self.skip_spaces(at + 1);
        while b[i] != b']' {
            match b[i] {
                b'"' | b'\'' => {
                    let (text, style, after) = self.quoted(i, 0, true)?;
                    self.scalar(text, style)?;
                    i = after;
                }
                b'-' if !matches!(b[i + 1], b' ' | b',' | b']' | b'\n') => {
                    i = self.flow_plain(i)?
                }
                c if is_indicator(c) => return Err(Uncovered),
                _ => i = self.flow_plain(i)?,
            }
            i = self.skip_spaces(i);
            match b[i] {
                b',' => {
                    i = self.skip_spaces(i + 1);
                    if b[i] == b']' {
                        return Err(Uncovered);
                    }
                }
                b']' => {}
                _ => return Err(Uncovered),
            }
        }
        (self.sink)(Event::CollectionEnd)?;
        self.end_of_line(i + 1)
    }

    /// A plain scalar inside a flow sequence, starting at `at`; where it ends.
    fn flow_plain(&mut self, at: usize) -> Step<usize> {
        let b = self.bytes;
        let mut i = at;
        while !matches!(b[i], b',' | b']') {
            if matches!(b[i], b'\n' | b':' | b'#' | b'[' | b'{' | b'}') {
                return Err(Uncovered);
            }
            i += 1;
        }
        let text = self.src[at..i].trim_end_matches(' ');
        self.scalar(Cow::Borrowed(text), ScalarStyle::Plain)?;
        Ok(i)
    }

    /// After a value ending at `at`: only spaces and maybe a comment may
    /// follow on the line. Moves to the next line.
    fn end_of_line(&mut self, at: usize) -> Step {
        let rest = self.skip_spaces(at);
        match self.bytes[rest] {
            b'\n' => {}
            b'#' if rest > at => {}
            _ => return Err(Uncovered),
        }
        self.pos = self.line_end(rest) + 1;
        Ok(())
    }

    /// The end of a plain scalar's text on the line, from `at` (before the
    /// trailing spaces and a comment), and what ends the line.
    fn plain_line(&self, at: usize) -> Step<(usize, LineRest)> {
        let b = self.bytes;
        let mut i = at;
        let rest = loop {
            i = skip_to(&PLAIN_STOPS, b, i);
            match b[i] {
                b'\n' => break LineRest::Break(i),
                b':' if matches!(b[i + 1], b' ' | b'\n') => return Err(Uncovered),
                b'#' if b[i - 1] == b' ' => break LineRest::Comment(i),
                _ => i += 1,
            }
        };
        let end = i - b[at..i].iter().rev().take_while(|&&c| c == b' ').count();
        Ok((end, rest))
    }

    /// A plain scalar starting at `at`, continued on more-indented lines.
    fn plain(&mut self, at: usize, indent: usize) -> Step {
        let b = self.bytes;
        let (end, rest) = self.plain_line(at)?;
        let first = &self.src[at..end];
        let line_end = match rest {
            LineRest::Comment(comment) => {
                // A comment ends the scalar.
                self.pos = self.line_end(comment) + 1;
                return self.scalar(Cow::Borrowed(first), ScalarStyle::Plain);
            }
            LineRest::Break(line_end) => line_end,
        };
        self.pos = line_end + 1;
        let mut text: Option<String> = None;
        let mut breaks = 0;
        let mut next = self.pos;
        // Only the indentation of a line that does not go on the scalar is read.
        while next < b.len() {
            let spaces = b[next..].iter().take_while(|&&c| c == b' ').count();
            let content = next + spaces;
            let c = b[content];
            if c == b'\n' {
                breaks += 1;
                next = content + 1;
                continue;
            }
            if spaces <= indent || c == b'#' {
                break;
            }
            if is_indicator(c) {
                return Err(Uncovered);
            }
            let (end, LineRest::Break(line_end)) = self.plain_line(content)? else {
                return Err(Uncovered);
            };
            let text = text.get_or_insert_with(|| first.to_string());
            fold(text, breaks);
            text.push_str(&self.src[content..end]);
            breaks = 0;
            next = line_end + 1;
            self.pos = next;
        }
        let text = text.map_or(Cow::Borrowed(first), Cow::Owned);
        self.scalar(text, ScalarStyle::Plain)
    }

    /// A quoted scalar opening at `at`: its value and style, and where its
    /// closing quote ends. Continuation lines must be indented past
    /// `indent`; `one_line` refuses line breaks.
    fn quoted(
        &self,
        at: usize,
        indent: usize,
        one_line: bool,
    ) -> Step<(Cow<'a, str>, ScalarStyle, usize)> {
        let (value, end) = self.quoted_value(at, indent, one_line)?;
        let style = if self.bytes[at] == b'"' {
            ScalarStyle::DoubleQuoted
        } else {
            ScalarStyle::SingleQuoted
        };
        Ok((value, style, end))
    }

    /// [`Self::quoted`] without the style.
    fn quoted_value(
        &self,
        at: usize,
        indent: usize,
        one_line: bool,
    ) -> Step<(Cow<'a, str>, usize)> {
        let b = self.bytes;
        let double = b[at] == b'"';
        let start = at + 1;
        let special = |c: u8| {
            if double {
                matches!(c, b'"' | b'\\' | b'\n' | b' ')
            } else {
                matches!(c, b'\'' | b'\n' | b' ')
            }
        };
        // Most quoted scalars are one line without escapes: borrowed.
        let mut i = start;
        loop {
            match b[i] {
                b'\n' => break,
                b'"' if double => return Ok((Cow::Borrowed(&self.src[start..i]), i + 1)),
                b'\\' if double => break,
                b'\'' if !double => {
                    if b[i + 1] == b'\'' {
                        break;
                    }
                    return Ok((Cow::Borrowed(&self.src[start..i]), i + 1));
                }
                _ => i += 1,
            }
        }
        let mut out = String::from(&self.src[start..i]);
        // The length before trailing spaces a line break folds away.
        let mut kept = out.trim_end_matches(' ').len();
        loop {
            match b[i] {
                b'"' if double => return Ok((Cow::Owned(out), i + 1)),
                b'\'' if !double => {
                    if b[i + 1] != b'\'' {
                        return Ok((Cow::Owned(out), i + 1));
                    }
                    out.push('\'');
                    i += 2;
                    kept = out.len();
                }
                b'\\' if double => {
                    if b[i + 1] == b'\n' {
                        // An escaped line break: joined without a space.
                        if one_line {
                            return Err(Uncovered);
                        }
                        let line = self.line(i + 2);
                        if line.is_blank() || line.indent <= indent {
                            return Err(Uncovered);
                        }
                        i = line.content;
                    } else {
                        i = escape(b, i, &mut out)?;
                    }
                    kept = out.len();
                }
                b'\n' => {
                    if one_line {
                        return Err(Uncovered);
                    }
                    out.truncate(kept);
                    let mut breaks = 0;
                    let mut line = self.line(i + 1);
                    while line.is_blank() {
                        breaks += 1;
                        if line.end + 1 >= b.len() {
                            return Err(Uncovered);
                        }
                        line = self.line(line.end + 1);
                    }
                    if line.indent <= indent {
                        return Err(Uncovered);
                    }
                    fold(&mut out, breaks);
                    i = line.content;
                    kept = out.len();
                }
                b' ' => {
                    out.push(' ');
                    i += 1;
                }
                _ => {
                    let run = b[i..].iter().position(|&c| special(c)).ok_or(Uncovered)?;
                    out.push_str(&self.src[i..i + run]);
                    i += run;
                    kept = out.len();
                }
            }
        }
    }

    /// A literal block scalar whose header (`|` or `|-`) is at `at`, in the
    /// collection at `indent`.
    fn literal(&mut self, at: usize, indent: usize) -> Step {
        let b = self.bytes;
        let strip = b[at + 1] == b'-';
        let header_end = at + 1 + usize::from(strip);
        // Keep chomping and explicit indentation are left to the parser.
        if matches!(b[header_end], b'+' | b'0'..=b'9') {
            return Err(Uncovered);
        }
        self.end_of_line(header_end)?;
        let mut text = String::new();
        let mut content_indent = None;
        // Spaces of the blank lines before the first content line.
        let mut leading_spaces = 0;
        let mut breaks = 0;
        let mut next = self.pos;
        while next < b.len() {
            let line = self.line(next);
            let Some(m) = content_indent else {
                if line.is_blank() {
                    leading_spaces = leading_spaces.max(line.indent);
                    breaks += 1;
                    next = line.end + 1;
                    continue;
                }
                if line.indent <= indent {
                    break;
                }
                if leading_spaces > line.indent {
                    return Err(Uncovered);
                }
                content_indent = Some(line.indent);
                continue;
            };
            if line.is_blank() {
                if line.indent > m {
                    return Err(Uncovered);
                }
                breaks += 1;
                next = line.end + 1;
                continue;
            }
            if line.indent < m {
                break;
            }
            for _ in 0..breaks {
                text.push('\n');
            }
            breaks = 0;
            text.push_str(&self.src[line.start + m..line.end]);
            text.push('\n');
            next = line.end + 1;
            self.pos = next;
        }
        if strip {
            text.pop();
        }
        self.scalar(Cow::Owned(text), ScalarStyle::Literal)
    }
}

/// A table of the bytes in `stops`.
const fn byte_set(stops: &[u8]) -> [bool; 256] {
    let mut set = [false; 256];
    let mut i = 0;
    while i < stops.len() {
        set[stops[i] as usize] = true;
        i += 1;
    }
    set
}

/// Where a plain key's scan looks closer: a possible end (`:`), comment
/// (`#`), the line's end, or a flow indicator.
const KEY_STOPS: [bool; 256] = byte_set(b":#\n,[]{}");

/// Where a plain value's scan looks closer.
const PLAIN_STOPS: [bool; 256] = byte_set(b":#\n");

/// The first position from `at` holding a byte of `stops` (which holds the
/// line break every input ends with).
fn skip_to(stops: &[bool; 256], b: &[u8], mut at: usize) -> usize {
    while !stops[usize::from(b[at])] {
        at += 1;
    }
    at
}

/// Joins a folded line to `out`: a space, or the line breaks of the empty
/// lines between.
fn fold(out: &mut String, breaks: usize) {
    if breaks == 0 {
        out.push(' ');
    } else {
        out.extend(std::iter::repeat_n('\n', breaks));
    }
}

/// Characters that give a node's first character a meaning other than
/// plain text (or that the scanner leaves to the full parser).
fn is_indicator(c: u8) -> bool {
    matches!(
        c,
        b'-' | b'?'
            | b':'
            | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'#'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
    )
}

/// Decodes the escape whose backslash is at `at` into `out`; where the
/// text goes on after it. go-yaml's list, without YAML 1.2's `\/`.
fn escape(b: &[u8], at: usize, out: &mut String) -> Step<usize> {
    let simple = match b[at + 1] {
        b'0' => '\0',
        b'a' => '\u{7}',
        b'b' => '\u{8}',
        b't' => '\t',
        b'n' => '\n',
        b'v' => '\u{b}',
        b'f' => '\u{c}',
        b'r' => '\r',
        b'e' => '\u{1b}',
        b' ' => ' ',
        b'"' => '"',
        b'\\' => '\\',
        b'N' => '\u{85}',
        b'_' => '\u{a0}',
        b'L' => '\u{2028}',
        b'P' => '\u{2029}',
        b'x' => return hex_escape(b, at, 2, out),
        b'u' => return hex_escape(b, at, 4, out),
        b'U' => return hex_escape(b, at, 8, out),
        _ => return Err(Uncovered),
    };
    out.push(simple);
    Ok(at + 2)
}

/// A `\x`, `\u` or `\U` escape of `digits` hex digits.
fn hex_escape(b: &[u8], at: usize, digits: usize, out: &mut String) -> Step<usize> {
    let hex = b.get(at + 2..at + 2 + digits).ok_or(Uncovered)?;
    let hex = std::str::from_utf8(hex).map_err(|_| Uncovered)?;
    if !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err(Uncovered);
    }
    let code = u32::from_str_radix(hex, 16).map_err(|_| Uncovered)?;
    out.push(char::from_u32(code).ok_or(Uncovered)?);
    Ok(at + 2 + digits)
}
