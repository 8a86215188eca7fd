//! `gitops edit` and `gitops create`: kustomize's `edit add|set|remove|fix`
//! and `create` commands, with kustomize's arguments, flags and messages,
//! on the kustomization in the current directory (or `--kustomization
//! DIR`). The file is edited in place keeping its layout and comments
//! (`kustomize_core::edit`); the file system part (globs, existence
//! checks, resource detection) is here.

use clap::{Args, Subcommand};
use kustomize_core::KUSTOMIZATION_FILE_NAMES as FILE_NAMES;
use kustomize_core::edit::{self, EditError, Edited, ImageEdit, Metadata, Patch};
use kustomize_core::fs::DiskFs;
use kustomize_core::generators::{generate_config_map, generate_secret};
use kustomize_core::remote::{RepoSpec, is_remote_file};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `gitops edit`'s arguments.
#[derive(Args)]
pub struct EditArgs {
    /// The directory holding kustomization.yaml (or .yml, or Kustomization).
    #[arg(long, global = true, default_value = ".", value_name = "DIR")]
    kustomization: PathBuf,
    #[command(subcommand)]
    command: EditCommand,
}

#[derive(Subcommand)]
enum EditCommand {
    /// Add an item to the kustomization file.
    Add {
        #[command(subcommand)]
        command: AddCommand,
    },
    /// Set the value of a field of the kustomization file.
    Set {
        #[command(subcommand)]
        command: SetCommand,
    },
    /// Remove an item from the kustomization file.
    Remove {
        #[command(subcommand)]
        command: RemoveCommand,
    },
    /// Move deprecated fields to their replacements, as `kustomize edit fix` does
    /// (bases, imageTags, patchesJson6902, patchesStrategicMerge, commonLabels, env).
    Fix {
        /// If specified, vars are converted to replacements: `$(VAR)` in the
        /// resource and patch files becomes VAR_PLACEHOLDER. We recommend doing
        /// this in a clean git repository where the change is easy to undo.
        #[arg(long)]
        vars: bool,
    },
}

/// The flags of `add patch` and `remove patch`.
#[derive(Args)]
struct PatchArgs {
    /// Path to the patch file. Cannot be used with --patch at the same time.
    #[arg(long, default_value = "", hide_default_value = true)]
    path: String,
    /// Literal string of patch content. Cannot be used with --path at the same time.
    #[arg(
        long,
        default_value = "",
        hide_default_value = true,
        allow_hyphen_values = true
    )]
    patch: String,
    /// API group in patch target.
    #[arg(long, default_value = "", hide_default_value = true)]
    group: String,
    /// API version in patch target.
    #[arg(long, default_value = "", hide_default_value = true)]
    version: String,
    /// Resource kind in patch target.
    #[arg(long, default_value = "", hide_default_value = true)]
    kind: String,
    /// Resource name in patch target.
    #[arg(long, default_value = "", hide_default_value = true)]
    name: String,
    /// Resource namespace in patch target.
    #[arg(long, default_value = "", hide_default_value = true)]
    namespace: String,
    /// annotationSelector in patch target.
    #[arg(long, default_value = "", hide_default_value = true)]
    annotation_selector: String,
    /// labelSelector in patch target.
    #[arg(long, default_value = "", hide_default_value = true)]
    label_selector: String,
}

impl PatchArgs {
    fn patch(self) -> Patch {
        Patch {
            path: self.path,
            patch: self.patch,
            target: [
                self.group,
                self.version,
                self.kind,
                self.name,
                self.namespace,
                self.annotation_selector,
                self.label_selector,
            ],
        }
    }
}

