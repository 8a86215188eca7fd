//! Parsing template text into trees, with Go's checks and error texts
//! (`template: NAME:LINE: message`).

mod lex;
pub(crate) mod node;

use std::sync::Arc;

use lex::{Item, ItemKind};
use node::{Arg, Branch, Command, List, Node, Number, Pipe, TemplateCall, Tree, Variable};

use crate::error::Error;

/// Parses `text` as template `name`; returns the trees it defines: the main
/// tree (named `name`) first, then every `{{define}}`/`{{block}}`.
/// `has_func` says whether an identifier names a function (Go checks this
/// at parse time). `max_depth` bounds nesting of actions and parentheses.
pub(crate) fn parse(
    name: &str,
    text: &str,
    has_func: &dyn Fn(&str) -> bool,
    max_depth: usize,
) -> Result<Vec<Tree>, Error> {
    let items = lex::lex(text);
    let parse_name: Arc<str> = name.into();
    let text: Arc<str> = text.into();
    let mut p = Parser {
        items,
        idx: 0,
        max_read: 0,
        parse_name: parse_name.clone(),
        text: text.clone(),
        vars: vec!["$".to_string()],
        has_func,
        range_depth: 0,
        depth: 0,
        max_depth,
        action_line: 0,
        defined: Vec::new(),
    };
    let root = p.parse_top()?;
    let mut trees = vec![Tree {
        name: name.to_string(),
        parse_name,
        text,
        root,
    }];
    trees.append(&mut p.defined);
    Ok(trees)
}

type PResult<T> = Result<T, Error>;

struct Parser<'a> {
    items: Vec<Item>,
    idx: usize,
    max_read: usize,
    parse_name: Arc<str>,
    text: Arc<str>,
    vars: Vec<String>,
    has_func: &'a dyn Fn(&str) -> bool,
    range_depth: usize,
    depth: usize,
    max_depth: usize,
    action_line: usize,
    defined: Vec<Tree>,
}

/// Go's `item.String()`, used in "unexpected X in Y" messages.
fn item_string(item: &Item) -> String {
    match item.kind {
        ItemKind::Eof => "EOF".to_string(),
        ItemKind::Error => item.val.clone(),
        ItemKind::Block
        | ItemKind::Break
        | ItemKind::Continue
        | ItemKind::Dot
        | ItemKind::Define
        | ItemKind::Else
        | ItemKind::End
        | ItemKind::If
        | ItemKind::Nil
        | ItemKind::Range
        | ItemKind::Template
        | ItemKind::With => format!("<{}>", item.val),
        _ if item.val.chars().count() > 10 => {
            let head: String = item.val.chars().take(10).collect();
            format!("{}...", crate::fmt::quote(&head))
        }
        _ => crate::fmt::quote(&item.val),
    }
}

