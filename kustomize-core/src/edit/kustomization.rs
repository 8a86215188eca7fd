//! `kustomize edit set image` on a kustomization's text.
//!
//! The top-level `images` key is found however its case is spelled (the
//! last spelling wins, as when kustomize reads the file); entries of the
//! deprecated `imageTags` list are edited in place too, since kustomize
//! reads them as `images` entries.

use super::EditError;
use super::arg::{ImageEdit, ImageFields};
use super::fields::{self, New};
use super::layout::replace_value;
use super::text::{
    self, Context, Splice, column, eol, line_end, line_start, next_line, starts_line,
};
use super::tree::{self, Kind, Node};
use crate::yaml::parse_document;
use saphyr_parser::ScalarStyle;

/// The fields of an entry in output order, with their canonical spelling.
const NAME: &str = "name";
const NEW_NAME: &str = "newName";
const NEW_TAG: &str = "newTag";
const DIGEST: &str = "digest";
const TAG_SUFFIX: &str = "tagSuffix";

/// Sets one image, as `kustomize edit set image ARG` does, in the text of a
/// kustomization file, changing as few bytes as possible.
pub fn set_image(text: &str, edit: &ImageEdit) -> Result<String, EditError> {
    set_images(text, std::slice::from_ref(edit))
}

/// Sets several images, as `kustomize edit set image ARG...` does: when two
/// arguments name the same image, the last one wins.
pub fn set_images(text: &str, edits: &[ImageEdit]) -> Result<String, EditError> {
    parse_document(text)?;
    let mut out = text.to_owned();
    for (i, edit) in edits.iter().enumerate() {
        if edits[i + 1..].iter().any(|later| later.name == edit.name) {
            continue;
        }
        let edited = set_one(&out, edit)?;
        out = text::check_parses(&out, edited)?;
    }
    Ok(out)
}

fn set_one(text: &str, edit: &ImageEdit) -> Result<String, EditError> {
    let Some(root) = tree::parse(text)?.filter(|r| !(r.is_null() && r.start == r.end)) else {
        return fields::append(text, &[], "images", &[new_entry(edit)]);
    };
    if !matches!(root.kind, Kind::Map { .. }) {
        return Err(EditError::wrong_kind(
            "the kustomization",
            "a mapping of fields",
            text,
            &root,
        ));
    }
    let mut splices = Vec::new();
    let mut found = false;
    for list in ["imageTags", "images"] {
        if let Some((_, seq)) = root.get_ci(list) {
            found |= edit_entries(text, seq, list, edit, &mut splices)?;
        }
    }
    if !found {
        if let Some((_, images)) = root.get_ci("images")
            && !images.is_null()
            && !matches!(images.kind, Kind::Seq { .. })
        {
            return Err(EditError::wrong_kind(
                "images",
                "a sequence of image entries",
                text,
                images,
            ));
        }
        return fields::append(text, &[], "images", &[new_entry(edit)]);
    }
    text::apply(text, splices)
}

/// Edits the entries of `seq` named `edit.name`; whether there was one.
fn edit_entries(
    text: &str,
    seq: &Node,
    list: &str,
    edit: &ImageEdit,
    splices: &mut Vec<Splice>,
) -> Result<bool, EditError> {
    let Kind::Seq { items, .. } = &seq.kind else {
        return Ok(false);
    };
    let mut found = false;
    for (i, item) in items.iter().enumerate() {
        let named = item.get_ci(NAME).and_then(|(_, v)| v.scalar());
        if named != Some(edit.name.as_str()) {
            continue;
        }
        let field = format!("{list}[{i}]");
        let plan = Plan::new(text, item, edit, &field)?;
        match &item.kind {
            Kind::Map { flow: true, .. } => splices.push(Splice {
                start: item.start,
                end: item.end,
                with: plan.flow_text(text),
            }),
            _ => plan.block_splices(text, item, &field, splices)?,
        }
        found = true;
    }
    Ok(found)
}

/// A new entry for `edit`, its fields in output order.
fn new_entry(edit: &ImageEdit) -> New {
    let target = edit.resolve(&ImageFields::default());
    let fields = [
        (NAME, Some(edit.name.clone())),
        (NEW_NAME, target.new_name),
        (NEW_TAG, target.new_tag),
        (DIGEST, target.digest),
    ];
    New::Map(
        fields
            .into_iter()
            .filter_map(|(k, v)| Some((k.to_owned(), New::Str(v?))))
            .collect(),
    )
}

/// What happens to one pair of an edited entry.
#[derive(Debug, PartialEq)]
enum Op {
    Keep,
    Set(String),
    Remove,
}

/// The changes to one entry: an op per existing pair, then new fields
/// (canonical key, value, rank) in output order.
struct Plan<'a> {
    pairs: &'a [(Node, Node)],
    ops: Vec<Op>,
    added: Vec<(&'static str, String, usize)>,
}

/// The rank of a field in output order; `None` for fields `set image` keeps.
fn rank(key: &str) -> Option<usize> {
    [NAME, NEW_NAME, NEW_TAG, DIGEST, TAG_SUFFIX]
        .iter()
        .position(|f| f.eq_ignore_ascii_case(key))
}

