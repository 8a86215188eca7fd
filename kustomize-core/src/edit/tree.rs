//! The first YAML document of a text as a tree of nodes that know where
//! they are in the text (byte offsets), built from saphyr-parser's events.

use super::EditError;
use crate::yaml::YamlError;
use saphyr_parser::{Event, Parser, ScalarStyle, Span};

/// A node and the bytes of the text it covers.
#[derive(Debug)]
pub(crate) struct Node {
    /// What the node is.
    pub kind: Kind,
    /// Byte offset of its first character (of the content for block scalars,
    /// of the first key or item for block collections, of `[`/`{` for flow).
    pub start: usize,
    /// Byte offset just past its last character, trailing white space and
    /// line breaks excluded.
    pub end: usize,
}

/// The kinds of node.
#[derive(Debug)]
pub(crate) enum Kind {
    /// A scalar with its decoded value and style.
    Scalar(String, ScalarStyle),
    /// A sequence; `flow` when written `[...]`.
    Seq { items: Vec<Node>, flow: bool },
    /// A mapping; `flow` when written `{...}`.
    Map {
        pairs: Vec<(Node, Node)>,
        flow: bool,
    },
    /// An alias (`*name`).
    Alias,
}

impl Node {
    /// The scalar value, if this is a scalar.
    pub fn scalar(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar(v, _) => Some(v),
            _ => None,
        }
    }

    /// Whether this is a null scalar (empty, `~` or `null` written plain).
    pub fn is_null(&self) -> bool {
        matches!(&self.kind, Kind::Scalar(v, ScalarStyle::Plain)
            if matches!(v.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// The pair kustomize reads for field `key`: keys match ignoring ASCII
    /// case; of several spellings the greatest in byte order wins (the YAML
    /// becomes JSON with sorted keys, and Go's decoder keeps the last), and
    /// of repeats of one spelling the last wins. `kubectl kustomize` reads
    /// `images` over `Images` in either order, and `Images` over `IMAGES`.
    pub fn get_ci(&self, key: &str) -> Option<(&Node, &Node)> {
        match &self.kind {
            Kind::Map { pairs, .. } => pairs
                .iter()
                .enumerate()
                .filter_map(|(i, (k, v))| {
                    let s = k.scalar().filter(|s| s.eq_ignore_ascii_case(key))?;
                    Some(((s, i), (k, v)))
                })
                .max_by(|a, b| a.0.cmp(&b.0))
                .map(|(_, pair)| pair),
            _ => None,
        }
    }
}

impl EditError {
    /// `field`, the value `node` of `text`, should hold `expected`.
    pub(crate) fn wrong_kind(
        field: impl Into<String>,
        expected: &'static str,
        text: &str,
        node: &Node,
    ) -> Self {
        EditError::WrongKind {
            field: field.into(),
            line: text[..node.start].matches('\n').count() + 1,
            expected,
        }
    }
}

/// Parses the first document of `text`; `None` for an empty stream.
pub(crate) fn parse(text: &str) -> Result<Option<Node>, EditError> {
    let offsets = ByteOffsets::new(text);
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Open> = Vec::new();
    let mut root = None;
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| {
            EditError::Yaml(YamlError {
                message: e.info().to_owned(),
                line: Some(e.marker().line()),
                column: Some(e.marker().col() + 1),
            })
        })?;
        let node = match event {
            Event::DocumentEnd | Event::StreamEnd if root.is_some() => break,
            Event::Scalar(value, style, _, _) => {
                let start = offsets.byte(span.start.index());
                let end = scalar_end(text, start, offsets.byte(span.end.index()), style);
                Node {
                    kind: Kind::Scalar(value.into_owned(), style),
                    start,
                    end,
                }
            }
            Event::Alias(_) => Node {
                kind: Kind::Alias,
                start: offsets.byte(span.start.index()),
                end: offsets.byte(span.end.index()),
            },
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                stack.push(Open::new(&event, &span, text, &offsets));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(open) = stack.pop() else { continue };
                open.close(&span, text, &offsets)
            }
            _ => continue,
        };
        match stack.last_mut() {
            Some(open) => open.children.push(node),
            None => root = Some(node),
        }
    }
    Ok(root)
}

/// A collection whose end event has not come yet.
struct Open {
    map: bool,
    flow: bool,
    start: usize,
    children: Vec<Node>,
}

impl Open {
    fn new(event: &Event, span: &Span, text: &str, offsets: &ByteOffsets) -> Self {
        let start = offsets.byte(span.start.index());
        let end = offsets.byte(span.end.index());
        let flow = text[start..end].starts_with(['[', '{']);
        Open {
            map: matches!(event, Event::MappingStart(..)),
            flow,
            start,
            children: Vec::new(),
        }
    }

    fn close(self, span: &Span, text: &str, offsets: &ByteOffsets) -> Node {
        let end = if self.flow {
            // The event's span runs on over blanks and a comment after the bracket.
            offsets.byte(span.start.index()) + 1
        } else {
            self.children.last().map_or(self.start, |c| c.end)
        };
        let kind = if self.map {
            let mut pairs = Vec::with_capacity(self.children.len() / 2);
            let mut it = self.children.into_iter();
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                pairs.push((k, v));
            }
            Kind::Map {
                pairs,
                flow: self.flow,
            }
        } else {
            Kind::Seq {
                items: self.children,
                flow: self.flow,
            }
        };
        Node {
            kind,
            start: self.start,
            end: trim_end(text, self.start, end),
        }
    }
}

