//! Reads the key-value pairs of one generator entry as kustomize reads them:
//! env files first, then literals, then files; a key may appear only once.
//!
//! Kustomize does not validate keys (its field validator accepts anything),
//! so neither does this: `a b`, `k/x` and `export X` are all keys.

use std::collections::BTreeMap;

use super::args::GeneratorArgs;
use super::error::{GeneratorError, GeneratorRef};
use crate::fs::Loader;

/// Go's `bufio.Scanner` gives up, silently as kustomize uses it, on a line of
/// this many bytes or more; the rest of the env file is ignored.
const MAX_ENV_LINE: usize = 64 * 1024;

/// The keys and raw values of one entry, sorted by key.
pub(crate) type DataMap = BTreeMap<String, Vec<u8>>;

/// Reads every source of `args` and checks that no key repeats.
pub(crate) fn load_data(
    args: &GeneratorArgs,
    generator: &GeneratorRef,
    loader: &Loader,
) -> Result<DataMap, GeneratorError> {
    let mut pairs = Vec::new();
    for path in args.env_sources() {
        let content = read(loader, path, "envs", generator)?;
        parse_env_file(&content, path, generator, &mut pairs)?;
    }
    for literal in &args.literals {
        let (key, value) =
            parse_literal(literal).ok_or_else(|| GeneratorError::InvalidLiteral {
                generator: generator.clone(),
                text: literal.clone(),
            })?;
        pairs.push((key.to_owned(), value.as_bytes().to_vec()));
    }
    for source in &args.files {
        let (key, path) =
            parse_file_source(source).map_err(|problem| GeneratorError::InvalidFileSource {
                generator: generator.clone(),
                text: source.clone(),
                problem,
            })?;
        pairs.push((key, read(loader, path, "files", generator)?));
    }
    let mut data = DataMap::new();
    for (key, value) in pairs {
        if data.contains_key(&key) {
            return Err(GeneratorError::DuplicateKey {
                generator: generator.clone(),
                key,
            });
        }
        data.insert(key, value);
    }
    Ok(data)
}

fn read(
    loader: &Loader,
    path: &str,
    field: &'static str,
    generator: &GeneratorRef,
) -> Result<Vec<u8>, GeneratorError> {
    loader
        .read_file(path)
        .map_err(|error| GeneratorError::Load {
            generator: generator.clone(),
            field,
            error,
        })
}

/// `key=value`: the key is everything before the first `=` and must not be
/// empty; one pair of matching surrounding quotes is removed from the value.
fn parse_literal(source: &str) -> Option<(&str, &str)> {
    let (key, value) = source.split_once('=')?;
    if key.is_empty() {
        return None;
    }
    Some((key, remove_quotes(value)))
}

/// Removes the first and last character if both are the same quote (`"` or `'`).
fn remove_quotes(s: &str) -> &str {
    let b = s.as_bytes();
    if b.len() >= 2 && b[0] == b[b.len() - 1] && (b[0] == b'"' || b[0] == b'\'') {
        &s[1..s.len() - 1]
    } else {
        s
    }
}

/// `path` (the key is the path's base name) or `key=path`.
fn parse_file_source(source: &str) -> Result<(String, &str), &'static str> {
    match source.matches('=').count() {
        0 => Ok((base_name(source).to_owned(), source)),
        1 if source.starts_with('=') => Err("missing key name before '='"),
        1 if source.ends_with('=') => Err("missing file path after '='"),
        1 => {
            let (key, path) = source.split_once('=').unwrap_or_default();
            Ok((key.to_owned(), path))
        }
        _ => Err("the key name or file path contains '='"),
    }
}

/// The last element of a slash-separated path, as Go's `path.Base`.
fn base_name(path: &str) -> &str {
    if path.is_empty() {
        return ".";
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/";
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed)
}

