//! Go `text/template` with the Sprig function library, exact to Go's output
//! and errors. Pure: no I/O.
//!
//! A [`TemplateSet`] holds named templates parsed once ([`TemplateSet::parse`],
//! Go's `New(name).Parse(text)`, `{{define}}` blocks included) and executes
//! them many times against a [`Value`] ([`TemplateSet::execute`]). Data from
//! `serde_json` converts as Go's JSON decoding into `interface{}` gives it
//! (every number a `float64`). Functions come from a [`FuncMap`]: Sprig as
//! Helm registers it ([`FuncMap::sprig`]), plus the embedder's own
//! [`Function`]s, which reach the executing set through [`Call`] (what
//! Helm's `include` and `tpl` need). Errors display Go's texts.

mod builtins;
mod error;
mod exec;
pub mod fmt;
mod func;
mod parse;
mod set;
mod sprig;
mod value;

pub use error::{Error, FuncError};
pub use exec::Call;
pub use func::{FuncBody, FuncMap, Function, Param};
pub use set::{Limits, MissingKey, Options, TemplateSet};
pub use value::{Map, Struct, Value};

/// Parses `text` and returns Go's `Tree.Root.String()` of it with text
/// nodes quoted (`%q`), as Go's parser tests print trees. For conformance
/// tests and debugging.
pub fn parse_tree_string(name: &str, text: &str, funcs: &FuncMap) -> Result<String, Error> {
    let has_func = |f: &str| builtins::is_builtin(f) || funcs.contains(f);
    let trees = parse::parse(name, text, &has_func, Limits::default().max_parse_depth)?;
    Ok(parse::node::list_string(
        &trees[0].root,
        parse::node::TextFormat::Quoted,
    ))
}
