//! Field paths as kustomize's replacements and vars write them (kyaml's
//! syntax): dot-separated parts, `\.` for a literal dot, `[a.b]` for a key
//! holding dots, `[name=value]` to pick list elements, numeric indexes, and
//! `*` for every element (targets only).
//!
//! Two walkers follow kyaml's two engines: [`lookup`] reads one node (a
//! replacement source, a var's field) and [`locate`] finds every node a
//! replacement target names, creating missing parts on request.

use super::scalar;
use regex::Regex;
use serde_json::{Map, Value};

/// A path that cannot be followed through an object.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PathError {
    /// A part expects a map or a list and finds something else.
    #[error("wrong node kind: expected {expected} but got {found}: node contents:\n{contents}")]
    WrongKind {
        /// The kind the part needs (`MappingNode`, `SequenceNode`).
        expected: &'static str,
        /// The kind found.
        found: &'static str,
        /// The node found, as YAML.
        contents: String,
    },
    /// A negative list index.
    #[error("array index {0} cannot be negative")]
    NegativeIndex(i64),
    /// `*` in a source path.
    #[error("wildcard is not supported in PathGetter")]
    Wildcard,
    /// `[...]` without `=`.
    #[error("list path element must contain fieldName=fieldValue for element to match")]
    ListElement,
    /// A target index past the end of a list.
    #[error("index {index} specified but only {len} elements found")]
    IndexOutOfRange {
        /// The index asked for.
        index: usize,
        /// How many elements the list has.
        len: usize,
    },
    /// The value in `[name=value]` is not a valid regular expression.
    #[error("{0}")]
    Regex(String),
}

/// Splits on `delimiter` except where a backslash escapes it (the backslash
/// is dropped); a leading delimiter is ignored. This is kustomize's path
/// splitter, used with `/` for field specs and `.` for field paths.
pub fn split_escaped(path: &str, delimiter: char) -> Vec<String> {
    let mut raw: Vec<&str> = path.split(delimiter).collect();
    if raw.len() > 1 && raw[0].is_empty() {
        raw.remove(0);
    }
    let mut out: Vec<String> = Vec::new();
    for part in raw {
        match out.last_mut() {
            Some(last) if last.ends_with('\\') => {
                last.pop();
                last.push(delimiter);
                last.push_str(part);
            }
            _ => out.push(part.to_owned()),
        }
    }
    out
}

/// Splits a field path into parts as kyaml's smarter path splitter does:
/// on `.`, except after a backslash, keeping `[k=v]` parts whole and
/// turning `[a.b]` into the key `a.b`.
pub fn split_path(path: &str) -> Vec<String> {
    let escaped = split_escaped(path, '.');
    let mut out = Vec::new();
    let mut i = 0;
    while i < escaped.len() {
        let elem = &escaped[i];
        if elem.starts_with('[') && !elem.ends_with(']') {
            let mut bracketed = vec![elem.as_str()];
            while i < escaped.len() - 1 {
                i += 1;
                bracketed.push(&escaped[i]);
                if escaped[i].ends_with(']') {
                    break;
                }
            }
            let joined = bracketed.join(".");
            if joined.contains('=') {
                out.push(joined);
            } else {
                out.push(joined.trim_matches(|c| c == '[' || c == ']').to_owned());
            }
        } else {
            out.push(elem.clone());
        }
        i += 1;
    }
    out
}

fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Object(_) => "MappingNode",
        Value::Array(_) => "SequenceNode",
        _ => "ScalarNode",
    }
}

fn wrong_kind(expected: &'static str, found: &Value) -> PathError {
    PathError::WrongKind {
        expected,
        found: kind_name(found),
        contents: crate::yaml::to_yaml_string(std::slice::from_ref(found)),
    }
}

/// Go's `strconv.Atoi`: an optionally signed decimal integer.
fn atoi(part: &str) -> Option<i64> {
    part.parse::<i64>().ok()
}

fn is_list_index(part: &str) -> bool {
    part.starts_with('[') && part.ends_with(']')
}

/// Splits `[name=value]` into its field name (empty for `[=value]`) and value.
fn split_list_index(part: &str) -> Result<(&str, &str), PathError> {
    let inner = part.strip_suffix(']').unwrap_or(part);
    let inner = inner.strip_prefix('[').unwrap_or(inner);
    inner.split_once('=').ok_or(PathError::ListElement)
}

/// The elements of a list; `null` counts as an empty list.
fn elements(node: &Value) -> Result<&[Value], PathError> {
    match node {
        Value::Array(items) => Ok(items),
        Value::Null => Ok(&[]),
        other => Err(wrong_kind("SequenceNode", other)),
    }
}

