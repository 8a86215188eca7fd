//! The build steps that configure and run generators and transformers from
//! a kustomization's fields, in kustomize's fixed order.

use super::target::{Accumulator, Context, Target};
use crate::Error;
use crate::error::FieldError;
use crate::fieldspec::{FieldSpecError, TransformerConfig};
use crate::generators::{self, ConfigMapArgs, GeneratorOptions, SecretArgs};
use crate::origin::{Origin, TRANSFORMATIONS_ANNOTATION, transformations_annotation};
use crate::resource::Resource;
use crate::smp::Schema;
use crate::transformers::{annotations, images, labels, name_affix, namespace, replicas};
use crate::vars::Var;
use crate::{nameref, yaml};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::sync::{Arc, Mutex, OnceLock};

/// Field specs in force for a kustomization, shared: most kustomizations
/// use exactly the builtin configuration, and copying it for each of
/// thousands of directories would dominate a large build.
pub(crate) type Config = Arc<TransformerConfig>;

/// The empty configuration, shared.
pub(crate) fn empty_config() -> Config {
    static EMPTY: OnceLock<Config> = OnceLock::new();
    EMPTY
        .get_or_init(|| Arc::new(TransformerConfig::default()))
        .clone()
}

/// The builtin configuration, shared.
fn builtin_config() -> Config {
    static BUILTIN: OnceLock<Config> = OnceLock::new();
    BUILTIN
        .get_or_init(|| Arc::new(TransformerConfig::builtin().clone()))
        .clone()
}

/// `a` merged with `b`. Kustomize merges configurations at every level of
/// a tree, and nearly all of them are the builtin one; the results are
/// memoized (by identity of the shared inputs), so a tree of thousands of
/// kustomizations merges a handful of times. Merging is not a plain union
/// (kustomize drops specs that an earlier, more specific one "selects"),
/// so every distinct pair is computed, never assumed.
pub(crate) fn merge_config(a: &Config, b: &Config) -> Result<Config, FieldSpecError> {
    type Memo = Vec<(Config, Config, Config)>;
    const MEMO_CAPACITY: usize = 64;
    static MEMO: Mutex<Memo> = Mutex::new(Vec::new());
    let empty = |c: &Config| **c == TransformerConfig::default();
    if Arc::ptr_eq(a, b) || empty(b) {
        return Ok(a.clone());
    }
    let lookup = |memo: &Memo| {
        memo.iter()
            .find(|(x, y, _)| Arc::ptr_eq(x, a) && Arc::ptr_eq(y, b))
            .map(|(_, _, r)| r.clone())
    };
    if let Some(hit) = lookup(&MEMO.lock().unwrap_or_else(|p| p.into_inner())) {
        return Ok(hit);
    }
    let merged = a.merge(b)?;
    // A merge that adds nothing gives back its input itself, so that a
    // chain of merges (the root merging each of thousands of bases' configs
    // into its own) stays on one shared value and hits the memo.
    let merged = if merged == **a {
        a.clone()
    } else if merged == **b {
        b.clone()
    } else {
        Arc::new(merged)
    };
    let mut memo = MEMO.lock().unwrap_or_else(|p| p.into_inner());
    if memo.len() >= MEMO_CAPACITY {
        memo.remove(0);
    }
    // The memo keeps its inputs alive, so their addresses stay unique.
    memo.push((a.clone(), b.clone(), merged.clone()));
    Ok(merged)
}

impl Target {
    pub(crate) fn typed<T: DeserializeOwned>(
        &self,
        field: &str,
        value: &Value,
    ) -> Result<T, Error> {
        serde_json::from_value(value.clone()).map_err(|e| self.field_error(field, e))
    }

    /// Reads a YAML file named in this kustomization as one document.
    pub(crate) fn read_yaml(&self, rel: &str, field: &str) -> Result<Value, Error> {
        let bytes = self.read_file(rel, field)?;
        let path = self.loader.resolve(rel);
        let text = std::str::from_utf8(&bytes).map_err(|_| Error::Invalid {
            path: path.clone(),
            message: "not UTF-8 text".into(),
        })?;
        yaml::parse_document(text).map_err(|source| Error::Yaml { path, source })
    }
}

