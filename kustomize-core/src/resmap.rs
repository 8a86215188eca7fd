//! The ordered set of resources a build carries, with kustomize's rules for
//! adding (ids must be unique), merging generated objects, and finding the
//! target of a patch.

use crate::resource::{GeneratorBehavior, ResId, Resource};
use crate::selector::CompiledSelector;
use std::collections::HashSet;

/// Why resources could not be added or found.
#[derive(Debug, thiserror::Error)]
pub enum ResMapError {
    /// Two resources have the same id.
    #[error("may not add resource with an already registered id: {0}")]
    Duplicate(Box<ResId>),
    /// A generator with behavior merge/replace found nothing to merge into.
    #[error("id {0} does not exist; cannot merge or replace")]
    NothingToMerge(Box<ResId>),
    /// A generator with behavior create clashes with an existing object.
    #[error("id {0} exists; behavior must be merge or replace")]
    AlreadyExists(Box<ResId>),
    /// More than one resource could take a generated object.
    #[error("found multiple objects that could accept merge of {0}")]
    AmbiguousMerge(Box<ResId>),
    /// Merging a generated object into its base's failed.
    #[error("merging generated {id}: {reason}")]
    MergeFailed {
        /// The generated object's id.
        id: Box<ResId>,
        /// Why.
        reason: String,
    },
    /// No resource has the id.
    #[error("no matches for Id {0}")]
    NotFound(Box<ResId>),
    /// Several resources have the id.
    #[error("multiple matches for Id {0}")]
    Ambiguous(Box<ResId>),
}

/// Resources in build order.
#[derive(Debug, Clone, Default)]
pub struct ResMap {
    resources: Vec<Resource>,
    /// Keys of the current ids, so that adding is not a scan; `None` after
    /// the resources were handed out for mutation (rebuilt on next use).
    current_ids: Option<HashSet<String>>,
}

/// The key of kustomize's id equality: group, version, kind, name and
/// effective namespace.
fn id_key(id: &ResId) -> String {
    let g = &id.gvk;
    [
        g.group.as_str(),
        &g.version,
        &g.kind,
        &id.name,
        id.effective_namespace(),
    ]
    .join("\u{0}")
}

impl ResMap {
    /// The resources, mutable, in order.
    pub fn resources_mut(&mut self) -> &mut [Resource] {
        self.current_ids = None;
        &mut self.resources
    }

    /// Takes the resources out.
    pub fn into_resources(self) -> Vec<Resource> {
        self.resources
    }

    /// Adds a resource; its current id must not be taken.
    pub fn append(&mut self, res: Resource) -> Result<(), ResMapError> {
        let id = res.id();
        let resources = &self.resources;
        let ids = self
            .current_ids
            .get_or_insert_with(|| resources.iter().map(|r| id_key(&r.id())).collect());
        if !ids.insert(id_key(&id)) {
            return Err(ResMapError::Duplicate(Box::new(id)));
        }
        self.resources.push(res);
        Ok(())
    }

    /// Adds every resource of another map.
    pub fn append_all(&mut self, other: ResMap) -> Result<(), ResMapError> {
        other.resources.into_iter().try_for_each(|r| self.append(r))
    }

    /// Replaces the whole list (after a transformer that may drop or reorder).
    pub fn replace_all(&mut self, resources: Vec<Resource>) {
        self.resources = resources;
        self.current_ids = None;
    }

    /// Indices of resources any of whose ids (previous or current) match `id`.
    pub fn indices_by_any_id(&self, id: &ResId) -> Vec<usize> {
        (0..self.resources.len())
            .filter(|&i| self.resources[i].all_ids().any(|x| x.matches(id)))
            .collect()
    }

    /// The one resource any of whose ids match `id`.
    pub fn index_by_any_id(&self, id: &ResId) -> Result<usize, ResMapError> {
        match self.indices_by_any_id(id).as_slice() {
            [one] => Ok(*one),
            [] => Err(ResMapError::NotFound(Box::new(id.clone()))),
            _ => Err(ResMapError::Ambiguous(Box::new(id.clone()))),
        }
    }

    /// Indices of the resources a selector selects.
    pub fn select(&self, selector: &CompiledSelector) -> Vec<usize> {
        (0..self.resources.len())
            .filter(|&i| selector.selects(&self.resources[i]))
            .collect()
    }

    /// Adds a generated resource following its `behavior`: a new object for
    /// `create`, or merged into / replacing (by `merge`) the one object with
    /// its id.
    pub fn absorb<E: std::fmt::Display>(
        &mut self,
        res: Resource,
        merge: impl FnOnce(&mut Resource, Resource) -> Result<(), E>,
    ) -> Result<(), ResMapError> {
        let id = res.id();
        let behavior = res.behavior.unwrap_or_default();
        match self.indices_by_any_id(&id).as_slice() {
            [] => match behavior {
                GeneratorBehavior::Create => self.append(res),
                _ => Err(ResMapError::NothingToMerge(Box::new(id))),
            },
            [i] => {
                if behavior == GeneratorBehavior::Create {
                    return Err(ResMapError::AlreadyExists(Box::new(id)));
                }
                self.current_ids = None;
                merge(&mut self.resources[*i], res).map_err(|e| ResMapError::MergeFailed {
                    id: Box::new(id),
                    reason: e.to_string(),
                })
            }
            _ => Err(ResMapError::AmbiguousMerge(Box::new(id))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cm(name: &str, ns: Option<&str>) -> Resource {
        let mut v = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}});
        if let Some(ns) = ns {
            v["metadata"]["namespace"] = json!(ns);
        }
        Resource::new(v.as_object().unwrap().clone())
    }

    #[test]
    fn duplicate_ids_are_refused_with_default_namespace_folded() {
        let mut m = ResMap::default();
        m.append(cm("a", None)).unwrap();
        m.append(cm("a", Some("other"))).unwrap();
        let err = m.append(cm("a", Some("default"))).unwrap_err();
        assert!(err.to_string().contains("already registered id"), "{err}");
    }

    #[test]
    fn finds_by_previous_id() {
        let mut m = ResMap::default();
        let mut r = cm("a", None);
        r.store_previous_id();
        r.set_name("p-a");
        m.append(r).unwrap();
        let id = cm("a", None).id();
        assert_eq!(m.index_by_any_id(&id).unwrap(), 0);
    }

    fn ok(base: &mut Resource, new: Resource) -> Result<(), String> {
        *base = new;
        Ok(())
    }

    #[test]
    fn absorb_follows_behavior() {
        let mut m = ResMap::default();
        m.append(cm("a", None)).unwrap();
        let mut g = cm("a", None);
        g.behavior = Some(GeneratorBehavior::Create);
        assert!(matches!(
            m.absorb(g.clone(), ok),
            Err(ResMapError::AlreadyExists(_))
        ));
        g.behavior = Some(GeneratorBehavior::Merge);
        m.absorb(g, ok).unwrap();
        let mut g = cm("b", None);
        g.behavior = Some(GeneratorBehavior::Replace);
        assert!(matches!(
            m.absorb(g, ok),
            Err(ResMapError::NothingToMerge(_))
        ));
    }
}
