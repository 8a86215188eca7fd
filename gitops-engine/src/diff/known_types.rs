//! Argo CD's known-type normaliser: fields of custom resources that hold a
//! built-in type (`resource.customizations.knownTypeFields.<group>_<kind>`)
//! get that type's canonical formats, so `cpu: 0.5` and `cpu: 500m` compare
//! equal inside, for example, an Argo Rollout's pod template.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::DiffError;
use super::normalize::{canonicalize_quantity, remarshal_struct};
use crate::object::Gvk;

/// One known-type field declaration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct KnownTypeField {
    /// API group of the resource.
    pub group: String,
    /// Kind of the resource.
    pub kind: String,
    /// Dot-separated path of the field; lists on the way are traversed.
    pub field: String,
    /// The built-in type: `core/Quantity`, `meta/v1/Duration`, or a struct
    /// type such as `core/v1/PodSpec`.
    #[serde(rename = "type")]
    pub type_name: String,
}

/// How a known type is canonicalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Canonical {
    Quantity,
    Duration,
    Struct,
}

/// Compiled known-type fields, including the default Argo Rollout pod
/// template.
#[derive(Debug, Clone)]
pub(crate) struct KnownTypes {
    fields: Vec<(KnownTypeField, Vec<String>, Canonical)>,
}

impl KnownTypes {
    /// Checks the type names of `fields` and adds the defaults.
    pub fn new(fields: &[KnownTypeField]) -> Result<Self, DiffError> {
        let rollout = KnownTypeField {
            group: "argoproj.io".into(),
            kind: "Rollout".into(),
            field: "spec.template.spec".into(),
            type_name: "core/v1/PodSpec".into(),
        };
        let fields = std::iter::once(&rollout)
            .chain(fields)
            .map(|f| {
                let canonical = match f.type_name.as_str() {
                    "core/Quantity" => Canonical::Quantity,
                    "meta/v1/Duration" => Canonical::Duration,
                    t if t.split('/').count() == 3 && t.split('/').all(|p| !p.is_empty()) => {
                        Canonical::Struct
                    }
                    _ => {
                        return Err(DiffError::UnknownKnownType {
                            resource: format!("{}/{}", f.group, f.kind),
                            type_name: f.type_name.clone(),
                        });
                    }
                };
                let path = f.field.split('.').map(str::to_string).collect();
                Ok((f.clone(), path, canonical))
            })
            .collect::<Result<_, _>>()?;
        Ok(KnownTypes { fields })
    }

    /// Canonicalises the declared fields of `obj`.
    pub fn normalize(&self, obj: &mut Value) {
        let ty = Gvk::named_by(obj);
        for (field, path, canonical) in &self.fields {
            if field.group == ty.group && field.kind == ty.kind {
                apply_at(obj, path, *canonical);
            }
        }
    }
}

/// Walks `path`, traversing lists, and canonicalises what it reaches.
fn apply_at(v: &mut Value, path: &[String], canonical: Canonical) {
    match (path.split_first(), v) {
        (None, value) => match canonical {
            Canonical::Quantity => canonicalize_quantity(value),
            Canonical::Duration => {
                if let Some(d) = value.as_str().and_then(canonical_duration) {
                    *value = Value::String(d);
                }
            }
            Canonical::Struct => remarshal_struct(value),
        },
        (Some((head, rest)), Value::Object(m)) => {
            if let Some(child) = m.get_mut(head) {
                match child {
                    Value::Array(items) => {
                        items.iter_mut().for_each(|i| apply_at(i, rest, canonical))
                    }
                    other => apply_at(other, rest, canonical),
                }
            }
        }
        _ => {}
    }
}

const NANOS_PER_UNIT: &[(&str, i128)] = &[
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("μs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

/// A Go duration (`90s`, `1.5h`, `1h30m`) in Go's canonical text
/// (`1m30s`, `1h30m0s`); `None` when it does not parse.
pub(crate) fn canonical_duration(text: &str) -> Option<String> {
    format_duration(parse_duration(text)?)
}

fn parse_duration(text: &str) -> Option<i128> {
    let (negative, mut rest) = match text.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: i128 = 0;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, tail) = rest.split_at(number_len);
        let (int_part, frac_part) = number.split_once('.').unwrap_or((number, ""));
        if int_part.is_empty() && frac_part.is_empty() || number.len() > 30 {
            return None;
        }
        let (unit, nanos) = NANOS_PER_UNIT
            .iter()
            .filter(|(u, _)| tail.starts_with(u))
            .max_by_key(|(u, _)| u.len())?;
        let whole: i128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().ok()?
        };
        let mut value = whole.checked_mul(*nanos)?;
        if !frac_part.is_empty() {
            let frac: i128 = frac_part.parse().ok()?;
            let scale = 10i128.checked_pow(u32::try_from(frac_part.len()).ok()?)?;
            value = value.checked_add(frac.checked_mul(*nanos)? / scale)?;
        }
        total = total.checked_add(value)?;
        rest = &tail[unit.len()..];
    }
    Some(if negative { -total } else { total })
}

