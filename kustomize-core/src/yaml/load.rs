//! Builds `serde_json::Value`s from YAML parser events: resolves scalars,
//! expands aliases and merge keys, and enforces the size and depth bounds.

use super::YamlError;
use super::folded::kyaml_folded_round_trip;
use super::number::format_go_g32;
use super::resolve::{Scalar, Schema, resolve_plain};
use base64::Engine as _;
use saphyr_parser::{Event, Marker, Parser, ScalarStyle, ScanError, Span, Tag};
use serde_json::{Map, Number, Value};
use std::borrow::Cow;
use std::collections::HashMap;

/// Deepest nesting of collections accepted.
pub const MAX_DEPTH: usize = 1000;

/// Longest key, JSON-encoded with its quotes, that go-yaml v2 accepts.
const MAX_JSON_KEY_LEN: usize = 1024;

/// Most nodes a document stream may expand to through aliases: ten per
/// input byte, and at least a million.
fn node_limit(input_len: usize) -> usize {
    input_len.saturating_mul(10).max(1_000_000)
}

/// Parses the documents of `src`; `single` stops after the first one.
pub(crate) fn load(src: &str, schema: Schema, single: bool) -> Result<Vec<Value>, YamlError> {
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    // go-yaml reads a raw NEL as a line feed (YAML 1.1); the parser here
    // follows YAML 1.2, where it is content.
    let mut src = src.replace('\u{85}', "\n");
    let mut tab_fixes = 0;
    loop {
        match load_once(&src, schema, single) {
            Err(Failure::TabAfterColon(byte)) if tab_fixes < MAX_TAB_FIXES => {
                // go-yaml accepts a tab after `:`; this parser does not when
                // a plain scalar follows. The tab only separates, so a space
                // means the same.
                src.replace_range(byte..byte + 1, " ");
                tab_fixes += 1;
            }
            Err(Failure::TabAfterColon(_)) => {
                return Err(YamlError {
                    message: "too many tabs after `:`".into(),
                    line: None,
                    column: None,
                });
            }
            Err(Failure::Yaml(e)) => return Err(e),
            Ok(docs) => return Ok(docs),
        }
    }
}

/// Most tab separators [`load`] rewrites before giving up.
const MAX_TAB_FIXES: usize = 64;

enum Failure {
    Yaml(YamlError),
    /// The parser refused a tab (at this byte offset) after a `:`.
    TabAfterColon(usize),
}

impl From<YamlError> for Failure {
    fn from(e: YamlError) -> Self {
        Failure::Yaml(e)
    }
}

fn load_once(src: &str, schema: Schema, single: bool) -> Result<Vec<Value>, Failure> {
    let mut parser = Parser::new_from_str(src);
    let mut loader = Loader {
        source: SourceChars::new(src),
        schema,
        stack: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        limit: node_limit(src.len()),
        root: None,
    };
    let mut docs = Vec::new();
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| {
            // The parser reports the position at or just after the tab.
            let index = e.marker().index().saturating_sub(1);
            let tab_at = src
                .char_indices()
                .skip(index)
                .take(2)
                .find(|&(_, c)| c == '\t');
            match tab_at {
                Some((byte, _)) if e.info().contains("':' must be followed by") => {
                    Failure::TabAfterColon(byte)
                }
                _ => Failure::Yaml(scan_error(e)),
            }
        })?;
        match event {
            Event::DocumentStart(_) => {
                loader.anchors.clear();
                loader.root = None;
            }
            Event::DocumentEnd => {
                if let Some(node) = loader.root.take()
                    && !node.value.is_null()
                {
                    docs.push(node.value);
                }
                if single {
                    break;
                }
            }
            other => loader.event(other, span)?,
        }
    }
    Ok(docs)
}

fn scan_error(e: ScanError) -> YamlError {
    at(e.marker(), e.info().to_string())
}

fn at(mark: &Marker, message: String) -> YamlError {
    YamlError {
        message,
        line: Some(mark.line()),
        column: Some(mark.col() + 1),
    }
}

