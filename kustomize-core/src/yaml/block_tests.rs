//! The block-subset scanner against the full parser: wherever the scanner
//! reads an input, its documents must be exactly the parser's.

use super::load::{load_block_subset, load_full};
use super::resolve::Schema;
use super::split;
use proptest::prelude::*;
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// Whether the scanner covers `src`; panics when its documents differ
/// from the full parser's.
fn agrees(src: &str, schema: Schema) -> bool {
    let Some(fast) = load_block_subset(src, schema, true) else {
        return false;
    };
    match load_full(Cow::Borrowed(src), schema, true) {
        Ok(full) => assert_eq!(fast, full, "the scanner and the parser differ on:\n{src}"),
        Err(e) => panic!("the scanner reads what the parser refuses ({e}):\n{src}"),
    }
    true
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

#[test]
fn the_scanner_reads_the_repository_and_shared_corpora_as_the_parser_does() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for dir in [
        "examples",
        "kustomize-core",
        "gitops-engine",
        "bins",
        "../shared",
    ] {
        yaml_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 100, "found only {} YAML files", files.len());
    let (mut pieces, mut covered) = (0, 0);
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let text = split::normalize_line_ends(&text);
        // As a kustomization file: one document, go-yaml v2.
        agrees(&text, Schema::V2);
        // As a resource file: kyaml's pieces, go-yaml v3.
        let Ok(split) = split::split_documents(&text) else {
            continue;
        };
        for piece in split {
            pieces += 1;
            covered += usize::from(agrees(piece.text, Schema::V3));
        }
    }
    // Manifests are nearly all in the subset; this catches a scanner that
    // silently stopped covering them (the slow path would still pass).
    assert!(
        covered * 10 >= pieces * 8,
        "the scanner covered only {covered} of {pieces} documents"
    );
}

#[test]
fn the_subset_reads_as_the_parser_reads_it() {
    for src in [
        "",
        "# only a comment\n",
        "---\n",
        "--- # start\na: 1\n",
        "a: 1\nb:\n  c: [] # empty\n  d: {}\ne:\n- x\n- y: 1\n  z:\n  - 2\nf: null\n",
        "- a\n-\n- - b\n",
        "a: b\n  c\n\n  d\ne: 'it''s\n\n  here'\n",
        "a: \"x\\ty\\u00e9 \\\n  z\"\nb: \"multi\n  line \"\n",
        "a: |\n  one\n\n   two\n\nb: |-\n  x\n\nc: |\n\nd: e\n",
        "k8s.io/name: value # comment\n\"quoted key\": 'v'\n? x\n",
        "a: b: c\n",
        "a:\n  - 1\n  -   x: y\n      z: w\n",
        "a: 'unterminated\n",
        "a: x\n b: y\n",
        "a: 1\na: 2\n",
        "- x\nb: 1\n",
        "a: |+\n  kept\n\n",
        "a: x[0], {y}\nb: -1\nc: --flag=v\n",
        "a: [x, \"y z\", 'w', 1, -1, true, ~, ]\n",
        "a: [x, \"y\", 'it''s', 80, -1, 0x1F, null, 1.5, yes]  # c\nb: [ ]\nc: [a b , c]\n",
        "a: [x,y]\nb: [-, x]\nc: [a: b]\nd: [[x]]\ne: [x, , y]\nf: [x\n  , y]\n",
        "- [a, b]\n- [\"q\"] x\n",
    ] {
        agrees(src, Schema::V3);
        agrees(src, Schema::V2);
    }
}

