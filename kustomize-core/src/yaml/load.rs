//! Builds `serde_json::Value`s from YAML parser events: resolves scalars,
//! expands aliases and merge keys, and enforces the size and depth bounds.

use super::YamlError;
use super::block;
use super::convert::{self, Key};
use super::event::{Event, Mark};
use super::folded::kyaml_folded_round_trip;
use super::leniency::{MAX_REWRITES, rewrite_for};
use super::parser_events::{ParserEvents, ParserFailure, mark_of};
use super::resolve::{Scalar, Schema};
use saphyr_parser::{ScalarStyle, ScanError, Tag};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::HashMap;

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
#[derive(Debug, PartialEq)]
pub(crate) struct Document {
    /// The document as JSON.
    pub(crate) value: Value,
    /// Where a mapping holds a key with no value at all (`key:`), as
    /// opposed to an explicit `null` or `~`: kustomize's strategic merge
    /// drops those fields where it walks (maps, and lists it merges by
    /// key), not inside lists it replaces. Recorded for go-yaml v3
    /// documents only.
    pub(crate) empty_fields: Vec<FieldPath>,
    /// The source text of the plain scalars in `metadata.annotations` whose
    /// value is not that text as a string (`0x10`, `~`, `True`, a date):
    /// kustomize writes annotations back from their text. Recorded for
    /// go-yaml v3 documents only.
    pub(crate) annotation_texts: Vec<AnnotationText>,
}

/// The source text of one annotation's value (see [`Document::annotation_texts`]).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AnnotationText {
    /// The annotation's key.
    pub(crate) key: String,
    /// Its value as written.
    pub(crate) text: String,
    /// Its value as read.
    pub(crate) value: Value,
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
///
/// The fast block-subset scanner reads the input first; anything it does not
/// cover, and any error, sends the input to the full parser, which is the
/// one whose results and errors count.
pub(crate) fn load(src: &str, schema: Schema, single: bool) -> Result<Vec<Document>, YamlError> {
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    // go-yaml reads a raw NEL as a line feed (YAML 1.1); the parser here
    // follows YAML 1.2, where it is content.
    let src = if memchr::memmem::find(src.as_bytes(), "\u{85}".as_bytes()).is_some() {
        Cow::Owned(src.replace('\u{85}', "\n"))
    } else {
        Cow::Borrowed(src)
    };
    match load_block_subset(&src, schema, single) {
        Some(docs) => Ok(docs),
        None => load_full(src, schema, single),
    }
}

/// Parses the documents of `src` (without a byte order mark or raw NEL)
/// with the full parser.
pub(super) fn load_full(
    mut src: Cow<'_, str>,
    schema: Schema,
    single: bool,
) -> Result<Vec<Document>, YamlError> {
    let mut rewrites = 0;
    loop {
        match load_with_parser(&src, schema, single) {
            Ok(docs) => return Ok(docs),
            Err(ParserFailure::Yaml(e)) => return Err(e),
            Err(ParserFailure::Scan(e)) => match rewrite_for(&src, &e) {
                Some((range, text)) if rewrites < MAX_REWRITES => {
                    src.to_mut().replace_range(range, &text);
                    rewrites += 1;
                }
                _ => return Err(scan_error(e)),
            },
        }
    }
}

/// The documents of `src` as the block-subset scanner reads them; `None`
/// when it does not cover the input or the loader finds an error (the full
/// parser then reads it, and reports errors where go-yaml does).
pub(super) fn load_block_subset(src: &str, schema: Schema, single: bool) -> Option<Vec<Document>> {
    let mut loader = Loader::new(src.len(), schema, single);
    // Events carry no position: any error goes to the full parser.
    let covered = block::scan(src, &mut |event| {
        loader
            .event(event, Mark::default())
            .map(drop)
            .map_err(|_| block::Uncovered)
    });
    covered.ok().map(|()| std::mem::take(&mut loader.docs))
}

