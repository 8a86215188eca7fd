//! `kustomize edit add|set|remove` on a kustomization's text: what each
//! command checks, its error texts and what it changes, ported from
//! kustomize 5's `kustomize/commands/edit/{add,set,remove}` and their tests;
//! the text is changed with the minimal-diff edits of `fields`.
//!
//! Reading the file, globbing paths and checking that they exist are the
//! caller's part (kustomize-core does no I/O here). kustomize's own
//! validators of label, annotation and namespace values are no-ops in the
//! `kustomize` binary, so none are applied here either; `set annotation`'s
//! key check is.

use super::EditError;
use super::fields::{self, New, Step};
use super::tree::{Kind, Node};

/// An edited text and the notes kustomize logs on the way (an entry that
/// was already there, a patch that was not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edited {
    /// The new text (the old one when nothing changed).
    pub text: String,
    /// Messages for the user, one per line.
    pub notes: Vec<String>,
}

fn refused(message: impl Into<String>) -> EditError {
    EditError::Refused(message.into())
}

/// The string items of the top-level list `key`.
fn strings(root: Option<&Node>, key: &str) -> Vec<String> {
    match root.and_then(|r| r.get_ci(key)) {
        Some((
            _,
            Node {
                kind: Kind::Seq { items, .. },
                ..
            },
        )) => items
            .iter()
            .filter_map(|i| i.scalar().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// `kustomize edit add resource` (paths already globbed): appends the paths
/// not yet among `resources` (or the deprecated `bases`, which kustomize
/// reads as resources), noting the others.
pub fn add_resources(text: &str, paths: &[String]) -> Result<Edited, EditError> {
    add_strings(text, "resources", paths, Present::Note("resource"))
}

/// `kustomize edit add component` (paths already globbed).
pub fn add_components(text: &str, paths: &[String]) -> Result<Edited, EditError> {
    add_strings(text, "components", paths, Present::Note("component"))
}

/// `kustomize edit add transformer` (paths already globbed): appends the
/// files not yet among `transformers`, noting the others.
pub fn add_transformer_files(text: &str, paths: &[String]) -> Result<Edited, EditError> {
    add_strings(text, "transformers", paths, Present::Note("transformer"))
}

/// `kustomize edit add generator` (paths already globbed): appends the
/// files not yet among `generators`, noting the others.
pub fn add_generator_files(text: &str, paths: &[String]) -> Result<Edited, EditError> {
    add_strings(text, "generators", paths, Present::Note("generator"))
}

/// What an `add` command does about a value already in the list.
enum Present<'a> {
    /// Skips it with a note naming it as this.
    Note(&'a str),
    /// Fails, naming it as this.
    Refuse(&'a str),
}

/// Appends `values` to the string list `field` (for `resources`, the
/// deprecated `bases` count as present too).
fn add_strings(
    text: &str,
    field: &str,
    values: &[String],
    on_present: Present,
) -> Result<Edited, EditError> {
    let root = fields::root(text)?;
    let mut present = strings(root.as_ref(), field);
    if field == "resources" {
        present.extend(strings(root.as_ref(), "bases"));
    }
    let mut notes = Vec::new();
    let mut new = Vec::new();
    for value in values {
        if present.contains(value) {
            match on_present {
                Present::Note(what) => {
                    notes.push(format!("{what} {value} already in kustomization file"))
                }
                Present::Refuse(what) => {
                    return Err(refused(format!(
                        "{what} {value} already in kustomization file"
                    )));
                }
            }
        } else {
            present.push(value.clone());
            new.push(New::Str(value.clone()));
        }
    }
    let text = fields::append(text, &[], field, &new)?;
    Ok(Edited { text, notes })
}

/// `kustomize edit add base A,B` (the directories checked to exist): adds
/// them to `resources`; one already there is an error.
pub fn add_bases(text: &str, paths: &[String]) -> Result<String, EditError> {
    Ok(add_strings(text, "resources", paths, Present::Refuse("base"))?.text)
}

/// `kustomize edit remove resource PATTERN...`: removes the entries of
/// `resources` (and `bases`) matching a pattern as Go's `filepath.Match`.
pub fn remove_resources(text: &str, patterns: &[String]) -> Result<String, EditError> {
    let text = remove_matching(text, patterns, "resources")?;
    remove_matching(&text, patterns, "bases")
}

/// `kustomize edit remove component PATTERN...`.
pub fn remove_components(text: &str, patterns: &[String]) -> Result<String, EditError> {
    remove_matching(text, patterns, "components")
}

fn remove_matching(text: &str, patterns: &[String], field: &str) -> Result<String, EditError> {
    let matchers = patterns
        .iter()
        .map(|p| {
            globset::GlobBuilder::new(p)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .map(|g| g.compile_matcher())
                .map_err(|_| refused("syntax error in pattern"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    fields::remove_items(text, &[], field, |_, item| {
        item.scalar()
            .is_some_and(|s| matchers.iter().any(|m| m.is_match(s)))
    })
}

/// `kustomize edit set namespace|nameprefix|namesuffix VALUE`: the field
/// is `namespace`, `namePrefix` or `nameSuffix`.
pub fn set_field(text: &str, field: &str, value: &str) -> Result<String, EditError> {
    fields::set(text, &[], field, &New::Str(value.to_owned()))
}

/// Parses `key:value` arguments as kustomize's `ConvertSliceToMap`: a
/// missing `:` gives an empty value, a value in double quotes loses them,
/// and a later key wins (first-seen order kept); no argument is an error.
/// `kind` names the argument (`label`, `annotation`) in errors.
pub fn parse_pairs(args: &[String], kind: &str) -> Result<Vec<(String, String)>, EditError> {
    if args.is_empty() {
        return Err(refused(format!("must specify {kind}")));
    }
    let mut out: Vec<(String, String)> = Vec::new();
    for arg in args {
        let (key, value) = match arg.find(':') {
            Some(0) => {
                return Err(refused(format!(
                    "invalid {kind}: '{arg}' (need k:v pair where v may be quoted)"
                )));
            }
            None => (arg.as_str(), ""),
            Some(i) => {
                let v = &arg[i + 1..];
                let v = match v.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
                    Some(inner) if v.len() >= 2 => inner,
                    _ => v,
                };
                (&arg[..i], v)
            }
        };
        match out.iter_mut().find(|(k, _)| k == key) {
            Some(pair) => pair.1 = value.to_owned(),
            None => out.push((key.to_owned(), value.to_owned())),
        }
    }
    Ok(out)
}

/// Parses `kustomize edit set annotation`'s arguments: [`parse_pairs`] and
/// kustomize's check of the keys.
pub fn parse_annotation_pairs(args: &[String]) -> Result<Vec<(String, String)>, EditError> {
    let pairs = parse_pairs(args, "annotation")?;
    let valid = regex::Regex::new(
        r"^([a-zA-Z](([-a-zA-Z0-9.]{0,251})[a-zA-Z0-9])?/)?[a-zA-Z0-9]([-a-zA-Z0-9_.]{0,61}[a-zA-Z0-9])?$",
    )
    .map_err(|e| EditError::Broken(e.to_string()))?;
    if pairs.iter().any(|(k, _)| !valid.is_match(k)) {
        return Err(refused(
            "invalid annotation key: see the syntax and character set rules at https://kubernetes.io/docs/concepts/overview/working-with-objects/annotations/",
        ));
    }
    Ok(pairs)
}

/// Which string map `add|set|remove label|annotation` edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metadata {
    /// `commonLabels`.
    Labels,
    /// `commonAnnotations`.
    Annotations,
}

impl Metadata {
    fn field(self) -> &'static str {
        match self {
            Metadata::Labels => "commonLabels",
            Metadata::Annotations => "commonAnnotations",
        }
    }

    /// `label` or `annotation`, as kustomize's messages say.
    pub fn kind(self) -> &'static str {
        match self {
            Metadata::Labels => "label",
            Metadata::Annotations => "annotation",
        }
    }
}

/// `kustomize edit add label|annotation K:V...` (`force`: `--force`), and
/// `set label|annotation` (force): a key already there is an error unless
/// forced, when its value is replaced.
pub fn add_metadata(
    text: &str,
    which: Metadata,
    pairs: &[(String, String)],
    force: bool,
) -> Result<String, EditError> {
    put_pairs(text, &[], which.field(), which.kind(), pairs, force)
}

/// Sets `pairs` in the string map `field` of the mapping at `path`.
fn put_pairs(
    text: &str,
    path: &[Step],
    field: &str,
    kind: &str,
    pairs: &[(String, String)],
    force: bool,
) -> Result<String, EditError> {
    let root = fields::root(text)?;
    let map = fields::node_at(root.as_ref(), path)
        .and_then(|m| m.get_ci(field))
        .map(|(_, v)| v);
    let present = |key: &str| {
        map.is_some_and(|m| m.get_ci(key).is_some_and(|(k, _)| k.scalar() == Some(key)))
    };
    if let Some((key, _)) = pairs.iter().find(|(k, _)| !force && present(k)) {
        return Err(refused(format!(
            "{kind} {key} already in kustomization file"
        )));
    }
    match map {
        Some(m) if matches!(m.kind, Kind::Map { .. }) => {
            let mut inner = path.to_vec();
            inner.push(Step::Key(field));
            let mut out = text.to_owned();
            for (k, v) in pairs {
                out = fields::set(&out, &inner, k, &New::Str(v.clone()))?;
            }
            Ok(out)
        }
        Some(m) if !m.is_null() => Err(EditError::wrong_kind(
            field,
            "a mapping of strings",
            text,
            m,
        )),
        _ => {
            let value = New::Map(
                pairs
                    .iter()
                    .map(|(k, v)| (k.clone(), New::Str(v.clone())))
                    .collect(),
            );
            fields::set(text, path, field, &value)
        }
    }
}

/// Whether the boolean field `key` of `entry` is true.
fn flag(entry: &Node, key: &str) -> bool {
    entry.get_ci(key).and_then(|(_, v)| v.scalar()) == Some("true")
}

/// `kustomize edit add label --without-selector [--include-templates]`:
/// the pairs go into the first `labels` entry that includes no selectors
/// and includes templates as asked (a new entry when there is none).
pub fn add_labels_without_selector(
    text: &str,
    pairs: &[(String, String)],
    include_templates: bool,
    force: bool,
) -> Result<String, EditError> {
    let root = fields::root(text)?;
    let entry = match fields::node_at(root.as_ref(), &[Step::Key("labels")]).map(|n| &n.kind) {
        Some(Kind::Seq { items, .. }) => items.iter().position(|e| {
            matches!(e.kind, Kind::Map { .. })
                && !flag(e, "includeSelectors")
                && flag(e, "includeTemplates") == include_templates
        }),
        _ => None,
    };
    match entry {
        Some(i) => put_pairs(
            text,
            &[Step::Key("labels"), Step::Index(i)],
            "pairs",
            "label",
            pairs,
            force,
        ),
        None => {
            let mut entry = Vec::new();
            if include_templates {
                entry.push(("includeTemplates".to_owned(), New::Raw("true".into())));
            }
            let pairs = pairs
                .iter()
                .map(|(k, v)| (k.clone(), New::Str(v.clone())))
                .collect();
            entry.push(("pairs".to_owned(), New::Map(pairs)));
            fields::append(text, &[], "labels", &[New::Map(entry)])
        }
    }
}

/// Parses `kustomize edit remove label|annotation`'s one argument `K1,K2`.
pub fn parse_keys(args: &[String], which: Metadata) -> Result<Vec<String>, EditError> {
    let kind = which.kind();
    match args {
        [] => Err(refused(format!("must specify {kind}"))),
        [arg] => arg
            .split(',')
            .map(|k| {
                if k.is_empty() {
                    Err(refused(format!("invalid {kind}: '' (name is empty)")))
                } else {
                    Ok(k.to_owned())
                }
            })
            .collect(),
        _ => Err(refused(format!(
            "{kind}s must be comma-separated, with no spaces"
        ))),
    }
}

/// `kustomize edit remove label|annotation K1,K2` (`ignore`:
/// `--ignore-non-existence`); a map left empty is removed.
pub fn remove_metadata(
    text: &str,
    which: Metadata,
    keys: &[String],
    ignore: bool,
) -> Result<String, EditError> {
    let field = which.field();
    let root = fields::root(text)?;
    let map = root
        .as_ref()
        .and_then(|r| r.get_ci(field))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null());
    let Some(map) = map else {
        return if ignore {
            Ok(text.to_owned())
        } else {
            Err(refused(format!(
                "{field} is not defined in kustomization file"
            )))
        };
    };
    let Kind::Map { pairs, .. } = &map.kind else {
        return Err(EditError::wrong_kind(
            field,
            "a mapping of strings",
            text,
            map,
        ));
    };
    if let Some(key) = keys.iter().find(|k| !ignore && map.get_ci(k).is_none()) {
        return Err(refused(format!(
            "{} {key} is not defined in kustomization file",
            which.kind()
        )));
    }
    let left = pairs
        .iter()
        .filter(|(k, _)| {
            !k.scalar()
                .is_some_and(|s| keys.iter().any(|key| key.eq_ignore_ascii_case(s)))
        })
        .count();
    if left == 0 {
        return fields::remove_keys(text, &[], &[field]);
    }
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    fields::remove_keys(text, &[Step::Key(field)], &keys)
}

/// Parses a `kustomize edit set replicas` argument `NAME=COUNT`.
pub fn parse_replica(arg: &str) -> Result<(String, i64), EditError> {
    let invalid = || refused("invalid format of replica, use the following format: <name>=<count>");
    let mut parts = arg.split('=');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(name), Some(count), None) => {
            let count = count.parse::<i64>().map_err(|_| invalid())?;
            Ok((name.to_owned(), count))
        }
        _ => Err(invalid()),
    }
}

/// `kustomize edit set replicas NAME=COUNT...`: the entry of that name gets
/// the count; a new name gets a new entry (a later argument wins).
pub fn set_replicas(text: &str, replicas: &[(String, i64)]) -> Result<String, EditError> {
    let mut out = text.to_owned();
    for (i, (name, count)) in replicas.iter().enumerate() {
        if replicas[i + 1..].iter().any(|(later, _)| later == name) {
            continue;
        }
        let root = fields::root(&out)?;
        let entry = match fields::node_at(root.as_ref(), &[Step::Key("replicas")]).map(|n| &n.kind)
        {
            Some(Kind::Seq { items, .. }) => items.iter().position(|e| {
                e.get_ci("name").and_then(|(_, v)| v.scalar()) == Some(name.as_str())
            }),
            _ => None,
        };
        let count = New::Raw(count.to_string());
        out = match entry {
            Some(i) => fields::set(
                &out,
                &[Step::Key("replicas"), Step::Index(i)],
                "count",
                &count,
            )?,
            None => fields::append(
                &out,
                &[],
                "replicas",
                &[New::Map(vec![
                    ("count".into(), count),
                    ("name".into(), New::Str(name.clone())),
                ])],
            )?,
        };
    }
    Ok(out)
}

/// A `patches` entry as `kustomize edit add|remove patch` give it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Patch {
    /// `--path`.
    pub path: String,
    /// `--patch`.
    pub patch: String,
    /// The target: `--group`, `--version`, `--kind`, `--name`,
    /// `--namespace`, `--annotation-selector`, `--label-selector` in this
    /// order (their field names in [`TARGET_FIELDS`]); all empty means none.
    pub target: [String; 7],
}