impl Parser<'_> {
    fn next(&mut self) -> Item {
        let i = self.idx.min(self.items.len() - 1);
        self.idx = i + 1;
        self.max_read = self.max_read.max(i);
        self.items[i].clone()
    }

    fn peek(&mut self) -> Item {
        let i = self.idx.min(self.items.len() - 1);
        self.max_read = self.max_read.max(i);
        self.items[i].clone()
    }

    fn peek_kind(&mut self) -> ItemKind {
        self.peek().kind
    }

    fn backup(&mut self) {
        self.idx -= 1;
    }

    fn next_non_space(&mut self) -> Item {
        loop {
            let t = self.next();
            if t.kind != ItemKind::Space {
                return t;
            }
        }
    }

    fn peek_non_space(&mut self) -> Item {
        let t = self.next_non_space();
        self.backup();
        t
    }

    fn errorf(&self, msg: impl Into<String>) -> Error {
        let line = self.items[self.max_read.min(self.items.len() - 1)].line;
        Error::Parse {
            name: self.parse_name.to_string(),
            line,
            message: msg.into(),
        }
    }

    fn unexpected(&self, token: &Item, context: &str) -> Error {
        if token.kind == ItemKind::Error {
            let mut extra = String::new();
            if self.action_line != 0 && self.action_line != token.line {
                extra = format!(
                    " in action started at {}:{}",
                    self.parse_name, self.action_line
                );
                if token.val.ends_with(" action") {
                    extra = extra[" in action".len()..].to_string();
                }
            }
            return self.errorf(format!("{}{}", token.val, extra));
        }
        self.errorf(format!("unexpected {} in {}", item_string(token), context))
    }

    fn expect(&mut self, kind: ItemKind, context: &str) -> PResult<Item> {
        let t = self.next_non_space();
        if t.kind != kind {
            return Err(self.unexpected(&t, context));
        }
        Ok(t)
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > self.max_depth {
            return Err(self.errorf("max expression depth exceeded"));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn parse_top(&mut self) -> PResult<List> {
        let mut root = List::default();
        while self.peek_kind() != ItemKind::Eof {
            if self.peek_kind() == ItemKind::LeftDelim {
                let save = self.idx;
                self.next();
                if self.next_non_space().kind == ItemKind::Define {
                    self.parse_definition()?;
                    continue;
                }
                self.idx = save;
            }
            match self.text_or_action()? {
                Parsed::Node(n) => root.nodes.push(n),
                Parsed::End => return Err(self.errorf("unexpected {{end}}")),
                Parsed::Else | Parsed::ElseIf => return Err(self.errorf("unexpected {{else}}")),
            }
        }
        Ok(root)
    }

    fn parse_definition(&mut self) -> PResult<()> {
        const CONTEXT: &str = "define clause";
        let t = self.next_non_space();
        if t.kind != ItemKind::String && t.kind != ItemKind::RawString {
            return Err(self.unexpected(&t, CONTEXT));
        }
        let name = self.unquote(&t.val)?;
        self.expect(ItemKind::RightDelim, CONTEXT)?;
        let saved_vars = std::mem::replace(&mut self.vars, vec!["$".to_string()]);
        let saved_range = std::mem::replace(&mut self.range_depth, 0);
        let (list, end) = self.item_list()?;
        self.vars = saved_vars;
        self.range_depth = saved_range;
        if !matches!(end, Parsed::End) {
            return Err(self.errorf(format!("unexpected {} in {}", end.name(), CONTEXT)));
        }
        self.add_defined(name, list)
    }

    fn add_defined(&mut self, name: String, root: List) -> PResult<()> {
        if let Some(i) = self.defined.iter().position(|t| t.name == name) {
            if !node::is_empty_list(&self.defined[i].root) && !node::is_empty_list(&root) {
                return Err(self.errorf(format!(
                    "template: multiple definition of template {}",
                    crate::fmt::quote(&name)
                )));
            }
            if node::is_empty_list(&root) {
                return Ok(());
            }
            self.defined.remove(i);
        }
        self.defined.push(Tree {
            name,
            parse_name: self.parse_name.clone(),
            text: self.text.clone(),
            root,
        });
        Ok(())
    }

    fn item_list(&mut self) -> PResult<(List, Parsed)> {
        let mut list = List::default();
        while self.peek_non_space().kind != ItemKind::Eof {
            match self.text_or_action()? {
                Parsed::Node(n) => list.nodes.push(n),
                other => return Ok((list, other)),
            }
        }
        Err(self.errorf("unexpected EOF"))
    }

    fn text_or_action(&mut self) -> PResult<Parsed> {
        let t = self.next_non_space();
        match t.kind {
            ItemKind::Text => Ok(Parsed::Node(Node::Text(t.val.as_str().into()))),
            ItemKind::LeftDelim => {
                self.action_line = t.line;
                let r = self.action();
                self.action_line = 0;
                r
            }
            _ => Err(self.unexpected(&t, "input")),
        }
    }

    fn action(&mut self) -> PResult<Parsed> {
        let t = self.next_non_space();
        match t.kind {
            ItemKind::Block => return self.block_control().map(Parsed::Node),
            ItemKind::Break => return self.loop_control("{{break}}", Node::Break),
            ItemKind::Continue => return self.loop_control("{{continue}}", Node::Continue),
            ItemKind::Else => return self.else_control(),
            ItemKind::End => {
                self.expect(ItemKind::RightDelim, "end")?;
                return Ok(Parsed::End);
            }
            ItemKind::If => return self.if_control().map(Parsed::Node),
            ItemKind::Range => {
                let b = self.parse_control(false, "range")?;
                return Ok(Parsed::Node(Node::Range(b)));
            }
            ItemKind::Template => return self.template_control().map(Parsed::Node),
            ItemKind::With => {
                let b = self.parse_control(false, "with")?;
                return Ok(Parsed::Node(Node::With(b)));
            }
            _ => {}
        }
        self.backup();
        let pipe = self.pipeline("command", ItemKind::RightDelim)?;
        Ok(Parsed::Node(Node::Action(pipe)))
    }

    fn loop_control(&mut self, context: &str, node: Node) -> PResult<Parsed> {
        let t = self.next_non_space();
        if t.kind != ItemKind::RightDelim {
            return Err(self.unexpected(&t, context));
        }
        if self.range_depth == 0 {
            return Err(self.errorf(format!("{context} outside {{{{range}}}}")));
        }
        Ok(Parsed::Node(node))
    }

    fn else_control(&mut self) -> PResult<Parsed> {
        if self.peek_non_space().kind == ItemKind::If {
            return Ok(Parsed::ElseIf);
        }
        self.expect(ItemKind::RightDelim, "else")?;
        Ok(Parsed::Else)
    }

    fn if_control(&mut self) -> PResult<Node> {
        Ok(Node::If(self.parse_control(true, "if")?))
    }

    fn parse_control(&mut self, allow_else_if: bool, context: &str) -> PResult<Branch> {
        self.enter()?;
        let nvars = self.vars.len();
        let pipe = self.pipeline(context, ItemKind::RightDelim)?;
        if context == "range" {
            self.range_depth += 1;
        }
        let (list, next) = self.item_list()?;
        if context == "range" {
            self.range_depth -= 1;
        }
        let mut else_list = None;
        match next {
            Parsed::End => {}
            Parsed::ElseIf if allow_else_if => {
                self.next_non_space(); // the "if"
                let nested = self.if_control()?;
                else_list = Some(List {
                    nodes: vec![nested],
                });
            }
            Parsed::Else | Parsed::ElseIf => {
                let (l, end) = self.item_list()?;
                if !matches!(end, Parsed::End) {
                    return Err(self.errorf(format!("expected end; found {}", end.name())));
                }
                else_list = Some(l);
            }
            Parsed::Node(_) => {}
        }
        self.vars.truncate(nvars);
        self.leave();
        Ok(Branch {
            pipe,
            list,
            else_list,
        })
    }

    fn block_control(&mut self) -> PResult<Node> {
        const CONTEXT: &str = "block clause";
        let t = self.next_non_space();
        let name = self.template_name(&t, CONTEXT)?;
        let pipe = self.pipeline(CONTEXT, ItemKind::RightDelim)?;
        let saved_vars = std::mem::replace(&mut self.vars, vec!["$".to_string()]);
        let saved_range = std::mem::replace(&mut self.range_depth, 0);
        let (list, end) = self.item_list()?;
        self.vars = saved_vars;
        self.range_depth = saved_range;
        if !matches!(end, Parsed::End) {
            return Err(self.errorf(format!("unexpected {} in {}", end.name(), CONTEXT)));
        }
        self.add_defined(name.clone(), list)?;
        Ok(Node::Template(TemplateCall {
            pos: t.pos,
            name,
            pipe: Some(pipe),
        }))
    }

    fn template_control(&mut self) -> PResult<Node> {
        const CONTEXT: &str = "template clause";
        let t = self.next_non_space();
        let name = self.template_name(&t, CONTEXT)?;
        let mut pipe = None;
        if self.next_non_space().kind != ItemKind::RightDelim {
            self.backup();
            pipe = Some(self.pipeline(CONTEXT, ItemKind::RightDelim)?);
        }
        Ok(Node::Template(TemplateCall {
            pos: t.pos,
            name,
            pipe,
        }))
    }

    fn template_name(&mut self, t: &Item, context: &str) -> PResult<String> {
        match t.kind {
            ItemKind::String | ItemKind::RawString => self.unquote(&t.val),
            _ => Err(self.unexpected(t, context)),
        }
    }

    fn unquote(&self, quoted: &str) -> PResult<String> {
        crate::fmt::unquote(quoted).ok_or_else(|| self.errorf("invalid syntax"))
    }

    fn pipeline(&mut self, context: &str, end: ItemKind) -> PResult<Pipe> {
        let token = self.peek_non_space();
        let mut pipe = Pipe {
            pos: token.pos,
            is_assign: false,
            decl: Vec::new(),
            cmds: Vec::new(),
        };
        'decls: loop {
            let v = self.peek_non_space();
            if v.kind != ItemKind::Variable {
                break;
            }
            let before = self.idx;
            self.next_non_space();
            let after_var = self.peek();
            let next = self.peek_non_space();
            match next.kind {
                ItemKind::Assign | ItemKind::Declare => {
                    pipe.is_assign = next.kind == ItemKind::Assign;
                    self.next_non_space();
                    pipe.decl.push(new_variable(v.pos, &v.val));
                    self.vars.push(v.val.clone());
                }
                ItemKind::Char if next.val == "," => {
                    self.next_non_space();
                    pipe.decl.push(new_variable(v.pos, &v.val));
                    self.vars.push(v.val.clone());
                    if context == "range" && pipe.decl.len() < 2 {
                        match self.peek_non_space().kind {
                            ItemKind::Variable | ItemKind::RightDelim | ItemKind::RightParen => {
                                continue 'decls;
                            }
                            _ => return Err(self.errorf("range can only initialize variables")),
                        }
                    }
                    return Err(self.errorf(format!("too many declarations in {context}")));
                }
                _ if after_var.kind == ItemKind::Space => {
                    self.idx = before;
                }
                _ => {
                    self.idx = before;
                }
            }
            break;
        }
        loop {
            let token = self.next_non_space();
            match token.kind {
                k if k == end => {
                    self.check_pipeline(&pipe, context)?;
                    return Ok(pipe);
                }
                ItemKind::Bool
                | ItemKind::CharConstant
                | ItemKind::Complex
                | ItemKind::Dot
                | ItemKind::Field
                | ItemKind::Identifier
                | ItemKind::Number
                | ItemKind::Nil
                | ItemKind::RawString
                | ItemKind::String
                | ItemKind::Variable
                | ItemKind::LeftParen => {
                    self.backup();
                    let cmd = self.command()?;
                    pipe.cmds.push(cmd);
                }
                _ => return Err(self.unexpected(&token, context)),
            }
        }
    }

    fn check_pipeline(&self, pipe: &Pipe, context: &str) -> PResult<()> {
        if pipe.cmds.is_empty() {
            return Err(self.errorf(format!("missing value for {context}")));
        }
        for (i, c) in pipe.cmds.iter().enumerate().skip(1) {
            if matches!(
                c.args[0],
                Arg::Bool { .. }
                    | Arg::Dot { .. }
                    | Arg::Nil { .. }
                    | Arg::Number { .. }
                    | Arg::String { .. }
            ) {
                return Err(self.errorf(format!(
                    "non executable command in pipeline stage {}",
                    i + 1
                )));
            }
        }
        Ok(())
    }

    fn command(&mut self) -> PResult<Command> {
        let pos = self.peek_non_space().pos;
        let mut cmd = Command {
            pos,
            args: Vec::new(),
        };
        loop {
            self.peek_non_space();
            if let Some(op) = self.operand()? {
                cmd.args.push(op);
            }
            let t = self.next();
            match t.kind {
                ItemKind::Space => continue,
                ItemKind::RightDelim | ItemKind::RightParen => self.backup(),
                ItemKind::Pipe => {}
                _ => return Err(self.unexpected(&t, "operand")),
            }
            break;
        }
        if cmd.args.is_empty() {
            return Err(self.errorf("empty command"));
        }
        Ok(cmd)
    }

    fn operand(&mut self) -> PResult<Option<Arg>> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if self.peek_kind() != ItemKind::Field {
            return Ok(Some(node));
        }
        let chain_pos = self.peek().pos;
        let mut fields = Vec::new();
        while self.peek_kind() == ItemKind::Field {
            let f = self.next();
            fields.push(f.val[1..].to_string());
        }
        Ok(Some(match node {
            Arg::Field { mut ident, .. } => {
                ident.extend(fields);
                Arg::Field {
                    pos: chain_pos,
                    ident,
                }
            }
            Arg::Variable(Variable { mut ident, .. }) => {
                ident.extend(fields);
                Arg::Variable(Variable {
                    pos: chain_pos,
                    ident,
                })
            }
            n @ (Arg::Bool { .. }
            | Arg::String { .. }
            | Arg::Number { .. }
            | Arg::Nil { .. }
            | Arg::Dot { .. }) => {
                return Err(self.errorf(format!(
                    "unexpected . after term {}",
                    crate::fmt::quote(&n.to_string())
                )));
            }
            n => Arg::Chain {
                pos: chain_pos,
                node: Box::new(n),
                fields,
            },
        }))
    }

    fn term(&mut self) -> PResult<Option<Arg>> {
        let t = self.next_non_space();
        Ok(Some(match t.kind {
            ItemKind::Identifier => {
                if !(self.has_func)(&t.val) {
                    return Err(self.errorf(format!(
                        "function {} not defined",
                        crate::fmt::quote(&t.val)
                    )));
                }
                Arg::Identifier {
                    pos: t.pos,
                    name: t.val,
                }
            }
            ItemKind::Dot => Arg::Dot { pos: t.pos },
            ItemKind::Nil => Arg::Nil { pos: t.pos },
            ItemKind::Variable => {
                let v = new_variable(t.pos, &t.val);
                if !self.vars.iter().any(|n| *n == v.ident[0]) {
                    return Err(self.errorf(format!(
                        "undefined variable {}",
                        crate::fmt::quote(&v.ident[0])
                    )));
                }
                Arg::Variable(v)
            }
            ItemKind::Field => Arg::Field {
                pos: t.pos,
                ident: t.val[1..].split('.').map(str::to_string).collect(),
            },
            ItemKind::Bool => Arg::Bool {
                pos: t.pos,
                value: t.val == "true",
            },
            ItemKind::CharConstant | ItemKind::Complex | ItemKind::Number => {
                let number = parse_number(&t.val, t.kind).map_err(|m| self.errorf(m))?;
                Arg::Number { pos: t.pos, number }
            }
            ItemKind::LeftParen => {
                self.enter()?;
                let p = self.pipeline("parenthesized pipeline", ItemKind::RightParen)?;
                self.leave();
                Arg::Pipe(Box::new(p))
            }
            ItemKind::String | ItemKind::RawString => {
                let s = self.unquote(&t.val)?;
                Arg::String {
                    pos: t.pos,
                    quoted: t.val,
                    text: s.into(),
                }
            }
            _ => {
                self.backup();
                return Ok(None);
            }
        }))
    }
}

