//! Builds `serde_json::Value`s from YAML parser events: resolves scalars,
//! expands aliases and merge keys, and enforces the size and depth bounds.

use super::YamlError;
use super::convert::{self, Key};
use super::folded::kyaml_folded_round_trip;
use super::leniency::{MAX_REWRITES, rewrite_for};
use super::resolve::{Scalar, Schema};
use super::source::SourceChars;
use saphyr_parser::{Event, Marker, Parser, ScalarStyle, ScanError, Span, Tag};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// Deepest nesting of collections accepted.
pub const MAX_DEPTH: usize = 1000;

/// Most nodes a document stream may expand to through aliases: ten per
/// input byte, and at least a million.
fn node_limit(input_len: usize) -> usize {
    input_len.saturating_mul(10).max(1_000_000)
}

/// Most scalar bytes a document stream may expand to through aliases: ten
/// times the input, and at least 64 MiB.
fn byte_limit(input_len: usize) -> usize {
    input_len.saturating_mul(10).max(64 << 20)
}

/// One parsed document.
pub(crate) struct Document {
    /// The document as JSON.
    pub(crate) value: Value,
    /// Where a mapping holds a key with no value at all (`key:`), as
    /// opposed to an explicit `null` or `~`: kustomize's strategic merge
    /// drops those fields where it walks (maps, and lists it merges by
    /// key), not inside lists it replaces. Recorded for go-yaml v3
    /// documents only.
    pub(crate) empty_fields: Vec<FieldPath>,
}

/// The place of a value in a document: map keys and list indices.
pub type FieldPath = Vec<PathSegment>;

/// One step of a [`FieldPath`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    /// A map key.
    Key(String),
    /// A list index.
    Index(usize),
}

/// Parses the documents of `src`; `single` stops after the first one.
pub(crate) fn load(src: &str, schema: Schema, single: bool) -> Result<Vec<Document>, YamlError> {
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    // go-yaml reads a raw NEL as a line feed (YAML 1.1); the parser here
    // follows YAML 1.2, where it is content.
    let mut src = if src.contains('\u{85}') {
        Cow::Owned(src.replace('\u{85}', "\n"))
    } else {
        Cow::Borrowed(src)
    };
    let mut rewrites = 0;
    loop {
        match load_once(&src, schema, single) {
            Ok(docs) => return Ok(docs),
            Err(Failure::Yaml(e)) => return Err(e),
            Err(Failure::Scan(e)) => match rewrite_for(&src, &e) {
                Some((range, text)) if rewrites < MAX_REWRITES => {
                    src.to_mut().replace_range(range, &text);
                    rewrites += 1;
                }
                _ => return Err(scan_error(e)),
            },
        }
    }
}

enum Failure {
    Yaml(YamlError),
    /// The parser stopped; the input may still be one go-yaml accepts.
    Scan(ScanError),
}

impl From<YamlError> for Failure {
    fn from(e: YamlError) -> Self {
        Failure::Yaml(e)
    }
}

