//! Execution: walks a parsed tree against data as Go's `text/template`
//! executor does, with its error texts and positions.

use std::cell::Cell;
use std::fmt::{self, Display};

use crate::error::{Error, FuncError};
use crate::func::{Function, Param};
use crate::parse::node::{Arg, Branch, Command, List, Node, Pipe, TemplateCall, Tree};
use crate::set::{MissingKey, TemplateSet};
use crate::value::Value;

/// What a function sees of the execution calling it: the template set (to
/// execute named templates, as Helm's `include` does, or parse new text
/// into a copy, as `tpl` does) and the shared work bounds.
pub struct Call<'a> {
    set: &'a TemplateSet,
    name: &'a str,
    depth: usize,
    budget: &'a Cell<usize>,
}

impl Call<'_> {
    /// The set the executing template belongs to.
    pub fn set(&self) -> &TemplateSet {
        self.set
    }

    /// The name of the executing template.
    pub fn template_name(&self) -> &str {
        self.name
    }

    /// Executes template `name` of the set with `data` as dot (Helm's
    /// `include`). Counts against the depth and output bounds of the
    /// calling execution.
    pub fn execute_template(&mut self, name: &str, data: Value) -> Result<String, Error> {
        execute_nested(self.set, name, &data, self.depth + 1, self.budget)
    }

    /// Parses `text` as template `name` into a copy of the set (its
    /// definitions are visible only there) and executes it with `data`
    /// (Helm's `tpl`).
    pub fn execute_text(&mut self, name: &str, text: &str, data: Value) -> Result<String, Error> {
        let mut child = self.set.clone();
        child.parse(name, text)?;
        execute_nested(&child, name, &data, self.depth + 1, self.budget)
    }

    /// Fails when a string of `len` bytes would exceed the output bound;
    /// functions building large strings call this first.
    pub fn check_size(&self, len: usize) -> Result<(), FuncError> {
        let max = self.set.options.limits.max_output;
        if len > max {
            return Err(FuncError::new(format!(
                "result of {len} bytes exceeds the output limit of {max} bytes"
            )));
        }
        Ok(())
    }

    /// Fails when a list of `len` items would exceed the range bound.
    pub fn check_items(&self, len: usize) -> Result<(), FuncError> {
        let max = self.set.options.limits.max_range;
        if len > max {
            return Err(FuncError::new(format!(
                "list of {len} items exceeds the limit of {max}"
            )));
        }
        Ok(())
    }
}

pub(crate) fn execute_top(set: &TemplateSet, name: &str, data: &Value) -> Result<String, Error> {
    let _cap = crate::fmt::cap_printing(set.options.limits.max_output);
    let budget = Cell::new(0);
    execute_nested(set, name, data, 0, &budget)
}

/// Stack left free before a nested template runs; below it the execution
/// continues on a new stack segment of [`STACK_SEGMENT`] bytes, so that
/// nesting up to the depth limit never overflows the caller's stack.
const STACK_RED_ZONE: usize = 256 << 10;
/// Size of each stack segment added for deep nesting.
const STACK_SEGMENT: usize = 8 << 20;

fn execute_nested(
    set: &TemplateSet,
    name: &str,
    data: &Value,
    depth: usize,
    budget: &Cell<usize>,
) -> Result<String, Error> {
    stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || {
        execute_on_stack(set, name, data, depth, budget)
    })
}

fn execute_on_stack(
    set: &TemplateSet,
    name: &str,
    data: &Value,
    depth: usize,
    budget: &Cell<usize>,
) -> Result<String, Error> {
    let Some(tree) = set.trees.get(name) else {
        return Err(Error::Template {
            message: format!(
                "no template {} associated with template {}",
                crate::fmt::quote(name),
                crate::fmt::quote(name)
            ),
        });
    };
    if depth > set.options.limits.max_depth {
        return Err(Error::Limit {
            name: name.to_string(),
            message: format!(
                "exceeded maximum template depth ({})",
                set.options.limits.max_depth
            ),
        });
    }
    let dot = match data {
        Value::Nil => Ev::Invalid,
        v => Ev::Val(v.clone(), false),
    };
    let mut state = State {
        set,
        tree,
        vars: vec![("$".to_string(), dot.clone())],
        depth,
        budget,
        out: String::new(),
        at: At::None,
    };
    state.walk_list(&dot, &tree.root)?;
    Ok(state.out)
}

