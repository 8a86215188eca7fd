//! Sprig's dictionary functions (maps are shared: `set` and `unset`
//! change the map in place, as in Go).

use std::collections::BTreeMap;

use super::conv::strval;
use super::{Reg, Res, err};
use crate::func::Param::{Any, Map as MapP, String as Str};
use crate::value::{Map, Value};

fn map(v: &Value) -> Map {
    match v {
        Value::Map(m) => m.clone(),
        _ => Map::new(),
    }
}

fn key(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

pub(crate) fn register(r: &mut Reg) {
    r.add("dict", &[], Some(Any), |a| {
        let m = Map::new();
        for pair in a.chunks(2) {
            let v = pair.get(1).cloned().unwrap_or_else(|| Value::from(""));
            m.insert(strval(&pair[0]), v);
        }
        Ok(Value::Map(m))
    });
    r.add("get", &[MapP, Str], None, |a| {
        Ok(map(&a[0])
            .get(&key(&a[1]))
            .unwrap_or_else(|| Value::from("")))
    });
    r.add("set", &[MapP, Str, Any], None, |a| {
        let m = map(&a[0]);
        m.insert(key(&a[1]), a[2].clone());
        Ok(Value::Map(m))
    });
    r.add("unset", &[MapP, Str], None, |a| {
        let m = map(&a[0]);
        m.lock().remove(&key(&a[1]));
        Ok(Value::Map(m))
    });
    r.add("hasKey", &[MapP, Str], None, |a| {
        Ok(Value::Bool(map(&a[0]).lock().contains_key(&key(&a[1]))))
    });
    r.add("pluck", &[Str], Some(MapP), |a| {
        let k = key(&a[0]);
        Ok(Value::list(
            a[1..].iter().filter_map(|d| map(d).get(&k)).collect(),
        ))
    });
    r.add("keys", &[], Some(MapP), |a| {
        let mut keys: Vec<String> = Vec::new();
        for d in &a {
            keys.extend(map(d).lock().keys().cloned());
        }
        Ok(Value::list(keys.into_iter().map(Value::from).collect()))
    });
    r.add("values", &[MapP], None, |a| {
        Ok(Value::list(
            map(&a[0]).entries().into_iter().map(|(_, v)| v).collect(),
        ))
    });
    r.add("pick", &[MapP], Some(Str), |a| {
        let src = map(&a[0]);
        let out = Map::new();
        for k in &a[1..] {
            if let Some(v) = src.get(&key(k)) {
                out.insert(key(k), v);
            }
        }
        Ok(Value::Map(out))
    });
    r.add("omit", &[MapP], Some(Str), |a| {
        let omit: Vec<String> = a[1..].iter().map(key).collect();
        let out: BTreeMap<String, Value> = map(&a[0])
            .entries()
            .into_iter()
            .filter(|(k, _)| !omit.contains(k))
            .collect();
        Ok(Value::Map(Map::from_entries(out)))
    });
    for (name, overwrite) in [
        ("merge", false),
        ("mustMerge", false),
        ("mergeOverwrite", true),
        ("mustMergeOverwrite", true),
    ] {
        let f = if overwrite {
            merge_overwrite
        } else {
            merge_keep
        };
        r.add(name, &[MapP], Some(MapP), f);
    }
    r.add("dig", &[], Some(Any), |a| {
        if a.len() < 3 {
            return Err(err("dig needs at least three arguments"));
        }
        let Value::Map(mut cur) = a[a.len() - 1].clone() else {
            return Err(not_a_map(&a[a.len() - 1]));
        };
        let default = a[a.len() - 2].clone();
        let keys = &a[..a.len() - 2];
        if let Some(k) = keys.iter().find(|k| !matches!(k, Value::String(_))) {
            let t = match k {
                Value::Nil => "nil",
                k => k.type_name(),
            };
            return Err(err(format!(
                "interface conversion: interface {{}} is {t}, not string"
            )));
        }
        for (i, k) in keys.iter().enumerate() {
            let Some(step) = cur.get(&key(k)) else {
                return Ok(default);
            };
            if i == keys.len() - 1 {
                return Ok(step);
            }
            match step {
                Value::Map(m) => cur = m,
                v => return Err(not_a_map(&v)),
            }
        }
        Ok(default)
    });
    r.add("deepCopy", &[Any], None, |a| {
        Ok(deep_copy(&a[0], 0, &mut MAX_NODES.clone()))
    });
    r.add("mustDeepCopy", &[Any], None, |a| {
        Ok(deep_copy(&a[0], 0, &mut MAX_NODES.clone()))
    });
}

/// Go's failed type assertion of an `interface{}` to a map.
fn not_a_map(v: &Value) -> crate::FuncError {
    let t = match v {
        Value::Nil => "nil",
        v => v.type_name(),
    };
    err(format!(
        "interface conversion: interface {{}} is {t}, not map[string]interface {{}}"
    ))
}

fn merge_keep(a: Vec<Value>) -> Res {
    merge(a, false)
}

fn merge_overwrite(a: Vec<Value>) -> Res {
    merge(a, true)
}

/// mergo's deep merge into the first map: nested maps merge; otherwise
/// the destination keeps its value unless `overwrite` (then a non-empty
/// source value wins).
fn merge(a: Vec<Value>, overwrite: bool) -> Res {
    let dst = map(&a[0]);
    let mut budget = MAX_NODES;
    for src in &a[1..] {
        merge_into(&dst, &map(src), overwrite, 0, &mut budget);
    }
    Ok(Value::Map(dst))
}

/// Nodes a deep copy or merge may visit: maps that contain themselves
/// (through `set`) would otherwise make them exponential.
const MAX_NODES: usize = 1_000_000;

fn merge_into(dst: &Map, src: &Map, overwrite: bool, depth: usize, budget: &mut usize) {
    if depth > 100 || dst.ptr_eq(src) || *budget == 0 {
        return;
    }
    *budget -= 1;
    for (k, sv) in src.entries() {
        let dv = dst.get(&k);
        match (dv, &sv) {
            (Some(Value::Map(dm)), Value::Map(sm)) => {
                merge_into(&dm, sm, overwrite, depth + 1, budget)
            }
            // Like mergo, values are shared, not copied: a nested map taken
            // from a source is the same map in the destination.
            (None, _) => dst.insert(k, sv),
            (Some(d), s) => {
                if (overwrite && !super::conv::empty(s)) || super::conv::empty(&d) {
                    dst.insert(k, s.clone());
                }
            }
        }
    }
}

fn deep_copy(v: &Value, depth: usize, budget: &mut usize) -> Value {
    if depth > 100 || *budget == 0 {
        return v.clone();
    }
    *budget -= 1;
    match v {
        Value::Map(m) => Value::Map(Map::from_entries(
            m.entries()
                .into_iter()
                .map(|(k, v)| (k, deep_copy(&v, depth + 1, budget)))
                .collect(),
        )),
        Value::List(l) => Value::list(l.iter().map(|v| deep_copy(v, depth + 1, budget)).collect()),
        v => v.clone(),
    }
}
