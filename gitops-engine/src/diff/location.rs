//! Concrete locations inside a JSON document, and deleting them.

use serde_json::Value;

/// One step of a location: a map key or a list index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Loc {
    /// A key of a map.
    Key(String),
    /// An index of a list.
    Index(usize),
}

/// `base` extended by `step`.
pub(crate) fn child(base: &[Loc], step: Loc) -> Vec<Loc> {
    let mut v = base.to_vec();
    v.push(step);
    v
}

/// Deletes the value at `loc`; does nothing when it does not exist.
pub(crate) fn delete_at(doc: &mut Value, loc: &[Loc]) {
    let Some((last, parents)) = loc.split_last() else {
        return;
    };
    let mut cur = doc;
    for step in parents {
        let next = match (step, cur) {
            (Loc::Key(k), Value::Object(m)) => m.get_mut(k),
            (Loc::Index(i), Value::Array(a)) => a.get_mut(*i),
            _ => None,
        };
        match next {
            Some(n) => cur = n,
            None => return,
        }
    }
    match (last, cur) {
        (Loc::Key(k), Value::Object(m)) => {
            m.shift_remove(k);
        }
        (Loc::Index(i), Value::Array(a)) if *i < a.len() => {
            a.remove(*i);
        }
        _ => {}
    }
}

/// Deletes all `locs`, deepest and highest-indexed first so that earlier
/// deletions do not shift later ones.
pub(crate) fn delete_all(doc: &mut Value, mut locs: Vec<Vec<Loc>>) {
    locs.sort();
    locs.dedup();
    for loc in locs.iter().rev() {
        delete_at(doc, loc);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deletes_in_safe_order() {
        let mut doc = json!({"a": [0, 1, 2, 3], "b": {"c": 1, "d": 2}});
        delete_all(
            &mut doc,
            vec![
                vec![Loc::Key("a".into()), Loc::Index(1)],
                vec![Loc::Key("a".into()), Loc::Index(3)],
                vec![Loc::Key("b".into()), Loc::Key("c".into())],
                vec![Loc::Key("missing".into()), Loc::Index(0)],
            ],
        );
        assert_eq!(doc, json!({"a": [0, 2], "b": {"d": 2}}));
    }
}