fn load_with_parser(
    src: &str,
    schema: Schema,
    single: bool,
) -> Result<Vec<Document>, ParserFailure> {
    let mut events = ParserEvents::new(src);
    let mut loader = Loader::new(src.len(), schema, single);
    while let Some(next) = events.next_event() {
        let (event, mark) = match next {
            Ok(next) => next,
            // go-yaml reads one document and never looks past its root:
            // whatever follows a finished flow collection is not read.
            Err(ParserFailure::Scan(_)) if single && loader.has_finished_root() => {
                loader.finish_document();
                break;
            }
            Err(failure) => return Err(failure),
        };
        if loader.event(event, mark)? == Progress::Done {
            break;
        }
    }
    Ok(std::mem::take(&mut loader.docs))
}

fn scan_error(e: ScanError) -> YamlError {
    mark_of(e.marker()).error(e.info().to_string())
}

/// A finished node in the key position of a mapping.
struct KeyNode {
    /// The resolved scalar; `None` for an alias of a collection.
    scalar: Option<Scalar>,
    /// The scalar's source text when it is not a string (messages and
    /// top-level keys use it).
    raw: Option<String>,
    /// Written out, not an alias.
    written: bool,
}

impl KeyNode {
    /// A key not written out as a scalar: an alias, or a collection.
    fn unwritten(scalar: Option<Scalar>) -> Self {
        KeyNode {
            scalar,
            raw: None,
            written: false,
        }
    }
}

/// What an anchor refers to.
struct Anchored {
    value: Value,
    scalar: Option<Scalar>,
    nodes: usize,
    /// Scalar bytes of the value, as [`Loader::bytes`] counts them.
    bytes: usize,
}

/// One entry of a mapping being read.
struct Entry {
    key: String,
    value: Value,
    /// Where the key is.
    mark: Mark,
    /// go-yaml v3 refuses a repeated key written out (not an alias).
    unique: bool,
}

/// A key waiting for its value.
struct PendingKey {
    key: Key,
    mark: Mark,
    unique: bool,
}

enum Frame {
    Sequence {
        /// Where this sequence's items start in [`Scratch::items`].
        first_item: usize,
        anchor: usize,
        first_node: usize,
        /// [`Loader::bytes`] when the collection opened.
        first_byte: usize,
        flow: bool,
        /// Inside a pair kyaml drops: nothing here reaches JSON.
        discarded: bool,
    },
    Mapping {
        /// Where this mapping's entries start in [`Scratch::entries`]; a
        /// repeated key (v2) is inserted again when the map is built,
        /// replacing the value in place.
        first_entry: usize,
        anchor: usize,
        first_node: usize,
        /// [`Loader::bytes`] when the collection opened.
        first_byte: usize,
        /// Inside a flow collection (`{…}`, `[…]`).
        flow: bool,
        /// Inside a pair kyaml drops: nothing here reaches JSON.
        discarded: bool,
        key: Option<PendingKey>,
        /// `<<` keys met so far (kyaml consumes the first; see [`Loader::merge_key`]).
        merge_keys: usize,
        /// Whether a plain `<<` merged into this mapping already.
        merged: bool,
        /// Merge sources in precedence order (v3 applies them at the end).
        merges: Vec<Map<String, Value>>,
    },
}

/// Whether the loader wants more events.
#[derive(PartialEq, Eq)]
enum Progress {
    More,
    /// The one document asked for is read.
    Done,
}

struct Loader {
    schema: Schema,
    /// Only the first document is wanted.
    single: bool,
    stack: Vec<Frame>,
    /// The children of the open collections.
    scratch: Scratch,
    anchors: HashMap<usize, Anchored>,
    nodes: usize,
    limit: usize,
    /// Scalar bytes read so far, aliases counted each time they are used.
    bytes: usize,
    byte_limit: usize,
    root: Option<Value>,
    /// The current document's [`Document::empty_fields`].
    empty_fields: Vec<FieldPath>,
    /// The current document's [`Document::annotation_texts`].
    annotation_texts: Vec<AnnotationText>,
    docs: Vec<Document>,
}

