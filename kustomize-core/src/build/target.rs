//! One kustomization directory and how its resources are accumulated:
//! resources (files and bases, each base built on its own), generators,
//! components, then transformers in kustomize's fixed order.

use super::BuildLimits;
use super::load::resources_from_bytes;
use super::parsed::{ParsedFiles, ResourceFile};
use super::sort::SortOrder;
use super::steps::{self, Config};
use crate::Error;
use crate::error::FieldError;
use crate::fs::{FileSystem, LoadError, Loader};
use crate::kustomization::{Kustomization, RootOverrides};
use crate::origin::{Origin, OriginBase};
use crate::remote::{RemoteError, RepoSpec, is_remote_file};
use crate::resmap::ResMap;
use crate::resource::Resource;
use crate::smp::Schema;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What a kustomization directory contributes: its resources, the field
/// specs its transformers used (merged upward), and its `vars`.
#[derive(Debug)]
pub(crate) struct Accumulator {
    /// Resources in accumulation order.
    pub res: ResMap,
    /// Field specs (builtin defaults plus `configurations` and `crds`).
    pub config: Config,
    /// `vars` declared so far.
    pub vars: crate::vars::VarSet,
}

impl Default for Accumulator {
    /// An empty accumulator; its (empty) config is one shared value, so
    /// that config merges can be memoized.
    fn default() -> Self {
        Self {
            res: ResMap::default(),
            config: steps::empty_config(),
            vars: Default::default(),
        }
    }
}

/// State shared by every kustomization of one build.
pub(crate) struct Context {
    /// Warnings to print (deprecated fields).
    pub warnings: Vec<String>,
    /// The bounds of this build.
    limits: BuildLimits,
    /// Kustomizations loaded so far.
    kustomizations_loaded: usize,
    /// Resources read from files so far.
    resources_read: usize,
    /// Bytes of resource files read so far.
    bytes_read: usize,
    /// The custom OpenAPI schema in force, if any. Like kustomize's global
    /// schema, the first kustomization reached (the root first, then in
    /// accumulation order) whose `openapi` field names a schema sets it.
    schema: Option<Arc<Schema>>,
    schema_chosen: bool,
    /// The renderer of `helmCharts`; `None` unless Helm is enabled.
    pub helm: Option<super::helm_charts::SharedRenderer>,
    /// Capabilities replacing the charts' own.
    pub helm_capabilities: crate::helm::HelmCapabilities,
    /// Kustomization and resource files parsed so far, for later inclusions.
    parsed: ParsedFiles,
}

impl Context {
    /// The state of a new build with `options`, rooted on file system `fs`
    /// (whose files are parsed once).
    pub fn new(options: &super::BuildOptions, fs: &Arc<dyn FileSystem>) -> Self {
        Self {
            warnings: Vec::new(),
            limits: options.limits,
            kustomizations_loaded: 0,
            resources_read: 0,
            bytes_read: 0,
            schema: None,
            schema_chosen: false,
            helm: options.helm.clone(),
            helm_capabilities: options.helm_capabilities.clone(),
            parsed: ParsedFiles::new(Arc::clone(fs)),
        }
    }

    /// Counts a resource file read by kustomization `t`, failing past the limits.
    pub(crate) fn charge(
        &mut self,
        t: &Target,
        bytes: usize,
        resources: usize,
    ) -> Result<(), Error> {
        self.bytes_read = self.bytes_read.saturating_add(bytes);
        self.resources_read = self.resources_read.saturating_add(resources);
        let limits = self.limits;
        over_limit(
            t,
            "bytes of resource files",
            self.bytes_read,
            limits.max_resource_bytes,
        )?;
        over_limit(t, "resources", self.resources_read, limits.max_resources)
    }

    /// The custom schema strategic merge patches use, if one was chosen
    /// (otherwise they use [`Schema::builtin`]).
    pub fn custom_schema(&self) -> Option<Arc<Schema>> {
        self.schema.clone()
    }

