//! Generic minimal-diff edits of a YAML mapping document: set a field,
//! append items to a list, remove items or fields, replace a field in
//! place. Each edit addresses a mapping by a path of keys and indices from
//! the top level, finds keys as kustomize reads them (`Node::get_ci`), keeps
//! block or flow style, and returns text that parses again.

use super::EditError;
use super::layout::{SeqStyle, colon_after, fill_null, pair_end, replace_value};
use super::text::{
    self, Context, Splice, column, eol, line_end, line_start, next_line, starts_line,
};
use super::tree::{self, Kind, Node};
use saphyr_parser::ScalarStyle;

/// A value to write.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum New {
    /// A string: plain when it reads back as this string, a literal block
    /// for multi-line text in block context, else double-quoted.
    Str(String),
    /// Scalar text written as it is (a number, or text kept from the file).
    Raw(String),
    /// A sequence.
    List(Vec<New>),
    /// A mapping, in this order.
    Map(Vec<(String, New)>),
}

impl New {
    /// The value of `node` as written in `text`: scalars keep their text
    /// (multi-line block scalars their value), collections their order.
    pub fn from_node(text: &str, node: &Node) -> New {
        match &node.kind {
            Kind::Scalar(v, ScalarStyle::Literal | ScalarStyle::Folded) => New::Str(v.clone()),
            Kind::Seq { items, .. } => {
                New::List(items.iter().map(|i| New::from_node(text, i)).collect())
            }
            Kind::Map { pairs, .. } => New::Map(
                pairs
                    .iter()
                    .map(|(k, v)| (text[k.start..k.end].to_owned(), New::from_node(text, v)))
                    .collect(),
            ),
            Kind::Scalar(..) | Kind::Alias => New::Raw(text[node.start..node.end].to_owned()),
        }
    }

    fn is_scalar(&self) -> bool {
        matches!(self, New::Str(_) | New::Raw(_))
    }

    /// The value in flow style.
    fn flow(&self) -> String {
        match self {
            New::Str(s) => text::scalar(s, ScalarStyle::Plain, Context::Flow),
            New::Raw(s) => s.clone(),
            New::List(items) => {
                let items: Vec<String> = items.iter().map(New::flow).collect();
                format!("[{}]", items.join(", "))
            }
            New::Map(pairs) => {
                let pairs: Vec<String> = pairs
                    .iter()
                    .map(|(k, v)| format!("{}: {}", key_text(k), v.flow()))
                    .collect();
                format!("{{{}}}", pairs.join(", "))
            }
        }
    }
}

/// A key as YAML text (keys read from the file are kept as written).
fn key_text(key: &str) -> String {
    text::scalar(key, ScalarStyle::Plain, Context::Flow)
}

/// One step of a path from the top-level mapping.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Step<'a> {
    /// The value of a key (found as kustomize reads it).
    Key(&'a str),
    /// An item of a sequence.
    Index(usize),
}

