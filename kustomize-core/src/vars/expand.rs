//! `$(NAME)` expansion in strings, as kustomize's var references work:
//! a string that is exactly `$(NAME)` takes the var's value with its type;
//! inside a longer string the value is printed; `$$` is a literal `$`;
//! names without a value are left as written.

use serde_json::Value;

/// The value a string field takes after expansion.
#[derive(Debug, Clone, PartialEq)]
pub enum Expanded {
    /// The field was exactly `$(NAME)` and `NAME` has this value.
    Whole(Value),
    /// The field stays a string, with this text.
    Text(String),
}

/// A var's value printed inside a longer string (Go's `%v`: whole floats
/// print without a fraction).
fn print(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) if n.is_f64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

/// Expands `$(NAME)` references in `input`. `lookup` gives a var's value
/// (a string, number or boolean), or `None` to leave the reference alone.
pub fn expand(input: &str, mut lookup: impl FnMut(&str) -> Option<Value>) -> Expanded {
    let bytes = input.as_bytes();
    let mut buf = String::new();
    let mut checkpoint = 0;
    let mut cursor = 0;
    while cursor < bytes.len() {
        if bytes[cursor] == b'$' && cursor + 1 < bytes.len() {
            buf.push_str(&input[checkpoint..cursor]);
            let rest = &input[cursor + 1..];
            let advance = match rest.as_bytes()[0] {
                b'$' => {
                    buf.push('$');
                    1
                }
                b'(' => match rest[1..].find(')') {
                    Some(end) => {
                        let name = &rest[1..1 + end];
                        match lookup(name) {
                            Some(v) if input.len() == name.len() + 3 => {
                                return Expanded::Whole(v);
                            }
                            Some(v) => buf.push_str(&print(&v)),
                            None => {
                                buf.push_str("$(");
                                buf.push_str(name);
                                buf.push(')');
                            }
                        }
                        end + 2
                    }
                    None => {
                        buf.push_str("$(");
                        1
                    }
                },
                _ => {
                    let ch = rest.chars().next().expect("rest is not empty");
                    buf.push('$');
                    buf.push(ch);
                    ch.len_utf8()
                }
            };
            cursor += advance;
            checkpoint = cursor + 1;
        }
        cursor += 1;
    }
    buf.push_str(&input[checkpoint.min(input.len())..]);
    Expanded::Text(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(input: &str) -> Expanded {
        expand(input, |name| match name {
            "A" => Some(json!("alpha")),
            "N" => Some(json!(8080)),
            "F" => Some(json!(1.5)),
            "W" => Some(json!(2.0)),
            "B" => Some(json!(true)),
            _ => None,
        })
    }

    fn text(s: &str) -> Expanded {
        Expanded::Text(s.to_owned())
    }

    #[test]
    fn whole_references_keep_the_type() {
        assert_eq!(run("$(N)"), Expanded::Whole(json!(8080)));
        assert_eq!(run("$(B)"), Expanded::Whole(json!(true)));
        assert_eq!(run("$(A)"), Expanded::Whole(json!("alpha")));
    }

    #[test]
    fn partial_references_print_the_value() {
        assert_eq!(run("x$(N)y$(A)"), text("x8080yalpha"));
        assert_eq!(run("$(F)/$(B)/$(W)"), text("1.5/true/2"));
    }

    #[test]
    fn escapes_unknowns_and_incomplete_references() {
        assert_eq!(run("$$(A)"), text("$(A)"));
        assert_eq!(run("$(Z)"), text("$(Z)"));
        assert_eq!(run("a $(Z) $(A)"), text("a $(Z) alpha"));
        assert_eq!(run("$(A"), text("$(A"));
        assert_eq!(run("cost: $5 $"), text("cost: $5 $"));
        assert_eq!(run("$é"), text("$é"));
        assert_eq!(run(""), text(""));
    }
}
