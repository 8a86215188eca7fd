//! Helm's `--set` language (`strvals`): `a.b=c,list[0].x=1,l={a,b}`, with
//! `\` escapes, `null` setting a key to null (which removes it from the
//! chart's defaults when values are coalesced), typed scalars for `--set`,
//! strings for `--set-string`, file contents for `--set-file` and JSON for
//! `--set-json`. Bounded like Helm: names nest at most 30 deep, list indexes stop at 65536.

use super::to_float_numbers;
use crate::error::{Error, Result};
use serde_json::{Map, Value};

/// Deepest `a.b.c` nesting of a name.
pub const MAX_NESTED_NAME_LEVEL: usize = 30;
/// Largest list index accepted in `a[i]`.
pub const MAX_INDEX: usize = 65536;

/// How the right-hand side of `key=value` becomes a value.
#[derive(Clone, Copy)]
pub enum ValueKind<'a> {
    /// `--set`: `true`/`false`/`null`, integers (no leading zero) as int64, else a string.
    Typed,
    /// `--set-string`: always a string.
    String,
    /// `--set-file`: the value names a file whose contents become the string value.
    File(&'a dyn Fn(&str) -> Result<String>),
    /// `--set-json`: the value is a JSON document.
    Json,
}

/// Parses `text` and sets what it names into `dest`, as Helm's `strvals.ParseInto`
/// (and its string, file and JSON variants) do.
pub fn parse_into(text: &str, dest: &mut Map<String, Value>, kind: ValueKind<'_>) -> Result<()> {
    let mut parser = Parser {
        chars: text.chars().collect(),
        pos: 0,
        kind,
    };
    loop {
        match parser.key(dest, 0) {
            Ok(()) => {}
            Err(Stop::Eof) => return Ok(()),
            Err(Stop::Error(message)) => return Err(Error::Set(message)),
        }
    }
}

/// Why parsing stopped: the input ended (not an error at a key boundary) or a real error.
enum Stop {
    Eof,
    Error(String),
}

type Step<T> = std::result::Result<T, Stop>;

fn fail<T>(message: impl Into<String>) -> Step<T> {
    Err(Stop::Error(message.into()))
}

struct Parser<'a> {
    chars: Vec<char>,
    pos: usize,
    kind: ValueKind<'a>,
}

/// What ended a run of characters: one of the stop characters, or the end of input.
type Ended = Option<char>;