#[derive(Subcommand)]
enum AddCommand {
    /// Add the name of a file containing a resource to the kustomization file (globs expand).
    Resource {
        /// Skip validation for resources.
        #[arg(long)]
        no_verify: bool,
        /// Files, directories or remote targets.
        #[arg(value_name = "PATH")]
        paths: Vec<String>,
    },
    /// Add the name of a file containing a component to the kustomization file (globs expand).
    Component {
        /// Component directories.
        #[arg(value_name = "PATH")]
        paths: Vec<String>,
    },
    /// Add the name of a file containing a transformer configuration to the kustomization file (globs expand).
    Transformer {
        /// Transformer configuration files.
        #[arg(value_name = "PATH")]
        paths: Vec<String>,
    },
    /// Add the name of a file containing a generator configuration to the kustomization file (globs expand).
    Generator {
        /// Generator configuration files.
        #[arg(value_name = "PATH")]
        paths: Vec<String>,
    },
    /// Add one or more bases (DIR1,DIR2) to the kustomization's resources.
    Base {
        /// Comma-separated directories.
        #[arg(value_name = "DIRS")]
        dirs: Vec<String>,
    },
    /// Add an item to the patches field.
    Patch(PatchArgs),
    /// Add one or more commonLabels (KEY:VALUE ...).
    Label {
        /// Overwrite a label that already exists.
        #[arg(short, long)]
        force: bool,
        /// Add the labels to a `labels` entry that does not include selectors.
        #[arg(long)]
        without_selector: bool,
        /// Include the labels in templates (requires --without-selector).
        #[arg(long)]
        include_templates: bool,
        /// KEY:VALUE pairs.
        #[arg(value_name = "KEY:VALUE")]
        pairs: Vec<String>,
    },
    /// Add one or more commonAnnotations (KEY:VALUE ...).
    Annotation {
        /// Overwrite an annotation that already exists.
        #[arg(short, long)]
        force: bool,
        /// KEY:VALUE pairs.
        #[arg(value_name = "KEY:VALUE")]
        pairs: Vec<String>,
    },
    /// Add buildMetadata options (OPT1,OPT2): originAnnotations, transformerAnnotations, managedByLabel.
    Buildmetadata {
        /// Comma-separated options.
        #[arg(value_name = "OPTIONS")]
        options: Vec<String>,
    },
    /// Add a configmap to the kustomization file (configMapGenerator).
    Configmap {
        #[command(flatten)]
        generator: GeneratorArgs,
    },
    /// Add a secret to the kustomization file (secretGenerator).
    Secret {
        #[command(flatten)]
        generator: GeneratorArgs,
        /// The secret type: Opaque (default) or kubernetes.io/tls, ...
        #[arg(long = "type", default_value = "Opaque")]
        secret_type: String,
    },
}

/// The arguments and flags of `add configmap` and `add secret`.
#[derive(Args)]
struct GeneratorArgs {
    /// The name of the ConfigMap or Secret.
    #[arg(value_name = "NAME")]
    names: Vec<String>,
    /// A file ([key=]path; globs expand; comma-separated or repeated).
    #[arg(long = "from-file", value_delimiter = ',', value_name = "[KEY=]SOURCE")]
    from_file: Vec<String>,
    /// A key and literal value (key=value; repeated).
    #[arg(
        long = "from-literal",
        allow_hyphen_values = true,
        value_name = "KEY=VALUE"
    )]
    from_literal: Vec<String>,
    /// A file of KEY=value lines (a Docker .env file).
    #[arg(
        long = "from-env-file",
        default_value = "",
        hide_default_value = true,
        value_name = "PATH"
    )]
    from_env_file: String,
    /// Disable the name suffix hash.
    #[arg(long = "disableNameSuffixHash")]
    disable_name_suffix_hash: bool,
    /// create (the default), merge or replace.
    #[arg(long, default_value = "", hide_default_value = true)]
    behavior: String,
    /// The namespace of the generated object.
    #[arg(long, default_value = "", hide_default_value = true)]
    namespace: String,
}

#[derive(Subcommand)]
enum SetCommand {
    /// Set images' new names, tags or digests, as `kustomize edit set image` does.
    ///
    /// Each argument is one of <image>=<newimage>:<newtag>, <image>=<newimage>@<digest>,
    /// <image>=<newimage>:<newtag>@<digest>, <image>=<newimage>, <image>:<newtag>,
    /// <image>:<newtag>@<digest> or <image>@<digest>; `*` as the new name, tag or
    /// digest keeps the value already in the file.
    Image {
        /// The images to set.
        #[arg(required = true, value_name = "IMAGE")]
        images: Vec<String>,
    },
    /// Set the namespace field.
    Namespace {
        /// The namespace.
        #[arg(value_name = "NAMESPACE")]
        values: Vec<String>,
    },
    /// Set the namePrefix field.
    Nameprefix {
        /// The prefix.
        #[arg(value_name = "PREFIX", allow_hyphen_values = true)]
        values: Vec<String>,
    },
    /// Set the nameSuffix field.
    Namesuffix {
        /// The suffix.
        #[arg(value_name = "SUFFIX", allow_hyphen_values = true)]
        values: Vec<String>,
    },
    /// Set replica counts (NAME=COUNT ...).
    Replicas {
        /// NAME=COUNT pairs.
        #[arg(value_name = "NAME=COUNT")]
        replicas: Vec<String>,
    },
    /// Set buildMetadata to exactly these options (OPT1,OPT2).
    Buildmetadata {
        /// Comma-separated options.
        #[arg(value_name = "OPTIONS")]
        options: Vec<String>,
    },
    /// Set commonLabels (KEY:VALUE ...), overwriting present keys.
    Label {
        /// KEY:VALUE pairs.
        #[arg(value_name = "KEY:VALUE")]
        pairs: Vec<String>,
    },
    /// Set commonAnnotations (KEY:VALUE ...), overwriting present keys.
    Annotation {
        /// KEY:VALUE pairs.
        #[arg(value_name = "KEY:VALUE")]
        pairs: Vec<String>,
    },
    /// Set the values of existing literal keys, or the namespace, of a configMapGenerator entry.
    Configmap(SetGeneratorArgs),
    /// Set the values of existing literal keys, or the namespace, of a secretGenerator entry.
    Secret(SetGeneratorArgs),
}

