//! Go's builtin template functions (`and or not len index slice print
//! printf println eq ne lt le gt ge html js urlquery call`), with Go's
//! comparison rules and error texts.

use std::sync::{Arc, OnceLock};

use crate::error::FuncError;
use crate::fmt::{sprint, sprintf, sprintln};
use crate::func::{FuncMap, Function, Param};
use crate::value::Value;

type Res = Result<Value, FuncError>;

const NAMES: [&str; 19] = [
    "and", "or", "not", "len", "index", "slice", "print", "printf", "println", "eq", "ne", "lt",
    "le", "gt", "ge", "html", "js", "urlquery", "call",
];

/// Whether `name` is one of Go's builtins.
pub(crate) fn is_builtin(name: &str) -> bool {
    NAMES.contains(&name)
}

/// The builtin called `name`.
pub(crate) fn get(name: &str) -> Option<&'static Function> {
    static MAP: OnceLock<FuncMap> = OnceLock::new();
    MAP.get_or_init(build).get(name)
}

fn build() -> FuncMap {
    use Param::{Any, Reflect, String as Str};
    let mut m = FuncMap::new();
    let mut add =
        |name: &str, params: &[Param], variadic: Option<Param>, f: fn(Vec<Value>) -> Res| {
            m.insert(name, Function::new(params, variadic, move |_, a| f(a)));
        };
    // `and`/`or` are evaluated lazily by the executor; these bodies are not called.
    add("and", &[Reflect], Some(Reflect), |a| {
        Ok(a.into_iter().last().unwrap_or_default())
    });
    add("or", &[Reflect], Some(Reflect), |a| {
        Ok(a.into_iter().last().unwrap_or_default())
    });
    add("not", &[Reflect], None, |a| {
        Ok(Value::Bool(!a[0].is_true()))
    });
    add("len", &[Reflect], None, |a| length(&a[0]));
    add("index", &[Reflect], Some(Reflect), |a| {
        index(&a[0], &a[1..])
    });
    add("slice", &[Reflect], Some(Reflect), |a| {
        slice(&a[0], &a[1..])
    });
    add("print", &[], Some(Any), |a| Ok(Value::from(sprint(&a))));
    add("println", &[], Some(Any), |a| Ok(Value::from(sprintln(&a))));
    add("printf", &[Str], Some(Any), |a| {
        Ok(Value::from(sprintf(
            a[0].as_str().unwrap_or_default(),
            &a[1..],
        )))
    });
    add("eq", &[Reflect], Some(Reflect), |a| {
        eq(&a[0], &a[1..]).map(Value::Bool)
    });
    add("ne", &[Reflect, Reflect], None, |a| {
        eq(&a[0], &a[1..2]).map(|b| Value::Bool(!b))
    });
    add("lt", &[Reflect, Reflect], None, |a| {
        lt(&a[0], &a[1]).map(Value::Bool)
    });
    add("le", &[Reflect, Reflect], None, |a| {
        le(&a[0], &a[1]).map(Value::Bool)
    });
    add("gt", &[Reflect, Reflect], None, |a| {
        le(&a[0], &a[1]).map(|b| Value::Bool(!b))
    });
    add("ge", &[Reflect, Reflect], None, |a| {
        lt(&a[0], &a[1]).map(|b| Value::Bool(!b))
    });
    add("html", &[], Some(Any), |a| {
        Ok(Value::from(html_escape(&eval_args(&a))))
    });
    add("js", &[], Some(Any), |a| {
        Ok(Value::from(js_escape(&eval_args(&a))))
    });
    add("urlquery", &[], Some(Any), |a| {
        Ok(Value::from(query_escape(&eval_args(&a))))
    });
    m.insert("call", Function::new(&[Reflect], Some(Reflect), call));
    m
}

/// Go's builtin `call`: calls a func value with arguments converted as
/// Go's `prepareArg` does.
fn call(c: &mut crate::Call<'_>, mut a: Vec<Value>) -> Res {
    let f = match &a[0] {
        Value::Func(f) => f.clone(),
        Value::Nil => return Err(FuncError::new("call of nil")),
        v => {
            return Err(FuncError::new(format!(
                "non-function of type {}",
                v.type_name()
            )));
        }
    };
    let args = a.split_off(1);
    let n = f.params.len();
    match f.variadic {
        Some(_) if args.len() < n => {
            return Err(FuncError::new(format!(
                "wrong number of args: got {} want at least {n}",
                args.len()
            )));
        }
        None if args.len() != n => {
            return Err(FuncError::new(format!(
                "wrong number of args: got {} want {n}",
                args.len()
            )));
        }
        _ => {}
    }
    for (i, arg) in args.iter().enumerate() {
        let p = f
            .params
            .get(i)
            .copied()
            .or(f.variadic)
            .unwrap_or(Param::Any);
        prepare_arg(arg, p).map_err(|e| FuncError::new(format!("arg {i}: {e}")))?;
    }
    (f.body)(c, args)
}

