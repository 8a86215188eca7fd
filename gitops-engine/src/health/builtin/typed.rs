//! Type checks standing in for the reference engine's conversion of an object to its
//! typed form: a field the rule reads that holds the wrong JSON type makes the health
//! `Unknown` instead of being misread as absent.

use serde_json::Value;

use crate::health::status::HealthStatus;
use crate::object::path::{as_int, at};

/// The JSON type a field must have (null always passes, as an unset field).
#[derive(Debug, Clone, Copy)]
pub enum FieldType {
    Int,
    Bool,
    Str,
    List,
}

/// A field path and its type.
pub type Field = (&'static [&'static str], FieldType);

const GENERATIONS: [Field; 2] = [
    (&["metadata", "generation"], FieldType::Int),
    (&["status", "observedGeneration"], FieldType::Int),
];
const CONDITIONS: Field = (&["status", "conditions"], FieldType::List);

pub const DEPLOYMENT: &[Field] = &[
    GENERATIONS[0],
    GENERATIONS[1],
    CONDITIONS,
    (&["spec", "paused"], FieldType::Bool),
    (&["spec", "replicas"], FieldType::Int),
    (&["status", "replicas"], FieldType::Int),
    (&["status", "updatedReplicas"], FieldType::Int),
    (&["status", "availableReplicas"], FieldType::Int),
];
pub const STATEFUL_SET: &[Field] = &[
    GENERATIONS[0],
    GENERATIONS[1],
    (&["spec", "replicas"], FieldType::Int),
    (&["spec", "updateStrategy", "type"], FieldType::Str),
    (
        &["spec", "updateStrategy", "rollingUpdate", "partition"],
        FieldType::Int,
    ),
    (&["status", "readyReplicas"], FieldType::Int),
    (&["status", "updatedReplicas"], FieldType::Int),
    (&["status", "currentReplicas"], FieldType::Int),
    (&["status", "updateRevision"], FieldType::Str),
    (&["status", "currentRevision"], FieldType::Str),
];
pub const DAEMON_SET: &[Field] = &[
    GENERATIONS[0],
    GENERATIONS[1],
    (&["spec", "updateStrategy", "type"], FieldType::Str),
    (&["status", "updatedNumberScheduled"], FieldType::Int),
    (&["status", "desiredNumberScheduled"], FieldType::Int),
    (&["status", "numberAvailable"], FieldType::Int),
];
pub const REPLICA_SET: &[Field] = &[
    GENERATIONS[0],
    GENERATIONS[1],
    CONDITIONS,
    (&["spec", "replicas"], FieldType::Int),
    (&["status", "availableReplicas"], FieldType::Int),
];
pub const POD: &[Field] = &[
    CONDITIONS,
    (&["spec", "restartPolicy"], FieldType::Str),
    (&["status", "phase"], FieldType::Str),
    (&["status", "message"], FieldType::Str),
    (&["status", "containerStatuses"], FieldType::List),
    (&["status", "initContainerStatuses"], FieldType::List),
];
pub const SERVICE: &[Field] = &[
    (&["spec", "type"], FieldType::Str),
    (&["status", "loadBalancer", "ingress"], FieldType::List),
];
pub const PVC: &[Field] = &[(&["status", "phase"], FieldType::Str)];
pub const CONDITIONS_ONLY: &[Field] = &[CONDITIONS];

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn has_type(value: &Value, expected: FieldType) -> bool {
    match expected {
        FieldType::Int => as_int(value).is_some(),
        FieldType::Bool => value.is_boolean(),
        FieldType::Str => value.is_string(),
        FieldType::List => value.is_array(),
    }
}

/// `Unknown` naming the first field of `fields` with the wrong type, if any.
pub fn check(obj: &Value, kind: &str, fields: &[Field]) -> Option<HealthStatus> {
    fields.iter().find_map(|(path, expected)| {
        let value = at(obj, path).filter(|v| !v.is_null())?;
        if has_type(value, *expected) {
            return None;
        }
        let wanted = match expected {
            FieldType::Int => "an integer",
            FieldType::Bool => "a boolean",
            FieldType::Str => "a string",
            FieldType::List => "a list",
        };
        Some(HealthStatus::unknown(format!(
            "failed to convert unstructured {kind} to typed: {}: expected {wanted}, got {}",
            path.join("."),
            describe(value)
        )))
    })
}
