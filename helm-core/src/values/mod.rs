//! Values: user values from `-f` files and `--set*` flags, coalesced with
//! the chart's defaults, subchart values and `global` exactly as Helm does.

mod coalesce;
mod options;
mod strvals;

pub use coalesce::{coalesce_tables, coalesce_values, merge_tables, merge_values};
pub use options::{ValueOptions, merge_maps};
pub use strvals::{MAX_INDEX, MAX_NESTED_NAME_LEVEL, ValueKind, parse_into};

use serde_json::{Map, Number, Value};

/// The key under which values shared with every subchart live.
pub const GLOBAL_KEY: &str = "global";

/// Turns every integer into a float, as Go's JSON decoder (and so Helm's
/// values loading through sigs.k8s.io/yaml) reads numbers as float64.
pub fn to_float_numbers(value: &mut Value) {
    match value {
        Value::Number(n) if !n.is_f64() => {
            if let Some(f) = n.as_f64().and_then(Number::from_f64) {
                *n = f;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(to_float_numbers),
        Value::Object(map) => map.values_mut().for_each(to_float_numbers),
        _ => {}
    }
}

/// The table at the dotted `path` of `values` (Helm's `Values.Table`).
pub fn table<'a>(values: &'a Map<String, Value>, path: &str) -> Option<&'a Map<String, Value>> {
    let mut current = values;
    for part in path.split('.') {
        current = current.get(part)?.as_object()?;
    }
    Some(current)
}

/// The value at the dotted `path` (Helm's `Values.PathValue`): the last
/// element may be any value, the ones before it must be tables.
pub fn path_value<'a>(values: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    match path.rsplit_once('.') {
        None => values.get(path),
        Some((parent, key)) => table(values, parent)?.get(key),
    }
}