    /// Applies a kustomization's `openapi` field, unless a schema was chosen already.
    fn choose_schema(&mut self, t: &Target) -> Result<(), Error> {
        let Some(openapi) = &t.k.openapi else {
            return Ok(());
        };
        let version = openapi.get("version");
        let path = openapi.get("path");
        if self.schema_chosen || (version.is_none() && path.is_none()) {
            return Ok(());
        }
        if let Some(path) = path {
            let bytes = t.read_file(path, "openapi")?;
            if version.is_some() {
                return Err(t.invalid_field(
                    "openapi",
                    "builtin version and custom schema provided, cannot use both".into(),
                ));
            }
            let file = t.loader.resolve(path);
            let text = String::from_utf8(bytes).map_err(|_| Error::Invalid {
                path: file.clone(),
                message: "not UTF-8 text".into(),
            })?;
            let doc = crate::yaml::parse_document(&text).map_err(|source| Error::Yaml {
                path: file.clone(),
                source,
            })?;
            let schema = Schema::with_custom(&doc).map_err(|e| {
                t.field_error("openapi", FieldError::within(format!("'{path}'"), e))
            })?;
            self.schema = Some(Arc::new(schema));
        } else if version.is_some_and(|v| v != BUILTIN_OPENAPI_VERSION) {
            return Err(t.invalid_field("openapi", format!(
                "the specified OpenAPI version is not built in (only {BUILTIN_OPENAPI_VERSION} is)"
            )));
        }
        self.schema_chosen = true;
        Ok(())
    }
}

/// Fails with [`Error::LimitExceeded`] when `count` passes `limit`.
fn over_limit(t: &Target, what: &'static str, count: usize, limit: usize) -> Result<(), Error> {
    if count > limit {
        return Err(Error::LimitExceeded {
            path: t.file.clone(),
            what,
            limit,
        });
    }
    Ok(())
}

/// The Kubernetes version of the builtin schema (kustomize 5.5's default).
const BUILTIN_OPENAPI_VERSION: &str = "v1.21.2";

/// A loaded kustomization and the loader rooted at its directory.
pub(crate) struct Target {
    pub loader: Loader,
    pub k: Kustomization,
    /// Path of the kustomization file, for messages.
    pub file: PathBuf,
    /// Name of the kustomization file (`kustomization.yaml`, …).
    pub file_name: String,
    /// When the build tracks origins: where this directory lies.
    pub origin_dir: Option<OriginBase>,
}

impl Target {
    /// Reads the kustomization of the loader's directory, collecting
    /// warnings; `overrides` are the root's in-memory edits.
    pub fn load(
        loader: Loader,
        overrides: Option<&RootOverrides>,
        ctx: &mut Context,
    ) -> Result<Self, Error> {
        ctx.kustomizations_loaded += 1;
        if ctx.kustomizations_loaded > ctx.limits.max_kustomizations {
            return Err(Error::LimitExceeded {
                path: loader.root().to_path_buf(),
                what: "kustomizations",
                limit: ctx.limits.max_kustomizations,
            });
        }
        let (k, file_name, w) = if overrides.is_some() {
            Kustomization::load(&loader, overrides)?
        } else if let Some(kept) = ctx.parsed.kustomization(loader.fs(), loader.root()) {
            loader.check_within_root(&loader.root().join(&kept.1))?;
            Arc::unwrap_or_clone(kept)
        } else {
            let loaded = Kustomization::load(&loader, None)?;
            let kept = ctx
                .parsed
                .keep_kustomization(loader.fs(), loader.root(), loaded);
            Arc::unwrap_or_clone(kept)
        };
        ctx.warnings.extend(w);
        let file = loader.root().join(&file_name);
        let target = Self {
            loader,
            k,
            file,
            file_name,
            origin_dir: None,
        };
        ctx.choose_schema(&target)?;
        Ok(target)
    }

    /// Loads the base or component at `path`, named in `field`: a remote
    /// repository when `path` is a Git URL (kustomize tries that first),
    /// else a directory relative to this root. A refusal (a cycle, an
    /// absolute path) names this kustomization, which closes it.
    fn load_sub(&self, path: &str, field: &str, ctx: &mut Context) -> Result<Target, Error> {
        let loader = match RepoSpec::parse(path) {
            Ok(spec) => self.loader.remote(&spec),
            Err(_) => self.loader.sub(path),
        };
        let loader = loader.map_err(|source| Error::Read {
            kustomization: self.file.clone(),
            field: field.to_owned(),
            source,
        })?;
        let mut sub = Target::load(loader, None, ctx)?;
        sub.origin_dir = self.origin_dir.as_ref().map(|d| d.append(path));
        Ok(sub)
    }

    /// The origin of something configured in this kustomization file.
    pub fn builtin_origin(&self, kind: &str) -> Option<Origin> {
        let dir = self.origin_dir.as_ref()?;
        Some(dir.builtin(&self.file_name, kind))
    }

    /// Records that a builtin transformer of this kustomization ran over
    /// every resource (kustomize's transformer annotations).
    pub fn record_transformer(&self, acc: &mut Accumulator, kind: &str) {
        if let Some(origin) = self.builtin_origin(kind) {
            record_on_all(acc, &origin);
        }
    }

