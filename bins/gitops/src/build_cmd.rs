//! `gitops build`: render a kustomization (a directory, or a Git URL of one;
//! remote bases fetched with `RemoteBases`) as `kubectl kustomize` does, to
//! standard output, to one file, or to one file per resource.

use gitops_engine::source::{RemoteBases, RepoAccess, RepoTls, parse_repo_ca_flag};
use kustomize_core::fs::LoadRestrictor;
use kustomize_core::helm::HelmCapabilities;
use kustomize_core::resource::Resource;
use kustomize_core::{Build, BuildLimits, BuildOptions, build_disk};
use std::collections::HashMap;
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// The flags of `gitops build`, those of `kubectl kustomize`.
#[derive(clap::Args)]
pub struct BuildArgs {
    /// The kustomization directory, or a Git URL of one (kustomize's
    /// remote target syntax, e.g. `https://host/org/repo//dir?ref=v1`).
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Which files kustomizations may read: LoadRestrictionsRootOnly or LoadRestrictionsNone.
    #[arg(long, default_value = "LoadRestrictionsRootOnly")]
    load_restrictor: LoadRestrictor,
    /// Render `helmCharts` (charts unpacked under `helmGlobals.chartHome`;
    /// nothing is pulled), as kubectl's flag of the same name.
    #[arg(long)]
    enable_helm: bool,
    /// Kubernetes API versions for the charts' `Capabilities.APIVersions`
    /// (repeatable); replaces each `helmCharts` entry's `apiVersions`.
    #[arg(long, value_name = "GROUP/VERSION")]
    helm_api_versions: Vec<String>,
    /// Kubernetes version for the charts' `Capabilities.KubeVersion`;
    /// replaces each `helmCharts` entry's `kubeVersion`.
    #[arg(long, value_name = "VERSION", default_value = "")]
    helm_kube_version: String,
    /// The helm executable kubectl would run; accepted for compatibility
    /// and unused: charts are rendered natively.
    #[arg(long, value_name = "PATH")]
    helm_command: Option<String>,
    /// Helm's debug output; accepted for compatibility and unused.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    helm_debug: Option<bool>,
    /// Write the output to this path instead of standard output. When it
    /// is an existing directory, each resource goes to a file of its own,
    /// named as kustomize names them:
    /// `[<namespace>_]<group>_<version>_<kind>_<name>.yaml`, lower-cased.
    // An `OsString`: clap refuses an empty `PathBuf`, and kustomize takes
    // `-o ''` for standard output.
    #[arg(short = 'o', long, value_name = "PATH")]
    output: Option<OsString>,
    /// Where repositories named by remote bases (Git URLs in `resources`,
    /// `components`, or as the target) are cloned and kept between runs.
    /// Default: a temporary directory, removed afterwards (kustomize clones
    /// afresh on every run).
    #[arg(long, value_name = "DIR")]
    repo_cache: Option<PathBuf>,
    /// Trust the PEM certificate authorities in FILE for `https://` remote
    /// bases on HOST, besides the system's (as the controller's flag);
    /// repeatable.
    #[arg(long = "repo-ca", value_name = "HOST=FILE", value_parser = parse_repo_ca_flag)]
    repo_cas: Vec<(String, PathBuf)>,
    #[command(flatten)]
    limits: LimitFlags,
    #[command(flatten)]
    functions: FunctionFlags,
}

/// Bounds on the work of one build (not kustomize's: a tree that goes past
/// one fails with an error naming it, instead of exhausting memory).
#[derive(clap::Args)]
struct LimitFlags {
    /// Most kustomizations (and components) the build may load.
    #[arg(long, value_name = "N", default_value_t = BuildLimits::default().max_kustomizations)]
    max_kustomizations: usize,
    /// Most resources the build may read from resource files.
    #[arg(long, value_name = "N", default_value_t = BuildLimits::default().max_resources)]
    max_resources: usize,
    /// Most bytes of resource files the build may read.
    #[arg(long, value_name = "BYTES", default_value_t = BuildLimits::default().max_resource_bytes)]
    max_resource_bytes: usize,
}

