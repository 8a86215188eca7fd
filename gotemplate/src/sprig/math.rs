//! Sprig's integer and float arithmetic.

use super::conv::{to_f64, to_i64};
use super::{Reg, Res, err};
use crate::func::Param::{Any, Int};
use crate::value::Value;

/// Sprig's integer arithmetic returns Go `int64`.
fn int(v: i64) -> Res {
    Ok(Value::Int64(v))
}

/// Sprig computes float operations in decimal; rounding the binary
/// result to 15 significant digits gives the same value for the sums and
/// products of short decimals templates use.
fn float(v: f64) -> Res {
    if !v.is_finite() {
        return Ok(Value::Float(v));
    }
    if v == 0.0 {
        // Decimal arithmetic has no negative zero.
        return Ok(Value::Float(0.0));
    }
    let s = format!("{:.14e}", v);
    Ok(Value::Float(s.parse().unwrap_or(v)))
}

fn fold(a: &[Value], f: fn(f64, f64) -> f64) -> f64 {
    let mut acc = to_f64(&a[0]);
    for v in &a[1..] {
        acc = f(acc, to_f64(v));
    }
    acc
}

pub(crate) fn register(r: &mut Reg) {
    r.add("add1", &[Any], None, |a| int(to_i64(&a[0]).wrapping_add(1)));
    r.add("add", &[], Some(Any), |a| {
        int(a.iter().map(to_i64).fold(0, i64::wrapping_add))
    });
    r.add("sub", &[Any, Any], None, |a| {
        int(to_i64(&a[0]).wrapping_sub(to_i64(&a[1])))
    });
    r.add("div", &[Any, Any], None, |a| {
        let d = to_i64(&a[1]);
        if d == 0 {
            return Err(err("runtime error: integer divide by zero"));
        }
        int(to_i64(&a[0]).wrapping_div(d))
    });
    r.add("mod", &[Any, Any], None, |a| {
        let d = to_i64(&a[1]);
        if d == 0 {
            return Err(err("runtime error: integer divide by zero"));
        }
        int(to_i64(&a[0]).wrapping_rem(d))
    });
    r.add("mul", &[Any], Some(Any), |a| {
        int(a[1..]
            .iter()
            .map(to_i64)
            .fold(to_i64(&a[0]), i64::wrapping_mul))
    });
    for name in ["max", "biggest"] {
        r.add(name, &[Any], Some(Any), |a| {
            int(a.iter().map(to_i64).max().unwrap_or(0))
        });
    }
    r.add("min", &[Any], Some(Any), |a| {
        int(a.iter().map(to_i64).min().unwrap_or(0))
    });
    r.add("maxf", &[Any], Some(Any), |a| {
        Ok(Value::Float(fold(&a, f64::max)))
    });
    r.add("minf", &[Any], Some(Any), |a| {
        Ok(Value::Float(fold(&a, f64::min)))
    });
    r.add("add1f", &[Any], None, |a| float(to_f64(&a[0]) + 1.0));
    r.add("addf", &[], Some(Any), |a| {
        float(a.iter().map(to_f64).sum())
    });
    r.add("subf", &[Any], Some(Any), |a| float(fold(&a, |x, y| x - y)));
    r.add("mulf", &[Any], Some(Any), |a| float(fold(&a, |x, y| x * y)));
    r.add("divf", &[Any], Some(Any), |a| {
        if a[1..].iter().any(|v| to_f64(v) == 0.0) {
            return Err(err("decimal division by 0"));
        }
        float(fold(&a, |x, y| x / y))
    });
    r.add("ceil", &[Any], None, |a| {
        Ok(Value::Float(to_f64(&a[0]).ceil()))
    });
    r.add("floor", &[Any], None, |a| {
        Ok(Value::Float(to_f64(&a[0]).floor()))
    });
    r.add("round", &[Any, Int], Some(Any), |a| {
        let p = 10f64.powi(to_i64(&a[1]) as i32);
        let half = a.get(2).map_or(0.5, to_f64);
        let v = to_f64(&a[0]) * p;
        let (int_part, frac) = (v.trunc(), v.fract());
        let r = if frac.abs() >= half {
            int_part + v.signum()
        } else {
            int_part
        };
        Ok(Value::Float(r / p))
    });
    r.add("int", &[Any], None, |a| Ok(Value::Int(to_i64(&a[0]))));
    r.add("int64", &[Any], None, |a| int(to_i64(&a[0])));
    r.add("float64", &[Any], None, |a| Ok(Value::Float(to_f64(&a[0]))));
    r.add("atoi", &[crate::Param::String], None, |a| {
        Ok(Value::Int(
            a[0].as_str().and_then(|s| s.parse().ok()).unwrap_or(0),
        ))
    });
    r.add("toDecimal", &[Any], None, |a| {
        let s = super::conv::strval(&a[0]);
        int(i64::from_str_radix(&s, 8).unwrap_or(0))
    });
    r.add_call("seq", &[], Some(Int), |c, a| {
        let n: Vec<i64> = a.iter().map(to_i64).collect();
        let (start, end, step) = match n.as_slice() {
            [e] => (1, *e, if *e < 1 { -1 } else { 1 }),
            [s, e] => (*s, *e, if e < s { -1 } else { 1 }),
            [s, st, e] => {
                if e < s && *st > 0 {
                    return Ok(Value::from(""));
                }
                (*s, *e, *st)
            }
            _ => return Ok(Value::from("")),
        };
        let stop = end + if end < start { -1 } else { 1 };
        let items = super::lists::until_step(start, stop, step);
        c.check_items(items.len())?;
        let out: Vec<String> = items.iter().map(i64::to_string).collect();
        Ok(Value::from(out.join(" ")))
    });
}
