//! Helm's `chartutil` coalescing: the user's values win over the chart's
//! defaults, each subchart gets its own table plus the parent's `global`,
//! and a null user value deletes the default (when coalescing; merging keeps it).

use super::GLOBAL_KEY;
use crate::chart::Chart;
use crate::error::{Error, Result};
use serde_json::{Map, Value};

/// Helm's `CoalesceValues`: `values` over the chart's (and subcharts') defaults, nulls delete.
pub fn coalesce_values(chart: &Chart, values: &Map<String, Value>) -> Result<Map<String, Value>> {
    let mut dest = values.clone();
    coalesce(chart, &mut dest, false)?;
    Ok(dest)
}

/// Helm's `MergeValues`: as [`coalesce_values`] but null values are kept.
pub fn merge_values(chart: &Chart, values: &Map<String, Value>) -> Result<Map<String, Value>> {
    let mut dest = values.clone();
    coalesce(chart, &mut dest, true)?;
    Ok(dest)
}

/// Helm's `CoalesceTables`: `src` fills in what `dst` lacks; nulls in `dst` delete.
pub fn coalesce_tables(dst: &mut Map<String, Value>, src: Map<String, Value>) {
    tables(dst, src, false);
}

/// Helm's `MergeTables`: `src` fills in what `dst` lacks; nulls are kept.
pub fn merge_tables(dst: &mut Map<String, Value>, src: Map<String, Value>) {
    tables(dst, src, true);
}

fn coalesce(chart: &Chart, dest: &mut Map<String, Value>, merge: bool) -> Result<()> {
    chart_values(chart, dest, merge);
    dependencies(chart, dest, merge)
}

/// The chart's own defaults under `dest` (Helm's `coalesceValues`).
fn chart_values(chart: &Chart, dest: &mut Map<String, Value>, merge: bool) {
    for (key, default) in &chart.values {
        match dest.get_mut(key) {
            None => {
                dest.insert(key.clone(), default.clone());
            }
            Some(Value::Null) if !merge => {
                dest.remove(key);
            }
            Some(Value::Object(user)) => {
                if let Value::Object(default) = default {
                    let is_subchart = chart.dependencies.iter().any(|d| d.name() == key);
                    tables(user, default.clone(), merge || is_subchart);
                }
            }
            Some(_) => {}
        }
    }
}

/// Each subchart's table, with the parent's globals, coalesced with the subchart's defaults.
fn dependencies(chart: &Chart, dest: &mut Map<String, Value>, merge: bool) -> Result<()> {
    for sub in &chart.dependencies {
        let name = sub.name();
        let mut sub_values = match dest.remove(name) {
            None => Map::new(),
            Some(Value::Object(map)) => map,
            Some(other) => {
                return Err(Error::InvalidChart(format!(
                    "type mismatch on {name}: %!t({}={other})",
                    go_type_name(&other)
                )));
            }
        };
        globals(&mut sub_values, dest);
        coalesce(sub, &mut sub_values, merge)?;
        dest.insert(name.to_string(), Value::Object(sub_values));
    }
    Ok(())
}

fn go_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float64",
        Value::Number(_) => "int64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

/// The parent's `global` into the subchart's (Helm's `coalesceGlobals`): the parent wins.
fn globals(sub: &mut Map<String, Value>, parent: &Map<String, Value>) {
    let mut sub_globals = match sub.get(GLOBAL_KEY) {
        None => Map::new(),
        Some(Value::Object(map)) => map.clone(),
        Some(_) => return,
    };
    let parent_globals = match parent.get(GLOBAL_KEY) {
        None => return finish_globals(sub, sub_globals),
        Some(Value::Object(map)) => map,
        Some(_) => return,
    };
    for (key, value) in parent_globals {
        match (value, sub_globals.get(key)) {
            (Value::Object(table), None) => {
                sub_globals.insert(key.clone(), Value::Object(table.clone()));
            }
            (Value::Object(table), Some(Value::Object(existing))) => {
                let mut merged = table.clone();
                tables(&mut merged, existing.clone(), true);
                sub_globals.insert(key.clone(), Value::Object(merged));
            }
            (Value::Object(_), Some(_)) | (_, Some(Value::Object(_))) => {}
            (scalar, _) => {
                sub_globals.insert(key.clone(), scalar.clone());
            }
        }
    }
    finish_globals(sub, sub_globals);
}

fn finish_globals(sub: &mut Map<String, Value>, globals: Map<String, Value>) {
    sub.insert(GLOBAL_KEY.to_string(), Value::Object(globals));
}

/// Helm's `coalesceTablesFullKey`: `dst` has precedence; `src` fills gaps, recursing into tables.
fn tables(dst: &mut Map<String, Value>, mut src: Map<String, Value>, merge: bool) {
    for (key, value) in dst.iter() {
        if value.is_null() {
            src.insert(key.clone(), Value::Null);
        }
    }
    for (key, value) in src {
        match dst.get_mut(&key) {
            Some(Value::Null) if !merge => {
                dst.remove(&key);
            }
            None => {
                dst.insert(key, value);
            }
            Some(Value::Object(existing)) => {
                if let Value::Object(table) = value {
                    tables(existing, table, merge);
                }
            }
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests;