/// A value during evaluation: Go's invalid `reflect.Value` (a missing
/// key, nil data) or a value, flagged when it sits in an `interface{}`
/// (a map element or list item), which changes some of Go's messages.
#[derive(Clone, Debug)]
enum Ev {
    Invalid,
    Val(Value, bool),
}

impl Ev {
    fn value(&self) -> Value {
        match self {
            Ev::Invalid => Value::Nil,
            Ev::Val(v, _) => v.clone(),
        }
    }

    /// Go's pipeline step `reflect.ValueOf(value.Interface())`.
    fn unwrap(self) -> Ev {
        match self {
            Ev::Val(Value::Nil, _) => Ev::Invalid,
            Ev::Val(v, _) => Ev::Val(v, false),
            Ev::Invalid => Ev::Invalid,
        }
    }

    fn go_type(&self) -> String {
        match self {
            Ev::Invalid => "<nil>".into(),
            Ev::Val(_, true) => "interface {}".into(),
            Ev::Val(v, false) => v.type_name().to_string(),
        }
    }
}

/// The node execution is at, for error contexts (Go's `state.at`).
#[derive(Clone, Copy)]
enum At<'a> {
    None,
    Node(&'a Node),
    Pipe(&'a Pipe),
    Cmd(&'a Command),
    Arg(&'a Arg),
}

impl At<'_> {
    fn pos(&self) -> usize {
        match self {
            At::None => 0,
            At::Node(n) => match n {
                Node::Action(p) => p.pos,
                Node::If(b) | Node::Range(b) | Node::With(b) => b.pipe.pos,
                Node::Template(t) => t.pos,
                Node::Text(_) | Node::Break | Node::Continue => 0,
            },
            At::Pipe(p) => p.pos,
            At::Cmd(c) => c.pos,
            At::Arg(a) => a.pos(),
        }
    }
}

impl Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            At::None => Ok(()),
            At::Node(n) => f.write_str(&crate::parse::node::node_string(n)),
            At::Pipe(p) => write!(f, "{p}"),
            At::Cmd(c) => write!(f, "{c}"),
            At::Arg(a) => write!(f, "{a}"),
        }
    }
}

enum Flow {
    Normal,
    Break,
    Continue,
}

type R<T> = Result<T, Error>;

struct State<'a> {
    set: &'a TemplateSet,
    tree: &'a Tree,
    vars: Vec<(String, Ev)>,
    depth: usize,
    budget: &'a Cell<usize>,
    out: String,
    at: At<'a>,
}

impl<'a> State<'a> {
    fn error(&self, message: impl Into<String>) -> Error {
        if let At::None = self.at {
            return Error::Template {
                message: format!("{}: {}", self.tree.name, message.into()),
            };
        }
        Error::Exec {
            location: self.tree.location(self.at.pos()),
            name: self.tree.name.clone(),
            context: self.at.to_string(),
            message: message.into(),
        }
    }

    fn write(&mut self, s: &str) -> R<()> {
        let used = self.budget.get() + s.len();
        let max = self.set.options.limits.max_output;
        if used > max {
            return Err(Error::Limit {
                name: self.tree.name.clone(),
                message: format!("output exceeds the limit of {max} bytes"),
            });
        }
        self.budget.set(used);
        self.out.push_str(s);
        Ok(())
    }

    fn walk_list(&mut self, dot: &Ev, list: &'a List) -> R<Flow> {
        for node in &list.nodes {
            match self.walk(dot, node)? {
                Flow::Normal => {}
                flow => return Ok(flow),
            }
        }
        Ok(Flow::Normal)
    }

