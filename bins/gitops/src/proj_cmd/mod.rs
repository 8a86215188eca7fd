//! `gitops proj …`: Argo CD's `argocd proj` commands against the AppProject objects of
//! the cluster in the kubeconfig.

mod client;
mod print;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use gitops_engine::app::project::{AppProject, ProjectDestination, ProjectMetadata};

use crate::app_cmd::output::print_document;
use crate::app_cmd::{CliError, EXIT_GENERIC, block_on_command};
use client::Projects;

/// Arguments of `gitops proj`.
#[derive(Debug, Args)]
pub struct ProjArgs {
    /// The kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config).
    #[arg(long, global = true, value_name = "FILE")]
    kubeconfig: Option<PathBuf>,
    /// The namespace of the AppProject objects (the control plane's).
    #[arg(short = 'N', long, global = true, default_value = "argocd")]
    proj_namespace: String,
    #[command(subcommand)]
    command: ProjCommand,
}

#[derive(Debug, Subcommand)]
enum ProjCommand {
    /// List projects.
    List {
        /// Output format: wide, name, json or yaml.
        #[arg(short, long, default_value = "wide", value_parser = ["wide", "name", "json", "yaml"])]
        output: String,
    },
    /// Get project details.
    Get {
        /// The project.
        project: String,
        /// Output format: wide, json or yaml.
        #[arg(short, long, default_value = "wide", value_parser = ["wide", "json", "yaml"])]
        output: String,
    },
    /// Create a project.
    Create {
        /// The project (optional with --file: its metadata.name).
        #[arg(required_unless_present = "file")]
        project: Option<String>,
        /// A YAML or JSON file holding the AppProject; the other flags are ignored.
        #[arg(short = 'f', long = "file", value_name = "FILE")]
        file: Option<PathBuf>,
        /// Replace the spec of an existing project of that name.
        #[arg(long)]
        upsert: bool,
        /// Project description.
        #[arg(long, default_value = "")]
        description: String,
        /// Permitted destination server and namespace (e.g. https://192.168.99.100:8443,default).
        #[arg(short = 'd', long = "dest", value_name = "SERVER,NAMESPACE")]
        destinations: Vec<String>,
        /// Permitted source repository URL.
        #[arg(short = 's', long = "src", value_name = "URL")]
        sources: Vec<String>,
        /// Namespaces whose Applications may use the project.
        #[arg(long = "source-namespaces", value_delimiter = ',')]
        source_namespaces: Vec<String>,
        /// Enables orphaned resources monitoring.
        #[arg(long)]
        orphaned_resources: bool,
        /// Warn about orphaned resources.
        #[arg(long)]
        orphaned_resources_warn: bool,
    },
    /// Add project destination.
    AddDestination {
        /// The project.
        project: String,
        /// The destination server URL (or cluster name with --name).
        destination: String,
        /// The destination namespace.
        namespace: String,
        /// Use name as destination instead server.
        #[arg(long)]
        name: bool,
    },
    /// Add project source repository.
    AddSource {
        /// The project.
        project: String,
        /// The repository URL.
        url: String,
    },
    /// Manage a project's sync windows.
    Windows {
        #[command(subcommand)]
        command: WindowsCommand,
    },
}

#[derive(Debug, Subcommand)]
enum WindowsCommand {
    /// List project sync windows.
    List {
        /// The project.
        project: String,
        /// Output format: wide, json or yaml.
        #[arg(short, long, default_value = "wide", value_parser = ["wide", "json", "yaml"])]
        output: String,
    },
}

/// Runs a `proj` command; failures are reported on stderr with exit code 20.
pub fn run(args: ProjArgs) -> ExitCode {
    let mut out = std::io::stdout();
    block_on_command(EXIT_GENERIC, async {
        dispatch(&args, &mut out).await?;
        out.flush()?;
        Ok(0)
    })
}

