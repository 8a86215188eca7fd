//! Functions callable from templates: how they are declared (Go parameter
//! types, so argument errors read as Go's), registered and called.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::error::FuncError;
use crate::exec::Call;
use crate::value::Value;

/// The Go type of a function parameter. Arguments are checked and
/// converted as Go's `text/template` does for that type, with its error
/// texts (`wrong type for value; expected string; got float64`,
/// `expected integer; found "x"`...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Param {
    /// `interface{}`: any value; a missing value arrives as [`Value::Nil`].
    Any,
    /// `reflect.Value` (Go's builtins): any value, nil included.
    Reflect,
    /// `string`.
    String,
    /// `int` (also accepts what Sprig types as `int64`).
    Int,
    /// `float64`.
    Float,
    /// `bool`.
    Bool,
    /// `[]interface{}`.
    List,
    /// `map[string]interface{}`.
    Map,
}

impl Param {
    /// The Go type name as error messages print it.
    pub fn go_type(self) -> &'static str {
        match self {
            Param::Any => "interface {}",
            Param::Reflect => "reflect.Value",
            Param::String => "string",
            Param::Int => "int",
            Param::Float => "float64",
            Param::Bool => "bool",
            Param::List => "[]interface {}",
            Param::Map => "map[string]interface {}",
        }
    }
}

/// The body of a function: receives the call context and the converted
/// arguments (variadic ones flattened at the end).
pub type FuncBody = dyn Fn(&mut Call<'_>, Vec<Value>) -> Result<Value, FuncError> + Send + Sync;

/// A function callable from templates.
#[derive(Clone)]
pub struct Function {
    pub(crate) params: Arc<[Param]>,
    pub(crate) variadic: Option<Param>,
    pub(crate) body: Arc<FuncBody>,
}

impl fmt::Debug for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Function")
            .field("params", &self.params)
            .field("variadic", &self.variadic)
            .finish_non_exhaustive()
    }
}

impl Function {
    /// A function with fixed parameters `params` and, if `variadic` is set,
    /// any number of further arguments of that type (Go's `...T`).
    pub fn new<F>(params: &[Param], variadic: Option<Param>, body: F) -> Function
    where
        F: Fn(&mut Call<'_>, Vec<Value>) -> Result<Value, FuncError> + Send + Sync + 'static,
    {
        Function {
            params: params.into(),
            variadic,
            body: Arc::new(body),
        }
    }

    /// The fixed parameters.
    pub fn params(&self) -> &[Param] {
        &self.params
    }

    /// The variadic parameter type, if the function is variadic.
    pub fn variadic(&self) -> Option<Param> {
        self.variadic
    }
}

/// A set of named functions (Go's `template.FuncMap`). Start from
/// [`FuncMap::sprig`] (Sprig as Helm registers it) or [`FuncMap::new`],
/// then add, replace or remove entries.
#[derive(Clone, Debug, Default)]
pub struct FuncMap {
    funcs: HashMap<String, Function>,
}

impl FuncMap {
    /// An empty map (Go's builtins are always available regardless).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sprig v3's `TxtFuncMap()` minus the functions that read the process
    /// environment or the network (`env`, `expandenv`, `getHostByName`):
    /// this crate does no I/O, and both Helm and ApplicationSet remove them.
    pub fn sprig() -> Self {
        crate::sprig::functions()
    }

    /// Adds or replaces `name`.
    pub fn insert(&mut self, name: impl Into<String>, function: Function) -> &mut Self {
        self.funcs.insert(name.into(), function);
        self
    }

    /// Removes `name`, returning it if it was present.
    pub fn remove(&mut self, name: &str) -> Option<Function> {
        self.funcs.remove(name)
    }

    /// The function called `name`.
    pub fn get(&self, name: &str) -> Option<&Function> {
        self.funcs.get(name)
    }

    /// Whether `name` is registered.
    pub fn contains(&self, name: &str) -> bool {
        self.funcs.contains_key(name)
    }

    /// The registered names, in no particular order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.funcs.keys().map(String::as_str)
    }

    /// Adds every entry of `other`, replacing same-named ones.
    pub fn extend(&mut self, other: FuncMap) -> &mut Self {
        self.funcs.extend(other.funcs);
        self
    }
}