    fn walk(&mut self, dot: &Ev, node: &'a Node) -> R<Flow> {
        self.at = At::Node(node);
        match node {
            Node::Text(t) => self.write(t)?,
            Node::Action(pipe) => {
                let v = self.eval_pipeline(dot, pipe)?;
                if pipe.decl.is_empty() {
                    self.at = At::Node(node);
                    let s = match v {
                        Ev::Invalid | Ev::Val(Value::Nil, _) => "<no value>".to_string(),
                        Ev::Val(v, _) => crate::fmt::sprint_value(&v),
                    };
                    self.write(&s)?;
                }
            }
            Node::Break => return Ok(Flow::Break),
            Node::Continue => return Ok(Flow::Continue),
            Node::If(b) => return self.walk_if_with(dot, b, false),
            Node::With(b) => return self.walk_if_with(dot, b, true),
            Node::Range(b) => return self.walk_range(dot, node, b),
            Node::Template(t) => self.walk_template(dot, t)?,
        }
        Ok(Flow::Normal)
    }

    fn walk_if_with(&mut self, dot: &Ev, b: &'a Branch, with: bool) -> R<Flow> {
        let mark = self.vars.len();
        let val = self.eval_pipeline(dot, &b.pipe)?;
        let truth = val.value().is_true();
        let flow = if truth {
            let d = if with { val } else { dot.clone() };
            self.walk_list(&d, &b.list)?
        } else if let Some(e) = &b.else_list {
            self.walk_list(dot, e)?
        } else {
            Flow::Normal
        };
        self.vars.truncate(mark);
        Ok(flow)
    }

    fn walk_range(&mut self, dot: &Ev, node: &'a Node, r: &'a Branch) -> R<Flow> {
        self.at = At::Node(node);
        let mark = self.vars.len();
        let val = self.eval_pipeline(dot, &r.pipe)?;
        let inner = self.vars.len();
        let mut ran = false;
        let max = self.set.options.limits.max_range;
        let too_many = |s: &Self, n: usize| {
            s.error(format!("range over {n} items exceeds the limit of {max}"))
        };
        match val {
            Ev::Val(Value::List(items), _) => {
                if items.len() > max {
                    return Err(too_many(self, items.len()));
                }
                for (i, elem) in items.iter().enumerate() {
                    ran = true;
                    let elem = Ev::Val(elem.clone(), true);
                    if self.one_iteration(r, inner, Ev::Val(Value::Int(i as i64), false), elem)? {
                        break;
                    }
                }
            }
            Ev::Val(Value::Map(m), _) => {
                let entries = m.entries();
                if entries.len() > max {
                    return Err(too_many(self, entries.len()));
                }
                for (k, v) in entries {
                    ran = true;
                    if self.one_iteration(
                        r,
                        inner,
                        Ev::Val(Value::string(k), false),
                        Ev::Val(v, true),
                    )? {
                        break;
                    }
                }
            }
            Ev::Val(Value::Int(n) | Value::Int64(n), _) => {
                if r.pipe.decl.len() > 1 {
                    return Err(self.error(format!(
                        "can't use {n} to iterate over more than one variable"
                    )));
                }
                if n > 0 && n as u64 > max as u64 {
                    return Err(too_many(self, n as usize));
                }
                for i in 0..n.max(0) {
                    ran = true;
                    let v = Ev::Val(Value::Int(i), false);
                    if self.one_iteration(r, inner, v.clone(), v)? {
                        break;
                    }
                }
            }
            Ev::Invalid => {}
            Ev::Val(v, _) => {
                return Err(self.error(format!(
                    "range can't iterate over {}",
                    crate::fmt::sprint_value(&v)
                )));
            }
        }
        if !ran && let Some(e) = &r.else_list {
            self.walk_list(dot, e)?;
        }
        self.vars.truncate(mark);
        Ok(Flow::Normal)
    }