async fn dispatch<W: Write>(args: &ProjArgs, out: &mut W) -> Result<(), CliError> {
    let projects = Projects::connect(args.kubeconfig.as_deref(), &args.proj_namespace).await?;
    match &args.command {
        ProjCommand::List { output } => {
            let listed = projects.list().await?;
            match output.as_str() {
                "json" | "yaml" => {
                    let items = listed.iter().map(AppProject::to_value).collect();
                    print_document(out, &serde_json::Value::Array(items), output)?;
                }
                "name" => {
                    for p in &listed {
                        writeln!(out, "{}", p.metadata.name)?;
                    }
                }
                _ => print::project_table(out, &listed)?,
            }
        }
        ProjCommand::Get { project, output } => {
            let project = projects.get(project).await?;
            match output.as_str() {
                "json" | "yaml" => print_document(out, &project.to_value(), output)?,
                _ => print::project_details(out, &project)?,
            }
        }
        ProjCommand::Create {
            project,
            file: Some(file),
            upsert,
            ..
        } => {
            let new = project_from_file(file, project.as_deref(), &args.proj_namespace)?;
            projects.create(&new, *upsert).await?;
        }
        ProjCommand::Create {
            project,
            file: None,
            upsert,
            description,
            destinations,
            sources,
            source_namespaces,
            orphaned_resources,
            orphaned_resources_warn,
        } => {
            let mut new = AppProject {
                metadata: ProjectMetadata {
                    name: project.clone().unwrap_or_default(),
                    namespace: args.proj_namespace.clone(),
                    ..ProjectMetadata::default()
                },
                ..AppProject::default()
            };
            new.spec.description = description.clone();
            new.spec.destinations = destinations
                .iter()
                .map(|d| parse_destination(d))
                .collect::<Result<_, _>>()?;
            new.spec.source_repos = sources.clone();
            new.spec.source_namespaces = source_namespaces.clone();
            if *orphaned_resources || *orphaned_resources_warn {
                new.spec.orphaned_resources =
                    Some(gitops_engine::app::project::OrphanedResources {
                        warn: Some(*orphaned_resources_warn),
                        ignore: Vec::new(),
                    });
            }
            projects.create(&new, *upsert).await?;
        }
        ProjCommand::AddDestination {
            project,
            destination,
            namespace,
            name,
        } => {
            let mut current = projects.get(project).await?;
            let entry = if *name {
                ProjectDestination {
                    name: destination.clone(),
                    namespace: namespace.clone(),
                    ..ProjectDestination::default()
                }
            } else {
                ProjectDestination {
                    server: destination.clone(),
                    namespace: namespace.clone(),
                    ..ProjectDestination::default()
                }
            };
            let exists = current.spec.destinations.iter().any(|d| {
                d.namespace == entry.namespace
                    && ((!entry.server.is_empty() && d.server == entry.server)
                        || (!entry.name.is_empty() && d.name == entry.name))
            });
            if exists {
                return Err(CliError::Usage(
                    "Specified destination is already defined in project".to_owned(),
                ));
            }
            current.spec.destinations.push(entry);
            projects.update(&current).await?;
        }
        ProjCommand::AddSource { project, url } => {
            let mut current = projects.get(project).await?;
            if current.spec.source_repos.contains(url) {
                writeln!(out, "Source repository '{url}' already allowed in project")?;
                return Ok(());
            }
            current.spec.source_repos.push(url.clone());
            projects.update(&current).await?;
        }
        ProjCommand::Windows {
            command: WindowsCommand::List { project, output },
        } => {
            let project = projects.get(project).await?;
            match output.as_str() {
                "json" | "yaml" => {
                    let windows = serde_json::to_value(&project.spec.sync_windows)
                        .map_err(|e| CliError::Usage(e.to_string()))?;
                    print_document(out, &windows, output)?;
                }
                _ => print::windows_table(out, &project, jiff::Timestamp::now())?,
            }
        }
    }
    Ok(())
}

/// The AppProject of `proj create -f FILE`; a project name given as well must
/// be the file's `metadata.name`, as argocd requires.
fn project_from_file(
    file: &std::path::Path,
    name: Option<&str>,
    namespace: &str,
) -> Result<AppProject, CliError> {
    let document = crate::appset_cmd::read_documents(file)?
        .into_iter()
        .find(|d| d["kind"] == gitops_engine::app::project::PROJECT_KIND)
        .ok_or_else(|| CliError::Usage(format!("{}: no AppProject in the file", file.display())))?;
    let mut project = AppProject::from_value(&document)?;
    if let Some(name) = name
        && name != project.metadata.name
    {
        return Err(CliError::Usage(format!(
            "project name '{name}' does not match project spec metadata.name '{}'",
            project.metadata.name
        )));
    }
    if project.metadata.namespace.is_empty() {
        project.metadata.namespace = namespace.to_owned();
    }
    Ok(project)
}

/// `SERVER,NAMESPACE` of `--dest`.
fn parse_destination(text: &str) -> Result<ProjectDestination, CliError> {
    let (server, namespace) = text.split_once(',').ok_or_else(|| {
        CliError::Usage(format!(
            "Expected destination of form: server,namespace. Received: {text}"
        ))
    })?;
    Ok(ProjectDestination {
        server: server.to_owned(),
        namespace: namespace.to_owned(),
        ..ProjectDestination::default()
    })
}
