//! The template set: named templates parsed once, executed many times.

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::Error;
use crate::func::FuncMap;
use crate::parse::node::{Tree, is_empty_list};
use crate::value::Value;

/// What a missing map key yields (Go's `missingkey=` option).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MissingKey {
    /// `missingkey=default` (or `invalid`): no value; prints `<no value>`.
    #[default]
    Default,
    /// `missingkey=zero`: the map element type's zero value (nil for
    /// `interface{}` maps, which also prints `<no value>`).
    Zero,
    /// `missingkey=error`: execution stops with `map has no entry for key`.
    Error,
}

/// Bounds on the work one execution may do. Exceeding one is an error,
/// never a hang or a crash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Nesting of `{{template}}`/`include`/`tpl` calls.
    pub max_depth: usize,
    /// Nesting of actions and parentheses within one template text.
    pub max_parse_depth: usize,
    /// Bytes of output, counted over the top-level execution and every
    /// nested one (`include`, `tpl`), and the largest string a function
    /// may build.
    pub max_output: usize,
    /// Iterations of one `range`, and length of lists built by functions
    /// such as `until` or `seq`.
    pub max_range: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 100,
            max_parse_depth: 100,
            max_output: 64 << 20,
            max_range: 1_000_000,
        }
    }
}

/// Execution options.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// The `missingkey` option.
    pub missing_key: MissingKey,
    /// Work bounds.
    pub limits: Limits,
}

/// A set of named templates sharing functions and options: Go's
/// `*template.Template` with its associated templates.
///
/// ```
/// use gotemplate::{FuncMap, TemplateSet, Value};
/// let mut set = TemplateSet::new(FuncMap::sprig());
/// set.parse("main", r#"{{define "greet"}}hi {{.}}{{end}}{{template "greet" .name | upper}}"#)?;
/// let data = Value::from(serde_json::json!({"name": "ann"}));
/// assert_eq!(set.execute("main", &data)?, "hi ANN");
/// # Ok::<(), gotemplate::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct TemplateSet {
    pub(crate) trees: HashMap<String, Arc<Tree>>,
    pub(crate) funcs: Arc<FuncMap>,
    pub(crate) options: Options,
}

impl TemplateSet {
    /// An empty set calling `funcs` in addition to Go's builtins.
    pub fn new(funcs: FuncMap) -> Self {
        TemplateSet {
            trees: HashMap::new(),
            funcs: Arc::new(funcs),
            options: Options::default(),
        }
    }

    /// Sets the options.
    pub fn with_options(mut self, options: Options) -> Self {
        self.options = options;
        self
    }

    /// The options.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Changes the options.
    pub fn set_options(&mut self, options: Options) {
        self.options = options;
    }

    /// The functions.
    pub fn funcs(&self) -> &FuncMap {
        &self.funcs
    }

    /// Go's `set.New(name).Parse(text)`: parses `text` as template `name`
    /// and adds it and every `{{define}}`/`{{block}}` in it to the set.
    /// A definition replaces an existing template of the same name unless
    /// the new one is empty (only whitespace). On error the set is
    /// unchanged.
    pub fn parse(&mut self, name: &str, text: &str) -> Result<(), Error> {
        let funcs = &self.funcs;
        let has_func = |f: &str| crate::builtins::is_builtin(f) || funcs.contains(f);
        let trees =
            crate::parse::parse(name, text, &has_func, self.options.limits.max_parse_depth)?;
        for tree in trees {
            let replace = match self.trees.get(&tree.name) {
                None => true,
                Some(_) => !is_empty_list(&tree.root),
            };
            if replace {
                self.trees.insert(tree.name.clone(), Arc::new(tree));
            }
        }
        Ok(())
    }

    /// Whether a template called `name` is defined.
    pub fn contains(&self, name: &str) -> bool {
        self.trees.contains_key(name)
    }

    /// The names of the defined templates, in no particular order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.trees.keys().map(String::as_str)
    }

    /// Executes template `name` with `data` as dot and returns the output.
    pub fn execute(&self, name: &str, data: &Value) -> Result<String, Error> {
        crate::exec::execute_top(self, name, data)
    }
}