/// The path as a field name for messages, like `labels[0].pairs`.
fn field_name(path: &[Step], key: Option<&str>) -> String {
    let mut out = String::new();
    for step in path.iter().copied().chain(key.map(Step::Key)) {
        match step {
            Step::Key(k) if out.is_empty() => out.push_str(k),
            Step::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    if out.is_empty() {
        "the kustomization".into()
    } else {
        out
    }
}

/// How new block collections are indented, read off the file.
#[derive(Debug, Clone, Copy)]
struct Layout {
    /// Sequence items: dash offset from the key's column, and gap.
    seq: SeqStyle,
    /// Nested mapping keys: offset from the parent key's column.
    map: usize,
}

impl Layout {
    fn of(text: &str, root: Option<&Node>) -> Layout {
        let Some(root) = root else {
            return Layout {
                seq: SeqStyle { dash: 0, gap: 1 },
                map: 2,
            };
        };
        let map = match &root.kind {
            Kind::Map { pairs, flow: false } => pairs.iter().find_map(|(k, v)| match v.kind {
                Kind::Map { flow: false, .. } => column(text, v.start)
                    .checked_sub(column(text, k.start))
                    .filter(|&d| d > 0),
                _ => None,
            }),
            _ => None,
        };
        Layout {
            seq: SeqStyle::for_new_key(text, root, 0),
            map: map.unwrap_or(2),
        }
    }

    /// Lines (relative to column 0) of the pair `key: value` in block style.
    fn pair_lines(&self, key: &str, value: &New) -> Vec<String> {
        let key = key_text(key);
        match value {
            New::Str(s) if s.contains('\n') => match literal(s) {
                Some((header, body)) => {
                    let mut lines = vec![format!("{key}: {header}")];
                    lines.extend(body.iter().map(|l| indent(l, self.map)));
                    lines
                }
                None => vec![format!(
                    "{key}: {}",
                    text::scalar(s, ScalarStyle::Plain, Context::Block)
                )],
            },
            New::Str(s) => vec![format!(
                "{key}: {}",
                text::scalar(s, ScalarStyle::Plain, Context::Block)
            )],
            New::Raw(s) => vec![format!("{key}: {s}")],
            New::List(items) if items.is_empty() => vec![format!("{key}: []")],
            New::Map(pairs) if pairs.is_empty() => vec![format!("{key}: {{}}")],
            New::List(items) => {
                let mut lines = vec![format!("{key}:")];
                for item in items {
                    lines.extend(self.item_lines(item, self.seq));
                }
                lines
            }
            New::Map(pairs) => {
                let mut lines = vec![format!("{key}:")];
                for (k, v) in pairs {
                    lines.extend(self.pair_lines(k, v).iter().map(|l| indent(l, self.map)));
                }
                lines
            }
        }
    }

    /// Lines of one sequence item written in `style`.
    fn item_lines(&self, item: &New, style: SeqStyle) -> Vec<String> {
        let body = match item {
            New::Map(pairs) if !pairs.is_empty() => pairs
                .iter()
                .flat_map(|(k, v)| self.pair_lines(k, v))
                .collect(),
            New::List(items) if !items.is_empty() => items
                .iter()
                .flat_map(|i| {
                    self.item_lines(
                        i,
                        SeqStyle {
                            dash: 0,
                            ..self.seq
                        },
                    )
                })
                .collect(),
            New::Str(s) if s.contains('\n') => match literal(s) {
                Some((header, body)) => {
                    let mut lines = vec![header];
                    lines.extend(body.iter().map(|l| indent(l, self.map)));
                    lines
                }
                None => vec![text::scalar(s, ScalarStyle::Plain, Context::Block)],
            },
            New::Str(s) => vec![text::scalar(s, ScalarStyle::Plain, Context::Block)],
            New::Raw(s) => vec![s.clone()],
            New::List(_) => vec!["[]".into()],
            New::Map(_) => vec!["{}".into()],
        };
        let mut out = vec![format!(
            "{}-{}{}",
            " ".repeat(style.dash),
            " ".repeat(style.gap),
            body[0]
        )];
        out.extend(
            body[1..]
                .iter()
                .map(|l| indent(l, style.dash + 1 + style.gap)),
        );
        out
    }
}

/// `line` moved right by `n` columns (empty lines stay empty).
fn indent(line: &str, n: usize) -> String {
    if line.is_empty() {
        String::new()
    } else {
        format!("{}{line}", " ".repeat(n))
    }
}

/// The header and lines of `s` as a literal block scalar, when one holds it
/// exactly (no leading blank on its first line, no carriage returns, at most
/// one trailing line break).
fn literal(s: &str) -> Option<(String, Vec<String>)> {
    let (body, header) = match s.strip_suffix('\n') {
        Some(b) if !b.ends_with('\n') => (b, "|"),
        Some(_) => return None,
        None => (s, "|-"),
    };
    let bad = body.starts_with([' ', '\t', '\n']) || body.contains('\r') || body.is_empty();
    (!bad).then(|| {
        let lines = body.split('\n').map(str::to_owned).collect();
        (header.to_owned(), lines)
    })
}

/// A parsed document and what the edits need to know about it.
struct Doc<'t> {
    text: &'t str,
    eol: &'static str,
    root: Option<Node>,
    layout: Layout,
}

impl<'t> Doc<'t> {
    fn parse(text: &'t str) -> Result<Self, EditError> {
        let root = tree::parse(text)?.filter(|r| !(r.is_null() && r.start == r.end));
        let layout = Layout::of(text, root.as_ref());
        Ok(Doc {
            text,
            eol: eol(text),
            root,
            layout,
        })
    }

    /// The mapping at `path`; `None` for an empty document at the top.
    fn map_at(&self, path: &[Step]) -> Result<Option<&Node>, EditError> {
        if self.root.is_none() && path.is_empty() {
            return Ok(None);
        }
        let node = node_at(self.root.as_ref(), path).ok_or_else(|| {
            EditError::Broken(format!("{} is not in the text", field_name(path, None)))
        })?;
        match node.kind {
            Kind::Map { .. } => Ok(Some(node)),
            _ => Err(EditError::wrong_kind(
                field_name(path, None),
                "a mapping",
                self.text,
                node,
            )),
        }
    }

    /// `lines` at column `col`, joined by the file's line break.
    fn place(&self, lines: &[String], col: usize) -> String {
        let placed: Vec<String> = lines.iter().map(|l| indent(l, col)).collect();
        placed.join(self.eol)
    }

    /// The splice adding `key: value` at the end of `map` (or of an empty document).
    fn insert_pair(&self, map: Option<&Node>, key: &str, value: &New) -> Splice {
        let text = self.text;
        let Some(map) = map else {
            let mut with = String::new();
            if !text.is_empty() && !text.ends_with('\n') {
                with.push_str(self.eol);
            }
            with.push_str(&self.place(&self.layout.pair_lines(key, value), 0));
            with.push_str(self.eol);
            return Splice::insert(text.len(), with);
        };
        match &map.kind {
            Kind::Map { flow: true, .. } => {
                flow_append(text, map, &format!("{}: {}", key_text(key), value.flow()))
            }
            Kind::Map { pairs, .. } => {
                let last = pairs.last().map_or(map.end, |(_, v)| v.end);
                let lines = self.layout.pair_lines(key, value);
                Splice::insert(
                    line_end(text, last),
                    format!(
                        "{}{}",
                        self.eol,
                        self.place(&lines, column(text, map.start))
                    ),
                )
            }
            _ => unreachable!("map_at returns mappings"),
        }
    }

    /// The text following `key:` for `value` written under a key at `col`.
    fn value_tail(&self, key: &str, value: &New, col: usize) -> String {
        let placed = self.place(&self.layout.pair_lines(key, value), col);
        placed[col + key_text(key).len() + 1..].to_owned()
    }

    /// The splice removing the pair `(k, v)` of the block `map` with its lines.
    fn remove_block_pair(&self, k: &Node, v: &Node, field: String) -> Result<Splice, EditError> {
        if !starts_line(self.text, k.start) {
            return Err(EditError::Unsupported {
                field,
                construct: "a field on a sequence item's `- ` line",
            });
        }
        Ok(Splice {
            start: line_start(self.text, k.start),
            end: next_line(self.text, v.end.max(k.end)),
            with: String::new(),
        })
    }
}

/// The splice adding `part` (items or pairs) at the end of the flow
/// collection `node`, after a `, ` unless it is empty or ends with a comma.
fn flow_append(text: &str, node: &Node, part: &str) -> Splice {
    let close = node.end - 1;
    let before = text[node.start + 1..close].trim_end();
    let sep = if before.is_empty() {
        ""
    } else if before.ends_with(',') {
        " "
    } else {
        ", "
    };
    Splice::insert(close, format!("{sep}{part}"))
}

/// The text with `splices` applied, checked to parse.
fn finish(text: &str, splices: Vec<Splice>) -> Result<String, EditError> {
    if splices.is_empty() {
        return Ok(text.to_owned());
    }
    text::check_parses(text, text::apply(text, splices)?)
}

/// Sets `key` of the mapping at `path` to `value`: a scalar replaces a
/// scalar in its quoting style; a new key goes at the end of the mapping.
pub(crate) fn set(text: &str, path: &[Step], key: &str, value: &New) -> Result<String, EditError> {
    let doc = Doc::parse(text)?;
    let map = doc.map_at(path)?;
    let field = field_name(path, Some(key));
    let splice = match map.and_then(|m| m.get_ci(key).map(|p| (m, p))) {
        None => doc.insert_pair(map, key, value),
        Some((m, (k, v))) => {
            let flow = matches!(m.kind, Kind::Map { flow: true, .. });
            let old_style = match &v.kind {
                Kind::Scalar(_, style) if !v.is_null() => Some(*style),
                _ => None,
            };
            let colon = colon_after(text, k, &field)?;
            let tail = || doc.value_tail(key, value, column(text, k.start));
            match (value, old_style) {
                (New::Str(s), Some(_)) if v.scalar() == Some(s.as_str()) => {
                    return Ok(text.to_owned());
                }
                (New::Raw(s), Some(_)) if text[v.start..v.end] == *s => return Ok(text.to_owned()),
                (
                    New::Str(s),
                    Some(
                        style @ (ScalarStyle::Plain
                        | ScalarStyle::SingleQuoted
                        | ScalarStyle::DoubleQuoted),
                    ),
                ) if !s.contains('\n') => {
                    if flow {
                        Splice {
                            start: v.start,
                            end: v.end,
                            with: text::scalar(s, style, Context::Flow),
                        }
                    } else {
                        replace_value(text, k, v, &text::scalar(s, style, Context::Block), &field)?
                    }
                }
                _ if flow => Splice {
                    start: v.start,
                    end: v.end,
                    with: value.flow(),
                },
                _ if v.is_null() && !value.is_scalar() => fill_null(text, k, v, tail(), &field)?,
                _ if v.is_null() && (v.start == v.end || v.start < colon) => {
                    Splice::insert(colon + 1, tail())
                }
                _ => Splice {
                    start: colon + 1,
                    end: v.end.max(colon + 1),
                    with: tail(),
                },
            }
        }
    };
    finish(text, vec![splice])
}

/// Appends `items` to the sequence `key` of the mapping at `path`, creating
/// it (at the end of the mapping) when absent or null.
pub(crate) fn append(
    text: &str,
    path: &[Step],
    key: &str,
    items: &[New],
) -> Result<String, EditError> {
    if items.is_empty() {
        return Ok(text.to_owned());
    }
    let doc = Doc::parse(text)?;
    let map = doc.map_at(path)?;
    let field = field_name(path, Some(key));
    let Some((k, seq)) = map.and_then(|m| m.get_ci(key)) else {
        return finish(
            text,
            vec![doc.insert_pair(map, key, &New::List(items.to_vec()))],
        );
    };
    let splice = match &seq.kind {
        _ if seq.is_null() => return set(text, path, key, &New::List(items.to_vec())),
        Kind::Seq { flow: true, .. } => {
            let new: Vec<String> = items.iter().map(New::flow).collect();
            flow_append(text, seq, &new.join(", "))
        }
        Kind::Seq {
            items: old,
            flow: false,
        } => {
            let style = SeqStyle::of(text, seq).unwrap_or(SeqStyle {
                dash: column(text, k.start) + doc.layout.seq.dash,
                gap: doc.layout.seq.gap,
            });
            let mut with = String::new();
            for item in items {
                with.push_str(doc.eol);
                with.push_str(&doc.place(&doc.layout.item_lines(item, style), 0));
            }
            let last = old.last().map_or(seq.end, |n| n.end);
            Splice::insert(line_end(text, last), with)
        }
        _ => {
            return Err(EditError::wrong_kind(field, "a sequence", text, seq));
        }
    };
    finish(text, vec![splice])
}

/// Removes the items of the sequence `key` (of the mapping at `path`) that
/// `remove` picks; the key goes too when no item is left.
pub(crate) fn remove_items(
    text: &str,
    path: &[Step],
    key: &str,
    remove: impl Fn(usize, &Node) -> bool,
) -> Result<String, EditError> {
    let doc = Doc::parse(text)?;
    let Some(map) = doc.map_at(path)? else {
        return Ok(text.to_owned());
    };
    let Some((_, seq)) = map.get_ci(key) else {
        return Ok(text.to_owned());
    };
    let Kind::Seq { items, flow } = &seq.kind else {
        if seq.is_null() {
            return Ok(text.to_owned());
        }
        return Err(EditError::wrong_kind(
            field_name(path, Some(key)),
            "a sequence",
            text,
            seq,
        ));
    };
    let gone: Vec<bool> = items
        .iter()
        .enumerate()
        .map(|(i, n)| remove(i, n))
        .collect();
    if !gone.contains(&true) {
        return Ok(text.to_owned());
    }
    if !gone.contains(&false) {
        return remove_keys(text, path, &[key]);
    }
    let splices = if *flow {
        let kept = items.iter().map(|n| &text[n.start..n.end]);
        vec![flow_kept(seq, kept, &gone)]
    } else {
        items
            .iter()
            .zip(&gone)
            .filter(|(_, g)| **g)
            .map(|(n, _)| Splice {
                start: line_start(text, n.start),
                end: next_line(text, n.end),
                with: String::new(),
            })
            .collect()
    };
    finish(text, splices)
}

/// The splice rewriting the flow collection `node` with the parts (item or
/// pair texts) not `gone`.
fn flow_kept<'t>(node: &Node, parts: impl Iterator<Item = &'t str>, gone: &[bool]) -> Splice {
    let kept: Vec<&str> = parts
        .zip(gone)
        .filter(|(_, g)| !**g)
        .map(|(p, _)| p)
        .collect();
    let (open, close) = match node.kind {
        Kind::Map { .. } => ('{', '}'),
        _ => ('[', ']'),
    };
    Splice {
        start: node.start,
        end: node.end,
        with: format!("{open}{}{close}", kept.join(", ")),
    }
}