impl From<&LimitFlags> for BuildLimits {
    fn from(flags: &LimitFlags) -> Self {
        BuildLimits {
            max_kustomizations: flags.max_kustomizations,
            max_resources: flags.max_resources,
            max_resource_bytes: flags.max_resource_bytes,
        }
    }
}

/// kustomize's flags for KRM function plugins, which gitops does not run:
/// accepted so that a `kubectl kustomize` command line parses, then refused.
#[derive(clap::Args)]
struct FunctionFlags {
    /// Enable kustomize plugins (not supported: refused).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    enable_alpha_plugins: Option<bool>,
    /// Environment variables for KRM functions (not supported: refused).
    #[arg(short = 'e', long = "env", value_name = "KEY=VALUE")]
    env: Vec<String>,
    /// Storage mounted into KRM functions (not supported: refused).
    #[arg(long, value_name = "MOUNT")]
    mount: Vec<String>,
    /// Network access for KRM functions (not supported: refused).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    network: Option<bool>,
    /// The docker network of KRM functions (not supported: refused).
    #[arg(long, value_name = "NAME")]
    network_name: Option<String>,
    /// Run KRM functions as the current user (not supported: refused).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    as_current_user: Option<bool>,
}

impl FunctionFlags {
    /// The flags given that only KRM function plugins would use. A boolean
    /// flag set to `false` asks for nothing and is not listed.
    fn used(&self) -> Vec<&'static str> {
        let mut used = Vec::new();
        if self.enable_alpha_plugins == Some(true) {
            used.push("--enable-alpha-plugins");
        }
        if !self.env.is_empty() {
            used.push("-e/--env");
        }
        if !self.mount.is_empty() {
            used.push("--mount");
        }
        if self.network == Some(true) {
            used.push("--network");
        }
        if self.network_name.is_some() {
            used.push("--network-name");
        }
        if self.as_current_user == Some(true) {
            used.push("--as-current-user");
        }
        used
    }
}

