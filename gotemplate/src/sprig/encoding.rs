//! Sprig's defaults, type tests, JSON, encodings, hashes, regular
//! expressions, paths, URLs and semantic versions.

use base64::Engine;
use sha2::Digest;

use super::conv::{empty, strval, to_json};
use super::lists::deep_equal;
use super::{Reg, Res, err};
use crate::func::Param::{Any, Bool, Int, String as Str};
use crate::value::{Map, Value};

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

fn ok(v: impl Into<Value>) -> Res {
    Ok(v.into())
}

/// Compiles a Go (RE2) pattern. Go reads a `{` that does not start a
/// repetition, and any `}` outside one, as a literal; the `regex` crate
/// needs those escaped. Parse errors keep Go's prefix, not its wording.
fn go_regex(p: &str) -> Result<regex::Regex, crate::FuncError> {
    regex::Regex::new(&escape_literal_braces(p))
        .map_err(|e| err(format!("error parsing regexp: {e}")))
}

/// Go's `regexp.MustCompile`, whose panic names the pattern.
fn must_compile(p: &str) -> Result<regex::Regex, crate::FuncError> {
    go_regex(p).map_err(|e| {
        let quoted = if p.contains('`') || p.chars().any(|c| c.is_control() && c != '\t') {
            crate::fmt::quote(p)
        } else {
            format!("`{p}`")
        };
        err(format!("regexp: Compile({quoted}): {e}"))
    })
}

fn escape_literal_braces(p: &str) -> String {
    let chars: Vec<char> = p.chars().collect();
    let mut out = String::with_capacity(p.len());
    let (mut i, mut in_class, mut in_repeat) = (0, false, false);
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                out.push(c);
                if let Some(n) = chars.get(i + 1) {
                    out.push(*n);
                }
                i += 2;
                continue;
            }
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '{' if !in_class => {
                let rest: String = chars[i + 1..].iter().take_while(|c| **c != '}').collect();
                let closed = i + 1 + rest.len() < chars.len();
                let (lo, hi) = rest.split_once(',').unwrap_or((&rest, "0"));
                let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
                if closed && !lo.is_empty() && digits(lo) && digits(hi) {
                    in_repeat = true;
                } else {
                    out.push_str("\\{");
                    i += 1;
                    continue;
                }
            }
            '}' if !in_class => {
                if in_repeat {
                    in_repeat = false;
                } else {
                    out.push_str("\\}");
                    i += 1;
                    continue;
                }
            }
            _ => {}
        }
        out.push(c);
        i += 1;
    }
    out
}

