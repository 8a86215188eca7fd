//! The full YAML parser (saphyr-parser) as a source of loader events, with
//! the corrections that need the source text: go-yaml's escape list, its
//! unterminated block scalars, and which collections are flow-style.

use super::YamlError;
use super::event::{Event, Mark};
use super::source::SourceChars;
use saphyr_parser::{Event as ParserEvent, Marker, Parser, ScalarStyle, ScanError, Span, StrInput};
use std::borrow::Cow;

/// Why reading with the parser stopped.
pub(crate) enum ParserFailure {
    /// The parser stopped; the input may still be one go-yaml accepts.
    Scan(ScanError),
    /// The input is one go-yaml refuses.
    Yaml(YamlError),
}

impl From<YamlError> for ParserFailure {
    fn from(e: YamlError) -> Self {
        ParserFailure::Yaml(e)
    }
}

/// The events of one input, read by the full parser.
pub(crate) struct ParserEvents<'a> {
    parser: Parser<'a, StrInput<'a>>,
    source: SourceChars<'a>,
}

impl<'a> ParserEvents<'a> {
    /// Starts reading `src`.
    pub(crate) fn new(src: &'a str) -> Self {
        ParserEvents {
            parser: Parser::new_from_str(src),
            source: SourceChars::new(src),
        }
    }

    /// The next event and where it starts; `None` at the end of the stream.
    pub(crate) fn next_event(&mut self) -> Option<Result<(Event<'a>, Mark), ParserFailure>> {
        loop {
            let (event, span) = match self.parser.next_event()? {
                Ok(next) => next,
                Err(e) => return Some(Err(ParserFailure::Scan(e))),
            };
            let mark = mark_of(&span.start);
            let event = match event {
                ParserEvent::Scalar(text, style, anchor, tag) => {
                    if style == ScalarStyle::DoubleQuoted
                        && let Err(m) = self.source.check_escapes(&span)
                    {
                        return Some(Err(mark.error(m.into()).into()));
                    }
                    let multi_line_simple = span.start.line() != span.end.line()
                        && !self.source.follows_question_mark(&span.start);
                    Event::Scalar {
                        text: self.unterminated_block_scalar(text, style, &span),
                        style,
                        anchor,
                        tag,
                        multi_line_simple,
                    }
                }
                ParserEvent::Alias(id) => Event::Alias(id),
                ParserEvent::SequenceStart(anchor, _) => Event::SequenceStart {
                    anchor,
                    flow: self.source.opens_flow(&span.end),
                },
                ParserEvent::MappingStart(anchor, _) => Event::MappingStart {
                    anchor,
                    flow: self.source.opens_flow(&span.end),
                },
                ParserEvent::SequenceEnd | ParserEvent::MappingEnd => Event::CollectionEnd,
                ParserEvent::DocumentStart(_) => Event::DocumentStart,
                ParserEvent::DocumentEnd => Event::DocumentEnd,
                ParserEvent::StreamStart | ParserEvent::StreamEnd | ParserEvent::Nothing => {
                    continue;
                }
            };
            return Some(Ok((event, mark)));
        }
    }

    /// go-yaml ends a block scalar whose last line has no line break (the
    /// input stops there) without one; the parser here adds it.
    fn unterminated_block_scalar<'t>(
        &self,
        text: Cow<'t, str>,
        style: ScalarStyle,
        span: &Span,
    ) -> Cow<'t, str> {
        let block = matches!(style, ScalarStyle::Literal | ScalarStyle::Folded);
        if block && text.ends_with('\n') && self.source.ends_unterminated_after(&span.end) {
            let mut text = text.into_owned();
            text.pop();
            Cow::Owned(text)
        } else {
            text
        }
    }
}

/// Where the parser's `marker` is.
pub(crate) fn mark_of(marker: &Marker) -> Mark {
    Mark {
        line: marker.line(),
        col: marker.col(),
    }
}
