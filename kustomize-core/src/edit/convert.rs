//! `kustomize edit fix --vars`: `vars` become `replacements`, as kustomize
//! 5.5's `ConvertVarsToReplacements` (`kustomize/commands/edit/fix/convert.go`)
//! converts them.
//!
//! The files kustomize scans are the kustomization's `resources` and the
//! `path` of its `patches`; a resource that is a directory holding a
//! kustomization adds that kustomization's `resources` and `patches`
//! (recursively). Each var becomes one replacement: its source is the var's
//! `objref` (`apiVersion`, `kind`, `name`, `namespace`; an objref's
//! `group`/`version` fields are dropped, as kustomize drops them) and
//! `fieldref.fieldPath`; every scalar value of those files containing
//! `$(NAME)` becomes one target (its path, a delimiter and index when the
//! var is part of the value), selecting the object it is in, or what the
//! patch selects when the file is a patch. Then `$(NAME)` becomes
//! `NAME_PLACEHOLDER` in the text of every scanned file.
//!
//! Kept from kustomize, quirks included: a nested kustomization's
//! directories are looked up relative to the top kustomization's directory
//! (not its own), as are its kustomization files; its `bases` and
//! `patchesStrategicMerge` are not scanned; a file that cannot be read or
//! parsed is skipped; a file listed twice is scanned twice.
//!
//! Differences: nothing is written when any var fails to convert
//! (kustomize has already rewritten the files of the vars before it);
//! existing `replacements` are kept, the new ones appended (kustomize drops
//! them); kustomizations that include each other are an error (kustomize
//! recurses without end); a var name that holds its own delimiter is
//! reported as such (kustomize calls it an internal error); a quoted map
//! key in a path is written as it is in the file (kustomize re-quotes it
//! with go-yaml); a nested kustomization is read as a build reads it, so an
//! unknown field in it is an error (kustomize's scan ignores it, its build
//! does not); an explicit `kind: ~` selects an empty kind (kyaml keeps `~`).

use super::EditError;
use super::fields::New;
use super::fix::move_items;
use super::tree::{self, Kind, Node};
use crate::fs::{FileSystem, normalize};
use crate::kustomization::{FILE_NAMES, Kustomization, Patch};
use crate::resource::Gvk;
use crate::selector::Selector;
use crate::vars::Var;
use crate::yaml::split;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What `kustomize edit fix --vars` writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvertedVars {
    /// The kustomization's new text.
    pub kustomization: String,
    /// The scanned files whose text changed (`$(NAME)` became
    /// `NAME_PLACEHOLDER`): their path relative to the kustomization's
    /// directory, as kustomize joins it, and their new bytes.
    pub files: Vec<(String, Vec<u8>)>,
}

/// How many nested kustomizations the scan reads at most (kustomize has no
/// bound, and kustomizations that include each other make it recurse
/// without end).
const MAX_KUSTOMIZATIONS: usize = 1000;
/// How deep kustomizations may nest in the scan.
const MAX_NESTING: usize = 50;

