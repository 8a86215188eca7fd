//! From rendered template files to `helm template`'s output: documents
//! split at `---`, hooks told apart by `helm.sh/hook`, manifests sorted in
//! Helm's install order, and the `---\n# Source: <file>\n` stream with
//! `--include-crds`, `--skip-tests` and `--show-only`.

use crate::chart::Chart;
use crate::error::{Error, Result};
use globset::GlobBuilder;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The annotation that makes an object a hook.
pub const HOOK_ANNOTATION: &str = "helm.sh/hook";
/// The annotation ordering hooks of one event.
pub const HOOK_WEIGHT_ANNOTATION: &str = "helm.sh/hook-weight";
/// The annotation listing when a hook object is deleted.
pub const HOOK_DELETE_ANNOTATION: &str = "helm.sh/hook-delete-policy";

/// Helm's `InstallOrder`: kinds earlier in the list are installed first; other kinds come last.
pub const INSTALL_ORDER: &[&str] = &[
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// Hook events Helm knows (`test-success` is the old name of `test`).
const HOOK_EVENTS: &[(&str, &str)] = &[
    ("pre-install", "pre-install"),
    ("post-install", "post-install"),
    ("pre-delete", "pre-delete"),
    ("post-delete", "post-delete"),
    ("pre-upgrade", "pre-upgrade"),
    ("post-upgrade", "post-upgrade"),
    ("pre-rollback", "pre-rollback"),
    ("post-rollback", "post-rollback"),
    ("test", "test"),
    ("test-success", "test"),
];

/// One rendered object that is not a hook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The template it came from (`chart/templates/x.yaml`).
    pub name: String,
    /// The document's text, trimmed.
    pub content: String,
    /// Its `kind` (empty when absent).
    pub kind: String,
}

/// One rendered object annotated with `helm.sh/hook`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hook {
    /// `metadata.name`.
    pub name: String,
    /// `kind`.
    pub kind: String,
    /// The template it came from.
    pub path: String,
    /// The document's text, trimmed.
    pub manifest: String,
    /// The events it runs on (`pre-install`, `test`, …).
    pub events: Vec<String>,
    /// `helm.sh/hook-weight` (0 when absent or not an integer).
    pub weight: i64,
    /// `helm.sh/hook-delete-policy` entries.
    pub delete_policies: Vec<String>,
}

impl Hook {
    /// Whether this is a test hook (left out by `--skip-tests`).
    pub fn is_test(&self) -> bool {
        self.events.iter().any(|e| e == "test")
    }
}

/// Splits a stream at `---` lines as Helm's `SplitManifests` does: each
/// piece trimmed, empty pieces dropped.
pub fn split_manifests(text: &str) -> Vec<&str> {
    let text = text.trim();
    let mut out = Vec::new();
    let mut rest = text;
    let mut first = true;
    loop {
        match find_separator(rest, first) {
            Some((start, end)) => {
                push_piece(&mut out, &rest[..start]);
                rest = &rest[end..];
            }
            None => {
                push_piece(&mut out, rest);
                return out;
            }
        }
        first = false;
    }
}

fn push_piece<'a>(out: &mut Vec<&'a str>, piece: &'a str) {
    if !piece.is_empty() {
        let piece = piece.trim();
        out.push(piece);
    }
}

/// The next match of Helm's separator `(?:^|\s*\n)---\s*`: its byte range.
/// `^` applies only at the start of the whole stream (`at_start`).
fn find_separator(text: &str, at_start: bool) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let skip_ws = |mut i: usize| {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    if at_start && text.starts_with("---") {
        return Some((0, skip_ws(3)));
    }
    let newline = text.find("\n---")?;
    // Whitespace right before the newline belongs to the separator.
    let mut start = newline;
    while start > 0 && bytes[start - 1].is_ascii_whitespace() {
        start -= 1;
    }
    Some((start, skip_ws(newline + 4)))
}