/// The field names of [`Patch::target`]'s values.
pub const TARGET_FIELDS: [&str; 7] = [
    "group",
    "version",
    "kind",
    "name",
    "namespace",
    "annotationSelector",
    "labelSelector",
];

impl Patch {
    /// Whether the patches entry `entry` equals this patch as kustomize's
    /// `Patch.Equals` compares them (an entry with options never does).
    fn matches(&self, entry: &Node) -> bool {
        let get = |node: &Node, key: &str| {
            node.get_ci(key)
                .and_then(|(_, v)| v.scalar())
                .unwrap_or_default()
                .to_owned()
        };
        if !matches!(entry.kind, Kind::Map { .. }) || entry.get_ci("options").is_some() {
            return false;
        }
        let target_equal = match entry
            .get_ci("target")
            .map(|(_, t)| t)
            .filter(|t| !t.is_null())
        {
            None => self.target.iter().all(String::is_empty),
            Some(t) => {
                self.target.iter().any(|f| !f.is_empty())
                    && TARGET_FIELDS
                        .iter()
                        .zip(&self.target)
                        .all(|(k, v)| get(t, k) == *v)
            }
        };
        get(entry, "path") == self.path && get(entry, "patch") == self.patch && target_equal
    }

    fn to_new(&self) -> New {
        let mut fields = Vec::new();
        for (key, value) in [("path", &self.path), ("patch", &self.patch)] {
            if !value.is_empty() {
                fields.push((key.to_owned(), New::Str(value.clone())));
            }
        }
        // In kustomize's output order: its encoder sorts keys.
        let mut target: Vec<(String, New)> = TARGET_FIELDS
            .iter()
            .zip(&self.target)
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| ((*k).to_owned(), New::Str(v.clone())))
            .collect();
        target.sort_by(|a, b| a.0.cmp(&b.0));
        if !target.is_empty() {
            fields.push(("target".into(), New::Map(target)));
        }
        New::Map(fields)
    }
}

