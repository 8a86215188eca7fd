//! `values.schema.json` validation, as Helm checks values before rendering:
//! each chart's schema against its coalesced values, subcharts against
//! their own tables, errors listed per chart in the text of Helm's
//! validator (santhosh-tekuri/jsonschema v6): `- at '/age': minimum: got -5, want 0`.

use crate::chart::Chart;
use crate::error::{Error, Result};
use boon::{Compiler, ErrorKind, Schemas, ValidationError};
use serde_json::{Map, Number, Value};
use std::fmt::Write as _;

/// The URL Helm registers a chart's schema under.
const SCHEMA_URL: &str = "file:///values.schema.json";

/// Validates `values` (coalesced) against the schemas of `chart` and its subcharts.
pub fn validate_values(chart: &Chart, values: &Map<String, Value>) -> Result<()> {
    let report = chart_report(chart, values)?;
    if report.is_empty() {
        Ok(())
    } else {
        Err(Error::Schema(report))
    }
}

fn chart_report(chart: &Chart, values: &Map<String, Value>) -> Result<String> {
    let mut out = String::new();
    if let Some(schema) = &chart.schema {
        let problems = validate_one(schema, values).map_err(|e| {
            Error::InvalidChart(format!("{}: values.schema.json: {e}", chart.name()))
        })?;
        if !problems.is_empty() {
            let _ = write!(out, "{}:\n{problems}\n", chart.name());
        }
    }
    for sub in &chart.dependencies {
        let empty = Map::new();
        let sub_values = values
            .get(sub.name())
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        out.push_str(&chart_report(sub, sub_values)?);
    }
    Ok(out)
}

/// The validation errors of one schema, one `- at '<path>': <message>` line each.
fn validate_one(schema: &[u8], values: &Map<String, Value>) -> std::result::Result<String, String> {
    let schema: Value = serde_json::from_slice(schema).map_err(|e| e.to_string())?;
    let mut compiler = Compiler::new();
    compiler
        .add_resource(SCHEMA_URL, schema)
        .map_err(|e| e.to_string())?;
    let mut schemas = Schemas::new();
    let index = compiler
        .compile(SCHEMA_URL, &mut schemas)
        .map_err(|e| format!("{e:#}"))?;
    let mut instance = Value::Object(values.clone());
    integral_floats_to_ints(&mut instance);
    match schemas.validate(&instance, index) {
        Ok(()) => Ok(String::new()),
        Err(error) => {
            let mut lines = Vec::new();
            collect(&error, 0, &mut lines);
            Ok(lines.join("\n"))
        }
    }
}

fn collect(error: &ValidationError<'_, '_>, depth: usize, lines: &mut Vec<String>) {
    let passthrough = matches!(error.kind, ErrorKind::Schema { .. } | ErrorKind::Group)
        || (error.causes.len() == 1 && matches!(error.kind, ErrorKind::Reference { .. }));
    let next = if passthrough {
        depth
    } else {
        lines.push(format!(
            "{}- at '{}': {}",
            "  ".repeat(depth),
            error.instance_location,
            message(&error.kind)
        ));
        depth + 1
    };
    for cause in &error.causes {
        collect(cause, next, lines);
    }
}

/// The message of the Go validator for the kinds whose text differs from boon's.
fn message(kind: &ErrorKind<'_, '_>) -> String {
    let quoted = |items: &mut dyn Iterator<Item = &str>| {
        items
            .map(|s| format!("'{s}'"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match kind {
        ErrorKind::Required { want } if want.len() == 1 => {
            format!("missing property '{}'", want[0])
        }
        ErrorKind::Required { want } => {
            format!("missing properties {}", quoted(&mut want.iter().copied()))
        }
        ErrorKind::AdditionalProperties { got } => format!(
            "additional properties {} not allowed",
            quoted(&mut got.iter().map(|s| s.as_ref()))
        ),
        ErrorKind::Minimum { got, want } => {
            format!("minimum: got {}, want {}", go_number(got), go_number(want))
        }
        ErrorKind::Maximum { got, want } => {
            format!("maximum: got {}, want {}", go_number(got), go_number(want))
        }
        ErrorKind::ExclusiveMinimum { got, want } => {
            format!(
                "exclusiveMinimum: got {}, want {}",
                go_number(got),
                go_number(want)
            )
        }
        ErrorKind::ExclusiveMaximum { got, want } => {
            format!(
                "exclusiveMaximum: got {}, want {}",
                go_number(got),
                go_number(want)
            )
        }
        ErrorKind::MultipleOf { got, want } => {
            format!(
                "multipleOf: got {}, want {}",
                go_number(got),
                go_number(want)
            )
        }
        ErrorKind::MinLength { got, want } => format!("minLength: got {got}, want {want}"),
        ErrorKind::MaxLength { got, want } => format!("maxLength: got {got}, want {want}"),
        ErrorKind::MinItems { got, want } => format!("minItems: got {got}, want {want}"),
        ErrorKind::MaxItems { got, want } => format!("maxItems: got {got}, want {want}"),
        ErrorKind::MinProperties { got, want } => format!("minProperties: got {got}, want {want}"),
        ErrorKind::MaxProperties { got, want } => format!("maxProperties: got {got}, want {want}"),
        other => other.to_string(),
    }
}

/// A number as Go's `%v` prints a float64 holding it (`-5`, `3.5`).
fn go_number(n: &Number) -> String {
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 1e21 => format!("{f:.0}"),
        Some(f) => f.to_string(),
        None => n.to_string(),
    }
}

/// Whole floats become integers so that messages print `-5`, not `-5.0`
/// (validation is unaffected: JSON Schema compares numbers by value).
fn integral_floats_to_ints(value: &mut Value) {
    match value {
        Value::Number(n) => {
            if let Some(f) = n.as_f64()
                && n.is_f64()
                && f.fract() == 0.0
                && f.abs() < 9e15
            {
                *n = Number::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_floats_to_ints),
        Value::Object(map) => map.values_mut().for_each(integral_floats_to_ints),
        _ => {}
    }
}

#[cfg(test)]
mod tests;
