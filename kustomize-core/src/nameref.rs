//! Name references: after prefixes, suffixes, namespaces and content hashes
//! have renamed objects, rewrite the fields of other objects that name them
//! (a Deployment's `configMapRef.name`, a RoleBinding's `subjects`, …), the
//! way kustomize's name-reference transformer does.
//!
//! Candidates are indexed by their previous names, so the work grows with the
//! number of references, not with referrers × resources.

use crate::fieldspec::{CreateKind, apply};
use crate::fieldspec::{FieldSpec, TransformerConfig};
use crate::resource::{Gvk, ResId, Resource, affixes_match};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// A reference that cannot be resolved to one object.
#[derive(Debug, thiserror::Error)]
pub enum NameRefError {
    /// Several renamed objects could be the one a field names.
    #[error(
        "updating name reference in '{path}' field of '{referrer}': found multiple possible referrals: {candidates}"
    )]
    Ambiguous {
        /// The referring field.
        path: String,
        /// The referring object's id.
        referrer: String,
        /// The ids of the candidates.
        candidates: String,
    },
    /// A RoleBinding's ServiceAccount subject has a `namespace` that is not
    /// a string (null, a number, …). Kustomize refuses it before fixing the
    /// binding's references; a ClusterRoleBinding is not checked.
    #[error(
        "Invalid Input: namespace is blank for resource \"{referrer}\" (subjects[{index}].namespace is {found})"
    )]
    BlankSubjectNamespace {
        /// The RoleBinding's id.
        referrer: String,
        /// The subject's position in `subjects`.
        index: usize,
        /// What the namespace is instead of a string (`null`, `a number`, …).
        found: &'static str,
    },
    /// A field could not be walked or updated.
    #[error("updating name reference in '{path}' field of '{referrer}': {reason}")]
    Field {
        /// The referring field.
        path: String,
        /// The referring object's id.
        referrer: String,
        /// What went wrong.
        reason: String,
    },
}

/// What the fixer needs to know about a possible referral target; the
/// bookkeeping lists are borrowed from the resource (a large build has
/// thousands of candidates, and copying them would be its peak of memory).
struct Candidate<'a> {
    current: ResId,
    original_ns: String,
    previous: &'a [ResId],
    name: String,
    namespace: String,
    cluster_scoped: bool,
    is_service_account: bool,
    prefixes: &'a [String],
    suffixes: &'a [String],
}

/// Rewrites every name reference in `resources` per `config.name_reference`.
pub fn fix_name_references(
    resources: &mut [Resource],
    config: &TransformerConfig,
) -> Result<(), NameRefError> {
    // The objects are edited while the rest of each resource is read.
    let ids: Vec<ResId> = resources.iter().map(Resource::id).collect();
    let mut objects: Vec<Map<String, Value>> = resources
        .iter_mut()
        .map(|r| std::mem::take(&mut r.object))
        .collect();
    let found = fix_objects(resources, ids, &mut objects, config);
    for (r, object) in resources.iter_mut().zip(objects) {
        r.object = object;
    }
    for (candidate, referrer) in found? {
        resources[candidate].referenced_by.push(referrer);
    }
    Ok(())
}

