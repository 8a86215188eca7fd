//! The parse tree, printed back (`Display`) exactly as Go's `Node.String()`
//! prints it: that text appears in Go's execution error contexts.

use std::fmt::{self, Display, Formatter, Write};
use std::sync::Arc;

/// A parsed template: the list of nodes plus what error positions need.
#[derive(Debug)]
pub(crate) struct Tree {
    /// The template's name (a `define` name or the parsed name).
    pub name: String,
    /// The name given to the parse that produced this tree (Go's `ParseName`).
    pub parse_name: Arc<str>,
    /// The full parsed text, to turn byte offsets into line:column.
    pub text: Arc<str>,
    /// The body.
    pub root: List,
}

impl Tree {
    /// Go's `ErrorContext` location: `PARSENAME:LINE:COL` (column is the
    /// zero-based byte offset within the line).
    pub fn location(&self, pos: usize) -> String {
        let before = &self.text[..pos.min(self.text.len())];
        let (line, col) = match before.rfind('\n') {
            Some(nl) => (before.matches('\n').count() + 1, pos - nl - 1),
            None => (1, pos),
        };
        format!("{}:{}:{}", self.parse_name, line, col)
    }
}

/// A sequence of nodes.
#[derive(Debug, Default)]
pub(crate) struct List {
    pub nodes: Vec<Node>,
}

/// A node of a list.
#[derive(Debug)]
pub(crate) enum Node {
    Text(Arc<str>),
    Action(Pipe),
    If(Branch),
    Range(Branch),
    With(Branch),
    Template(TemplateCall),
    Break,
    Continue,
}

/// `{{if}}`, `{{range}}` and `{{with}}`.
#[derive(Debug)]
pub(crate) struct Branch {
    pub pipe: Pipe,
    pub list: List,
    pub else_list: Option<List>,
}

/// `{{template "name" pipeline}}`.
#[derive(Debug)]
pub(crate) struct TemplateCall {
    pub pos: usize,
    pub name: String,
    pub pipe: Option<Pipe>,
}

/// A pipeline with optional variable declarations.
#[derive(Debug)]
pub(crate) struct Pipe {
    pub pos: usize,
    pub is_assign: bool,
    pub decl: Vec<Variable>,
    pub cmds: Vec<Command>,
}

/// A `$name.field...` reference.
#[derive(Debug, Clone)]
pub(crate) struct Variable {
    pub pos: usize,
    pub ident: Vec<String>,
}

/// One command of a pipeline.
#[derive(Debug)]
pub(crate) struct Command {
    pub pos: usize,
    pub args: Vec<Arg>,
}

/// A parsed number constant with every Go interpretation that fits.
#[derive(Debug, Clone)]
pub(crate) struct Number {
    pub text: String,
    pub int: Option<i64>,
    pub uint: Option<u64>,
    pub float: Option<f64>,
    pub complex: Option<(f64, f64)>,
}

/// An operand of a command.
#[derive(Debug)]
pub(crate) enum Arg {
    Identifier {
        pos: usize,
        name: String,
    },
    Variable(Variable),
    Dot {
        pos: usize,
    },
    Nil {
        pos: usize,
    },
    Field {
        pos: usize,
        ident: Vec<String>,
    },
    Chain {
        pos: usize,
        node: Box<Arg>,
        fields: Vec<String>,
    },
    Bool {
        pos: usize,
        value: bool,
    },
    Number {
        pos: usize,
        number: Number,
    },
    String {
        pos: usize,
        quoted: String,
        text: Arc<str>,
    },
    Pipe(Box<Pipe>),
}

impl Arg {
    /// Byte offset of the operand.
    pub fn pos(&self) -> usize {
        match self {
            Arg::Identifier { pos, .. }
            | Arg::Dot { pos }
            | Arg::Nil { pos }
            | Arg::Field { pos, .. }
            | Arg::Chain { pos, .. }
            | Arg::Bool { pos, .. }
            | Arg::Number { pos, .. }
            | Arg::String { pos, .. } => *pos,
            Arg::Variable(v) => v.pos,
            Arg::Pipe(p) => p.pos,
        }
    }
}

