//! Sprig's string functions.

use super::conv::{strslice, strval, to_i64};
use super::{Reg, Res, err};
use crate::func::Param::{Any, Int, String as Str};
use crate::value::{Map, Value};

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

fn ok(v: impl Into<Value>) -> Res {
    Ok(v.into())
}

pub(crate) fn register(r: &mut Reg) {
    r.add("hello", &[], None, |_| ok("Hello!"));
    r.add("upper", &[Str], None, |a| ok(s(&a[0]).to_uppercase()));
    r.add("lower", &[Str], None, |a| ok(s(&a[0]).to_lowercase()));
    r.add("title", &[Str], None, |a| ok(title(s(&a[0]))));
    r.add("untitle", &[Str], None, |a| ok(untitle(s(&a[0]))));
    r.add("trim", &[Str], None, |a| ok(s(&a[0]).trim()));
    r.add("trimAll", &[Str, Str], None, |a| {
        ok(trim_set(s(&a[1]), s(&a[0])))
    });
    r.add("trimall", &[Str, Str], None, |a| {
        ok(trim_set(s(&a[1]), s(&a[0])))
    });
    r.add("trimSuffix", &[Str, Str], None, |a| {
        ok(s(&a[1]).strip_suffix(s(&a[0])).unwrap_or(s(&a[1])))
    });
    r.add("trimPrefix", &[Str, Str], None, |a| {
        ok(s(&a[1]).strip_prefix(s(&a[0])).unwrap_or(s(&a[1])))
    });
    r.add("nospace", &[Str], None, |a| {
        ok(s(&a[0])
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>())
    });
    r.add("contains", &[Str, Str], None, |a| {
        ok(s(&a[1]).contains(s(&a[0])))
    });
    r.add("hasPrefix", &[Str, Str], None, |a| {
        ok(s(&a[1]).starts_with(s(&a[0])))
    });
    r.add("hasSuffix", &[Str, Str], None, |a| {
        ok(s(&a[1]).ends_with(s(&a[0])))
    });
    r.add("quote", &[], Some(Any), |a| {
        ok(a.iter()
            .filter(|v| !matches!(v, Value::Nil))
            .map(|v| crate::fmt::quote(&strval(v)))
            .collect::<Vec<_>>()
            .join(" "))
    });
    r.add("squote", &[], Some(Any), |a| {
        ok(a.iter()
            .filter(|v| !matches!(v, Value::Nil))
            .map(|v| format!("'{}'", strval(v)))
            .collect::<Vec<_>>()
            .join(" "))
    });
    r.add("cat", &[], Some(Any), |a| {
        let parts: Vec<Value> = a.into_iter().filter(|v| !matches!(v, Value::Nil)).collect();
        ok(parts
            .iter()
            .map(crate::fmt::sprint_value)
            .collect::<Vec<_>>()
            .join(" "))
    });
    r.add_call("indent", &[Int, Str], None, |c, a| {
        let out = indent(&a, c)?;
        ok(out)
    });
    r.add_call("nindent", &[Int, Str], None, |c, a| {
        let out = indent(&a, c)?;
        ok(format!("\n{out}"))
    });
    r.add("replace", &[Str, Str, Str], None, |a| {
        ok(s(&a[2]).replace(s(&a[0]), s(&a[1])))
    });
    r.add("plural", &[Str, Str, Int], None, |a| {
        ok(if to_i64(&a[2]) == 1 {
            s(&a[0])
        } else {
            s(&a[1])
        })
    });
    r.add_call("repeat", &[Int, Str], None, |c, a| {
        let n = to_i64(&a[0]);
        if n < 0 {
            return Err(err("strings: negative Repeat count"));
        }
        c.check_size((n as usize).saturating_mul(s(&a[1]).len()))?;
        ok(s(&a[1]).repeat(n as usize))
    });
    r.add("trunc", &[Int, Str], None, |a| {
        let (c, st) = (to_i64(&a[0]), s(&a[1]));
        let n = st.len() as i64;
        ok(if c < 0 && n + c > 0 {
            bytes_str(st, (n + c) as usize, st.len())
        } else if c >= 0 && n > c {
            bytes_str(st, 0, c as usize)
        } else {
            st.to_string()
        })
    });
    r.add("substr", &[Int, Int, Str], None, |a| {
        let (start, end, st) = (to_i64(&a[0]), to_i64(&a[1]), s(&a[2]));
        let n = st.len() as i64;
        // Go slices the string and panics out of bounds; these are its texts.
        let oob = |m: String| Err(err(format!("runtime error: slice bounds out of range {m}")));
        if start < 0 {
            if end < 0 {
                return oob(format!("[:{end}]"));
            }
            if end > n {
                return oob(format!("[:{end}] with length {n}"));
            }
            return ok(bytes_str(st, 0, end as usize));
        }
        if end < 0 || end > n {
            if start > n {
                return oob(format!("[{start}:{n}]"));
            }
            return ok(bytes_str(st, start as usize, st.len()));
        }
        if start > end {
            return oob(format!("[{start}:{end}]"));
        }
        ok(bytes_str(st, start as usize, end as usize))
    });
    r.add("abbrev", &[Int, Str], None, |a| {
        ok(abbrev(s(&a[1]), to_i64(&a[0])))
    });
    r.add("abbrevboth", &[Int, Int, Str], None, |a| {
        ok(abbrev_both(s(&a[2]), to_i64(&a[0]), to_i64(&a[1])))
    });
    r.add("initials", &[Str], None, |a| {
        ok(s(&a[0])
            .split_whitespace()
            .filter_map(|w| w.chars().next())
            .collect::<String>())
    });
    r.add("swapcase", &[Str], None, |a| {
        ok(s(&a[0])
            .chars()
            .map(|c| {
                if c.is_uppercase() {
                    c.to_lowercase().collect::<String>()
                } else {
                    c.to_uppercase().collect::<String>()
                }
            })
            .collect::<String>())
    });
    r.add("snakecase", &[Str], None, |a| {
        ok(super::case::delimited(s(&a[0]), '_'))
    });
    r.add("kebabcase", &[Str], None, |a| {
        ok(super::case::delimited(s(&a[0]), '-'))
    });
    r.add("camelcase", &[Str], None, |a| {
        ok(super::case::camel(s(&a[0])))
    });
    r.add("wrap", &[Int, Str], None, |a| {
        ok(wrap(s(&a[1]), to_i64(&a[0]), "\n"))
    });
    r.add("wrapWith", &[Int, Str, Str], None, |a| {
        ok(wrap(s(&a[2]), to_i64(&a[0]), s(&a[1])))
    });
    r.add("toString", &[Any], None, |a| ok(strval(&a[0])));
    r.add("toStrings", &[Any], None, |a| {
        ok(strslice(&a[0])
            .into_iter()
            .map(Value::from)
            .collect::<Vec<_>>())
    });
    r.add("join", &[Str, Any], None, |a| {
        ok(strslice(&a[1]).join(s(&a[0])))
    });
    r.add("split", &[Str, Str], None, |a| {
        Ok(indexed(go_split(s(&a[1]), s(&a[0]), -1).into_iter()))
    });
    r.add("splitn", &[Str, Int, Str], None, |a| {
        Ok(indexed(
            go_split(s(&a[2]), s(&a[0]), to_i64(&a[1])).into_iter(),
        ))
    });
    r.add("splitList", &[Str, Str], None, |a| {
        ok(go_split(s(&a[1]), s(&a[0]), -1)
            .into_iter()
            .map(Value::from)
            .collect::<Vec<_>>())
    });
    r.add("fail", &[Str], None, |a| Err(err(s(&a[0]))));
}