/// Converts the `vars` of `text` (a kustomization already fixed by
/// [`super::fix`], in the directory `dir` of `fs`) to `replacements`, as
/// `kustomize edit fix --vars` does: `vars` becomes a `replacements` list
/// where it stands (or its entries are appended to an existing one), and
/// the scanned resource and patch files get placeholders. Text without
/// `vars` (or with a null one) comes back unchanged, with no files.
pub fn convert_vars(
    text: &str,
    fs: &dyn FileSystem,
    dir: &Path,
) -> Result<ConvertedVars, EditError> {
    let k = parse_kustomization(text.as_bytes(), "kustomization")?;
    let Some(vars) = &k.vars else {
        return Ok(ConvertedVars {
            kustomization: text.to_owned(),
            files: Vec::new(),
        });
    };
    let vars = vars
        .iter()
        .enumerate()
        .map(|(i, v)| {
            Var::from_value(v).map_err(|e| EditError::Invalid {
                path: "kustomization".into(),
                message: format!("kustomization: vars[{i}]: {e}"),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut scan = Scan {
        fs,
        dir,
        files: Vec::new(),
        patches: HashMap::new(),
        read: 0,
    };
    scan.touched(&k, "", 0)?;
    let mut texts = Texts {
        fs,
        dir,
        now: HashMap::new(),
        original: Vec::new(),
    };
    let mut replacements = Vec::new();
    for var in &vars {
        let usage = format!("$({})", var.name);
        let mut targets = Vec::new();
        for file in &scan.files {
            let Some(nodes) = texts.get(file).and_then(resource_nodes) else {
                continue;
            };
            for (text, node) in nodes
                .iter()
                .flat_map(|(t, ns)| ns.iter().map(move |n| (t, n)))
            {
                let found =
                    find_usages(text, node, &usage).map_err(|reason| EditError::VarUsage {
                        file: file.clone(),
                        reason,
                    })?;
                let patch = scan
                    .patches
                    .get(file)
                    .filter(|p| !(p.allow_name && p.allow_kind));
                let select = match patch {
                    Some(p) => p.select_for(node),
                    None => object_selector(node),
                };
                targets.extend(
                    found
                        .into_iter()
                        .map(|(path, options)| target(path, options, &select)),
                );
            }
        }
        replacements.push(replacement(var, targets));
        texts.replace_all(&scan.files, &usage, &format!("{}_PLACEHOLDER", var.name));
    }
    let kustomization = move_items(text, &[], "vars", "replacements", replacements)?;
    Ok(ConvertedVars {
        kustomization,
        files: texts.changed(),
    })
}

/// Parses a kustomization kustomize reads, naming it `path` in errors.
fn parse_kustomization(bytes: &[u8], path: &str) -> Result<Kustomization, EditError> {
    Kustomization::parse(bytes, Path::new(path)).map_err(|e| EditError::Invalid {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

/// A `patches` entry's target and options, for the vars used in its file.
struct PatchTarget {
    select: Selector,
    allow_name: bool,
    allow_kind: bool,
}

impl PatchTarget {
    fn new(patch: &Patch, path: &str) -> Result<Self, EditError> {
        let select = match &patch.target {
            Some(t) => serde_json::from_value(t.clone()).map_err(|e| EditError::Invalid {
                path: path.to_owned(),
                message: format!("{path}: patches target: {e}"),
            })?,
            None => Selector::default(),
        };
        let option = |name: &str| patch.options.get(name).copied().unwrap_or(false);
        Ok(PatchTarget {
            select,
            allow_name: option("allowNameChange"),
            allow_kind: option("allowKindChange"),
        })
    }

    /// The patch's target, with the name and kind of `node` when the patch
    /// may change them, and its namespace when it has one.
    fn select_for(&self, node: &Node) -> Selector {
        let mut select = self.select.clone();
        if self.allow_name {
            select.name = meta_string(node, "name");
        }
        if self.allow_kind {
            select.kind = kind(node);
        }
        let namespace = meta_string(node, "namespace");
        if !namespace.is_empty() {
            select.namespace = namespace;
        }
        select
    }
}

/// The files kustomize scans for vars, in its order, and the patches among them.
struct Scan<'a> {
    fs: &'a dyn FileSystem,
    dir: &'a Path,
    files: Vec<String>,
    patches: HashMap<String, PatchTarget>,
    read: usize,
}

impl Scan<'_> {
    /// kustomize's `filesTouchedByKustomize`: `k`'s resources (after the
    /// files of a directory's kustomization) and patch files, joined to
    /// `base`.
    fn touched(&mut self, k: &Kustomization, base: &str, depth: usize) -> Result<(), EditError> {
        for r in &k.resources {
            // As kustomize, the directory is looked up from the top.
            let entries = self.fs.read_dir(&normalize(self.dir, Path::new(r)));
            for entry in entries.unwrap_or_default() {
                let Some(name) = entry.file_name().and_then(|n| n.to_str()) else {
                    continue;
                };
                if !FILE_NAMES.contains(&name) {
                    continue;
                }
                let path = go_join(r, name);
                let Ok(bytes) = self.fs.read(&normalize(self.dir, Path::new(&path))) else {
                    continue;
                };
                self.read += 1;
                if depth >= MAX_NESTING || self.read > MAX_KUSTOMIZATIONS {
                    return Err(EditError::Invalid {
                        message: format!(
                            "{path}: kustomizations include each other (or there are too many)"
                        ),
                        path,
                    });
                }
                let sub = parse_kustomization(&bytes, &path)?;
                self.touched(&sub, r, depth + 1)?;
            }
            self.files.push(go_join(base, r));
        }
        for p in k.patches.iter().filter(|p| !p.path.is_empty()) {
            let path = go_join(base, &p.path);
            let target = PatchTarget::new(p, &path)?;
            self.files.push(path.clone());
            self.patches.insert(path, target);
        }
        Ok(())
    }
}

/// The scanned files' texts as the conversion changes them.
struct Texts<'a> {
    fs: &'a dyn FileSystem,
    dir: &'a Path,
    /// Current bytes by full path; `None` when the file cannot be read.
    now: HashMap<PathBuf, Option<Vec<u8>>>,
    /// Paths first read, as named, with their full path and first bytes.
    original: Vec<(String, PathBuf, Vec<u8>)>,
}

impl Texts<'_> {
    fn get(&mut self, file: &str) -> Option<&[u8]> {
        let full = normalize(self.dir, Path::new(file));
        if !self.now.contains_key(&full) {
            let bytes = self.fs.read(&full).ok();
            if let Some(b) = &bytes {
                self.original
                    .push((file.to_owned(), full.clone(), b.clone()));
            }
            self.now.insert(full.clone(), bytes);
        }
        self.now.get(&full).and_then(|b| b.as_deref())
    }

    /// `from` becomes `to` in every readable file of `files`.
    fn replace_all(&mut self, files: &[String], from: &str, to: &str) {
        for file in files {
            if let Some(bytes) = self.get(file) {
                let new = replace_bytes(bytes, from.as_bytes(), to.as_bytes());
                self.now
                    .insert(normalize(self.dir, Path::new(file)), Some(new));
            }
        }
    }

    /// The files whose bytes changed, in the order they were first read.
    fn changed(self) -> Vec<(String, Vec<u8>)> {
        let mut now = self.now;
        self.original
            .into_iter()
            .filter_map(|(name, full, first)| {
                let bytes = now.remove(&full).flatten()?;
                (bytes != first).then_some((name, bytes))
            })
            .collect()
    }
}

/// `bytes` with every `from` replaced by `to` (Go's `strings.ReplaceAll`;
/// `from` is never empty here).
fn replace_bytes(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// Go's `path.Join(base, rel)`: joined with `/` and cleaned; "" when both are.
fn go_join(base: &str, rel: &str) -> String {
    let joined = match (base.is_empty(), rel.is_empty()) {
        (true, true) => return String::new(),
        (true, false) => rel.to_owned(),
        (false, true) => base.to_owned(),
        (false, false) => format!("{base}/{rel}"),
    };
    go_clean(&joined)
}

/// Go's `path.Clean`.
fn go_clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&p) if p != ".." => {
                    parts.pop();
                }
                _ if rooted => {}
                _ => parts.push(".."),
            },
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// The documents of a resource file as kyaml's `ByteReader` reads them
/// (line ends normalised, cut at `---` lines, empty and null documents
/// skipped, the `items` of a lone `List` unwrapped), each piece's text with
/// its nodes; `None` when it is not UTF-8 or a piece does not parse.
fn resource_nodes(bytes: &[u8]) -> Option<Vec<(String, Vec<Node>)>> {
    let src = std::str::from_utf8(bytes).ok()?;
    let src = split::normalize_line_ends(src);
    let pieces = split::split_documents(&src).ok()?;
    let lone = pieces.len() == 1;
    let mut out = Vec::new();
    for piece in &pieces {
        let Some(root) = tree::parse(piece.text).ok()? else {
            continue;
        };
        if root.is_null() {
            continue;
        }
        let text = piece.text.to_owned();
        let list =
            lone && matches!(
                scalar_field(&root, "kind").as_deref(),
                Some("List" | "ResourceList")
            ) && (first_field(&root, "items").is_some()
                || first_field(&root, "functionConfig").is_some());
        if !list {
            out.push((text, vec![root]));
            continue;
        }
        let Kind::Map { pairs, .. } = root.kind else {
            continue;
        };
        let items = pairs
            .into_iter()
            .find(|(k, _)| k.scalar() == Some("items"))
            .map(|(_, v)| match v.kind {
                Kind::Seq { items, .. } => items,
                Kind::Map { pairs, .. } => pairs.into_iter().flat_map(|(k, v)| [k, v]).collect(),
                _ => Vec::new(),
            })
            .unwrap_or_default();
        out.push((text, items));
    }
    Some(out)
}

/// The value of the first field `key` of a mapping (kyaml's lookup).
fn first_field<'n>(node: &'n Node, key: &str) -> Option<&'n Node> {
    match &node.kind {
        Kind::Map { pairs, .. } => pairs
            .iter()
            .find(|(k, _)| k.scalar() == Some(key))
            .map(|(_, v)| v),
        _ => None,
    }
}