/// [`fix_name_references`] on the objects of `resources` (whose own
/// objects are taken out), given their current ids; returns the referrals
/// found, as (referred-to index, referrer id).
fn fix_objects(
    resources: &[Resource],
    ids: Vec<ResId>,
    objects: &mut [Map<String, Value>],
    config: &TransformerConfig,
) -> Result<Vec<(usize, ResId)>, NameRefError> {
    let candidates: Vec<Candidate> = resources
        .iter()
        .zip(ids)
        .map(|(r, current)| Candidate {
            original_ns: r
                .previous_ids
                .first()
                .unwrap_or(&current)
                .effective_namespace()
                .to_owned(),
            cluster_scoped: current.gvk.is_cluster_scoped(),
            is_service_account: current.gvk.kind == "ServiceAccount",
            previous: &r.previous_ids,
            name: current.name.clone(),
            namespace: current.namespace.clone(),
            prefixes: &r.name_prefixes,
            suffixes: &r.name_suffixes,
            current,
        })
        .collect();
    let mut by_previous_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, c) in candidates.iter().enumerate() {
        for id in c.previous {
            let list = by_previous_name.entry(id.name.as_str()).or_default();
            if list.last() != Some(&i) {
                list.push(i);
            }
        }
    }
    let index = Index {
        candidates: &candidates,
        by_previous_name,
    };
    let mut referrals: Vec<(usize, ResId)> = Vec::new();
    for (ri, object) in objects.iter_mut().enumerate() {
        let me = &candidates[ri];
        let original_gvk = &me.previous.first().unwrap_or(&me.current).gvk;
        let mut specs = config
            .name_reference
            .iter()
            .flat_map(|backref| {
                backref
                    .referrers
                    .0
                    .iter()
                    .filter(|s| s.selects(original_gvk))
                    .map(move |s| (backref, s))
            })
            .peekable();
        if specs.peek().is_none() {
            continue;
        }
        // Kustomize reads every possible referrer (checking a RoleBinding's
        // subjects), even when nothing was renamed.
        let ctx = Referrer::new(object, me)?;
        if index.by_previous_name.is_empty() {
            continue;
        }
        for (backref, spec) in specs {
            let found = index.fix_field(&ctx, object, spec, &backref.gvk())?;
            referrals.extend(found.into_iter().map(|c| (c, ctx.id.clone())));
        }
    }
    Ok(referrals)
}

/// The namespaces of the ServiceAccount subjects of RoleBinding `object`
/// (`id`), which may name objects of those namespaces. As in kustomize, a
/// subject with a `namespace` key whose value is not a string is an error;
/// one without the key, or not a map, or whose `kind` is not the string
/// `ServiceAccount`, is passed over (kustomize 5.5 crashes on the latter two).
fn service_account_namespaces(
    object: &Map<String, Value>,
    id: &ResId,
) -> Result<Vec<String>, NameRefError> {
    let subjects = object.get("subjects").and_then(Value::as_array);
    let mut namespaces = Vec::new();
    for (index, subject) in subjects.into_iter().flatten().enumerate() {
        if subject.get("kind").and_then(Value::as_str) != Some("ServiceAccount") {
            continue;
        }
        match subject.get("namespace") {
            None => {}
            Some(Value::String(ns)) => namespaces.push(ns.clone()),
            Some(other) => {
                return Err(NameRefError::BlankSubjectNamespace {
                    referrer: id.to_string(),
                    index,
                    found: crate::value_kind::describe(other),
                });
            }
        }
    }
    Ok(namespaces)
}

/// The referring object's facts used to pick among candidates.
struct Referrer<'a> {
    id: ResId,
    effective_ns: String,
    cluster_scoped: bool,
    role_binding_namespaces: Vec<String>,
    role_ref: Option<Gvk>,
    prefixes: &'a [String],
    suffixes: &'a [String],
}

impl<'a> Referrer<'a> {
    /// The facts of `object`; fails on a RoleBinding whose ServiceAccount
    /// subject has a namespace that is not a string.
    fn new(object: &Map<String, Value>, me: &Candidate<'a>) -> Result<Self, NameRefError> {
        let id = me.current.clone();
        let role_binding_namespaces = if id.gvk.kind == "RoleBinding" {
            service_account_namespaces(object, &id)?
        } else {
            Vec::new()
        };
        let role_ref = object.get("roleRef").and_then(|rr| {
            Some(Gvk {
                group: rr.get("apiGroup")?.as_str()?.to_owned(),
                version: String::new(),
                kind: rr.get("kind")?.as_str()?.to_owned(),
            })
        });
        Ok(Self {
            effective_ns: id.effective_namespace().to_owned(),
            cluster_scoped: me.cluster_scoped,
            role_binding_namespaces,
            role_ref,
            prefixes: me.prefixes,
            suffixes: me.suffixes,
            id,
        })
    }