fn new_variable(pos: usize, name: &str) -> Variable {
    Variable {
        pos,
        ident: name.split('.').map(str::to_string).collect(),
    }
}

/// What `text_or_action` found.
#[derive(Debug)]
enum Parsed {
    Node(Node),
    End,
    Else,
    ElseIf,
}

impl Parsed {
    fn name(&self) -> &'static str {
        match self {
            Parsed::End => "{{end}}",
            Parsed::Else | Parsed::ElseIf => "{{else}}",
            Parsed::Node(_) => "node",
        }
    }
}

/// `REAL±IMAGi`, as Go's `fmt.Sscan` reads a complex128.
fn parse_complex(text: &str) -> Option<(f64, f64)> {
    let body = text.strip_suffix('i')?;
    let split = body
        .char_indices()
        .skip(1)
        .filter(|(i, c)| {
            (*c == '+' || *c == '-') && !matches!(body.as_bytes()[i - 1], b'e' | b'E' | b'p' | b'P')
        })
        .map(|(i, _)| i)
        .last()?;
    let re = crate::fmt::parse_go_float(&body[..split])?;
    let im = crate::fmt::parse_go_float(&body[split..])?;
    Some((re, im))
}

/// Go's `simplifyComplex`: a complex constant with no imaginary part is
/// also a float, and an integer when whole.
fn simplify_complex(mut n: Number, (re, im): (f64, f64)) -> Number {
    n.complex = Some((re, im));
    if im == 0.0 {
        n.float = Some(re);
        if re.fract() == 0.0 && re.abs() < 9.2e18 {
            n.int = Some(re as i64);
        }
        if re.fract() == 0.0 && (0.0..1.8e19).contains(&re) {
            n.uint = Some(re as u64);
        }
    }
    n
}

