//! Word-case conversions as Sprig's string library (xstrings) does them:
//! `snakecase`, `kebabcase` and `camelcase`.

/// What kind of run of characters a word is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Word {
    /// Past the end.
    End,
    Number,
    Upper,
    Alpha,
    Connector,
    Punct,
    Other,
}

fn is_connector(c: char) -> bool {
    c == '-' || c == '_' || c.is_whitespace()
}

/// A letter outside the common CJK blocks (those are not "alphabet").
fn is_alphabet(c: char) -> bool {
    c.is_alphabetic() && !matches!(c as u32, 0x4E00..=0x9FCC | 0x3400..=0x4D85 | 0x20000..=0x2B81D)
}

/// Go's `unicode.IsPunct` (category P); ASCII exactly, other characters
/// approximated as anything neither alphanumeric nor white space.
fn is_punct(c: char) -> bool {
    if c.is_ascii() {
        return matches!(
            c,
            '!' | '"'
                | '#'
                | '%'
                | '&'
                | '\''
                | '('
                | ')'
                | '*'
                | ','
                | '-'
                | '.'
                | '/'
                | ':'
                | ';'
                | '?'
                | '@'
                | '['
                | '\\'
                | ']'
                | '_'
                | '{'
                | '}'
        );
    }
    !c.is_alphanumeric() && !c.is_whitespace()
}

/// Splits a string into typed words: runs of connectors, punctuation,
/// digits, lower-case letters, an upper-case letter with the lower-case
/// ones after it, or an upper-case run (leaving its last letter to a
/// following lower-case word).
fn words(s: &str) -> Vec<(Word, String)> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        i += 1;
        let run = |i: &mut usize, keep: &dyn Fn(char) -> bool| {
            while *i < chars.len() && keep(chars[*i]) {
                *i += 1;
            }
        };
        let kind = if is_connector(c) {
            run(&mut i, &is_connector);
            Word::Connector
        } else if is_punct(c) {
            run(&mut i, &is_punct);
            Word::Punct
        } else if c.is_uppercase() {
            if i < chars.len() && chars[i].is_uppercase() {
                run(&mut i, &|c: char| c.is_uppercase());
                if i < chars.len() && is_alphabet(chars[i]) {
                    i -= 1;
                }
            } else if i < chars.len() && is_alphabet(chars[i]) {
                run(&mut i, &|c: char| is_alphabet(c) && !c.is_uppercase());
            }
            Word::Upper
        } else if is_alphabet(c) {
            run(&mut i, &|c: char| is_alphabet(c) && !c.is_uppercase());
            Word::Alpha
        } else if c.is_numeric() {
            run(&mut i, &|c: char| c.is_numeric());
            Word::Number
        } else {
            run(&mut i, &|c: char| {
                !(is_connector(c) || is_alphabet(c) || c.is_numeric() || is_punct(c))
            });
            Word::Other
        };
        out.push((kind, chars[start..i].iter().collect()));
    }
    out
}

struct Builder {
    out: String,
    connector: char,
}

impl Builder {
    /// Writes a word, lower-casing upper-case words and turning connector
    /// characters into the connector.
    fn word(&mut self, kind: Word, text: &str) {
        if kind != Word::Upper && kind != Word::Connector {
            self.out.push_str(text);
            return;
        }
        for c in text.chars() {
            if is_connector(c) {
                self.out.push(self.connector);
            } else {
                self.out.extend(c.to_lowercase());
            }
        }
    }

    fn connect_unless(&mut self, kind: Word, except: &[Word]) {
        if !except.contains(&kind) {
            self.out.push(self.connector);
        }
    }
}

/// xstrings' `camelCaseToLowerCase`: words joined by `connector`, digits
/// kept with the letters they touch.
pub(crate) fn delimited(s: &str, connector: char) -> String {
    let ws = words(s);
    let mut idx = 0;
    let mut next = || {
        let w = ws.get(idx).cloned().unwrap_or((Word::End, String::new()));
        idx += 1;
        w
    };
    let total = ws.len();
    let mut b = Builder {
        out: String::new(),
        connector,
    };
    let (mut wt, mut word) = next();
    let mut read = 1;
    let mut step = |read: &mut usize| {
        *read += 1;
        next()
    };
    while read < total {
        if wt != Word::Connector {
            b.word(wt, &word);
        }
        let (prev, last) = (wt, word);
        (wt, word) = step(&mut read);
        match prev {
            Word::Number => {
                while matches!(wt, Word::Alpha | Word::Number) {
                    b.word(wt, &word);
                    (wt, word) = step(&mut read);
                }
                b.connect_unless(wt, &[Word::End, Word::Punct, Word::Connector]);
            }
            Word::Connector => b.word(prev, &last),
            Word::Punct => {}
            _ => {
                if wt != Word::Number {
                    b.connect_unless(wt, &[Word::Connector, Word::Punct]);
                    continue;
                }
                if read >= total {
                    continue;
                }
                let number = word;
                (wt, word) = step(&mut read);
                if wt != Word::Alpha {
                    b.word(Word::Number, &number);
                    b.connect_unless(wt, &[Word::Connector, Word::Punct]);
                    continue;
                }
                b.out.push(connector);
                b.word(Word::Number, &number);
                while matches!(wt, Word::Alpha | Word::Number) {
                    b.word(wt, &word);
                    (wt, word) = step(&mut read);
                }
                b.connect_unless(wt, &[Word::End, Word::Connector, Word::Punct]);
            }
        }
    }
    b.word(wt, &word);
    b.out
}

/// xstrings' `ToCamelCase`: leading connectors kept, the first letter and
/// each letter after a connector upper-cased, other letters lower-cased,
/// single connectors between words dropped.
pub(crate) fn camel(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    let mut cur = None;
    for c in chars.by_ref() {
        if !is_connector(c) {
            cur = Some(c.to_uppercase().next().unwrap_or(c));
            break;
        }
        out.push(c);
    }
    let Some(mut r0) = cur else {
        return out;
    };
    for c in chars {
        let r1 = r0;
        r0 = c;
        if is_connector(r0) && is_connector(r1) {
            out.push(r1);
            continue;
        }
        if is_connector(r1) {
            r0 = r0.to_uppercase().next().unwrap_or(r0);
        } else {
            r0 = r0.to_lowercase().next().unwrap_or(r0);
            out.push(r1);
        }
    }
    out.push(r0);
    out
}