/// A finished node on its way to its parent.
struct Node {
    value: Value,
    /// The resolved scalar, when the node is one (needed to use it as a key).
    scalar: Option<Scalar>,
    /// The scalar's source text, for duplicate-key detection.
    raw: Option<String>,
}

/// What an anchor refers to.
struct Anchored {
    value: Value,
    scalar: Option<Scalar>,
    nodes: usize,
}

enum Key {
    Name(String),
    Merge,
    /// A quoted or `!!str`-tagged `<<`: kyaml drops the pair.
    Dropped,
}

enum Frame {
    Sequence {
        items: Vec<Value>,
        anchor: usize,
        first_node: usize,
        flow: bool,
    },
    Mapping {
        map: Map<String, Value>,
        anchor: usize,
        first_node: usize,
        /// Inside a flow collection (`{…}`, `[…]`).
        flow: bool,
        key: Option<Key>,
        /// Source text of each key so far and its line (v3 duplicate check).
        seen: HashMap<String, usize>,
        /// Merge sources in precedence order (v3 applies them at the end).
        merges: Vec<Map<String, Value>>,
    },
}

/// Random access to the source by character index (parser positions count
/// characters).
enum SourceChars<'a> {
    Ascii(&'a [u8]),
    Unicode(Vec<char>),
}

impl<'a> SourceChars<'a> {
    fn new(src: &'a str) -> Self {
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
    fn opens_flow(&self, end: &Marker) -> bool {
        end.index()
            .checked_sub(1)
            .and_then(|i| self.get(i))
            .is_some_and(|c| c == '{' || c == '[')
    }
}

struct Loader<'a> {
    source: SourceChars<'a>,
    schema: Schema,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Anchored>,
    nodes: usize,
    limit: usize,
    root: Option<Node>,
}