/// Parses a number constant as Go's `newNumber` does.
fn parse_number(text: &str, kind: ItemKind) -> Result<Number, String> {
    let mut n = Number {
        text: text.to_string(),
        int: None,
        uint: None,
        float: None,
        complex: None,
    };
    if kind == ItemKind::CharConstant {
        let inner = &text[1..];
        let (c, tail) = crate::fmt::unquote_char(inner, '\'').ok_or("invalid syntax")?;
        if tail != "'" {
            return Err(format!("malformed character constant: {text}"));
        }
        n.int = Some(c as i64);
        n.uint = Some(c as u64);
        n.float = Some(c as u32 as f64);
        return Ok(n);
    }
    if kind == ItemKind::Complex {
        let c = parse_complex(text).ok_or_else(|| "expected integer".to_string())?;
        return Ok(simplify_complex(n, c));
    }
    if let Some(imag) = text.strip_suffix('i').and_then(crate::fmt::parse_go_float) {
        return Ok(simplify_complex(n, (0.0, imag)));
    }
    let u = crate::fmt::parse_go_uint(text);
    let i = crate::fmt::parse_go_int(text);
    n.uint = u;
    if let Some(i) = i {
        n.int = Some(i);
        if i == 0 {
            n.uint = Some(0);
        }
    }
    if let Some(i) = n.int {
        n.float = Some(i as f64);
    } else if let Some(u) = n.uint {
        n.float = Some(u as f64);
    } else if let Some(f) = crate::fmt::parse_go_float(text) {
        if !text.contains(['.', 'e', 'E', 'p', 'P']) {
            return Err(format!("integer overflow: {}", crate::fmt::quote(text)));
        }
        n.float = Some(f);
        if f.fract() == 0.0 && (-9.223372036854776e18..9.223372036854776e18).contains(&f) {
            n.int = Some(f as i64);
        }
        if f.fract() == 0.0 && (0.0..1.8446744073709552e19).contains(&f) {
            n.uint = Some(f as u64);
        }
    }
    if n.int.is_none() && n.uint.is_none() && n.float.is_none() {
        return Err(format!(
            "illegal number syntax: {}",
            crate::fmt::quote(text)
        ));
    }
    Ok(n)
}