/// The first field `key` when it is a non-null scalar (kyaml's `GetValue`
/// of a field that is not empty).
fn scalar_field(node: &Node, key: &str) -> Option<String> {
    first_field(node, key)
        .filter(|v| !v.is_null())
        .and_then(Node::scalar)
        .map(str::to_owned)
}

/// kyaml's `GetKind`: the first `kind` field when a scalar (a null one
/// is empty here; kyaml keeps an explicit `~` or `null` as written).
fn kind(node: &Node) -> String {
    scalar_field(node, "kind").unwrap_or_default()
}

/// kyaml's `GetName`/`GetNamespace`: `metadata.<key>` when a non-null scalar.
fn meta_string(node: &Node, key: &str) -> String {
    first_field(node, "metadata")
        .and_then(|m| scalar_field(m, key))
        .unwrap_or_default()
}

/// The object `node` as a replacement's `select`: its kind, name,
/// namespace, and group and version from its `apiVersion`.
fn object_selector(node: &Node) -> Selector {
    let api_version = scalar_field(node, "apiVersion").unwrap_or_default();
    let Gvk { group, version, .. } = Gvk::from_api_version(&api_version, "");
    Selector {
        group,
        version,
        kind: kind(node),
        name: meta_string(node, "name"),
        namespace: meta_string(node, "namespace"),
        ..Selector::default()
    }
}

