//! The OpenAPI facts the merge reads: which lists merge by which keys, and the
//! type of each field, starting from the root type of a resource's kind.

use super::SmpError;
use super::builtin_schema::{GVKS, TYPES};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

/// One field of a generated type entry.
#[derive(Debug)]
pub(super) struct FieldEntry {
    /// The field's name.
    pub(super) name: &'static str,
    /// What the field holds.
    pub(super) shape: Shape,
}

/// What a generated field holds.
#[derive(Debug)]
pub(super) enum Shape {
    /// An object of the named type.
    Object(&'static str),
    /// A list with a merge patch strategy; `items` names the element type, or is
    /// empty when nothing strategic lies inside the elements.
    List {
        /// `x-kubernetes-patch-strategy`, e.g. `merge` or `merge,retainKeys`.
        strategy: &'static str,
        /// `x-kubernetes-list-map-keys`, else `[x-kubernetes-patch-merge-key]`.
        keys: &'static [&'static str],
        /// The element type, or `""`.
        items: &'static str,
    },
    /// An object with a patch strategy of its own (`retainKeys`, `replace`);
    /// `ty` names its type, or is empty when nothing strategic lies inside.
    Map {
        /// `x-kubernetes-patch-strategy`.
        strategy: &'static str,
        /// The object's type, or `""`.
        ty: &'static str,
    },
}

/// A generated type: the fields that lead to strategic lists.
#[derive(Debug)]
pub(super) struct TypeEntry {
    /// The OpenAPI definition name.
    pub(super) name: &'static str,
    /// Its strategic fields; every other field is plain.
    pub(super) fields: &'static [FieldEntry],
}

/// One schema position, as much of an OpenAPI schema object as the merge reads.
#[derive(Debug, Default, Clone)]
pub(super) struct Def {
    /// Target of `$ref: #/definitions/NAME`; when set, the rest is ignored.
    reference: Option<String>,
    /// `x-kubernetes-patch-strategy`.
    strategy: Option<String>,
    /// Merge keys: `x-kubernetes-list-map-keys`, else the patch merge key.
    keys: Vec<String>,
    /// Element schema, kept only for `type: array`.
    items: Option<Box<Def>>,
    /// Named properties.
    properties: BTreeMap<String, Def>,
    /// `additionalProperties` schema.
    additional: Option<Box<Def>>,
    /// Properties not listed are plain rather than unknown (the generated table
    /// lists only strategic fields).
    open: bool,
}

/// A resolved schema position borrowed from a [`Schema`]: the schema of a
/// resource type ([`Schema::for_type`]) or of a field inside one.
#[derive(Clone, Copy)]
pub struct At<'a> {
    schema: &'a Schema,
    def: &'a Def,
    /// The patch strategy of the field that led here (kept across a `$ref`:
    /// Kubernetes puts a referenced object's strategy beside the reference).
    strategy: Option<&'a str>,
}

static PLAIN: Def = Def {
    reference: None,
    strategy: None,
    keys: Vec::new(),
    items: None,
    properties: BTreeMap::new(),
    additional: None,
    open: true,
};

/// A set of OpenAPI definitions indexed by group/version/kind: either the
/// built-in Kubernetes v1.21.2 table or a custom document from a
/// kustomization's `openapi: path:` field (which replaces the built-in one, as
/// in Kustomize 5.5). `Schema::default()` knows no types: every list is
/// replaced.
#[derive(Debug, Default)]
pub struct Schema {
    definitions: HashMap<String, Def>,
    /// `(apiVersion, kind)` → definition name.
    roots: HashMap<(String, String), String>,
}