fn prepare_arg(v: &Value, p: Param) -> Result<(), String> {
    let ok = match (p, v) {
        (Param::Any | Param::Reflect, _) => true,
        (Param::List | Param::Map, Value::Nil) => true,
        (_, Value::Nil) => {
            return Err(format!("value is nil; should be of type {}", p.go_type()));
        }
        (Param::String, Value::String(_))
        | (Param::Int, Value::Int(_))
        | (Param::Float, Value::Float(_))
        | (Param::Bool, Value::Bool(_))
        | (Param::List, Value::List(_))
        | (Param::Map, Value::Map(_)) => true,
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "value has type {}; should be {}",
            v.type_name(),
            p.go_type()
        ))
    }
}

/// Go's `evalArgs` for `html`, `js` and `urlquery`.
fn eval_args(args: &[Value]) -> String {
    if let [Value::String(s)] = args {
        return s.to_string();
    }
    let printable: Vec<Value> = args
        .iter()
        .map(|a| match a {
            Value::Nil => Value::from("<no value>"),
            v => v.clone(),
        })
        .collect();
    sprint(&printable)
}

fn length(v: &Value) -> Res {
    Ok(Value::Int(match v {
        Value::String(s) => s.len(),
        Value::List(l) => l.len(),
        Value::Map(m) => m.len(),
        Value::Nil => return Err(FuncError::new("len of nil pointer")),
        v => return Err(FuncError::new(format!("len of type {}", v.type_name()))),
    } as i64))
}

fn index_arg(index: &Value, cap: usize) -> Result<usize, FuncError> {
    let x = match index {
        Value::Int(i) | Value::Int64(i) => *i,
        Value::Nil => return Err(FuncError::new("cannot index slice/array with nil")),
        v => {
            return Err(FuncError::new(format!(
                "cannot index slice/array with type {}",
                v.type_name()
            )));
        }
    };
    if x < 0 || x as u64 > cap as u64 {
        return Err(FuncError::new(format!("index out of range: {x}")));
    }
    Ok(x as usize)
}

/// Go's builtin `index`.
pub(crate) fn index(item: &Value, indexes: &[Value]) -> Res {
    if matches!(item, Value::Nil) {
        return Err(FuncError::new("index of untyped nil"));
    }
    let mut item = item.clone();
    for index in indexes {
        item = match &item {
            Value::List(l) => {
                let x = index_arg(index, l.len())?;
                l.get(x)
                    .cloned()
                    .ok_or_else(|| FuncError::new("reflect: slice index out of range"))?
            }
            Value::String(s) => {
                let x = index_arg(index, s.len())?;
                Value::Int(
                    *s.as_bytes()
                        .get(x)
                        .ok_or_else(|| FuncError::new("reflect: string index out of range"))?
                        as i64,
                )
            }
            Value::Map(m) => match index {
                Value::String(k) => m.get(k).unwrap_or(Value::Nil),
                Value::Nil => {
                    return Err(FuncError::new("value is nil; should be of type string"));
                }
                v => {
                    return Err(FuncError::new(format!(
                        "value has type {}; should be string",
                        v.type_name()
                    )));
                }
            },
            Value::Nil => return Err(FuncError::new("index of nil pointer")),
            v => {
                return Err(FuncError::new(format!(
                    "can't index item of type {}",
                    v.type_name()
                )));
            }
        };
    }
    Ok(item)
}