/// The loader's working vectors, kept between the documents a thread reads
/// (a build reads thousands of small ones).
#[derive(Default)]
struct Scratch {
    /// Items of the open sequences, innermost last.
    items: Vec<Value>,
    /// Entries of the open mappings, innermost last.
    entries: Vec<Entry>,
    /// Scratch space of [`build_map`].
    key_marks: Vec<Option<Mark>>,
}

/// Most items, entries and key marks a thread keeps room for between
/// documents (at most 320 KiB): ordinary documents need a few dozen at once.
const MAX_KEPT_SCRATCH: usize = 4096;

thread_local! {
    static SCRATCH: std::cell::Cell<Scratch> = std::cell::Cell::new(Scratch::default());
}

impl Drop for Loader {
    fn drop(&mut self) {
        let mut scratch = std::mem::take(&mut self.scratch);
        // Left over by an error, and a bound on what a thread keeps.
        scratch.items.clear();
        scratch.entries.clear();
        scratch.key_marks.clear();
        let room =
            scratch.items.capacity() + scratch.entries.capacity() + scratch.key_marks.capacity();
        if room <= MAX_KEPT_SCRATCH {
            SCRATCH.set(scratch);
        }
    }
}

impl Loader {
    fn new(input_len: usize, schema: Schema, single: bool) -> Self {
        Loader {
            schema,
            single,
            stack: Vec::new(),
            scratch: SCRATCH.take(),
            anchors: HashMap::new(),
            nodes: 0,
            limit: node_limit(input_len),
            bytes: 0,
            byte_limit: byte_limit(input_len),
            root: None,
            empty_fields: Vec::new(),
            annotation_texts: Vec::new(),
            docs: Vec::new(),
        }
    }

    /// Whether the current document's root node is complete.
    fn has_finished_root(&self) -> bool {
        self.stack.is_empty() && self.root.is_some()
    }

    /// Keeps the document just read, unless it is empty or null.
    fn finish_document(&mut self) {
        let empty_fields = std::mem::take(&mut self.empty_fields);
        let annotation_texts = std::mem::take(&mut self.annotation_texts);
        if let Some(value) = self.root.take()
            && !value.is_null()
        {
            self.docs.push(Document {
                value,
                empty_fields,
                annotation_texts,
            });
        }
    }

    /// Records that the scalar about to be delivered is the empty value of
    /// a mapping key (see [`Document::empty_fields`]).
    fn record_empty_field(&mut self) {
        let mut path = Vec::with_capacity(self.stack.len());
        // Each collection's children start where the next one's do.
        let mut items_end = self.scratch.items.len();
        let mut item_counts = Vec::new();
        for frame in self.stack.iter().rev() {
            if let Frame::Sequence { first_item, .. } = frame {
                item_counts.push(items_end - first_item);
                items_end = *first_item;
            }
        }
        for frame in &self.stack {
            match frame {
                Frame::Sequence {
                    discarded: false, ..
                } => path.push(PathSegment::Index(item_counts.pop().unwrap_or_default())),
                Frame::Mapping {
                    key:
                        Some(PendingKey {
                            key: Key::Name(name),
                            ..
                        }),
                    discarded: false,
                    ..
                } => path.push(PathSegment::Key(name.clone())),
                // Inside a merge source or a dropped pair: not a field.
                _ => return,
            }
        }
        self.empty_fields.push(path);
    }

