//! Output order: kustomize's legacy order (by kind, then by id) unless the
//! kustomization asks for `sortOptions: {order: fifo}`.

use crate::Error;
use crate::kind_order::{self, ORDER_FIRST, ORDER_LAST, gvk_key};
use crate::resource::{ResId, Resource};
use serde_json::Value;
use std::cmp::Ordering;
use std::path::Path;

/// How to order the output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SortOrder {
    /// The order resources were accumulated in.
    Fifo,
    /// By kind (first/last lists), then group/version/kind, then namespace and name.
    Legacy {
        first: Vec<String>,
        last: Vec<String>,
    },
}

impl Default for SortOrder {
    fn default() -> Self {
        SortOrder::Legacy {
            first: ORDER_FIRST.iter().map(|s| s.to_string()).collect(),
            last: ORDER_LAST.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl SortOrder {
    /// Reads a kustomization's `sortOptions` (absent means legacy).
    pub(crate) fn from_options(options: Option<&Value>, path: &Path) -> Result<Self, Error> {
        let invalid = |message: &str| Error::Invalid {
            path: path.to_path_buf(),
            message: message.to_owned(),
        };
        let Some(options) = options else {
            return Ok(Self::default());
        };
        let order = options.get("order").and_then(Value::as_str).unwrap_or("");
        let legacy = options.get("legacySortOptions").filter(|v| !v.is_null());
        match order {
            "fifo" if legacy.is_some() => Err(invalid(
                "the field 'sortOptions.legacySortOptions' is set but the selected sort order is 'fifo', not 'legacy'",
            )),
            "fifo" => Ok(SortOrder::Fifo),
            "legacy" => {
                let list = |key: &str| -> Vec<String> {
                    legacy
                        .and_then(|l| l.get(key))
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(|s| s.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default()
                };
                if legacy.is_none() {
                    return Ok(Self::default());
                }
                Ok(SortOrder::Legacy {
                    first: list("orderFirst"),
                    last: list("orderLast"),
                })
            }
            _ => Err(invalid(
                "the field 'sortOptions.order' must be one of [fifo, legacy]",
            )),
        }
    }

    /// Returns the resources in this order.
    pub(crate) fn sort(&self, resources: Vec<Resource>) -> Vec<Resource> {
        let SortOrder::Legacy { first, last } = self else {
            return resources;
        };
        // Sorting positions rather than the resources themselves keeps the
        // sort's scratch space small: at the end of a large build this is
        // where memory peaks.
        let keys: Vec<SortKey> = resources
            .iter()
            .map(|r| SortKey::new(r.id(), first, last))
            .collect();
        let mut order: Vec<usize> = (0..resources.len()).collect();
        order.sort_by(|&a, &b| compare(&keys[a], &keys[b]));
        drop(keys);
        let mut slots: Vec<Option<Resource>> = resources.into_iter().map(Some).collect();
        order.into_iter().filter_map(|i| slots[i].take()).collect()
    }
}

/// What the legacy order compares, computed once per resource.
struct SortKey {
    id: ResId,
    rank: i64,
    gvk_key: String,
    id_key: String,
}

impl SortKey {
    fn new(id: ResId, first: &[String], last: &[String]) -> Self {
        Self {
            rank: kind_order::rank(&id.gvk.kind, first, last),
            gvk_key: gvk_key(&id.gvk),
            id_key: id_key(&id),
            id,
        }
    }
}

fn id_key(id: &ResId) -> String {
    let or = |s: &str, d: &'static str| {
        if s.is_empty() {
            d.to_owned()
        } else {
            s.to_owned()
        }
    };
    format!(
        "{}|{}|{}",
        id.gvk,
        or(&id.namespace, "~X"),
        or(&id.name, "~N")
    )
}

fn compare(a: &SortKey, b: &SortKey) -> Ordering {
    if a.id.gvk != b.id.gvk {
        if a.rank != b.rank {
            return a.rank.cmp(&b.rank);
        }
        let (ga, gb) = (&a.id.gvk, &b.id.gvk);
        let both_ns = ga.kind == "Namespace" && gb.kind == "Namespace";
        if both_ns && (ga.group.is_empty() || gb.group.is_empty()) {
            return b.gvk_key.cmp(&a.gvk_key);
        }
        return a.gvk_key.cmp(&b.gvk_key);
    }
    a.id_key.cmp(&b.id_key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn res(kind: &str, api: &str, name: &str) -> Resource {
        Resource::new(
            json!({"apiVersion": api, "kind": kind, "metadata": {"name": name}})
                .as_object()
                .unwrap()
                .clone(),
        )
    }

    #[test]
    fn legacy_orders_by_kind_then_name() {
        let v = vec![
            res("Deployment", "apps/v1", "b"),
            res(
                "ValidatingWebhookConfiguration",
                "admissionregistration.k8s.io/v1",
                "w",
            ),
            res("Foo", "x.io/v1", "f"),
            res("Service", "v1", "s"),
            res("Deployment", "apps/v1", "a"),
            res("Namespace", "v1", "n"),
        ];
        let v = SortOrder::default().sort(v);
        let names: Vec<_> = v.iter().map(|r| r.name().to_owned()).collect();
        assert_eq!(names, ["n", "s", "a", "b", "f", "w"]);
    }

    #[test]
    fn sort_options_are_validated() {
        let p = Path::new("k.yaml");
        assert_eq!(
            SortOrder::from_options(Some(&json!({"order": "fifo"})), p).unwrap(),
            SortOrder::Fifo
        );
        assert!(SortOrder::from_options(Some(&json!({"order": "x"})), p).is_err());
        assert!(
            SortOrder::from_options(Some(&json!({"order": "fifo", "legacySortOptions": {}})), p)
                .is_err()
        );
    }
}