/// `kustomize edit add patch`: exactly one of path and patch; an equal
/// entry already there is noted and nothing changes.
pub fn add_patch(text: &str, patch: &Patch) -> Result<Edited, EditError> {
    match (patch.path.is_empty(), patch.patch.is_empty()) {
        (false, false) => return Err(refused("patch and path can't be set at the same time")),
        (true, true) => return Err(refused("must provide either patch or path")),
        _ => {}
    }
    let root = fields::root(text)?;
    if let Some(Kind::Seq { items, .. }) =
        fields::node_at(root.as_ref(), &[Step::Key("patches")]).map(|n| &n.kind)
        && items.iter().any(|e| patch.matches(e))
    {
        return Ok(Edited {
            text: text.to_owned(),
            notes: vec!["patch already in kustomization file".into()],
        });
    }
    let text = fields::append(text, &[], "patches", &[patch.to_new()])?;
    Ok(Edited {
        text,
        notes: Vec::new(),
    })
}

/// `kustomize edit remove patch`: removes the entries equal to `patch`;
/// when there is none, that is noted.
pub fn remove_patch(text: &str, patch: &Patch) -> Result<Edited, EditError> {
    if !patch.path.is_empty() && !patch.patch.is_empty() {
        return Err(refused("patch and path can't be set at the same time"));
    }
    let edited = fields::remove_items(text, &[], "patches", |_, e| patch.matches(e))?;
    let notes = if edited == text {
        vec![format!(
            "patch {} doesn't exist in kustomization file",
            patch.patch
        )]
    } else {
        Vec::new()
    };
    Ok(Edited {
        text: edited,
        notes,
    })
}