/// The arguments and flags of `set configmap` and `set secret`.
#[derive(Args)]
struct SetGeneratorArgs {
    /// The name of the ConfigMap or Secret.
    #[arg(value_name = "NAME")]
    names: Vec<String>,
    /// An existing key and its new value (key=value; repeated).
    #[arg(
        long = "from-literal",
        allow_hyphen_values = true,
        value_name = "KEY=VALUE"
    )]
    from_literal: Vec<String>,
    /// The current namespace of the entry.
    #[arg(long, default_value = "", hide_default_value = true)]
    namespace: String,
    /// A new namespace for the entry.
    #[arg(long, default_value = "", hide_default_value = true)]
    new_namespace: String,
}

#[derive(Subcommand)]
enum RemoveCommand {
    /// Remove resources matching the patterns (globs) from the kustomization.
    Resource {
        /// Paths or glob patterns.
        #[arg(value_name = "PATTERN")]
        patterns: Vec<String>,
    },
    /// Remove components matching the patterns (globs) from the kustomization.
    Component {
        /// Paths or glob patterns.
        #[arg(value_name = "PATTERN")]
        patterns: Vec<String>,
    },
    /// Remove the patches exactly matching the flags.
    Patch(PatchArgs),
    /// Remove commonLabels (KEY1,KEY2).
    Label {
        /// Do not fail when a label is not there.
        #[arg(short, long)]
        ignore_non_existence: bool,
        /// Comma-separated keys.
        #[arg(value_name = "KEYS")]
        keys: Vec<String>,
    },
    /// Remove commonAnnotations (KEY1,KEY2).
    Annotation {
        /// Do not fail when an annotation is not there.
        #[arg(short, long)]
        ignore_non_existence: bool,
        /// Comma-separated keys.
        #[arg(value_name = "KEYS")]
        keys: Vec<String>,
    },
    /// Remove buildMetadata options (OPT1,OPT2).
    Buildmetadata {
        /// Comma-separated options.
        #[arg(value_name = "OPTIONS")]
        options: Vec<String>,
    },
    /// Remove configMapGenerator entries (NAME1,NAME2) in a namespace.
    Configmap {
        /// Namespace to remove the ConfigMaps from.
        #[arg(long, default_value = "", hide_default_value = true)]
        namespace: String,
        /// Comma-separated names.
        #[arg(value_name = "NAMES")]
        names: Vec<String>,
    },
    /// Remove secretGenerator entries (NAME1,NAME2) in a namespace.
    Secret {
        /// Namespace to remove the Secrets from.
        #[arg(long, default_value = "", hide_default_value = true)]
        namespace: String,
        /// Comma-separated names.
        #[arg(value_name = "NAMES")]
        names: Vec<String>,
    },
}

/// Runs `gitops edit ...`.
pub fn run(args: EditArgs) -> ExitCode {
    exit(run_edit(&args.kustomization, args.command))
}