impl Parser<'_> {
    fn next(&mut self) -> Option<char> {
        let c = self.chars.get(self.pos).copied();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    /// Reads up to one of `stop` (consumed), resolving `\` escapes.
    fn until(&mut self, stop: &[char]) -> (String, Ended) {
        let mut out = String::new();
        loop {
            match self.next() {
                None => return (out, None),
                Some(c) if stop.contains(&c) => return (out, Some(c)),
                Some('\\') => match self.next() {
                    None => return (out, None),
                    Some(n) => out.push(n),
                },
                Some(c) => out.push(c),
            }
        }
    }

    fn key(&mut self, data: &mut Map<String, Value>, mut level: usize) -> Step<()> {
        let (key, last) = self.until(&['=', '[', ',', '.']);
        match last {
            None if key.is_empty() => Err(Stop::Eof),
            None => fail(format!("key {key:?} has no value")),
            Some('[') => {
                let index = self.index()?;
                let list = match data.remove(&key) {
                    Some(Value::Array(list)) => list,
                    _ => Vec::new(),
                };
                let result = self.list_item(list, index, level);
                match result {
                    Ok(list) => {
                        set(data, &key, Value::Array(list));
                        Ok(())
                    }
                    Err((list, stop)) => {
                        set(data, &key, Value::Array(list));
                        Err(stop)
                    }
                }
            }
            Some('=') => {
                if matches!(self.kind, ValueKind::Json) {
                    if self.empty_value() {
                        set(data, &key, Value::Null);
                        return Ok(());
                    }
                    let value = self.json_value()?;
                    set(data, &key, value);
                    self.empty_value();
                    return Ok(());
                }
                match self.value_list() {
                    ListResult::List(list) => {
                        set(data, &key, Value::Array(list?));
                        Ok(())
                    }
                    ListResult::Eof => {
                        set(data, &key, Value::String(String::new()));
                        Err(Stop::Eof)
                    }
                    ListResult::NotList => {
                        let (raw, _) = self.until(&[',']);
                        let value = self.read_value(&raw)?;
                        set(data, &key, value);
                        Ok(())
                    }
                }
            }
            Some(',') => {
                set(data, &key, Value::String(String::new()));
                fail(format!("key {key:?} has no value (cannot end with ,)"))
            }
            Some(_) => {
                level += 1;
                if level > MAX_NESTED_NAME_LEVEL {
                    return fail(format!(
                        "value name nested level is greater than maximum supported nested level of {MAX_NESTED_NAME_LEVEL}"
                    ));
                }
                let mut inner = match data.remove(&key) {
                    Some(Value::Object(map)) => map,
                    _ => Map::new(),
                };
                let result = self.key(&mut inner, level);
                if result.is_ok() && inner.is_empty() {
                    return fail(format!("key map {key:?} has no value"));
                }
                if !inner.is_empty() {
                    set(data, &key, Value::Object(inner));
                }
                result
            }
        }
    }

    /// Reads `N]` after a `[`.
    fn index(&mut self) -> Step<i64> {
        let (digits, last) = self.until(&[']']);
        if last.is_none() {
            return Err(Stop::Eof);
        }
        digits.parse::<i64>().or_else(|_| {
            fail(format!(
                "error parsing index: strconv.Atoi: parsing {digits:?}: invalid syntax"
            ))
        })
    }

    /// What follows `name[i]`; on error the list so far is handed back to be stored.
    fn list_item(
        &mut self,
        mut list: Vec<Value>,
        index: i64,
        level: usize,
    ) -> std::result::Result<Vec<Value>, (Vec<Value>, Stop)> {
        if index < 0 {
            return Err((
                list,
                Stop::Error(format!("negative {index} index not allowed")),
            ));
        }
        let (rest, last) = self.until(&['[', '.', '=']);
        if !rest.is_empty() {
            return Err((
                list,
                Stop::Error(format!("unexpected data at end of array index: {rest:?}")),
            ));
        }
        let value = match last {
            None => return Err((list, Stop::Eof)),
            Some('=') => {
                if matches!(self.kind, ValueKind::Json) {
                    if self.empty_value() {
                        Value::Null
                    } else {
                        let value = match self.json_value() {
                            Ok(v) => v,
                            Err(e) => return Err((list, e)),
                        };
                        self.empty_value();
                        value
                    }
                } else {
                    match self.value_list() {
                        ListResult::List(Ok(items)) => Value::Array(items),
                        ListResult::List(Err(e)) => return Err((list, e)),
                        ListResult::Eof => Value::String(String::new()),
                        ListResult::NotList => {
                            let (raw, _) = self.until(&[',']);
                            match self.read_value(&raw) {
                                Ok(v) => v,
                                Err(e) => return Err((list, e)),
                            }
                        }
                    }
                }
            }
            Some('[') => {
                let next_index = match self.index() {
                    Ok(i) => i,
                    Err(e) => return Err((list, e)),
                };
                let current = match list.get_mut(index as usize).map(Value::take) {
                    Some(Value::Array(inner)) => inner,
                    _ => Vec::new(),
                };
                match self.list_item(current, next_index, level) {
                    Ok(inner) => Value::Array(inner),
                    Err((_, e)) => return Err((list, e)),
                }
            }
            Some(_) => {
                let mut inner = match list.get_mut(index as usize).map(Value::take) {
                    Some(Value::Object(map)) => map,
                    _ => Map::new(),
                };
                if let Err(e) = self.key(&mut inner, level) {
                    return Err((list, e));
                }
                Value::Object(inner)
            }
        };
        match set_index(&mut list, index, value) {
            Ok(()) => Ok(list),
            Err(e) => Err((list, e)),
        }
    }

    /// `{a,b,c}` after `=`; anything else is put back.
    fn value_list(&mut self) -> ListResult {
        match self.chars.get(self.pos) {
            None => return ListResult::Eof,
            Some('{') => self.pos += 1,
            Some(_) => return ListResult::NotList,
        }
        let mut list = Vec::new();
        loop {
            let (raw, last) = self.until(&[',', '}']);
            match last {
                None => return ListResult::List(fail("list must terminate with '}'")),
                Some('}') => {
                    if self.chars.get(self.pos) == Some(&',') {
                        self.pos += 1;
                    }
                    return ListResult::List(self.read_value(&raw).map(|v| {
                        list.push(v);
                        list
                    }));
                }
                Some(_) => match self.read_value(&raw) {
                    Ok(v) => list.push(v),
                    Err(e) => return ListResult::List(Err(e)),
                },
            }
        }
    }

    /// Skips blanks and one `,`; true when nothing but that was left before the next item.
    fn empty_value(&mut self) -> bool {
        loop {
            match self.chars.get(self.pos) {
                None => return true,
                Some(',') => {
                    self.pos += 1;
                    return true;
                }
                Some(c) if c.is_whitespace() => self.pos += 1,
                Some(_) => return false,
            }
        }
    }

    /// Decodes one JSON value at the cursor (numbers become float64 as in Go).
    fn json_value(&mut self) -> Step<Value> {
        let rest: String = self.chars[self.pos..].iter().collect();
        let mut stream = serde_json::Deserializer::from_str(&rest).into_iter::<Value>();
        match stream.next() {
            Some(Ok(mut value)) => {
                let consumed = rest[..stream.byte_offset()].chars().count();
                self.pos += consumed;
                to_float_numbers(&mut value);
                Ok(value)
            }
            Some(Err(e)) => fail(e.to_string()),
            None => fail("unexpected end of JSON input"),
        }
    }

    fn read_value(&self, raw: &str) -> Step<Value> {
        match &self.kind {
            ValueKind::Typed | ValueKind::Json => Ok(typed_value(raw)),
            ValueKind::String => Ok(Value::String(raw.to_string())),
            ValueKind::File(read) => match read(raw) {
                Ok(text) => Ok(Value::String(text)),
                Err(e) => fail(e.to_string()),
            },
        }
    }
}