/// A target's delimiter and index.
type Options = Option<(char, usize)>;

/// kustomize's `findVarName`: the path of every scalar under `node` that
/// contains `usage`, with its options; in document order, aliases not
/// followed. The error is why a usage cannot be converted.
fn find_usages(text: &str, node: &Node, usage: &str) -> Result<Vec<(String, Options)>, String> {
    let mut found = Vec::new();
    let mut stack: Vec<(&Node, Vec<String>)> = vec![(node, Vec::new())];
    while let Some((node, path)) = stack.pop() {
        match &node.kind {
            Kind::Seq { items, .. } => {
                for (i, item) in items.iter().enumerate().rev() {
                    stack.push((item, extended(&path, i.to_string())));
                }
            }
            Kind::Map { pairs, .. } => {
                for (k, v) in pairs.iter().rev() {
                    let key = match &k.kind {
                        Kind::Scalar(value, saphyr_parser::ScalarStyle::Plain) => value.trim(),
                        _ => text[k.start..k.end].trim(),
                    };
                    let key = if key.contains('.') {
                        format!("[{key}]")
                    } else {
                        key.to_owned()
                    };
                    stack.push((v, extended(&path, key)));
                }
            }
            Kind::Scalar(value, _) if value.contains(usage) => {
                found.push((path.join("."), field_options(value, usage)?));
            }
            Kind::Scalar(..) | Kind::Alias => {}
        }
    }
    Ok(found)
}