/// The exit code of a command's result, its error printed.
fn exit(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The kustomization file in `dir`.
fn find_file(dir: &Path) -> Result<PathBuf, String> {
    let found: Vec<PathBuf> = FILE_NAMES
        .iter()
        .map(|n| dir.join(n))
        .filter(|p| p.is_file())
        .collect();
    match found.as_slice() {
        [one] => Ok(one.clone()),
        // kustomize's words, then where it looked.
        [] => Err(format!(
            "Missing kustomization file '{}'. (none of {} in directory '{}')",
            FILE_NAMES[0],
            FILE_NAMES.map(|n| format!("'{n}'")).join(", "),
            dir.display()
        )),
        several => Err(format!(
            "Found multiple kustomization file: [{}] (in directory '{}')",
            several
                .iter()
                .filter_map(|p| p.file_name())
                .map(|n| n.to_string_lossy())
                .collect::<Vec<_>>()
                .join(" "),
            dir.display()
        )),
    }
}

/// Reads the kustomization in `dir`, applies `edit`, writes the file back
/// when its text changed, and prints the notes on standard error.
fn edit_file(
    dir: &Path,
    edit: impl FnOnce(&str) -> Result<Edited, EditError>,
) -> Result<(), String> {
    edit_files(dir, |t| edit(t).map(|e| (e, Vec::new())))
}

/// [`edit_file`] for an edit that also rewrites other files (paths
/// relative to `dir`, with their new bytes): those are written first, as
/// kustomize writes them before the kustomization.
fn edit_files(
    dir: &Path,
    edit: impl FnOnce(&str) -> Result<(Edited, Vec<(String, Vec<u8>)>), EditError>,
) -> Result<(), String> {
    let path = find_file(dir)?;
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (edited, files) = edit(&text).map_err(|e| match e {
        EditError::Refused(message) => message,
        // These name the file at fault.
        e @ (EditError::VarUsage { .. } | EditError::Invalid { .. }) => e.to_string(),
        e => format!("{}: {e}", path.display()),
    })?;
    for note in &edited.notes {
        eprintln!("{note}");
    }
    for (file, bytes) in files {
        let file = dir.join(file);
        std::fs::write(&file, bytes).map_err(|e| format!("{}: {e}", file.display()))?;
    }
    if edited.text != text {
        std::fs::write(&path, edited.text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

/// An edit that logs nothing.
fn quiet(text: Result<String, EditError>) -> Result<Edited, EditError> {
    text.map(|text| Edited {
        text,
        notes: Vec::new(),
    })
}

fn run_edit(dir: &Path, command: EditCommand) -> Result<(), String> {
    match command {
        EditCommand::Add { command } => run_add(dir, command),
        EditCommand::Set { command } => run_set(dir, command),
        EditCommand::Remove { command } => run_remove(dir, command),
        EditCommand::Fix { vars } => run_fix(dir, vars),
    }
}

fn run_add(dir: &Path, command: AddCommand) -> Result<(), String> {
    match command {
        AddCommand::Resource { no_verify, paths } => {
            if paths.is_empty() {
                return Err("must specify a resource file".into());
            }
            let paths = glob_patterns(dir, &paths, no_verify)?;
            let paths = without_kustomization_file(dir, paths);
            if paths.is_empty() {
                return Ok(());
            }
            edit_file(dir, |t| edit::add_resources(t, &paths))
        }
        AddCommand::Component { paths } => {
            if paths.is_empty() {
                return Err("must specify a component file".into());
            }
            let paths = without_kustomization_file(dir, glob_patterns(dir, &paths, false)?);
            if paths.is_empty() {
                return Ok(());
            }
            edit_file(dir, |t| edit::add_components(t, &paths))
        }
        AddCommand::Transformer { paths } => {
            add_plugin_files(dir, &paths, "transformer", edit::add_transformer_files)
        }
        AddCommand::Generator { paths } => {
            add_plugin_files(dir, &paths, "generator", edit::add_generator_files)
        }
        AddCommand::Base { dirs } => {
            let [dirs] = dirs.as_slice() else {
                return Err("must specify a base directory".into());
            };
            let dirs: Vec<String> = dirs.split(',').map(str::to_owned).collect();
            find_file(dir)?;
            if let Some(missing) = dirs.iter().find(|d| !dir.join(d).exists()) {
                return Err(format!("{missing} does not exist"));
            }
            edit_file(dir, |t| quiet(edit::add_bases(t, &dirs)))
        }
        AddCommand::Patch(args) => edit_file(dir, |t| edit::add_patch(t, &args.patch())),
        AddCommand::Label {
            force,
            without_selector,
            include_templates,
            pairs,
        } => {
            if include_templates && !without_selector {
                return Err(
                    "--without-selector flag must be specified for --include-templates to work"
                        .into(),
                );
            }
            let pairs = edit::parse_pairs(&pairs, "label").map_err(|e| e.to_string())?;
            edit_file(dir, |t| {
                quiet(if without_selector {
                    edit::add_labels_without_selector(t, &pairs, include_templates, force)
                } else {
                    edit::add_metadata(t, Metadata::Labels, &pairs, force)
                })
            })
        }
        AddCommand::Annotation { force, pairs } => {
            let pairs = edit::parse_pairs(&pairs, "annotation").map_err(|e| e.to_string())?;
            edit_file(dir, |t| {
                quiet(edit::add_metadata(t, Metadata::Annotations, &pairs, force))
            })
        }
        AddCommand::Buildmetadata { options } => {
            let options = edit::parse_build_metadata(&options).map_err(|e| e.to_string())?;
            edit_file(dir, |t| quiet(edit::add_build_metadata(t, &options)))
        }
        AddCommand::Configmap { generator } => add_generator(dir, generator, None),
        AddCommand::Secret {
            generator,
            secret_type,
        } => add_generator(dir, generator, Some(secret_type)),
    }
}

/// `add configmap|secret`: the sources are expanded and checked, the entry
/// edited, and the object it describes generated (as kustomize does, to
/// check the sources) before the file is written.
fn add_generator(
    dir: &Path,
    args: GeneratorArgs,
    secret_type: Option<String>,
) -> Result<(), String> {
    let files = expand_file_sources(dir, &args.from_file)
        .map_err(|e| format!("failed to expand file source: {e}"))?;
    let flags = edit::GeneratorFlags {
        namespace: args.namespace,
        literals: args.from_literal,
        files,
        env_file: args.from_env_file,
        behavior: args.behavior,
        disable_name_suffix_hash: args.disable_name_suffix_hash,
        secret_type: secret_type.clone(),
    };
    let name = flags.validate(&args.names).map_err(|e| e.to_string())?;
    let field = match secret_type {
        None => "configMapGenerator",
        Some(_) => "secretGenerator",
    };
    let checked = checked_generator(dir, field)?;
    edit_file(dir, |text| {
        let (edited, index) = edit::add_generator(text, field, &name, &flags)?;
        checked(edited, index)
    })
}

/// `set configmap|secret`: the entry edited, and the object it describes
/// generated before the file is written.
fn set_generator(dir: &Path, args: SetGeneratorArgs, field: &str) -> Result<(), String> {
    let checked = checked_generator(dir, field)?;
    edit_file(dir, |text| {
        let (edited, index) = edit::set_generator(
            text,
            field,
            &args.names,
            &args.from_literal,
            &args.namespace,
            &args.new_namespace,
        )?;
        checked(edited, index)
    })
}

/// A check of an edited generator entry: `field[index]` of the text must
/// generate its object (its sources readable and well-formed), as kustomize
/// checks by making it.
fn checked_generator(
    dir: &Path,
    field: &str,
) -> Result<impl Fn(String, usize) -> Result<Edited, EditError>, String> {
    let root = std::path::absolute(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let loader = kustomize_core::fs::Loader::new(
        std::sync::Arc::new(kustomize_core::fs::DiskFs),
        root,
        kustomize_core::fs::LoadRestrictor::RootOnly,
    );
    let secret = field == "secretGenerator";
    let (field, what) = (
        field.to_owned(),
        if secret { "secret" } else { "configmap" },
    );
    Ok(move |edited: String, index: usize| {
        let entry = kustomize_core::yaml::parse_document(&edited)?
            .get(&field)
            .and_then(|list| list.get(index))
            .cloned()
            .unwrap_or_default();
        let generated = if secret {
            serde_json::from_value(entry)
                .map_err(|e| e.to_string())
                .and_then(|args| generate_secret(&args, None, &loader).map_err(|e| e.to_string()))
        } else {
            serde_json::from_value(entry)
                .map_err(|e| e.to_string())
                .and_then(|args| {
                    generate_config_map(&args, None, &loader).map_err(|e| e.to_string())
                })
        };
        match generated {
            Ok(_) => quiet(Ok(edited)),
            Err(e) => Err(EditError::Refused(format!("failed to create {what}: {e}"))),
        }
    })
}

/// kustomize's `ExpandFileSource`: each `[key=]pattern` globbed relative to
/// `dir`; a pattern without a match is skipped (and said so), one with a
/// key must match exactly one file.
fn expand_file_sources(dir: &Path, sources: &[String]) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for source in sources {
        let parts: Vec<&str> = source.split('=').collect();
        let (key, pattern) = match parts.as_slice() {
            [key, pattern] => (Some(*key), *pattern),
            _ => (None, parts[0]),
        };
        let found = glob(dir, pattern)?;
        if found.is_empty() {
            eprintln!("{pattern} has no match");
        }
        match key {
            Some(_) if found.len() != 1 => {
                return Err(format!(
                    "'pattern '{source}' catches files [{}], should catch only one",
                    found.join(" ")
                ));
            }
            Some(key) => out.push(format!("{key}={}", found[0])),
            None => out.extend(found),
        }
    }
    Ok(out)
}

fn run_set(dir: &Path, command: SetCommand) -> Result<(), String> {
    // `set namespace|nameprefix|namesuffix VALUE`.
    let set_one = |values: &[String], what: &str, field: &str| match values {
        [value] => edit_file(dir, |t| quiet(edit::set_field(t, field, value))),
        _ => Err(format!("must specify exactly one {what} value")),
    };
    match command {
        SetCommand::Image { images } => {
            let edits = images
                .iter()
                .map(|a| ImageEdit::parse(a))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| e.to_string())?;
            edit_file(dir, |t| quiet(edit::set_images(t, &edits)))
        }
        SetCommand::Namespace { values } => set_one(&values, "namespace", "namespace"),
        SetCommand::Nameprefix { values } => set_one(&values, "prefix", "namePrefix"),
        SetCommand::Namesuffix { values } => set_one(&values, "suffix", "nameSuffix"),
        SetCommand::Replicas { replicas } => {
            if replicas.is_empty() {
                return Err("no replicas specified".into());
            }
            let replicas = replicas
                .iter()
                .map(|r| edit::parse_replica(r))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| e.to_string())?;
            edit_file(dir, |t| quiet(edit::set_replicas(t, &replicas)))
        }
        SetCommand::Buildmetadata { options } => {
            let options = edit::parse_build_metadata(&options).map_err(|e| e.to_string())?;
            edit_file(dir, |t| quiet(edit::set_build_metadata(t, &options)))
        }
        SetCommand::Label { pairs } => {
            let pairs = edit::parse_pairs(&pairs, "label").map_err(|e| e.to_string())?;
            edit_file(dir, |t| {
                quiet(edit::add_metadata(t, Metadata::Labels, &pairs, true))
            })
        }
        SetCommand::Configmap(args) => set_generator(dir, args, "configMapGenerator"),
        SetCommand::Secret(args) => set_generator(dir, args, "secretGenerator"),
        SetCommand::Annotation { pairs } => {
            let pairs = edit::parse_annotation_pairs(&pairs).map_err(|e| e.to_string())?;
            edit_file(dir, |t| {
                quiet(edit::add_metadata(t, Metadata::Annotations, &pairs, true))
            })
        }
    }
}

fn run_remove(dir: &Path, command: RemoveCommand) -> Result<(), String> {
    match command {
        RemoveCommand::Resource { patterns } => {
            if patterns.is_empty() {
                return Err("must specify a resource file".into());
            }
            edit_file(dir, |t| quiet(edit::remove_resources(t, &patterns)))
        }
        RemoveCommand::Component { patterns } => {
            if patterns.is_empty() {
                return Err("must specify a component file".into());
            }
            edit_file(dir, |t| quiet(edit::remove_components(t, &patterns)))
        }
        RemoveCommand::Patch(args) => edit_file(dir, |t| edit::remove_patch(t, &args.patch())),
        RemoveCommand::Label {
            ignore_non_existence,
            keys,
        } => remove_metadata(dir, Metadata::Labels, &keys, ignore_non_existence),
        RemoveCommand::Annotation {
            ignore_non_existence,
            keys,
        } => remove_metadata(dir, Metadata::Annotations, &keys, ignore_non_existence),
        RemoveCommand::Buildmetadata { options } => {
            let options = edit::parse_build_metadata(&options).map_err(|e| e.to_string())?;
            edit_file(dir, |t| quiet(edit::remove_build_metadata(t, &options)))
        }
        RemoveCommand::Configmap { namespace, names } => edit_file(dir, |t| {
            edit::remove_generators(t, "configmap", &names, &namespace)
        }),
        RemoveCommand::Secret { namespace, names } => edit_file(dir, |t| {
            edit::remove_generators(t, "secret", &names, &namespace)
        }),
    }
}

fn remove_metadata(
    dir: &Path,
    which: Metadata,
    keys: &[String],
    ignore: bool,
) -> Result<(), String> {
    let keys = edit::parse_keys(keys, which).map_err(|e| e.to_string())?;
    edit_file(dir, |t| {
        quiet(edit::remove_metadata(t, which, &keys, ignore))
    })
}

/// `kustomize edit fix [--vars]`: the file is fixed (and with `vars` its
/// vars converted, rewriting the resource and patch files that use them),
/// kustomize's summary printed, and the build before and after compared.
fn run_fix(dir: &Path, vars: bool) -> Result<(), String> {
    let render = || {
        kustomize_core::build_disk(dir, &kustomize_core::BuildOptions::default())
            .map(|b| b.to_yaml())
    };
    let before = render().unwrap_or_default();
    let is_file = |p: &str| dir.join(p).is_file();
    if vars {
        let root = std::path::absolute(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        edit_files(dir, |t| {
            let fixed = edit::fix(t, is_file)?;
            let converted = edit::convert_vars(&fixed, &DiskFs, &root)?;
            let edited = Edited {
                text: converted.kustomization,
                notes: Vec::new(),
            };
            Ok((edited, converted.files))
        })?;
        println!(
            "\nFixed fields:\n  patchesJson6902 -> patches\n  patchesStrategicMerge -> patches\n  commonLabels -> labels\n  vars -> replacements"
        );
    } else {
        edit_file(dir, |t| quiet(edit::fix(t, is_file)))?;
        println!(
            "\nFixed fields:\n  patchesJson6902 -> patches\n  patchesStrategicMerge -> patches\n  commonLabels -> labels\n\n\
             To convert vars -> replacements, run the command `gitops edit fix --vars`\n\n\
             WARNING: Converting vars to replacements will potentially overwrite many resource files\n\
             and the resulting files may not produce the same output when `kustomize build` is run.\n\
             We recommend doing this in a clean git repository where the change is easy to undo."
        );
    }
    match render() {
        Err(e) => println!(
            "Warning: 'Fixed' kustomization now produces the error when running `kustomize build`: {e}"
        ),
        Ok(after) if after != before => println!(
            "Warning: 'Fixed' kustomization now produces different output when running `kustomize build`:\n...{after}..."
        ),
        Ok(_) => {}
    }
    Ok(())
}

/// `paths` without the kustomization file itself (as `*.yaml` would match it).
fn without_kustomization_file(dir: &Path, paths: Vec<String>) -> Vec<String> {
    let own = find_file(dir).ok();
    paths
        .into_iter()
        .filter(|p| own.as_deref() != Some(dir.join(p).as_path()))
        .collect()
}

/// Expands glob `patterns` relative to `dir` as kustomize's
/// `GlobPatternsWithLoader`: matches in order, a pattern with no match
/// kept when it is a remote target, else an error; `no_verify` keeps
/// every pattern as given.
/// `edit add transformer|generator`: the files `patterns` match appended
/// to the kustomization's list of `what` configurations by `add`.
fn add_plugin_files(
    dir: &Path,
    patterns: &[String],
    what: &str,
    add: fn(&str, &[String]) -> Result<edit::Edited, edit::EditError>,
) -> Result<(), String> {
    if patterns.is_empty() {
        return Err(format!(
            "must specify a yaml file which contains a {what} plugin resource"
        ));
    }
    let paths = glob_patterns(dir, patterns, false)?;
    if paths.is_empty() {
        return Ok(());
    }
    edit_file(dir, |t| add(t, &paths))
}

fn glob_patterns(dir: &Path, patterns: &[String], no_verify: bool) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for pattern in patterns {
        if no_verify {
            out.push(pattern.clone());
            continue;
        }
        let found =
            glob(dir, pattern).map_err(|e| format!("error checking the filesystem: {e}"))?;
        if !found.is_empty() {
            out.extend(found);
        } else if is_remote_file(pattern) || RepoSpec::parse(pattern).is_ok() {
            out.push(pattern.clone());
        } else {
            return Err(format!(
                "{pattern} has no match: must build at directory: not a valid directory: '{pattern}' doesn't exist"
            ));
        }
    }
    Ok(out)
}

/// Go's `filepath.Glob` of `pattern` relative to `dir`: `*`, `?` and `[...]`
/// within one path element, matches sorted; a pattern without them names
/// itself when it exists.
fn glob(dir: &Path, pattern: &str) -> Result<Vec<String>, String> {
    let is_meta = |s: &str| s.contains(['*', '?', '[', '\\']);
    if !is_meta(pattern) {
        return Ok(if dir.join(pattern).exists() {
            vec![pattern.to_owned()]
        } else {
            Vec::new()
        });
    }
    let (mut found, rest) = match pattern.strip_prefix('/') {
        Some(rest) => (vec![String::from("/")], rest),
        None => (vec![String::new()], pattern),
    };
    for element in rest.split('/').filter(|e| !e.is_empty()) {
        let mut next = Vec::new();
        for base in &found {
            let join = |name: &str| match base.as_str() {
                "" => name.to_owned(),
                b if b.ends_with('/') => format!("{b}{name}"),
                b => format!("{b}/{name}"),
            };
            if !is_meta(element) {
                let path = join(element);
                if dir.join(&path).exists() {
                    next.push(path);
                }
                continue;
            }
            let matcher = globset::GlobBuilder::new(element)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .map_err(|_| "syntax error in pattern".to_owned())?
                .compile_matcher();
            let listing = if base.is_empty() {
                dir.to_path_buf()
            } else {
                dir.join(base)
            };
            let Ok(entries) = std::fs::read_dir(listing) else {
                continue;
            };
            let mut names: Vec<String> = entries
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|n| matcher.is_match(n))
                .collect();
            names.sort();
            next.extend(names.iter().map(|n| join(n)));
        }
        found = next;
    }
    Ok(found)
}

/// `gitops create`'s arguments (kustomize's `create`).
#[derive(Args)]
pub struct CreateArgs {
    /// Name of a file containing a file to add to the kustomization file (comma-separated, globs expand).
    #[arg(long, default_value = "", hide_default_value = true)]
    resources: String,
    /// Set the value of the namespace field in the kustomization file.
    #[arg(long, default_value = "", hide_default_value = true)]
    namespace: String,
    /// Add one or more common annotations (KEY:VALUE,KEY:VALUE).
    #[arg(long, default_value = "", hide_default_value = true)]
    annotations: String,
    /// Add one or more common labels (KEY:VALUE,KEY:VALUE).
    #[arg(long, default_value = "", hide_default_value = true)]
    labels: String,
    /// Sets the value of the namePrefix field in the kustomization file.
    #[arg(
        long,
        default_value = "",
        hide_default_value = true,
        allow_hyphen_values = true
    )]
    nameprefix: String,
    /// Sets the value of the nameSuffix field in the kustomization file.
    #[arg(
        long,
        default_value = "",
        hide_default_value = true,
        allow_hyphen_values = true
    )]
    namesuffix: String,
    /// Search for kubernetes resources in the current directory to be added to the kustomization file.
    #[arg(long)]
    autodetect: bool,
    /// Enable recursive directory searching for resource auto-detection.
    #[arg(long)]
    recursive: bool,
}

