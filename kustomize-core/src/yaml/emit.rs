//! Prints a document the way `kubectl kustomize` does: the resource goes
//! through JSON and is printed by go-yaml v2 (block style, 2-space indent,
//! sequences not indented under their key, keys sorted, lines folded at 80).

use super::keysort::sorted_order;
use super::number::format_number;
use super::resolve::is_plain_safe_string;
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Column after which go-yaml v2 folds long scalars.
const BEST_WIDTH: usize = 80;
/// go-yaml v2's indentation step.
const BEST_INDENT: isize = 2;
/// Longest key (in bytes) printed as a simple `key: value` pair.
const MAX_SIMPLE_KEY_LEN: usize = 128;

/// Appends `doc` to `out` as go-yaml v2 prints it.
pub(crate) fn emit(doc: &Value, out: &mut String) {
    emit_with(out, false, |e| e.node(doc, Context::ROOT));
}

/// Appends `doc` to `out` as go-yaml v3's encoder with `SetIndent(2)` prints
/// it: the same, except that a sequence under a key is indented.
pub(crate) fn emit_indented_sequences(doc: &Value, out: &mut String) {
    emit_with(out, true, |e| e.node(doc, Context::ROOT));
}

/// Appends a mapping document to `out` as go-yaml v2 prints it (the same
/// text as [`emit`] of `Value::Object`, without building that value).
pub(crate) fn emit_object(map: &Map<String, Value>, out: &mut String) {
    emit_with(out, false, |e| e.object(map));
}

/// Runs `body` on a fresh emitter writing to `out`, then ends the document.
fn emit_with(out: &mut String, indent_sequences: bool, body: impl FnOnce(&mut Emitter<'_>)) {
    let mut e = Emitter {
        out,
        indent_sequences,
        column: 0,
        indent: -1,
        indents: Vec::new(),
        whitespace: true,
        indention: true,
    };
    body(&mut e);
    // Document end: finish the last line.
    e.write_indent();
}

/// Where a node sits, as libyaml's emitter tracks it.
#[derive(Clone, Copy)]
struct Context {
    mapping: bool,
    simple_key: bool,
}

impl Context {
    const ROOT: Context = Context {
        mapping: false,
        simple_key: false,
    };
    const SEQUENCE: Context = Context::ROOT;
    const MAPPING_VALUE: Context = Context {
        mapping: true,
        simple_key: false,
    };
    const SIMPLE_KEY: Context = Context {
        mapping: true,
        simple_key: true,
    };
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
}

/// libyaml's emitter state, for the block-style subset go-yaml v2 uses here.
struct Emitter<'a> {
    out: &'a mut String,
    /// Indent a sequence that is a mapping's value (go-yaml v3), instead of
    /// starting its `- ` at the key's column (go-yaml v2).
    indent_sequences: bool,
    /// Characters written on the current line.
    column: usize,
    /// Current indentation (-1 before the root node).
    indent: isize,
    /// Enclosing indentations.
    indents: Vec<isize>,
    /// Whether the last character written was white space.
    whitespace: bool,
    /// Whether only indentation (and indicators like `- `) is on the line.
    indention: bool,
}

