//! Builtin generator and transformer configs listed under `generators:` and
//! `transformers:` (`apiVersion: builtin`), given inline, as files, or as
//! kustomization directories whose output is the configs.

use super::load::resources_from_bytes;
use super::target::{Accumulator, Context, Target, record_on_all};
use crate::Error;
use crate::error::FieldError;
use crate::fieldspec::FieldSpec;
use crate::generators::{self, ConfigMapArgs, SecretArgs};
use crate::kustomization::{Image, Patch, Replica, StringMap};
use crate::origin::{ConfiguredBy, Origin};
use crate::resource::Resource;
use crate::selector::Selector;
use crate::smp::Schema;
use crate::transformers::{
    annotations, images, labels, name_affix, namespace, replicas, value_add,
};
use serde::Deserialize;
use serde_json::Value;

/// The fields the builtin transformer configs share. Plugin configs are read
/// as kustomize reads them (go-yaml): unknown fields are ignored and scalar
/// map values are taken as text.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct TransformerArgs {
    #[serde(deserialize_with = "lenient_field_specs")]
    field_specs: Vec<FieldSpec>,
    prefix: String,
    suffix: String,
    #[serde(deserialize_with = "lenient_string_map")]
    labels: StringMap,
    #[serde(deserialize_with = "lenient_string_map")]
    annotations: StringMap,
    metadata: Option<Value>,
    unset_only: bool,
    set_role_binding_subjects: String,
    image_tag: Image,
    replica: Replica,
    target: Option<Value>,
    path: String,
    patch: String,
    json_op: String,
    paths: Vec<String>,
    patches: String,
    options: indexmap::IndexMap<String, bool>,
    replacements: Vec<Value>,
    value: String,
    targets: Vec<ValueAddTarget>,
    target_file_path: String,
}

/// Where a `ValueAddTransformer` puts its value.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct ValueAddTarget {
    selector: Option<Selector>,
    field_path: String,
    file_path_position: i64,
}

/// A string map whose scalar values may be numbers or booleans.
fn lenient_string_map<'de, D: serde::Deserializer<'de>>(d: D) -> Result<StringMap, D::Error> {
    let map = Option::<indexmap::IndexMap<String, Value>>::deserialize(d)?.unwrap_or_default();
    Ok(map
        .into_iter()
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s,
                Value::Null => String::new(),
                other => other.to_string(),
            };
            (k, text)
        })
        .collect())
}

/// Field specs with unknown keys ignored.
fn lenient_field_specs<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<FieldSpec>, D::Error> {
    const KNOWN: [&str; 5] = ["group", "version", "kind", "path", "create"];
    let items = Option::<Vec<Value>>::deserialize(d)?.unwrap_or_default();
    items
        .into_iter()
        .map(|mut item| {
            if let Value::Object(m) = &mut item {
                m.retain(|k, _| KNOWN.contains(&k.as_str()));
            }
            serde_json::from_value(item).map_err(serde::de::Error::custom)
        })
        .collect()
}

impl Target {
    /// Loads the plugin configs named in `generators:` or `transformers:`.
    pub(crate) fn plugin_configs(
        &self,
        entries: &[String],
        field: &str,
        ctx: &mut Context,
    ) -> Result<Vec<Resource>, Error> {
        let mut out = Vec::new();
        for entry in entries {
            if let Ok(inline) = resources_from_bytes(entry.as_bytes(), &self.file)
                && !inline.is_empty()
            {
                let origin = self.origin_dir.as_ref().map(|d| d.file(&self.file_name));
                out.extend(inline.into_iter().map(|mut r| {
                    r.origin.clone_from(&origin);
                    r
                }));
                continue;
            }
            let acc = self.accumulate_resources(
                Accumulator::default(),
                std::slice::from_ref(entry),
                ctx,
            )?;
            out.extend(acc.res.into_resources());
        }
        for config in &out {
            let api = config
                .object
                .get("apiVersion")
                .and_then(Value::as_str)
                .unwrap_or("");
            if api != "builtin" {
                return Err(self.invalid_field(
                    field,
                    format!(
                        "{}: external plugins are not supported (only apiVersion: builtin configs are)",
                        config.id()
                    ),
                ));
            }
        }
        Ok(out)
    }

