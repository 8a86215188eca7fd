//! Coalescing cases after Helm's `pkg/chartutil` behaviour (issue 9027, globals, nulls).

use super::*;
use crate::chart::Metadata;
use serde_json::json;

fn chart(name: &str, values: Value, deps: Vec<Chart>) -> Chart {
    Chart {
        metadata: Metadata {
            name: name.into(),
            version: "0.1.0".into(),
            api_version: "v2".into(),
            ..Metadata::default()
        },
        values: values.as_object().cloned().unwrap_or_default(),
        dependencies: deps,
        ..Chart::default()
    }
}

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap()
}

#[test]
fn null_in_parent_values_deletes_subchart_defaults() {
    // The issue-9027 chart of Helm's testdata.
    let sub = chart(
        "subchart",
        json!({"global": {"hash": {"key1": 1, "key2": 2, "key3": 3, "key4": 4, "key5": 5, "key6": 6}},
               "hash": {"key1": 1, "key2": 2, "key3": 3, "key4": 4, "key5": 5, "key6": 6}}),
        vec![],
    );
    let parent = chart(
        "issue-9027",
        json!({"global": {"hash": {"key1": null, "key2": null, "key3": 13}},
               "subchart": {"hash": {"key1": null, "key2": null, "key3": 13}}}),
        vec![sub],
    );
    let out = coalesce_values(&parent, &Map::new()).unwrap();
    assert_eq!(
        Value::Object(out),
        json!({
            "global": {"hash": {"key1": null, "key2": null, "key3": 13}},
            "subchart": {
                "global": {"hash": {"key3": 13, "key4": 4, "key5": 5, "key6": 6}},
                "hash": {"key3": 13, "key4": 4, "key5": 5, "key6": 6}
            }
        })
    );
}

#[test]
fn user_values_win_and_user_null_removes_a_default() {
    let c = chart("c", json!({"a": 1, "b": {"x": 1, "y": 2}, "c": 3}), vec![]);
    let out = coalesce_values(&c, &obj(json!({"a": 9, "b": {"y": null}, "c": null}))).unwrap();
    assert_eq!(Value::Object(out), json!({"a": 9, "b": {"x": 1}}));
}

#[test]
fn merging_keeps_nulls() {
    let c = chart("c", json!({"b": {"x": 1, "y": 2}}), vec![]);
    let out = merge_values(&c, &obj(json!({"b": {"y": null}}))).unwrap();
    assert_eq!(Value::Object(out), json!({"b": {"x": 1, "y": null}}));
}

#[test]
fn parent_globals_reach_subcharts_and_win() {
    let sub = chart(
        "sub",
        json!({"global": {"g": "sub", "only": "sub"}, "v": 1}),
        vec![],
    );
    let parent = chart("p", json!({"global": {"g": "parent"}}), vec![sub]);
    let out = coalesce_values(&parent, &obj(json!({"sub": {"v": 2}}))).unwrap();
    assert_eq!(
        out["sub"],
        json!({"global": {"g": "parent", "only": "sub"}, "v": 2})
    );
    // A subchart without globals still gets an empty global table.
    let bare = chart("p", json!({}), vec![chart("s", json!({}), vec![])]);
    assert_eq!(
        coalesce_values(&bare, &Map::new()).unwrap()["s"],
        json!({"global": {}})
    );
}

#[test]
fn a_scalar_where_a_subchart_table_belongs_is_an_error() {
    let parent = chart("p", json!({}), vec![chart("s", json!({}), vec![])]);
    let err = coalesce_values(&parent, &obj(json!({"s": "oops"}))).unwrap_err();
    assert!(err.to_string().starts_with("type mismatch on s:"), "{err}");
}

#[test]
fn tables_fill_gaps_without_overwriting() {
    let mut dst = obj(json!({"a": {"b": 1}, "n": null}));
    coalesce_tables(
        &mut dst,
        obj(json!({"a": {"b": 2, "c": 3}, "n": 5, "d": 4})),
    );
    assert_eq!(Value::Object(dst), json!({"a": {"b": 1, "c": 3}, "d": 4}));
}