/// Rendered files (by template path) sorted into hooks and manifests, as Helm's `SortManifests`.
///
/// Files whose base name starts with `_` and files empty after trimming are skipped;
/// each document must be YAML (Helm's `YAML parse error on <file>` otherwise).
pub fn sort_manifests(files: &BTreeMap<String, String>) -> Result<(Vec<Hook>, Vec<Manifest>)> {
    let mut hooks = Vec::new();
    let mut manifests = Vec::new();
    for (path, content) in files {
        let base = path.rsplit('/').next().unwrap_or(path);
        if base.starts_with('_') || content.trim().is_empty() {
            continue;
        }
        for doc in split_manifests(content) {
            let head = kustomize_core::yaml::parse_document(doc).map_err(|source| {
                Error::ManifestYaml {
                    template: path.clone(),
                    source,
                    rendered: String::new(),
                }
            })?;
            let kind = string_at(&head, &["kind"]);
            let annotations = head
                .pointer("/metadata/annotations")
                .and_then(Value::as_object);
            let hook_types = annotations
                .and_then(|a| a.get(HOOK_ANNOTATION))
                .map(annotation_text);
            let Some(hook_types) = hook_types else {
                manifests.push(Manifest {
                    name: path.clone(),
                    content: doc.to_string(),
                    kind,
                });
                continue;
            };
            let mut events = Vec::new();
            let mut unknown = false;
            for hook_type in hook_types.split(',') {
                let hook_type = hook_type.trim().to_ascii_lowercase();
                match HOOK_EVENTS.iter().find(|(name, _)| *name == hook_type) {
                    Some((_, event)) => events.push(event.to_string()),
                    None => {
                        unknown = true;
                        break;
                    }
                }
            }
            if unknown {
                continue;
            }
            let annotation = |key: &str| annotations.and_then(|a| a.get(key)).map(annotation_text);
            let weight = annotation(HOOK_WEIGHT_ANNOTATION)
                .and_then(|w| w.parse().ok())
                .unwrap_or(0);
            let delete_policies = annotation(HOOK_DELETE_ANNOTATION)
                .map(|p| {
                    p.split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default();
            hooks.push(Hook {
                name: string_at(&head, &["metadata", "name"]),
                kind,
                path: path.clone(),
                manifest: doc.to_string(),
                events,
                weight,
                delete_policies,
            });
        }
    }
    manifests.sort_by_key(|m| kind_rank(&m.kind));
    hooks.sort_by_key(|h| kind_rank(&h.kind));
    Ok((hooks, manifests))
}

fn annotation_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn string_at(value: &Value, path: &[&str]) -> String {
    let mut current = value;
    for key in path {
        match current.get(key) {
            Some(v) => current = v,
            None => return String::new(),
        }
    }
    current.as_str().unwrap_or_default().to_string()
}

/// Sort key of Helm's `lessByKind`: known kinds by their place, unknown kinds after them by name.
fn kind_rank(kind: &str) -> (usize, String) {
    match INSTALL_ORDER.iter().position(|k| *k == kind) {
        Some(i) => (i, String::new()),
        None => (INSTALL_ORDER.len(), kind.to_string()),
    }
}

/// What `helm template` prints besides the manifests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutputOptions {
    /// `--include-crds`: print `crds/` files first.
    pub include_crds: bool,
    /// `--skip-tests`: leave out `test` hooks.
    pub skip_tests: bool,
    /// `--no-hooks`: leave out every hook.
    pub disable_hooks: bool,
    /// `--show-only` patterns (chart-relative template paths, globs allowed).
    pub show_only: Vec<String>,
    /// `--hide-secret` (install dry-run): Secrets printed as a comment only.
    pub hide_secret: bool,
}

/// The result of rendering: the release manifest and hooks, as an install keeps them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// The manifest text (`---\n# Source: …\n<doc>\n` per object, CRDs first when included).
    pub manifest: String,
    /// The hooks, in install order.
    pub hooks: Vec<Hook>,
}

/// Sorts rendered files into a release as Helm's install does (`NOTES.txt` files dropped).
///
/// When a document is not YAML, the error carries every non-empty file
/// printed as Helm's `--debug` prints them.
pub fn build_release(
    chart: &Chart,
    mut files: BTreeMap<String, String>,
    options: &OutputOptions,
) -> Result<Release> {
    files.retain(|name, _| !name.ends_with("NOTES.txt"));
    let (hooks, manifests) = sort_manifests(&files).map_err(|e| match e {
        Error::ManifestYaml {
            template, source, ..
        } => {
            let mut rendered = String::new();
            for (name, content) in &files {
                if !content.trim().is_empty() {
                    let _ = writeln!(rendered, "---\n# Source: {name}\n{content}");
                }
            }
            Error::ManifestYaml {
                template,
                source,
                rendered,
            }
        }
        other => other,
    })?;
    let mut manifest = String::new();
    if options.include_crds {
        for (name, file) in chart.crd_objects() {
            let _ = writeln!(
                manifest,
                "---\n# Source: {name}\n{}",
                String::from_utf8_lossy(&file.data)
            );
        }
    }
    for m in &manifests {
        if options.hide_secret && m.kind == "Secret" {
            let _ = writeln!(
                manifest,
                "---\n# Source: {}\n# HIDDEN: The Secret output has been suppressed",
                m.name
            );
        } else {
            let _ = writeln!(manifest, "---\n# Source: {}\n{}", m.name, m.content);
        }
    }
    Ok(Release { manifest, hooks })
}

/// `helm template`'s output of a release: manifests, then hooks, filtered by `--show-only`.
pub fn template_output(release: &Release, options: &OutputOptions) -> Result<String> {
    let mut all = format!("{}\n", release.manifest.trim());
    if !options.disable_hooks {
        for hook in &release.hooks {
            if options.skip_tests && hook.is_test() {
                continue;
            }
            let _ = writeln!(all, "---\n# Source: {}\n{}", hook.path, hook.manifest);
        }
    }
    if options.show_only.is_empty() {
        return Ok(all);
    }
    let docs = split_manifests(&all);
    let mut out = String::new();
    for pattern in &options.show_only {
        let pattern = pattern.replace('\\', "/");
        let matcher = GlobBuilder::new(&pattern)
            .literal_separator(true)
            .backslash_escape(true)
            .build()
            .map_err(|e| Error::ShowOnlyMissing(format!("{pattern} ({e})")))?
            .compile_matcher();
        let mut missing = true;
        for doc in &docs {
            let Some(source) = source_of(doc) else {
                continue;
            };
            if matcher.is_match(source) {
                let _ = writeln!(out, "---\n{doc}");
                missing = false;
            }
        }
        if missing {
            return Err(Error::ShowOnlyMissing(pattern));
        }
    }
    Ok(out)
}

/// The chart-relative path in a document's `# Source: <chart>/<path>` line.
fn source_of(doc: &str) -> Option<&str> {
    let at = doc.find("# Source: ")?;
    let rest = &doc[at + "# Source: ".len()..];
    let (chart, path) = rest.split_once('/')?;
    if chart.contains('\n') || chart.is_empty() {
        return None;
    }
    Some(path.lines().next().unwrap_or(path))
}

#[cfg(test)]
mod tests;
