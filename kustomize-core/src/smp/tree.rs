//! A mutable node graph over a JSON value, so the merge can share and edit
//! nodes in place the way kyaml's walker does with YAML node pointers.

use crate::yaml::{FieldPath, PathSegment};
use serde_json::{Map, Value};

/// Index of a node in a [`Tree`].
pub(super) type Id = usize;

/// One node: a map (fields in order), a sequence, a scalar, or null.
#[derive(Debug, Clone)]
pub(super) enum Node {
    /// A mapping; keys are unique.
    Map(Vec<(String, Id)>),
    /// A sequence.
    Seq(Vec<Id>),
    /// A string, number or boolean.
    Scalar(Value),
    /// A null.
    Null(Null),
}

/// The kinds of null kyaml tells apart: by the node's text (empty for
/// `key:`, `null` or `~` when spelled out) and by its persistence flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Null {
    /// A key given no value at all (`key:`).
    Blank,
    /// A null spelled out (`null`, `~`), or one from JSON.
    Spelled,
    /// A target's spelled null the merge keeps (kyaml's
    /// `MakePersistentNullNode`): the only null that survives being set on
    /// a field.
    Persistent,
}

/// The shape of a node, as kyaml's node kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Map,
    Seq,
    Scalar,
    Null,
}

impl Kind {
    /// The name kyaml prints for the kind.
    pub(super) fn name(self) -> &'static str {
        match self {
            Kind::Map => "MappingNode",
            Kind::Seq => "SequenceNode",
            Kind::Scalar | Kind::Null => "ScalarNode",
        }
    }
}

/// An arena of nodes; ids stay valid for the tree's life.
#[derive(Debug, Default)]
pub(super) struct Tree {
    nodes: Vec<Node>,
    /// Whether any null was marked [`Null::Blank`].
    has_blanks: bool,
}

impl Tree {
    /// Moves `value` into the tree and returns the id of its root.
    pub(super) fn add(&mut self, value: Value) -> Id {
        let node = match value {
            Value::Null => Node::Null(Null::Spelled),
            Value::Object(map) => {
                let fields = map.into_iter().map(|(k, v)| (k, self.add(v))).collect();
                Node::Map(fields)
            }
            Value::Array(items) => Node::Seq(items.into_iter().map(|v| self.add(v)).collect()),
            scalar => Node::Scalar(scalar),
        };
        self.push(node)
    }

    /// Marks the null at `path` below `root` as [`Null::Blank`]; a path that
    /// does not lead to a null is ignored.
    pub(super) fn mark_blank(&mut self, root: Id, path: &[PathSegment]) {
        let mut id = root;
        for segment in path {
            let next = match (segment, &self.nodes[id]) {
                (PathSegment::Key(name), Node::Map(_)) => self.field(id, name),
                (PathSegment::Index(i), Node::Seq(items)) => items.get(*i).copied(),
                _ => None,
            };
            let Some(next) = next else { return };
            id = next;
        }
        if let Node::Null(null) = &mut self.nodes[id] {
            *null = Null::Blank;
            self.has_blanks = true;
        }
    }

    /// The paths below `root` that lead to a [`Null::Blank`] node.
    pub(super) fn blank_paths(&self, root: Id) -> Vec<FieldPath> {
        let mut out = Vec::new();
        if self.has_blanks {
            self.collect_blanks(root, &mut Vec::new(), &mut out);
        }
        out
    }

    fn collect_blanks(&self, id: Id, path: &mut FieldPath, out: &mut Vec<FieldPath>) {
        match &self.nodes[id] {
            Node::Null(Null::Blank) => out.push(path.clone()),
            Node::Map(fields) => {
                for (name, value) in fields {
                    path.push(PathSegment::Key(name.clone()));
                    self.collect_blanks(*value, path, out);
                    path.pop();
                }
            }
            Node::Seq(items) => {
                for (i, &item) in items.iter().enumerate() {
                    path.push(PathSegment::Index(i));
                    self.collect_blanks(item, path, out);
                    path.pop();
                }
            }
            Node::Scalar(_) | Node::Null(_) => {}
        }
    }