/// Parses an env file: one `KEY=value` per line (a line without `=` gives an
/// empty value); leading white space is ignored, blank lines and lines
/// starting with `#` are skipped, a line with an empty key is skipped, the
/// value is kept verbatim (no quote removal, no trimming, no `export`
/// handling).
fn parse_env_file(
    content: &[u8],
    path: &str,
    generator: &GeneratorRef,
    pairs: &mut Vec<(String, Vec<u8>)>,
) -> Result<(), GeneratorError> {
    for (index, raw) in scan_lines(content).enumerate() {
        if raw.len() >= MAX_ENV_LINE {
            break;
        }
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        let line = std::str::from_utf8(line).map_err(|_| GeneratorError::EnvLineNotUtf8 {
            generator: generator.clone(),
            path: path.to_owned(),
            line: index + 1,
        })?;
        let line = if index == 0 {
            line.strip_prefix('\u{feff}').unwrap_or(line)
        } else {
            line
        };
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line.split_once('=').unwrap_or((line, ""));
        if !key.is_empty() {
            pairs.push((key.to_owned(), value.as_bytes().to_vec()));
        }
    }
    Ok(())
}

/// Splits at `\n`; a final piece without `\n` is a line only if non-empty.
fn scan_lines(content: &[u8]) -> impl Iterator<Item = &[u8]> {
    let body = content.strip_suffix(b"\n").unwrap_or(content);
    let lines = (!content.is_empty()).then(|| body.split(|&b| b == b'\n'));
    lines.into_iter().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::{LoadRestrictor, MemFs};
    use crate::generators::error::GeneratorKind;
    use std::path::PathBuf;
    use std::sync::Arc;

    fn generator() -> GeneratorRef {
        GeneratorRef {
            kind: GeneratorKind::ConfigMap,
            name: "g".into(),
        }
    }

    fn loader(files: &[(&str, &[u8])]) -> Loader {
        let mut fs = MemFs::new();
        for (path, content) in files {
            fs.add_file(path, content);
        }
        Loader::new(
            Arc::new(fs),
            PathBuf::from("/app"),
            LoadRestrictor::RootOnly,
        )
    }

    fn env(content: &[u8]) -> Result<Vec<(String, String)>, GeneratorError> {
        let mut pairs = Vec::new();
        parse_env_file(content, "x.env", &generator(), &mut pairs)?;
        Ok(pairs
            .into_iter()
            .map(|(k, v)| (k, String::from_utf8(v).unwrap()))
            .collect())
    }

    fn kv(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn literals() {
        assert_eq!(parse_literal("a=b=c"), Some(("a", "b=c")));
        assert_eq!(parse_literal("a=\"q\""), Some(("a", "q")));
        assert_eq!(parse_literal("a='q'"), Some(("a", "q")));
        assert_eq!(parse_literal("a='q\""), Some(("a", "'q\"")));
        assert_eq!(parse_literal("a=\""), Some(("a", "\"")));
        assert_eq!(parse_literal("a="), Some(("a", "")));
        assert_eq!(parse_literal("=b"), None);
        assert_eq!(parse_literal("ab"), None);
    }

    #[test]
    fn file_sources() {
        assert_eq!(
            parse_file_source("dir/f.txt"),
            Ok(("f.txt".into(), "dir/f.txt"))
        );
        assert_eq!(
            parse_file_source("k=dir/f.txt"),
            Ok(("k".into(), "dir/f.txt"))
        );
        assert_eq!(parse_file_source("dir/"), Ok(("dir".into(), "dir/")));
        assert!(parse_file_source("=f").is_err());
        assert!(parse_file_source("k=").is_err());
        assert!(parse_file_source("k=f=g").is_err());
        assert_eq!(base_name(""), ".");
        assert_eq!(base_name("//"), "/");
    }

    #[test]
    fn env_files() {
        let got =
            env(b"\xef\xbb\xbfA=1\n  # c\n\n\tB = x \r\nNOEQ\n=skipped\nexport C=\"q\"\nD=a=b")
                .unwrap();
        let want = kv(&[
            ("A", "1"),
            ("B ", " x "),
            ("NOEQ", ""),
            ("export C", "\"q\""),
            ("D", "a=b"),
        ]);
        assert_eq!(got, want);
        // A BOM is removed from the first line only.
        assert_eq!(env(b"A=1\n\xef\xbb\xbfB=2").unwrap()[1].0, "\u{feff}B");
        assert!(env(b"").unwrap().is_empty());
    }

    #[test]
    fn env_file_stops_at_a_64k_line() {
        let mut content = b"A=1\nB=".to_vec();
        content.extend(std::iter::repeat_n(b'x', MAX_ENV_LINE - 3));
        content.extend(b"\nC=3\n");
        let keys: Vec<_> = env(&content).unwrap().into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["A", "B", "C"]);
        content.insert(5, b'x');
        let keys: Vec<_> = env(&content).unwrap().into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["A"]);
    }

    #[test]
    fn env_line_not_utf8_names_file_and_line() {
        let err = env(b"A=1\n\xff=2\n").unwrap_err();
        assert!(
            matches!(err, GeneratorError::EnvLineNotUtf8 { line: 2, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("x.env: line 2"), "{err}");
    }

    #[test]
    fn sources_in_kustomize_order() {
        let l = loader(&[("/app/e.env", b"E=1\n"), ("/app/d/f.txt", b"F")]);
        let args = GeneratorArgs {
            literals: vec!["L=2".into()],
            files: vec!["d/f.txt".into(), "k=d/f.txt".into()],
            envs: vec!["e.env".into()],
            ..Default::default()
        };
        let data = load_data(&args, &generator(), &l).unwrap();
        let keys: Vec<_> = data.keys().map(String::as_str).collect();
        assert_eq!(keys, ["E", "L", "f.txt", "k"]);
        assert_eq!(data["k"], b"F");
    }

    #[test]
    fn duplicate_key_across_sources() {
        let l = loader(&[("/app/e.env", b"A=1\n")]);
        let args = GeneratorArgs {
            literals: vec!["A=2".into()],
            envs: vec!["e.env".into()],
            ..Default::default()
        };
        let err = load_data(&args, &generator(), &l).unwrap_err();
        assert!(
            matches!(&err, GeneratorError::DuplicateKey { key, .. } if key == "A"),
            "{err}"
        );
    }

    #[test]
    fn bad_literal_and_file_errors() {
        let l = loader(&[("/other/f", b"x")]);
        let bad = |args: GeneratorArgs| load_data(&args, &generator(), &l).unwrap_err();
        let err = bad(GeneratorArgs {
            literals: vec!["novalue".into()],
            ..Default::default()
        });
        assert!(
            matches!(err, GeneratorError::InvalidLiteral { .. }),
            "{err}"
        );
        assert!(err.to_string().contains("\"novalue\""), "{err}");
        let err = bad(GeneratorArgs {
            files: vec!["missing".into()],
            ..Default::default()
        });
        assert!(
            matches!(err, GeneratorError::Load { field: "files", .. }),
            "{err}"
        );
        let err = bad(GeneratorArgs {
            files: vec!["../other/f".into()],
            ..Default::default()
        });
        assert!(
            matches!(
                err,
                GeneratorError::Load {
                    error: crate::fs::LoadError::OutsideRoot { .. },
                    ..
                }
            ),
            "{err}"
        );
        let err = bad(GeneratorArgs {
            envs: vec!["/other/f".into()],
            ..Default::default()
        });
        assert!(
            matches!(err, GeneratorError::Load { field: "envs", .. }),
            "{err}"
        );
        let err = bad(GeneratorArgs {
            files: vec!["a=b=c".into()],
            ..Default::default()
        });
        assert!(
            matches!(err, GeneratorError::InvalidFileSource { .. }),
            "{err}"
        );
    }

    proptest::proptest! {
        #[test]
        fn env_parsing_never_panics(content in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = env(&content);
        }

        #[test]
        fn literal_round_trip(key in "[^=]+", value in "[^\"']*") {
            let literal = format!("{key}={value}");
            proptest::prop_assert_eq!(parse_literal(&literal), Some((key.as_str(), value.as_str())));
        }
    }
}