/// Go's `strings.SplitN`: an empty separator splits into characters; at
/// most `n` pieces when `n > 0`, none when 0, all when negative.
fn go_split<'a>(s: &'a str, sep: &str, n: i64) -> Vec<&'a str> {
    if n == 0 {
        return Vec::new();
    }
    let limit = if n < 0 { usize::MAX } else { n as usize };
    if sep.is_empty() {
        let mut out: Vec<&str> = Vec::new();
        for (i, c) in s.char_indices() {
            if out.len() + 1 == limit {
                out.push(&s[i..]);
                return out;
            }
            out.push(&s[i..i + c.len_utf8()]);
        }
        return out;
    }
    s.splitn(limit, sep).collect()
}

fn indexed<'a>(parts: impl Iterator<Item = &'a str>) -> Value {
    let m = Map::new();
    for (i, p) in parts.enumerate() {
        m.insert(format!("_{i}"), Value::from(p));
    }
    Value::Map(m)
}

fn indent(a: &[Value], c: &crate::Call<'_>) -> Result<String, crate::FuncError> {
    let n = to_i64(&a[0]);
    if n < 0 {
        return Err(super::err("strings: negative Repeat count"));
    }
    let n = n as usize;
    let text = s(&a[1]);
    let lines = text.matches('\n').count() + 1;
    c.check_size(text.len().saturating_add(n.saturating_mul(lines)))?;
    let pad = " ".repeat(n);
    Ok(format!("{pad}{}", text.replace('\n', &format!("\n{pad}"))))
}