/// Merges the builtin field specs and this kustomization's `configurations`
/// into the accumulator's.
pub(crate) fn merge_configurations(t: &Target, acc: &mut Accumulator) -> Result<(), Error> {
    let mut config = builtin_config();
    for path in &t.k.configurations {
        let value = t.read_yaml(path, "configurations")?;
        let file = TransformerConfig::from_value(value).map_err(|e| {
            t.field_error("configurations", FieldError::within(format!("'{path}'"), e))
        })?;
        config = merge_config(&config, &Arc::new(file)).map_err(|e| {
            t.field_error("configurations", FieldError::within(format!("'{path}'"), e))
        })?;
    }
    acc.config =
        merge_config(&acc.config, &config).map_err(|e| t.field_error("configurations", e))?;
    if !t.k.crds.is_empty() {
        let crds = Arc::new(t.config_from_crds()?);
        acc.config = merge_config(&acc.config, &crds).map_err(|e| t.field_error("crds", e))?;
    }
    Ok(())
}

/// Adds a generated object, merging it into or replacing an existing one
/// when its `behavior` says so. An object without an origin takes the
/// generator's; a merged object keeps its base's, a replacing one its own.
pub(crate) fn absorb(
    t: &Target,
    acc: &mut Accumulator,
    mut res: Resource,
    origin: Option<Origin>,
    field: &str,
) -> Result<(), Error> {
    if res.origin.is_none() {
        res.origin = origin;
    }
    acc.res
        .absorb(res, generators::merge_generated)
        .map_err(|e| t.field_error(field, e))
}

/// Runs `configMapGenerator`, `secretGenerator` and the `generators` configs.
pub(crate) fn run_generators(
    t: &Target,
    acc: &mut Accumulator,
    ctx: &mut Context,
) -> Result<(), Error> {
    let global: Option<GeneratorOptions> =
        t.k.generator_options
            .as_ref()
            .map(|v| t.typed("generatorOptions", v))
            .transpose()?;
    for entry in &t.k.config_map_generator {
        let args: ConfigMapArgs = t.typed("configMapGenerator", entry)?;
        let res = generators::generate_config_map(&args, global.as_ref(), &t.loader)
            .map_err(|e| t.field_error("configMapGenerator", e))?;
        let origin = t.builtin_origin("ConfigMapGenerator");
        absorb(t, acc, res, origin, "configMapGenerator")?;
    }
    for entry in &t.k.secret_generator {
        let args: SecretArgs = t.typed("secretGenerator", entry)?;
        let res = generators::generate_secret(&args, global.as_ref(), &t.loader)
            .map_err(|e| t.field_error("secretGenerator", e))?;
        let origin = t.builtin_origin("SecretGenerator");
        absorb(t, acc, res, origin, "secretGenerator")?;
    }
    super::helm_charts::run(t, acc, ctx)?;
    for config in t.plugin_configs(&t.k.generators, "generators", ctx)? {
        t.run_generator_config(acc, &config)?;
    }
    Ok(())
}

