//! Sprig's list functions.

use std::sync::Arc;

use super::conv::{strslice, strval, to_i64};
use super::{Reg, Res, err};
use crate::func::Param::{Any, Int};
use crate::value::Value;

fn items<'a>(v: &'a Value, what: &str) -> Result<&'a Arc<Vec<Value>>, crate::FuncError> {
    match v {
        Value::List(l) => Ok(l),
        Value::Nil => Err(err(NIL_DEREF)),
        v => Err(err(format!("Cannot {what} type {}", v.kind_name()))),
    }
}

/// What Go reports when Sprig asks the type of a nil list.
const NIL_DEREF: &str = "runtime error: invalid memory address or nil pointer dereference";

fn list(v: Vec<Value>) -> Value {
    Value::List(Arc::new(v))
}

/// Registers a function and its `must` twin: the plain one reports the
/// same error (Go turns Sprig's panic into an error too).
fn pair(
    r: &mut Reg,
    name: &str,
    must: &str,
    params: &[crate::Param],
    variadic: Option<crate::Param>,
    f: fn(Vec<Value>) -> Res,
) {
    r.add(name, params, variadic, f);
    r.add(must, params, variadic, f);
}

pub(crate) fn register(r: &mut Reg) {
    r.add("list", &[], Some(Any), |a| Ok(list(a)));
    r.add("tuple", &[], Some(Any), |a| Ok(list(a)));
    pair(r, "append", "mustAppend", &[Any, Any], None, |a| {
        let mut l = items(&a[0], "push on")?.to_vec();
        l.push(a[1].clone());
        Ok(list(l))
    });
    pair(r, "push", "mustPush", &[Any, Any], None, |a| {
        let mut l = items(&a[0], "push on")?.to_vec();
        l.push(a[1].clone());
        Ok(list(l))
    });
    pair(r, "prepend", "mustPrepend", &[Any, Any], None, |a| {
        let mut l = vec![a[1].clone()];
        l.extend(items(&a[0], "prepend on")?.iter().cloned());
        Ok(list(l))
    });
    pair(r, "first", "mustFirst", &[Any], None, |a| {
        Ok(items(&a[0], "find first on")?
            .first()
            .cloned()
            .unwrap_or_default())
    });
    pair(r, "last", "mustLast", &[Any], None, |a| {
        Ok(items(&a[0], "find last on")?
            .last()
            .cloned()
            .unwrap_or_default())
    });
    pair(r, "rest", "mustRest", &[Any], None, |a| {
        let l = items(&a[0], "find rest on")?;
        Ok(list(l.get(1..).unwrap_or_default().to_vec()))
    });
    pair(r, "initial", "mustInitial", &[Any], None, |a| {
        let l = items(&a[0], "find initial on")?;
        Ok(list(
            l.get(..l.len().saturating_sub(1))
                .unwrap_or_default()
                .to_vec(),
        ))
    });
    pair(r, "reverse", "mustReverse", &[Any], None, |a| {
        let mut l = items(&a[0], "find reverse on")?.to_vec();
        l.reverse();
        Ok(list(l))
    });
    pair(r, "compact", "mustCompact", &[Any], None, |a| {
        let l = items(&a[0], "compact on")?;
        Ok(list(
            l.iter()
                .filter(|v| !super::conv::empty(v))
                .cloned()
                .collect(),
        ))
    });
    pair(r, "uniq", "mustUniq", &[Any], None, |a| {
        let l = items(&a[0], "find uniq on")?;
        // Scalars are deduplicated by key in linear time; lists and maps
        // (rare in `uniq`) by comparison with those kept so far.
        let mut seen = std::collections::HashSet::new();
        let mut compound: Vec<Value> = Vec::new();
        let mut out: Vec<Value> = Vec::new();
        for v in l.iter() {
            let fresh = match scalar_key(v) {
                Some(k) => seen.insert(k),
                None if compound.iter().any(|o| deep_equal(o, v)) => false,
                None => {
                    compound.push(v.clone());
                    true
                }
            };
            if fresh {
                out.push(v.clone());
            }
        }
        Ok(list(out))
    });
    pair(r, "without", "mustWithout", &[Any], Some(Any), |a| {
        let l = items(&a[0], "find without on")?;
        Ok(list(
            l.iter()
                .filter(|v| !a[1..].iter().any(|o| deep_equal(o, v)))
                .cloned()
                .collect(),
        ))
    });
    pair(r, "has", "mustHas", &[Any, Any], None, |a| match &a[1] {
        Value::Nil => Ok(Value::Bool(false)),
        h => Ok(Value::Bool(
            items(h, "find has on")?
                .iter()
                .any(|v| deep_equal(v, &a[0])),
        )),
    });
    pair(r, "slice", "mustSlice", &[Any], Some(Any), |a| {
        let l = match &a[0] {
            Value::List(l) => l,
            v => {
                return Err(err(format!(
                    "list should be type of slice or array but {}",
                    v.kind_name()
                )));
            }
        };
        if l.is_empty() {
            return Ok(Value::Nil);
        }
        let start = a.get(1).map_or(0, to_i64);
        let end = a.get(2).map_or(l.len() as i64, to_i64);
        if start < 0 || end < start || end as usize > l.len() {
            return Err(err("reflect: slice index out of range"));
        }
        Ok(list(l[start as usize..end as usize].to_vec()))
    });
    r.add("concat", &[], Some(Any), |a| {
        let mut out = Vec::new();
        for l in &a {
            match l {
                Value::List(l) => out.extend(l.iter().cloned()),
                Value::Nil => return Err(err(NIL_DEREF)),
                v => return Err(err(format!("Cannot concat type {} as list", v.kind_name()))),
            }
        }
        Ok(list(out))
    });
    pair(r, "chunk", "mustChunk", &[Int, Any], None, |a| {
        let size = to_i64(&a[0]).max(1) as usize;
        let l = items(&a[1], "chunk")?;
        Ok(list(l.chunks(size).map(|c| list(c.to_vec())).collect()))
    });
    r.add("sortAlpha", &[Any], None, |a| {
        let mut s = match &a[0] {
            Value::List(_) => strslice(&a[0]),
            v => vec![strval(v)],
        };
        s.sort();
        Ok(list(s.into_iter().map(Value::from).collect()))
    });
    r.add_call("until", &[Int], None, |c, a| {
        let n = to_i64(&a[0]);
        let step = if n < 0 { -1 } else { 1 };
        c.check_items(step_count(0, n, step))?;
        Ok(list(
            until_step(0, n, step).into_iter().map(Value::Int).collect(),
        ))
    });
    r.add_call("untilStep", &[Int, Int, Int], None, |c, a| {
        let (start, stop, step) = (to_i64(&a[0]), to_i64(&a[1]), to_i64(&a[2]));
        c.check_items(step_count(start, stop, step))?;
        Ok(list(
            until_step(start, stop, step)
                .into_iter()
                .map(Value::Int)
                .collect(),
        ))
    });
}

