//! The kustomization entries that configure generators: items of
//! `configMapGenerator` and `secretGenerator`, and `generatorOptions`.
//!
//! Field names are kustomize's canonical camelCase ones; unknown fields are
//! refused, as kustomize refuses them. An explicit `null` reads as the field's
//! empty value, as kustomize reads it.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;

use crate::resource::GeneratorBehavior;

/// Deserializes `null` as the type's default, as Go's JSON decoding does for
/// strings and booleans.
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Option::unwrap_or_default)
}

/// A list of strings where `null` (for the list or an item) reads as empty.
fn string_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let items: Option<Vec<Option<String>>> = Option::deserialize(d)?;
    Ok(items
        .unwrap_or_default()
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect())
}

/// A string map where `null` (for the map or a value) reads as empty.
fn string_map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    let map: Option<BTreeMap<String, Option<String>>> = Option::deserialize(d)?;
    Ok(map
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, v.unwrap_or_default()))
        .collect())
}

/// `generatorOptions`, or the `options` of one generator entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GeneratorOptions {
    /// Labels added to the generated objects.
    #[serde(default, deserialize_with = "string_map")]
    pub labels: BTreeMap<String, String>,
    /// Annotations added to the generated objects.
    #[serde(default, deserialize_with = "string_map")]
    pub annotations: BTreeMap<String, String>,
    /// Whether the content hash is left off the generated names.
    #[serde(default, deserialize_with = "null_as_default")]
    pub disable_name_suffix_hash: bool,
    /// Whether `immutable: true` is set on the generated objects.
    #[serde(default, deserialize_with = "null_as_default")]
    pub immutable: bool,
}

impl GeneratorOptions {
    /// Combines one entry's `options` with the kustomization's
    /// `generatorOptions`: the entry's labels and annotations win over the
    /// global ones of the same key, and either side can turn on
    /// `disableNameSuffixHash` and `immutable`.
    pub fn merged(local: Option<&Self>, global: Option<&Self>) -> Self {
        let mut out = local.cloned().unwrap_or_default();
        if let Some(global) = global {
            for (k, v) in &global.labels {
                out.labels.entry(k.clone()).or_insert_with(|| v.clone());
            }
            for (k, v) in &global.annotations {
                out.annotations
                    .entry(k.clone())
                    .or_insert_with(|| v.clone());
            }
            out.disable_name_suffix_hash |= global.disable_name_suffix_hash;
            out.immutable |= global.immutable;
        }
        out
    }
}

/// One item of `configMapGenerator` (and the fields a `secretGenerator`
/// item shares with it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GeneratorArgs {
    /// Name of the generated object, before prefixes, suffixes and hash.
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    /// Namespace of the generated object; empty for none.
    #[serde(default, deserialize_with = "null_as_default")]
    pub namespace: String,
    /// `create`, `merge` or `replace`, as written; see [`Self::behavior`].
    #[serde(default, deserialize_with = "null_as_default")]
    pub behavior: String,
    /// `key=value` pairs.
    #[serde(default, deserialize_with = "string_list")]
    pub literals: Vec<String>,
    /// `path` or `key=path` sources; the value is the file's content.
    #[serde(default, deserialize_with = "string_list")]
    pub files: Vec<String>,
    /// Paths of `.env` files, one `KEY=value` per line.
    #[serde(default, deserialize_with = "string_list")]
    pub envs: Vec<String>,
    /// Deprecated single form of `envs`; read after them.
    #[serde(default, deserialize_with = "null_as_default")]
    pub env: String,
    /// Options for this entry, combined with the kustomization's
    /// `generatorOptions` (see [`GeneratorOptions::merged`]).
    #[serde(default)]
    pub options: Option<GeneratorOptions>,
}

impl GeneratorArgs {
    /// How the generated object combines with an existing one of the same
    /// id. Kustomize treats any value other than `merge` or `replace`
    /// (including a misspelt one) as `create`, so this does too.
    pub fn behavior(&self) -> GeneratorBehavior {
        match self.behavior.as_str() {
            "merge" => GeneratorBehavior::Merge,
            "replace" => GeneratorBehavior::Replace,
            _ => GeneratorBehavior::Create,
        }
    }

    /// The env files to read, in order: `envs`, then the deprecated `env`.
    pub fn env_sources(&self) -> impl Iterator<Item = &str> {
        let single = (!self.env.is_empty()).then_some(self.env.as_str());
        self.envs.iter().map(String::as_str).chain(single)
    }
}

