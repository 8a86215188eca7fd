//! Building a kustomization directory: the public entry point, the
//! per-directory accumulation (the private `target` module), and the steps that run once at
//! the top (content hashes, name references, vars, ordering).

mod crds;
mod helm_charts;
mod load;
mod parsed;
mod patch;
mod plugins;
mod sort;
mod steps;
mod target;

use crate::fs::{FileSystem, LoadRestrictor, Loader};
use crate::resource::Resource;
use crate::{Error, RootOverrides, yaml};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Options of a build, as `kustomize build` flags. Made with
/// [`BuildOptions::default`] (kubectl's defaults) and the `with_` methods,
/// so that new options do not break callers:
///
/// ```
/// use kustomize_core::BuildOptions;
/// use kustomize_core::fs::LoadRestrictor;
/// let options = BuildOptions::default().with_load_restrictor(LoadRestrictor::None);
/// assert!(options.helm.is_none());
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct BuildOptions {
    /// Which files kustomizations may read (`--load-restrictor`).
    pub load_restrictor: LoadRestrictor,
    /// Bounds on the work of one build.
    pub limits: BuildLimits,
    /// The renderer of `helmCharts` (`--enable-helm`); without one, a
    /// kustomization with `helmCharts` fails as kubectl's does.
    pub helm: Option<Arc<dyn crate::helm::ChartRenderer>>,
    /// Fetches remote bases and files (Git URLs, `http(s)://` files);
    /// without one, a kustomization naming them fails.
    pub remote: Option<Arc<dyn crate::remote::RemoteResolver>>,
    /// Edits of the root kustomization made in memory before the build.
    pub root_overrides: Option<Arc<RootOverrides>>,
    /// Capabilities given to every chart (`--helm-api-versions`, `--helm-kube-version`).
    pub helm_capabilities: crate::helm::HelmCapabilities,
}

impl BuildOptions {
    /// Which files kustomizations may read (`--load-restrictor`).
    pub fn with_load_restrictor(mut self, load_restrictor: LoadRestrictor) -> Self {
        self.load_restrictor = load_restrictor;
        self
    }

    /// Bounds on the work of the build.
    pub fn with_limits(mut self, limits: BuildLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Renders `helmCharts` with `renderer` (`--enable-helm`).
    pub fn with_helm(mut self, renderer: Arc<dyn crate::helm::ChartRenderer>) -> Self {
        self.helm = Some(renderer);
        self
    }

    /// Gives every chart these capabilities, replacing its own
    /// (`--helm-api-versions`, `--helm-kube-version`).
    pub fn with_helm_capabilities(mut self, capabilities: crate::helm::HelmCapabilities) -> Self {
        self.helm_capabilities = capabilities;
        self
    }

    /// Fetches remote bases and files with `resolver`.
    pub fn with_remote(mut self, resolver: Arc<dyn crate::remote::RemoteResolver>) -> Self {
        self.remote = Some(resolver);
        self
    }

    /// Applies `overrides` to the root kustomization before building it, as
    /// if the matching `kustomize edit` commands had edited its file.
    pub fn with_root_overrides(mut self, overrides: RootOverrides) -> Self {
        self.root_overrides = (!overrides.is_empty()).then(|| Arc::new(overrides));
        self
    }
}

/// Bounds on the work of one build, so that a hostile tree (a base included
/// many times over, each time through more bases) fails with
/// [`Error::LimitExceeded`] instead of exhausting memory. A base included
/// twice counts twice, as kustomize loads it twice (a build parses each
/// file once and hands later inclusions copies, but counts every one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BuildLimits {
    /// Most kustomizations (and components) loaded.
    pub max_kustomizations: usize,
    /// Most resources read from resource files.
    pub max_resources: usize,
    /// Most bytes of resource files read.
    pub max_resource_bytes: usize,
}

impl Default for BuildLimits {
    /// 10,000 kustomizations, 100,000 resources and 512 MiB: far above
    /// real repositories (the largest known roots load a few hundred
    /// kustomizations and a few thousand resources).
    fn default() -> Self {
        Self {
            max_kustomizations: 10_000,
            max_resources: 100_000,
            max_resource_bytes: 512 << 20,
        }
    }
}

/// The result of a build.
#[derive(Debug, Clone, PartialEq)]
pub struct Build {
    /// The rendered resources, in output order.
    pub resources: Vec<Resource>,
    /// Warnings kustomize would print on stderr (deprecated fields, …).
    pub warnings: Vec<String>,
}

impl Build {
    /// The resources as `kubectl kustomize` prints them.
    pub fn to_yaml(&self) -> String {
        let mut out = String::new();
        self.for_each_document(|doc| {
            out.push_str(doc);
            Ok::<(), std::convert::Infallible>(())
        })
        .unwrap_or_else(|never| match never {});
        out
    }

    /// Writes the resources as `kubectl kustomize` prints them, one
    /// document at a time (no copy of the whole output is held).
    pub fn write_yaml(&self, w: &mut impl std::io::Write) -> std::io::Result<()> {
        self.for_each_document(|doc| w.write_all(doc.as_bytes()))
    }

    /// Calls `f` with each document's text, `---` separators included.
    fn for_each_document<E>(&self, mut f: impl FnMut(&str) -> Result<(), E>) -> Result<(), E> {
        let mut buf = String::new();
        for (i, r) in self.resources.iter().enumerate() {
            buf.clear();
            if i > 0 {
                buf.push_str("---\n");
            }
            yaml::emit_object(&r.object, &mut buf);
            f(&buf)?;
        }
        Ok(())
    }
}

/// Builds the kustomization in directory `dir` of `fs`.
pub fn build(fs: Arc<dyn FileSystem>, dir: &Path, options: &BuildOptions) -> Result<Build, Error> {
    let abs = crate::fs::normalize(Path::new("/"), dir);
    if !fs.is_dir(&abs) {
        return Err(Error::NotADirectory {
            dir: dir.to_path_buf(),
        });
    }
    let root = fs
        .canonicalize(&abs)
        .map_err(|source| crate::fs::LoadError::Io {
            path: abs.clone(),
            source,
        })?;
    let loader = Loader::new(fs, root, options.load_restrictor).with_remote(options.remote.clone());
    build_loader(loader, options)
}

/// Builds the kustomization `loader` is rooted at.
fn build_loader(loader: Loader, options: &BuildOptions) -> Result<Build, Error> {
    let mut ctx = target::Context::new(options, loader.fs());
    let resources = target::build_root(loader, options.root_overrides.as_deref(), &mut ctx)?;
    Ok(Build {
        resources,
        warnings: ctx.warnings,
    })
}

/// Builds a directory on the local disk (relative paths are taken from the
/// current directory), or, as kustomize does when the target is a Git URL
/// ([`crate::remote::RepoSpec`]), the directory of a remote repository
/// fetched with the options' resolver.
pub fn build_disk(dir: &Path, options: &BuildOptions) -> Result<Build, Error> {
    if let Some(spec) = dir
        .to_str()
        .and_then(|d| crate::remote::RepoSpec::parse(d).ok())
    {
        let local = Loader::new(
            Arc::new(crate::fs::DiskFs),
            PathBuf::from("/"),
            options.load_restrictor,
        )
        .with_remote(options.remote.clone());
        return build_loader(local.remote(&spec)?, options);
    }
    let abs = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|source| crate::fs::LoadError::Io {
                path: dir.to_path_buf(),
                source,
            })?
            .join(dir)
    };
    build(Arc::new(crate::fs::DiskFs), &abs, options)
}