fn load_once(src: &str, schema: Schema, single: bool) -> Result<Vec<Document>, Failure> {
    let mut parser = Parser::new_from_str(src);
    let mut loader = Loader {
        source: SourceChars::new(src),
        schema,
        stack: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        limit: node_limit(src.len()),
        bytes: 0,
        byte_limit: byte_limit(src.len()),
        root: None,
        empty_fields: Vec::new(),
    };
    let mut docs = Vec::new();
    while let Some(next) = parser.next_event() {
        let (event, span) = match next {
            Ok(next) => next,
            // go-yaml reads one document and never looks past its root:
            // whatever follows a finished flow collection is not read.
            Err(_) if single && loader.stack.is_empty() && loader.root.is_some() => {
                docs.extend(loader.finish_document());
                break;
            }
            Err(e) => return Err(Failure::Scan(e)),
        };
        match event {
            Event::DocumentStart(_) => {
                loader.anchors.clear();
                loader.root = None;
                loader.empty_fields.clear();
            }
            Event::DocumentEnd => {
                docs.extend(loader.finish_document());
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

/// A finished node in the key position of a mapping.
struct KeyNode {
    /// The resolved scalar; `None` for an alias of a collection.
    scalar: Option<Scalar>,
    /// The scalar's source text, for duplicate-key detection; `None` for an alias.
    raw: Option<String>,
}

/// What an anchor refers to.
struct Anchored {
    value: Value,
    scalar: Option<Scalar>,
    nodes: usize,
    /// Scalar bytes of the value, as [`Loader::bytes`] counts them.
    bytes: usize,
}

enum Frame {
    Sequence {
        items: Vec<Value>,
        anchor: usize,
        first_node: usize,
        /// [`Loader::bytes`] when the collection opened.
        first_byte: usize,
        flow: bool,
        /// Inside a pair kyaml drops: nothing here reaches JSON.
        discarded: bool,
    },
    Mapping {
        /// The entries so far, in order; a repeated key (v2) is inserted
        /// again when the map is built, replacing the value in place.
        entries: Vec<(String, Value)>,
        anchor: usize,
        first_node: usize,
        /// [`Loader::bytes`] when the collection opened.
        first_byte: usize,
        /// Inside a flow collection (`{…}`, `[…]`).
        flow: bool,
        /// Inside a pair kyaml drops: nothing here reaches JSON.
        discarded: bool,
        key: Option<Key>,
        /// Source text of each key so far and its line (v3 duplicate check).
        seen: HashMap<String, usize>,
        /// `<<` keys met so far (kyaml consumes the first; see [`Loader::merge_key`]).
        merge_keys: usize,
        /// Whether a plain `<<` merged into this mapping already.
        merged: bool,
        /// Merge sources in precedence order (v3 applies them at the end).
        merges: Vec<Map<String, Value>>,
    },
}

struct Loader<'a> {
    source: SourceChars<'a>,
    schema: Schema,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Anchored>,
    nodes: usize,
    limit: usize,
    /// Scalar bytes read so far, aliases counted each time they are used.
    bytes: usize,
    byte_limit: usize,
    root: Option<Value>,
    /// The current document's [`Document::empty_fields`].
    empty_fields: Vec<FieldPath>,
}

impl Loader<'_> {
    /// The document just read, unless it is empty or null.
    fn finish_document(&mut self) -> Option<Document> {
        let empty_fields = std::mem::take(&mut self.empty_fields);
        let value = self.root.take()?;
        (!value.is_null()).then_some(Document {
            value,
            empty_fields,
        })
    }

    /// Records that the scalar about to be delivered is the empty value of
    /// a mapping key (see [`Document::empty_fields`]).
    fn record_empty_field(&mut self) {
        let mut path = Vec::with_capacity(self.stack.len());
        for frame in &self.stack {
            match frame {
                Frame::Sequence {
                    items,
                    discarded: false,
                    ..
                } => path.push(PathSegment::Index(items.len())),
                Frame::Mapping {
                    key: Some(Key::Name(name)),
                    discarded: false,
                    ..
                } => path.push(PathSegment::Key(name.clone())),
                // Inside a merge source or a dropped pair: not a field.
                _ => return,
            }
        }
        self.empty_fields.push(path);
    }

    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), YamlError> {
        let mark = &span.start;
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                self.scalar(text, style, anchor, tag.as_deref(), &span)
            }
            Event::Alias(id) => {
                let Some(target) = self.anchors.get(&id) else {
                    return Err(at(mark, "unknown anchor referenced".into()));
                };
                let (nodes, bytes) = (target.nodes, target.bytes);
                // Counted before the copy: the limit must stop a bomb
                // before it is built.
                self.count(nodes, bytes, mark)?;
                let target = &self.anchors[&id];
                if self.expects_key() {
                    let scalar = target.scalar.clone();
                    self.deliver_key(KeyNode { scalar, raw: None }, mark)
                } else {
                    let value = target.value.clone();
                    self.deliver(value, mark)
                }
            }
            Event::SequenceStart(anchor, _) => {
                self.open(mark)?;
                let flow = self.in_flow() || self.source.opens_flow(&span.end);
                let discarded = self.discarding();
                self.stack.push(Frame::Sequence {
                    items: Vec::new(),
                    anchor,
                    first_node: self.nodes - 1,
                    first_byte: self.bytes,
                    flow,
                    discarded,
                });
                Ok(())
            }
            Event::MappingStart(anchor, _) => {
                self.open(mark)?;
                let flow = self.in_flow() || self.source.opens_flow(&span.end);
                let discarded = self.discarding();
                self.stack.push(Frame::Mapping {
                    entries: Vec::new(),
                    anchor,
                    first_node: self.nodes - 1,
                    first_byte: self.bytes,
                    flow,
                    discarded,
                    key: None,
                    seen: HashMap::new(),
                    merge_keys: 0,
                    merged: false,
                    merges: Vec::new(),
                });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (value, anchor, first_node, first_byte) = match self.stack.pop() {
                    Some(Frame::Sequence {
                        mut items,
                        anchor,
                        first_node,
                        first_byte,
                        ..
                    }) => {
                        items.shrink_to_fit();
                        (Value::Array(items), anchor, first_node, first_byte)
                    }
                    Some(Frame::Mapping {
                        entries,
                        anchor,
                        first_node,
                        first_byte,
                        merges,
                        ..
                    }) => {
                        let map = build_map(entries, merges);
                        (Value::Object(map), anchor, first_node, first_byte)
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
                            bytes: self.bytes - first_byte,
                        },
                    );
                }
                self.deliver(value, mark)
            }
            Event::StreamStart
            | Event::StreamEnd
            | Event::Nothing
            | Event::DocumentStart(_)
            | Event::DocumentEnd => Ok(()),
        }
    }

    /// Reads a scalar event. A key keeps its resolved scalar and source text
    /// (its JSON value is only checked); any other scalar its JSON value. An
    /// anchored scalar keeps both, for its aliases.
    fn scalar(
        &mut self,
        text: Cow<'_, str>,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<&Tag>,
        span: &Span,
    ) -> Result<(), YamlError> {
        let mark = &span.start;
        self.count(1, text.len(), mark)?;
        if style == ScalarStyle::DoubleQuoted {
            self.source
                .check_escapes(span)
                .map_err(|m| at(&span.start, m.into()))?;
        }
        if self.is_multi_line_flow_key(span) {
            return Err(at(mark, "did not find expected ',' or '}'".into()));
        }
        let text = self.unterminated_block_scalar(text, style, span);
        let text = match style {
            ScalarStyle::Folded if self.schema == Schema::V3 => {
                Cow::Owned(kyaml_folded_round_trip(&text))
            }
            _ => text,
        };
        let bytes = text.len();
        let is_key = self.expects_key();
        let raw = is_key.then(|| text.to_string());
        let empty_plain = text.is_empty() && style == ScalarStyle::Plain && tag.is_none();
        let typed = if self.is_missing_flow_value(empty_plain) {
            Ok(Scalar::Str(String::new()))
        } else {
            convert::scalar(text, style, tag, self.schema)
        }
        .and_then(|scalar| {
            if is_key && anchor == 0 {
                convert::check_scalar(&scalar, self.schema)?;
                return Ok((Some(scalar), Value::Null));
            }
            let kept = (is_key || anchor > 0).then(|| scalar.clone());
            Ok((kept, convert::scalar_value(scalar, self.schema)?))
        });
        let (scalar, value) = match typed {
            Ok(typed) => typed,
            // kyaml drops the pair before converting it: no error.
            Err(_) if self.discarding() => (Some(Scalar::Null), Value::Null),
            Err(m) => return Err(at(mark, m)),
        };
        if anchor > 0 {
            self.anchors.insert(
                anchor,
                Anchored {
                    value: value.clone(),
                    scalar: scalar.clone(),
                    nodes: 1,
                    bytes,
                },
            );
        }
        if is_key {
            return self.deliver_key(KeyNode { scalar, raw }, mark);
        }
        let is_empty_value = self.schema == Schema::V3
            && empty_plain
            && value.is_null()
            && matches!(self.stack.last(), Some(Frame::Mapping { key: Some(_), .. }));
        if is_empty_value {
            self.record_empty_field();
        }
        self.deliver(value, mark)
    }

    /// Whether the next node is the key of a mapping entry.
    fn expects_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Mapping { key: None, .. }))
    }

    /// Whether the next node lands in a pair kyaml drops (a quoted `<<`).
    fn discarding(&self) -> bool {
        match self.stack.last() {
            Some(Frame::Sequence { discarded, .. }) => *discarded,
            Some(Frame::Mapping { discarded, key, .. }) => {
                *discarded || matches!(key, Some(Key::Dropped))
            }
            None => false,
        }
    }

    fn in_flow(&self) -> bool {
        match self.stack.last() {
            Some(Frame::Sequence { flow, .. } | Frame::Mapping { flow, .. }) => *flow,
            None => false,
        }
    }

    /// Whether the scalar at `span` is an implicit key of a flow mapping
    /// spanning lines, which go-yaml refuses (its simple keys are one line).
    fn is_multi_line_flow_key(&self, span: &Span) -> bool {
        matches!(
            self.stack.last(),
            Some(Frame::Mapping {
                flow: true,
                key: None,
                ..
            })
        ) && span.start.line() != span.end.line()
            && !self.source.follows_question_mark(&span.start)
    }

    /// go-yaml ends a block scalar whose last line has no line break (the
    /// input stops there) without one; the parser here adds it.
    fn unterminated_block_scalar<'t>(
        &self,
        text: Cow<'t, str>,
        style: ScalarStyle,
        span: &Span,
    ) -> Cow<'t, str> {
        let block = matches!(style, ScalarStyle::Literal | ScalarStyle::Folded);
        if block && text.ends_with('\n') && self.source.ends_unterminated_after(&span.end) {
            let mut text = text.into_owned();
            text.pop();
            Cow::Owned(text)
        } else {
            text
        }
    }

    /// kyaml reads a missing value in a flow mapping (`{a}`, `{a: }`) as an
    /// empty string, not null; `empty_plain` tells whether the scalar is
    /// empty, plain and untagged.
    fn is_missing_flow_value(&self, empty_plain: bool) -> bool {
        self.schema == Schema::V3
            && empty_plain
            && matches!(
                self.stack.last(),
                Some(Frame::Mapping {
                    flow: true,
                    key: Some(_),
                    ..
                })
            )
    }

    /// Counts `nodes` more nodes holding `bytes` scalar bytes, failing past
    /// the limits (alias bombs).
    fn count(&mut self, nodes: usize, bytes: usize, mark: &Marker) -> Result<(), YamlError> {
        self.nodes = self.nodes.saturating_add(nodes);
        self.bytes = self.bytes.saturating_add(bytes);
        if self.nodes > self.limit {
            return Err(at(
                mark,
                format!(
                    "document expands to more than {} nodes (too many alias expansions)",
                    self.limit
                ),
            ));
        }
        if self.bytes > self.byte_limit {
            return Err(at(
                mark,
                format!(
                    "document expands to more than {} bytes of scalars (too many alias expansions)",
                    self.byte_limit
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
        self.count(1, 0, mark)
    }

    /// kyaml's handling of `<<` keys in a resource mapping: the first one is
    /// taken out before decoding (merged when plain, dropped when quoted or
    /// `!!str`); later quoted ones are ordinary keys, and a second plain one
    /// is an error.
    fn merge_key(&mut self, key: Key, mark: &Marker) -> Result<Key, YamlError> {
        let Some(Frame::Mapping {
            merge_keys, merged, ..
        }) = self.stack.last_mut()
        else {
            return Ok(key);
        };
        *merge_keys += 1;
        let first = *merge_keys == 1;
        match key {
            Key::Merge if *merged => Err(at(mark, "duplicate merge key".into())),
            Key::Merge => {
                *merged = true;
                Ok(Key::Merge)
            }
            Key::Dropped if first => Ok(Key::Dropped),
            _ => Ok(Key::Name("<<".into())),
        }
    }

    /// Takes a finished key for the enclosing mapping's next entry.
    fn deliver_key(&mut self, node: KeyNode, mark: &Marker) -> Result<(), YamlError> {
        let schema = self.schema;
        let discarded = self.discarding();
        let at_root = self.stack.len() == 1;
        let key = match convert::key(node.scalar, node.raw.as_deref(), schema, at_root) {
            Ok(key) => key,
            Err(_) if discarded => Key::Dropped,
            Err(m) => return Err(at(mark, m)),
        };
        let key = match (schema, key) {
            (Schema::V3, key @ (Key::Merge | Key::Dropped)) => self.merge_key(key, mark)?,
            (_, key) => key,
        };
        let Some(Frame::Mapping {
            key: slot, seen, ..
        }) = self.stack.last_mut()
        else {
            return Ok(());
        };
        if schema == Schema::V3
            && !discarded
            && matches!(key, Key::Name(_))
            && let Some(raw) = node.raw
        {
            match seen.entry(raw) {
                Entry::Occupied(first) => {
                    let (raw, first) = (first.key(), first.get());
                    return Err(at(
                        mark,
                        format!("mapping key {raw:?} already defined at line {first}"),
                    ));
                }
                Entry::Vacant(slot) => {
                    slot.insert(mark.line());
                }
            }
        }
        *slot = Some(key);
        Ok(())
    }

    /// Attaches a finished value to the enclosing collection or the document.
    fn deliver(&mut self, value: Value, mark: &Marker) -> Result<(), YamlError> {
        let schema = self.schema;
        let pending = match self.stack.last_mut() {
            None => {
                self.root = Some(value);
                return Ok(());
            }
            Some(Frame::Sequence { items, .. }) => {
                items.push(value);
                return Ok(());
            }
            Some(Frame::Mapping { key, .. }) => key.take(),
        };
        let discarded = self.discarding();
        let Some(pending) = pending else {
            // Only a collection comes here as a key, and `open` refuses it.
            let scalar = None;
            return self.deliver_key(KeyNode { scalar, raw: None }, mark);
        };
        let Some(Frame::Mapping {
            entries, merges, ..
        }) = self.stack.last_mut()
        else {
            return Ok(());
        };
        match pending {
            Key::Dropped => {}
            Key::Name(name) => entries.push((name, value)),
            Key::Merge => {
                let Some(sources) = merge_sources(value) else {
                    if discarded {
                        return Ok(());
                    }
                    return Err(at(
                        mark,
                        "map merge requires map or sequence of maps as the value".into(),
                    ));
                };
                match schema {
                    Schema::V3 => merges.extend(sources),
                    // go-yaml v2 merges in place, later sources first, so
                    // earlier sources and later keys win.
                    Schema::V2 => {
                        for source in sources.into_iter().rev() {
                            entries.extend(source);
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// A mapping's JSON object: its entries in order, then (go-yaml v3) the keys
/// of its merge sources it lacks. Built at its exact size when nothing is
/// merged: a build holds thousands of these at once.
fn build_map(entries: Vec<(String, Value)>, merges: Vec<Map<String, Value>>) -> Map<String, Value> {
    let mut map = Map::with_capacity(entries.len());
    map.extend(entries);
    if merges.is_empty() {
        return map;
    }
    for source in merges {
        for (k, v) in source {
            if !map.contains_key(&k) {
                map.insert(k, v);
            }
        }
    }
    // Rebuilt at its exact size: merged keys grew it.
    map.into_iter().collect()
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
