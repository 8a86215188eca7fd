//! Serde adapters so foreign types serialise in Argo CD's JSON shape.
//!
//! `sync::retry::RetryStrategy` and `sync::SelectedResource` are the engine's own
//! types; Argo CD spells some of their fields differently (`maxDuration`) and omits
//! empty ones, so these adapters translate at the model boundary.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::sync::SelectedResource;
use crate::sync::retry::{Backoff, RetryStrategy};

/// `skip_serializing_if` for `false`.
pub(crate) fn is_false(b: &bool) -> bool {
    !*b
}

/// `skip_serializing_if` for `0`.
pub(crate) fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// Drops `null`, `""`, `[]`, `{}` and `false` members of an object (Go's `omitempty`).
fn omit_empty(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !is_empty_value(v))
                .collect::<Map<String, Value>>(),
        ),
        other => other,
    }
}

fn is_empty_value(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Number(_) => false,
    }
}

/// Argo CD's JSON form of `RetryStrategy`.
#[derive(Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ArgoRetry {
    #[serde(skip_serializing_if = "is_zero")]
    limit: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    backoff: Option<ArgoBackoff>,
    #[serde(skip_serializing_if = "is_false")]
    refresh: bool,
}

/// Argo CD's JSON form of `Backoff`.
#[derive(Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ArgoBackoff {
    #[serde(skip_serializing_if = "Option::is_none")]
    duration: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    factor: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_duration: Option<String>,
}

impl From<ArgoRetry> for RetryStrategy {
    fn from(r: ArgoRetry) -> Self {
        RetryStrategy {
            limit: r.limit,
            refresh: r.refresh,
            backoff: r.backoff.map(|b| Backoff {
                duration: b.duration,
                factor: b.factor,
                max_duration: b.max_duration,
            }),
        }
    }
}

impl From<&RetryStrategy> for ArgoRetry {
    fn from(r: &RetryStrategy) -> Self {
        ArgoRetry {
            limit: r.limit,
            refresh: r.refresh,
            backoff: r.backoff.as_ref().map(|b| ArgoBackoff {
                duration: b.duration.clone(),
                factor: b.factor,
                max_duration: b.max_duration.clone(),
            }),
        }
    }
}

/// `#[serde(with)]` module for `Option<RetryStrategy>` in Argo CD's shape.
pub(crate) mod retry {
    use super::*;

    /// Serialises the strategy as `{limit, backoff{duration, factor, maxDuration}, refresh}`.
    pub(crate) fn serialize<S: Serializer>(
        value: &Option<RetryStrategy>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        value.as_ref().map(ArgoRetry::from).serialize(s)
    }

    /// Reads Argo CD's retry block.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<RetryStrategy>, D::Error> {
        Ok(Option::<ArgoRetry>::deserialize(d)?.map(RetryStrategy::from))
    }
}

/// Argo CD's JSON form of a `SyncOperationResource`.
#[derive(Serialize, Deserialize, Default)]
#[serde(default)]
struct ArgoResource {
    #[serde(skip_serializing_if = "String::is_empty")]
    group: String,
    kind: String,
    name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    namespace: String,
}

/// `#[serde(with)]` module for `Vec<SelectedResource>` (`operation.sync.resources`).
pub(crate) mod resources {
    use super::*;

    /// Serialises each resource as `{group, kind, name, namespace}`, empty ones omitted.
    pub(crate) fn serialize<S: Serializer>(
        value: &[SelectedResource],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        value
            .iter()
            .map(|r| ArgoResource {
                group: r.group.clone(),
                kind: r.kind.clone(),
                name: r.name.clone(),
                namespace: r.namespace.clone(),
            })
            .collect::<Vec<_>>()
            .serialize(s)
    }

    /// Reads the resource list; missing group/namespace are empty.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<SelectedResource>, D::Error> {
        Ok(Vec::<ArgoResource>::deserialize(d)?
            .into_iter()
            .map(|r| SelectedResource {
                group: r.group,
                kind: r.kind,
                name: r.name,
                namespace: r.namespace,
            })
            .collect())
    }
}

/// `#[serde(serialize_with)]` for foreign types that always write every field: the
/// empty members of the object (or of each object in a list) are omitted.
pub(crate) fn compact<T: Serialize, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    let value = serde_json::to_value(value).map_err(serde::ser::Error::custom)?;
    let value = match value {
        Value::Array(items) => Value::Array(items.into_iter().map(omit_empty).collect()),
        other => omit_empty(other),
    };
    value.serialize(s)
}
