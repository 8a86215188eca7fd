//! `vars:` (deprecated, still used): named values read from a field of one
//! object and substituted for `$(NAME)` in chosen fields of all objects.
//!
//! As in kustomize, each kustomization level binds its vars to the objects
//! they name ([`VarSet::merge_vars`], which records the var name on the
//! object, so later renames do not matter), var sets of bases are merged
//! ([`VarSet::merge_set`]; a name may appear only once in a build), and
//! after all levels [`resolve_vars`] reads each value and expands the
//! references.

pub mod expand;
pub mod specs;

use crate::fieldspec::FieldSpec;
use crate::replacements::path::{lookup, split_path};
use crate::replacements::spec::{SpecError, object_field, string_field};
use crate::resource::{Gvk, ResId, Resource};
use serde_json::Value;
use specs::{WalkError, expand_at};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The field a var reads when none is named.
pub const DEFAULT_FIELD_PATH: &str = "metadata.name";

/// Why vars could not be bound or resolved. Messages follow kustomize's.
#[derive(Debug, thiserror::Error)]
pub enum VarError {
    /// An entry of `vars:` is malformed.
    #[error("vars[{index}]: {source}")]
    Spec {
        /// Position of the entry.
        index: usize,
        /// What is wrong.
        source: SpecError,
    },
    /// A var's object reference matches several objects.
    #[error("found {count} resId matches for var {var} (unable to disambiguate)")]
    Ambiguous {
        /// How many objects match.
        count: usize,
        /// The var, printed as kustomize prints it.
        var: String,
    },
    /// Two vars have the same name.
    #[error("var '{0}' already encountered")]
    AlreadyEncountered(String),
    /// Binding a kustomization's vars failed.
    #[error("merging vars [{vars}]: {source}")]
    Merging {
        /// The kustomization's vars, printed as kustomize prints them.
        vars: String,
        /// The failure.
        source: Box<VarError>,
    },
    /// No object was bound to a var.
    #[error("var '{0}' cannot be mapped to a field in the set of known resources")]
    Unmapped(String),
    /// The var's field is not in its object.
    #[error("field specified in var '{0}' not found in corresponding resource")]
    FieldNotFound(String),
    /// A field named by a var reference spec cannot be expanded.
    #[error("considering field '{path}' of object {id}: {source}")]
    Expand {
        /// The spec's path.
        path: String,
        /// The object's id, printed.
        id: String,
        /// The failure.
        source: WalkError,
    },
}

/// The object a var reads from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjRef {
    /// `apiVersion` (when set, overrides `group` and `version`).
    pub api_version: String,
    /// `group`, `version` and `kind` as written.
    pub gvk: Gvk,
    /// `name` (before any prefix or suffix).
    pub name: String,
    /// `namespace`; when empty any namespace matches.
    pub namespace: String,
}

impl ObjRef {
    /// The group, version and kind, with `apiVersion` folded in as
    /// kustomize does.
    pub fn effective_gvk(&self) -> Gvk {
        let mut gvk = self.gvk.clone();
        if !self.api_version.is_empty() {
            let parts: Vec<&str> = self.api_version.split('/').collect();
            match parts.as_slice() {
                [g, v] => {
                    gvk.group = (*g).to_owned();
                    gvk.version = (*v).to_owned();
                }
                [v] => gvk.version = (*v).to_owned(),
                _ => {}
            }
        }
        gvk
    }

    /// Whether one of an object's ids is the one referred to: same group,
    /// version, kind and name, and same namespace if one is given.
    fn matches(&self, id: &ResId) -> bool {
        let ns = |n: &str| if n.is_empty() { "default" } else { n }.to_owned();
        id.name == self.name
            && id.gvk == self.effective_gvk()
            && (self.namespace.is_empty() || ns(&self.namespace) == id.effective_namespace())
    }
}

/// One entry of `vars:`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Var {
    /// The name used in `$(NAME)`.
    pub name: String,
    /// The object the value comes from.
    pub objref: ObjRef,
    /// `fieldref.fieldPath` as written (empty means `metadata.name`).
    pub field_path: String,
}