/// A byte range of a string (Go slices strings by bytes); a cut inside a
/// multi-byte character keeps the valid part.
fn bytes_str(s: &str, from: usize, to: usize) -> String {
    String::from_utf8_lossy(&s.as_bytes()[from.min(s.len())..to.min(s.len())]).into_owned()
}

fn trim_set(s: &str, set: &str) -> String {
    s.trim_matches(|c| set.contains(c)).to_string()
}

/// Go's deprecated `strings.Title`: upper-cases letters that follow a
/// non-letter.
fn title(s: &str) -> String {
    let mut prev_letter = false;
    s.chars()
        .map(|c| {
            let is_sep = !(c.is_alphanumeric() || c == '_' || c == '\'');
            let out = if !prev_letter {
                c.to_uppercase().collect::<String>()
            } else {
                c.to_string()
            };
            prev_letter = !is_sep;
            out
        })
        .collect()
}

fn untitle(s: &str) -> String {
    let mut prev_space = true;
    s.chars()
        .map(|c| {
            let out = if prev_space {
                c.to_lowercase().collect::<String>()
            } else {
                c.to_string()
            };
            prev_space = c.is_whitespace();
            out
        })
        .collect()
}

fn abbrev(s: &str, width: i64) -> String {
    if width < 4 {
        return s.to_string();
    }
    abbrev_both(s, 0, width)
}

/// goutils `AbbreviateFull`.
fn abbrev_both(s: &str, offset: i64, width: i64) -> String {
    let n = s.len() as i64;
    if s.is_empty() || width < 4 {
        return s.to_string();
    }
    if offset > 0 && width < 7 {
        return s.to_string();
    }
    if n <= width {
        return s.to_string();
    }
    let mut offset = offset.min(n);
    if n - offset < width - 3 {
        offset = n - (width - 3);
    }
    let dots = "...";
    if offset <= 4 {
        return format!("{}{dots}", bytes_str(s, 0, (width - 3) as usize));
    }
    if width < 7 {
        return s.to_string();
    }
    if offset + width - 3 < n {
        let inner = abbrev_both(&bytes_str(s, offset as usize, s.len()), 0, width - 3);
        return format!("{dots}{inner}");
    }
    format!(
        "{dots}{}",
        bytes_str(s, (n - (width - 3)) as usize, s.len())
    )
}

/// goutils `WrapCustom(s, width, sep, true)`.
fn wrap(s: &str, width: i64, sep: &str) -> String {
    let width = width.max(1) as usize;
    let mut out = String::new();
    for (li, line) in s.split('\n').enumerate() {
        if li > 0 {
            out.push('\n');
        }
        let mut cur = 0;
        for (wi, word) in line.split(' ').enumerate() {
            if wi > 0 {
                if cur + 1 + word.len() > width && cur > 0 {
                    out.push_str(sep);
                    cur = 0;
                } else {
                    out.push(' ');
                    cur += 1;
                }
            }
            let mut w = word;
            while w.len() > width && cur == 0 {
                let cut = (0..=width)
                    .rev()
                    .find(|i| w.is_char_boundary(*i))
                    .unwrap_or(0)
                    .max(1);
                let cut = (cut..=w.len())
                    .find(|i| w.is_char_boundary(*i))
                    .unwrap_or(w.len());
                out.push_str(&w[..cut]);
                out.push_str(sep);
                w = &w[cut..];
            }
            out.push_str(w);
            cur += w.len();
        }
    }
    out
}