fn slice(item: &Value, indexes: &[Value]) -> Res {
    if matches!(item, Value::Nil) {
        return Err(FuncError::new("slice of untyped nil"));
    }
    if indexes.len() > 3 {
        return Err(FuncError::new(format!(
            "too many slice indexes: {}",
            indexes.len()
        )));
    }
    let len = match item {
        Value::String(s) => {
            if indexes.len() == 3 {
                return Err(FuncError::new("cannot 3-index slice a string"));
            }
            s.len()
        }
        Value::List(l) => l.len(),
        v => {
            return Err(FuncError::new(format!(
                "can't slice item of type {}",
                v.type_name()
            )));
        }
    };
    let mut idx = [0, len, len];
    for (i, index) in indexes.iter().enumerate() {
        idx[i] = index_arg(index, len)?;
    }
    if idx[0] > idx[1] {
        return Err(FuncError::new(format!(
            "invalid slice index: {} > {}",
            idx[0], idx[1]
        )));
    }
    if indexes.len() == 3 && idx[1] > idx[2] {
        return Err(FuncError::new(format!(
            "invalid slice index: {} > {}",
            idx[1], idx[2]
        )));
    }
    Ok(match item {
        Value::String(s) => {
            Value::from(String::from_utf8_lossy(&s.as_bytes()[idx[0]..idx[1]]).into_owned())
        }
        Value::List(l) => Value::List(Arc::new(l[idx[0]..idx[1]].to_vec())),
        _ => Value::Nil,
    })
}

#[derive(PartialEq, Clone, Copy)]
enum Kind {
    Invalid,
    Bool,
    Complex,
    Int,
    Float,
    String,
}

fn basic_kind(v: &Value) -> Kind {
    match v {
        Value::Bool(_) => Kind::Bool,
        Value::Int(_) | Value::Int64(_) => Kind::Int,
        Value::Float(_) => Kind::Float,
        Value::Complex(..) => Kind::Complex,
        Value::String(_) => Kind::String,
        _ => Kind::Invalid,
    }
}

const BAD_COMPARISON: &str = "incompatible types for comparison";
const BAD_COMPARISON_TYPE: &str = "invalid type for comparison";

/// Go's builtin `eq`: true if `a` equals any of `others`.
pub(crate) fn eq(a: &Value, others: &[Value]) -> Result<bool, FuncError> {
    if others.is_empty() {
        return Err(FuncError::new("missing argument for comparison"));
    }
    let k1 = basic_kind(a);
    for b in others {
        let k2 = basic_kind(b);
        let truth = if k1 != k2 {
            if !matches!(a, Value::Nil) && !matches!(b, Value::Nil) {
                return Err(FuncError::new(BAD_COMPARISON));
            }
            false
        } else {
            match (a, b) {
                (Value::Bool(x), Value::Bool(y)) => x == y,
                (Value::Int(x) | Value::Int64(x), Value::Int(y) | Value::Int64(y)) => x == y,
                (Value::Float(x), Value::Float(y)) => x == y,
                (Value::Complex(a, b), Value::Complex(c, d)) => a == c && b == d,
                (Value::String(x), Value::String(y)) => x == y,
                (Value::Nil, _) | (_, Value::Nil) => {
                    matches!(a, Value::Nil) && matches!(b, Value::Nil)
                }
                _ => {
                    if std::mem::discriminant(a) != std::mem::discriminant(b) {
                        return Err(FuncError::new(format!(
                            "non-comparable types {}: {}, {}: {}",
                            crate::fmt::sprint_value(a),
                            a.type_name(),
                            b.type_name(),
                            crate::fmt::sprint_value(b)
                        )));
                    }
                    return Err(FuncError::new(format!(
                        "non-comparable type {}: {}",
                        crate::fmt::sprint_value(b),
                        b.type_name()
                    )));
                }
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

fn lt(a: &Value, b: &Value) -> Result<bool, FuncError> {
    let (k1, k2) = (basic_kind(a), basic_kind(b));
    if k1 == Kind::Invalid || k2 == Kind::Invalid {
        return Err(FuncError::new(BAD_COMPARISON_TYPE));
    }
    if k1 != k2 {
        return Err(FuncError::new(BAD_COMPARISON));
    }
    Ok(match (a, b) {
        (Value::Int(x) | Value::Int64(x), Value::Int(y) | Value::Int64(y)) => x < y,
        (Value::Float(x), Value::Float(y)) => x < y,
        (Value::String(x), Value::String(y)) => x < y,
        _ => return Err(FuncError::new(BAD_COMPARISON_TYPE)),
    })
}

fn le(a: &Value, b: &Value) -> Result<bool, FuncError> {
    if lt(a, b)? {
        return Ok(true);
    }
    eq(a, std::slice::from_ref(b))
}

/// Go's `template.HTMLEscapeString`.
pub(crate) fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\0' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Go's `template.JSEscapeString`.
fn js_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04X}", c as u32)),
            c if (c as u32) < 0x80 => out.push(c),
            c if !c.is_control() => out.push(c),
            c => out.push_str(&format!("\\u{:04X}", c as u32)),
        }
    }
    out
}

/// Go's `url.QueryEscape`.
pub(crate) fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