pub(crate) fn register(r: &mut Reg) {
    r.add("default", &[Any], Some(Any), |a| {
        Ok(match a.get(1) {
            Some(g) if !empty(g) => g.clone(),
            _ => a[0].clone(),
        })
    });
    r.add("empty", &[Any], None, |a| ok(empty(&a[0])));
    r.add("coalesce", &[], Some(Any), |a| {
        Ok(a.into_iter().find(|v| !empty(v)).unwrap_or_default())
    });
    r.add("all", &[], Some(Any), |a| ok(a.iter().all(|v| !empty(v))));
    r.add("any", &[], Some(Any), |a| ok(a.iter().any(|v| !empty(v))));
    r.add("ternary", &[Any, Any, Bool], None, |a| {
        Ok(if a[2].is_true() {
            a[0].clone()
        } else {
            a[1].clone()
        })
    });
    r.add("typeOf", &[Any], None, |a| ok(a[0].type_name().to_string()));
    r.add("typeIs", &[Str, Any], None, |a| {
        ok(s(&a[0]) == a[1].type_name())
    });
    r.add("typeIsLike", &[Str, Any], None, |a| {
        let t = a[1].type_name();
        ok(s(&a[0]) == t || s(&a[0]) == format!("*{t}"))
    });
    r.add("kindOf", &[Any], None, |a| ok(a[0].kind_name()));
    r.add("kindIs", &[Str, Any], None, |a| {
        ok(s(&a[0]) == a[1].kind_name())
    });
    r.add("deepEqual", &[Any, Any], None, |a| {
        ok(deep_equal(&a[0], &a[1]))
    });
    r.add("toJson", &[Any], None, |a| ok(to_json(&a[0], false, None)));
    r.add("mustToJson", &[Any], None, |a| {
        ok(to_json(&a[0], false, None))
    });
    r.add("toRawJson", &[Any], None, |a| {
        ok(to_json(&a[0], true, None))
    });
    r.add("mustToRawJson", &[Any], None, |a| {
        ok(to_json(&a[0], true, None))
    });
    r.add("toPrettyJson", &[Any], None, |a| {
        ok(to_json(&a[0], false, Some("  ")))
    });
    r.add("mustToPrettyJson", &[Any], None, |a| {
        ok(to_json(&a[0], false, Some("  ")))
    });
    r.add("fromJson", &[Str], None, |a| {
        Ok(serde_json::from_str::<serde_json::Value>(s(&a[0]))
            .map(Value::from)
            .unwrap_or_default())
    });
    r.add("mustFromJson", &[Str], None, |a| {
        serde_json::from_str::<serde_json::Value>(s(&a[0]))
            .map(Value::from)
            .map_err(|e| err(e.to_string()))
    });
    r.add("b64enc", &[Str], None, |a| {
        ok(base64::engine::general_purpose::STANDARD.encode(s(&a[0])))
    });
    r.add("b64dec", &[Str], None, |a| {
        ok(match go_base64_decode(s(&a[0]).as_bytes()) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(at) => format!("illegal base64 data at input byte {at}"),
        })
    });
    r.add("b32enc", &[Str], None, |a| {
        ok(data_encoding::BASE32.encode(s(&a[0]).as_bytes()))
    });
    r.add("b32dec", &[Str], None, |a| {
        ok(match data_encoding::BASE32.decode(s(&a[0]).as_bytes()) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) => format!("illegal base32 data at input byte {}", e.position),
        })
    });
    r.add("sha1sum", &[Str], None, |a| {
        ok(hex(&sha1::Sha1::digest(s(&a[0]).as_bytes())))
    });
    r.add("sha256sum", &[Str], None, |a| {
        ok(hex(&sha2::Sha256::digest(s(&a[0]).as_bytes())))
    });
    r.add("sha512sum", &[Str], None, |a| {
        ok(hex(&sha2::Sha512::digest(s(&a[0]).as_bytes())))
    });
    r.add("adler32sum", &[Str], None, |a| {
        ok(adler32(s(&a[0]).as_bytes()).to_string())
    });
    // Regular expressions. The plain forms compile with Go's `MustCompile`
    // (a bad pattern is an error naming it) except `regexMatch`, which
    // treats a bad pattern as no match; the `must` forms return the error.
    r.add("regexMatch", &[Str, Str], None, |a| {
        ok(go_regex(s(&a[0])).is_ok_and(|re| re.is_match(s(&a[1]))))
    });
    r.add("mustRegexMatch", &[Str, Str], None, |a| {
        ok(go_regex(s(&a[0]))?.is_match(s(&a[1])))
    });
    r.add("regexFind", &[Str, Str], None, |a| {
        ok(must_compile(s(&a[0]))?
            .find(s(&a[1]))
            .map_or("", |m| m.as_str())
            .to_string())
    });
    r.add("mustRegexFind", &[Str, Str], None, |a| {
        ok(go_regex(s(&a[0]))?
            .find(s(&a[1]))
            .map_or("", |m| m.as_str())
            .to_string())
    });
    r.add("regexFindAll", &[Str, Str, Int], None, |a| {
        regex_find_all(must_compile(s(&a[0]))?, &a)
    });
    r.add("mustRegexFindAll", &[Str, Str, Int], None, |a| {
        regex_find_all(go_regex(s(&a[0]))?, &a)
    });
    r.add("regexReplaceAll", &[Str, Str, Str], None, |a| {
        ok(must_compile(s(&a[0]))?
            .replace_all(s(&a[1]), s(&a[2]))
            .into_owned())
    });
    r.add("mustRegexReplaceAll", &[Str, Str, Str], None, |a| {
        ok(go_regex(s(&a[0]))?
            .replace_all(s(&a[1]), s(&a[2]))
            .into_owned())
    });
    r.add("regexReplaceAllLiteral", &[Str, Str, Str], None, |a| {
        ok(must_compile(s(&a[0]))?
            .replace_all(s(&a[1]), regex::NoExpand(s(&a[2])))
            .into_owned())
    });
    r.add("mustRegexReplaceAllLiteral", &[Str, Str, Str], None, |a| {
        ok(go_regex(s(&a[0]))?
            .replace_all(s(&a[1]), regex::NoExpand(s(&a[2])))
            .into_owned())
    });
    r.add("regexSplit", &[Str, Str, Int], None, |a| {
        regex_split(must_compile(s(&a[0]))?, &a)
    });
    r.add("mustRegexSplit", &[Str, Str, Int], None, |a| {
        regex_split(go_regex(s(&a[0]))?, &a)
    });
    r.add("regexQuoteMeta", &[Str], None, |a| {
        ok(regex::escape(s(&a[0])))
    });
    // Paths (Go's `path`; `filepath` is the same on Linux).
    for (plain, os) in [
        ("base", "osBase"),
        ("dir", "osDir"),
        ("clean", "osClean"),
        ("ext", "osExt"),
        ("isAbs", "osIsAbs"),
    ] {
        let f: fn(Vec<Value>) -> Res = match plain {
            "base" => |a| ok(path_base(s(&a[0]))),
            "dir" => |a| ok(path_clean(&path_dir(s(&a[0])))),
            "clean" => |a| ok(path_clean(s(&a[0]))),
            "ext" => |a| ok(path_ext(s(&a[0]))),
            _ => |a| ok(s(&a[0]).starts_with('/')),
        };
        r.add(plain, &[Str], None, f);
        r.add(os, &[Str], None, f);
    }
    r.add("urlParse", &[Str], None, |a| url_parse(s(&a[0])));
    r.add("urlJoin", &[crate::Param::Map], None, |a| url_join(&a[0]));
    r.add("semver", &[Str], None, |a| {
        let v = super::semver::Version::parse(s(&a[0])).map_err(err)?;
        Ok(v.to_value())
    });
    r.add("semverCompare", &[Str, Str], None, |a| {
        let c = super::semver::Constraint::parse(s(&a[0])).map_err(err)?;
        let v = super::semver::Version::parse(s(&a[1])).map_err(err)?;
        ok(c.check(&v))
    });
}