    /// One `range` iteration; returns whether `{{break}}` ended the loop.
    fn one_iteration(&mut self, r: &'a Branch, mark: usize, index: Ev, elem: Ev) -> R<bool> {
        let n = self.vars.len();
        if !r.pipe.decl.is_empty() {
            self.vars[n - 1].1 = elem.clone();
        }
        if r.pipe.decl.len() > 1 {
            self.vars[n - 2].1 = index;
        }
        let flow = self.walk_list(&elem, &r.list)?;
        self.vars.truncate(mark);
        Ok(matches!(flow, Flow::Break))
    }

    fn walk_template(&mut self, dot: &Ev, t: &'a TemplateCall) -> R<()> {
        let Some(tree) = self.set.trees.get(&t.name) else {
            return Err(self.error(format!(
                "template {} not defined",
                crate::fmt::quote(&t.name)
            )));
        };
        let max = self.set.options.limits.max_depth;
        if self.depth >= max {
            return Err(self.error(format!("exceeded maximum template depth ({max})")));
        }
        let dot = match &t.pipe {
            Some(p) => self.eval_pipeline(dot, p)?,
            None => Ev::Invalid,
        };
        let mut inner = State {
            set: self.set,
            tree,
            vars: vec![("$".to_string(), dot.clone())],
            depth: self.depth + 1,
            budget: self.budget,
            out: std::mem::take(&mut self.out),
            at: At::None,
        };
        let result = stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || {
            inner.walk_list(&dot, &tree.root)
        });
        self.out = inner.out;
        result.map(|_| ())
    }

    fn eval_pipeline(&mut self, dot: &Ev, pipe: &'a Pipe) -> R<Ev> {
        self.at = At::Pipe(pipe);
        let mut value: Option<Ev> = None;
        for cmd in &pipe.cmds {
            value = Some(self.eval_command(dot, cmd, value)?.unwrap());
        }
        let value = value.unwrap_or(Ev::Invalid);
        for v in &pipe.decl {
            let name = &v.ident[0];
            if pipe.is_assign {
                if let Some(slot) = self.vars.iter_mut().rev().find(|(n, _)| n == name) {
                    slot.1 = value.clone();
                } else {
                    return Err(self.error(format!("undefined variable: {name}")));
                }
            } else {
                self.vars.push((name.clone(), value.clone()));
            }
        }
        Ok(value)
    }

    fn not_a_function(&self, args: &[Arg], final_: &Option<Ev>) -> R<()> {
        if args.len() > 1 || final_.is_some() {
            return Err(self.error(format!("can't give argument to non-function {}", args[0])));
        }
        Ok(())
    }

    fn eval_command(&mut self, dot: &Ev, cmd: &'a Command, final_: Option<Ev>) -> R<Ev> {
        let first = &cmd.args[0];
        match first {
            Arg::Field { ident, .. } => {
                self.at = At::Arg(first);
                return self.eval_field_chain(dot, dot.clone(), first, ident, &cmd.args, final_);
            }
            Arg::Chain { .. } => return self.eval_chain(dot, first, &cmd.args, final_),
            Arg::Identifier { name, .. } => {
                return self.eval_function(dot, first, name, At::Cmd(cmd), &cmd.args, final_);
            }
            Arg::Pipe(p) => {
                self.not_a_function(&cmd.args, &final_)?;
                return self.eval_pipeline(dot, p);
            }
            Arg::Variable(_) => return self.eval_variable(dot, first, &cmd.args, final_),
            _ => {}
        }
        self.at = At::Arg(first);
        self.not_a_function(&cmd.args, &final_)?;
        match first {
            Arg::Bool { value, .. } => Ok(Ev::Val(Value::Bool(*value), false)),
            Arg::Dot { .. } => Ok(dot.clone()),
            Arg::Nil { .. } => Err(self.error("nil is not a command")),
            Arg::Number { .. } => self.ideal_constant(first),
            Arg::String { text, .. } => Ok(Ev::Val(Value::String(text.clone()), false)),
            _ => Err(self.error(format!("can't evaluate command {}", first))),
        }
    }

    fn ideal_constant(&mut self, arg: &'a Arg) -> R<Ev> {
        self.at = At::Arg(arg);
        let Arg::Number { number: n, .. } = arg else {
            return Ok(Ev::Invalid);
        };
        let t = &n.text;
        let is_hex_int = t.len() > 2
            && t.starts_with('0')
            && (t.as_bytes()[1] == b'x' || t.as_bytes()[1] == b'X')
            && !t.contains(['p', 'P']);
        let is_rune = t.starts_with('\'');
        if let Some((re, im)) = n.complex {
            return Ok(Ev::Val(Value::Complex(re, im), false));
        }
        if let Some(f) = n.float
            && !is_hex_int
            && !is_rune
            && t.contains(['.', 'e', 'E', 'p', 'P'])
        {
            return Ok(Ev::Val(Value::Float(f), false));
        }
        if let Some(i) = n.int {
            return Ok(Ev::Val(Value::Int(i), false));
        }
        if n.uint.is_some() {
            return Err(self.error(format!("{t} overflows int")));
        }
        Ok(Ev::Invalid)
    }

    fn eval_chain(
        &mut self,
        dot: &Ev,
        chain: &'a Arg,
        args: &'a [Arg],
        final_: Option<Ev>,
    ) -> R<Ev> {
        self.at = At::Arg(chain);
        let Arg::Chain { node, fields, .. } = chain else {
            return Ok(Ev::Invalid);
        };
        if let Arg::Nil { .. } = node.as_ref() {
            return Err(self.error(format!("indirection through explicit nil in {chain}")));
        }
        let receiver = self.eval_arg_ev(dot, Param::Reflect, node)?;
        self.eval_field_chain(dot, receiver, chain, fields, args, final_)
    }

    fn eval_variable(
        &mut self,
        dot: &Ev,
        var: &'a Arg,
        args: &'a [Arg],
        final_: Option<Ev>,
    ) -> R<Ev> {
        self.at = At::Arg(var);
        let Arg::Variable(v) = var else {
            return Ok(Ev::Invalid);
        };
        let name = &v.ident[0];
        let Some((_, value)) = self.vars.iter().rev().find(|(n, _)| n == name) else {
            return Err(self.error(format!("undefined variable: {name}")));
        };
        let value = value.clone();
        if v.ident.len() == 1 {
            self.not_a_function(args, &final_)?;
            return Ok(value);
        }
        self.eval_field_chain(dot, value, var, &v.ident[1..], args, final_)
    }

    fn eval_field_chain(
        &mut self,
        dot: &Ev,
        mut receiver: Ev,
        node: &'a Arg,
        ident: &'a [String],
        args: &'a [Arg],
        final_: Option<Ev>,
    ) -> R<Ev> {
        let n = ident.len();
        for name in &ident[..n - 1] {
            receiver = self.eval_field(dot, name, node, &[], None, receiver)?;
        }
        self.eval_field(dot, &ident[n - 1], node, args, final_, receiver)
    }

    fn eval_field(
        &mut self,
        dot: &Ev,
        name: &str,
        node: &'a Arg,
        args: &'a [Arg],
        final_: Option<Ev>,
        receiver: Ev,
    ) -> R<Ev> {
        let (v, iface) = match receiver {
            Ev::Invalid => {
                if self.set.options.missing_key == MissingKey::Error {
                    return Err(self.error(format!(
                        "nil data; no entry for key {}",
                        crate::fmt::quote(name)
                    )));
                }
                return Ok(Ev::Invalid);
            }
            Ev::Val(v, iface) => (v, iface),
        };
        let typ = Ev::Val(v.clone(), iface).go_type();
        let has_args = args.len() > 1 || final_.is_some();
        match &v {
            Value::Nil => {
                return Err(self.error(format!("nil pointer evaluating {typ}.{name}")));
            }
            Value::Struct(s) => {
                if let Some(f) = s.method(name) {
                    let f = f.clone();
                    return self.eval_call(dot, &f, false, At::Arg(node), name, args, final_);
                }
                if let Some(field) = s.field(name) {
                    if has_args {
                        return Err(self.error(format!(
                            "{name} has arguments but cannot be invoked as function"
                        )));
                    }
                    return Ok(Ev::Val(field.clone(), false));
                }
            }
            Value::Map(m) => {
                if has_args {
                    return Err(self.error(format!("{name} is not a method but has arguments")));
                }
                return match m.get(name) {
                    Some(v) => Ok(Ev::Val(v, true)),
                    None => match self.set.options.missing_key {
                        MissingKey::Default => Ok(Ev::Invalid),
                        MissingKey::Zero => Ok(Ev::Val(Value::Nil, true)),
                        MissingKey::Error => Err(self.error(format!(
                            "map has no entry for key {}",
                            crate::fmt::quote(name)
                        ))),
                    },
                };
            }
            _ => {}
        }
        Err(self.error(format!("can't evaluate field {name} in type {typ}")))
    }

    fn eval_function(
        &mut self,
        dot: &Ev,
        ident: &'a Arg,
        name: &str,
        node: At<'a>,
        args: &'a [Arg],
        final_: Option<Ev>,
    ) -> R<Ev> {
        self.at = At::Arg(ident);
        let (f, builtin) = match self.set.funcs.get(name) {
            Some(f) => (f.clone(), false),
            None => match crate::builtins::get(name) {
                Some(f) => (f.clone(), true),
                None => {
                    return Err(self.error(format!(
                        "{} is not a defined function",
                        crate::fmt::quote(name)
                    )));
                }
            },
        };
        self.eval_call(dot, &f, builtin, node, name, args, final_)
    }

    #[allow(clippy::too_many_arguments)]
    fn eval_call(
        &mut self,
        dot: &Ev,
        f: &Function,
        builtin: bool,
        node: At<'a>,
        name: &str,
        args: &'a [Arg],
        final_: Option<Ev>,
    ) -> R<Ev> {
        let args = if args.is_empty() { args } else { &args[1..] };
        let num_in = args.len() + usize::from(final_.is_some());
        let nparams = f.params.len();
        if f.variadic.is_some() {
            if num_in < nparams {
                return Err(self.error(format!(
                    "wrong number of args for {name}: want at least {nparams} got {}",
                    args.len()
                )));
            }
        } else if num_in != nparams {
            return Err(self.error(format!(
                "wrong number of args for {name}: want {nparams} got {num_in}"
            )));
        }
        if builtin && (name == "and" || name == "or") {
            let want = name == "or";
            let mut v = Ev::Invalid;
            for arg in args {
                v = self.eval_arg_ev(dot, Param::Reflect, arg)?;
                if v.value().is_true() == want {
                    return Ok(v);
                }
            }
            if let Some(fin) = final_ {
                v = fin;
            }
            return Ok(v);
        }
        let mut argv = Vec::with_capacity(num_in);
        for (i, arg) in args.iter().enumerate() {
            let p = f
                .params
                .get(i)
                .copied()
                .or(f.variadic)
                .unwrap_or(Param::Any);
            argv.push(self.eval_arg(dot, p, arg)?);
        }
        if let Some(fin) = final_ {
            let i = argv.len();
            let p = f
                .params
                .get(i)
                .copied()
                .or(f.variadic)
                .unwrap_or(Param::Any);
            argv.push(self.validate(fin, p)?);
        }
        let mut call = Call {
            set: self.set,
            name: &self.tree.name,
            depth: self.depth,
            budget: self.budget,
        };
        match (f.body)(&mut call, argv) {
            Ok(v) => {
                let nil = matches!(v, Value::Nil);
                Ok(Ev::Val(v, nil))
            }
            Err(e) => {
                self.at = node;
                Err(self.error(format!("error calling {name}: {e}")))
            }
        }
    }

    fn validate(&mut self, v: Ev, p: Param) -> R<Value> {
        let nilable = matches!(p, Param::Any | Param::Reflect | Param::List | Param::Map);
        let (value, iface) = match v {
            Ev::Invalid => {
                if nilable {
                    return Ok(Value::Nil);
                }
                return Err(self.error(format!("invalid value; expected {}", p.go_type())));
            }
            Ev::Val(v, iface) => (v, iface),
        };
        let ok = matches!(
            (p, &value),
            (Param::Any | Param::Reflect, _)
                | (Param::String, Value::String(_))
                | (Param::Int, Value::Int(_))
                | (Param::Float, Value::Float(_))
                | (Param::Bool, Value::Bool(_))
                | (Param::List, Value::List(_))
                | (Param::Map, Value::Map(_))
        );
        if ok {
            return Ok(value);
        }
        let got = if iface && matches!(value, Value::Nil) {
            "interface {}".to_string()
        } else {
            value.type_name().to_string()
        };
        Err(self.error(format!(
            "wrong type for value; expected {}; got {got}",
            p.go_type()
        )))
    }

    fn eval_arg(&mut self, dot: &Ev, p: Param, arg: &'a Arg) -> R<Value> {
        match self.eval_arg_ev(dot, p, arg)? {
            Ev::Invalid => Ok(Value::Nil),
            Ev::Val(v, _) => Ok(v),
        }
    }

    fn eval_arg_ev(&mut self, dot: &Ev, p: Param, arg: &'a Arg) -> R<Ev> {
        self.at = At::Arg(arg);
        let v = match arg {
            Arg::Dot { .. } => dot.clone(),
            Arg::Nil { .. } => {
                if matches!(p, Param::Any | Param::Reflect | Param::List | Param::Map) {
                    return Ok(Ev::Invalid);
                }
                return Err(self.error(format!("cannot assign nil to {}", p.go_type())));
            }
            Arg::Field { ident, .. } => self.eval_field_chain(
                dot,
                dot.clone(),
                arg,
                ident,
                std::slice::from_ref(arg),
                None,
            )?,
            Arg::Variable(_) => self.eval_variable(dot, arg, &[], None)?,
            Arg::Pipe(pipe) => self.eval_pipeline(dot, pipe)?,
            Arg::Identifier { name, .. } => {
                self.eval_function(dot, arg, name, At::Arg(arg), &[], None)?
            }
            Arg::Chain { .. } => self.eval_chain(dot, arg, &[], None)?,
            Arg::Bool { value, .. } => {
                return match p {
                    Param::Bool | Param::Any | Param::Reflect => {
                        Ok(Ev::Val(Value::Bool(*value), false))
                    }
                    _ => Err(self.literal_mismatch(p, arg)),
                };
            }
            Arg::String { text, .. } => {
                return match p {
                    Param::String | Param::Any | Param::Reflect => {
                        Ok(Ev::Val(Value::String(text.clone()), false))
                    }
                    _ => Err(self.literal_mismatch(p, arg)),
                };
            }
            Arg::Number { number, .. } => {
                return match p {
                    Param::Any | Param::Reflect => self.ideal_constant(arg),
                    Param::Int if number.int.is_some() => {
                        Ok(Ev::Val(Value::Int(number.int.unwrap_or(0)), false))
                    }
                    Param::Float if number.float.is_some() => {
                        Ok(Ev::Val(Value::Float(number.float.unwrap_or(0.0)), false))
                    }
                    _ => Err(self.literal_mismatch(p, arg)),
                };
            }
        };
        if matches!(p, Param::Reflect) {
            return Ok(v);
        }
        // Go reports a mismatch at the last node it evaluated, which may
        // lie inside the argument.
        let value = self.validate(v, p)?;
        Ok(Ev::Val(value, false))
    }

    fn literal_mismatch(&self, p: Param, arg: &Arg) -> Error {
        let what = match p {
            Param::Bool => "expected bool; found",
            Param::String => "expected string; found",
            Param::Int => "expected integer; found",
            Param::Float => "expected float; found",
            _ => {
                return self.error(format!(
                    "can't handle {arg} for arg of type {}",
                    p.go_type()
                ));
            }
        };
        self.error(format!("{what} {arg}"))
    }
}
