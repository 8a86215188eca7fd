//! `gitops helm template`: flags as `helm template` takes them; the work is helm-core's.

use clap::{Args, Subcommand};
use helm_core::Error;
use helm_core::manifests::OutputOptions;
use helm_core::objects::{Capabilities, KubeVersion, ReleaseOptions};
use helm_core::render::{TemplateOptions, template_path};
use helm_core::values::ValueOptions;
use kustomize_core::fs::DiskFs;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// `gitops helm …` commands.
#[derive(Subcommand)]
pub enum HelmCommand {
    /// Render a chart locally and print the manifests, as `helm template` does.
    Template(TemplateArgs),
}

/// The arguments of `gitops helm template [NAME] CHART`.
#[derive(Args)]
pub struct TemplateArgs {
    /// `[NAME] CHART`: an optional release name, then a chart directory or .tgz archive.
    #[arg(value_name = "NAME] [CHART", num_args = 0..=2)]
    args: Vec<String>,
    /// Values files, lowest precedence first (comma-separated or repeated).
    #[arg(short = 'f', long = "values", value_delimiter = ',')]
    values: Vec<String>,
    /// Values as key=value (a.b=c, list[0]=x, null deletes).
    #[arg(long = "set")]
    set: Vec<String>,
    /// Values as key=value, always strings.
    #[arg(long = "set-string")]
    set_string: Vec<String>,
    /// Values as key=path, the file's contents becoming the value.
    #[arg(long = "set-file")]
    set_file: Vec<String>,
    /// Values as key=JSON, or a whole JSON object.
    #[arg(long = "set-json")]
    set_json: Vec<String>,
    /// The release namespace.
    #[arg(short = 'n', long, default_value = "default")]
    namespace: String,
    /// A template for the release name.
    #[arg(long = "name-template")]
    name_template: Option<String>,
    /// The Kubernetes version `.Capabilities.KubeVersion` reports.
    #[arg(long = "kube-version")]
    kube_version: Option<String>,
    /// Extra API versions for `.Capabilities.APIVersions` (comma-separated or repeated).
    #[arg(short = 'a', long = "api-versions", value_delimiter = ',')]
    api_versions: Vec<String>,
    /// Print the chart's CRDs (crds/) first.
    #[arg(long = "include-crds")]
    include_crds: bool,
    /// Leave out test hooks.
    #[arg(long = "skip-tests")]
    skip_tests: bool,
    /// Leave out all hooks.
    #[arg(long = "no-hooks")]
    no_hooks: bool,
    /// Only print manifests rendered from these templates (globs allowed).
    #[arg(short = 's', long = "show-only")]
    show_only: Vec<String>,
    /// Do not validate values against values.schema.json.
    #[arg(long = "skip-schema-validation")]
    skip_schema_validation: bool,
    /// Fail on missing values instead of rendering them empty.
    #[arg(long)]
    strict: bool,
    /// Print the rendered files even when they are not valid YAML.
    #[arg(long)]
    debug: bool,
}

/// Runs a `gitops helm` command.
pub fn run(command: HelmCommand) -> ExitCode {
    match command {
        HelmCommand::Template(args) => template(args),
    }
}

fn template(args: TemplateArgs) -> ExitCode {
    let (name, chart) = match args.args.as_slice() {
        [chart] => ("release-name".to_string(), chart.clone()),
        [name, chart] => (name.clone(), chart.clone()),
        _ => {
            eprintln!(
                "Error: \"helm template\" requires at least 1 argument\n\nUsage:  helm template [NAME] [CHART] [flags]"
            );
            return ExitCode::FAILURE;
        }
    };
    let mut capabilities = Capabilities::default();
    if let Some(version) = &args.kube_version {
        match KubeVersion::parse(version) {
            Ok(v) => capabilities.kube_version = v,
            Err(e) => return fail(&e),
        }
    }
    capabilities.api_versions.extend(args.api_versions);
    let options = TemplateOptions {
        release: ReleaseOptions {
            name,
            namespace: args.namespace,
            ..ReleaseOptions::default()
        },
        name_template: args.name_template,
        capabilities,
        output: OutputOptions {
            include_crds: args.include_crds,
            skip_tests: args.skip_tests,
            disable_hooks: args.no_hooks,
            show_only: args.show_only,
            hide_secret: false,
        },
        skip_schema_validation: args.skip_schema_validation,
        strict: args.strict,
    };
    let values = ValueOptions {
        value_files: args.values.into_iter().map(Into::into).collect(),
        json_values: args.set_json,
        values: args.set,
        string_values: args.set_string,
        file_values: args.set_file,
        ..ValueOptions::default()
    };
    match template_path(&DiskFs, Path::new(&chart), &values, Path::new(""), &options) {
        Ok(out) => {
            let mut stdout = std::io::stdout().lock();
            if stdout
                .write_all(out.as_bytes())
                .and_then(|_| stdout.flush())
                .is_err()
            {
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Err(Error::ManifestYaml {
            template,
            source,
            rendered,
        }) => {
            if args.debug {
                println!("{}", rendered.trim());
            }
            let error = Error::ManifestYaml {
                template,
                source,
                rendered: String::new(),
            };
            if args.debug {
                fail(&error)
            } else {
                eprintln!("Error: {error}\n\nUse --debug flag to render out invalid YAML");
                ExitCode::FAILURE
            }
        }
        Err(e) => fail(&e),
    }
}

fn fail(error: &Error) -> ExitCode {
    eprintln!("Error: {error}");
    ExitCode::FAILURE
}
