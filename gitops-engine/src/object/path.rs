//! Reading an object held as `serde_json::Value` by path.
//!
//! Missing fields and fields of the wrong type read as absent; numbers written as
//! floats with an integral value read as integers.

use serde_json::Value;

/// The value at a path of object keys, if every step exists.
pub fn at<'a>(obj: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(obj, |v, key| v.get(key))
}

/// The string at `path`, or `""` when absent or not a string.
pub fn str_at<'a>(obj: &'a Value, path: &[&str]) -> &'a str {
    at(obj, path).and_then(Value::as_str).unwrap_or("")
}

/// The integer at `path`, if present and integral.
pub fn int_at(obj: &Value, path: &[&str]) -> Option<i64> {
    at(obj, path).and_then(as_int)
}

/// The integer at `path`, or 0.
pub fn int_or_zero(obj: &Value, path: &[&str]) -> i64 {
    int_at(obj, path).unwrap_or(0)
}

/// A JSON number as an integer, if it is integral.
pub fn as_int(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| {
        v.as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
            .map(|f| f as i64)
    })
}

/// `true` only when the value at `path` is the boolean `true`.
pub fn bool_at(obj: &Value, path: &[&str]) -> bool {
    at(obj, path).and_then(Value::as_bool).unwrap_or(false)
}

/// The array at `path`, or an empty slice.
pub fn array_at<'a>(obj: &'a Value, path: &[&str]) -> &'a [Value] {
    at(obj, path)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// The entries of `status.conditions`.
pub fn conditions(obj: &Value) -> &[Value] {
    array_at(obj, &["status", "conditions"])
}

/// The first condition of the given type in a condition list.
pub fn find_condition<'a>(conditions: &'a [Value], condition_type: &str) -> Option<&'a Value> {
    conditions
        .iter()
        .find(|c| str_at(c, &["type"]) == condition_type)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_paths_with_defaults() {
        let obj = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "spec": {"replicas": 3.0, "paused": true, "name": 5},
            "status": {"conditions": [{"type": "A"}, {"type": "B", "status": "True"}]}});
        assert_eq!(int_at(&obj, &["spec", "replicas"]), Some(3));
        assert_eq!(int_or_zero(&obj, &["spec", "missing"]), 0);
        assert!(bool_at(&obj, &["spec", "paused"]));
        assert_eq!(str_at(&obj, &["spec", "name"]), "");
        assert_eq!(
            str_at(find_condition(conditions(&obj), "B").unwrap(), &["status"]),
            "True"
        );
    }
}