/// One item of `configMapGenerator`.
pub type ConfigMapArgs = GeneratorArgs;

/// One item of `secretGenerator`: the shared generator fields plus the
/// Secret's `type`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretArgs {
    /// The fields shared with `configMapGenerator`.
    pub args: GeneratorArgs,
    /// The Secret's `type`; empty means `Opaque`.
    pub secret_type: String,
}

impl<'de> Deserialize<'de> for SecretArgs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut fields = serde_json::Map::<String, serde_json::Value>::deserialize(d)?;
        let secret_type = match fields.remove("type") {
            None | Some(serde_json::Value::Null) => String::new(),
            Some(serde_json::Value::String(s)) => s,
            Some(other) => {
                return Err(D::Error::custom(format!(
                    "field `type`: expected a string, found {other}"
                )));
            }
        };
        let args = GeneratorArgs::deserialize(serde_json::Value::Object(fields))
            .map_err(D::Error::custom)?;
        Ok(Self { args, secret_type })
    }
}

/// The fields a builtin generator plugin config shares with a kustomization
/// entry. `env` is not among them: kustomize ignores it in plugin configs.
const PLUGIN_ARG_FIELDS: [&str; 7] = [
    "name",
    "namespace",
    "behavior",
    "literals",
    "files",
    "envs",
    "options",
];

/// The fields of `options` kustomize reads.
const OPTION_FIELDS: [&str; 4] = [
    "labels",
    "annotations",
    "disableNameSuffixHash",
    "immutable",
];

/// `metadata` of a builtin plugin config: supplies the name and namespace
/// when the config does not set them at the top level.
#[derive(Deserialize, Default)]
struct PluginMetadata {
    #[serde(default, deserialize_with = "null_as_default")]
    name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    namespace: String,
}