impl Emitter<'_> {
    fn node(&mut self, value: &Value, ctx: Context) {
        match value {
            Value::Null => self.scalar("null", Style::Plain, ctx),
            Value::Bool(b) => self.scalar(if *b { "true" } else { "false" }, Style::Plain, ctx),
            Value::Number(n) => self.scalar(&format_number(n), Style::Plain, ctx),
            Value::String(s) => self.string(&fold_nel(s), ctx),
            Value::Array(items) if items.is_empty() => self.empty_flow("[", "]"),
            Value::Array(items) => self.block_sequence(items, ctx),
            Value::Object(map) => self.object(map),
        }
    }

    /// A mapping: `{}` when empty, else a block mapping with sorted keys.
    fn object(&mut self, map: &Map<String, Value>) {
        if map.is_empty() {
            return self.empty_flow("{", "}");
        }
        let entries: Vec<(Cow<'_, str>, &Value)> =
            map.iter().map(|(k, v)| (fold_nel(k), v)).collect();
        let order = sorted_order(&entries, |(k, _)| k);
        self.block_mapping(order.into_iter().map(|i| &entries[i]));
    }

    fn string(&mut self, s: &str, ctx: Context) {
        self.analyzed_string(s, &Analysis::of(s), ctx);
    }

    /// [`Emitter::string`] of a value already analyzed.
    fn analyzed_string(&mut self, s: &str, a: &Analysis, ctx: Context) {
        let style = if s.contains('\n') {
            Style::Literal
        } else if is_plain_safe_string(s) {
            Style::Plain
        } else {
            Style::DoubleQuoted
        };
        self.analyzed_scalar(s, a, style, ctx);
    }

    fn empty_flow(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.write_indicator(close, false, false, false);
    }

    fn block_sequence(&mut self, items: &[Value], ctx: Context) {
        let indentless = ctx.mapping && !self.indention && !self.indent_sequences;
        self.increase_indent(false, indentless);
        for item in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.node(item, Context::SEQUENCE);
        }
        self.pop_indent();
    }

    fn block_mapping<'e, 'v: 'e>(
        &mut self,
        entries: impl Iterator<Item = &'e (Cow<'v, str>, &'v Value)>,
    ) {
        self.increase_indent(false, false);
        for (key, value) in entries {
            self.write_indent();
            let analysis = Analysis::of(key);
            if !analysis.multiline && key.len() <= MAX_SIMPLE_KEY_LEN {
                self.analyzed_string(key, &analysis, Context::SIMPLE_KEY);
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, true);
                self.analyzed_string(key, &analysis, Context::MAPPING_VALUE);
                self.write_indent();
                self.write_indicator(":", true, false, true);
            }
            self.node(value, Context::MAPPING_VALUE);
        }
        self.pop_indent();
    }

    fn scalar(&mut self, value: &str, requested: Style, ctx: Context) {
        self.analyzed_scalar(value, &Analysis::of(value), requested, ctx);
    }

    /// [`Emitter::scalar`] of a value already analyzed.
    fn analyzed_scalar(&mut self, value: &str, a: &Analysis, requested: Style, ctx: Context) {
        let mut style = requested;
        if ctx.simple_key && a.multiline {
            style = Style::DoubleQuoted;
        }
        if style == Style::Plain && (!a.block_plain_allowed || (value.is_empty() && ctx.simple_key))
        {
            style = Style::SingleQuoted;
        }
        if style == Style::SingleQuoted && !a.single_quoted_allowed {
            style = Style::DoubleQuoted;
        }
        if style == Style::Literal && (!a.block_allowed || ctx.simple_key) {
            style = Style::DoubleQuoted;
        }
        self.increase_indent(true, false);
        let allow_breaks = !ctx.simple_key;
        match style {
            Style::Plain => self.write_plain(value, allow_breaks),
            Style::SingleQuoted => self.write_single_quoted(value, allow_breaks),
            Style::DoubleQuoted => self.write_double_quoted(value, allow_breaks),
            Style::Literal => self.write_literal(value),
        }
        self.pop_indent();
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    /// Writes `text`, which holds no line break.
    fn put_str(&mut self, text: &str) {
        self.out.push_str(text);
        self.column += if text.is_ascii() {
            text.len()
        } else {
            text.chars().count()
        };
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    /// libyaml's `write_break`: a line feed starts a new line; other break
    /// characters are copied and also reset the column.
    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.put(c);
            self.column = 0;
        }
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        if self.column < indent {
            let pad = indent - self.column;
            self.out.extend(std::iter::repeat_n(' ', pad));
            self.column = indent;
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(
        &mut self,
        indicator: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        self.put_str(indicator);
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    fn write_plain(&mut self, value: &str, allow_breaks: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        let one_line = is_one_ascii_line(value);
        if one_line && self.fits_verbatim(value, allow_breaks) {
            self.put_str(value);
        } else {
            self.write_folding_chars(value, one_line, allow_breaks, false);
        }
        self.whitespace = false;
        self.indention = false;
    }

    /// Whether `value`, ASCII on one line, is written as it is: it has no
    /// space where a line could fold.
    fn fits_verbatim(&self, value: &str, allow_breaks: bool) -> bool {
        !allow_breaks
            || self.column + value.len() <= BEST_WIDTH
            || memchr::memchr(b' ', value.as_bytes()).is_none()
    }

    fn write_single_quoted(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let one_line = is_one_ascii_line(value) && !value.contains('\'');
        if one_line && self.fits_verbatim(value, allow_breaks) {
            self.put_str(value);
        } else {
            self.write_folding_chars(value, one_line, allow_breaks, true);
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    /// libyaml's plain and single-quoted writers, folding at spaces past the
    /// best width; a single-quoted one doubles `'` and never folds at its
    /// first or last character. `words`: the value is ASCII on one line
    /// (without `'` when single-quoted).
    fn write_folding_chars(
        &mut self,
        value: &str,
        words: bool,
        allow_breaks: bool,
        single_quoted: bool,
    ) {
        if words {
            self.write_folding_words(value, allow_breaks, single_quoted);
        } else {
            self.write_folding_walk(value, allow_breaks, single_quoted);
        }
    }

    /// [`Self::write_folding_chars`] character by character.
    fn write_folding_walk(&mut self, value: &str, allow_breaks: bool, single_quoted: bool) {
        let mut chars = value.char_indices().peekable();
        let mut spaces = false;
        let mut breaks = false;
        while let Some((i, c)) = chars.next() {
            if c == ' ' {
                let next_is_space = chars.peek().map(|&(_, n)| n) == Some(' ');
                let may_fold = !single_quoted || (i > 0 && i < value.len() - 1);
                if allow_breaks && !spaces && self.column > BEST_WIDTH && may_fold && !next_is_space
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if single_quoted && c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
    }

    /// [`Self::write_folding_chars`] of an ASCII value on one line without
    /// `'`: written in runs, since no space folds before the column passes
    /// the best width, and past it only at a space.
    fn write_folding_words(&mut self, value: &str, allow_breaks: bool, single_quoted: bool) {
        let bytes = value.as_bytes();
        // Whether the last character written was a space.
        let mut spaces = false;
        let mut i = 0;
        while i < bytes.len() {
            let run = if !allow_breaks {
                bytes.len() - i
            } else if self.column <= BEST_WIDTH {
                (BEST_WIDTH + 1 - self.column).min(bytes.len() - i)
            } else if bytes[i] == b' ' {
                let next_is_space = bytes.get(i + 1) == Some(&b' ');
                let may_fold = !single_quoted || (i > 0 && i < bytes.len() - 1);
                if !spaces && may_fold && !next_is_space {
                    self.write_indent();
                } else {
                    self.put(' ');
                }
                spaces = true;
                i += 1;
                continue;
            } else {
                // The word up to the next space.
                memchr::memchr(b' ', &bytes[i..]).unwrap_or(bytes.len() - i)
            };
            let text = &value[i..i + run];
            self.put_str(text);
            if text.bytes().any(|b| b != b' ') {
                self.indention = false;
            }
            spaces = bytes[i + run - 1] == b' ';
            i += run;
        }
    }

    fn write_double_quoted(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        let plain_ascii = value
            .bytes()
            .all(|b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\');
        if plain_ascii && self.fits_verbatim(value, allow_breaks) {
            self.put_str(value);
        } else {
            self.write_double_quoted_chars(value, allow_breaks);
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    /// libyaml's double-quoted writer: escapes, folds at spaces past the best width.
    fn write_double_quoted_chars(&mut self, value: &str, allow_breaks: bool) {
        // go-yaml's BOM test looks at the start of the value for every
        // character, so a value starting with a BOM is escaped throughout.
        let starts_with_bom = value.starts_with('\u{feff}');
        let mut chars = value.char_indices().peekable();
        let mut spaces = false;
        while let Some((i, c)) = chars.next() {
            if !is_printable(c) || starts_with_bom || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                self.write_escape(c);
                spaces = false;
            } else if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i < value.len() - 1
                {
                    self.write_indent();
                    if chars.peek().map(|&(_, n)| n) == Some(' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
    }

    fn write_escape(&mut self, c: char) {
        let short = match c {
            '\0' => Some('0'),
            '\u{7}' => Some('a'),
            '\u{8}' => Some('b'),
            '\t' => Some('t'),
            '\n' => Some('n'),
            '\u{b}' => Some('v'),
            '\u{c}' => Some('f'),
            '\r' => Some('r'),
            '\u{1b}' => Some('e'),
            '"' => Some('"'),
            '\\' => Some('\\'),
            '\u{85}' => Some('N'),
            '\u{a0}' => Some('_'),
            '\u{2028}' => Some('L'),
            '\u{2029}' => Some('P'),
            _ => None,
        };
        if let Some(s) = short {
            self.put(s);
            return;
        }
        let v = u32::from(c);
        let (prefix, width) = if v <= 0xFF {
            ('x', 2)
        } else if v <= 0xFFFF {
            ('u', 4)
        } else {
            ('U', 8)
        };
        self.put(prefix);
        for k in (0..width).rev() {
            let digit = (v >> (4 * k)) & 0xF;
            self.put(char::from_digit(digit, 16).map_or('0', |d| d.to_ascii_uppercase()));
        }
    }

    fn write_literal(&mut self, value: &str) {
        self.write_indicator("|", true, false, false);
        self.write_block_hints(value);
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        let mut rest = value;
        while !rest.is_empty() {
            // A line's text, then the break ending it (if any).
            let end = rest.find(is_break).unwrap_or(rest.len());
            if end > 0 {
                if breaks {
                    self.write_indent();
                }
                self.put_str(&rest[..end]);
                self.indention = false;
                breaks = false;
            }
            let mut tail = rest[end..].chars();
            if let Some(c) = tail.next() {
                self.write_break(c);
                self.indention = true;
                breaks = true;
            }
            rest = tail.as_str();
        }
    }

    fn write_block_hints(&mut self, value: &str) {
        let mut chars = value.chars();
        if matches!(value.chars().next(), Some(c) if c == ' ' || is_break(c)) {
            self.write_indicator("2", false, false, false);
        }
        let last = chars.next_back();
        let chomp = match last {
            None => Some("-"),
            Some(c) if !is_break(c) => Some("-"),
            Some(_) => match chars.next_back() {
                None => Some("+"),
                Some(c) if is_break(c) => Some("+"),
                Some(_) => None,
            },
        };
        if let Some(hint) = chomp {
            self.write_indicator(hint, false, false, false);
        }
    }
}

/// libyaml's line break characters.
pub(crate) fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// go-yaml v2's `is_printable` (note: it rejects every character outside
/// the Basic Multilingual Plane, so emoji are escaped).
fn is_printable(c: char) -> bool {
    matches!(c, '\n' | ' '..='~' | '\u{a0}'..='\u{d7ff}')
        || (('\u{e000}'..='\u{fffd}').contains(&c) && c != '\u{feff}')
}

/// What libyaml's `analyze_scalar` learns about a value (block context).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Analysis {
    multiline: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    /// Whether a literal or folded block scalar can hold the value.
    pub(crate) block_allowed: bool,
}

impl Analysis {
    /// Analyzes `value`.
    pub(crate) fn of(value: &str) -> Analysis {
        Analysis::of_compact(value).unwrap_or_else(|| Analysis::of_chars(value))
    }

    /// The analysis of a non-empty value of printable ASCII on one line
    /// (most keys and values, and descriptions), from a few searches instead
    /// of a walk over its characters. `None` for other values.
    fn of_compact(value: &str) -> Option<Analysis> {
        let bytes = value.as_bytes();
        let (&first, &last) = (bytes.first()?, bytes.last()?);
        // Without an early exit, which the compiler vectorises.
        let printable = bytes
            .iter()
            .fold(true, |ok, b| ok & (b' '..=b'~').contains(b));
        if !printable {
            return None;
        }
        let first_followed_by_space = bytes.get(1).is_none_or(|&c| c == b' ');
        let indicators = value.starts_with("---")
            || value.starts_with("...")
            || b"#,[]{}&*!|>'\"%@`".contains(&first)
            // `?`, `:` and `-` first are indicators when followed by white
            // space (or the end); `:` so anywhere, `#` after a space.
            || (b"?:-".contains(&first) && first_followed_by_space)
            || value.ends_with(':')
            || memchr::memchr2_iter(b':', b'#', bytes).any(|i| match bytes[i] {
                b':' => bytes.get(i + 1) == Some(&b' '),
                _ => i > 0 && bytes[i - 1] == b' ',
            });
        let (leading_space, trailing_space) = (first == b' ', last == b' ');
        Some(Analysis {
            multiline: false,
            block_plain_allowed: !(indicators || leading_space || trailing_space),
            single_quoted_allowed: true,
            block_allowed: !trailing_space,
        })
    }

    /// libyaml's `analyze_scalar`, character by character.
    fn of_chars(value: &str) -> Analysis {
        if value.is_empty() {
            return Analysis {
                multiline: false,
                block_plain_allowed: true,
                single_quoted_allowed: true,
                block_allowed: false,
            };
        }
        let mut block_indicators = value.starts_with("---") || value.starts_with("...");
        let (mut line_breaks, mut special_characters) = (false, false);
        let (mut leading_space, mut leading_break) = (false, false);
        let (mut trailing_space, mut trailing_break) = (false, false);
        let (mut break_space, mut space_break) = (false, false);
        let (mut previous_space, mut previous_break) = (false, false);
        let mut preceded_by_whitespace = true;
        let mut chars = value.chars().peekable();
        let mut first = true;
        while let Some(c) = chars.next() {
            let next = chars.peek().copied();
            let followed_by_whitespace = next.is_none_or(is_blank);
            let last = next.is_none();
            if first {
                match c {
                    '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\''
                    | '"' | '%' | '@' | '`' => block_indicators = true,
                    '?' | ':' | '-' if followed_by_whitespace => block_indicators = true,
                    _ => {}
                }
            } else {
                match c {
                    ':' if followed_by_whitespace => block_indicators = true,
                    '#' if preceded_by_whitespace => block_indicators = true,
                    _ => {}
                }
            }
            if !is_printable(c) {
                special_characters = true;
            }
            if c == ' ' {
                leading_space |= first;
                trailing_space |= last;
                break_space |= previous_break;
                previous_space = true;
                previous_break = false;
            } else if is_break(c) {
                line_breaks = true;
                leading_break |= first;
                trailing_break |= last;
                space_break |= previous_space;
                previous_space = false;
                previous_break = true;
            } else {
                previous_space = false;
                previous_break = false;
            }
            preceded_by_whitespace = is_blank(c) || is_break(c) || c == '\0';
            first = false;
        }
        let mut a = Analysis {
            multiline: line_breaks,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: true,
        };
        if leading_space || leading_break || trailing_space || trailing_break {
            a.block_plain_allowed = false;
        }
        if trailing_space {
            a.block_allowed = false;
        }
        if break_space {
            a.block_plain_allowed = false;
            a.single_quoted_allowed = false;
        }
        if space_break || special_characters {
            a.block_plain_allowed = false;
            a.single_quoted_allowed = false;
            a.block_allowed = false;
        }
        if line_breaks || block_indicators {
            a.block_plain_allowed = false;
        }
        a
    }
}

/// Whether `value` is ASCII without line breaks (checked without an early
/// exit, which the compiler vectorises: values are mostly short).
fn is_one_ascii_line(value: &str) -> bool {
    value.bytes().fold(true, |ok, b| {
        ok & b.is_ascii() & (b != b'\n') & (b != b'\r')
    })
}

/// libyaml's `is_blank`: a space or a tab.
fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// The JSON text of a resource carries U+0085 (NEL) raw, and go-yaml v2
/// reads it inside a double-quoted scalar as a line break to fold: a run of
/// spaces around one NEL becomes one space, and around `n` NELs `n - 1` line
/// feeds.
fn fold_nel(s: &str) -> Cow<'_, str> {
    if s.is_ascii() || !s.contains('\u{85}') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut run = String::new();
    let mut nels = 0usize;
    let flush = |out: &mut String, run: &mut String, nels: &mut usize| {
        match *nels {
            0 => out.push_str(run),
            1 => out.push(' '),
            n => (1..n).for_each(|_| out.push('\n')),
        }
        run.clear();
        *nels = 0;
    };
    for c in s.chars() {
        match c {
            ' ' => run.push(c),
            '\u{85}' => nels += 1,
            _ => {
                flush(&mut out, &mut run, &mut nels);
                out.push(c);
            }
        }
    }
    flush(&mut out, &mut run, &mut nels);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn emit_str(v: &Value) -> String {
        let mut out = String::new();
        emit(v, &mut out);
        out
    }

    #[test]
    fn nested_collections() {
        let v = json!({"b": [[1, [2, 3]], [], {}], "a": {"x": [{"p": 1, "q": []}]}});
        assert_eq!(
            emit_str(&v),
            "a:\n  x:\n  - p: 1\n    q: []\nb:\n- - 1\n  - - 2\n    - 3\n- []\n- {}\n"
        );
    }

    #[test]
    fn scalar_styles() {
        let v = json!({"s": ["yes", "a: b", "-x", "tab\tx", "", " lead", "a\nb\n", "a  \nb"]});
        assert_eq!(
            emit_str(&v),
            "s:\n- \"yes\"\n- 'a: b'\n- -x\n- \"tab\\tx\"\n- \"\"\n- ' lead'\n- |\n  a\n  b\n- \"a  \\nb\"\n"
        );
    }

    #[test]
    fn nel_folds_like_a_json_round_trip() {
        assert_eq!(fold_nel("a \u{85} b\u{85}\u{85}c"), "a b\nc");
        assert_eq!(fold_nel("plain"), "plain");
    }

    proptest::proptest! {
        /// The shortcut for compact ASCII values agrees with the walk over
        /// characters (indicator characters drawn often).
        #[test]
        fn compact_analysis_agrees_with_the_walk(value in "([ -~]|[-?:#., \\[\\]{}&*!|>'\"%@`]){1,12}") {
            proptest::prop_assert_eq!(Analysis::of_compact(&value), Some(Analysis::of_chars(&value)));
        }
    }

    proptest::proptest! {
        /// Writing words whole folds exactly where the walk over characters does.
        #[test]
        fn word_folding_agrees_with_the_walk(
            value in " ?[a-z ]{0,110} ?",
            column in 0usize..100,
            allow_breaks: bool,
            single_quoted: bool,
        ) {
            let write = |words: bool| {
                let mut out = String::new();
                emit_with(&mut out, false, |e| {
                    e.column = column;
                    e.indent = 2;
                    if words {
                        e.write_folding_words(&value, allow_breaks, single_quoted);
                    } else {
                        e.write_folding_walk(&value, allow_breaks, single_quoted);
                    }
                });
                out
            };
            proptest::prop_assert_eq!(write(true), write(false));
        }
    }

    #[test]
    fn compact_analysis_leaves_other_values_to_the_walk() {
        for value in ["", "tab\tx", "a\nb", "é"] {
            assert_eq!(Analysis::of_compact(value), None, "{value:?}");
        }
    }

    #[test]
    fn empty_and_root_values() {
        assert_eq!(emit_str(&json!({})), "{}\n");
        assert_eq!(emit_str(&json!(null)), "null\n");
        assert_eq!(emit_str(&json!({"": 1})), "\"\": 1\n");
    }
}