/// The text of a node as kyaml compares it in `[name=value]` parts (the
/// node printed as YAML, which for scalars is their text).
fn match_text(v: &Value) -> String {
    match v {
        Value::Object(_) | Value::Array(_) => crate::yaml::to_yaml_string(std::slice::from_ref(v))
            .trim()
            .to_owned(),
        Value::Null => "null".to_owned(),
        other => scalar::text(other),
    }
}

/// Reads the node at `path` (already split) as kyaml's path getter does:
/// `Ok(None)` when some part is absent; errors when a part meets the wrong
/// kind of node. Parts are trimmed and empty ones skipped.
pub fn lookup<'a>(root: &'a Value, parts: &[String]) -> Result<Option<&'a Value>, PathError> {
    let mut cur = root;
    for part in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        let next = if let Some(idx) = atoi(part) {
            if idx < 0 {
                return Err(PathError::NegativeIndex(idx));
            }
            usize::try_from(idx)
                .ok()
                .and_then(|i| elements(cur).map(|e| e.get(i)).transpose())
                .transpose()?
        } else if part == "-" {
            elements(cur)?.last()
        } else if part == "*" {
            return Err(PathError::Wildcard);
        } else if is_list_index(part) {
            let (name, value) = split_list_index(part)?;
            let items = elements(cur)?;
            if name.is_empty() {
                items.iter().find(|e| scalar_value(e) == value)
            } else {
                items.iter().find(|e| {
                    e.as_object()
                        .and_then(|m| m.get(name))
                        .is_some_and(|f| !f.is_null() && scalar_value(f) == value)
                })
            }
        } else {
            match cur {
                Value::Null => None,
                Value::Object(m) => m.get(part),
                other => return Err(wrong_kind("MappingNode", other)),
            }
        };
        match next {
            Some(n) => cur = n,
            None => return Ok(None),
        }
    }
    Ok(Some(cur))
}

/// A node's scalar text, empty for maps and lists (a YAML node's `Value`).
fn scalar_value(v: &Value) -> String {
    match v {
        Value::Object(_) | Value::Array(_) => String::new(),
        other => scalar::text(other),
    }
}

/// What kind of node [`locate`] creates at the end of a missing path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateKind {
    /// A scalar (without a YAML tag, so its type follows its text).
    Scalar,
    /// A map.
    Mapping,
    /// A list.
    Sequence,
}

impl CreateKind {
    /// The kind of node a value is.
    pub fn of(v: &Value) -> Self {
        match v {
            Value::Object(_) => Self::Mapping,
            Value::Array(_) => Self::Sequence,
            _ => Self::Scalar,
        }
    }
}

/// One step from a node to a child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A map key.
    Key(String),
    /// A list index.
    Index(usize),
}

/// A node [`locate`] found: the steps to it from the root, and whether it is
/// a scalar that was just created (and so has no type of its own yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// Steps from the root.
    pub steps: Vec<Step>,
    /// Whether the node is a freshly created, untyped scalar.
    pub created_scalar: bool,
    /// Whether the node was created under a `null` and so is not part of
    /// the object (kyaml attaches it where its printer never looks).
    pub detached: bool,
}

/// Follows `steps` from `root`.
pub fn get_mut<'a>(root: &'a mut Value, steps: &[Step]) -> Option<&'a mut Value> {
    steps.iter().try_fold(root, |cur, step| match step {
        Step::Key(k) => cur.get_mut(k.as_str()),
        Step::Index(i) => cur.get_mut(*i),
    })
}

/// The kind of node to create for a missing part, given the part after it.
fn part_kind(next: Option<&String>, leaf: CreateKind) -> CreateKind {
    match next {
        None => leaf,
        Some(n) if is_list_index(n) || atoi(n).is_some_and(|i| i >= 0) => CreateKind::Sequence,
        Some(n) if n.is_empty() => leaf,
        Some(_) => CreateKind::Mapping,
    }
}

fn new_node(kind: CreateKind) -> Value {
    match kind {
        CreateKind::Mapping => Value::Object(Map::new()),
        CreateKind::Sequence => Value::Array(Vec::new()),
        CreateKind::Scalar => Value::Null,
    }
}

/// Finds every node a replacement target path names, as kyaml's path
/// matcher does: `[name=value]` matches elements whose field matches
/// `value` as an unanchored regular expression, `*` visits every element,
/// and with `create` missing map fields, `[name=value]` elements and
/// appending indexes are created on the way.
pub fn locate(
    root: &mut Value,
    parts: &[String],
    create: Option<CreateKind>,
) -> Result<Vec<Location>, PathError> {
    let mut found = Vec::new();
    let mut here = Vec::new();
    walk(root, parts, create, false, &mut here, &mut found)?;
    Ok(found)
}