impl Var {
    /// Reads one entry of `vars:` (field names match case-insensitively,
    /// as kustomize's decoder matches them).
    pub fn from_value(v: &Value) -> Result<Self, SpecError> {
        let Value::Object(obj) = v else {
            return Err(SpecError {
                field: "var".into(),
                expected: "a map",
            });
        };
        let mut var = Var {
            name: string_field(obj, "name", "")?,
            ..Var::default()
        };
        if let Some(r) = object_field(obj, "objref", "")? {
            let s = |name| string_field(r, name, "objref");
            var.objref = ObjRef {
                api_version: s("apiVersion")?,
                gvk: Gvk {
                    group: s("group")?,
                    version: s("version")?,
                    kind: s("kind")?,
                },
                name: s("name")?,
                namespace: s("namespace")?,
            };
        }
        if let Some(f) = object_field(obj, "fieldref", "")? {
            var.field_path = string_field(f, "fieldPath", "fieldref")?;
        }
        Ok(var)
    }

    /// Reads a whole `vars:` list.
    pub fn parse_list(values: &[Value]) -> Result<Vec<Self>, VarError> {
        values
            .iter()
            .enumerate()
            .map(|(index, v)| {
                Self::from_value(v).map_err(|source| VarError::Spec { index, source })
            })
            .collect()
    }

    /// The var with kustomize's defaults applied: `apiVersion` folded into
    /// the group and version, and the default field path.
    fn defaulted(&self) -> Self {
        let mut v = self.clone();
        v.objref.gvk = self.objref.effective_gvk();
        if v.field_path.is_empty() {
            v.field_path = DEFAULT_FIELD_PATH.to_owned();
        }
        v
    }
}

impl fmt::Display for Var {
    /// Go's `%v` of kustomize's var: `{NAME Kind.version.group {fieldPath}}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{{{} {} {{{}}}}}",
            self.name, self.objref.gvk, self.field_path
        )
    }
}

/// Records on the objects the vars name that they are those vars' sources.
/// An object matches when any of its ids (current or earlier) does; more
/// than one matching object is an error, none is not (yet).
pub fn bind_vars(resources: &mut [Resource], vars: &[Var]) -> Result<(), VarError> {
    for v in vars {
        let matched: Vec<usize> = (0..resources.len())
            .filter(|&i| resources[i].all_ids().any(|id| v.objref.matches(&id)))
            .collect();
        match matched.as_slice() {
            [] => {}
            [one] => resources[*one].var_names.push(v.name.clone()),
            _ => {
                let mut shown = v.clone();
                shown.objref.gvk = v.objref.effective_gvk();
                return Err(VarError::Ambiguous {
                    count: matched.len(),
                    var: shown.to_string(),
                });
            }
        }
    }
    Ok(())
}

/// The vars of a build so far, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VarSet {
    vars: BTreeMap<String, Var>,
}

impl VarSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// The vars, sorted by name, with defaults applied.
    pub fn vars(&self) -> impl Iterator<Item = &Var> {
        self.vars.values()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.vars.is_empty()
    }

    fn merge_slice(&mut self, incoming: &[Var]) -> Result<(), VarError> {
        for v in incoming {
            if self.vars.contains_key(&v.name) {
                return Err(VarError::AlreadyEncountered(v.name.clone()));
            }
            self.vars.insert(v.name.clone(), v.defaulted());
        }
        Ok(())
    }

    /// Adds a kustomization's `vars:` after its resources are accumulated
    /// and transformed: binds them to `resources`, then adds them (a name
    /// already present is an error).
    pub fn merge_vars(
        &mut self,
        resources: &mut [Resource],
        incoming: &[Var],
    ) -> Result<(), VarError> {
        bind_vars(resources, incoming)
            .and_then(|()| self.merge_slice(incoming))
            .map_err(|source| VarError::Merging {
                vars: incoming
                    .iter()
                    .map(Var::to_string)
                    .collect::<Vec<_>>()
                    .join(" "),
                source: Box::new(source),
            })
    }

    /// Adds the vars of a base (a name already present is an error).
    pub fn merge_set(&mut self, other: &VarSet) -> Result<(), VarError> {
        for (name, v) in &other.vars {
            if self.vars.contains_key(name) {
                return Err(VarError::AlreadyEncountered(name.clone()));
            }
            self.vars.insert(name.clone(), v.clone());
        }
        Ok(())
    }
}

