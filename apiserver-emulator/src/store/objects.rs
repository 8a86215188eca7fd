//! The stored objects with the indexes garbage collection and namespace
//! cleanup read: dependents by owner uid, objects by uid, and the keys of
//! each namespace. Deleting many objects then costs what it touches, not
//! a scan of the whole store per object.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Deref;

use serde_json::Value;

use super::Key;

/// The objects by key, read as a map; written only through
/// [`Objects::insert`] and [`Objects::remove`], which keep the indexes.
#[derive(Debug, Default)]
pub(super) struct Objects {
    by_key: BTreeMap<Key, Value>,
    /// Owner uid → keys of the objects naming it in `ownerReferences`.
    dependents: HashMap<String, BTreeSet<Key>>,
    /// uid → key.
    by_uid: HashMap<String, Key>,
    /// Namespace → keys of its objects (namespaced objects only).
    by_namespace: HashMap<String, BTreeSet<Key>>,
}

impl Deref for Objects {
    type Target = BTreeMap<Key, Value>;

    fn deref(&self) -> &Self::Target {
        &self.by_key
    }
}

impl FromIterator<(Key, Value)> for Objects {
    fn from_iter<I: IntoIterator<Item = (Key, Value)>>(iter: I) -> Self {
        let mut objects = Objects::default();
        for (k, obj) in iter {
            objects.insert(k, obj);
        }
        objects
    }
}

impl Objects {
    /// Stores `obj` under `k`, replacing what was there.
    pub(super) fn insert(&mut self, k: Key, obj: Value) {
        if let Some(old) = self.by_key.remove(&k) {
            self.unindex(&k, &old);
        }
        self.index(&k, &obj);
        self.by_key.insert(k, obj);
    }

    /// Removes and returns the object under `k`.
    pub(super) fn remove(&mut self, k: &Key) -> Option<Value> {
        let obj = self.by_key.remove(k)?;
        self.unindex(k, &obj);
        Some(obj)
    }

    /// The keys of the objects naming `uid` among their owners, sorted.
    pub(super) fn dependents_of(&self, uid: &str) -> Vec<Key> {
        self.dependents
            .get(uid)
            .map(|keys| keys.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Whether an object with this uid is stored.
    pub(super) fn has_uid(&self, uid: &str) -> bool {
        self.by_uid.contains_key(uid)
    }

    /// The keys of the objects in namespace `ns`, sorted.
    pub(super) fn in_namespace(&self, ns: &str) -> Vec<Key> {
        self.by_namespace
            .get(ns)
            .map(|keys| keys.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Whether namespace `ns` holds any object.
    pub(super) fn namespace_is_empty(&self, ns: &str) -> bool {
        self.by_namespace.get(ns).is_none_or(BTreeSet::is_empty)
    }

    fn index(&mut self, k: &Key, obj: &Value) {
        for owner in owner_uids(obj) {
            self.dependents
                .entry(owner.to_owned())
                .or_default()
                .insert(k.clone());
        }
        if let Some(uid) = uid(obj) {
            self.by_uid.insert(uid.to_owned(), k.clone());
        }
        if !k.2.is_empty() {
            self.by_namespace
                .entry(k.2.clone())
                .or_default()
                .insert(k.clone());
        }
    }

    fn unindex(&mut self, k: &Key, obj: &Value) {
        for owner in owner_uids(obj) {
            if let Some(keys) = self.dependents.get_mut(owner) {
                keys.remove(k);
                if keys.is_empty() {
                    self.dependents.remove(owner);
                }
            }
        }
        if let Some(uid) = uid(obj)
            && self.by_uid.get(uid) == Some(k)
        {
            self.by_uid.remove(uid);
        }
        if let Some(keys) = self.by_namespace.get_mut(&k.2) {
            keys.remove(k);
            if keys.is_empty() {
                self.by_namespace.remove(&k.2);
            }
        }
    }
}

fn uid(obj: &Value) -> Option<&str> {
    obj["metadata"]["uid"].as_str().filter(|u| !u.is_empty())
}

fn owner_uids(obj: &Value) -> impl Iterator<Item = &str> {
    obj["metadata"]["ownerReferences"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["uid"].as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key(ns: &str, name: &str) -> Key {
        (String::new(), "configmaps".into(), ns.into(), name.into())
    }

    fn object(uid: &str, owners: &[&str]) -> Value {
        let refs: Vec<Value> = owners.iter().map(|o| json!({"uid": o})).collect();
        json!({"metadata": {"uid": uid, "ownerReferences": refs}})
    }

    #[test]
    fn the_indexes_follow_inserts_replacements_and_removals() {
        let mut objects: Objects = [
            (key("a", "x"), object("ux", &["owner"])),
            (key("a", "y"), object("uy", &["owner", "other"])),
            (key("b", "z"), object("uz", &[])),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            objects.dependents_of("owner"),
            [key("a", "x"), key("a", "y")]
        );
        assert_eq!(objects.in_namespace("a"), [key("a", "x"), key("a", "y")]);
        assert!(objects.has_uid("uz"));

        // y no longer names `owner`; x goes.
        objects.insert(key("a", "y"), object("uy", &["other"]));
        assert_eq!(objects.dependents_of("owner"), [key("a", "x")]);
        assert_eq!(objects.dependents_of("other"), [key("a", "y")]);
        assert_eq!(
            objects.remove(&key("a", "x")),
            Some(object("ux", &["owner"]))
        );
        assert!(objects.dependents_of("owner").is_empty());
        assert!(!objects.has_uid("ux"));
        assert_eq!(objects.in_namespace("a"), [key("a", "y")]);
        assert!(objects.namespace_is_empty("c"));
        objects.remove(&key("a", "y"));
        assert!(objects.namespace_is_empty("a"));
        assert!(!objects.namespace_is_empty("b"));
        assert_eq!(objects.remove(&key("a", "y")), None);
        assert_eq!(objects.len(), 1);
    }
}