impl Loader<'_> {
    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), YamlError> {
        let mark = &span.start;
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                self.count(1, mark)?;
                if style == ScalarStyle::DoubleQuoted {
                    self.check_escapes(&span)?;
                }
                let text = match style {
                    ScalarStyle::Folded if self.schema == Schema::V3 => {
                        Cow::Owned(kyaml_folded_round_trip(&text))
                    }
                    _ => text,
                };
                let scalar = if self.is_missing_flow_value(&text, style, tag.as_deref()) {
                    Scalar::Str(String::new())
                } else {
                    self.scalar(&text, style, tag.as_deref(), mark)?
                };
                let value = self.scalar_value(&scalar, mark)?;
                if anchor > 0 {
                    self.anchors.insert(
                        anchor,
                        Anchored {
                            value: value.clone(),
                            scalar: Some(scalar.clone()),
                            nodes: 1,
                        },
                    );
                }
                let node = Node {
                    value,
                    scalar: Some(scalar),
                    raw: Some(text.into_owned()),
                };
                self.deliver(node, mark)
            }
            Event::Alias(id) => {
                let Some(target) = self.anchors.get(&id) else {
                    return Err(at(mark, "unknown anchor referenced".into()));
                };
                let (nodes, value, scalar) =
                    (target.nodes, target.value.clone(), target.scalar.clone());
                self.count(nodes, mark)?;
                let node = Node {
                    value,
                    scalar,
                    raw: None,
                };
                self.deliver(node, mark)
            }
            Event::SequenceStart(anchor, _) => {
                self.open(mark)?;
                let flow = self.in_flow() || self.source.opens_flow(&span.end);
                self.stack.push(Frame::Sequence {
                    items: Vec::new(),
                    anchor,
                    first_node: self.nodes - 1,
                    flow,
                });
                Ok(())
            }
            Event::MappingStart(anchor, _) => {
                self.open(mark)?;
                let flow = self.in_flow() || self.source.opens_flow(&span.end);
                self.stack.push(Frame::Mapping {
                    map: Map::new(),
                    anchor,
                    first_node: self.nodes - 1,
                    flow,
                    key: None,
                    seen: HashMap::new(),
                    merges: Vec::new(),
                });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (value, anchor, first_node) = match self.stack.pop() {
                    Some(Frame::Sequence {
                        items,
                        anchor,
                        first_node,
                        ..
                    }) => (Value::Array(items), anchor, first_node),
                    Some(Frame::Mapping {
                        mut map,
                        anchor,
                        first_node,
                        merges,
                        ..
                    }) => {
                        for source in merges {
                            for (k, v) in source {
                                if !map.contains_key(&k) {
                                    map.insert(k, v);
                                }
                            }
                        }
                        (Value::Object(map), anchor, first_node)
                    }
                    None => return Err(at(mark, "unbalanced collection end".into())),
                };
                if anchor > 0 {
                    self.anchors.insert(
                        anchor,
                        Anchored {
                            value: value.clone(),
                            scalar: None,
                            nodes: self.nodes - first_node,
                        },
                    );
                }
                let node = Node {
                    value,
                    scalar: None,
                    raw: None,
                };
                self.deliver(node, mark)
            }
            Event::StreamStart
            | Event::StreamEnd
            | Event::Nothing
            | Event::DocumentStart(_)
            | Event::DocumentEnd => Ok(()),
        }
    }

    /// go-yaml knows fewer escapes than YAML 1.2 (no `\/`, no `\<TAB>`
    /// beyond its own list): reject the ones it rejects.
    fn check_escapes(&self, span: &Span) -> Result<(), YamlError> {
        let mut i = span.start.index();
        while self.source.get(i).is_some_and(|c| c != '"') && i < span.end.index() {
            i += 1;
        }
        i += 1;
        while i < span.end.index() {
            match self.source.get(i) {
                Some('"') | None => break,
                Some('\\') => {
                    let known = self
                        .source
                        .get(i + 1)
                        .is_some_and(|c| "0abt\tnvfre \"'\\N_LPxuU\n\r".contains(c));
                    if !known {
                        return Err(at(
                            &span.start,
                            "found unknown escape character while parsing a quoted scalar".into(),
                        ));
                    }
                    i += 2;
                }
                Some(_) => i += 1,
            }
        }
        Ok(())
    }

    fn in_flow(&self) -> bool {
        match self.stack.last() {
            Some(Frame::Sequence { flow, .. } | Frame::Mapping { flow, .. }) => *flow,
            None => false,
        }
    }

    /// kyaml reads a missing value in a flow mapping (`{a}`, `{a: }`) as an
    /// empty string, not null.
    fn is_missing_flow_value(&self, text: &str, style: ScalarStyle, tag: Option<&Tag>) -> bool {
        self.schema == Schema::V3
            && text.is_empty()
            && style == ScalarStyle::Plain
            && tag.is_none()
            && matches!(
                self.stack.last(),
                Some(Frame::Mapping {
                    flow: true,
                    key: Some(_),
                    ..
                })
            )
    }

    fn count(&mut self, nodes: usize, mark: &Marker) -> Result<(), YamlError> {
        self.nodes = self.nodes.saturating_add(nodes);
        if self.nodes > self.limit {
            return Err(at(
                mark,
                format!(
                    "document expands to more than {} nodes (too many alias expansions)",
                    self.limit
                ),
            ));
        }
        Ok(())
    }

    fn open(&mut self, mark: &Marker) -> Result<(), YamlError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(at(
                mark,
                format!("document nests deeper than {MAX_DEPTH} levels"),
            ));
        }
        if let Some(Frame::Mapping { key: None, .. }) = self.stack.last() {
            return Err(at(
                mark,
                "invalid map key: a collection cannot be a key".into(),
            ));
        }
        self.count(1, mark)
    }

    fn scalar(
        &self,
        text: &str,
        style: ScalarStyle,
        tag: Option<&Tag>,
        mark: &Marker,
    ) -> Result<Scalar, YamlError> {
        // The non-specific tag `!` leaves resolution to the scalar's style.
        let tag = tag.filter(|t| format!("{}{}", t.handle, t.suffix) != "!");
        let Some(tag) = tag else {
            return Ok(if style == ScalarStyle::Plain && text == "<<" {
                Scalar::Merge
            } else if style == ScalarStyle::Plain {
                resolve_plain(text, self.schema, None)
            } else {
                Scalar::Str(text.to_string())
            });
        };
        let full = format!("{}{}", tag.handle, tag.suffix);
        let Some(name) = full.strip_prefix("tag:yaml.org,2002:") else {
            // Local and unknown tags do not change a scalar: it stays a string.
            return Ok(Scalar::Str(text.to_string()));
        };
        match name {
            "str" => Ok(Scalar::Str(text.to_string())),
            "merge" => Ok(Scalar::Merge),
            "binary" => {
                let compact: String = text.chars().filter(|c| !matches!(c, '\n' | '\r')).collect();
                base64::engine::general_purpose::STANDARD
                    .decode(compact)
                    .map(|bytes| Scalar::Str(String::from_utf8_lossy(&bytes).into_owned()))
                    .map_err(|_| at(mark, "!!binary value contains invalid base64 data".into()))
            }
            "int" | "float" | "bool" | "null" | "timestamp" => {
                let resolved = resolve_plain(text, self.schema, Some(name));
                match (&resolved, name) {
                    (r, n) if r.tag_name() == n => Ok(resolved),
                    (Scalar::Int(i), "float") => Ok(Scalar::Float(*i as f64)),
                    (Scalar::Uint(u), "float") => Ok(Scalar::Float(*u as f64)),
                    (r, n) => Err(at(
                        mark,
                        format!("cannot decode !!{} `{text}` as a !!{n}", r.tag_name()),
                    )),
                }
            }
            _ => Ok(Scalar::Str(text.to_string())),
        }
    }

    fn scalar_value(&self, scalar: &Scalar, mark: &Marker) -> Result<Value, YamlError> {
        Ok(match scalar {
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => Value::Bool(*b),
            Scalar::Int(i) => Value::Number((*i).into()),
            Scalar::Uint(u) => Value::Number((*u).into()),
            Scalar::Float(f) => Value::Number(Number::from_f64(*f).ok_or_else(|| {
                at(
                    mark,
                    format!("unsupported value {f}: infinity and NaN cannot be converted to JSON"),
                )
            })?),
            Scalar::Str(s) => Value::String(self.checked(s, mark)?),
            Scalar::Timestamp { text, rfc3339 } => Value::String(match self.schema {
                Schema::V3 => rfc3339.clone(),
                Schema::V2 => text.clone(),
            }),
            Scalar::Merge => Value::String("<<".into()),
        })
    }

    /// Resource strings travel through JSON into go-yaml v2, whose reader
    /// rejects raw control characters that JSON leaves unescaped.
    fn checked(&self, s: &str, mark: &Marker) -> Result<String, YamlError> {
        let bad = |c: char| matches!(c, '\u{7f}'..='\u{84}' | '\u{86}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}');
        if self.schema == Schema::V3 && s.chars().any(bad) {
            return Err(at(
                mark,
                format!("control characters are not allowed (in {s:?})"),
            ));
        }
        Ok(s.to_string())
    }

    /// go-yaml v2 reads kustomize's JSON back; a key longer than its
    /// 1024-character simple-key limit there, or holding a NEL (a line
    /// break to it), makes the build fail.
    fn checked_key(&self, s: &str, mark: &Marker) -> Result<String, YamlError> {
        let encoded_len: usize = 2 + s
            .chars()
            .map(|c| match c {
                '"' | '\\' | '\n' | '\r' | '\t' => 2,
                '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => 6,
                c if c < ' ' => 6,
                _ => 1,
            })
            .sum::<usize>();
        if encoded_len > MAX_JSON_KEY_LEN || s.contains('\u{85}') {
            return Err(at(
                mark,
                format!(
                    "mapping key {s:?} cannot be printed: kustomize's YAML printer fails on keys \
                     over {MAX_JSON_KEY_LEN} JSON characters or holding U+0085"
                ),
            ));
        }
        self.checked(s, mark)
    }

    fn key(&self, node: Node, mark: &Marker) -> Result<Key, YamlError> {
        let Some(scalar) = node.scalar else {
            return Err(at(
                mark,
                "invalid map key: a collection cannot be a key".into(),
            ));
        };
        let raw = node.raw.unwrap_or_default();
        let not_string = || {
            at(
                mark,
                format!(
                    "mapping key `{raw}` is a {}, not a string; it cannot be converted to JSON",
                    scalar.tag_name()
                ),
            )
        };
        Ok(match (self.schema, &scalar) {
            (_, Scalar::Merge) => Key::Merge,
            (Schema::V3, Scalar::Str(s)) if s == "<<" => Key::Dropped,
            (Schema::V3, Scalar::Str(s)) => Key::Name(self.checked_key(s, mark)?),
            (_, Scalar::Str(s)) => Key::Name(self.checked(s, mark)?),
            (Schema::V3, _) => return Err(not_string()),
            (Schema::V2, Scalar::Timestamp { text, .. }) => Key::Name(text.clone()),
            (Schema::V2, Scalar::Int(i)) => Key::Name(i.to_string()),
            (Schema::V2, Scalar::Bool(b)) => Key::Name(b.to_string()),
            (Schema::V2, Scalar::Float(f)) => Key::Name(match format_go_g32(*f).as_str() {
                "+Inf" => ".inf".into(),
                "-Inf" => "-.inf".into(),
                "NaN" => ".nan".into(),
                s => s.into(),
            }),
            (Schema::V2, Scalar::Null | Scalar::Uint(_)) => return Err(not_string()),
        })
    }

    /// Attaches a finished node to the enclosing collection or the document.
    fn deliver(&mut self, node: Node, mark: &Marker) -> Result<(), YamlError> {
        let schema = self.schema;
        let pending = match self.stack.last_mut() {
            None => {
                self.root = Some(node);
                return Ok(());
            }
            Some(Frame::Sequence { items, .. }) => {
                items.push(node.value);
                return Ok(());
            }
            Some(Frame::Mapping { key, .. }) => key.take(),
        };
        let Some(pending) = pending else {
            let raw = node.raw.clone();
            let key = self.key(node, mark)?;
            let Some(Frame::Mapping {
                key: slot, seen, ..
            }) = self.stack.last_mut()
            else {
                return Ok(());
            };
            if schema == Schema::V3
                && let Some(raw) = raw
            {
                if let Some(first) = seen.get(&raw) {
                    return Err(at(
                        mark,
                        format!("mapping key {raw:?} already defined at line {first}"),
                    ));
                }
                seen.insert(raw, mark.line());
            }
            *slot = Some(key);
            return Ok(());
        };
        let Some(Frame::Mapping { map, merges, .. }) = self.stack.last_mut() else {
            return Ok(());
        };
        match pending {
            Key::Dropped => {}
            Key::Name(name) => {
                map.insert(name, node.value);
            }
            Key::Merge => {
                let sources = merge_sources(node.value).ok_or_else(|| {
                    at(
                        mark,
                        "map merge requires map or sequence of maps as the value".into(),
                    )
                })?;
                match schema {
                    Schema::V3 => merges.extend(sources),
                    // go-yaml v2 merges in place, later sources first, so
                    // earlier sources and later keys win.
                    Schema::V2 => {
                        for source in sources.into_iter().rev() {
                            map.extend(source);
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// The maps a merge key's value contributes, in precedence order.
fn merge_sources(value: Value) -> Option<Vec<Map<String, Value>>> {
    match value {
        Value::Object(map) => Some(vec![map]),
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::Object(map) => Some(map),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}