/// The end of a scalar: the parser's span may run on over a comment after
/// a quoted scalar, and over blank and comment lines after a block scalar.
fn scalar_end(text: &str, start: usize, span_end: usize, style: ScalarStyle) -> usize {
    let raw = &text[start..span_end];
    let len = match style {
        ScalarStyle::SingleQuoted => closing(raw, '\'', |rest| match rest.find('\'') {
            Some(i) if rest[i + 1..].starts_with('\'') => (i + 2, false),
            Some(i) => (i + 1, true),
            None => (rest.len(), true),
        }),
        ScalarStyle::DoubleQuoted => closing(raw, '"', |rest| match rest.find(['"', '\\']) {
            Some(i) if rest[i..].starts_with('\\') => (
                i + 1 + rest[i + 1..].chars().next().map_or(0, char::len_utf8),
                false,
            ),
            Some(i) => (i + 1, true),
            None => (rest.len(), true),
        }),
        ScalarStyle::Plain => raw
            .find(" #")
            .or_else(|| raw.find("\t#"))
            .unwrap_or(raw.len()),
        ScalarStyle::Literal | ScalarStyle::Folded => {
            let indent = start - text[..start].rfind('\n').map_or(0, |i| i + 1);
            let mut len = 0;
            let mut at = 0;
            for line in raw.split_inclusive('\n') {
                let body = line.trim_end();
                if !body.is_empty() {
                    if at > 0 && line.len() - line.trim_start_matches(' ').len() < indent {
                        break;
                    }
                    len = at + body.len();
                }
                at += line.len();
            }
            len
        }
    };
    trim_end(text, start, start + len)
}

/// The length of a quoted scalar's text (with any tag or anchor before the
/// opening `quote`): `step` reads past one piece of the rest and says
/// whether it closed the quotes.
fn closing(raw: &str, quote: char, step: impl Fn(&str) -> (usize, bool)) -> usize {
    let mut at = raw.find(quote).map_or(raw.len(), |i| i + 1);
    while at < raw.len() {
        let (advance, done) = step(&raw[at..]);
        at += advance;
        if done {
            break;
        }
    }
    at.min(raw.len())
}

/// `end` moved back over trailing white space and line breaks, not past `start`.
fn trim_end(text: &str, start: usize, end: usize) -> usize {
    start + text[start..end].trim_end().len()
}

/// Converts the parser's character indices to byte offsets.
struct ByteOffsets(Option<Vec<usize>>);

impl ByteOffsets {
    fn new(text: &str) -> Self {
        if text.is_ascii() {
            return ByteOffsets(None);
        }
        let mut v: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        v.push(text.len());
        ByteOffsets(Some(v))
    }

    fn byte(&self, char_index: usize) -> usize {
        match &self.0 {
            None => char_index,
            Some(v) => v
                .get(char_index)
                .copied()
                .unwrap_or_else(|| *v.last().unwrap_or(&0)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of<'a>(src: &'a str, n: &Node) -> &'a str {
        &src[n.start..n.end]
    }

    #[test]
    fn spans_cover_scalars_and_collections() {
        let src = "a: 1 # c\nimages:\n- name: \"x\"\n  newTag: 'v1'\n  digest: >-\n    abc\n\n# tail\nflow: [a, {b: c}]\n";
        let root = parse(src).unwrap().unwrap();
        let (_, images) = root.get_ci("IMAGES").unwrap();
        let Kind::Seq { items, flow: false } = &images.kind else {
            panic!("{images:?}")
        };
        let entry = &items[0];
        assert_eq!(
            text_of(src, entry),
            "name: \"x\"\n  newTag: 'v1'\n  digest: >-\n    abc"
        );
        let (k, v) = entry.get_ci("newtag").unwrap();
        assert_eq!((text_of(src, k), text_of(src, v)), ("newTag", "'v1'"));
        assert_eq!(entry.get_ci("digest").unwrap().1.scalar(), Some("abc"));
        let (_, flow) = root.get_ci("flow").unwrap();
        assert_eq!(text_of(src, flow), "[a, {b: c}]");
        assert!(matches!(flow.kind, Kind::Seq { flow: true, .. }));
    }

    #[test]
    fn scalar_ends_exclude_comments_and_include_tags() {
        let src =
            "a: !!str \"v\\\"1\" # c\nb: &x 'it''s' # d\nc: !!str 12 # e\nd: |\n  x\n\n  y\n# f\n";
        let root = parse(src).unwrap().unwrap();
        let value = |k| text_of(src, root.get_ci(k).unwrap().1);
        assert_eq!(value("a"), "!!str \"v\\\"1\"");
        assert_eq!(value("b"), "&x 'it''s'");
        assert_eq!(value("c"), "!!str 12");
        assert_eq!(value("d"), "x\n\n  y");
    }

    #[test]
    fn the_field_read_is_the_greatest_spelling_then_the_last_repeat() {
        let src = "images: 1\nImages: 2\nIMAGES: 3\nimages: 4\nx: 5\n";
        let root = parse(src).unwrap().unwrap();
        assert_eq!(root.get_ci("images").unwrap().1.scalar(), Some("4"));
        let src = "IMAGES: 3\nImages: 2\n";
        let root = parse(src).unwrap().unwrap();
        assert_eq!(root.get_ci("images").unwrap().1.scalar(), Some("2"));
    }

    #[test]
    fn offsets_are_bytes_with_multibyte_text() {
        let src = "# é ü\nname: \"ñ\"\n";
        let root = parse(src).unwrap().unwrap();
        let (_, v) = root.get_ci("name").unwrap();
        assert_eq!(text_of(src, v), "\"ñ\"");
    }

    #[test]
    fn empty_stream_has_no_root_and_bad_yaml_is_an_error() {
        assert!(parse("# only a comment\n").unwrap().is_none());
        let err = parse("a: [\n").unwrap_err();
        assert!(err.to_string().contains("line"), "{err}");
    }
}
