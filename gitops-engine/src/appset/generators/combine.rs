//! `matrix` (cartesian product of two children, the second rendered with each
//! parameter set of the first) and `merge` (the first child's sets, overridden
//! by later children's sets with equal `mergeKeys` values).

use std::collections::BTreeSet;

use indexmap::IndexMap;
use serde_json::{Map, Value};

use super::super::error::AppSetError;
use super::super::model::{CombiningGenerator, Generator};
use super::super::params::{Params, merge_override};
use super::{GenerateContext, MAX_DEPTH, transform};

/// Parameter sets of a matrix.
pub(super) fn matrix(
    m: &CombiningGenerator,
    ctx: GenerateContext<'_>,
    depth: usize,
) -> Result<Vec<Params>, AppSetError> {
    let [first, second] = m.generators.as_slice() else {
        return Err(if m.generators.len() < 2 {
            AppSetError::MatrixTooFew
        } else {
            AppSetError::MatrixTooMany
        });
    };
    let wrap = |context: &'static str| {
        move |e: AppSetError| AppSetError::Child {
            context,
            source: Box::new(e),
        }
    };
    let mut out = Vec::new();
    let firsts = child_params(first, ctx, None, depth).map_err(wrap(
        "error failed to get params for first generator in matrix generator",
    ))?;
    for a in &firsts {
        let seconds = child_params(second, ctx, Some(a), depth).map_err(wrap(
            "failed to get params for second generator in the matrix generator",
        ))?;
        for b in seconds {
            if ctx.mode.go_template {
                let mut combined = b;
                merge_override(&mut combined, a);
                out.push(combined);
            } else {
                out.push(combine_strings(a, &b)?);
            }
        }
    }
    Ok(out)
}

/// Plain-mode union of two parameter sets; a key with two different values is an error.
fn combine_strings(a: &Params, b: &Params) -> Result<Params, AppSetError> {
    let mut out = a.clone();
    for (k, v) in b {
        match a.get(k) {
            Some(existing) if existing != v => {
                return Err(AppSetError::MatrixConflict {
                    key: k.clone(),
                    a: text(existing),
                    b: text(v),
                });
            }
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Ok(out)
}

fn text(v: &Value) -> String {
    v.as_str()
        .map(str::to_string)
        .unwrap_or_else(|| v.to_string())
}

/// Parameter sets of a merge.
pub(super) fn merge(
    m: &CombiningGenerator,
    ctx: GenerateContext<'_>,
    depth: usize,
) -> Result<Vec<Params>, AppSetError> {
    if m.generators.len() < 2 {
        return Err(AppSetError::MergeTooFew);
    }
    let mut children = Vec::with_capacity(m.generators.len());
    for child in &m.generators {
        children.push(child_params(child, ctx, None, depth)?);
    }
    let mut base = params_by_merge_key(&m.merge_keys, &children[0])?;
    for other in &children[1..] {
        let other = params_by_merge_key(&m.merge_keys, other)?;
        for (key, set) in base.iter_mut() {
            let Some(over) = other.get(key) else {
                continue;
            };
            if ctx.mode.go_template {
                merge_override(set, over);
            } else {
                set.extend(over.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
        }
    }
    Ok(base.into_values().collect())
}

/// Parameter sets by the JSON text of their merge-key values (keys sorted and
/// de-duplicated, a missing key is `null`), in input order; two sets with the
/// same text are an error.
pub fn params_by_merge_key(
    merge_keys: &[String],
    sets: &[Params],
) -> Result<IndexMap<String, Params>, AppSetError> {
    if merge_keys.is_empty() {
        return Err(AppSetError::NoMergeKeys);
    }
    let keys: BTreeSet<&String> = merge_keys.iter().collect();
    let mut out = IndexMap::with_capacity(sets.len());
    for set in sets {
        let key_values: Map<String, Value> = keys
            .iter()
            .map(|k| ((*k).clone(), sorted(set.get(*k).unwrap_or(&Value::Null))))
            .collect();
        let text = Value::Object(key_values).to_string();
        if out.contains_key(&text) {
            return Err(AppSetError::MergeKeyNotUnique(text));
        }
        out.insert(text, set.clone());
    }
    Ok(out)
}

/// `value` with object keys sorted at every level, as Go's JSON encoder prints maps.
fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sorted(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// The parameter sets of one matrix/merge child, rendered with `parent` first.
fn child_params(
    child: &Generator,
    ctx: GenerateContext<'_>,
    parent: Option<&Params>,
    depth: usize,
) -> Result<Vec<Params>, AppSetError> {
    let kinds = child.kinds();
    if kinds.len() > 1 {
        return Err(AppSetError::ChildWithSeveralGenerators);
    }
    if kinds.iter().any(|k| k.is_combining()) && depth + 1 >= MAX_DEPTH {
        return Err(AppSetError::NestedTooDeep);
    }
    let child = without_nested_selectors(child, ctx.apply_nested_selectors);
    let results = transform(&child, &Value::Null, ctx, parent, depth + 1).map_err(|e| {
        AppSetError::Child {
            context: "child generator returned an error on parameter generation",
            source: Box::new(e),
        }
    })?;
    results
        .into_iter()
        .next()
        .map(|r| r.params)
        .ok_or(AppSetError::ChildWithoutGenerator)
}

/// A nested matrix/merge child with its own children's selectors dropped, unless
/// `applyNestedSelectors` is set (Argo CD ignores those selectors by default).
fn without_nested_selectors(child: &Generator, apply: bool) -> Generator {
    let mut child = child.clone();
    if !apply {
        for combining in [child.matrix.as_mut(), child.merge.as_mut()]
            .into_iter()
            .flatten()
        {
            for grandchild in &mut combining.generators {
                grandchild.selector = None;
            }
        }
    }
    child
}