/// The known fields of a builtin plugin config (`apiVersion: builtin`), plus
/// `extra`; kustomize ignores the others there, unlike in a kustomization.
fn plugin_fields(
    config: &serde_json::Map<String, serde_json::Value>,
    extra: &[&str],
) -> serde_json::Value {
    let mut fields: serde_json::Map<_, _> = config
        .iter()
        .filter(|(k, _)| PLUGIN_ARG_FIELDS.contains(&k.as_str()) || extra.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if let Some(serde_json::Value::Object(options)) = fields.get_mut("options") {
        options.retain(|k, _| OPTION_FIELDS.contains(&k.as_str()));
    }
    serde_json::Value::Object(fields)
}

/// Fills an empty name and namespace from the config's `metadata`.
fn fill_from_metadata(
    args: &mut GeneratorArgs,
    config: &serde_json::Map<String, serde_json::Value>,
) -> Result<(), serde_json::Error> {
    let meta = match config.get("metadata") {
        Some(m) => PluginMetadata::deserialize(m)?,
        None => PluginMetadata::default(),
    };
    if args.name.is_empty() {
        args.name = meta.name;
    }
    if args.namespace.is_empty() {
        args.namespace = meta.namespace;
    }
    Ok(())
}

impl GeneratorArgs {
    /// Reads the config of a builtin `ConfigMapGenerator` plugin (an
    /// `apiVersion: builtin` object listed under `generators:`): the entry
    /// fields at the top level, unknown fields ignored, `env` ignored, and
    /// `metadata.name` / `metadata.namespace` used when `name` / `namespace`
    /// are not set.
    pub fn from_builtin_config(
        config: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Self, serde_json::Error> {
        let mut args = Self::deserialize(plugin_fields(config, &[]))?;
        fill_from_metadata(&mut args, config)?;
        Ok(args)
    }
}

impl SecretArgs {
    /// Reads the config of a builtin `SecretGenerator` plugin, as
    /// [`GeneratorArgs::from_builtin_config`] (plus `type`).
    pub fn from_builtin_config(
        config: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Self, serde_json::Error> {
        let mut args = Self::deserialize(plugin_fields(config, &["type"]))?;
        fill_from_metadata(&mut args.args, config)?;
        Ok(args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_all_fields() {
        let a: SecretArgs = serde_json::from_value(json!({
            "name": "s", "namespace": "ns", "behavior": "merge", "type": "kubernetes.io/tls",
            "literals": ["a=b"], "files": ["k=f"], "envs": ["x.env"], "env": "y.env",
            "options": {"labels": {"l": "v"}, "annotations": {"a": "v"},
                        "disableNameSuffixHash": true, "immutable": true}
        }))
        .unwrap();
        assert_eq!(a.secret_type, "kubernetes.io/tls");
        assert_eq!(a.args.behavior(), GeneratorBehavior::Merge);
        assert_eq!(a.args.env_sources().collect::<Vec<_>>(), ["x.env", "y.env"]);
        let o = a.args.options.unwrap();
        assert!(o.disable_name_suffix_hash && o.immutable);
        assert_eq!(o.labels["l"], "v");
    }

    #[test]
    fn nulls_read_as_empty() {
        let a: ConfigMapArgs = serde_json::from_value(json!({
            "name": "c", "literals": null, "files": [null], "options": null, "behavior": null
        }))
        .unwrap();
        assert!(a.literals.is_empty() && a.options.is_none());
        assert_eq!(a.files, [""]);
        let o: GeneratorOptions =
            serde_json::from_value(json!({"labels": {"x": null}, "annotations": null})).unwrap();
        assert_eq!(o.labels["x"], "");
        assert_eq!(a.behavior(), GeneratorBehavior::Create);
    }

    #[test]
    fn unknown_behavior_is_create_as_in_kustomize() {
        let a: ConfigMapArgs =
            serde_json::from_value(json!({"name": "c", "behavior": "Merge"})).unwrap();
        assert_eq!(a.behavior(), GeneratorBehavior::Create);
    }

    #[test]
    fn refuses_unknown_fields_and_wrong_types() {
        let e = serde_json::from_value::<ConfigMapArgs>(json!({"name": "c", "type": "x"}));
        assert!(e.unwrap_err().to_string().contains("unknown field `type`"));
        let e = serde_json::from_value::<SecretArgs>(json!({"name": "c", "bogus": 1}));
        assert!(e.unwrap_err().to_string().contains("unknown field `bogus`"));
        let e = serde_json::from_value::<SecretArgs>(json!({"name": "c", "type": 1}));
        assert!(e.unwrap_err().to_string().contains("field `type`"));
        let e = serde_json::from_value::<GeneratorOptions>(json!({"labels": {"x": true}}));
        assert!(e.is_err());
    }

    #[test]
    fn local_options_win_over_global() {
        let local = GeneratorOptions {
            labels: [("a".to_owned(), "local".to_owned())].into(),
            ..Default::default()
        };
        let global = GeneratorOptions {
            labels: [("a", "global"), ("b", "global")]
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .into(),
            annotations: [("n".to_owned(), "g".to_owned())].into(),
            disable_name_suffix_hash: true,
            immutable: true,
        };
        let m = GeneratorOptions::merged(Some(&local), Some(&global));
        assert_eq!(m.labels["a"], "local");
        assert_eq!(m.labels["b"], "global");
        assert_eq!(m.annotations["n"], "g");
        assert!(m.disable_name_suffix_hash && m.immutable);
        assert_eq!(GeneratorOptions::merged(Some(&local), None), local);
        assert_eq!(
            GeneratorOptions::merged(None, None),
            GeneratorOptions::default()
        );
    }
    #[test]
    fn builtin_plugin_configs() {
        let config = json!({"apiVersion": "builtin", "kind": "ConfigMapGenerator",
            "metadata": {"name": "from-meta", "namespace": "meta-ns", "labels": {"x": "y"}},
            "unknownField": 1, "envs": ["a.env"], "env": "ignored.env", "behavior": "merge",
            "options": {"labels": {"l": "v"}, "unknown": true}});
        let a = GeneratorArgs::from_builtin_config(config.as_object().unwrap()).unwrap();
        assert_eq!(
            (a.name.as_str(), a.namespace.as_str()),
            ("from-meta", "meta-ns")
        );
        assert_eq!(a.env_sources().collect::<Vec<_>>(), ["a.env"]);
        assert_eq!(a.behavior(), GeneratorBehavior::Merge);
        assert_eq!(a.options.unwrap().labels["l"], "v");
        let config = json!({"kind": "SecretGenerator", "metadata": {"name": "meta"},
            "name": "top", "type": "Custom"});
        let s = SecretArgs::from_builtin_config(config.as_object().unwrap()).unwrap();
        assert_eq!(
            (s.args.name.as_str(), s.secret_type.as_str()),
            ("top", "Custom")
        );
        let bad = json!({"literals": "not-a-list"});
        assert!(GeneratorArgs::from_builtin_config(bad.as_object().unwrap()).is_err());
    }
}