    /// Runs one builtin generator config.
    pub(crate) fn run_generator_config(
        &self,
        acc: &mut Accumulator,
        config: &Resource,
    ) -> Result<(), Error> {
        const FIELD: &str = "generators";
        let bad =
            |e: serde_json::Error| self.field_error(FIELD, FieldError::within(config.kind(), e));
        let res = match config.kind() {
            "ConfigMapGenerator" => {
                let args = ConfigMapArgs::from_builtin_config(&config.object).map_err(bad)?;
                generators::generate_config_map(&args, None, &self.loader)
            }
            "SecretGenerator" => {
                let args = SecretArgs::from_builtin_config(&config.object).map_err(bad)?;
                generators::generate_secret(&args, None, &self.loader)
            }
            "IAMPolicyGenerator" => {
                let sa = gke_service_account(&config.object)
                    .map_err(|m| self.invalid_field(FIELD, format!("IAMPolicyGenerator: {m}")))?;
                return super::steps::absorb(self, acc, sa, plugin_origin(config), FIELD);
            }
            other => {
                return Err(self.invalid_field(
                    FIELD,
                    format!("builtin generator '{other}' is not supported"),
                ));
            }
        }
        .map_err(|e| self.field_error(FIELD, e))?;
        super::steps::absorb(self, acc, res, plugin_origin(config), FIELD)
    }