fn extended(path: &[String], step: String) -> Vec<String> {
    let mut path = path.to_vec();
    path.push(step);
    path
}

/// kustomize's `constructFieldOptions`: none when the value is the usage;
/// else the character next to the (first) usage is the delimiter, and the
/// index is where the usage falls among the parts. Bytes are indexed as Go
/// indexes them, and a byte becomes a character as Go's `string(byte)` does.
fn field_options(value: &str, usage: &str) -> Result<Options, String> {
    if value == usage {
        return Ok(None);
    }
    let bytes = value.as_bytes();
    let Some(i) = value.find(usage) else {
        return Ok(None);
    };
    let after = i + usage.len();
    let parts = |d: char| value.split(d).collect::<Vec<_>>();
    if i == 0 {
        return Ok(Some((char::from(bytes[after]), 0)));
    }
    let pre = char::from(bytes[i - 1]);
    if after >= bytes.len() {
        return Ok(Some((pre, parts(pre).len() - 1)));
    }
    if pre != char::from(bytes[after]) {
        return Err(format!(
            "cannot convert all vars to replacements; {usage} is not delimited"
        ));
    }
    match parts(pre).iter().position(|p| *p == usage) {
        Some(index) => Ok(Some((pre, index))),
        None => Err(format!(
            "cannot convert all vars to replacements; {usage} holds its delimiter {pre:?}"
        )),
    }
}

/// String fields, given in the order kustomize writes them (sorted), the
/// empty ones left out.
fn present<'a>(fields: impl IntoIterator<Item = (&'a str, &'a String)>) -> Vec<(String, New)> {
    fields
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.to_owned(), New::Str(v.clone())))
        .collect()
}

/// A selector's fields as kustomize writes them.
fn selector_fields(s: &Selector) -> Vec<(String, New)> {
    present([
        ("annotationSelector", &s.annotation_selector),
        ("group", &s.group),
        ("kind", &s.kind),
        ("labelSelector", &s.label_selector),
        ("name", &s.name),
        ("namespace", &s.namespace),
        ("version", &s.version),
    ])
}

/// One replacement target, as kustomize writes it.
fn target(path: String, options: Options, select: &Selector) -> New {
    let mut fields = vec![("fieldPaths".to_owned(), New::List(vec![New::Str(path)]))];
    if let Some((delimiter, index)) = options {
        let mut options = vec![("delimiter".to_owned(), New::Str(delimiter.to_string()))];
        if index != 0 {
            options.push(("index".to_owned(), New::Raw(index.to_string())));
        }
        fields.push(("options".to_owned(), New::Map(options)));
    }
    fields.push(("select".to_owned(), New::Map(selector_fields(select))));
    New::Map(fields)
}

/// The replacement of `var`: its source from the objref (kustomize reads
/// only `apiVersion` of the group and version) and field, and `targets`.
fn replacement(var: &Var, targets: Vec<New>) -> New {
    let o = &var.objref;
    let Gvk { group, version, .. } = Gvk::from_api_version(&o.api_version, "");
    let source = present([
        ("fieldPath", &var.field_path),
        ("group", &group),
        ("kind", &o.gvk.kind),
        ("name", &o.name),
        ("namespace", &o.namespace),
        ("version", &version),
    ]);
    let mut fields = vec![("source".to_owned(), New::Map(source))];
    if !targets.is_empty() {
        fields.push(("targets".to_owned(), New::List(targets)));
    }
    New::Map(fields)
}
