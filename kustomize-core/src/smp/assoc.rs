//! Associative lists: lists whose schema strategy includes `merge`. Elements
//! are matched by their merge keys (or, for lists of scalars, by value) and
//! merged pairwise, following kyaml's `walkAssociativeSequence` with the
//! "prepend" list direction kustomize's patch filter uses: the patch's
//! elements come first, in patch order, then the target's other elements.

use super::SmpError;
use super::schema::At;
use super::tree::{Id, Kind, Node};
use super::walk::{Directive, Sources, Walker};
use serde_json::Value;

impl<'a> Walker<'a> {
    /// Merges two lists with a `merge` strategy.
    pub(super) fn walk_associative(
        &mut self,
        mut sources: Sources,
        schema: At<'a>,
    ) -> Result<Option<Id>, SmpError> {
        let Some(dest) = self.visit_associative(sources)? else {
            return Ok(None);
        };
        sources[0] = Some(dest);
        let keys = schema.keys().to_vec();
        let values = self.element_values(sources, &keys);
        if !values.is_empty() || !keys.is_empty() {
            return self.merge_elements(sources, schema, values, &keys, dest);
        }
        let values = self.primitive_values(sources);
        self.merge_elements(sources, schema, values, &[String::new()], dest)
    }

    /// Chooses the list node the merge continues from.
    fn visit_associative(&mut self, [dest, origin]: Sources) -> Result<Option<Id>, SmpError> {
        if self.tree.missing_or_null(dest) {
            return Ok(origin);
        }
        if self.tree.is_null(origin) {
            return Ok(None);
        }
        Ok(match self.directive(origin)? {
            Directive::Delete => None,
            Directive::Replace => origin,
            Directive::Merge | Directive::Unknown => dest,
        })
    }

    /// The merge-key values of every element, patch first, each set once.
    fn element_values(&self, [dest, origin]: Sources, keys: &[String]) -> Vec<Vec<String>> {
        let mut out: Vec<Vec<String>> = Vec::new();
        for list in [origin, dest].into_iter().flatten() {
            for elem in self.tree.items(list) {
                let values: Vec<String> = keys
                    .iter()
                    .map(|k| match self.tree.field(elem, k) {
                        Some(v) if !self.tree.is_null_or_empty(v) => self.tree.text(v),
                        _ => String::new(),
                    })
                    .collect();
                if !values.is_empty() && !out.contains(&values) {
                    out.push(values);
                }
            }
        }
        out
    }

    /// The values of a list of scalars, patch first, each once.
    fn primitive_values(&self, [dest, origin]: Sources) -> Vec<Vec<String>> {
        let mut out: Vec<Vec<String>> = Vec::new();
        for list in [origin, dest].into_iter().flatten() {
            for elem in self.tree.items(list) {
                let value = vec![self.tree.text(elem)];
                if !out.contains(&value) {
                    out.push(value);
                }
            }
        }
        out
    }

    /// kyaml's `setAssociativeSequenceElements`.
    fn merge_elements(
        &mut self,
        sources: Sources,
        schema: At<'a>,
        mut values_list: Vec<Vec<String>>,
        keys: &[String],
        dest: Id,
    ) -> Result<Option<Id>, SmpError> {
        let items = self.tree.push(Node::Seq(Vec::new()));
        let element_schema = schema.elements();
        if keys.len() > 1 {
            merge_values(&mut values_list);
        }
        let mut valid_keys = Vec::new();
        for i in 0..values_list.len() {
            if values_list[i].is_empty() {
                continue;
            }
            let (vk, vv) = validate_keys(&values_list, &values_list[i], keys);
            valid_keys.clone_from(&vk);
            let element_sources = self.element_value_list(sources, &vk, &vv);
            self.path.push(format!("[{}]", describe(&vk, &vv)));
            let merged = self.walk(element_sources, element_schema);
            self.path.pop();
            let val = merged?;
            let mut removed = false;
            for (key, value) in vk.iter().zip(&vv) {
                match val {
                    Some(v) if !self.tree.missing_or_empty_map(Some(v)) => {
                        if self.tree.field(v, key).is_none() && !value.is_empty() {
                            let scalar = self.tree.push(Node::Scalar(scalar_from_text(value)));
                            self.tree.set_field(v, key, Some(scalar));
                        }
                    }
                    _ => {
                        self.element_setter(dest, None, &vk, &vv)?;
                        removed = true;
                    }
                }
            }
            if removed {
                continue;
            }
            if let Some(v) = val {
                self.element_setter(items, Some(v), &vk, &vv)?;
            }
        }
        if values_list.is_empty() {
            return Ok(Some(dest));
        }
        self.append_list(items, dest, &valid_keys)?;
        Ok(Some(items))
    }