fn walk(
    node: &mut Value,
    parts: &[String],
    create: Option<CreateKind>,
    created: bool,
    here: &mut Vec<Step>,
    found: &mut Vec<Location>,
) -> Result<(), PathError> {
    let Some(part) = parts.first() else {
        found.push(Location {
            steps: here.clone(),
            created_scalar: created && !node.is_object() && !node.is_array(),
            detached: false,
        });
        return Ok(());
    };
    let rest = &parts[1..];
    let index = atoi(part).and_then(|i| usize::try_from(i).ok());
    if node.is_null() && create.is_some() && part != "*" {
        // kyaml creates below a null node without making it a map or list,
        // so what it creates never shows.
        let mut scratch = if index.is_some() || is_list_index(part) {
            Value::Array(Vec::new())
        } else {
            Value::Object(Map::new())
        };
        let before = found.len();
        walk(&mut scratch, parts, create, created, here, found)?;
        for loc in &mut found[before..] {
            loc.detached = true;
        }
        return Ok(());
    }
    if let Some(idx) = index {
        walk_index(node, idx, rest, create, here, found)
    } else if is_list_index(part) {
        walk_matching(node, part, rest, create, here, found)
    } else if part == "*" {
        let len = elements(node)?.len();
        for i in 0..len {
            here.push(Step::Index(i));
            walk(&mut node[i], rest, create, false, here, found)?;
            here.pop();
        }
        Ok(())
    } else {
        walk_field(node, part, rest, create, here, found)
    }
}

fn walk_index(
    node: &mut Value,
    idx: usize,
    rest: &[String],
    create: Option<CreateKind>,
    here: &mut Vec<Step>,
    found: &mut Vec<Location>,
) -> Result<(), PathError> {
    let len = elements(node)?.len();
    let mut created = false;
    if let Some(leaf) = create.filter(|_| len == idx)
        && let Value::Array(items) = node
    {
        items.push(new_node(part_kind(rest.first(), leaf)));
        created = true;
    }
    let len = elements(node)?.len();
    if len < idx + 1 {
        return Err(PathError::IndexOutOfRange { index: idx, len });
    }
    here.push(Step::Index(idx));
    walk(&mut node[idx], rest, create, created, here, found)?;
    here.pop();
    Ok(())
}

fn walk_matching(
    node: &mut Value,
    part: &str,
    rest: &[String],
    create: Option<CreateKind>,
    here: &mut Vec<Step>,
    found: &mut Vec<Location>,
) -> Result<(), PathError> {
    let (name, pattern) = split_list_index(part)?;
    let before = found.len();
    let len = elements(node)?.len();
    let re = if len > 0 || create.is_some() {
        Some(Regex::new(pattern).map_err(|e| PathError::Regex(e.to_string()))?)
    } else {
        None
    };
    for i in 0..len {
        let re = re.as_ref().expect("compiled when the list is not empty");
        here.push(Step::Index(i));
        let elem = &mut node[i];
        if name.is_empty() {
            // kyaml returns the element itself, ignoring the rest of the path.
            if re.is_match(&match_text(elem)) {
                found.push(Location {
                    steps: here.clone(),
                    created_scalar: false,
                    detached: false,
                });
            }
        } else if elem
            .as_object()
            .and_then(|m| m.get(name))
            .is_some_and(|f| re.is_match(&match_text(f)))
        {
            walk(elem, rest, create, false, here, found)?;
        }
        here.pop();
    }
    if found.len() > before || create.is_none() {
        return Ok(());
    }
    let key_value = scalar::resolve_plain(pattern).1;
    let elem = if name.is_empty() {
        key_value
    } else {
        let mut m = Map::new();
        m.insert(name.to_owned(), key_value);
        Value::Object(m)
    };
    let re = re.expect("compiled when creating");
    let matches_itself = if name.is_empty() {
        re.is_match(&match_text(&elem))
    } else {
        re.is_match(&match_text(&elem[name]))
    };
    if let Value::Array(items) = node {
        items.push(elem);
    }
    // Search again, finding the new element (kyaml would loop forever if
    // the element's own value did not match the pattern).
    if matches_itself {
        walk_matching(node, part, rest, create, here, found)?;
    }
    Ok(())
}