/// How many items `until_step` yields.
fn step_count(start: i64, stop: i64, step: i64) -> usize {
    if step == 0 || (step > 0 && start >= stop) || (step < 0 && start <= stop) {
        return 0;
    }
    ((stop as i128 - start as i128).unsigned_abs() / step.unsigned_abs() as u128) as usize + 1
}

/// Sprig's `untilStep`: `start`, `start+step`, ... while before `stop`;
/// nothing when the step points away from `stop`. Callers bound the
/// count with `step_count` first.
pub(crate) fn until_step(start: i64, stop: i64, step: i64) -> Vec<i64> {
    let mut out = Vec::new();
    if step_count(start, stop, step) == 0 {
        return out;
    }
    let mut i = start;
    while (step > 0 && i < stop) || (step < 0 && i > stop) {
        out.push(i);
        match i.checked_add(step) {
            Some(n) => i = n,
            None => break,
        }
    }
    out
}

/// A key equal for exactly the scalars `deep_equal` calls equal.
fn scalar_key(v: &Value) -> Option<(u8, String)> {
    Some(match v {
        Value::Nil => (0, String::new()),
        Value::Bool(b) => (1, b.to_string()),
        Value::Int(i) => (2, i.to_string()),
        Value::Int64(i) => (3, i.to_string()),
        // Bit patterns, except that 0.0 equals -0.0 and NaN never equals.
        Value::Float(f) if f.is_nan() => return None,
        Value::Float(f) => (
            4,
            (if *f == 0.0 { 0.0f64 } else { *f }).to_bits().to_string(),
        ),
        Value::String(s) => (5, s.to_string()),
        _ => return None,
    })
}

/// Go's `reflect.DeepEqual` over values (maps that contain themselves
/// compare unequal past a nesting bound instead of recursing forever).
pub(crate) fn deep_equal(a: &Value, b: &Value) -> bool {
    deep_equal_within(a, b, &mut 1_000_000)
}

fn deep_equal_within(a: &Value, b: &Value, budget: &mut usize) -> bool {
    if *budget == 0 {
        return false;
    }
    *budget -= 1;
    let mut deep_equal = |x: &Value, y: &Value| deep_equal_within(x, y, budget);
    match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) | (Value::Int64(x), Value::Int64(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| deep_equal(p, q))
        }
        (Value::Map(x), Value::Map(y)) => {
            if x.ptr_eq(y) {
                return true;
            }
            let (x, y) = (x.entries(), y.entries());
            x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .all(|((k1, v1), (k2, v2))| k1 == k2 && deep_equal(v1, v2))
        }
        _ => false,
    }
}