    /// Runs one builtin transformer config.
    pub(crate) fn run_transformer_config(
        &self,
        acc: &mut Accumulator,
        config: &Resource,
        schema: &Schema,
    ) -> Result<(), Error> {
        const FIELD: &str = "transformers";
        let kind = config.kind();
        let err = |e: FieldError| self.field_error(FIELD, FieldError::within(kind, e));
        let args: TransformerArgs = serde_json::from_value(Value::Object(config.object.clone()))
            .map_err(|e| err(e.into()))?;
        let res = acc.res.resources_mut();
        match kind {
            "PrefixSuffixTransformer" | "PrefixTransformer" | "SuffixTransformer" => {
                if !args.prefix.is_empty() {
                    name_affix::add_name_prefix(res, &args.prefix, &args.field_specs)
                        .map_err(|e| err(e.into()))?;
                }
                if !args.suffix.is_empty() {
                    let res = acc.res.resources_mut();
                    name_affix::add_name_suffix(res, &args.suffix, &args.field_specs)
                        .map_err(|e| err(e.into()))?;
                }
            }
            "LabelTransformer" => labels::add_labels(res, &args.labels, &args.field_specs)
                .map_err(|e| err(e.into()))?,
            "AnnotationsTransformer" => {
                annotations::add_annotations(res, &args.annotations, &args.field_specs)
                    .map_err(|e| err(e.into()))?
            }
            "NamespaceTransformer" => {
                let ns = args
                    .metadata
                    .as_ref()
                    .and_then(|m| m.get("namespace"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let subjects = namespace::SubjectMode::parse(&args.set_role_binding_subjects)
                    .ok_or_else(|| {
                        err(FieldError::Invalid(format!(
                            "invalid setRoleBindingSubjects {:?}",
                            args.set_role_binding_subjects
                        )))
                    })?;
                let options = namespace::NamespaceOptions {
                    unset_only: args.unset_only,
                    subjects,
                };
                namespace::set_namespace(res, ns, &args.field_specs, options)
                    .map_err(|e| err(e.into()))?
            }
            "ImageTagTransformer" => {
                let i = &args.image_tag;
                let rule = images::ImageRule {
                    name: &i.name,
                    new_name: &i.new_name,
                    new_tag: &i.new_tag,
                    digest: &i.digest,
                    tag_suffix: &i.tag_suffix,
                };
                images::set_images(res, &rule, &args.field_specs).map_err(|e| err(e.into()))?
            }
            "ReplicaCountTransformer" => replicas::set_replicas(
                res,
                &args.replica.name,
                args.replica.count,
                &args.field_specs,
            )
            .map_err(|e| err(e.into()))?,
            "PatchTransformer" | "PatchJson6902Transformer" => {
                let patch = Patch {
                    path: args.path,
                    patch: if kind == "PatchTransformer" {
                        args.patch
                    } else {
                        args.json_op
                    },
                    target: args.target,
                    options: args.options,
                };
                self.apply_patch(acc, &patch, schema, FIELD)?
            }
            "PatchStrategicMergeTransformer" => {
                let mut entries = args.paths;
                if !args.patches.is_empty() {
                    entries.push(args.patches);
                }
                self.apply_strategic_merge_entries(acc, &entries, schema, FIELD)?
            }
            "ValueAddTransformer" => self.add_value(acc, args).map_err(err)?,
            "ReplacementTransformer" => {
                let list = self.replacement_list(&args.replacements)?;
                crate::replacements::apply_replacements(res, &list).map_err(|e| err(e.into()))?
            }
            other => {
                return Err(self.invalid_field(
                    FIELD,
                    format!("builtin transformer '{other}' is not supported"),
                ));
            }
        }
        if let Some(origin) = plugin_origin(config) {
            record_on_all(acc, &origin);
        }
        Ok(())
    }
}

impl Target {
    /// Runs a `ValueAddTransformer`: its value (by default the name of this
    /// kustomization's directory) into each target's field.
    fn add_value(&self, acc: &mut Accumulator, args: TransformerArgs) -> Result<(), FieldError> {
        let mut value = args.value.trim().to_owned();
        if value.is_empty() {
            value = self
                .loader
                .root()
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
        }
        let mut targets = args.targets;
        if !args.target_file_path.is_empty() {
            #[derive(Deserialize)]
            struct Targets {
                #[serde(default)]
                targets: Vec<ValueAddTarget>,
            }
            let bytes = self
                .loader
                .read_file(&args.target_file_path)
                .map_err(|e| FieldError::Invalid(e.to_string()))?;
            let text = String::from_utf8_lossy(&bytes);
            let within = |e: FieldError| FieldError::within(&args.target_file_path, e);
            let doc = crate::yaml::parse_document(&text)
                .map_err(|e| within(FieldError::Invalid(e.to_string())))?;
            let more: Targets = serde_json::from_value(doc).map_err(|e| within(e.into()))?;
            targets.extend(more.targets);
        }
        if targets.is_empty() {
            return Err(FieldError::Invalid(
                "must specify at least one target".into(),
            ));
        }
        for t in &targets {
            if t.field_path.is_empty() {
                return Err(FieldError::Invalid("fieldPath cannot be empty".into()));
            }
            if t.file_path_position < 0 {
                return Err(FieldError::Invalid(format!(
                    "value of FilePathPosition ({}) cannot be negative",
                    t.file_path_position
                )));
            }
        }
        for t in &targets {
            let selector = t.selector.as_ref().map(Selector::compile).transpose()?;
            let selected = acc
                .res
                .resources_mut()
                .iter_mut()
                .filter(|r| selector.as_ref().is_none_or(|s| s.selects(r)));
            if t.field_path == "metadata/namespace" {
                for r in selected {
                    namespace::set_resource_namespace(r, &value, &[], Default::default())?;
                }
            } else {
                let position = usize::try_from(t.file_path_position).unwrap_or(0);
                value_add::add_value(selected, &value, &t.field_path, position)?;
            }
        }
        Ok(())
    }
}

/// The origin of what a plugin config generates or transforms: configured
/// in the config's own file, by the config. None when origins are not tracked.
fn plugin_origin(config: &Resource) -> Option<Origin> {
    let origin = config.origin.as_ref()?;
    let s = |k: &str| {
        config
            .object
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    Some(Origin {
        configured_in: origin.path.clone(),
        repo: origin.repo.clone(),
        git_ref: origin.git_ref.clone(),
        configured_by: Some(ConfiguredBy {
            api_version: s("apiVersion"),
            kind: s("kind"),
            name: config.name().to_owned(),
            namespace: config.namespace().to_owned(),
        }),
        ..Origin::default()
    })
}

/// The ServiceAccount an `IAMPolicyGenerator` config (cloud `gke`) makes:
/// bound to a Google service account by Workload Identity's annotation.
fn gke_service_account(config: &serde_json::Map<String, Value>) -> Result<Resource, String> {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_owned();
    let cloud = text(config.get("cloud"));
    if cloud != "gke" {
        return Err(format!("cloud provider {cloud} not supported yet"));
    }
    let k8s = config.get("kubernetesService");
    let gsa = config.get("serviceAccount");
    let field = |parent: Option<&Value>, key: &str| text(parent.and_then(|p| p.get(key)));
    let annotation = format!(
        "{}@{}.iam.gserviceaccount.com",
        field(gsa, "name"),
        field(gsa, "projectId")
    );
    let mut metadata = serde_json::Map::new();
    metadata.insert(
        "annotations".into(),
        serde_json::json!({ "iam.gke.io/gcp-service-account": annotation }),
    );
    metadata.insert("name".into(), Value::String(field(k8s, "name")));
    let namespace = field(k8s, "namespace");
    if !namespace.is_empty() {
        metadata.insert("namespace".into(), Value::String(namespace));
    }
    let mut object = serde_json::Map::new();
    object.insert("apiVersion".into(), "v1".into());
    object.insert("kind".into(), "ServiceAccount".into());
    object.insert("metadata".into(), Value::Object(metadata));
    Ok(Resource::new(object))
}