/// A var's value as kustomize reads it: strings, numbers and booleans can
/// be substituted; maps and lists cannot (references to them stay as written).
fn var_value(res: &Resource, var: &Var) -> Result<Value, VarError> {
    let parts: Vec<String> = split_path(&var.field_path)
        .into_iter()
        .flat_map(split_slice_index)
        .collect();
    let object = Value::Object(res.object.clone());
    match lookup(&object, &parts) {
        // kustomize reads a null field as its text (`null` as written
        // mostly; an empty value would read as "").
        Ok(Some(Value::Null)) => Ok(Value::String("null".into())),
        Ok(Some(v)) => Ok(v.clone()),
        _ => Err(VarError::FieldNotFound(var.to_string())),
    }
}

/// Turns `ports[0]` into `ports` and `0`, as kustomize's var field paths allow.
fn split_slice_index(part: String) -> Vec<String> {
    if let Some(open) = part.rfind('[')
        && let Some(digits) = part[open + 1..].strip_suffix(']')
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
    {
        let head = &part[..open];
        let mut out = Vec::new();
        if !head.is_empty() {
            out.push(head.to_owned());
        }
        out.push(digits.to_owned());
        return out;
    }
    vec![part]
}

/// Reads every var's value from the object bound to it and expands
/// `$(NAME)` references in the fields the specs name. Returns the names of
/// vars no field referred to (kustomize logs them), sorted.
pub fn resolve_vars(
    resources: &mut [Resource],
    vars: &VarSet,
    var_reference_specs: &[FieldSpec],
) -> Result<Vec<String>, VarError> {
    let mut values = BTreeMap::new();
    for var in vars.vars() {
        let source = resources
            .iter()
            .find(|r| r.var_names.contains(&var.name))
            .ok_or_else(|| VarError::Unmapped(var.to_string()))?;
        values.insert(var.name.clone(), var_value(source, var)?);
    }
    if values.is_empty() {
        return Ok(Vec::new());
    }
    let mut used = BTreeSet::new();
    let mut lookup = |name: &str| match values.get(name) {
        Some(v @ (Value::String(_) | Value::Number(_) | Value::Bool(_))) => {
            used.insert(name.to_owned());
            Some(v.clone())
        }
        _ => None,
    };
    for res in resources.iter_mut() {
        let gvk = res.gvk();
        let id = res.id().to_string();
        let mut object = Value::Object(std::mem::take(&mut res.object));
        let result = var_reference_specs
            .iter()
            .filter(|spec| spec.selects(&gvk))
            .try_for_each(|spec| {
                expand_at(&mut object, spec, &mut lookup).map_err(|source| VarError::Expand {
                    path: spec.path.clone(),
                    id: id.clone(),
                    source,
                })
            });
        if let Value::Object(m) = object {
            res.object = m;
        }
        result?;
    }
    Ok(values
        .keys()
        .filter(|name| !used.contains(*name))
        .cloned()
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn res(v: Value) -> Resource {
        Resource::new(v.as_object().unwrap().clone())
    }

    fn var(v: Value) -> Var {
        Var::from_value(&v).unwrap()
    }

    fn pod(name: &str, args: Value) -> Resource {
        res(
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "c", "args": args}]}}),
        )
    }

    #[test]
    fn parses_case_insensitively_and_prints_like_go() {
        let v = var(
            json!({"name": "P", "objref": {"apiVersion": "apps/v1", "Kind": "Deployment",
            "name": "d"}, "fieldref": {"fieldpath": "spec.replicas"}}),
        );
        assert_eq!(v.field_path, "spec.replicas");
        assert_eq!(
            v.to_string(),
            "{P Deployment.[noVer].[noGrp] {spec.replicas}}"
        );
        assert_eq!(
            v.defaulted().to_string(),
            "{P Deployment.v1.apps {spec.replicas}}"
        );
        let v = var(json!({"name": "N", "objref": {"kind": "Service", "name": "s"}}));
        assert_eq!(
            v.defaulted().to_string(),
            "{N Service.[noVer].[noGrp] {metadata.name}}"
        );
        assert!(Var::parse_list(&[json!({"name": 1})]).is_err());
    }

    #[test]
    fn binds_by_original_name_and_resolves_with_types() {
        let mut svc = res(json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "web"}, "spec": {"ports": [{"port": 8080}]}}));
        svc.store_previous_id();
        svc.set_name("p-web");
        let mut rs = vec![
            svc,
            pod(
                "p",
                json!([
                    "$(NAME)",
                    "--port=$(PORT)",
                    "$(PORT)",
                    "$$(NAME)",
                    "$(OTHER)"
                ]),
            ),
        ];
        let vars = vec![
            var(
                json!({"name": "NAME", "objref": {"apiVersion": "v1", "kind": "Service", "name": "web"}}),
            ),
            var(
                json!({"name": "PORT", "objref": {"apiVersion": "v1", "kind": "Service", "name": "web"},
                "fieldref": {"fieldPath": "spec.ports[0].port"}}),
            ),
            var(
                json!({"name": "UNUSED", "objref": {"apiVersion": "v1", "kind": "Pod", "name": "p"}}),
            ),
        ];
        let mut set = VarSet::new();
        set.merge_vars(&mut rs, &vars).unwrap();
        assert_eq!(rs[0].var_names, ["NAME", "PORT"]);
        let unused = resolve_vars(
            &mut rs,
            &set,
            &crate::fieldspec::TransformerConfig::builtin()
                .var_reference
                .0,
        )
        .unwrap();
        assert_eq!(unused, ["UNUSED"]);
        assert_eq!(
            rs[1].object["spec"]["containers"][0]["args"],
            json!(["p-web", "--port=8080", 8080, "$(NAME)", "$(OTHER)"])
        );
    }

    #[test]
    fn objref_needs_exact_version_and_unbound_vars_fail() {
        let mut rs = vec![pod("p", json!([]))];
        let mut set = VarSet::new();
        set.merge_vars(
            &mut rs,
            &[var(
                json!({"name": "A", "objref": {"kind": "Pod", "name": "p"}}),
            )],
        )
        .unwrap();
        assert!(rs[0].var_names.is_empty());
        let err = resolve_vars(
            &mut rs,
            &set,
            &crate::fieldspec::TransformerConfig::builtin()
                .var_reference
                .0,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "var '{A Pod.[noVer].[noGrp] {metadata.name}}' cannot be mapped to a field in the set of known resources"
        );
    }

    #[test]
    fn ambiguity_and_collisions_are_errors() {
        let mut a = pod("p", json!([]));
        a.set_namespace("x");
        let mut rs = vec![a, pod("p", json!([]))];
        let v =
            var(json!({"name": "A", "objref": {"apiVersion": "v1", "kind": "Pod", "name": "p"}}));
        let err = VarSet::new()
            .merge_vars(&mut rs, std::slice::from_ref(&v))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "merging vars [{A Pod.[noVer].[noGrp] {}}]: found 2 resId matches for var {A Pod.v1.[noGrp] {}} (unable to disambiguate)"
        );
        let mut scoped = v.clone();
        scoped.objref.namespace = "default".into();
        let mut set = VarSet::new();
        set.merge_vars(&mut rs, &[scoped.clone()]).unwrap();
        assert_eq!(rs[1].var_names, ["A"]);
        let err = set.merge_vars(&mut rs, &[scoped]).unwrap_err();
        assert!(
            err.to_string().ends_with("var 'A' already encountered"),
            "{err}"
        );
        let mut other = VarSet::new();
        other.merge_set(&set).unwrap();
        let err = other.merge_set(&set).unwrap_err();
        assert_eq!(err.to_string(), "var 'A' already encountered");
    }

    #[test]
    fn missing_var_field_is_an_error() {
        let mut rs = vec![pod("p", json!(["$(A)"]))];
        let mut set = VarSet::new();
        let v = var(
            json!({"name": "A", "objref": {"apiVersion": "v1", "kind": "Pod", "name": "p"},
            "fieldref": {"fieldPath": "spec.nothing"}}),
        );
        set.merge_vars(&mut rs, &[v]).unwrap();
        let err = resolve_vars(
            &mut rs,
            &set,
            &crate::fieldspec::TransformerConfig::builtin()
                .var_reference
                .0,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "field specified in var '{A Pod.v1.[noGrp] {spec.nothing}}' not found in corresponding resource"
        );
    }

    #[test]
    fn slice_indexes_split() {
        assert_eq!(split_slice_index("ports[0]".into()), ["ports", "0"]);
        assert_eq!(split_slice_index("[2]".into()), ["2"]);
        assert_eq!(split_slice_index("a[x]".into()), ["a[x]"]);
    }
}