/// Runs `gitops create`: writes kustomization.yaml in the current directory.
pub fn run_create(args: CreateArgs) -> ExitCode {
    exit(create(Path::new("."), args))
}

fn create(dir: &Path, args: CreateArgs) -> Result<(), String> {
    let mut resources = if args.resources.is_empty() {
        Vec::new()
    } else {
        let patterns: Vec<String> = args.resources.split(',').map(str::to_owned).collect();
        glob_patterns(dir, &patterns, false)?
    };
    if FILE_NAMES.iter().any(|n| dir.join(n).exists()) {
        return Err("kustomization file already exists".into());
    }
    if args.autodetect {
        for found in detect_resources(dir, "", args.recursive)? {
            if !resources.contains(&found) {
                resources.push(found);
            }
        }
    }
    let options = edit::CreateOptions {
        resources,
        namespace: args.namespace,
        name_prefix: args.nameprefix,
        name_suffix: args.namesuffix,
        labels: args.labels,
        annotations: args.annotations,
    };
    let text = edit::create(&options).map_err(|e| e.to_string())?;
    let path = dir.join("kustomization.yaml");
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// kustomize's `--autodetect`: the files under `dir/rel` (walked in name
/// order) that read as Kubernetes resources; with `recursive`, also
/// subdirectories, where one holding a kustomization is added itself.
fn detect_resources(dir: &Path, rel: &str, recursive: bool) -> Result<Vec<String>, String> {
    let listing = dir.join(rel);
    let mut entries: Vec<(String, bool)> = std::fs::read_dir(&listing)
        .map_err(|e| format!("{}: {e}", listing.display()))?
        .filter_map(|e| {
            let e = e.ok()?;
            let is_dir = e.file_type().ok()?.is_dir();
            Some((e.file_name().into_string().ok()?, is_dir))
        })
        .collect();
    entries.sort();
    let mut out = Vec::new();
    for (name, is_dir) in entries {
        let path = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        if is_dir {
            if !recursive {
                continue;
            }
            if FILE_NAMES.iter().any(|n| dir.join(&path).join(n).exists()) {
                out.push(path);
            } else {
                out.extend(detect_resources(dir, &path, recursive)?);
            }
        } else if std::fs::read_to_string(dir.join(&path)).is_ok_and(|t| reads_as_resources(&t)) {
            out.push(path);
        }
    }
    Ok(out)
}

/// Whether every document of `text` is a Kubernetes object with a kind and
/// (unless a list) a name, as kustomize's resource factory requires.
fn reads_as_resources(text: &str) -> bool {
    let Ok(docs) = kustomize_core::yaml::parse_documents(text) else {
        return false;
    };
    docs.iter().all(|doc| {
        let str_at = |pointer: &str| doc.pointer(pointer).and_then(|v| v.as_str()).unwrap_or("");
        let kind = str_at("/kind");
        doc.is_object()
            && !kind.is_empty()
            && (kind.ends_with("List") || !str_at("/metadata/name").is_empty())
    })
}
