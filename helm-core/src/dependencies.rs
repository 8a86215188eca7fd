//! Helm's dependency processing before rendering (`ProcessDependenciesWithMerge`):
//! aliases, `tags` and `condition` enabling or disabling subcharts, and
//! `import-values` copying a subchart's values into its parent.

use crate::chart::{Chart, Dependency};
use crate::error::Result;
use crate::semver::is_compatible_range;
use crate::values::{coalesce_values, merge_tables, merge_values, path_value, table};
use serde_json::{Map, Value, json};
use std::collections::HashSet;

/// Applies aliases, drops disabled subcharts (recursively) and imports values, as Helm's install does.
pub fn process_dependencies(chart: &mut Chart, values: &Map<String, Value>) -> Result<()> {
    process_enabled(chart, values, "")?;
    process_import_values(chart)
}

fn process_enabled(chart: &mut Chart, values: &Map<String, Value>, path: &str) -> Result<()> {
    if chart.metadata.dependencies.is_empty() {
        return Ok(());
    }
    let existing = std::mem::take(&mut chart.dependencies);
    // Charts under charts/ that no declared dependency matches are kept as they are.
    let mut kept: Vec<Chart> = existing
        .iter()
        .filter(|c| {
            !chart.metadata.dependencies.iter().any(|req| {
                c.name() == req.name && is_compatible_range(&req.version, &c.metadata.version)
            })
        })
        .cloned()
        .collect();
    for req in &mut chart.metadata.dependencies {
        if let Some(found) = aliased(&existing, req) {
            kept.push(found);
        }
        if !req.alias.is_empty() {
            req.name = req.alias.clone();
        }
    }
    chart.dependencies = kept;
    for req in &mut chart.metadata.dependencies {
        req.enabled = true;
    }
    let coalesced = coalesce_values(chart, values)?;
    apply_tags(&mut chart.metadata.dependencies, &coalesced);
    apply_conditions(&mut chart.metadata.dependencies, &coalesced, path);
    let disabled: HashSet<String> = chart
        .metadata
        .dependencies
        .iter()
        .filter(|r| !r.enabled)
        .map(|r| r.name.clone())
        .collect();
    chart.dependencies.retain(|c| !disabled.contains(c.name()));
    chart
        .metadata
        .dependencies
        .retain(|r| !disabled.contains(&r.name));
    for sub in &mut chart.dependencies {
        let sub_path = format!("{path}{}.", sub.name());
        process_enabled(sub, &coalesced, &sub_path)?;
    }
    Ok(())
}

/// The subchart a declared dependency names (by name and version range), renamed to its alias.
fn aliased(charts: &[Chart], req: &Dependency) -> Option<Chart> {
    let found = charts
        .iter()
        .find(|c| c.name() == req.name && is_compatible_range(&req.version, &c.metadata.version))?;
    let mut out = found.clone();
    if !req.alias.is_empty() {
        out.metadata.name = req.alias.clone();
    }
    Some(out)
}

/// `tags:` in the values: any true tag enables, only false tags disable.
fn apply_tags(reqs: &mut [Dependency], values: &Map<String, Value>) {
    let Some(tags) = table(values, "tags") else {
        return;
    };
    for req in reqs {
        let (mut any_true, mut any_false) = (false, false);
        for tag in &req.tags {
            match tags.get(tag) {
                Some(Value::Bool(true)) => any_true = true,
                Some(Value::Bool(false)) => any_false = true,
                _ => {}
            }
        }
        req.enabled = any_true || !any_false;
    }
}

/// `condition:` paths: the first one holding a boolean decides.
fn apply_conditions(reqs: &mut [Dependency], values: &Map<String, Value>, path: &str) {
    for req in reqs {
        for condition in req.condition.trim().split(',') {
            if condition.is_empty() {
                continue;
            }
            if let Some(Value::Bool(enabled)) = path_value(values, &format!("{path}{condition}")) {
                req.enabled = *enabled;
                break;
            }
        }
    }
}

/// `import-values`, deepest charts first; imported values rank below the parent's own.
fn process_import_values(chart: &mut Chart) -> Result<()> {
    for sub in &mut chart.dependencies {
        process_import_values(sub)?;
    }
    if chart.metadata.dependencies.is_empty() {
        return Ok(());
    }
    let merged = merge_values(chart, &Map::new())?;
    let mut imported = Map::new();
    for req in &mut chart.metadata.dependencies {
        let mut normalised = Vec::new();
        for entry in &req.import_values {
            let (child, parent) = match entry {
                Value::Object(map) => (go_print(map.get("child")), go_print(map.get("parent"))),
                Value::String(name) => (format!("exports.{name}"), ".".to_string()),
                _ => continue,
            };
            normalised.push(json!({"child": child, "parent": parent}));
            let Some(found) = table(&merged, &format!("{}.{child}", req.name)) else {
                continue;
            };
            merge_tables(&mut imported, path_to_map(&parent, found.clone()));
        }
        req.import_values = normalised;
    }
    let mut values = merged;
    merge_tables(&mut values, imported);
    chart.values = values;
    Ok(())
}

/// Go's `%v` of an optional string-ish value (`<nil>` when absent).
fn go_print(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "<nil>".into(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// `a.b` and a table → `{a: {b: table}}`; `.` → the table itself.
fn path_to_map(path: &str, data: Map<String, Value>) -> Map<String, Value> {
    if path == "." {
        return data;
    }
    let mut current = data;
    for part in path.split('.').rev() {
        let mut outer = Map::new();
        outer.insert(part.to_string(), Value::Object(current));
        current = outer;
    }
    current
}

#[cfg(test)]
mod tests;
