//! Naming the kind of a JSON value in error messages.

use serde_json::Value;

/// "a map", "a list", "a string", … for messages like "expected a map, found a list".
pub fn describe(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}