/// The options `buildMetadata` may hold.
pub const BUILD_METADATA_OPTIONS: [&str; 3] = [
    "managedByLabel",
    "originAnnotations",
    "transformerAnnotations",
];

/// Parses the one argument `OPT1,OPT2` of `kustomize edit add|set|remove buildmetadata`.
pub fn parse_build_metadata(args: &[String]) -> Result<Vec<String>, EditError> {
    match args {
        [] => Err(refused("must specify a buildMetadata option")),
        [arg] => arg
            .split(',')
            .map(|o| {
                if BUILD_METADATA_OPTIONS.contains(&o) {
                    Ok(o.to_owned())
                } else {
                    Err(refused(format!("invalid buildMetadata option: {o}")))
                }
            })
            .collect(),
        _ => Err(refused(format!(
            "too many arguments: [{}]; to provide multiple buildMetadata options, please separate options by comma",
            args.join(" ")
        ))),
    }
}

/// `kustomize edit add buildmetadata`: an option already there is an error.
pub fn add_build_metadata(text: &str, options: &[String]) -> Result<String, EditError> {
    Ok(add_strings(
        text,
        "buildMetadata",
        options,
        Present::Refuse("buildMetadata option"),
    )?
    .text)
}

/// `kustomize edit set buildmetadata`: the list becomes exactly `options`.
pub fn set_build_metadata(text: &str, options: &[String]) -> Result<String, EditError> {
    let root = fields::root(text)?;
    if strings(root.as_ref(), "buildMetadata") == options {
        return Ok(text.to_owned());
    }
    let new = New::List(options.iter().map(|o| New::Str(o.clone())).collect());
    fields::set(text, &[], "buildMetadata", &new)
}

