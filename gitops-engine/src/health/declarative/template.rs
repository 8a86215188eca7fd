//! Message templates of declarative rules.
//!
//! Text outside `{{ ... }}` is literal. A placeholder holds alternatives separated by
//! `|`, each a field path or a single-quoted literal; the first that yields a
//! non-empty string is used. Paths starting with `condition` read the condition that
//! the check's `when` matched; any other path reads the object, e.g.
//! `{{ status.message | 'Analysis run failed' }}`.

use serde_json::Value;

use super::path::FieldPath;

/// Where a placeholder alternative reads from.
#[derive(Debug, Clone)]
enum Alternative {
    Literal(String),
    Object(FieldPath),
    Condition(FieldPath),
}

#[derive(Debug, Clone)]
enum Piece {
    Text(String),
    Placeholder(Vec<Alternative>),
}

/// A compiled message template.
#[derive(Debug, Clone)]
pub struct Template {
    pieces: Vec<Piece>,
}

impl Template {
    /// Compiles a template; the error names the problem.
    pub fn parse(text: &str) -> Result<Template, String> {
        let mut pieces = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            if start > 0 {
                pieces.push(Piece::Text(rest[..start].to_string()));
            }
            let inner_start = &rest[start + 2..];
            let end = inner_start
                .find("}}")
                .ok_or_else(|| format!("unclosed `{{{{` in message `{text}`"))?;
            let alternatives = inner_start[..end]
                .split('|')
                .map(|alt| parse_alternative(alt.trim(), text))
                .collect::<Result<Vec<_>, _>>()?;
            pieces.push(Piece::Placeholder(alternatives));
            rest = &inner_start[end + 2..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_string()));
        }
        Ok(Template { pieces })
    }

    /// Renders the template for an object and the condition its check matched.
    pub fn render(&self, obj: &Value, condition: Option<&Value>) -> String {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Placeholder(alternatives) => {
                    if let Some(value) = alternatives
                        .iter()
                        .map(|alt| resolve(alt, obj, condition))
                        .find(|s| !s.is_empty())
                    {
                        out.push_str(&value);
                    }
                }
            }
        }
        out
    }
}

fn parse_alternative(alt: &str, template: &str) -> Result<Alternative, String> {
    if let Some(quoted) = alt.strip_prefix('\'') {
        return quoted
            .strip_suffix('\'')
            .map(|lit| Alternative::Literal(lit.to_string()))
            .ok_or_else(|| format!("unterminated quote in message `{template}`"));
    }
    if alt.is_empty() {
        return Err(format!(
            "empty placeholder alternative in message `{template}`"
        ));
    }
    let path = FieldPath::parse(alt).map_err(|e| format!("in message `{template}`: {e}"))?;
    if path.first_key() == Some("condition") {
        Ok(Alternative::Condition(path.without_first()))
    } else {
        Ok(Alternative::Object(path))
    }
}

fn resolve(alt: &Alternative, obj: &Value, condition: Option<&Value>) -> String {
    let value = match alt {
        Alternative::Literal(text) => return text.clone(),
        Alternative::Object(path) => path.lookup(obj),
        Alternative::Condition(path) => condition.and_then(|c| path.lookup(c)),
    };
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_paths_conditions_and_fallbacks() {
        let obj = json!({"status": {"phase": "Failed", "count": 3}});
        let cond = json!({"message": "boom", "reason": "Err"});
        let t = Template::parse(
            "{{status.phase}} ({{ condition.reason }}): {{condition.message}} x{{status.count}}",
        )
        .unwrap();
        assert_eq!(t.render(&obj, Some(&cond)), "Failed (Err): boom x3");
        let t = Template::parse("{{ status.message | 'no message' }}").unwrap();
        assert_eq!(t.render(&obj, None), "no message");
        assert_eq!(
            Template::parse("plain").unwrap().render(&obj, None),
            "plain"
        );
    }

    #[test]
    fn rejects_malformed_templates() {
        for bad in ["{{ status.phase", "{{ 'open }}", "{{ a..b }}", "{{ a | }}"] {
            assert!(Template::parse(bad).is_err(), "{bad} should be rejected");
        }
    }
}