    /// Adds a node and returns its id.
    pub(super) fn push(&mut self, node: Node) -> Id {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    /// The JSON value of the subtree at `id`, consuming the tree: nodes
    /// reached once are moved out, shared ones copied.
    pub(super) fn into_value(mut self, id: Id) -> Value {
        let mut uses = vec![0u32; self.nodes.len()];
        uses[id] += 1;
        for node in &self.nodes {
            match node {
                Node::Map(fields) => fields.iter().for_each(|&(_, v)| uses[v] += 1),
                Node::Seq(items) => items.iter().for_each(|&i| uses[i] += 1),
                Node::Scalar(_) | Node::Null(_) => {}
            }
        }
        self.take_value(id, &uses)
    }

    fn take_value(&mut self, id: Id, uses: &[u32]) -> Value {
        let node = if uses[id] > 1 {
            self.nodes[id].clone()
        } else {
            std::mem::replace(&mut self.nodes[id], Node::Null(Null::Spelled))
        };
        match node {
            Node::Null(_) => Value::Null,
            Node::Scalar(v) => v,
            Node::Seq(items) => Value::Array(
                items
                    .into_iter()
                    .map(|i| self.take_value(i, uses))
                    .collect(),
            ),
            Node::Map(fields) => Value::Object(
                fields
                    .into_iter()
                    .map(|(k, v)| (k, self.take_value(v, uses)))
                    .collect::<Map<String, Value>>(),
            ),
        }
    }

    /// The node at `id`, mutably.
    pub(super) fn node_mut(&mut self, id: Id) -> &mut Node {
        &mut self.nodes[id]
    }

    /// The kind of the node at `id`.
    pub(super) fn kind(&self, id: Id) -> Kind {
        match self.nodes[id] {
            Node::Map(_) => Kind::Map,
            Node::Seq(_) => Kind::Seq,
            Node::Scalar(_) => Kind::Scalar,
            Node::Null(_) => Kind::Null,
        }
    }

    /// True when `id` is absent or an explicit null (kyaml's `IsMissingOrNull`).
    pub(super) fn missing_or_null(&self, id: Option<Id>) -> bool {
        id.is_none_or(|i| self.kind(i) == Kind::Null)
    }

    /// True when `id` is present and an explicit null.
    pub(super) fn is_null(&self, id: Option<Id>) -> bool {
        id.is_some_and(|i| self.kind(i) == Kind::Null)
    }

    /// True when `id` is a null spelled out (`null`, `~`), as opposed to a
    /// key given no value (kyaml: a null node with text).
    pub(super) fn is_spelled_null(&self, id: Id) -> bool {
        matches!(self.nodes[id], Node::Null(Null::Spelled | Null::Persistent))
    }

    /// True when `id` is absent, null, or an empty map (kyaml's `IsEmptyMap`).
    pub(super) fn missing_or_empty_map(&self, id: Option<Id>) -> bool {
        match id {
            None => true,
            Some(i) => match &self.nodes[i] {
                Node::Null(_) => true,
                Node::Map(fields) => fields.is_empty(),
                _ => false,
            },
        }
    }

    /// True when the node is null, an empty map or an empty sequence.
    pub(super) fn is_null_or_empty(&self, id: Id) -> bool {
        match &self.nodes[id] {
            Node::Null(_) => true,
            Node::Map(f) => f.is_empty(),
            Node::Seq(s) => s.is_empty(),
            Node::Scalar(_) => false,
        }
    }

    /// The scalar text of a node as YAML holds it; empty for maps and sequences.
    pub(super) fn text(&self, id: Id) -> String {
        match &self.nodes[id] {
            Node::Scalar(Value::String(s)) => s.clone(),
            Node::Scalar(v) => v.to_string(),
            Node::Null(_) => "null".to_owned(),
            Node::Map(_) | Node::Seq(_) => String::new(),
        }
    }

    /// The value of field `name` when `id` is a map holding it.
    pub(super) fn field(&self, id: Id, name: &str) -> Option<Id> {
        match &self.nodes[id] {
            Node::Map(fields) => fields.iter().find(|(k, _)| k == name).map(|&(_, v)| v),
            _ => None,
        }
    }

    /// Field names of a map, in order; empty for other kinds.
    pub(super) fn field_names(&self, id: Id) -> Vec<String> {
        match &self.nodes[id] {
            Node::Map(fields) => fields.iter().map(|(k, _)| k.clone()).collect(),
            _ => Vec::new(),
        }
    }

    /// The elements of a sequence; empty for other kinds.
    pub(super) fn items(&self, id: Id) -> Vec<Id> {
        match &self.nodes[id] {
            Node::Seq(items) => items.clone(),
            _ => Vec::new(),
        }
    }

    /// Removes field `name` from a map.
    pub(super) fn clear_field(&mut self, id: Id, name: &str) {
        if let Node::Map(fields) = &mut self.nodes[id] {
            fields.retain(|(k, _)| k != name);
        }
    }

    /// Sets field `name` as kyaml's `FieldSetter`: an absent value or a null
    /// that is not [`Null::Persistent`] removes the field; an existing field is
    /// replaced in place; a new one is appended.
    pub(super) fn set_field(&mut self, id: Id, name: &str, value: Option<Id>) {
        let value = match value {
            Some(v) if !matches!(self.nodes[v], Node::Null(Null::Blank | Null::Spelled)) => v,
            _ => return self.clear_field(id, name),
        };
        if let Node::Map(fields) = &mut self.nodes[id] {
            match fields.iter_mut().find(|(k, _)| k == name) {
                Some(slot) => slot.1 = value,
                None => fields.push((name.to_owned(), value)),
            }
        }
    }
}
