//! Generators: each `spec.generators` entry yields parameter sets.
//!
//! [`transform`] runs one entry as Argo CD's `Transform` does: every generator
//! kind set in the entry runs, its output is filtered by the entry's
//! `selector`, and the template it renders into is the entry's own `template`
//! merged over the ApplicationSet's. Repositories, cluster Secrets and
//! decision resources come through [`GeneratorSources`], so the generators
//! themselves are pure.

mod clusters;
mod combine;
mod decision;
mod git;
mod list;

use serde_json::{Map, Value};

#[cfg(feature = "controller")]
pub(super) use clusters::string_map;
pub use combine::params_by_merge_key;

use super::error::AppSetError;
use super::model::{DecisionResourceGenerator, Generator, GeneratorKind};
use super::params::{Params, as_labels};
use super::template::TemplateMode;

/// Where generators read the outside world; errors are messages for conditions.
pub trait GeneratorSources {
    /// Every directory of `repo_url` at `revision`, relative, without dot-directories.
    fn directories(&self, repo_url: &str, revision: &str) -> Result<Vec<String>, String>;
    /// The files of `repo_url` at `revision` matching `pattern`, with their content.
    fn files(
        &self,
        repo_url: &str,
        revision: &str,
        pattern: &str,
    ) -> Result<Vec<(String, Vec<u8>)>, String>;
    /// The cluster Secrets (labelled `argocd.argoproj.io/secret-type: cluster`) of the
    /// control-plane namespace.
    fn cluster_secrets(&self) -> Result<Vec<Value>, String>;
    /// The decision entries of a clusterDecisionResource generator, with the key that
    /// names their cluster (`matchKey` of its ConfigMap).
    fn decisions(
        &self,
        generator: &DecisionResourceGenerator,
    ) -> Result<(String, Vec<Map<String, Value>>), String>;
}

/// What one generator kind of an entry produced.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratedParams {
    /// The template these parameter sets render into (entry template merged over the set's).
    pub template: Value,
    /// The parameter sets, in generation order.
    pub params: Vec<Params>,
}

/// What generators share while running.
#[derive(Clone, Copy)]
pub struct GenerateContext<'a> {
    /// Repositories, clusters and decision resources.
    pub sources: &'a dyn GeneratorSources,
    /// How `values` and child generators are rendered.
    pub mode: TemplateMode<'a>,
    /// `spec.applyNestedSelectors`.
    pub apply_nested_selectors: bool,
    /// The parameter set of a matrix's first child while its second child runs:
    /// the second child's `values` see it (under the child's own parameters).
    pub inherited: Option<&'a Params>,
}

