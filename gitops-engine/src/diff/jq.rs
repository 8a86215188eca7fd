//! A documented subset of jq path expressions, enough for the
//! `jqPathExpressions` of `ignoreDifferences` (each expression `E` is run as
//! `del(E)` on the object).
//!
//! Supported grammar (whitespace is allowed around `|`, operators and
//! parentheses):
//!
//! ```text
//! expr    := term ('|' term)*
//! term    := 'select(' cond ')' steps | '.' (name | string)? steps
//! steps   := ( '.' name | '.' string | '[' ']' | '[' int ']' | '[' string ']' | '?' )*
//! cond    := expr ( ('==' | '!=') literal | '|' func )? | func
//! func    := ('startswith' | 'endswith' | 'contains' | 'test' | 'has') '(' string ')'
//! literal := string | number | true | false | null
//! ```
//!
//! `name` is `[A-Za-z_][A-Za-z0-9_]*`; `.[]` iterates arrays and object
//! values; negative indices count from the end; `?` after a step suppresses
//! its errors; `test` takes a Rust regular expression. A `cond` without an
//! operator is true when its value is neither `null` nor `false`. As in jq,
//! an error anywhere (e.g. iterating a string) makes the whole deletion a
//! no-op.

use regex::Regex;
use serde_json::Value;
use thiserror::Error;

use super::location::{Loc, child, delete_all};

/// Why a jq expression could not be parsed.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("at byte {position}: {message}")]
pub struct JqParseError {
    /// Byte offset of the problem in the expression.
    pub position: usize,
    /// What was wrong.
    pub message: String,
}

/// A compiled path expression.
#[derive(Debug, Clone)]
pub struct JqPath {
    terms: Vec<Term>,
}

#[derive(Debug, Clone)]
enum Term {
    Step { step: Step, optional: bool },
    Select(Box<Cond>),
}

#[derive(Debug, Clone)]
enum Step {
    Field(String),
    Index(i64),
    Iterate,
}

#[derive(Debug, Clone)]
enum Cond {
    Truthy(JqPath),
    Compare {
        lhs: JqPath,
        equal: bool,
        rhs: Value,
    },
    Func {
        lhs: JqPath,
        func: Func,
    },
}

#[derive(Debug, Clone)]
enum Func {
    StartsWith(String),
    EndsWith(String),
    Contains(String),
    Test(Regex),
    Has(String),
}

struct Failed;

impl JqPath {
    /// Parses `expr`.
    pub fn parse(expr: &str) -> Result<Self, JqParseError> {
        let mut p = Parser { src: expr, pos: 0 };
        let path = p.expr()?;
        p.skip_ws();
        if p.pos < expr.len() {
            return Err(p.error("unexpected trailing input"));
        }
        Ok(path)
    }

    /// Deletes every location the expression selects in `doc` (jq
    /// `del(expr)`); does nothing when evaluation fails.
    pub fn delete(&self, doc: &mut Value) {
        let Ok(found) = self.eval(doc) else { return };
        let locations = found.into_iter().map(|(loc, _)| loc).collect();
        delete_all(doc, locations);
    }

    fn eval<'a>(&self, doc: &'a Value) -> Result<Vec<(Vec<Loc>, &'a Value)>, Failed> {
        let mut current = vec![(Vec::new(), doc)];
        for term in &self.terms {
            let mut next = Vec::new();
            for (loc, value) in current {
                match term {
                    Term::Step { step, optional } => match apply_step(step, &loc, value) {
                        Ok(out) => next.extend(out),
                        Err(Failed) if *optional => {}
                        Err(Failed) => return Err(Failed),
                    },
                    Term::Select(cond) => {
                        if cond.holds(value)? {
                            next.push((loc, value));
                        }
                    }
                }
            }
            current = next;
        }
        Ok(current)
    }
}

static NULL: Value = Value::Null;

