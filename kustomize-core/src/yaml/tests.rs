//! Unit tests of the public API: resolution, errors, bounds.

use super::*;
use serde_json::json;

#[test]
fn smoke() {
    let docs = parse_documents("a: yes\nb: 1\n").unwrap();
    assert_eq!(docs, vec![json!({"a": "yes", "b": 1})]);
}