fn format_duration(nanos: i128) -> Option<String> {
    if nanos == 0 {
        return Some("0s".into());
    }
    let sign = if nanos < 0 { "-" } else { "" };
    let u = nanos.unsigned_abs();
    let frac = |value: u128, digits: u32| -> String {
        let scale = 10u128.pow(digits);
        let (whole, part) = (value / scale, value % scale);
        if part == 0 {
            return whole.to_string();
        }
        let digits = format!("{part:0width$}", width = digits as usize);
        format!("{whole}.{}", digits.trim_end_matches('0'))
    };
    let text = if u < 1_000 {
        format!("{u}ns")
    } else if u < 1_000_000 {
        format!("{}µs", frac(u, 3))
    } else if u < 1_000_000_000 {
        format!("{}ms", frac(u, 6))
    } else {
        let seconds = frac(u % 60_000_000_000, 9);
        let minutes = u / 60_000_000_000;
        match (minutes / 60, minutes % 60) {
            (0, 0) => format!("{seconds}s"),
            (0, m) => format!("{m}m{seconds}s"),
            (h, m) => format!("{h}h{m}m{seconds}s"),
        }
    };
    Some(format!("{sign}{text}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn durations() {
        for (input, want) in [
            ("90s", "1m30s"),
            ("1h", "1h0m0s"),
            ("1.5h", "1h30m0s"),
            ("1h30m", "1h30m0s"),
            ("500ms", "500ms"),
            ("1500ms", "1.5s"),
            ("1.5us", "1.5µs"),
            ("0", "0s"),
            ("0s", "0s"),
            ("-2m", "-2m0s"),
            ("100ns", "100ns"),
            ("25h", "25h0m0s"),
        ] {
            assert_eq!(canonical_duration(input).as_deref(), Some(want), "{input}");
        }
        for bad in ["", "1", "h", "1x", "--1s", "1.s.s"] {
            assert_eq!(canonical_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn rollout_pod_template_by_default() {
        let k = KnownTypes::new(&[]).unwrap();
        let mut r = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "spec": {"template": {"spec": {
            "containers": [{"name": "a", "resources": {"requests": {"cpu": 0.5}}}], "volumes": []}}}});
        k.normalize(&mut r);
        assert_eq!(
            r["spec"]["template"]["spec"],
            json!({"containers": [{"name": "a", "resources": {"requests": {"cpu": "500m"}}}]})
        );
    }

    #[test]
    fn declared_fields_traverse_lists() {
        let fields = [
            KnownTypeField {
                group: "x.io".into(),
                kind: "Job".into(),
                field: "spec.steps.timeout".into(),
                type_name: "meta/v1/Duration".into(),
            },
            KnownTypeField {
                group: "x.io".into(),
                kind: "Job".into(),
                field: "spec.size".into(),
                type_name: "core/Quantity".into(),
            },
        ];
        let k = KnownTypes::new(&fields).unwrap();
        let mut j = json!({"apiVersion": "x.io/v1", "kind": "Job", "spec": {"steps": [{"timeout": "60s"}, {"timeout": "bad"}], "size": "1024Mi"}});
        k.normalize(&mut j);
        assert_eq!(
            j["spec"],
            json!({"steps": [{"timeout": "1m0s"}, {"timeout": "bad"}], "size": "1Gi"})
        );
    }

    #[test]
    fn unknown_type_names_are_rejected() {
        let f = KnownTypeField {
            group: "x.io".into(),
            kind: "A".into(),
            field: "spec".into(),
            type_name: "Pod".into(),
        };
        assert!(matches!(
            KnownTypes::new(&[f]),
            Err(DiffError::UnknownKnownType { .. })
        ));
    }
}