fn apply_step<'a>(
    step: &Step,
    loc: &[Loc],
    value: &'a Value,
) -> Result<Vec<(Vec<Loc>, &'a Value)>, Failed> {
    let at = |l: Loc| child(loc, l);
    match (step, value) {
        (Step::Field(k), Value::Object(m)) => {
            Ok(vec![(at(Loc::Key(k.clone())), m.get(k).unwrap_or(&NULL))])
        }
        (Step::Field(k), Value::Null) => Ok(vec![(at(Loc::Key(k.clone())), &NULL)]),
        (Step::Index(i), Value::Array(items)) => {
            let idx = if *i < 0 { items.len() as i64 + i } else { *i };
            Ok(usize::try_from(idx)
                .ok()
                .and_then(|u| items.get(u).map(|v| (at(Loc::Index(u)), v)))
                .into_iter()
                .collect())
        }
        (Step::Index(_), Value::Null) => Ok(Vec::new()),
        (Step::Iterate, Value::Array(items)) => Ok(items
            .iter()
            .enumerate()
            .map(|(i, v)| (at(Loc::Index(i)), v))
            .collect()),
        (Step::Iterate, Value::Object(m)) => Ok(m
            .iter()
            .map(|(k, v)| (at(Loc::Key(k.clone())), v))
            .collect()),
        _ => Err(Failed),
    }
}

impl Cond {
    fn holds(&self, value: &Value) -> Result<bool, Failed> {
        let lhs = match self {
            Cond::Truthy(lhs) | Cond::Compare { lhs, .. } | Cond::Func { lhs, .. } => lhs,
        };
        Ok(lhs.eval(value)?.into_iter().any(|(_, v)| self.accepts(v)))
    }

    fn accepts(&self, v: &Value) -> bool {
        match self {
            Cond::Truthy(_) => !matches!(v, Value::Null | Value::Bool(false)),
            Cond::Compare { equal, rhs, .. } => (v == rhs) == *equal,
            Cond::Func { func, .. } => func.holds(v),
        }
    }
}

impl Func {
    fn holds(&self, v: &Value) -> bool {
        match (self, v) {
            (Func::Has(k), Value::Object(m)) => m.contains_key(k),
            (Func::Has(_), _) => false,
            (_, Value::String(s)) => match self {
                Func::StartsWith(p) => s.starts_with(p.as_str()),
                Func::EndsWith(p) => s.ends_with(p.as_str()),
                Func::Contains(p) => s.contains(p.as_str()),
                Func::Test(re) => re.is_match(s),
                Func::Has(_) => false,
            },
            _ => false,
        }
    }
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn error(&self, message: &str) -> JqParseError {
        JqParseError {
            position: self.pos,
            message: message.to_string(),
        }
    }

    fn rest(&self) -> &str {
        &self.src[self.pos..]
    }

    fn skip_ws(&mut self) {
        let trimmed = self.rest().trim_start();
        self.pos = self.src.len() - trimmed.len();
    }