    /// The element matching `keys`/`values` in each source list.
    fn element_value_list(&self, sources: Sources, keys: &[String], values: &[String]) -> Sources {
        let (keys, values) = validate_keys(&[values.to_vec()], values, keys);
        sources.map(|s| s.and_then(|list| self.element_list(list, &keys, &values)))
    }

    /// The first element of `list` whose `keys` hold `values` (or, with the
    /// empty key, the first scalar equal to `values[0]`).
    fn element_list(&self, list: Id, keys: &[String], values: &[String]) -> Option<Id> {
        if self.tree.kind(list) != Kind::Seq {
            return None;
        }
        let first_value = values.first().map_or("", String::as_str);
        if keys.first().is_none_or(String::is_empty) {
            return self
                .tree
                .items(list)
                .into_iter()
                .find(|&e| self.tree.text(e) == first_value);
        }
        if keys.len() != values.len() {
            return None;
        }
        self.tree.items(list).into_iter().find(|&elem| {
            self.tree.kind(elem) == Kind::Map
                && keys.iter().zip(values).all(|(k, v)| {
                    self.tree
                        .field(elem, k)
                        .is_some_and(|f| self.tree.text(f) == *v)
                })
        })
    }

    /// kyaml's `appendListNode`: adds the target's elements to `dst`, each
    /// replacing the element with its keys or appended when none has them.
    fn append_list(&mut self, dst: Id, src: Id, keys: &[String]) -> Result<(), SmpError> {
        for elem in self.tree.items(src) {
            if keys.first().is_none_or(String::is_empty) {
                let text = self.tree.text(elem);
                self.element_setter(dst, Some(elem), &[String::new()], &[text])?;
                continue;
            }
            let mut values = Vec::new();
            for key in keys {
                match self.get_field(elem, key)? {
                    Some(v) => values.push(self.tree.text(v)),
                    None => self.append(dst, elem),
                }
            }
            if keys.len() > 1 {
                self.element_setter(dst, None, keys, &values)?;
            }
            self.element_setter(dst, Some(elem), keys, &values)?;
        }
        Ok(())
    }

    fn append(&mut self, list: Id, elem: Id) {
        if let Node::Seq(items) = self.tree.node_mut(list) {
            items.push(elem);
        }
    }

    /// kyaml's `Get(name)` on an element: the field's value; an error when the
    /// element is neither null nor a map.
    fn get_field(&self, elem: Id, name: &str) -> Result<Option<Id>, SmpError> {
        match self.tree.kind(elem) {
            Kind::Null => Ok(None),
            Kind::Map => Ok(self.tree.field(elem, name)),
            found => Err(self.wrong_element(Kind::Map, found)),
        }
    }

    /// kyaml's `ElementSetter`: in `list`, replaces every element whose `keys`
    /// hold `values` with `element`, or removes them when `element` is `None`;
    /// appends `element` when nothing matched. Null and empty-map elements are
    /// dropped on the way, as kyaml does.
    pub(super) fn element_setter(
        &mut self,
        list: Id,
        element: Option<Id>,
        keys: &[String],
        values: &[String],
    ) -> Result<(), SmpError> {
        let keys: Vec<String> = if keys.is_empty() {
            vec![String::new()]
        } else {
            keys.to_vec()
        };
        let mapping_setter = !keys[0].is_empty() && values.first().is_some_and(|v| !v.is_empty());
        let mut kept = Vec::new();
        let mut matched_any = false;
        for elem in self.tree.items(list) {
            if self.tree.missing_or_empty_map(Some(elem)) {
                continue;
            }
            if self.tree.kind(elem) != Kind::Map && mapping_setter {
                kept.push(elem);
                continue;
            }
            let mut found = true;
            let mut last = None;
            for (j, key) in keys.iter().enumerate() {
                if let Some(value) = values.get(j) {
                    last = self.field_matcher(elem, key, value)?;
                }
                if last.is_none() {
                    found = false;
                    break;
                }
            }
            if !found {
                if !values.is_empty() {
                    kept.push(elem);
                }
                continue;
            }
            matched_any = true;
            if let Some(e) = element {
                kept.push(e);
            }
        }
        if let Node::Seq(items) = self.tree.node_mut(list) {
            *items = kept;
        }
        if let Some(e) = element.filter(|&e| !self.tree.missing_or_null(Some(e)))
            && !matched_any
        {
            self.append(list, e);
        }
        Ok(())
    }