/// Removes the fields `keys` (every spelling of each) from the mapping at `path`.
pub(crate) fn remove_keys(text: &str, path: &[Step], keys: &[&str]) -> Result<String, EditError> {
    let doc = Doc::parse(text)?;
    let Some(map) = doc.map_at(path)? else {
        return Ok(text.to_owned());
    };
    let Kind::Map { pairs, flow } = &map.kind else {
        return Ok(text.to_owned());
    };
    let gone: Vec<bool> = pairs
        .iter()
        .map(|(k, _)| {
            k.scalar()
                .is_some_and(|s| keys.iter().any(|key| key.eq_ignore_ascii_case(s)))
        })
        .collect();
    if !gone.contains(&true) {
        return Ok(text.to_owned());
    }
    let splices = if *flow {
        let kept = pairs
            .iter()
            .map(|(k, v)| &text[k.start..pair_end(text, k, v)]);
        vec![flow_kept(map, kept, &gone)]
    } else {
        let mut out = Vec::new();
        for ((k, v), _) in pairs.iter().zip(&gone).filter(|(_, g)| **g) {
            out.push(doc.remove_block_pair(k, v, field_name(path, k.scalar()))?);
        }
        out
    };
    finish(text, splices)
}

/// Replaces the field `old` of the mapping at `path` by `key: value` where
/// `old` was (a renamed and converted field).
pub(crate) fn replace_pair(
    text: &str,
    path: &[Step],
    old: &str,
    key: &str,
    value: &New,
) -> Result<String, EditError> {
    let doc = Doc::parse(text)?;
    let map = doc.map_at(path)?;
    let Some((m, (k, v))) = map.and_then(|m| m.get_ci(old).map(|p| (m, p))) else {
        return set(text, path, key, value);
    };
    let with = if matches!(m.kind, Kind::Map { flow: true, .. }) {
        format!("{}: {}", key_text(key), value.flow())
    } else {
        format!(
            "{}:{}",
            key_text(key),
            doc.value_tail(key, value, column(text, k.start))
        )
    };
    let splice = Splice {
        start: k.start,
        end: pair_end(text, k, v),
        with,
    };
    finish(text, vec![splice])
}