    /// Kustomize's "subset that could be referenced by" this referrer.
    fn could_reference(&self, c: &Candidate) -> bool {
        self.cluster_scoped
            || c.cluster_scoped
            || c.current.effective_namespace() == self.effective_ns
            || self.role_binding_namespaces.contains(&c.namespace)
    }

    fn affixes_match(&self, c: &Candidate, allow_empty: bool) -> bool {
        affixes_match(
            (self.prefixes, self.suffixes),
            (c.prefixes, c.suffixes),
            allow_empty,
        )
    }
}

struct Index<'a> {
    candidates: &'a [Candidate<'a>],
    by_previous_name: HashMap<&'a str, Vec<usize>>,
}

impl Index<'_> {
    /// Updates one referring field; returns the candidates referred to.
    fn fix_field(
        &self,
        referrer: &Referrer,
        object: &mut Map<String, Value>,
        spec: &FieldSpec,
        target: &Gvk,
    ) -> Result<Vec<usize>, NameRefError> {
        // The spec has already been matched against the referrer's original
        // kind; walk it on whatever the object's kind is now.
        let walk_spec = FieldSpec {
            group: String::new(),
            version: String::new(),
            kind: String::new(),
            ..spec.clone()
        };
        let mut found = Vec::new();
        let mut ambiguous: Option<String> = None;
        let role_ref_only = spec.path.ends_with("roleRef/name");
        let mut set = |node: &mut Value| -> Result<(), String> {
            let mut on_one = |node: &mut Value| -> Result<(), Selection> {
                match node {
                    Value::Null => Ok(()),
                    Value::Object(map) => {
                        self.set_mapping(referrer, map, target, role_ref_only, &mut found)
                    }
                    Value::Array(_) => Err(Selection::Invalid(format!(
                        "{node} is expected to be either a string or a map of string"
                    ))),
                    scalar => self.set_scalar(referrer, scalar, target, role_ref_only, &mut found),
                }
            };
            let result = match node {
                Value::Array(items) => items.iter_mut().try_for_each(&mut on_one),
                other => on_one(other),
            };
            result.map_err(|e| match e {
                Selection::Ambiguous(ids) => {
                    ambiguous = Some(ids);
                    "ambiguous reference".to_owned()
                }
                Selection::Invalid(reason) => reason,
            })
        };
        let result = apply(&walk_spec, object, CreateKind::Nothing, &mut set);
        if let Some(candidates) = ambiguous {
            return Err(NameRefError::Ambiguous {
                path: spec.path.clone(),
                referrer: referrer.id.to_string(),
                candidates,
            });
        }
        result.map_err(|e| NameRefError::Field {
            path: spec.path.clone(),
            referrer: referrer.id.to_string(),
            reason: e.to_string(),
        })?;
        Ok(found)
    }

    fn set_scalar(
        &self,
        referrer: &Referrer,
        node: &mut Value,
        target: &Gvk,
        role_ref_only: bool,
        found: &mut Vec<usize>,
    ) -> Result<(), Selection> {
        let old = match &*node {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let pool = self
            .by_previous_name
            .get(old.as_str())
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let pool: Vec<usize> = pool
            .iter()
            .copied()
            .filter(|&c| referrer.could_reference(&self.candidates[c]))
            .collect();
        let Some(c) = self.select(referrer, &old, pool, target, role_ref_only, false)? else {
            return Ok(());
        };
        found.push(c);
        if self.candidates[c].name != old {
            *node = Value::String(self.candidates[c].name.clone());
        }
        Ok(())
    }

    fn set_mapping(
        &self,
        referrer: &Referrer,
        map: &mut Map<String, Value>,
        target: &Gvk,
        role_ref_only: bool,
        found: &mut Vec<usize>,
    ) -> Result<(), Selection> {
        let Some(name) = map.get("name") else {
            return Err(Selection::Invalid(
                "path config error; no 'name' field in node".into(),
            ));
        };
        let old = match name {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let pool: Vec<usize> = self
            .by_previous_name
            .get(old.as_str())
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .copied()
            .filter(|&c| referrer.could_reference(&self.candidates[c]))
            .collect();
        let pool = match map.get("namespace") {
            None => pool,
            Some(ns) => {
                let ns = ns.as_str().unwrap_or_default();
                let namespaced = |c: &usize| !self.candidates[*c].cluster_scoped;
                let by_original: Vec<usize> = pool
                    .iter()
                    .copied()
                    .filter(namespaced)
                    .filter(|&c| self.candidates[c].original_ns == ns)
                    .collect();
                if by_original.is_empty() {
                    pool.iter()
                        .copied()
                        .filter(namespaced)
                        .filter(|&c| self.candidates[c].current.effective_namespace() == ns)
                        .collect()
                } else {
                    by_original
                }
            }
        };
        let Some(c) = self.select(referrer, &old, pool, target, role_ref_only, true)? else {
            return Ok(());
        };
        found.push(c);
        let chosen = &self.candidates[c];
        if chosen.name == old && chosen.namespace.is_empty() {
            return Ok(());
        }
        map.insert("name".into(), Value::String(chosen.name.clone()));
        if !chosen.namespace.is_empty() {
            map.insert("namespace".into(), Value::String(chosen.namespace.clone()));
        }
        Ok(())
    }

    /// Kustomize's referral selection among candidates whose previous names
    /// include `old`.
    fn select(
        &self,
        referrer: &Referrer,
        old: &str,
        pool: Vec<usize>,
        target: &Gvk,
        role_ref_only: bool,
        compare_namespaces: bool,
    ) -> Result<Option<usize>, Selection> {
        let cands = self.candidates;
        let role_ref = if role_ref_only {
            referrer.role_ref.as_ref()
        } else {
            None
        };
        let mut pool: Vec<usize> = pool
            .into_iter()
            .filter(|&c| cands[c].previous.iter().any(|id| id.name == old))
            .filter(|&c| {
                cands[c]
                    .previous
                    .iter()
                    .any(|id| id.gvk.is_selected_by(target))
            })
            .filter(|&c| {
                role_ref.is_none_or(|g| cands[c].previous.iter().any(|id| id.gvk.is_selected_by(g)))
            })
            .filter(|&c| {
                referrer.cluster_scoped
                    || cands[c].cluster_scoped
                    || cands[c].is_service_account
                    || cands[c].current.effective_namespace() == referrer.effective_ns
            })
            .collect();
        if pool.len() == 1 {
            return Ok(pool.pop());
        }
        pool.retain(|&c| referrer.affixes_match(&cands[c], true));
        if pool.len() > 1 {
            pool.retain(|&c| referrer.affixes_match(&cands[c], false));
        }
        match pool.len() {
            0 => Ok(None),
            1 => Ok(pool.pop()),
            _ => {
                let first = &cands[pool[0]];
                let identical = pool.iter().all(|&c| {
                    cands[c].name == first.name
                        && (!compare_namespaces || cands[c].namespace == first.namespace)
                });
                if identical {
                    Ok(Some(pool[0]))
                } else {
                    let ids: Vec<String> =
                        pool.iter().map(|&c| cands[c].current.to_string()).collect();
                    Err(Selection::Ambiguous(ids.join(", ")))
                }
            }
        }
    }
}

/// Why a referring field could not be updated.
enum Selection {
    /// Several candidates fit; their ids.
    Ambiguous(String),
    /// The field is not a name, a list of names or a map with a name.
    Invalid(String),
}