    fn event(&mut self, event: Event<'_>, mark: Mark) -> Result<Progress, YamlError> {
        match event {
            Event::DocumentStart => {
                self.anchors.clear();
                self.root = None;
                self.empty_fields.clear();
                self.annotation_texts.clear();
            }
            Event::DocumentEnd => {
                self.finish_document();
                if self.single {
                    return Ok(Progress::Done);
                }
            }
            Event::Scalar {
                text,
                style,
                anchor,
                tag,
                multi_line_simple,
            } => {
                if multi_line_simple && self.expects_key() && self.in_flow() {
                    return Err(mark.error("did not find expected ',' or '}'".into()));
                }
                self.scalar(text, style, anchor, tag.as_deref(), mark)?;
            }
            Event::Alias(id) => {
                let Some(target) = self.anchors.get(&id) else {
                    return Err(mark.error("unknown anchor referenced".into()));
                };
                let (nodes, bytes) = (target.nodes, target.bytes);
                // Counted before the copy: the limit must stop a bomb
                // before it is built.
                self.count(nodes, bytes, mark)?;
                let target = &self.anchors[&id];
                if self.expects_key() {
                    let scalar = target.scalar.clone();
                    self.deliver_key(KeyNode::unwritten(scalar), mark)?;
                } else {
                    let value = target.value.clone();
                    self.deliver(value, mark)?;
                }
            }
            Event::SequenceStart { anchor, flow } => {
                self.open(mark)?;
                let flow = self.in_flow() || flow;
                let discarded = self.discarding();
                self.stack.push(Frame::Sequence {
                    first_item: self.scratch.items.len(),
                    anchor,
                    first_node: self.nodes - 1,
                    first_byte: self.bytes,
                    flow,
                    discarded,
                });
            }
            Event::MappingStart { anchor, flow } => {
                self.open(mark)?;
                let flow = self.in_flow() || flow;
                let discarded = self.discarding();
                self.stack.push(Frame::Mapping {
                    first_entry: self.scratch.entries.len(),
                    anchor,
                    first_node: self.nodes - 1,
                    first_byte: self.bytes,
                    flow,
                    discarded,
                    key: None,
                    merge_keys: 0,
                    merged: false,
                    merges: Vec::new(),
                });
            }
            Event::CollectionEnd => self.close(mark)?,
        }
        Ok(Progress::More)
    }