/// Inserts `key: value` as the first field of the top-level mapping.
pub(crate) fn prepend(text: &str, key: &str, value: &New) -> Result<String, EditError> {
    let doc = Doc::parse(text)?;
    let splice = match doc.map_at(&[])? {
        Some(Node {
            kind: Kind::Map { pairs, flow: true },
            start,
            ..
        }) => {
            let sep = if pairs.is_empty() { "" } else { ", " };
            Splice::insert(
                start + 1,
                format!("{}: {}{sep}", key_text(key), value.flow()),
            )
        }
        Some(map) => {
            let col = column(text, map.start);
            Splice::insert(
                map.start,
                format!(
                    "{}{}{}",
                    doc.place(&doc.layout.pair_lines(key, value), 0),
                    doc.eol,
                    " ".repeat(col)
                ),
            )
        }
        None => doc.insert_pair(None, key, value),
    };
    finish(text, vec![splice])
}

/// The node at `path` from `root`.
pub(crate) fn node_at<'n>(root: Option<&'n Node>, path: &[Step]) -> Option<&'n Node> {
    let mut node = root?;
    for step in path {
        node = match (*step, &node.kind) {
            (Step::Key(k), Kind::Map { .. }) => node.get_ci(k)?.1,
            (Step::Index(i), Kind::Seq { items, .. }) => items.get(i)?,
            _ => return None,
        };
    }
    Some(node)
}