enum ListResult {
    List(Step<Vec<Value>>),
    NotList,
    Eof,
}

fn set(data: &mut Map<String, Value>, key: &str, value: Value) {
    if !key.is_empty() {
        data.insert(key.to_string(), value);
    }
}

fn set_index(list: &mut Vec<Value>, index: i64, value: Value) -> Step<()> {
    if index < 0 {
        return fail(format!("negative {index} index not allowed"));
    }
    let index = index as usize;
    if index > MAX_INDEX {
        return fail(format!(
            "index of {index} is greater than maximum supported index of {MAX_INDEX}"
        ));
    }
    if list.len() <= index {
        list.resize(index + 1, Value::Null);
    }
    list[index] = value;
    Ok(())
}

/// `--set`'s typing of a scalar: booleans and `null` case-insensitively,
/// int64 for decimal integers not starting with `0` (and `0` itself), else a string.
fn typed_value(raw: &str) -> Value {
    if raw.eq_ignore_ascii_case("true") {
        return Value::Bool(true);
    }
    if raw.eq_ignore_ascii_case("false") {
        return Value::Bool(false);
    }
    if raw.eq_ignore_ascii_case("null") {
        return Value::Null;
    }
    if raw == "0" {
        return Value::from(0i64);
    }
    if !raw.starts_with('0')
        && let Ok(n) = raw.parse::<i64>()
    {
        return Value::from(n);
    }
    Value::String(raw.to_string())
}

#[cfg(test)]
mod tests;