    /// Closes the innermost collection and delivers it.
    fn close(&mut self, mark: Mark) -> Result<(), YamlError> {
        let (value, anchor, first_node, first_byte) = match self.stack.pop() {
            Some(Frame::Sequence {
                first_item,
                anchor,
                first_node,
                first_byte,
                ..
            }) => {
                // Collected at its exact size: a build holds thousands of these.
                let items: Vec<Value> = self.scratch.items.drain(first_item..).collect();
                (Value::Array(items), anchor, first_node, first_byte)
            }
            Some(Frame::Mapping {
                first_entry,
                anchor,
                first_node,
                first_byte,
                merges,
                ..
            }) => {
                let entries = self.scratch.entries.drain(first_entry..);
                let map = build_map(entries, merges, &mut self.scratch.key_marks)?;
                (Value::Object(map), anchor, first_node, first_byte)
            }
            None => return Err(mark.error("unbalanced collection end".into())),
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

    /// Reads a scalar event. A key keeps its resolved scalar and source text
    /// (its JSON value is only checked); any other scalar its JSON value. An
    /// anchored scalar keeps both, for its aliases.
    fn scalar(
        &mut self,
        text: Cow<'_, str>,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<&Tag>,
        mark: Mark,
    ) -> Result<(), YamlError> {
        self.count(1, text.len(), mark)?;
        let text = match style {
            ScalarStyle::Folded if self.schema == Schema::V3 => {
                Cow::Owned(kyaml_folded_round_trip(&text))
            }
            _ => text,
        };
        let bytes = text.len();
        let is_key = self.expects_key();
        let annotation = (self.schema == Schema::V3 && style == ScalarStyle::Plain && !is_key)
            .then(|| self.annotation_key())
            .flatten()
            .map(|key| (key.to_owned(), text.clone().into_owned()));
        // Cheap: a key's text is nearly always borrowed from the input.
        let key_text = is_key.then(|| text.clone());
        let empty_plain = text.is_empty() && style == ScalarStyle::Plain && tag.is_none();
        let typed = if self.is_missing_flow_value(empty_plain) {
            Ok(Scalar::Str(String::new()))
        } else {
            convert::scalar(text, style, tag, self.schema)
        }
        .and_then(|scalar| {
            if is_key && anchor == 0 {
                // A string key's characters are checked with the key.
                if !matches!(scalar, Scalar::Str(_)) {
                    convert::check_scalar(&scalar, self.schema)?;
                }
                return Ok((Some(scalar), Value::Null));
            }
            let kept = (is_key || anchor > 0).then(|| scalar.clone());
            Ok((kept, convert::scalar_value(scalar, self.schema)?))
        });
        let (scalar, value) = match typed {
            Ok(typed) => typed,
            // kyaml drops the pair before converting it: no error.
            Err(_) if self.discarding() => (Some(Scalar::Null), Value::Null),
            Err(m) => return Err(mark.error(m)),
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
        if let Some((key, text)) = annotation
            && value.as_str() != Some(&text)
        {
            let value = value.clone();
            self.annotation_texts
                .push(AnnotationText { key, text, value });
        }
        if is_key {
            let raw = match scalar {
                Some(Scalar::Str(_)) => None,
                _ => key_text.map(Cow::into_owned),
            };
            let node = KeyNode {
                scalar,
                raw,
                written: true,
            };
            return self.deliver_key(node, mark);
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

    /// The key of the annotation whose value comes next, when it comes at
    /// `metadata.annotations.<key>` of the document (outside dropped pairs).
    fn annotation_key(&self) -> Option<&str> {
        // The document's mapping, its `metadata`, and `annotations`.
        let [root, metadata, annotations] = self.stack.as_slice() else {
            return None;
        };
        (pending_name(root)? == "metadata" && pending_name(metadata)? == "annotations")
            .then(|| pending_name(annotations))
            .flatten()
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
                *discarded
                    || matches!(
                        key,
                        Some(PendingKey {
                            key: Key::Dropped,
                            ..
                        })
                    )
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
    fn count(&mut self, nodes: usize, bytes: usize, mark: Mark) -> Result<(), YamlError> {
        self.nodes = self.nodes.saturating_add(nodes);
        self.bytes = self.bytes.saturating_add(bytes);
        if self.nodes > self.limit {
            return Err(mark.error(format!(
                "document expands to more than {} nodes (too many alias expansions)",
                self.limit
            )));
        }
        if self.bytes > self.byte_limit {
            return Err(mark.error(format!(
                "document expands to more than {} bytes of scalars (too many alias expansions)",
                self.byte_limit
            )));
        }
        Ok(())
    }

    fn open(&mut self, mark: Mark) -> Result<(), YamlError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(mark.error(format!("document nests deeper than {MAX_DEPTH} levels")));
        }
        if let Some(Frame::Mapping { key: None, .. }) = self.stack.last() {
            return Err(mark.error("invalid map key: a collection cannot be a key".into()));
        }
        self.count(1, 0, mark)
    }

    /// kyaml's handling of `<<` keys in a resource mapping: the first one is
    /// taken out before decoding (merged when plain, dropped when quoted or
    /// `!!str`); later quoted ones are ordinary keys, and a second plain one
    /// is an error.
    fn merge_key(&mut self, key: Key, mark: Mark) -> Result<Key, YamlError> {
        let Some(Frame::Mapping {
            merge_keys, merged, ..
        }) = self.stack.last_mut()
        else {
            return Ok(key);
        };
        *merge_keys += 1;
        let first = *merge_keys == 1;
        match key {
            Key::Merge if *merged => Err(mark.error("duplicate merge key".into())),
            Key::Merge => {
                *merged = true;
                Ok(Key::Merge)
            }
            Key::Dropped if first => Ok(Key::Dropped),
            _ => Ok(Key::Name("<<".into())),
        }
    }

    /// Takes a finished key for the enclosing mapping's next entry.
    fn deliver_key(&mut self, node: KeyNode, mark: Mark) -> Result<(), YamlError> {
        let schema = self.schema;
        let discarded = self.discarding();
        let at_root = self.stack.len() == 1;
        let key = match convert::key(node.scalar, node.raw.as_deref(), schema, at_root) {
            Ok(key) => key,
            Err(_) if discarded => Key::Dropped,
            Err(m) => return Err(mark.error(m)),
        };
        let key = match (schema, key) {
            (Schema::V3, key @ (Key::Merge | Key::Dropped)) => self.merge_key(key, mark)?,
            (_, key) => key,
        };
        let unique =
            schema == Schema::V3 && !discarded && matches!(key, Key::Name(_)) && node.written;
        if let Some(Frame::Mapping { key: slot, .. }) = self.stack.last_mut() {
            *slot = Some(PendingKey { key, mark, unique });
        }
        Ok(())
    }

    /// Attaches a finished value to the enclosing collection or the document.
    fn deliver(&mut self, value: Value, mark: Mark) -> Result<(), YamlError> {
        let schema = self.schema;
        let pending = match self.stack.last_mut() {
            None => {
                self.root = Some(value);
                return Ok(());
            }
            Some(Frame::Sequence { .. }) => {
                self.scratch.items.push(value);
                return Ok(());
            }
            Some(Frame::Mapping { key, .. }) => key.take(),
        };
        let discarded = self.discarding();
        let Some(pending) = pending else {
            // Only a collection comes here as a key, and `open` refuses it.
            return self.deliver_key(KeyNode::unwritten(None), mark);
        };
        let Some(Frame::Mapping { merges, .. }) = self.stack.last_mut() else {
            return Ok(());
        };
        match pending.key {
            Key::Dropped => {}
            Key::Name(key) => self.scratch.entries.push(Entry {
                key,
                value,
                mark: pending.mark,
                unique: pending.unique,
            }),
            Key::Merge => {
                let Some(sources) = merge_sources(value) else {
                    if discarded {
                        return Ok(());
                    }
                    return Err(mark
                        .error("map merge requires map or sequence of maps as the value".into()));
                };
                match schema {
                    Schema::V3 => merges.extend(sources),
                    // go-yaml v2 merges in place, later sources first, so
                    // earlier sources and later keys win.
                    Schema::V2 => {
                        for source in sources.into_iter().rev() {
                            self.scratch
                                .entries
                                .extend(source.into_iter().map(|(key, value)| Entry {
                                    key,
                                    value,
                                    mark,
                                    unique: false,
                                }));
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// The key a mapping frame waits to give a value, unless it is in a pair
/// kyaml drops.
fn pending_name(frame: &Frame) -> Option<&str> {
    match frame {
        Frame::Mapping {
            key:
                Some(PendingKey {
                    key: Key::Name(name),
                    ..
                }),
            discarded: false,
            ..
        } => Some(name),
        _ => None,
    }
}

/// A mapping's JSON object: its entries in order, then (go-yaml v3) the keys
/// of its merge sources it lacks. Built at its exact size when nothing is
/// merged: a build holds thousands of these at once. A repeated key that
/// must be unique is an error naming both lines; `key_marks` is scratch
/// space (where each key of the map was written, when it must be unique).
fn build_map(
    entries: impl ExactSizeIterator<Item = Entry>,
    merges: Vec<Map<String, Value>>,
    key_marks: &mut Vec<Option<Mark>>,
) -> Result<Map<String, Value>, YamlError> {
    let mut map = Map::with_capacity(entries.len());
    key_marks.clear();
    for entry in entries {
        if !entry.unique {
            map.insert(entry.key, entry.value);
            key_marks.resize(map.len(), None);
            continue;
        }
        let repeated = match map.entry(entry.key) {
            serde_json::map::Entry::Vacant(slot) => {
                slot.insert(entry.value);
                key_marks.push(Some(entry.mark));
                continue;
            }
            serde_json::map::Entry::Occupied(mut slot) => {
                slot.insert(entry.value);
                slot.key().clone()
            }
        };
        let position = map.keys().position(|k| *k == repeated);
        if let Some(first) = position.and_then(|p| key_marks[p]) {
            return Err(entry.mark.error(format!(
                "mapping key {repeated:?} already defined at line {}",
                first.line
            )));
        }
    }
    if merges.is_empty() {
        return Ok(map);
    }
    for source in merges {
        for (k, v) in source {
            if !map.contains_key(&k) {
                map.insert(k, v);
            }
        }
    }
    // Rebuilt at its exact size: merged keys grew it.
    Ok(map.into_iter().collect())
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