#[test]
fn the_scanner_covers_typical_manifests() {
    let manifest = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  \
                    labels:\n    app: web\nspec:\n  template:\n    spec:\n      containers:\n      \
                    - name: web\n        image: nginx:1.27\n        args:\n        - --port=80\n        \
                    resources: {}\n        command: [\"sh\"]\n";
    assert!(agrees(manifest, Schema::V3));
    // A flow mapping with content is left to the parser.
    let manifest = manifest.replace("resources: {}", "resources: {limits: {}}");
    assert!(!agrees(&manifest, Schema::V3));
}

/// Block-style lines with random indentation, keys, entries and values.
fn blockish() -> impl Strategy<Value = String> {
    let line = "( {0,5})(- )?([a-z]{1,2}|\"[a-z \\\\nt]{0,3}\"|'[a-z' ]{0,3}')?(:)?( )?([a-z0-9 #:.,\\[\\]{}-]{0,5}|\\||\\|-|\\{\\}|\\[\\]|'[a-z ]{0,3}|\"[a-z\\\\ ]{0,3})?( #c)?";
    prop::collection::vec(line, 1..12).prop_map(|lines| lines.join("\n") + "\n")
}

/// Writes random, mostly well-formed block YAML: nested mappings and
/// sequences in every layout the scanner reads (and a few it does not),
/// scalars of every style with the characters that change their meaning.
struct Writer {
    state: u64,
    out: String,
}

const WORDS: &[&str] = &[
    "a",
    "b c",
    "1",
    "0x1F",
    "1e3",
    "true",
    "yes",
    "~",
    "null",
    "-x",
    "x:y",
    "x#y",
    "é",
    "2024-01-01",
    "'",
    "\"",
    "\\",
    "[x]",
    "{y}",
    "x, y",
    "",
    ".5",
    "+1",
    "0o7",
    "<<",
    "a  b",
    "-",
    "?",
    "x ",
    "#",
];

impl Writer {
    fn below(&mut self, n: usize) -> usize {
        // xorshift64*
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        (self.state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    }

    fn word(&mut self) -> &'static str {
        WORDS[self.below(WORDS.len())]
    }

    fn spaces(&mut self, n: usize) {
        self.out.extend(std::iter::repeat_n(' ', n));
    }

    /// Blank and comment lines between entries, now and then.
    fn filler(&mut self, indent: usize) {
        match self.below(12) {
            0 => self.out.push('\n'),
            1 => {
                let n = indent + self.below(3);
                self.spaces(n);
                self.out.push_str("# note\n");
            }
            2 => self.out.push_str("   \n"),
            _ => {}
        }
    }

    /// A scalar after `key: ` or `- `, continued past column `indent`.
    fn scalar(&mut self, indent: usize) {
        let more = indent + 1 + self.below(3);
        match self.below(12) {
            0 | 1 => {
                let w = self.word();
                self.out.push_str(w);
            }
            2 => {
                let (a, b) = (self.word(), self.word());
                self.out.push_str(&format!("{a}x\n"));
                if self.below(3) == 0 {
                    self.out.push('\n');
                }
                self.spaces(more);
                self.out.push_str(&format!("y{b}"));
            }
            3 => {
                let w = self.word().replace('\'', "''");
                self.out.push_str(&format!("'{w}"));
                if self.below(2) == 0 {
                    self.out.push_str(" \n");
                    if self.below(3) == 0 {
                        self.out.push('\n');
                    }
                    self.spaces(more);
                    self.out.push_str("z ");
                }
                self.out.push('\'');
            }
            4 | 5 => {
                let w = self.word().replace('\\', "\\\\").replace('"', "\\\"");
                let escape = [
                    "",
                    "\\t",
                    "\\n",
                    "\\x41",
                    "\\u00e9",
                    "\\ ",
                    "\\/",
                    "\\U0001F600",
                    "\\q",
                ];
                let e = escape[self.below(escape.len())];
                self.out.push_str(&format!("\"{w}{e}"));
                match self.below(4) {
                    0 => {
                        self.out.push_str("\\\n");
                        self.spaces(more);
                        self.out.push_str("\\ x");
                    }
                    1 => {
                        self.out.push_str(" \n");
                        self.spaces(more);
                        self.out.push('y');
                    }
                    _ => {}
                }
                self.out.push('"');
            }
            6 | 7 => {
                let header = ["|", "|-", "|+", "|2", ">", "|-  # c"];
                let h = header[self.below(header.len())];
                self.out.push_str(h);
                self.out.push('\n');
                let lines = 1 + self.below(4);
                for _ in 0..lines {
                    match self.below(6) {
                        0 => self.out.push('\n'),
                        1 => {
                            self.spaces(more + 2);
                            self.out.push_str("deeper\n");
                        }
                        2 => {
                            self.spaces(more);
                            self.out.push_str("# not a comment\n");
                        }
                        _ => {
                            self.spaces(more);
                            let w = self.word();
                            self.out.push_str(&format!("text {w}\n"));
                        }
                    }
                }
                if self.below(3) == 0 {
                    let n = self.below(more + 3);
                    self.spaces(n);
                    self.out.push('\n');
                }
                return;
            }
            8 => {
                let other = ["{}", "[]", "{ }", "&x a", "*x", "!!str a"][self.below(6)];
                self.out.push_str(other);
            }
            9 => {
                self.out.push('[');
                for i in 0..self.below(4) {
                    if i > 0 {
                        let comma = [",", ", ", " ,"][self.below(3)];
                        self.out.push_str(comma);
                    }
                    let w = self.word();
                    match self.below(3) {
                        0 => self.out.push_str(&format!("'{}'", w.replace('\'', "''"))),
                        1 => self
                            .out
                            .push_str(&format!("\"{}\"", w.replace(['\\', '"'], ""))),
                        _ => self.out.push_str(w),
                    }
                }
                self.out.push(']');
            }
            _ => {}
        }
        if self.below(5) == 0 {
            self.out.push_str(" # c");
        }
        self.out.push('\n');
    }

    fn key(&mut self) {
        let k = match self.below(8) {
            0 => format!("'{}'", self.word().replace('\'', "''")),
            1 => format!("\"{}\"", self.word().replace(['\\', '"'], "")),
            2 => self.word().to_string(),
            n => format!("k{n}{}", self.below(3)),
        };
        self.out.push_str(&k);
        self.out.push(':');
    }

    /// A value after `key:` of a mapping at `indent`, or after `-` of a
    /// sequence at `indent`.
    fn value(&mut self, indent: usize, depth: usize) {
        if depth > 4 || self.below(3) != 0 {
            self.out.push(' ');
            return self.scalar(indent);
        }
        if self.below(5) == 0 {
            self.out.push_str(" # c");
        }
        self.out.push('\n');
        let nested = indent + 1 + self.below(3);
        match self.below(3) {
            0 => self.mapping(nested, depth + 1),
            1 => self.sequence(nested, depth + 1),
            _ => self.sequence(indent, depth + 1),
        }
    }

    fn mapping(&mut self, indent: usize, depth: usize) {
        for _ in 0..1 + self.below(4) {
            self.filler(indent);
            self.spaces(indent);
            self.key();
            self.value(indent, depth);
        }
    }

    fn sequence(&mut self, indent: usize, depth: usize) {
        for _ in 0..1 + self.below(4) {
            self.filler(indent);
            self.spaces(indent);
            self.out.push('-');
            if depth < 4 && self.below(3) == 0 {
                // A mapping starting on the entry's line.
                let column = indent + 2 + self.below(2);
                self.spaces(column - indent - 1);
                self.key();
                self.value(column, depth + 1);
                for _ in 0..self.below(3) {
                    self.spaces(column);
                    self.key();
                    self.value(column, depth + 1);
                }
            } else {
                self.value(indent, depth);
            }
        }
    }

    fn document(seed: u64) -> String {
        let mut w = Writer {
            state: seed | 1,
            out: String::new(),
        };
        if w.below(4) == 0 {
            w.out.push_str("---\n");
        }
        let indent = usize::from(w.below(8) == 0);
        if w.below(3) == 0 {
            w.sequence(indent, 0);
        } else {
            w.mapping(indent, 0);
        }
        w.out
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]
    #[test]
    fn scanner_agrees_with_the_parser_on_random_block_yaml(src in blockish()) {
        agrees(&src, Schema::V3);
        agrees(&src, Schema::V2);
    }

    #[test]
    fn scanner_agrees_with_the_parser_on_generated_documents(seed in any::<u64>()) {
        let src = Writer::document(seed);
        agrees(&src, Schema::V3);
        agrees(&src, Schema::V2);
    }
}

#[test]
fn generated_documents_are_mostly_covered() {
    // A generator whose output the scanner never reads would test nothing.
    let covered = (0..2000u64)
        .filter(|&seed| {
            agrees(
                &Writer::document(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15)),
                Schema::V3,
            )
        })
        .count();
    assert!(
        covered >= 200,
        "the scanner covered {covered} of 2000 generated documents"
    );
}