    /// kyaml's `FieldMatcher{Name, StringValue}`: with an empty name, a scalar
    /// equal to the value; else the map field `name`, equal to the value
    /// unless the value is empty.
    fn field_matcher(&self, elem: Id, name: &str, value: &str) -> Result<Option<Id>, SmpError> {
        match self.tree.kind(elem) {
            Kind::Null => Ok(None),
            Kind::Scalar if name.is_empty() => Ok((self.tree.text(elem) == value).then_some(elem)),
            Kind::Map if !name.is_empty() => Ok(self
                .tree
                .field(elem, name)
                .filter(|&f| value.is_empty() || self.tree.text(f) == value)),
            found => Err(self.wrong_element(
                if name.is_empty() {
                    Kind::Scalar
                } else {
                    Kind::Map
                },
                found,
            )),
        }
    }

    fn wrong_element(&self, expected: Kind, found: Kind) -> SmpError {
        SmpError::WrongKind {
            path: format!("{} (list element)", self.path_string()),
            expected: expected.name(),
            found: found.name(),
        }
    }
}

/// kyaml's `validateKeys`: keeps the keys some element has a value for
/// (all keys when none has any) and the matching values.
fn validate_keys(
    values_list: &[Vec<String>],
    values: &[String],
    keys: &[String],
) -> (Vec<String>, Vec<String>) {
    let valid: Vec<bool> = (0..keys.len())
        .map(|i| {
            values_list
                .iter()
                .any(|vs| vs.get(i).is_some_and(|v| !v.is_empty()))
        })
        .collect();
    if !valid.iter().any(|&v| v) {
        return (keys.to_vec(), values.to_vec());
    }
    let vk = keys
        .iter()
        .zip(&valid)
        .filter(|(_, ok)| **ok)
        .map(|(k, _)| k.clone())
        .collect();
    let vv = values
        .iter()
        .enumerate()
        .filter(|(i, v)| !v.is_empty() || valid.get(*i).copied().unwrap_or(false))
        .map(|(_, v)| v.clone())
        .collect();
    (vk, vv)
}

/// kyaml's `mergeValues`: key tuples that agree wherever both have a value
/// (e.g. a port with and one without a protocol) become one tuple.
fn merge_values(values_list: &mut [Vec<String>]) {
    for i in 0..values_list.len() {
        let first = values_list[i].clone();
        for j in 0..values_list.len() {
            if let Some(merged) = match_values(&first, &values_list[j]) {
                values_list[i].clone_from(&merged);
                values_list[j] = merged;
            }
        }
    }
}

/// Two tuples match when they share a value and differ only where one is empty.
fn match_values(a: &[String], b: &[String]) -> Option<Vec<String>> {
    if a.len() != b.len() {
        return None;
    }
    let mut common = false;
    let mut out = Vec::with_capacity(a.len());
    for (x, y) in a.iter().zip(b) {
        if x == y {
            common = true;
            out.push(x.clone());
        } else if !x.is_empty() && !y.is_empty() {
            return None;
        } else {
            out.push(if x.is_empty() { y.clone() } else { x.clone() });
        }
    }
    common.then_some(out)
}

/// A merge key value put back on an element: a number when it reads as one.
fn scalar_from_text(text: &str) -> Value {
    text.parse::<i64>()
        .map_or_else(|_| Value::String(text.to_owned()), Value::from)
}

fn describe(keys: &[String], values: &[String]) -> String {
    keys.iter()
        .zip(values)
        .map(|(k, v)| {
            if k.is_empty() {
                v.clone()
            } else {
                format!("{k}={v}")
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}