/// How to print text nodes: Go's default `%s`, or `%q` as Go's parse
/// tests set it.
#[derive(Clone, Copy)]
pub(crate) enum TextFormat {
    Plain,
    Quoted,
}

/// Prints a list with the chosen text format (Go's `ListNode.String()`).
pub(crate) fn list_string(list: &List, format: TextFormat) -> String {
    let mut out = String::new();
    write_list(&mut out, list, format);
    out
}

fn write_list(out: &mut String, list: &List, format: TextFormat) {
    for node in &list.nodes {
        write_node(out, node, format);
    }
}

fn write_node(out: &mut String, node: &Node, format: TextFormat) {
    match node {
        Node::Text(t) => match format {
            TextFormat::Plain => out.push_str(t),
            TextFormat::Quoted => out.push_str(&crate::fmt::quote(t)),
        },
        Node::Action(p) => {
            let _ = write!(out, "{{{{{p}}}}}");
        }
        Node::If(b) => write_branch(out, "if", b, format),
        Node::Range(b) => write_branch(out, "range", b, format),
        Node::With(b) => write_branch(out, "with", b, format),
        Node::Template(t) => {
            let _ = write!(out, "{t}");
        }
        Node::Break => out.push_str("{{break}}"),
        Node::Continue => out.push_str("{{continue}}"),
    }
}

fn write_branch(out: &mut String, name: &str, b: &Branch, format: TextFormat) {
    let _ = write!(out, "{{{{{name} {}}}}}", b.pipe);
    write_list(out, &b.list, format);
    if let Some(e) = &b.else_list {
        out.push_str("{{else}}");
        write_list(out, e, format);
    }
    out.push_str("{{end}}");
}

impl Display for TemplateCall {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{{{{template {}", crate::fmt::quote(&self.name))?;
        if let Some(p) = &self.pipe {
            write!(f, " {p}")?;
        }
        f.write_str("}}")
    }
}

impl Display for Pipe {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if !self.decl.is_empty() {
            for (i, v) in self.decl.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{v}")?;
            }
            f.write_str(" := ")?;
        }
        for (i, c) in self.cmds.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

impl Display for Variable {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.ident.join("."))
    }
}

impl Display for Command {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            match a {
                Arg::Pipe(p) => write!(f, "({p})")?,
                a => write!(f, "{a}")?,
            }
        }
        Ok(())
    }
}

impl Display for Arg {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Identifier { name, .. } => f.write_str(name),
            Arg::Variable(v) => write!(f, "{v}"),
            Arg::Dot { .. } => f.write_str("."),
            Arg::Nil { .. } => f.write_str("nil"),
            Arg::Field { ident, .. } => {
                for id in ident {
                    write!(f, ".{id}")?;
                }
                Ok(())
            }
            Arg::Chain { node, fields, .. } => {
                match node.as_ref() {
                    Arg::Pipe(p) => write!(f, "({p})")?,
                    n => write!(f, "{n}")?,
                }
                for id in fields {
                    write!(f, ".{id}")?;
                }
                Ok(())
            }
            Arg::Bool { value, .. } => write!(f, "{value}"),
            Arg::Number { number, .. } => f.write_str(&number.text),
            Arg::String { quoted, .. } => f.write_str(quoted),
            Arg::Pipe(p) => write!(f, "{p}"),
        }
    }
}

/// Whether a tree is "empty" as Go's `IsEmptyTree` decides (only
/// whitespace text): an empty definition never replaces a non-empty one.
pub(crate) fn is_empty_list(list: &List) -> bool {
    list.nodes.iter().all(|n| match n {
        Node::Text(t) => t.trim().is_empty(),
        _ => false,
    })
}

/// One node printed as Go's `Node.String()` prints it.
pub(crate) fn node_string(node: &Node) -> String {
    let mut out = String::new();
    write_node(&mut out, node, TextFormat::Plain);
    out
}