fn regex_find_all(re: regex::Regex, a: &[Value]) -> Res {
    let n = super::conv::to_i64(&a[2]);
    let limit = if n < 0 { usize::MAX } else { n as usize };
    ok(re
        .find_iter(s(&a[1]))
        .take(limit)
        .map(|m| Value::from(m.as_str()))
        .collect::<Vec<_>>())
}

/// Go's `Regexp.Split`: at most `n` pieces (all when negative); an
/// empty match at the very start splits nothing off.
fn regex_split(re: regex::Regex, a: &[Value]) -> Res {
    let (text, n) = (s(&a[1]), super::conv::to_i64(&a[2]));
    if n == 0 {
        return ok(Vec::<Value>::new());
    }
    if !re.as_str().is_empty() && text.is_empty() {
        return ok(vec![Value::from("")]);
    }
    let mut parts = Vec::new();
    let (mut beg, mut end) = (0, 0);
    for m in re.find_iter(text) {
        if n > 0 && parts.len() as i64 == n - 1 {
            break;
        }
        end = m.start();
        if m.end() != 0 {
            parts.push(Value::from(&text[beg..end]));
        }
        beg = m.end();
    }
    if end != text.len() {
        parts.push(Value::from(&text[beg..]));
    }
    ok(parts)
}