impl<'a> Plan<'a> {
    fn new(text: &str, entry: &'a Node, edit: &ImageEdit, field: &str) -> Result<Self, EditError> {
        let Kind::Map { pairs, .. } = &entry.kind else {
            return Err(EditError::wrong_kind(field, "a mapping", text, entry));
        };
        let current = |key: &str| -> Result<Option<String>, EditError> {
            match entry.get_ci(key) {
                None => Ok(None),
                Some((_, v)) if v.is_null() => Ok(None),
                Some((_, v)) => v.scalar().map(|s| Some(s.to_owned())).ok_or_else(|| {
                    EditError::wrong_kind(format!("{field}.{key}"), "a string", text, v)
                }),
            }
        };
        let current = ImageFields {
            new_name: current(NEW_NAME)?,
            new_tag: current(NEW_TAG)?,
            digest: current(DIGEST)?,
        };
        let target = edit.resolve(&current);
        let wanted = |r: usize| match r {
            1 => target.new_name.clone(),
            2 => target.new_tag.clone(),
            3 => target.digest.clone(),
            _ => None,
        };
        let mut ops = Vec::with_capacity(pairs.len());
        for (k, v) in pairs {
            let key = k.scalar().unwrap_or_default();
            let shadowed = entry
                .get_ci(key)
                .is_some_and(|(read, _)| read.start != k.start);
            let op = match rank(key) {
                None | Some(0) => Op::Keep,
                Some(_) if shadowed => Op::Remove,
                Some(r) => match wanted(r) {
                    None => Op::Remove,
                    Some(w) if v.scalar() == Some(w.as_str()) && !v.is_null() => Op::Keep,
                    Some(w) => Op::Set(w),
                },
            };
            ops.push(op);
        }
        let added = [(NEW_NAME, 1), (NEW_TAG, 2), (DIGEST, 3)]
            .into_iter()
            .filter(|(key, _)| entry.get_ci(key).is_none())
            .filter_map(|(key, r)| Some((key, wanted(r)?, r)))
            .collect();
        Ok(Plan { pairs, ops, added })
    }

    /// The entry rewritten as a flow mapping.
    fn flow_text(&self, text: &str) -> String {
        let mut parts = Vec::new();
        for ((k, v), op) in self.pairs.iter().zip(&self.ops) {
            let key = &text[k.start..k.end];
            match op {
                Op::Keep => parts.push(format!("{key}: {}", &text[v.start..v.end])),
                Op::Set(w) => parts.push(format!("{key}: {}", value_text(v, w, Context::Flow))),
                Op::Remove => {}
            }
        }
        for (key, value, _) in &self.added {
            parts.push(format!(
                "{key}: {}",
                text::scalar(value, ScalarStyle::Plain, Context::Flow)
            ));
        }
        format!("{{{}}}", parts.join(", "))
    }

    /// The splices editing a block mapping entry in place.
    fn block_splices(
        &self,
        text: &str,
        entry: &Node,
        field: &str,
        splices: &mut Vec<Splice>,
    ) -> Result<(), EditError> {
        let eol = eol(text);
        let mut covered = 0;
        for (i, ((k, v), op)) in self.pairs.iter().zip(&self.ops).enumerate() {
            let field = format!("{field}.{}", k.scalar().unwrap_or_default());
            match op {
                Op::Keep => {}
                Op::Set(w) => splices.push(replace_value(
                    text,
                    k,
                    v,
                    &value_text(v, w, Context::Block),
                    &field,
                )?),
                Op::Remove if i < covered => {}
                Op::Remove if starts_line(text, k.start) => splices.push(Splice {
                    start: line_start(text, k.start),
                    end: next_line(text, v.end),
                    with: String::new(),
                }),
                Op::Remove => {
                    // First pair, on the `- ` line: pull the next kept pair up.
                    let next = (i + 1..self.pairs.len())
                        .find(|&j| self.ops[j] != Op::Remove)
                        .ok_or_else(|| EditError::Unsupported {
                            field: field.clone(),
                            construct: "an entry left without fields",
                        })?;
                    covered = next;
                    splices.push(Splice {
                        start: k.start,
                        end: self.pairs[next].0.start,
                        with: String::new(),
                    });
                }
            }
        }
        let indent = " ".repeat(column(text, entry.start));
        for (key, value, r) in &self.added {
            // After the last kept pair that comes before it in output order.
            let anchor = self
                .pairs
                .iter()
                .zip(&self.ops)
                .rev()
                .find(|((k, _), op)| {
                    **op != Op::Remove
                        && rank(k.scalar().unwrap_or_default()).is_some_and(|kr| kr < *r)
                })
                .map_or(entry.end, |((_, v), _)| v.end);
            let value = text::scalar(value, ScalarStyle::Plain, Context::Block);
            splices.push(Splice::insert(
                line_end(text, anchor),
                format!("{eol}{indent}{key}: {value}"),
            ));
        }
        Ok(())
    }
}

/// `new` written in the quoting style of the value it replaces.
fn value_text(old: &Node, new: &str, context: Context) -> String {
    let style = match &old.kind {
        Kind::Scalar(_, style) => *style,
        _ => ScalarStyle::Plain,
    };
    text::scalar(new, style, context)
}
