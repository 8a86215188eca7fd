//! Field paths used by declarative rules: `status.phase`,
//! `metadata.annotations["cnpg.io/hibernation"]`, `status.conditions[0].type`.

use serde_json::Value;

/// One step of a [`FieldPath`].
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Key(String),
    Index(usize),
}

/// A parsed path into a JSON object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath {
    segments: Vec<Segment>,
}

impl FieldPath {
    /// Parses a path; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<FieldPath, String> {
        let mut segments = Vec::new();
        let mut rest = text;
        let mut expect_key = true;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('[') {
                let (segment, remaining) = parse_bracket(after)
                    .ok_or_else(|| format!("invalid path `{text}`: malformed `[...]`"))?;
                segments.push(segment);
                rest = remaining;
                expect_key = false;
            } else if let Some(after) = rest.strip_prefix('.').filter(|_| !segments.is_empty()) {
                rest = after;
                expect_key = true;
                if rest.is_empty() || rest.starts_with(['.', '[']) {
                    return Err(format!("invalid path `{text}`: empty segment"));
                }
            } else if expect_key {
                let end = rest.find(['.', '[']).unwrap_or(rest.len());
                if end == 0 {
                    return Err(format!("invalid path `{text}`: empty segment"));
                }
                segments.push(Segment::Key(rest[..end].to_string()));
                rest = &rest[end..];
                expect_key = false;
            } else {
                return Err(format!("invalid path `{text}`: expected `.` or `[`"));
            }
        }
        if segments.is_empty() {
            return Err("invalid path: empty".to_string());
        }
        Ok(FieldPath { segments })
    }

    /// The first key of the path, if it starts with a key.
    pub fn first_key(&self) -> Option<&str> {
        match self.segments.first() {
            Some(Segment::Key(key)) => Some(key),
            _ => None,
        }
    }

    /// The path without its first segment (empty when it had one segment).
    pub fn without_first(&self) -> FieldPath {
        FieldPath {
            segments: self.segments.iter().skip(1).cloned().collect(),
        }
    }

    /// The value at this path in `root`, if every step exists.
    pub fn lookup<'a>(&self, root: &'a Value) -> Option<&'a Value> {
        self.segments
            .iter()
            .try_fold(root, |v, segment| match segment {
                Segment::Key(key) => v.get(key.as_str()),
                Segment::Index(i) => v.get(*i),
            })
    }
}

/// Parses the inside of `[...]` (after the `[`): a quoted key or an index.
fn parse_bracket(text: &str) -> Option<(Segment, &str)> {
    if let Some(quoted) = text.strip_prefix('"') {
        let end = quoted.find('"')?;
        let rest = quoted[end + 1..].strip_prefix(']')?;
        Some((Segment::Key(quoted[..end].to_string()), rest))
    } else {
        let end = text.find(']')?;
        let index = text[..end].parse().ok()?;
        Some((Segment::Index(index), &text[end + 1..]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_keys_quoted_keys_and_indexes() {
        let obj = json!({"metadata": {"annotations": {"cnpg.io/x": "on"}},
            "status": {"conditions": [{"type": "Ready"}]}});
        let p = FieldPath::parse(r#"metadata.annotations["cnpg.io/x"]"#).unwrap();
        assert_eq!(p.lookup(&obj), Some(&json!("on")));
        let p = FieldPath::parse("status.conditions[0].type").unwrap();
        assert_eq!(p.lookup(&obj), Some(&json!("Ready")));
        assert_eq!(FieldPath::parse("status.nope").unwrap().lookup(&obj), None);
    }

    #[test]
    fn rejects_malformed_paths() {
        for bad in ["", "a..b", ".a", "a.", "a[", "a[x]", r#"a["x]"#, "a[0]b"] {
            assert!(FieldPath::parse(bad).is_err(), "{bad} should be rejected");
        }
    }
}