/// `kustomize edit remove buildmetadata`: removes the options given (the
/// field goes when none is left).
pub fn remove_build_metadata(text: &str, options: &[String]) -> Result<String, EditError> {
    fields::remove_items(text, &[], "buildMetadata", |_, item| {
        item.scalar()
            .is_some_and(|s| options.iter().any(|o| o == s))
    })
}

/// What `kustomize create` puts in a new kustomization.
#[derive(Debug, Clone, Default)]
pub struct CreateOptions {
    /// `--resources` (already globbed) and, after them, autodetected files.
    pub resources: Vec<String>,
    /// `--namespace`.
    pub namespace: String,
    /// `--nameprefix`.
    pub name_prefix: String,
    /// `--namesuffix`.
    pub name_suffix: String,
    /// `--labels K:V,K:V`.
    pub labels: String,
    /// `--annotations K:V,K:V`.
    pub annotations: String,
}

/// The text of the kustomization `kustomize create` writes: the fields set,
/// in kustomize's field order, as kustomize's YAML encoder prints them.
pub fn create(options: &CreateOptions) -> Result<String, EditError> {
    use serde_json::{Map, Value};
    let pairs = |arg: &str, kind: &str| -> Result<Value, EditError> {
        if arg.is_empty() {
            return Ok(Value::Object(Map::new()));
        }
        let args: Vec<String> = arg.split(',').map(str::to_owned).collect();
        let mut pairs = parse_pairs(&args, kind)?;
        pairs.sort();
        Ok(Value::Object(
            pairs
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect(),
        ))
    };
    let mut doc = Map::new();
    doc.insert(
        "apiVersion".into(),
        "kustomize.config.k8s.io/v1beta1".into(),
    );
    doc.insert("kind".into(), "Kustomization".into());
    if !options.resources.is_empty() {
        doc.insert("resources".into(), options.resources.clone().into());
    }
    for (key, value) in [
        ("namePrefix", &options.name_prefix),
        ("nameSuffix", &options.name_suffix),
        ("namespace", &options.namespace),
    ] {
        if !value.is_empty() {
            doc.insert(key.into(), value.clone().into());
        }
    }
    for (key, value) in [
        ("commonLabels", pairs(&options.labels, "label")?),
        (
            "commonAnnotations",
            pairs(&options.annotations, "annotation")?,
        ),
    ] {
        if value.as_object().is_some_and(|m| !m.is_empty()) {
            doc.insert(key.into(), value);
        }
    }
    // Like kustomize's writer, one field at a time (the emitter sorts keys).
    let mut out = String::new();
    for (key, value) in doc {
        crate::yaml::emit_object(&Map::from_iter([(key, value)]), &mut out);
    }
    Ok(out)
}

