//! The events the loader builds values from, whichever scanner produced
//! them: the full YAML parser ([`super::parser_events`]) or the fast
//! block-subset scanner ([`super::block`]).

use super::YamlError;
use saphyr_parser::{ScalarStyle, Tag};
use std::borrow::Cow;

/// Where an event starts in the document: a 1-based line and 0-based
/// character column, as errors report them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Mark {
    pub(crate) line: usize,
    pub(crate) col: usize,
}

impl Mark {
    /// An error at this place.
    pub(crate) fn error(self, message: String) -> YamlError {
        YamlError {
            message,
            line: Some(self.line),
            column: Some(self.col + 1),
        }
    }
}

/// One node event of a document.
pub(crate) enum Event<'a> {
    /// A document begins (explicitly or not).
    DocumentStart,
    /// The document ends.
    DocumentEnd,
    /// A scalar, its escapes, folding and chomping already applied.
    Scalar {
        text: Cow<'a, str>,
        style: ScalarStyle,
        /// Anchor id; 0 when there is none.
        anchor: usize,
        tag: Option<Cow<'a, Tag>>,
        /// The scalar spans lines and no `?` precedes it: go-yaml refuses
        /// it as the key of a flow mapping (its simple keys are one line).
        multi_line_simple: bool,
    },
    /// An alias of the anchor with this id.
    Alias(usize),
    /// A sequence opens; `flow` when it is written `[…]`.
    SequenceStart { anchor: usize, flow: bool },
    /// A mapping opens; `flow` when it is written `{…}`.
    MappingStart { anchor: usize, flow: bool },
    /// The innermost open sequence or mapping closes.
    CollectionEnd,
}