impl Schema {
    /// The built-in schema: Kubernetes v1.21.2, as Kustomize 5.5 embeds it.
    pub fn builtin() -> &'static Schema {
        static BUILTIN: OnceLock<Schema> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            let definitions = TYPES
                .iter()
                .map(|t| {
                    let properties = t
                        .fields
                        .iter()
                        .map(|f| (f.name.to_owned(), shape_def(&f.shape)))
                        .collect();
                    (
                        t.name.to_owned(),
                        Def {
                            properties,
                            open: true,
                            ..Def::default()
                        },
                    )
                })
                .collect();
            let roots = GVKS
                .iter()
                .map(|(g, v, k, n)| ((api_version(g, v), (*k).to_owned()), (*n).to_owned()))
                .collect();
            Schema { definitions, roots }
        })
    }

    /// A schema from a custom OpenAPI v2 document (JSON or YAML already parsed):
    /// its `definitions`, with `x-kubernetes-group-version-kind` naming the root
    /// types. Kustomize uses it instead of the built-in schema, not beside it.
    pub fn with_custom(custom_openapi: &Value) -> Result<Schema, SmpError> {
        let invalid = |m: &str| SmpError::InvalidSchema(m.to_owned());
        let doc = custom_openapi
            .as_object()
            .ok_or_else(|| invalid("the document is not a map"))?;
        let mut schema = Schema::default();
        let Some(defs) = doc.get("definitions") else {
            return Ok(schema);
        };
        let defs = defs
            .as_object()
            .ok_or_else(|| invalid("`definitions` is not a map"))?;
        for (name, def) in defs {
            let parsed =
                parse_def(def).map_err(|m| invalid(&format!("definitions.{name}: {m}")))?;
            schema.definitions.insert(name.clone(), parsed);
            let gvks = def
                .get("x-kubernetes-group-version-kind")
                .and_then(Value::as_array);
            for gvk in gvks.into_iter().flatten() {
                let get = |k: &str| gvk.get(k).and_then(Value::as_str);
                let (Some(version), Some(kind)) = (get("version"), get("kind")) else {
                    return Err(invalid(&format!(
                        "definitions.{name}: x-kubernetes-group-version-kind entry lacks version or kind"
                    )));
                };
                let key = (
                    api_version(get("group").unwrap_or(""), version),
                    kind.to_owned(),
                );
                schema.roots.insert(key, name.clone());
            }
        }
        Ok(schema)
    }

    /// The root schema of a resource type, if the schema knows it.
    pub fn for_type<'a>(&'a self, api_version: &str, kind: &str) -> Option<At<'a>> {
        let name = self.roots.get(&(api_version.to_owned(), kind.to_owned()))?;
        let def = self.definitions.get(name)?;
        Some(At::new(self, def))
    }

    /// Follows `$ref`s from `def` to a definition (kyaml gives up on a dangling one).
    fn resolve<'a>(&'a self, mut def: &'a Def) -> Option<At<'a>> {
        let strategy = def.strategy.as_deref();
        let mut hops = 0;
        while let Some(name) = &def.reference {
            def = self.definitions.get(name)?;
            hops += 1;
            if hops > self.definitions.len() {
                return None;
            }
        }
        Some(At {
            strategy: strategy.or(def.strategy.as_deref()),
            ..At::new(self, def)
        })
    }
}

impl<'a> At<'a> {
    fn new(schema: &'a Schema, def: &'a Def) -> Self {
        At {
            schema,
            def,
            strategy: def.strategy.as_deref(),
        }
    }

    /// The schema of field `name` of an object (kyaml's `ResourceSchema.Field`).
    pub fn field(self, name: &str) -> Option<At<'a>> {
        let def = match (self.def.properties.get(name), &self.def.additional) {
            (Some(d), _) => d,
            (None, Some(d)) => d,
            (None, None) if self.def.open => &PLAIN,
            (None, None) => return None,
        };
        self.schema.resolve(def)
    }

    /// The schema of the elements of an array (kyaml's `ResourceSchema.Elements`).
    pub fn elements(self) -> Option<At<'a>> {
        self.schema.resolve(self.def.items.as_deref()?)
    }

    /// True when the patch strategy includes `merge`: the list is associative.
    pub fn merges(self) -> bool {
        self.has_strategy("merge")
    }

    /// True when the patch strategy includes `retainKeys`: a patch of the
    /// object (a Deployment's `strategy`), or of each element of the list (pod
    /// `volumes`), names the fields it keeps.
    pub fn retains_keys(self) -> bool {
        self.has_strategy("retainKeys")
    }

    fn has_strategy(self, wanted: &str) -> bool {
        self.strategy
            .is_some_and(|s| s.split(',').any(|p| p == wanted))
    }

    /// The merge keys of an associative list (empty for a list of scalars):
    /// `x-kubernetes-list-map-keys` when the type declares them, else the
    /// patch merge key (in the built-in types, the first of the list-map keys).
    pub fn keys(self) -> &'a [String] {
        if self.def.strategy.is_some() {
            &self.def.keys
        } else {
            &[]
        }
    }
}

