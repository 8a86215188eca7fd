//! Object metadata the server owns: uids, timestamps, generations and the
//! comparison that decides whether an update changed the spec.

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Map, Value};

/// The current time as the API server writes timestamps (RFC 3339, seconds).
pub fn now() -> String {
    timestamp(jiff::Timestamp::now())
}

/// `t` as the API server writes timestamps (RFC 3339, seconds).
pub fn timestamp(t: jiff::Timestamp) -> String {
    t.round(jiff::Unit::Second)
        .map_or_else(|_| t.to_string(), |t| t.to_string())
}

/// A fresh uid in the UUID text form. Unique within the process: a counter
/// mixed with the start time.
pub fn new_uid() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(1);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let t = jiff::Timestamp::now().as_nanosecond() as u64;
    let hi = t ^ n.rotate_left(32);
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        (hi >> 32) as u32,
        (hi >> 16) & 0xffff,
        hi & 0xfff,
        (n >> 48) & 0xfff,
        n & 0xffff_ffff_ffff
    )
}

/// A random-looking five-character suffix for `generateName`.
pub fn name_suffix(seed: u64) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    (0..5)
        .map(|_| {
            let c = ALPHABET[(x % ALPHABET.len() as u64) as usize] as char;
            x /= ALPHABET.len() as u64;
            c
        })
        .collect()
}

/// `metadata` as a mutable map, created when missing or not a map.
pub fn metadata_mut(obj: &mut Value) -> &mut Map<String, Value> {
    if !obj["metadata"].is_object() {
        obj["metadata"] = Value::Object(Map::new());
    }
    match &mut obj["metadata"] {
        Value::Object(m) => m,
        _ => unreachable!("metadata was just made a map"),
    }
}

/// A string field of `metadata` (empty when absent).
pub fn meta_str<'a>(obj: &'a Value, field: &str) -> &'a str {
    obj["metadata"][field].as_str().unwrap_or("")
}

/// Whether two versions of an object differ outside `metadata` and `status`,
/// which is when the API server bumps `metadata.generation`.
pub fn spec_changed(old: &Value, new: &Value) -> bool {
    let strip = |v: &Value| -> Value {
        let mut v = v.clone();
        if let Some(m) = v.as_object_mut() {
            m.remove("metadata");
            m.remove("status");
        }
        v
    };
    strip(old) != strip(new)
}

/// Whether two versions of an object are equal once `resourceVersion` and
/// `managedFields` timestamps are ignored (a no-op update).
pub fn same_content(old: &Value, new: &Value) -> bool {
    let strip = |v: &Value| -> Value {
        let mut v = v.clone();
        if let Some(m) = v["metadata"].as_object_mut() {
            m.remove("resourceVersion");
        }
        v
    };
    strip(old) == strip(new)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn uids_are_unique_and_uuid_shaped() {
        let (a, b) = (new_uid(), new_uid());
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(a.matches('-').count(), 4);
    }

    #[test]
    fn timestamps_have_second_precision() {
        let t = now();
        assert!(t.ends_with('Z') && !t.contains('.'), "{t}");
    }

    #[test]
    fn generation_bump_ignores_metadata_and_status() {
        let a = json!({"metadata": {"labels": {"a": "1"}}, "spec": {"x": 1}, "status": {"y": 1}});
        let b = json!({"metadata": {"labels": {"a": "2"}}, "spec": {"x": 1}, "status": {"y": 2}});
        let c = json!({"metadata": {}, "spec": {"x": 2}});
        assert!(!spec_changed(&a, &b));
        assert!(spec_changed(&a, &c));
    }
}