/// The top-level node of `text` (`None` for an empty document).
pub(crate) fn root(text: &str) -> Result<Option<Node>, EditError> {
    Ok(Doc::parse(text)?.root)
}

/// Sets item `index` of the sequence `key` (of the mapping at `path`), a
/// scalar, to the string `value` in the item's quoting style.
pub(crate) fn set_item(
    text: &str,
    path: &[Step],
    key: &str,
    index: usize,
    value: &str,
) -> Result<String, EditError> {
    let doc = Doc::parse(text)?;
    let mut seq_path = path.to_vec();
    seq_path.push(Step::Key(key));
    let field = format!("{}[{index}]", field_name(&seq_path, None));
    let (item, flow) = match node_at(doc.root.as_ref(), &seq_path).map(|n| &n.kind) {
        Some(Kind::Seq { items, flow }) => (items.get(index), *flow),
        _ => (None, false),
    };
    let item = item.ok_or_else(|| EditError::Broken(format!("{field} is not in the text")))?;
    let Kind::Scalar(old, style) = &item.kind else {
        return Err(EditError::wrong_kind(field, "a string", text, item));
    };
    if old == value {
        return Ok(text.to_owned());
    }
    let style = match style {
        ScalarStyle::Literal | ScalarStyle::Folded => ScalarStyle::Plain,
        s => *s,
    };
    let context = if flow { Context::Flow } else { Context::Block };
    let with = text::scalar(value, style, context);
    finish(
        text,
        vec![Splice {
            start: item.start,
            end: item.end,
            with,
        }],
    )
}

