//! Setting an image in an Argo CD override file, `.argocd-source-<app>.yaml`:
//! a partial ApplicationSource whose `kustomize.images` is a list of strings
//! in `kustomize edit set image` form (`[name=]newName[:tag][@digest]`).
//!
//! An existing string for the same image is replaced, else the string is
//! appended, as Argo CD's `ApplicationSourceKustomize.MergeImage` does: two
//! strings are the same image when they agree up to the first delimiter of
//! the new one (the first of `=`, `:`, `@` it contains).

use super::EditError;
use super::layout::{SeqStyle, fill_null};
use super::text::{self, Context, Splice, column, eol, line_end};
use super::tree::{self, Kind, Node};
use crate::yaml::parse_document;
use saphyr_parser::ScalarStyle;

/// Sets `image` in `kustomize.images` of an override file's text, creating
/// the file's content, the `kustomize` key or the `images` list as needed.
pub fn set_argocd_source_image(text: &str, image: &str) -> Result<String, EditError> {
    if image.is_empty() || image.contains(['\n', '\r']) {
        return Err(EditError::InvalidImageArg {
            arg: image.to_owned(),
            reason: "expected one line: [<image>=]<newimage>[:<newtag>][@<digest>]".into(),
        });
    }
    parse_document(text)?;
    let eol = eol(text);
    let item = text::scalar(image, ScalarStyle::Plain, Context::Block);
    let root = tree::parse(text)?;
    let splice = match &root {
        None => None,
        Some(root) if root.is_null() && root.start == root.end => None,
        Some(
            root @ Node {
                kind: Kind::Map { pairs, flow: false },
                ..
            },
        ) => Some(set_in_root(text, eol, root, pairs, image, &item)?),
        Some(other) => {
            return Err(EditError::wrong_kind(
                "the override file",
                "a block mapping",
                text,
                other,
            ));
        }
    };
    let out = match splice {
        Some(splice) => text::apply(text, vec![splice])?,
        None => {
            let mut out = text.to_owned();
            if !out.is_empty() && !out.ends_with('\n') {
                out.push_str(eol);
            }
            out.push_str(&format!("kustomize:{eol}  images:{eol}  - {item}{eol}"));
            out
        }
    };
    text::check_parses(out)
}

fn set_in_root(
    text: &str,
    eol: &str,
    root: &Node,
    pairs: &[(Node, Node)],
    image: &str,
    item: &str,
) -> Result<Splice, EditError> {
    let Some((key, value)) = root.get_ci("kustomize") else {
        let key_column = column(text, root.start);
        let indent = " ".repeat(key_column);
        let style = SeqStyle::for_new_key(text, root, key_column + 2);
        let last = pairs.last().map_or(root.end, |(_, v)| v.end);
        return Ok(Splice::insert(
            line_end(text, last),
            format!(
                "{eol}{indent}kustomize:{eol}{indent}  images:{eol}{}",
                style.item(&[item.to_owned()], eol)
            ),
        ));
    };
    let images_column = column(text, key.start) + 2;
    match &value.kind {
        Kind::Map { pairs, flow: false } => match value.get_ci("images") {
            Some((ik, iv)) => set_in_list(text, eol, value, ik, iv, image, item),
            None => {
                let indent = " ".repeat(column(text, value.start));
                let style = SeqStyle::for_new_key(text, value, column(text, value.start));
                let last = pairs.last().map_or(value.end, |(_, v)| v.end);
                Ok(Splice::insert(
                    line_end(text, last),
                    format!(
                        "{eol}{indent}images:{eol}{}",
                        style.item(&[item.to_owned()], eol)
                    ),
                ))
            }
        },
        _ if value.is_null() => {
            let indent = " ".repeat(images_column);
            let style = SeqStyle::for_new_key(text, root, images_column);
            let block = format!(
                "{eol}{indent}images:{eol}{}",
                style.item(&[item.to_owned()], eol)
            );
            fill_null(text, key, value, block, "kustomize")
        }
        _ => Err(EditError::wrong_kind(
            "kustomize",
            "a block mapping",
            text,
            value,
        )),
    }
}

fn set_in_list(
    text: &str,
    eol: &str,
    parent: &Node,
    key: &Node,
    list: &Node,
    image: &str,
    item: &str,
) -> Result<Splice, EditError> {
    let field = "kustomize.images";
    let Kind::Seq { items, flow } = &list.kind else {
        if list.is_null() {
            let style = SeqStyle::for_new_key(text, parent, column(text, key.start));
            let block = format!("{eol}{}", style.item(&[item.to_owned()], eol));
            return fill_null(text, key, list, block, field);
        }
        return Err(EditError::wrong_kind(
            field,
            "a sequence of strings",
            text,
            list,
        ));
    };
    let context = if *flow { Context::Flow } else { Context::Block };
    let found = items
        .iter()
        .find(|n| n.scalar().is_some_and(|s| same_image(s, image)));
    match (found, flow) {
        (
            Some(Node {
                kind: Kind::Scalar(old, style),
                start,
                end,
            }),
            _,
        ) => {
            if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
                return Err(EditError::Unsupported {
                    field: field.into(),
                    construct: "a block scalar entry",
                });
            }
            let with = if old == image {
                text[*start..*end].to_owned()
            } else {
                text::scalar(image, *style, context)
            };
            Ok(Splice {
                start: *start,
                end: *end,
                with,
            })
        }
        (_, true) => {
            let sep = if items.is_empty() { "" } else { ", " };
            let value = text::scalar(image, ScalarStyle::Plain, Context::Flow);
            Ok(Splice::insert(list.end - 1, format!("{sep}{value}")))
        }
        (_, false) => {
            let style = SeqStyle::of(text, list)
                .unwrap_or_else(|| SeqStyle::for_new_key(text, parent, column(text, key.start)));
            let last = items.last().map_or(list.end, |n| n.end);
            Ok(Splice::insert(
                line_end(text, last),
                format!("{eol}{}", style.item(&[item.to_owned()], eol)),
            ))
        }
    }
}

/// Argo CD's `KustomizeImage.Match`: equal up to the new image's first delimiter.
fn same_image(existing: &str, new: &str) -> bool {
    let delim = ["=", ":", "@"]
        .into_iter()
        .find(|d| new.contains(d))
        .unwrap_or(":");
    let head = |s: &'_ str| s.split_once(delim).map_or(s, |(h, _)| h).to_owned();
    head(existing) == head(new)
}
