//! `kustomize edit fix` on a kustomization's text: deprecated fields move
//! to their replacements (kustomize 5's `FixKustomization` and
//! `FixKustomizationPreMarshalling`), and a missing `apiVersion`/`kind` is
//! added.
//!
//! kustomize re-emits the whole file; here the old field's lines become the
//! new field's (or its items are appended to the new field when that is
//! already there), and the rest of the file is kept. `vars` are converted
//! to replacements by `convert` (`--vars`), which reads and rewrites the
//! resource files too.

use super::EditError;
use super::fields::{self, New, Step};
use super::tree::{Kind, Node};

/// The items of the sequence `node` as values to write.
fn items(text: &str, node: &Node) -> Vec<New> {
    match &node.kind {
        Kind::Seq { items, .. } => items.iter().map(|i| New::from_node(text, i)).collect(),
        _ => Vec::new(),
    }
}

/// Moves `new` items from the field `old` to the list `new_field` of the
/// mapping at `path`: appended when that list exists, else the old field
/// becomes the new one where it stands.
pub(super) fn move_items(
    text: &str,
    path: &[Step],
    old: &str,
    new_field: &str,
    new: Vec<New>,
) -> Result<String, EditError> {
    let root = fields::root(text)?;
    let target = fields::node_at(root.as_ref(), path)
        .and_then(|m| m.get_ci(new_field))
        .map(|(_, v)| v);
    match target {
        Some(Node {
            kind: Kind::Seq { .. },
            ..
        }) => {
            let text = fields::append(text, path, new_field, &new)?;
            fields::remove_keys(&text, path, &[old])
        }
        Some(t) if !t.is_null() => Err(EditError::wrong_kind(new_field, "a sequence", text, t)),
        // Nothing to move (`bases:` empty or not a list): both fields go, as
        // kustomize writes no empty list.
        _ if new.is_empty() => fields::remove_keys(text, path, &[old, new_field]),
        _ => {
            let text = fields::remove_keys(text, path, &[new_field])?;
            fields::replace_pair(&text, path, old, new_field, &New::List(new))
        }
    }
}

/// `kustomize edit fix` (without `--vars`): `bases` → `resources`,
/// `imageTags` → `images`, `patchesJson6902` and `patchesStrategicMerge` →
/// `patches` (an entry naming a file, as `is_file` says, becomes a `path`,
/// other text an inline `patch`), `commonLabels` → a `labels` entry with
/// `includeSelectors: true`, generators' `env` → `envs`; `apiVersion` and
/// `kind` are added when missing.
pub fn fix(text: &str, is_file: impl Fn(&str) -> bool) -> Result<String, EditError> {
    let mut out = text.to_owned();
    for (old, new) in [
        ("bases", "resources"),
        ("imageTags", "images"),
        ("patchesJson6902", "patches"),
    ] {
        let root = fields::root(&out)?;
        if let Some((_, v)) = root.as_ref().and_then(|r| r.get_ci(old)) {
            if !v.is_null() && !matches!(v.kind, Kind::Seq { .. }) {
                return Err(EditError::wrong_kind(old, "a sequence", &out, v));
            }
            let moved = items(&out, v);
            out = move_items(&out, &[], old, new, moved)?;
        }
    }
    let root = fields::root(&out)?;
    if let Some((_, v)) = root
        .as_ref()
        .and_then(|r| r.get_ci("patchesStrategicMerge"))
    {
        let Kind::Seq { items, .. } = &v.kind else {
            return Err(EditError::wrong_kind(
                "patchesStrategicMerge",
                "a sequence of strings",
                &out,
                v,
            ));
        };
        let mut patches = Vec::new();
        for item in items {
            let value = item.scalar().unwrap_or_default();
            let key = if is_file(value) { "path" } else { "patch" };
            patches.push(New::Map(vec![(key.to_owned(), New::from_node(&out, item))]));
        }
        out = move_items(&out, &[], "patchesStrategicMerge", "patches", patches)?;
    }
    out = common_labels(&out)?;
    for generator in ["configMapGenerator", "secretGenerator"] {
        out = env_to_envs(&out, generator)?;
    }
    let root = fields::root(&out)?;
    let get = |key: &str| {
        root.as_ref()
            .and_then(|r| r.get_ci(key))
            .and_then(|(_, v)| v.scalar())
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let (api_version, kind) = (get("apiVersion"), get("kind"));
    if kind.is_none() {
        out = fields::prepend(&out, "kind", &New::Str("Kustomization".into()))?;
    }
    if api_version.is_none() {
        let version = match kind.as_deref() {
            Some("Component") => "kustomize.config.k8s.io/v1alpha1",
            _ => "kustomize.config.k8s.io/v1beta1",
        };
        out = fields::prepend(&out, "apiVersion", &New::Str(version.into()))?;
    }
    Ok(out)
}

/// `commonLabels` → a `labels` entry including selectors; a key also in a
/// `labels` entry is kustomize's error.
fn common_labels(text: &str) -> Result<String, EditError> {
    let root = fields::root(text)?;
    let Some((_, common)) = root.as_ref().and_then(|r| r.get_ci("commonLabels")) else {
        return Ok(text.to_owned());
    };
    let Kind::Map { pairs, .. } = &common.kind else {
        return if common.is_null() {
            fields::remove_keys(text, &[], &["commonLabels"])
        } else {
            Err(EditError::wrong_kind(
                "commonLabels",
                "a mapping of strings",
                text,
                common,
            ))
        };
    };
    if pairs.is_empty() {
        return fields::remove_keys(text, &[], &["commonLabels"]);
    }
    if let Some((
        _,
        Node {
            kind: Kind::Seq { items, .. },
            ..
        },
    )) = root.as_ref().and_then(|r| r.get_ci("labels"))
    {
        for (k, _) in pairs {
            let key = k.scalar().unwrap_or_default();
            let clash = items
                .iter()
                .filter_map(|e| e.get_ci("pairs"))
                .any(|(_, p)| matches!(&p.kind, Kind::Map { pairs, .. } if pairs.iter().any(|(pk, _)| pk.scalar() == Some(key))));
            if clash {
                return Err(EditError::Refused(format!(
                    "label name '{key}' exists in both commonLabels and labels"
                )));
            }
        }
    }
    let entry = New::Map(vec![
        ("includeSelectors".into(), New::Raw("true".into())),
        ("pairs".into(), New::from_node(text, common)),
    ]);
    move_items(text, &[], "commonLabels", "labels", vec![entry])
}

/// A generator entry's deprecated `env` file joins its `envs`.
fn env_to_envs(text: &str, generator: &str) -> Result<String, EditError> {
    let mut out = text.to_owned();
    let root = fields::root(text)?;
    let count = match root.as_ref().and_then(|r| r.get_ci(generator)) {
        Some((
            _,
            Node {
                kind: Kind::Seq { items, .. },
                ..
            },
        )) => items.len(),
        _ => 0,
    };
    for i in 0..count {
        let root = fields::root(&out)?;
        let path = [Step::Key(generator), Step::Index(i)];
        let Some(env) = fields::node_at(root.as_ref(), &path)
            .and_then(|e| e.get_ci("env"))
            .map(|(_, v)| v)
        else {
            continue;
        };
        let moved = vec![New::from_node(&out, env)];
        out = move_items(&out, &path, "env", "envs", moved)?;
    }
    Ok(out)
}