impl GenerateContext<'_> {
    /// [`append_values`] with the inherited parameters visible under `params`.
    pub(crate) fn append_values(
        &self,
        values: &std::collections::BTreeMap<String, String>,
        params: &mut Params,
    ) -> Result<(), AppSetError> {
        match self.inherited {
            Some(inherited) if !values.is_empty() => {
                let mut visible = inherited.clone();
                if self.mode.go_template {
                    super::params::merge_override(&mut visible, params);
                } else {
                    visible.extend(params.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
                let mut rendered = Params::new();
                append_values(values, &mut rendered, &visible, self.mode)?;
                params.extend(rendered);
                Ok(())
            }
            _ => {
                let visible = params.clone();
                append_values(values, params, &visible, self.mode)
            }
        }
    }
}

/// Deepest nesting: a matrix/merge child may itself be a matrix/merge, one level only.
const MAX_DEPTH: usize = 2;

/// Runs one generator entry. `parent` is the parameter set of a matrix's first
/// child when this is its second child: the entry is rendered with it first.
pub fn transform(
    entry: &Generator,
    base_template: &Value,
    ctx: GenerateContext<'_>,
    parent: Option<&Params>,
    depth: usize,
) -> Result<Vec<GeneratedParams>, AppSetError> {
    let interpolated;
    let mut ctx = ctx;
    let entry = match parent {
        Some(p) if !p.is_empty() => {
            interpolated = interpolate(entry, p, ctx.mode)?;
            ctx.inherited = Some(p);
            &interpolated
        }
        _ => {
            ctx.inherited = None;
            entry
        }
    };
    let mut out = Vec::new();
    for kind in entry.kinds() {
        let template = merge_template(entry.template_override(), base_template);
        let params = kind_params(kind, ctx, depth)?;
        let params = match &entry.selector {
            Some(selector) => {
                let mut kept = Vec::with_capacity(params.len());
                for p in params {
                    if selector.matches(&as_labels(&p))? {
                        kept.push(p);
                    }
                }
                kept
            }
            None => params,
        };
        out.push(GeneratedParams { template, params });
    }
    Ok(out)
}

/// The parameter sets of one generator of an entry (no selector applied).
fn kind_params(
    kind: GeneratorKind<'_>,
    ctx: GenerateContext<'_>,
    depth: usize,
) -> Result<Vec<Params>, AppSetError> {
    match kind {
        GeneratorKind::List(g) => list::params(g, ctx.mode),
        GeneratorKind::Clusters(g) => clusters::params(g, ctx),
        GeneratorKind::Git(g) => git::params(g, ctx),
        GeneratorKind::Matrix(g) => combine::matrix(g, ctx, depth),
        GeneratorKind::Merge(g) => combine::merge(g, ctx, depth),
        GeneratorKind::ClusterDecisionResource(g) => decision::params(g, ctx),
        GeneratorKind::Unsupported(kind) => Err(AppSetError::UnsupportedGenerator { kind }),
    }
}

/// Renders every string of a generator entry with `params` (a matrix's second child).
///
/// The child's own `values` stay as written: they may refer to the child's
/// parameters (`{{.path.basename}}`), so the child renders them itself, seeing
/// `params` too.
fn interpolate(
    entry: &Generator,
    params: &Params,
    mode: TemplateMode<'_>,
) -> Result<Generator, AppSetError> {
    let raw = serde_json::to_value(entry).map_err(|e| AppSetError::Template(e.to_string()))?;
    let mut rendered = mode.render_value(&raw, params)?;
    for kind in ["clusters", "git", "clusterDecisionResource"] {
        if let Some(values) = raw.get(kind).and_then(|g| g.get("values")) {
            rendered[kind]["values"] = values.clone();
        }
    }
    serde_json::from_value(rendered).map_err(|e| AppSetError::Template(e.to_string()))
}

/// An entry's own template over the ApplicationSet's: fields the entry leaves
/// empty come from the set's (mergo without override).
pub fn merge_template(own: Option<&Value>, base: &Value) -> Value {
    let mut dest = own.cloned().unwrap_or(Value::Null);
    fill_missing(&mut dest, base);
    dest
}

fn is_zero(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
    }
}

fn fill_missing(dest: &mut Value, src: &Value) {
    if is_zero(dest) {
        *dest = src.clone();
        return;
    }
    if let (Value::Object(d), Value::Object(s)) = (dest, src) {
        for (k, v) in s {
            match d.get_mut(k) {
                Some(existing) => fill_missing(existing, v),
                None => {
                    d.insert(k.clone(), v.clone());
                }
            }
        }
    }
}

/// Adds `values`, rendered with `visible` (the parameters as they are before any
/// value is added, so values never expand each other), to `params` as
/// `values.<k>` or `values: {k}`.
pub fn append_values(
    values: &std::collections::BTreeMap<String, String>,
    params: &mut Params,
    visible: &Params,
    mode: TemplateMode<'_>,
) -> Result<(), AppSetError> {
    let mut rendered = Vec::with_capacity(values.len());
    for (k, v) in values {
        rendered.push((k, mode.render_str(v, visible)?));
    }
    if mode.go_template {
        if !values.is_empty() {
            let map: Map<String, Value> = rendered
                .into_iter()
                .map(|(k, v)| (k.clone(), Value::String(v)))
                .collect();
            params.insert("values".into(), Value::Object(map));
        }
    } else {
        for (k, v) in rendered {
            params.insert(format!("values.{k}"), Value::String(v));
        }
    }
    Ok(())
}