    fn eat(&mut self, token: &str) -> bool {
        self.skip_ws();
        if self.rest().starts_with(token) {
            self.pos += token.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, token: &str) -> Result<(), JqParseError> {
        if self.eat(token) {
            Ok(())
        } else {
            Err(self.error(&format!("expected `{token}`")))
        }
    }

    fn expr(&mut self) -> Result<JqPath, JqParseError> {
        let mut terms = Vec::new();
        loop {
            self.term(&mut terms)?;
            self.skip_ws();
            // A `|` followed by a function name belongs to a select condition.
            let save = self.pos;
            if self.eat("|") {
                self.skip_ws();
                if self.rest().starts_with('.') || self.rest().starts_with("select(") {
                    continue;
                }
                self.pos = save;
            }
            return Ok(JqPath { terms });
        }
    }

    fn term(&mut self, terms: &mut Vec<Term>) -> Result<(), JqParseError> {
        if self.eat("select(") {
            let cond = self.cond()?;
            self.expect(")")?;
            terms.push(Term::Select(Box::new(cond)));
            // `select(...).field` continues with steps.
            return self.steps(terms, false);
        }
        self.expect(".")?;
        // `.name` or `."text"` directly after the leading dot.
        let named = match self.field_name()? {
            Some(name) => {
                terms.push(Term::Step {
                    step: Step::Field(name),
                    optional: false,
                });
                true
            }
            None => false,
        };
        self.steps(terms, named)
    }

    /// Steps after the start of a term: `.name`, `."text"`, `[...]`, `?`.
    /// `any` tells whether a step was already pushed (for `?`).
    fn steps(&mut self, terms: &mut Vec<Term>, mut any: bool) -> Result<(), JqParseError> {
        loop {
            if self.rest().starts_with('?') {
                self.pos += 1;
                match terms.last_mut() {
                    Some(Term::Step { optional, .. }) if any => *optional = true,
                    _ => return Err(self.error("`?` must follow a step")),
                }
            } else if self.rest().starts_with('[') {
                self.pos += 1;
                terms.push(Term::Step {
                    step: self.bracket()?,
                    optional: false,
                });
                any = true;
            } else if self.rest().starts_with('.') {
                self.pos += 1;
                match self.field_name()? {
                    Some(name) => {
                        terms.push(Term::Step {
                            step: Step::Field(name),
                            optional: false,
                        });
                        any = true;
                    }
                    None if self.rest().starts_with('[') => {}
                    None => return Err(self.error("expected a field name after `.`")),
                }
            } else {
                return Ok(());
            }
        }
    }

    fn field_name(&mut self) -> Result<Option<String>, JqParseError> {
        if self.rest().starts_with('"') {
            return self.string().map(Some);
        }
        let len = self
            .rest()
            .char_indices()
            .find(|(i, c)| {
                !(c.is_ascii_alphabetic() || *c == '_' || (*i > 0 && c.is_ascii_digit()))
            })
            .map_or(self.rest().len(), |(i, _)| i);
        if len == 0 {
            return Ok(None);
        }
        let name = self.rest()[..len].to_string();
        self.pos += len;
        Ok(Some(name))
    }

    fn bracket(&mut self) -> Result<Step, JqParseError> {
        self.skip_ws();
        let step = if self.rest().starts_with(']') {
            Step::Iterate
        } else if self.rest().starts_with('"') {
            Step::Field(self.string()?)
        } else {
            let len = self
                .rest()
                .char_indices()
                .find(|(i, c)| !(c.is_ascii_digit() || (*i == 0 && *c == '-')))
                .map_or(self.rest().len(), |(i, _)| i);
            let n = self.rest()[..len]
                .parse::<i64>()
                .map_err(|_| self.error("expected an index"))?;
            self.pos += len;
            Step::Index(n)
        };
        self.expect("]")?;
        Ok(step)
    }

    fn string(&mut self) -> Result<String, JqParseError> {
        self.skip_ws();
        let rest = self.rest();
        if !rest.starts_with('"') {
            return Err(self.error("expected a string"));
        }
        let mut escaped = false;
        for (i, c) in rest.char_indices().skip(1) {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    let literal = &rest[..=i];
                    let s: String = serde_json::from_str(literal)
                        .map_err(|_| self.error("invalid string literal"))?;
                    self.pos += i + 1;
                    return Ok(s);
                }
                _ => escaped = false,
            }
        }
        Err(self.error("unterminated string"))
    }

    fn cond(&mut self) -> Result<Cond, JqParseError> {
        self.skip_ws();
        if !self.rest().starts_with('.') {
            let func = self.func()?;
            return Ok(Cond::Func {
                lhs: JqPath { terms: Vec::new() },
                func,
            });
        }
        let lhs = self.expr()?;
        if self.eat("==") {
            return Ok(Cond::Compare {
                lhs,
                equal: true,
                rhs: self.literal()?,
            });
        }
        if self.eat("!=") {
            return Ok(Cond::Compare {
                lhs,
                equal: false,
                rhs: self.literal()?,
            });
        }
        if self.eat("|") {
            let func = self.func()?;
            return Ok(Cond::Func { lhs, func });
        }
        Ok(Cond::Truthy(lhs))
    }

    fn func(&mut self) -> Result<Func, JqParseError> {
        self.skip_ws();
        let names = ["startswith", "endswith", "contains", "test", "has"];
        let Some(name) = names
            .into_iter()
            .find(|n| self.rest().starts_with(&format!("{n}(")))
        else {
            return Err(self.error("unsupported function"));
        };
        self.pos += name.len() + 1;
        let arg = self.string()?;
        self.expect(")")?;
        Ok(match name {
            "startswith" => Func::StartsWith(arg),
            "endswith" => Func::EndsWith(arg),
            "contains" => Func::Contains(arg),
            "has" => Func::Has(arg),
            _ => Func::Test(Regex::new(&arg).map_err(|e| self.error(&e.to_string()))?),
        })
    }

    fn literal(&mut self) -> Result<Value, JqParseError> {
        self.skip_ws();
        if self.rest().starts_with('"') {
            return self.string().map(Value::String);
        }
        let len = self
            .rest()
            .find(|c: char| c.is_whitespace() || c == ')')
            .unwrap_or(self.rest().len());
        let v: Value = serde_json::from_str(&self.rest()[..len])
            .map_err(|_| self.error("expected a literal"))?;
        if v.is_array() || v.is_object() {
            return Err(self.error("expected a scalar literal"));
        }
        self.pos += len;
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn del(expr: &str, mut doc: Value) -> Value {
        JqPath::parse(expr).unwrap().delete(&mut doc);
        doc
    }

    #[test]
    fn simple_paths() {
        assert_eq!(
            del(".spec.replicas", json!({"spec": {"replicas": 1, "x": 2}})),
            json!({"spec": {"x": 2}})
        );
        assert_eq!(
            del(
                ".metadata.annotations.\"a/b\"",
                json!({"metadata": {"annotations": {"a/b": 1}}})
            ),
            json!({"metadata": {"annotations": {}}})
        );
        assert_eq!(
            del(".a[\"b.c\"]", json!({"a": {"b.c": 1}})),
            json!({"a": {}})
        );
        assert_eq!(del(".missing.deeper", json!({"a": 1})), json!({"a": 1}));
    }

    #[test]
    fn indexes_and_iteration() {
        assert_eq!(del(".a[0]", json!({"a": [1, 2, 3]})), json!({"a": [2, 3]}));
        assert_eq!(del(".a[-1]", json!({"a": [1, 2, 3]})), json!({"a": [1, 2]}));
        assert_eq!(del(".a[]", json!({"a": [1, 2, 3]})), json!({"a": []}));
        assert_eq!(
            del(".a[].b", json!({"a": [{"b": 1, "c": 1}, {"b": 2}]})),
            json!({"a": [{"c": 1}, {}]})
        );
        assert_eq!(
            del(".webhooks[]?.clientConfig.caBundle", json!({"x": 1})),
            json!({"x": 1})
        );
    }

    #[test]
    fn select_conditions() {
        let doc = json!({"c": [{"name": "istio-proxy", "i": 1}, {"name": "app", "i": 2}]});
        assert_eq!(
            del(".c[] | select(.name == \"app\")", doc.clone()),
            json!({"c": [{"name": "istio-proxy", "i": 1}]})
        );
        assert_eq!(
            del(".c[] | select(.name != \"app\") | .i", doc.clone()),
            json!({"c": [{"name": "istio-proxy"}, {"name": "app", "i": 2}]})
        );
        assert_eq!(
            del(".c[] | select(.name | startswith(\"istio\"))", doc.clone()),
            json!({"c": [{"name": "app", "i": 2}]})
        );
        assert_eq!(
            del(".c[] | select(.name | test(\"^a.p$\")) | .i", doc.clone()),
            json!({"c": [{"name": "istio-proxy", "i": 1}, {"name": "app"}]})
        );
        assert_eq!(
            del(".c[] | select(.i == 2)", doc.clone()),
            json!({"c": [{"name": "istio-proxy", "i": 1}]})
        );
        assert_eq!(del(".c[] | select(.i)", doc.clone()), json!({"c": []}));
        assert_eq!(
            del(".c[] | select(has(\"i\"))", doc.clone()),
            json!({"c": []})
        );
        assert_eq!(
            del(".c[] | select(.name == \"app\").i", doc.clone()),
            json!({"c": [{"name": "istio-proxy", "i": 1}, {"name": "app"}]})
        );
        assert_eq!(
            del(".c[]|select(.name|endswith(\"proxy\"))|.i", doc),
            json!({"c": [{"name": "istio-proxy"}, {"name": "app", "i": 2}]})
        );
    }

    #[test]
    fn errors_make_deletion_a_noop() {
        assert_eq!(del(".a[]", json!({"a": "text"})), json!({"a": "text"}));
        assert_eq!(del(".a[]?", json!({"a": "text"})), json!({"a": "text"}));
    }

    #[test]
    fn parse_errors() {
        for bad in [
            ".a | select(.b == 1)?",
            ".c[] | select(has(\"i\") and false)",
            ".a.",
            "",
            "spec",
            ".a[",
            ".a | select(.b == )",
            ".a[x]",
            ".a | foo(\"x\")",
            ".a | select(.b | nope(\"x\"))",
        ] {
            assert!(JqPath::parse(bad).is_err(), "{bad}");
        }
    }
}