/// The flags of `kustomize edit add configmap|secret NAME`.
#[derive(Debug, Clone, Default)]
pub struct GeneratorFlags {
    /// `--namespace`.
    pub namespace: String,
    /// `--from-literal` (`key=value`).
    pub literals: Vec<String>,
    /// `--from-file` (`[key=]path`), globs already expanded.
    pub files: Vec<String>,
    /// `--from-env-file`.
    pub env_file: String,
    /// `--behavior`.
    pub behavior: String,
    /// `--disableNameSuffixHash`.
    pub disable_name_suffix_hash: bool,
    /// `--type` of a secret (`None` for a configmap).
    pub secret_type: Option<String>,
}

impl GeneratorFlags {
    /// kustomize's `ValidateAdd` of the arguments and flags: the one name.
    pub fn validate(&self, args: &[String]) -> Result<String, EditError> {
        let failed = |m: &str| refused(format!("failed to validate flags: {m}"));
        let [name] = args else {
            return Err(failed("name must be specified once"));
        };
        let (env, files, literals) = (
            !self.env_file.is_empty(),
            !self.files.is_empty(),
            !self.literals.is_empty(),
        );
        if !env && !files && !literals {
            return Err(failed(
                "at least from-env-file, or from-file or from-literal must be set",
            ));
        }
        if env && (files || literals) {
            return Err(failed(
                "from-env-file cannot be combined with from-file or from-literal",
            ));
        }
        if !self.behavior.is_empty()
            && !["create", "merge", "replace"].contains(&self.behavior.as_str())
        {
            return Err(failed(
                r#"invalid behavior: must be one of "create", "merge", or "replace""#,
            ));
        }
        Ok(name.clone())
    }
}