fn walk_field(
    node: &mut Value,
    part: &str,
    rest: &[String],
    create: Option<CreateKind>,
    here: &mut Vec<Step>,
    found: &mut Vec<Location>,
) -> Result<(), PathError> {
    if node.is_null() {
        return Ok(());
    }
    let Value::Object(map) = node else {
        return Err(wrong_kind("MappingNode", node));
    };
    let mut created = false;
    if !map.contains_key(part) {
        let Some(leaf) = create else {
            return Ok(());
        };
        map.insert(part.to_owned(), new_node(part_kind(rest.first(), leaf)));
        created = true;
    }
    here.push(Step::Key(part.to_owned()));
    let child = map.get_mut(part).expect("present or just inserted");
    walk(child, rest, create, created, here, found)?;
    here.pop();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parts(p: &str) -> Vec<String> {
        split_path(p)
    }

    #[test]
    fn splits_like_kyaml() {
        assert_eq!(parts("a.b.c"), ["a", "b", "c"]);
        assert_eq!(parts(".a.b"), ["a", "b"]);
        assert_eq!(parts(r"a\.b.c"), ["a.b", "c"]);
        assert_eq!(
            parts("spec.containers.[name=com.foo.app].image"),
            ["spec", "containers", "[name=com.foo.app]", "image"]
        );
        assert_eq!(
            parts("metadata.annotations.[a.b/c]"),
            ["metadata", "annotations", "a.b/c"]
        );
        assert_eq!(parts("a.[x].b"), ["a", "[x]", "b"]);
        assert_eq!(parts("a.0.b"), ["a", "0", "b"]);
    }

    #[test]
    fn lookup_follows_fields_indexes_and_elements() {
        let v = json!({"spec": {"c": [{"name": "a", "p": 1}, {"name": "b", "p": 2}],
            "args": ["x", "y"]}});
        let get = |p: &str| lookup(&v, &parts(p)).unwrap().cloned();
        assert_eq!(get("spec.c.1.p"), Some(json!(2)));
        assert_eq!(get("spec.c.[name=b].p"), Some(json!(2)));
        assert_eq!(get("spec.c.[name=z].p"), None);
        assert_eq!(get("spec.c.-.name"), Some(json!("b")));
        assert_eq!(get("spec.args.[=y]"), Some(json!("y")));
        assert_eq!(get("spec.missing.x"), None);
        assert_eq!(get("spec.c.5"), None);
        assert_eq!(get(" spec . c .0.name"), Some(json!("a")));
    }

    #[test]
    fn lookup_errors() {
        let v = json!({"a": "s", "l": [1]});
        let err = |p: &str| lookup(&v, &parts(p)).unwrap_err();
        assert_eq!(err("a.*"), PathError::Wildcard);
        assert_eq!(err("l.-1"), PathError::NegativeIndex(-1));
        assert_eq!(err("l.[x]"), PathError::ListElement);
        assert!(matches!(
            err("a.b"),
            PathError::WrongKind {
                expected: "MappingNode",
                found: "ScalarNode",
                ..
            }
        ));
        assert!(matches!(
            err("a.0"),
            PathError::WrongKind {
                expected: "SequenceNode",
                ..
            }
        ));
    }

    #[test]
    fn locate_matches_unanchored_and_wildcards() {
        let mut v = json!({"c": [{"name": "xaby"}, {"name": "ab"}, {"name": "q"}]});
        let found = locate(&mut v, &parts("c.[name=ab].name"), None).unwrap();
        assert_eq!(found.len(), 2);
        let found = locate(&mut v, &parts("c.*.name"), None).unwrap();
        assert_eq!(found.len(), 3);
        assert_eq!(
            found[2].steps,
            [
                Step::Key("c".into()),
                Step::Index(2),
                Step::Key("name".into())
            ]
        );
        assert!(
            locate(&mut v, &parts("c.[name=zz].name"), None)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn locate_creates_missing_parts() {
        let mut v = json!({"spec": {}});
        let found = locate(
            &mut v,
            &parts("spec.x.0.y.[name=n].v"),
            Some(CreateKind::Scalar),
        )
        .unwrap();
        assert_eq!(found.len(), 1);
        assert!(found[0].created_scalar);
        assert_eq!(
            v,
            json!({"spec": {"x": [{"y": [{"name": "n", "v": null}]}]}})
        );
        let err = locate(&mut v, &parts("spec.x.3"), Some(CreateKind::Scalar)).unwrap_err();
        assert_eq!(err, PathError::IndexOutOfRange { index: 3, len: 1 });
    }

    #[test]
    fn creating_below_null_leaves_the_object_alone() {
        let mut v = json!({"data": null, "l": null});
        let before = v.clone();
        for p in ["data.x", "l.0", "l.[name=q].v"] {
            let found = locate(&mut v, &parts(p), Some(CreateKind::Scalar)).unwrap();
            assert_eq!(found.len(), 1, "{p}");
            assert!(found[0].detached, "{p}");
        }
        assert_eq!(v, before);
        let err = locate(&mut v, &parts("l.2"), Some(CreateKind::Scalar)).unwrap_err();
        assert_eq!(err, PathError::IndexOutOfRange { index: 2, len: 0 });
    }

    #[test]
    fn locate_without_create_skips_missing() {
        let mut v = json!({"a": {"b": null}});
        assert!(locate(&mut v, &parts("a.c"), None).unwrap().is_empty());
        assert!(locate(&mut v, &parts("a.b.c"), None).unwrap().is_empty());
        let found = locate(&mut v, &parts("a.b"), None).unwrap();
        assert_eq!(found.len(), 1);
        assert!(!found[0].created_scalar);
    }
}
