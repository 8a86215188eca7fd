//! Cases from the behaviour of Helm's `pkg/strvals` parser.

use super::*;
use serde_json::json;

fn parse(text: &str) -> Result<Value> {
    let mut map = Map::new();
    parse_into(text, &mut map, ValueKind::Typed)?;
    Ok(Value::Object(map))
}

fn parse_string(text: &str) -> Value {
    let mut map = Map::new();
    parse_into(text, &mut map, ValueKind::String).unwrap();
    Value::Object(map)
}

fn parse_json(text: &str) -> Result<Value> {
    let mut map = Map::new();
    parse_into(text, &mut map, ValueKind::Json)?;
    Ok(Value::Object(map))
}

#[test]
fn scalars_are_typed() {
    assert_eq!(
        parse("name=value,long_int=1234567890,boolean=true,zero=0,octal=0123,nul=null,neg=-5")
            .unwrap(),
        json!({"name": "value", "long_int": 1234567890, "boolean": true, "zero": 0,
               "octal": "0123", "nul": null, "neg": -5})
    );
    assert_eq!(
        parse("b=FALSE,c=TrUe").unwrap(),
        json!({"b": false, "c": true})
    );
}

#[test]
fn set_string_keeps_strings() {
    assert_eq!(
        parse_string("long_int=1234567890,boolean=true,nul=null"),
        json!({"long_int": "1234567890", "boolean": "true", "nul": "null"})
    );
}

#[test]
fn nested_names_lists_and_escapes() {
    assert_eq!(
        parse("outer.inner=value,outer.other=2").unwrap(),
        json!({"outer": {"inner": "value", "other": 2}})
    );
    assert_eq!(
        parse("name1.name2=value1").unwrap(),
        json!({"name1": {"name2": "value1"}})
    );
    assert_eq!(
        parse("list[0]=foo,list[1]=bar").unwrap(),
        json!({"list": ["foo", "bar"]})
    );
    assert_eq!(
        parse("list[2]=foo").unwrap(),
        json!({"list": [null, null, "foo"]})
    );
    assert_eq!(
        parse("list[0].foo=bar,list[0].hello=world").unwrap(),
        json!({"list": [{"foo": "bar", "hello": "world"}]})
    );
    assert_eq!(parse("nested[0][0]=1").unwrap(), json!({"nested": [[1]]}));
    assert_eq!(
        parse("name1=one\\,two,name2=three\\,four").unwrap(),
        json!({"name1": "one,two", "name2": "three,four"})
    );
    assert_eq!(
        parse("name1\\.name2=value").unwrap(),
        json!({"name1.name2": "value"})
    );
    assert_eq!(
        parse("name=value=more").unwrap(),
        json!({"name": "value=more"})
    );
}

#[test]
fn brace_lists() {
    assert_eq!(
        parse("name1={value1,value2}").unwrap(),
        json!({"name1": ["value1", "value2"]})
    );
    assert_eq!(
        parse("name1={value1,value2},name2={value1,value2}").unwrap(),
        json!({"name1": ["value1", "value2"], "name2": ["value1", "value2"]})
    );
    assert_eq!(
        parse("name1={1021,902}").unwrap(),
        json!({"name1": [1021, 902]})
    );
    assert!(parse("name1={value1,value2").is_err());
}

#[test]
fn empty_values_and_errors() {
    assert_eq!(parse("name=").unwrap(), json!({"name": ""}));
    assert_eq!(parse("").unwrap(), json!({}));
    assert_eq!(
        parse("name").unwrap_err().to_string(),
        "key \"name\" has no value"
    );
    assert_eq!(
        parse("name,").unwrap_err().to_string(),
        "key \"name\" has no value (cannot end with ,)"
    );
    assert!(parse("a.=b").is_err());
    assert!(parse("list[-1]=x").is_err());
    assert!(parse("list[65537]=x").is_err());
    assert!(parse("list[0]x=1").is_err());
    let deep = format!("{}=1", vec!["a"; 40].join("."));
    assert!(
        parse(&deep)
            .unwrap_err()
            .to_string()
            .contains("nested level")
    );
}

#[test]
fn later_sets_merge_into_earlier_values() {
    let mut map = Map::new();
    parse_into("a.b=1,a.c=2", &mut map, ValueKind::Typed).unwrap();
    parse_into("a.b=null,list[1]=x", &mut map, ValueKind::Typed).unwrap();
    assert_eq!(
        Value::Object(map),
        json!({"a": {"b": null, "c": 2}, "list": [null, "x"]})
    );
}

#[test]
fn json_values() {
    assert_eq!(
        parse_json(r#"outer.inner1="1",outer.inner3={"aa":"1","bb":2,"cc":[1,2,3]}"#).unwrap(),
        json!({"outer": {"inner1": "1", "inner3": {"aa": "1", "bb": 2.0, "cc": [1.0, 2.0, 3.0]}}})
    );
    assert_eq!(parse_json("a=null").unwrap(), json!({"a": null}));
    assert_eq!(
        parse_json("list[0]={\"x\":true}").unwrap(),
        json!({"list": [{"x": true}]})
    );
    assert!(parse_json("a={bad").is_err());
}

#[test]
fn set_file_reads_through_the_callback() {
    let read = |path: &str| -> Result<String> { Ok(format!("contents of {path}")) };
    let mut map = Map::new();
    parse_into("cfg=conf/app.ini", &mut map, ValueKind::File(&read)).unwrap();
    assert_eq!(
        Value::Object(map),
        json!({"cfg": "contents of conf/app.ini"})
    );
}