/// Namespaces are equal as kustomize's `NamespaceEqual` says: empty is `default`.
fn namespace_equal(a: &str, b: &str) -> bool {
    let norm = |s: &str| if s.is_empty() { "default" } else { s }.to_owned();
    norm(a) == norm(b)
}

/// `kustomize edit add configmap|secret NAME` (`field`: `configMapGenerator`
/// or `secretGenerator`): the sources join the entry of that name and
/// namespace, or a new entry; the entry's index is returned with the text.
pub fn add_generator(
    text: &str,
    field: &str,
    name: &str,
    flags: &GeneratorFlags,
) -> Result<(String, usize), EditError> {
    let root = fields::root(text)?;
    let (entry, count) = match fields::node_at(root.as_ref(), &[Step::Key(field)]).map(|n| &n.kind)
    {
        Some(Kind::Seq { items, .. }) => {
            let scalar = |e: &Node, key: &str| {
                e.get_ci(key)
                    .and_then(|(_, v)| v.scalar())
                    .unwrap_or_default()
                    .to_owned()
            };
            let found = items.iter().position(|e| {
                scalar(e, "name") == name
                    && namespace_equal(&scalar(e, "namespace"), &flags.namespace)
            });
            (found, items.len())
        }
        _ => (None, 0),
    };
    let strings = |v: &[String]| v.iter().map(|s| New::Str(s.clone())).collect::<Vec<_>>();
    let envs: Vec<String> = [flags.env_file.clone()]
        .into_iter()
        .filter(|e| !e.is_empty())
        .collect();
    let options = flags.disable_name_suffix_hash.then(|| {
        New::Map(vec![(
            "disableNameSuffixHash".into(),
            New::Raw("true".into()),
        )])
    });
    let Some(i) = entry else {
        // In kustomize's output order: its encoder sorts keys.
        let mut new = Vec::new();
        let mut put = |key: &str, value: New| new.push((key.to_owned(), value));
        if !flags.behavior.is_empty() {
            put("behavior", New::Str(flags.behavior.clone()));
        }
        for (key, values) in [
            ("envs", &envs),
            ("files", &flags.files),
            ("literals", &flags.literals),
        ] {
            if !values.is_empty() {
                put(key, New::List(strings(values)));
            }
        }
        put("name", New::Str(name.to_owned()));
        if !flags.namespace.is_empty() {
            put("namespace", New::Str(flags.namespace.clone()));
        }
        if let Some(options) = options {
            put("options", options);
        }
        if let Some(t) = flags.secret_type.as_ref().filter(|t| !t.is_empty()) {
            put("type", New::Str(t.clone()));
        }
        return Ok((fields::append(text, &[], field, &[New::Map(new)])?, count));
    };
    let path = [Step::Key(field), Step::Index(i)];
    let mut out = text.to_owned();
    for (key, values) in [
        ("literals", &flags.literals),
        ("files", &flags.files),
        ("envs", &envs),
    ] {
        out = fields::append(&out, &path, key, &strings(values))?;
    }
    if let Some(options) = options {
        out = fields::set(&out, &path, "options", &options)?;
    }
    if !flags.behavior.is_empty() {
        out = fields::set(&out, &path, "behavior", &New::Str(flags.behavior.clone()))?;
    }
    Ok((out, i))
}

