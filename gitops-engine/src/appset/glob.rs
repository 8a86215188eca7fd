//! Path patterns of the git generator.
//!
//! `directories` patterns are Go's `path.Match`: `*` and `?` never cross `/`,
//! `[...]` classes with ranges and `^` negation, `\` escapes. `files` patterns
//! are matched by the repository in one of two modes ([`FileGlobbing`]).

use globset::{Glob, GlobBuilder, GlobMatcher};

use super::error::AppSetError;

/// One element of a parsed `path.Match` pattern.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    Literal(char),
    AnyOne,
    Star,
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

/// A Go `path.Match` pattern, parsed once.
#[derive(Debug, Clone, PartialEq)]
pub struct PathPattern {
    tokens: Vec<Token>,
}

impl PathPattern {
    /// Parses `pattern`; a malformed class or trailing `\` is an error, as in Go.
    pub fn new(pattern: &str) -> Result<Self, AppSetError> {
        let bad = || AppSetError::InvalidSelector(format!("syntax error in pattern {pattern:?}"));
        let mut tokens = Vec::new();
        let mut chars = pattern.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '*' => {
                    if tokens.last() != Some(&Token::Star) {
                        tokens.push(Token::Star);
                    }
                }
                '?' => tokens.push(Token::AnyOne),
                '\\' => tokens.push(Token::Literal(chars.next().ok_or_else(bad)?)),
                '[' => {
                    let negated = chars.next_if_eq(&'^').is_some();
                    let mut ranges = Vec::new();
                    loop {
                        let lo = match chars.next().ok_or_else(bad)? {
                            ']' if !ranges.is_empty() => break,
                            '-' | ']' => return Err(bad()),
                            '\\' => chars.next().ok_or_else(bad)?,
                            c => c,
                        };
                        let hi = if chars.next_if_eq(&'-').is_some() {
                            match chars.next().ok_or_else(bad)? {
                                '-' | ']' => return Err(bad()),
                                '\\' => chars.next().ok_or_else(bad)?,
                                c => c,
                            }
                        } else {
                            lo
                        };
                        ranges.push((lo, hi));
                    }
                    tokens.push(Token::Class { negated, ranges });
                }
                c => tokens.push(Token::Literal(c)),
            }
        }
        Ok(Self { tokens })
    }

    /// Whether the whole of `name` matches.
    pub fn matches(&self, name: &str) -> bool {
        let name: Vec<char> = name.chars().collect();
        // Classic single-star backtracking: a star resumes only up to the next `/`.
        let (mut t, mut n) = (0, 0);
        let mut resume: Option<(usize, usize)> = None;
        while n < name.len() {
            let step = match self.tokens.get(t) {
                Some(Token::Star) => {
                    resume = Some((t, n));
                    t += 1;
                    continue;
                }
                Some(token) => token_matches(token, name[n]),
                None => false,
            };
            if step {
                t += 1;
                n += 1;
                continue;
            }
            match resume {
                Some((st, sn)) if name[sn] != '/' => {
                    resume = Some((st, sn + 1));
                    t = st + 1;
                    n = sn + 1;
                }
                _ => return false,
            }
        }
        self.tokens[t..].iter().all(|tok| *tok == Token::Star)
    }
}

fn token_matches(token: &Token, c: char) -> bool {
    match token {
        Token::Literal(l) => *l == c,
        Token::AnyOne => c != '/',
        Token::Star => false,
        Token::Class { negated, ranges } => {
            c != '/' && ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c)) != *negated
        }
    }
}

/// How a repository matches `files` patterns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FileGlobbing {
    /// Doublestar: `*` stays within one path segment, `**` crosses segments.
    #[default]
    New,
    /// Git pathspec: `*` also crosses `/`.
    Old,
}

/// A compiled `files` pattern.
#[derive(Debug, Clone)]
pub struct FileGlob {
    matcher: GlobMatcher,
}

impl FileGlob {
    /// Compiles `pattern` for `mode`.
    pub fn new(pattern: &str, mode: FileGlobbing) -> Result<Self, AppSetError> {
        let glob: Result<Glob, _> = GlobBuilder::new(pattern)
            .literal_separator(mode == FileGlobbing::New)
            .backslash_escape(true)
            .build();
        let glob = glob.map_err(|e| AppSetError::GitFiles(format!("invalid pattern: {e}")))?;
        Ok(Self {
            matcher: glob.compile_matcher(),
        })
    }

    /// Whether the repository path matches.
    pub fn matches(&self, path: &str) -> bool {
        self.matcher.is_match(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, n: &str) -> bool {
        PathPattern::new(p).unwrap().matches(n)
    }

    #[test]
    fn path_match_follows_go() {
        assert!(m("*", "app1"));
        assert!(!m("*", "p1/app4"));
        assert!(m("p1/*", "p1/app2"));
        assert!(m("*/*", "p1/app2"));
        assert!(m("a*b*c", "axxbyyc"));
        assert!(!m("a*c", "ab/c"));
        assert!(m("[a-c]?", "bz"));
        assert!(!m("[^a-c]", "b"));
        assert!(m("\\*", "*"));
        assert!(PathPattern::new("[").is_err());
        assert!(PathPattern::new("a\\").is_err());
    }

    #[test]
    fn file_globbing_modes() {
        let new = FileGlob::new("*/config.json", FileGlobbing::New).unwrap();
        let old = FileGlob::new("*/config.json", FileGlobbing::Old).unwrap();
        assert!(new.matches("a/config.json"));
        assert!(!new.matches("a/b/config.json"));
        assert!(old.matches("a/b/config.json"));
        let deep = FileGlob::new("**/config.json", FileGlobbing::New).unwrap();
        assert!(deep.matches("a/b/config.json"));
        assert!(deep.matches("config.json"));
    }
}
