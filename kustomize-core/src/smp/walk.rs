//! The merge walk: visits the target ("dest") and the patch ("origin") side by
//! side, field by field, as kyaml's `walk.Walker` driven by `merge2.Merger`.
//! Maps merge recursively, scalars and plain lists take the patch's value, and
//! lists whose schema says `merge` go to [`super::assoc`].

use super::SmpError;
use super::schema::{At, Schema};
use super::tree::{Id, Kind, Node, Null, Tree};

/// `$patch`, the strategic merge patch directive key.
pub(super) const DIRECTIVE: &str = "$patch";

/// A `$patch` directive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Directive {
    /// Unrecognised (only where kyaml ignores the error).
    Unknown,
    /// `$patch: replace`.
    Replace,
    /// `$patch: delete`.
    Delete,
    /// `$patch: merge`, or no directive.
    Merge,
}

/// Dest and origin of one position; either may be absent.
pub(super) type Sources = [Option<Id>; 2];

/// Walks a tree of nodes with a schema.
pub(super) struct Walker<'a> {
    pub(super) tree: Tree,
    pub(super) schema: &'a Schema,
    /// Field path of the position being walked, for error messages.
    pub(super) path: Vec<String>,
}

impl<'a> Walker<'a> {
    /// Merges `sources[1]` into `sources[0]`; returns the merged node, or `None`
    /// when the position is to be removed.
    pub(super) fn walk(
        &mut self,
        sources: Sources,
        schema: Option<At<'a>>,
    ) -> Result<Option<Id>, SmpError> {
        let schema = schema.or_else(|| self.schema_from_type(sources));
        let kind = sources
            .iter()
            .flatten()
            .map(|&i| self.tree.kind(i))
            .find(|k| *k != Kind::Null);
        let Some(kind) = kind else {
            return self.walk_map(sources, schema);
        };
        for &id in sources.iter().flatten() {
            let found = self.tree.kind(id);
            if found != Kind::Null && found != kind {
                return Err(SmpError::WrongKind {
                    path: self.path_string(),
                    expected: kind.name(),
                    found: found.name(),
                });
            }
        }
        match kind {
            Kind::Map | Kind::Null => self.walk_map(sources, schema),
            Kind::Seq => match schema {
                Some(s) if s.merges() => self.walk_associative(sources, s),
                // Lists without a merge strategy take the patch's list whole.
                _ => Ok(sources[1].or(sources[0])),
            },
            Kind::Scalar => Ok(sources[1].or(sources[0])),
        }
    }

    /// The schema of a resource type named by the `apiVersion` and `kind` of
    /// the first source that has both.
    fn schema_from_type(&self, sources: Sources) -> Option<At<'a>> {
        let schema = self.schema;
        sources.iter().flatten().find_map(|&id| {
            let text = |f: &str| {
                self.tree
                    .field(id, f)
                    .map(|v| self.tree.text(v))
                    .filter(|t| !t.is_empty())
            };
            schema.for_type(&text("apiVersion")?, &text("kind")?)
        })
    }

    fn walk_map(
        &mut self,
        mut sources: Sources,
        schema: Option<At<'a>>,
    ) -> Result<Option<Id>, SmpError> {
        let Some(dest) = self.visit_map(sources)? else {
            return Ok(None);
        };
        sources[0] = Some(dest);
        let mut names: Vec<String> = sources
            .iter()
            .flatten()
            .flat_map(|&i| self.tree.field_names(i))
            .collect();
        names.sort();
        names.dedup();
        for name in names {
            let field_schema = schema.and_then(|s| s.field(&name));
            let values = sources.map(|s| s.and_then(|i| self.tree.field(i, &name)));
            self.path.push(name.clone());
            let merged = self.walk(values, field_schema);
            self.path.pop();
            self.tree.set_field(dest, &name, merged?);
        }
        Ok(Some(dest))
    }

    /// Chooses the node that a map position continues from.
    fn visit_map(&mut self, [dest, origin]: Sources) -> Result<Option<Id>, SmpError> {
        if self.tree.missing_or_null(dest) {
            if self.directive(origin).unwrap_or(Directive::Unknown) == Directive::Delete {
                return Ok(None);
            }
            // A null the target spelled out survives when the patch says
            // nothing; a key the target gave no value goes.
            if let (Some(dest), None) = (dest, origin)
                && self.tree.is_spelled_null(dest)
            {
                return Ok(Some(self.tree.push(Node::Null(Null::Persistent))));
            }
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

    /// Reads the `$patch` directive of a patch node and removes it from the
    /// node (kyaml's `determineSmpDirective`).
    pub(super) fn directive(&mut self, origin: Option<Id>) -> Result<Directive, SmpError> {
        let Some(id) = origin else {
            return Ok(Directive::Merge);
        };
        match self.tree.kind(id) {
            Kind::Map => {
                let Some(value) = self.tree.field(id, DIRECTIVE) else {
                    return Ok(Directive::Merge);
                };
                let directive = self.parse_directive(value)?;
                self.tree.clear_field(id, DIRECTIVE);
                Ok(directive)
            }
            Kind::Seq => {
                // The first map element holding `$patch` speaks for the list only
                // when `$patch` is its sole field.
                let holder = self
                    .tree
                    .items(id)
                    .into_iter()
                    .find(|&e| self.tree.field(e, DIRECTIVE).is_some());
                let Some(holder) = holder else {
                    return Ok(Directive::Merge);
                };
                if self.tree.field_names(holder).len() > 1 {
                    return Ok(Directive::Merge);
                }
                let Some(value) = self.tree.field(holder, DIRECTIVE) else {
                    return Ok(Directive::Merge);
                };
                let directive = self.parse_directive(value)?;
                let text = self.tree.text(value);
                self.element_setter(id, None, &[DIRECTIVE.to_owned()], &[text])?;
                Ok(directive)
            }
            // kyaml reports an error here, but the walk only asks about a
            // scalar or null patch where it ignores the answer.
            Kind::Scalar | Kind::Null => Ok(Directive::Unknown),
        }
    }

    fn parse_directive(&self, value: Id) -> Result<Directive, SmpError> {
        match self.tree.text(value).as_str() {
            "delete" => Ok(Directive::Delete),
            "replace" => Ok(Directive::Replace),
            "merge" => Ok(Directive::Merge),
            other => Err(SmpError::UnknownDirective {
                path: self.path_string(),
                value: other.to_owned(),
            }),
        }
    }

    /// The current field path, dotted.
    pub(super) fn path_string(&self) -> String {
        if self.path.is_empty() {
            return "(root)".to_owned();
        }
        let mut out = String::new();
        for part in &self.path {
            if !out.is_empty() && !part.starts_with('[') {
                out.push('.');
            }
            out.push_str(part);
        }
        out
    }
}