/// `kustomize edit remove configmap|secret NAME[,NAME] [--namespace NS]`
/// (`what`: `configmap` or `secret`): removes the `configMapGenerator` or
/// `secretGenerator` entries of those names in that namespace; none found
/// is an error, a name not found a note.
pub fn remove_generators(
    text: &str,
    what: &str,
    args: &[String],
    namespace: &str,
) -> Result<Edited, EditError> {
    let names: Vec<&str> = match args {
        [] => {
            return Err(refused(format!(
                "at least one {what} name must be specified"
            )));
        }
        [arg] => arg.split(',').collect(),
        _ => {
            return Err(refused(format!(
                "too many arguments: [{}]; to provide multiple {what}s to remove, please separate {what} names by commas",
                args.join(" ")
            )));
        }
    };
    let field = if what == "secret" {
        "secretGenerator"
    } else {
        "configMapGenerator"
    };
    let found = std::cell::RefCell::new(Vec::new());
    let edited = fields::remove_items(text, &[], field, |_, entry| {
        let get = |key: &str| {
            entry
                .get_ci(key)
                .and_then(|(_, v)| v.scalar())
                .unwrap_or_default()
        };
        let name = get("name");
        let hit = names.contains(&name) && namespace_equal(get("namespace"), namespace);
        if hit {
            found.borrow_mut().push(name.to_owned());
        }
        hit
    })?;
    let found = found.into_inner();
    if found.is_empty() {
        return Err(refused(format!(
            "no specified {what}(s) were found in the kustomization.yaml file"
        )));
    }
    let notes = names
        .iter()
        .filter(|n| !found.iter().any(|f| f == *n))
        .map(|n| format!("{what} {n} doesn't exist in kustomization file"))
        .collect();
    Ok(Edited {
        text: edited,
        notes,
    })
}

/// `kustomize edit set configmap|secret NAME [--from-literal K=V...]
/// [--namespace NS] [--new-namespace NS]` (`field`: `configMapGenerator` or
/// `secretGenerator`): the values of existing literal keys, and the
/// namespace, of the entry of that name and namespace; the entry's index
/// is returned with the text.
pub fn set_generator(
    text: &str,
    field: &str,
    args: &[String],
    literals: &[String],
    namespace: &str,
    new_namespace: &str,
) -> Result<(String, usize), EditError> {
    let (kind, what) = if field == "secretGenerator" {
        ("Secret", "secret")
    } else {
        ("ConfigMap", "configmap")
    };
    let [name] = args else {
        return Err(refused(
            "failed to validate flags: name must be specified once",
        ));
    };
    if literals.is_empty() && new_namespace.is_empty() {
        return Err(refused(
            "failed to validate flags: at least one of [--from-literal, --new-namespace] must be specified",
        ));
    }
    let failed = |m: String| refused(format!("failed to create {what}: {m}"));
    let root = fields::root(text)?;
    let scalar = |e: &Node, key: &str| {
        e.get_ci(key)
            .and_then(|(_, v)| v.scalar())
            .unwrap_or_default()
            .to_owned()
    };
    let entries = match fields::node_at(root.as_ref(), &[Step::Key(field)]).map(|n| &n.kind) {
        Some(Kind::Seq { items, .. }) => items.as_slice(),
        _ => &[],
    };
    let index = entries
        .iter()
        .position(|e| {
            scalar(e, "name") == *name && namespace_equal(namespace, &scalar(e, "namespace"))
        })
        .ok_or_else(|| {
            failed(format!(
                "could not set new {kind} value: unable to find {kind} with name {}",
                serde_json::Value::String(name.clone())
            ))
        })?;
    let path = [Step::Key(field), Step::Index(index)];
    let key_of = |literal: &str| -> Result<String, EditError> {
        match literal.split_once('=') {
            Some((key, value)) if !value.contains('=') => Ok(key.to_owned()),
            _ => Err(failed(
                "failed to update literal sources: failed to update resource: invalid format: literal values must be specified in the key=value format".into(),
            )),
        }
    };
    let present: Vec<String> =
        match fields::node_at(entries.get(index), &[Step::Key("literals")]).map(|n| &n.kind) {
            Some(Kind::Seq { items, .. }) => items
                .iter()
                .map(|i| key_of(i.scalar().unwrap_or_default()))
                .collect::<Result<_, _>>()?,
            _ => Vec::new(),
        };
    let mut out = text.to_owned();
    for literal in literals {
        let key = key_of(literal)?;
        let Some(i) = present.iter().position(|k| *k == key) else {
            return Err(failed(format!(
                "failed to update literal sources: key '{key}' not found in resource"
            )));
        };
        out = fields::set_item(&out, &path, "literals", i, literal)?;
    }
    if !new_namespace.is_empty() {
        out = fields::set(
            &out,
            &path,
            "namespace",
            &New::Str(new_namespace.to_owned()),
        )?;
    }
    Ok((out, index))
}
