//! Helpers of the simulator's unit tests: a store with the sandbox Node,
//! passes, and reads.

use serde_json::Value;

use super::{Simulator, node, reconcile};
use crate::registry::ResourceType;
use crate::store::{EventType, Filter, Store};

/// A store with the sandbox Node, a simulator with `*:broken` images that
/// never pull, and the number of passes run.
pub struct Sandbox {
    pub store: Store,
    pub sim: Simulator,
}

impl Sandbox {
    pub fn new() -> Self {
        let mut store = Store::new();
        node::ensure(&mut store);
        let sim = Simulator::new(Some("*:broken")).expect("glob");
        Sandbox { store, sim }
    }

    pub fn rt(&self, api_version: &str, kind: &str) -> ResourceType {
        self.store
            .registry()
            .by_kind(api_version, kind)
            .expect("built-in")
            .clone()
    }

    /// Creates an object in `default`.
    pub fn create(&mut self, obj: Value) -> Value {
        let rt = self.rt(
            obj["apiVersion"].as_str().expect("apiVersion"),
            obj["kind"].as_str().expect("kind"),
        );
        self.store
            .create(&rt, "default", obj, false)
            .expect("create")
    }

    /// Replaces an object's main resource (as `kubectl apply` would).
    pub fn edit(&mut self, api_version: &str, kind: &str, name: &str, f: impl FnOnce(&mut Value)) {
        let rt = self.rt(api_version, kind);
        let mut obj = self.store.get(&rt, "default", name).expect("get");
        f(&mut obj);
        self.store
            .update(&rt, "default", name, obj, false, false)
            .expect("update");
    }

    pub fn pass(&mut self) {
        reconcile(&mut self.store, &self.sim);
    }

    /// Runs passes until one writes nothing (at most `limit`); how many
    /// passes wrote.
    pub fn settle(&mut self, limit: usize) -> usize {
        for n in 0..limit {
            let before = self.store.resource_version();
            self.pass();
            if self.store.resource_version() == before {
                return n;
            }
        }
        panic!("not settled after {limit} passes");
    }

    pub fn get(&self, api_version: &str, kind: &str, name: &str) -> Value {
        let rt = self.rt(api_version, kind);
        self.store.get(&rt, "default", name).expect("get")
    }

    /// Every object of a kind in `default`, by name.
    pub fn list(&self, api_version: &str, kind: &str) -> Vec<Value> {
        let rt = self.rt(api_version, kind);
        self.store.list(&rt, Some("default"), &Filter::default())
    }

    pub fn pods(&self) -> Vec<Value> {
        self.list("v1", "Pod")
    }

    /// What happened to objects of `plural` since `rv`, in order: the kind
    /// of event and the object after it.
    pub fn events(&self, rv: u64, plural: &str) -> Vec<(EventType, Value)> {
        self.store
            .events_since(rv)
            .expect("events kept")
            .iter()
            .filter(|e| e.plural == plural)
            .map(|e| (e.kind, e.object.clone()))
            .collect()
    }

    /// The names of the objects of `plural` deleted since `rv`, in order.
    pub fn deleted(&self, rv: u64, plural: &str) -> Vec<String> {
        self.events(rv, plural)
            .iter()
            .filter(|(kind, _)| *kind == EventType::Deleted)
            .map(|(_, o)| name(o).to_owned())
            .collect()
    }
}

/// An object's name.
pub fn name(obj: &Value) -> &str {
    obj["metadata"]["name"].as_str().unwrap_or("")
}