/// Runs the builtin transformers a kustomization's fields configure, then
/// the `transformers` configs.
pub(crate) fn run_transformers(
    t: &Target,
    acc: &mut Accumulator,
    ctx: &mut Context,
) -> Result<(), Error> {
    let custom = ctx.custom_schema();
    let schema = custom.as_deref().unwrap_or(Schema::builtin());
    let k = &t.k;
    if k.patches_strategic_merge.is_some() {
        t.apply_patches_strategic_merge(acc, schema)?;
        t.record_transformer(acc, "PatchStrategicMergeTransformer");
    }
    for entry in &k.patches {
        t.apply_patch(acc, entry, schema, "patches")?;
        t.record_transformer(acc, "PatchTransformer");
    }
    if !k.namespace.is_empty() {
        let specs = acc.config.namespace.0.clone();
        namespace::set_namespace(
            acc.res.resources_mut(),
            &k.namespace,
            &specs,
            Default::default(),
        )
        .map_err(|e| t.field_error("namespace", e))?;
        t.record_transformer(acc, "NamespaceTransformer");
    }
    if !k.name_prefix.is_empty() {
        name_affix::add_name_prefix(
            acc.res.resources_mut(),
            &k.name_prefix,
            &acc.config.name_prefix.0,
        )
        .map_err(|e| t.field_error("namePrefix", e))?;
        t.record_transformer(acc, "PrefixTransformer");
    }
    if !k.name_suffix.is_empty() {
        name_affix::add_name_suffix(
            acc.res.resources_mut(),
            &k.name_suffix,
            &acc.config.name_suffix.0,
        )
        .map_err(|e| t.field_error("nameSuffix", e))?;
        t.record_transformer(acc, "SuffixTransformer");
    }
    for label in &k.labels {
        let fields: Vec<crate::fieldspec::FieldSpec> =
            t.typed("labels", &Value::Array(label.fields.clone()))?;
        let specs = labels::entry_specs(
            &fields,
            label.include_selectors,
            label.include_templates,
            &acc.config,
        )
        .map_err(|e| t.field_error("labels", e))?;
        labels::add_labels(acc.res.resources_mut(), &label.pairs, &specs.0)
            .map_err(|e| t.field_error("labels", e))?;
        t.record_transformer(acc, "LabelTransformer");
    }
    if let Some(common) = &k.common_labels {
        labels::add_labels(acc.res.resources_mut(), common, &acc.config.common_labels.0)
            .map_err(|e| t.field_error("commonLabels", e))?;
    }
    if !k.labels.is_empty() || k.common_labels.as_ref().is_some_and(|c| !c.is_empty()) {
        // Kustomize always adds a (possibly empty) commonLabels transformer.
        t.record_transformer(acc, "LabelTransformer");
    }
    if let Some(common) = &k.common_annotations {
        annotations::add_annotations(
            acc.res.resources_mut(),
            common,
            &acc.config.common_annotations.0,
        )
        .map_err(|e| t.field_error("commonAnnotations", e))?;
        t.record_transformer(acc, "AnnotationsTransformer");
    }
    for entry in k.patches_json6902.iter().flatten() {
        t.apply_patch(acc, entry, schema, "patchesJson6902")?;
        t.record_transformer(acc, "PatchJson6902Transformer");
    }
    for r in &k.replicas {
        replicas::set_replicas(
            acc.res.resources_mut(),
            &r.name,
            r.count,
            &acc.config.replicas.0,
        )
        .map_err(|e| t.field_error("replicas", e))?;
        t.record_transformer(acc, "ReplicaCountTransformer");
    }
    for image in &k.images {
        let rule = images::ImageRule {
            name: &image.name,
            new_name: &image.new_name,
            new_tag: &image.new_tag,
            digest: &image.digest,
            tag_suffix: &image.tag_suffix,
        };
        images::set_images(acc.res.resources_mut(), &rule, &acc.config.images.0)
            .map_err(|e| t.field_error("images", e))?;
        t.record_transformer(acc, "ImageTagTransformer");
    }
    if !k.replacements.is_empty() {
        let list = t.replacement_list(&k.replacements)?;
        crate::replacements::apply_replacements(acc.res.resources_mut(), &list)
            .map_err(|e| t.field_error("replacements", e))?;
        t.record_transformer(acc, "ReplacementTransformer");
    }
    for config in t.plugin_configs(&k.transformers, "transformers", ctx)? {
        t.run_transformer_config(acc, &config, schema)?;
    }
    Ok(())
}

impl Target {
    /// The `replacements` entries, with `path:` entries read from their files.
    pub(crate) fn replacement_list(&self, entries: &[Value]) -> Result<Vec<Value>, Error> {
        let mut out = Vec::new();
        for entry in entries {
            match entry.get("path").and_then(Value::as_str) {
                Some(path) => {
                    let doc = self.read_yaml(path, "replacements")?;
                    let items = crate::replacements::file_entries(doc).map_err(|e| {
                        self.field_error("replacements", FieldError::within(format!("'{path}'"), e))
                    })?;
                    out.extend(items);
                }
                None => out.push(entry.clone()),
            }
        }
        Ok(out)
    }
}

