//! Whole-string patterns as kustomize writes them (a selector's `kind:
//! Deployment`, an image rule's `name`): regular expressions, nearly always
//! plain names. A plain name is matched directly; compiling a regular
//! expression for each of the thousands of them a large tree holds would
//! dominate its build.

use regex::Regex;

/// A pattern that must match a whole string, as `^(?:pattern)$` does.
#[derive(Debug, Clone)]
pub enum Anchored {
    /// A [simple](is_simple) pattern.
    Simple(String),
    /// Any other pattern, compiled.
    Regex(Regex),
}

impl Anchored {
    /// Compiles `pattern`.
    pub fn new(pattern: &str) -> Result<Self, regex::Error> {
        if is_simple(pattern) {
            Ok(Self::Simple(pattern.to_owned()))
        } else {
            Regex::new(&format!("^(?:{pattern})$")).map(Self::Regex)
        }
    }

    /// Whether the whole of `s` matches.
    pub fn is_match(&self, s: &str) -> bool {
        match self {
            Self::Simple(p) => simple_prefix_len(p, s) == Some(s.len()),
            Self::Regex(re) => re.is_match(s),
        }
    }
}

/// Whether a pattern's only regular-expression metacharacter, if any, is
/// `.` (any character but a line feed): it then matches text of a fixed
/// number of characters, one for one.
pub fn is_simple(pattern: &str) -> bool {
    pattern
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | ':' | '.' | '@'))
}

/// For a [simple](is_simple) pattern: the length in bytes of the start of
/// `s` it matches, if `s` starts with a match.
pub fn simple_prefix_len(pattern: &str, s: &str) -> Option<usize> {
    let mut chars = s.char_indices();
    for p in pattern.chars() {
        let (_, c) = chars.next()?;
        if (p == '.' && c == '\n') || (p != '.' && p != c) {
            return None;
        }
    }
    Some(chars.next().map_or(s.len(), |(i, _)| i))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn simple_patterns_are_recognised() {
        assert!(is_simple("registry.example.com/shop/app-1"));
        assert!(is_simple(""));
        assert!(!is_simple("Deploy.*"));
        assert!(!is_simple("a|b"));
        assert!(matches!(
            Anchored::new("Deployment"),
            Ok(Anchored::Simple(_))
        ));
        assert!(matches!(Anchored::new("Depl(oy)?"), Ok(Anchored::Regex(_))));
    }

    #[test]
    fn dot_matches_one_character_but_a_line_feed() {
        let p = Anchored::new("a.c").unwrap();
        assert!(p.is_match("abc") && p.is_match("a€c"));
        assert!(!p.is_match("a\nc") && !p.is_match("ac") && !p.is_match("abcd"));
        assert_eq!(simple_prefix_len("a.", "a€x"), Some(4));
    }

    proptest! {
        #[test]
        fn simple_matching_agrees_with_the_regex(
            pattern in "[a-c.:/@_-]{0,6}",
            s in "[a-c.:/@_\n€-]{0,7}",
        ) {
            let re = Regex::new(&format!("^(?:{pattern})$")).unwrap();
            prop_assert_eq!(Anchored::new(&pattern).unwrap().is_match(&s), re.is_match(&s));
        }
    }
}