/// Go's `base64.StdEncoding.DecodeString`: line breaks ignored, padding
/// required, and on failure the offset Go reports.
fn go_base64_decode(src: &[u8]) -> Result<Vec<u8>, usize> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let value = |c: u8| ALPHABET.iter().position(|a| *a == c).map(|p| p as u32);
    let newline = |c: u8| c == b'\n' || c == b'\r';
    let skip_newlines = |mut si: usize| {
        while si < src.len() && newline(src[si]) {
            si += 1;
        }
        si
    };
    let mut out = Vec::with_capacity(src.len() / 4 * 3);
    let mut si = 0;
    loop {
        let mut quantum = [0u32; 4];
        let mut j = 0;
        let mut padded = false;
        while j < 4 {
            if si == src.len() {
                if j == 0 {
                    return Ok(out);
                }
                return Err(si - j);
            }
            let c = src[si];
            si += 1;
            if newline(c) {
                continue;
            }
            if let Some(v) = value(c) {
                quantum[j] = v;
                j += 1;
                continue;
            }
            if c != b'=' || j < 2 {
                return Err(si - 1);
            }
            if j == 2 {
                si = skip_newlines(si);
                if si == src.len() {
                    return Err(src.len());
                }
                if src[si] != b'=' {
                    return Err(si - 1);
                }
                si += 1;
            }
            si = skip_newlines(si);
            if si < src.len() {
                return Err(si);
            }
            padded = true;
            break;
        }
        let n = (quantum[0] << 18) | (quantum[1] << 12) | (quantum[2] << 6) | quantum[3];
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..j - 1]);
        if padded {
            return Ok(out);
        }
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + x as u32) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

/// Go's `path.Clean`.
pub(crate) fn path_clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

fn path_base(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/".into();
    }
    t.rsplit('/').next().unwrap_or(t).to_string()
}

fn path_dir(p: &str) -> String {
    match p.rfind('/') {
        Some(i) => p[..=i].to_string(),
        None => String::new(),
    }
}

fn path_ext(p: &str) -> String {
    for (i, c) in p.char_indices().rev() {
        if c == '/' {
            break;
        }
        if c == '.' {
            return p[i..].to_string();
        }
    }
    String::new()
}

fn url_parse(u: &str) -> Res {
    let (rest, fragment) = u.split_once('#').unwrap_or((u, ""));
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (scheme, rest) = match rest.split_once(':') {
        Some((s, r))
            if !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            (s, r)
        }
        _ => ("", rest),
    };
    let (authority, path) = match rest.strip_prefix("//") {
        Some(r) => match r.find('/') {
            Some(i) => (&r[..i], &r[i..]),
            None => (r, ""),
        },
        None => ("", rest),
    };
    let (userinfo, host) = match authority.rsplit_once('@') {
        Some((u, h)) => (u, h),
        None => ("", authority),
    };
    let m = Map::new();
    m.insert("scheme", Value::from(scheme));
    m.insert("host", Value::from(host));
    m.insert(
        "hostname",
        Value::from(host.rsplit_once(':').map_or(host, |(h, _)| h)),
    );
    m.insert("path", Value::from(path));
    m.insert("query", Value::from(query));
    m.insert("opaque", Value::from(""));
    m.insert("fragment", Value::from(fragment));
    m.insert("userinfo", Value::from(userinfo));
    Ok(Value::Map(m))
}

fn url_join(d: &Value) -> Res {
    let Value::Map(m) = d else {
        return ok("");
    };
    let get = |k: &str| m.get(k).map(|v| strval(&v)).unwrap_or_default();
    let mut out = String::new();
    let scheme = get("scheme");
    if !scheme.is_empty() {
        out.push_str(&scheme);
        out.push(':');
    }
    let host = get("host");
    let user = get("userinfo");
    if !host.is_empty() || !user.is_empty() || !scheme.is_empty() {
        out.push_str("//");
        if !user.is_empty() {
            out.push_str(&user);
            out.push('@');
        }
        out.push_str(&host);
    }
    let path = get("path");
    if !path.is_empty() && !path.starts_with('/') && !host.is_empty() {
        out.push('/');
    }
    out.push_str(&path);
    let query = get("query");
    if !query.is_empty() {
        out.push('?');
        out.push_str(&query);
    }
    let fragment = get("fragment");
    if !fragment.is_empty() {
        out.push('#');
        out.push_str(&fragment);
    }
    ok(out)
}