    /// Reads a file named in field `field` of this kustomization; a refusal
    /// or failure names the kustomization and the field.
    pub fn read_file(&self, rel: &str, field: &str) -> Result<Vec<u8>, Error> {
        self.loader
            .read_file(rel)
            .map_err(|source| self.read_error(field, source))
    }

    /// A file named in field `field` could not be read or was refused.
    fn read_error(&self, field: &str, source: LoadError) -> Error {
        Error::Read {
            kustomization: self.file.clone(),
            field: field.to_owned(),
            source,
        }
    }

    fn invalid(&self, message: String) -> Error {
        Error::Invalid {
            path: self.file.clone(),
            message,
        }
    }

    /// Runs this kustomization on top of `acc` (empty for a kustomization,
    /// the parent's accumulator for a component).
    pub fn accumulate(
        &self,
        mut acc: Accumulator,
        ctx: &mut Context,
    ) -> Result<Accumulator, Error> {
        acc = self.accumulate_resources(acc, &self.k.resources, ctx)?;
        steps::merge_configurations(self, &mut acc)?;
        steps::run_generators(self, &mut acc, ctx)?;
        for path in &self.k.components {
            acc = self.accumulate_component(acc, path, ctx)?;
        }
        steps::run_transformers(self, &mut acc, ctx)?;
        if !self.k.validators.is_empty() {
            return Err(self.invalid("validators: validator plugins are not supported".into()));
        }
        steps::merge_vars(self, &mut acc)?;
        Ok(acc)
    }

    /// Adds the resources named in `paths` (files or kustomization directories).
    pub fn accumulate_resources(
        &self,
        mut acc: Accumulator,
        paths: &[String],
        ctx: &mut Context,
    ) -> Result<Accumulator, Error> {
        for path in paths {
            let file_error = match self.accumulate_file(&mut acc, path, ctx)? {
                FileAttempt::Added => continue,
                FileAttempt::NotAFile(error) => error,
            };
            let resolved = self.loader.resolve(path);
            let is_repo = RepoSpec::parse(path).is_ok();
            if !is_repo && let Some(error) = file_error {
                return Err(error);
            }
            if !is_repo && !self.loader.fs().is_dir(&resolved) {
                let what = self
                    .loader
                    .fs()
                    .describe(&resolved)
                    .unwrap_or_else(|| "does not exist".into());
                return Err(self.invalid(format!(
                    "resources: '{path}' is neither a file nor a directory ({} {what})",
                    resolved.display()
                )));
            }
            let sub = self
                .load_sub(path, "resources", ctx)
                .map_err(|e| match &file_error {
                    Some(file) => self.invalid(format!(
                        "resources: '{path}': accumulation err='{file}': {e}"
                    )),
                    None => e,
                })?;
            if sub.k.is_component() {
                return Err(self.invalid(format!(
                    "resources: '{path}' is a Component; list it under 'components'"
                )));
            }
            let sub_acc = sub.accumulate(Accumulator::default(), ctx)?;
            acc.res.append_all(sub_acc.res).map_err(|e| {
                self.invalid(format!("resources: merging resources from '{path}': {e}"))
            })?;
            acc.config = steps::merge_config(&acc.config, &sub_acc.config)
                .map_err(|e| self.invalid(format!("resources: '{path}': {e}")))?;
            acc.vars
                .merge_set(&sub_acc.vars)
                .map_err(|e| self.invalid(format!("resources: '{path}': {e}")))?;
        }
        Ok(acc)
    }