/// Binds this kustomization's `vars` to the resources they name and adds
/// them to the accumulator's set.
pub(crate) fn merge_vars(t: &Target, acc: &mut Accumulator) -> Result<(), Error> {
    let Some(vars) = &t.k.vars else { return Ok(()) };
    let vars = Var::parse_list(vars).map_err(|e| t.field_error("vars", e))?;
    acc.vars
        .merge_vars(acc.res.resources_mut(), &vars)
        .map_err(|e| t.field_error("vars", e))
}

/// The steps kustomize runs once, at the top: content-hash suffixes, name
/// references, vars, and dropping local-only objects.
pub(crate) fn finish(t: &Target, acc: &mut Accumulator) -> Result<(), Error> {
    for r in acc.res.resources_mut() {
        generators::add_hash_suffix(r).map_err(|e| Error::Step {
            path: t.file.clone(),
            source: Box::new(e.into()),
        })?;
    }
    nameref::fix_name_references(acc.res.resources_mut(), &acc.config).map_err(|e| {
        Error::Step {
            path: t.file.clone(),
            source: Box::new(e.into()),
        }
    })?;
    crate::vars::resolve_vars(
        acc.res.resources_mut(),
        &acc.vars,
        &acc.config.var_reference.0,
    )
    .map_err(|e| t.field_error("vars", e))?;
    let kept: Vec<_> = std::mem::take(&mut acc.res)
        .into_resources()
        .into_iter()
        .filter(|r| {
            let a = r.metadata_map("annotations");
            a.get("config.kubernetes.io/local-config")
                .is_none_or(|v| v == "false")
        })
        .collect();
    acc.res.replace_all(kept);
    Ok(())
}

/// The label `buildMetadata: [managedByLabel]` adds; kubectl's embedded
/// kustomize reports its version as `(devel)`.
const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "kustomize-(devel)");

/// The last touches of a build: the managed-by label when asked for, and
/// annotation values as text (kustomize rewrites every annotation map as a
/// string map when it strips its internal annotations).
pub(crate) fn apply_build_metadata(build_metadata: &[String], resources: &mut [Resource]) {
    let enabled = |o: &str| build_metadata.iter().any(|x| x == o);
    let managed_by = enabled("managedByLabel");
    let (origins, transformations) = (
        enabled("originAnnotations"),
        enabled("transformerAnnotations"),
    );
    for r in resources {
        let mut provenance = Vec::new();
        if let Some(o) = r.origin.as_ref().filter(|_| origins) {
            provenance.push((crate::origin::ORIGIN_ANNOTATION, o.to_annotation()));
        }
        if transformations && !r.transformations.is_empty() {
            provenance.push((
                TRANSFORMATIONS_ANNOTATION,
                transformations_annotation(&r.transformations),
            ));
        }
        if !provenance.is_empty() {
            let mut annotations = r.metadata_map("annotations");
            for (k, v) in provenance {
                annotations.insert(k.into(), Value::String(v));
            }
            r.set_metadata_map("annotations", annotations);
        }
        if managed_by {
            let mut labels = r.metadata_map("labels");
            labels.insert(MANAGED_BY.0.into(), Value::String(MANAGED_BY.1.into()));
            r.set_metadata_map("labels", labels);
        }
        let Some(Value::Object(metadata)) = r.object.get_mut("metadata") else {
            continue;
        };
        // An empty or null map goes, as when kustomize rewrites it.
        if metadata
            .get("annotations")
            .is_some_and(|a| a.is_null() || a.as_object().is_some_and(Map::is_empty))
        {
            metadata.remove("annotations");
            continue;
        }
        let Some(Value::Object(annotations)) = metadata.get_mut("annotations") else {
            continue;
        };
        for (key, v) in annotations.iter_mut() {
            // kustomize writes them back from their text while they hold
            // the value they were read with.
            let written = r.annotation_texts.iter().find(|t| t.key == *key);
            if let Some(written) = written.filter(|t| t.value == *v) {
                *v = Value::String(written.text.clone());
                continue;
            }
            let text = match v {
                Value::String(_) => continue,
                Value::Null | Value::Object(_) | Value::Array(_) => String::new(),
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => n.to_string(),
            };
            *v = Value::String(text);
        }
    }
}
