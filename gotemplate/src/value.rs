//! The values templates compute with, keeping the Go distinctions that change
//! output: `int` versus `float64`, nil, and maps shared by reference.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

/// A Go value as a template sees it.
///
/// Data converted from `serde_json::Value` gives what Go's `encoding/json`
/// gives when decoding into `interface{}`: every number is a `float64`
/// ([`Value::Float`]), objects are `map[string]interface{}` ([`Value::Map`]),
/// arrays are `[]interface{}` ([`Value::List`]). Template literals such as
/// `{{ 3 }}` and functions such as `len` produce `int` ([`Value::Int`]).
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub enum Value {
    /// Go's untyped nil (a nil `interface{}`); printed `<no value>` by an action.
    #[default]
    Nil,
    /// A Go `bool`.
    Bool(bool),
    /// A Go `int` (64-bit, as on the platforms Helm ships for).
    Int(i64),
    /// A Go `int64`, what Sprig's arithmetic returns; Go does not pass it
    /// where an `int` is expected.
    Int64(i64),
    /// A Go `float64`.
    Float(f64),
    /// A Go `complex128` (real, imaginary), from constants like `1+2i`.
    Complex(f64, f64),
    /// A Go `string`.
    String(Arc<str>),
    /// A Go `[]interface{}`.
    List(Arc<Vec<Value>>),
    /// A Go `map[string]interface{}`; shared by reference like Go maps, so
    /// Sprig's `set`/`unset` are visible through every copy.
    Map(Map),
    /// A Go struct value (e.g. what Sprig's `genCA` or `urlParse`-like
    /// helpers return): fields in declaration order, reachable with `.Field`.
    Struct(Arc<Struct>),
    /// A Go `time.Time` (Sprig's date functions).
    Time(Arc<jiff::Zoned>),
    /// A Go func value in the data, callable with the `call` builtin.
    Func(crate::func::Function),
}

/// A Go struct: a type name (as `%T` prints it), named fields and
/// methods. Templates reach both with `.Name`; a method receives the
/// arguments that follow it (`{{ .Files.Get "x" }}`), as Helm's objects need.
#[derive(Clone, Debug, Default)]
pub struct Struct {
    /// The Go type name, e.g. `sprig.certificate`.
    pub type_name: String,
    /// Fields in declaration order.
    pub fields: Vec<(String, Value)>,
    /// Methods by name.
    pub methods: Vec<(String, crate::func::Function)>,
}

impl Struct {
    /// The field called `name`.
    pub fn field(&self, name: &str) -> Option<&Value> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// The method called `name`.
    pub fn method(&self, name: &str) -> Option<&crate::func::Function> {
        self.methods.iter().find(|(n, _)| n == name).map(|(_, f)| f)
    }
}

/// A Go `map[string]interface{}` shared by reference (Go map semantics).
/// Iteration is in sorted key order, as Go's template `range` and `fmt` use.
#[derive(Clone, Default)]
pub struct Map(Arc<Mutex<BTreeMap<String, Value>>>);

impl fmt::Debug for Map {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.lock().iter()).finish()
    }
}

impl Map {
    /// A new empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// A map holding `entries`.
    pub fn from_entries(entries: BTreeMap<String, Value>) -> Self {
        Map(Arc::new(Mutex::new(entries)))
    }

    /// The entries, locked for reading or writing. Never hold the guard
    /// across a call back into the template engine.
    pub fn lock(&self) -> MutexGuard<'_, BTreeMap<String, Value>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The value at `key`, if present.
    pub fn get(&self, key: &str) -> Option<Value> {
        self.lock().get(key).cloned()
    }

    /// Sets `key` to `value`.
    pub fn insert(&self, key: impl Into<String>, value: Value) {
        self.lock().insert(key.into(), value);
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether the map has no entries.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// A snapshot of the entries in key order.
    pub fn entries(&self) -> Vec<(String, Value)> {
        self.lock()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// Whether both handles share the same underlying map.
    pub fn ptr_eq(&self, other: &Map) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// An identity for cycle detection while walking nested maps.
    pub(crate) fn id(&self) -> usize {
        Arc::as_ptr(&self.0) as *const () as usize
    }
}

impl Value {
    /// A string value.
    pub fn string(s: impl Into<Arc<str>>) -> Value {
        Value::String(s.into())
    }

    /// A list value.
    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Arc::new(items))
    }