    /// Adds the resources of `path` if it names a file: a local file, or
    /// an `http(s)://` URL whose body is resources (kustomize tries a
    /// resource entry as a file first). Otherwise says why it is not one:
    /// an error for a URL that could not be fetched or parsed, `None` for
    /// a path that is not a local file.
    fn accumulate_file(
        &self,
        acc: &mut Accumulator,
        path: &str,
        ctx: &mut Context,
    ) -> Result<FileAttempt, Error> {
        let remote = is_remote_file(path);
        let resolved = self.loader.resolve(path);
        if !remote && !self.loader.fs().is_file(&resolved) {
            return Ok(FileAttempt::NotAFile(None));
        }
        let file = if remote {
            let fetched = self
                .loader
                .fetch_file(path)
                .map_err(|source| self.read_error("resources", source));
            let bytes = match fetched {
                Ok(bytes) => bytes,
                // A refusal, or an HTTP error from a URL that cannot be a
                // repository, is final; anything else may still be a repository.
                Err(
                    e @ Error::Read {
                        source: LoadError::RemoteRefused { .. },
                        ..
                    },
                ) => {
                    return Err(e);
                }
                Err(
                    e @ Error::Read {
                        source:
                            LoadError::Remote {
                                source: RemoteError::HttpStatus { .. },
                                ..
                            },
                        ..
                    },
                ) if RepoSpec::parse(path).is_err() => {
                    return Err(e);
                }
                Err(e) => return Ok(FileAttempt::NotAFile(Some(e))),
            };
            ctx.charge(self, bytes.len(), 0)?;
            match resources_from_bytes(&bytes, Path::new(path)) {
                Ok(resources) => Arc::new(ResourceFile {
                    bytes: bytes.len(),
                    resources,
                }),
                Err(e) => return Ok(FileAttempt::NotAFile(Some(e))),
            }
        } else {
            self.local_resource_file(path, &resolved, ctx)?
        };
        ctx.charge(self, 0, file.resources.len())?;
        let origin = self.origin_dir.as_ref().map(|d| d.file(path));
        for mut r in Arc::unwrap_or_clone(file).resources {
            r.origin.clone_from(&origin);
            acc.res.append(r).map_err(|e| {
                self.invalid(format!("resources: merging resources from '{path}': {e}"))
            })?;
        }
        Ok(FileAttempt::Added)
    }

    /// The parsed resources of the local file `path` (`resolved`): read and
    /// parsed at its first two inclusions in the build, copies of the kept
    /// parse afterwards (see [`ParsedFiles`]); every inclusion is checked by
    /// this kustomization's load restrictor and counted against the limits.
    fn local_resource_file(
        &self,
        path: &str,
        resolved: &Path,
        ctx: &mut Context,
    ) -> Result<Arc<ResourceFile>, Error> {
        let fs = self.loader.fs();
        if let Some(file) = ctx.parsed.resource_file(fs, resolved) {
            self.loader
                .check_within_root(resolved)
                .map_err(|source| self.read_error("resources", source))?;
            ctx.charge(self, file.bytes, 0)?;
            return Ok(file);
        }
        let bytes = self.read_file(path, "resources")?;
        ctx.charge(self, bytes.len(), 0)?;
        let resources = resources_from_bytes(&bytes, resolved)?;
        let file = ResourceFile {
            bytes: bytes.len(),
            resources,
        };
        Ok(ctx.parsed.keep_resource_file(fs, resolved, file))
    }

    fn accumulate_component(
        &self,
        acc: Accumulator,
        path: &str,
        ctx: &mut Context,
    ) -> Result<Accumulator, Error> {
        let resolved = self.loader.resolve(path);
        if RepoSpec::parse(path).is_err() && !self.loader.fs().is_dir(&resolved) {
            return Err(self.invalid(format!(
                "components: '{path}' must be a directory holding a Component kustomization"
            )));
        }
        let sub = self.load_sub(path, "components", ctx)?;
        if !sub.k.is_component() {
            return Err(self.invalid(format!(
                "components: expected kind 'Component' for path '{}' but got '{}'",
                sub.loader.root().display(),
                sub.k.kind
            )));
        }
        sub.accumulate(acc, ctx)
    }
}

/// Records a transformer's origin on every resource: as its origin if it
/// has none, else in its list of transformations.
pub(crate) fn record_on_all(acc: &mut Accumulator, origin: &Origin) {
    for r in acc.res.resources_mut() {
        if r.origin.is_none() {
            r.origin = Some(origin.clone());
        } else {
            r.transformations.push(origin.clone());
        }
    }
}

/// What trying a resource entry as a file found.
enum FileAttempt {
    /// It was a file; its resources were added.
    Added,
    /// It is not a file, with the error met if it looked like one (a URL).
    NotAFile(Option<Error>),
}

/// Builds the root kustomization: accumulation, then the steps kustomize
/// runs once at the top, then ordering.
pub(crate) fn build_root(
    loader: Loader,
    overrides: Option<&RootOverrides>,
    ctx: &mut Context,
) -> Result<Vec<Resource>, Error> {
    let mut target = Target::load(loader, overrides, ctx)?;
    if !target.k.build_metadata.is_empty() {
        target.origin_dir = Some(OriginBase::default());
    }
    let order = SortOrder::from_options(target.k.sort_options.as_ref(), &target.file)?;
    let mut acc = target.accumulate(Accumulator::default(), ctx)?;
    steps::finish(&target, &mut acc)?;
    let mut resources = order.sort(acc.res.into_resources());
    steps::apply_build_metadata(&target.k.build_metadata, &mut resources);
    Ok(resources)
}