/// Sets the string `value` in the string list at `path` (keys from the
/// top, found as kustomize reads them): the first item `replaces` picks is
/// rewritten in its quoting style, else `value` is appended. The list, and
/// the mappings leading to it, are created where absent or null.
pub fn upsert_string_item(
    text: &str,
    path: &[&str],
    replaces: &dyn Fn(&str) -> bool,
    value: &str,
) -> Result<String, EditError> {
    let Some((list_key, parents)) = path.split_last() else {
        return Err(EditError::Broken("an empty path".to_owned()));
    };
    // Text that does not read as a document is the input's fault.
    crate::yaml::parse_document(text)?;
    let steps: Vec<Step> = parents.iter().map(|k| Step::Key(k)).collect();
    let root = root(text)?;
    // The first parent mapping that is missing or null is written whole.
    for depth in 0..steps.len() {
        let present = node_at(root.as_ref(), &steps[..=depth]).filter(|n| !n.is_null());
        if present.is_none() {
            let mut nested = New::List(vec![New::Str(value.to_owned())]);
            nested = New::Map(vec![((*list_key).to_owned(), nested)]);
            for key in parents[depth + 1..].iter().rev() {
                nested = New::Map(vec![((*key).to_owned(), nested)]);
            }
            return set(text, &steps[..depth], parents[depth], &nested);
        }
    }
    let mut list_path = steps.clone();
    list_path.push(Step::Key(list_key));
    let found = match node_at(root.as_ref(), &list_path).map(|n| &n.kind) {
        Some(Kind::Seq { items, .. }) => items
            .iter()
            .position(|item| item.scalar().is_some_and(replaces)),
        _ => None,
    };
    match found {
        Some(index) => set_item(text, &steps, list_key, index, value),
        None => append(text, &steps, list_key, &[New::Str(value.to_owned())]),
    }
}
