//! The `git` generator: parameter sets from a repository's directories or files.

use std::collections::BTreeMap;

use serde_json::Value;

use super::super::error::AppSetError;
use super::super::glob::PathPattern;
use super::super::model::{GitGenerator, GitPathItem};
use super::super::params::{
    Params, flatten, go_path_base, go_path_dir, go_value_text, path_params,
};
use super::GenerateContext;

/// The parameter sets of a git generator (`directories` wins over `files`).
pub(super) fn params(
    g: &GitGenerator,
    ctx: GenerateContext<'_>,
) -> Result<Vec<Params>, AppSetError> {
    if !g.directories.is_empty() {
        directories(g, ctx)
    } else if !g.files.is_empty() {
        files(g, ctx)
    } else {
        Err(AppSetError::GitNothingRequested)
    }
}

/// Directories matching an include pattern and no exclude pattern, in listing order.
fn directories(g: &GitGenerator, ctx: GenerateContext<'_>) -> Result<Vec<Params>, AppSetError> {
    let listed = ctx
        .sources
        .directories(&g.repo_url, &g.revision)
        .map_err(AppSetError::GitDirectories)?;
    let patterns: Vec<(PathPattern, bool)> = g
        .directories
        .iter()
        .filter_map(|item| Some((PathPattern::new(&item.path).ok()?, item.exclude)))
        .collect();
    let mut out = Vec::new();
    for dir in listed {
        let hits = || patterns.iter().filter(|(p, _)| p.matches(&dir));
        let included = hits().any(|(_, exclude)| !exclude);
        let excluded = hits().any(|(_, exclude)| *exclude);
        if !included || excluded {
            continue;
        }
        let mut params = path_params(&dir, None, &g.path_param_prefix, ctx.mode.go_template);
        ctx.append_values(&g.values, &mut params)?;
        out.push(params);
    }
    Ok(out)
}

/// Files of the include patterns minus those of the exclude patterns, sorted by path;
/// each file yields one parameter set per object it holds.
fn files(g: &GitGenerator, ctx: GenerateContext<'_>) -> Result<Vec<Params>, AppSetError> {
    let fetch = |item: &GitPathItem| {
        ctx.sources
            .files(&g.repo_url, &g.revision, &item.path)
            .map_err(AppSetError::GitFiles)
    };
    let mut found: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for item in g.files.iter().filter(|i| !i.exclude) {
        found.extend(fetch(item)?);
    }
    for item in g.files.iter().filter(|i| i.exclude) {
        for (path, _) in fetch(item)? {
            found.remove(&path);
        }
    }
    let mut out = Vec::new();
    for (path, content) in &found {
        let parse_err = |message: String| AppSetError::GitFileParse {
            path: path.clone(),
            repo: g.repo_url.clone(),
            message,
        };
        for object in file_objects(content).map_err(parse_err)? {
            let dir = go_path_dir(path);
            let file = go_path_base(path);
            let mut params = if ctx.mode.go_template {
                object
            } else {
                flatten(&object)
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(go_value_text(v))))
                    .collect()
            };
            let path_part = path_params(
                &dir,
                Some(&file),
                &g.path_param_prefix,
                ctx.mode.go_template,
            );
            params.extend(path_part);
            ctx.append_values(&g.values, &mut params)?;
            out.push(params);
        }
    }
    Ok(out)
}

/// The objects a JSON/YAML file holds: a list of objects (an empty list holds
/// none), one object, or for an empty file one empty object.
fn file_objects(content: &[u8]) -> Result<Vec<Params>, String> {
    let text = std::str::from_utf8(content).map_err(|e| e.to_string())?;
    let parsed = kustomize_core::yaml::parse_document(text).map_err(|e| e.to_string())?;
    let objects = match parsed {
        Value::Null => vec![Params::new()],
        Value::Object(map) => vec![map],
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::Object(map) => Ok(map),
                _ => Err("a list item is not an object".to_string()),
            })
            .collect::<Result<_, _>>()?,
        _ => return Err("the file holds neither an object nor a list of objects".into()),
    };
    Ok(objects)
}