    /// The Go type name as `%T` prints it (`int`, `float64`,
    /// `[]interface {}`, `map[string]interface {}`, `<nil>`...).
    pub fn type_name(&self) -> &str {
        if let Value::Struct(s) = self {
            return &s.type_name;
        }
        self.basic_type_name()
    }

    fn basic_type_name(&self) -> &'static str {
        match self {
            Value::Nil => "<nil>",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Int64(_) => "int64",
            Value::Float(_) => "float64",
            Value::Complex(..) => "complex128",
            Value::String(_) => "string",
            Value::List(_) => "[]interface {}",
            Value::Map(_) => "map[string]interface {}",
            Value::Struct(_) => "struct",
            Value::Time(_) => "time.Time",
            Value::Func(_) => "func",
        }
    }

    /// The Go `reflect.Kind` name (`int`, `float64`, `slice`, `map`,
    /// `struct`, `invalid` for nil...), as Sprig's `kindOf` prints it.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Nil => "invalid",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Int64(_) => "int64",
            Value::Float(_) => "float64",
            Value::Complex(..) => "complex128",
            Value::String(_) => "string",
            Value::List(_) => "slice",
            Value::Map(_) => "map",
            Value::Struct(_) | Value::Time(_) => "struct",
            Value::Func(_) => "func",
        }
    }

    /// Go template truth: false for nil, false, 0, empty strings,
    /// lists and maps; true otherwise (structs are always true).
    pub fn is_true(&self) -> bool {
        match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i) | Value::Int64(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Complex(re, im) => *re != 0.0 || *im != 0.0,
            Value::String(s) => !s.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Map(m) => !m.is_empty(),
            Value::Struct(_) | Value::Time(_) | Value::Func(_) => true,
        }
    }

    /// The string, if this is a Go string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Converts to JSON the way Go's `encoding/json` marshals the value
    /// (integral floats as integers, structs as objects, times as RFC 3339).
    /// Non-finite floats, which Go refuses to marshal, become `null`.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Nil => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) | Value::Int64(i) => J::from(*i),
            Value::Float(f) => {
                if f.fract() == 0.0 && f.abs() < 1e15 {
                    J::from(*f as i64)
                } else {
                    serde_json::Number::from_f64(*f).map_or(J::Null, J::Number)
                }
            }
            Value::Complex(..) | Value::Func(_) => J::Null,
            Value::String(s) => J::String(s.to_string()),
            Value::List(l) => J::Array(l.iter().map(Value::to_json).collect()),
            Value::Map(m) => J::Object(
                m.lock()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect(),
            ),
            Value::Struct(s) => J::Object(
                s.fields
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect(),
            ),
            Value::Time(t) => J::String(crate::sprig::dates::rfc3339(t)),
        }
    }
}

impl From<&serde_json::Value> for Value {
    /// Decodes as Go's `json.Unmarshal` into `interface{}` does: every
    /// number becomes a `float64`.
    fn from(json: &serde_json::Value) -> Self {
        use serde_json::Value as J;
        match json {
            J::Null => Value::Nil,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => Value::Float(n.as_f64().unwrap_or(0.0)),
            J::String(s) => Value::String(s.as_str().into()),
            J::Array(a) => Value::List(Arc::new(a.iter().map(Value::from).collect())),
            J::Object(o) => Value::Map(Map::from_entries(
                o.iter().map(|(k, v)| (k.clone(), Value::from(v))).collect(),
            )),
        }
    }
}

impl From<serde_json::Value> for Value {
    /// See the conversion from `&serde_json::Value`.
    fn from(json: serde_json::Value) -> Self {
        Value::from(&json)
    }
}

impl From<&Value> for serde_json::Value {
    fn from(value: &Value) -> Self {
        value.to_json()
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.into())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s.into())
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Self {
        Value::Float(f)
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Self {
        Value::List(Arc::new(items))
    }
}

impl From<Map> for Value {
    fn from(map: Map) -> Self {
        Value::Map(map)
    }
}