fn api_version(group: &str, version: &str) -> String {
    if group.is_empty() {
        version.to_owned()
    } else {
        format!("{group}/{version}")
    }
}

fn named(name: &str) -> Def {
    Def {
        reference: Some(name.to_owned()),
        ..Def::default()
    }
}

fn shape_def(shape: &Shape) -> Def {
    match shape {
        Shape::Object(t) => named(t),
        Shape::List {
            strategy,
            keys,
            items,
        } => Def {
            strategy: Some((*strategy).to_owned()),
            keys: keys.iter().map(|k| (*k).to_owned()).collect(),
            items: Some(Box::new(if items.is_empty() {
                PLAIN.clone()
            } else {
                named(items)
            })),
            open: true,
            ..Def::default()
        },
        Shape::Map { strategy, ty } => Def {
            reference: (!ty.is_empty()).then(|| (*ty).to_owned()),
            strategy: Some((*strategy).to_owned()),
            open: true,
            ..Def::default()
        },
    }
}

/// Reads the parts of an OpenAPI schema object the merge uses.
fn parse_def(v: &Value) -> Result<Def, String> {
    let Some(obj) = v.as_object() else {
        return Ok(Def::default());
    };
    if let Some(r) = obj.get("$ref") {
        let r = r.as_str().ok_or("`$ref` is not a string")?;
        let name = r
            .strip_prefix("#/definitions/")
            .ok_or_else(|| format!("unsupported `$ref` {r:?}"))?;
        return Ok(named(name));
    }
    let str_of = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_owned);
    let strategy = str_of("x-kubernetes-patch-strategy");
    let keys = match (
        obj.get("x-kubernetes-list-map-keys")
            .and_then(Value::as_array),
        str_of("x-kubernetes-patch-merge-key"),
    ) {
        (Some(list), _) => list
            .iter()
            .map(|k| {
                k.as_str()
                    .map(str::to_owned)
                    .ok_or("`x-kubernetes-list-map-keys` holds a non-string")
            })
            .collect::<Result<_, _>>()?,
        (None, Some(k)) => vec![k],
        (None, None) => Vec::new(),
    };
    let is_array = match obj.get("type") {
        Some(Value::String(t)) => t == "array",
        Some(Value::Array(ts)) => ts.len() == 1 && ts[0] == "array",
        _ => false,
    };
    let items = match obj.get("items") {
        Some(items) if is_array => Some(Box::new(
            parse_def(items).map_err(|m| format!("items: {m}"))?,
        )),
        _ => None,
    };
    let mut properties = BTreeMap::new();
    if let Some(props) = obj.get("properties").and_then(Value::as_object) {
        for (name, p) in props {
            properties.insert(
                name.clone(),
                parse_def(p).map_err(|m| format!("properties.{name}: {m}"))?,
            );
        }
    }
    let additional = match obj.get("additionalProperties") {
        Some(a @ Value::Object(_)) => Some(Box::new(
            parse_def(a).map_err(|m| format!("additionalProperties: {m}"))?,
        )),
        _ => None,
    };
    Ok(Def {
        reference: None,
        strategy,
        keys,
        items,
        properties,
        additional,
        open: false,
    })
}