/// Runs `gitops build`.
pub fn run(args: BuildArgs) -> ExitCode {
    let used = args.functions.used();
    if !used.is_empty() {
        eprintln!(
            "Error: KRM function plugins are not supported: {} configure kustomize's alpha \
             plugins (containers, executables, Starlark), which gitops does not run",
            used.join(", ")
        );
        return ExitCode::FAILURE;
    }
    let temp;
    let cache = match args.repo_cache {
        Some(dir) => dir,
        None => match tempfile::tempdir() {
            Ok(dir) => {
                temp = dir;
                temp.path().to_path_buf()
            }
            Err(e) => {
                eprintln!("Error: cannot make a directory for remote bases: {e}");
                return ExitCode::FAILURE;
            }
        },
    };
    let (mut access, problems) = RepoAccess::for_command_line();
    for problem in problems {
        eprintln!("# Warning: {problem}; SSH hosts are not trusted");
    }
    access.tls = match RepoTls::from_flags(&args.repo_cas) {
        Ok(tls) => tls,
        Err(e) => {
            eprintln!("Error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut options = BuildOptions::default()
        .with_load_restrictor(args.load_restrictor)
        .with_limits(BuildLimits::from(&args.limits))
        .with_remote(Arc::new(RemoteBases::new(cache, access)));
    if args.enable_helm {
        options = options
            .with_helm(Arc::new(helm_core::kustomize::HelmRenderer))
            .with_helm_capabilities(HelmCapabilities {
                api_versions: args.helm_api_versions,
                kube_version: args.helm_kube_version,
            });
        for (flag, given) in [
            ("--helm-command", args.helm_command.is_some()),
            ("--helm-debug", args.helm_debug.is_some()),
        ] {
            if given {
                eprintln!("# Warning: {flag} is not used: charts are rendered without helm");
            }
        }
    }
    let build = match build_disk(&args.dir, &options) {
        Ok(build) => build,
        Err(e) => {
            eprintln!("Error: {e}");
            if matches!(e, kustomize_core::Error::LimitExceeded { .. }) {
                eprintln!(
                    "The bounds are set with --max-kustomizations, --max-resources and \
                     --max-resource-bytes."
                );
            }
            return ExitCode::FAILURE;
        }
    };
    for w in &build.warnings {
        eprintln!("{w}");
    }
    // An empty path means standard output, as in kustomize.
    let output = args
        .output
        .as_deref()
        .filter(|p| !p.is_empty())
        .map(Path::new);
    let written = match output {
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            // A closed standard output (`gitops build | head`) fails
            // quietly, as before.
            return match build.write_yaml(&mut out).and_then(|()| out.flush()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(_) => ExitCode::FAILURE,
            };
        }
        Some(dir) if dir.is_dir() => write_individual_files(&build, dir),
        Some(file) => write_one_file(&build, file),
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Writes the whole output to `path`, as `kubectl kustomize -o FILE`.
fn write_one_file(build: &Build, path: &Path) -> Result<(), String> {
    let describe = |e: std::io::Error| format!("open {}: {e}", path.display());
    let file = std::fs::File::create(path).map_err(describe)?;
    let mut out = std::io::BufWriter::new(file);
    build
        .write_yaml(&mut out)
        .and_then(|()| out.flush())
        .map_err(describe)
}

/// Writes each resource to a file of its own in `dir`, named by
/// [`file_names`], as `kubectl kustomize -o DIR` does.
fn write_individual_files(build: &Build, dir: &Path) -> Result<(), String> {
    let mut text = String::new();
    for (name, resource) in file_names(&build.resources)? {
        text.clear();
        kustomize_core::yaml::emit_object(&resource.object, &mut text);
        let path = dir.join(&name);
        std::fs::write(&path, &text).map_err(|e| format!("open {}: {e}", path.display()))?;
    }
    Ok(())
}

/// Kustomize's file name for each resource, in the order it writes them
/// (a later file of the same name replaces an earlier one).
///
/// The name is the resource's group (when not the core group), version,
/// kind and name joined by `_`, lower-cased, with `.yaml` appended.
/// Namespaced resources come first, grouped by namespace (unset meaning
/// `default`); when they span more than one namespace, each name starts
/// with its lower-cased namespace and `_`. Cluster-scoped resources come
/// last and never carry a namespace. Kustomize iterates the namespaces in
/// no fixed order; these follow the order of their first resource. A
/// resource whose name holds a path separator is refused (kustomize would
/// try to write into a subdirectory).
fn file_names(resources: &[Resource]) -> Result<Vec<(String, &Resource)>, String> {
    let mut groups: Vec<(String, Vec<&Resource>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut cluster_scoped = Vec::new();
    for resource in resources {
        if resource.gvk().is_cluster_scoped() {
            cluster_scoped.push(resource);
            continue;
        }
        let namespace = resource.id().effective_namespace().to_owned();
        let i = *index.entry(namespace.clone()).or_insert_with(|| {
            groups.push((namespace, Vec::new()));
            groups.len() - 1
        });
        groups[i].1.push(resource);
    }
    let prefix_namespace = groups.len() > 1;
    let mut names = Vec::with_capacity(resources.len());
    for (namespace, members) in &groups {
        for resource in members {
            let mut name = file_name(resource)?;
            if prefix_namespace {
                name = format!("{}_{name}", namespace.to_lowercase());
            }
            names.push((name, *resource));
        }
    }
    for resource in cluster_scoped {
        names.push((file_name(resource)?, resource));
    }
    Ok(names)
}

/// `<group>_<version>_<kind>_<name>.yaml` lower-cased, empty parts of the
/// kind's group and version left out.
fn file_name(resource: &Resource) -> Result<String, String> {
    let gvk = resource.gvk();
    let parts = [
        gvk.group.as_str(),
        gvk.version.as_str(),
        gvk.kind.as_str(),
        resource.name(),
    ];
    let stem: Vec<&str> = parts[..3]
        .iter()
        .copied()
        .filter(|p| !p.is_empty())
        .collect();
    let file = format!("{}_{}.yaml", stem.join("_"), parts[3]).to_lowercase();
    if file.contains(['/', '\\']) {
        return Err(format!(
            "cannot write {} {:?} to a file of its own: the file name {file:?} holds a path separator",
            gvk.kind,
            resource.name()
        ));
    }
    Ok(file)
}
