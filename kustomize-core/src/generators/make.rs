//! Builds the ConfigMap or Secret of one generator entry.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};

use super::args::{ConfigMapArgs, GeneratorArgs, GeneratorOptions, SecretArgs};
use super::error::{GeneratorError, GeneratorKind, GeneratorRef};
use super::kv::load_data;
use crate::fs::Loader;
use crate::resource::Resource;

/// Kustomize breaks base64 text into lines of this many characters.
const BASE64_LINE: usize = 70;

/// Generates the ConfigMap of a `configMapGenerator` entry.
///
/// Values that are valid UTF-8 go to `data`, others to `binaryData` (base64).
/// `global` is the kustomization's `generatorOptions`. The name is not yet
/// hashed: the resource has [`Resource::needs_hash`] set unless the options
/// disable it, and the hash is added after all transformations (see
/// [`super::content_hash`]).
pub fn generate_config_map(
    args: &ConfigMapArgs,
    global: Option<&GeneratorOptions>,
    loader: &Loader,
) -> Result<Resource, GeneratorError> {
    let (mut object, data) = start(GeneratorKind::ConfigMap, args, loader)?;
    let mut text = Map::new();
    let mut binary = Map::new();
    for (key, value) in data {
        match String::from_utf8(value) {
            Ok(s) => text.insert(key, Value::String(s)),
            Err(e) => binary.insert(key, Value::String(encode_base64(e.as_bytes()))),
        };
    }
    if !text.is_empty() {
        object.insert("data".into(), Value::Object(text));
    }
    if !binary.is_empty() {
        object.insert("binaryData".into(), Value::Object(binary));
    }
    Ok(finish(object, args, global))
}

/// Generates the Secret of a `secretGenerator` entry: every value base64 in
/// `data` (present even when empty, as kustomize writes it), `type` defaulting
/// to `Opaque`. Otherwise as [`generate_config_map`].
pub fn generate_secret(
    args: &SecretArgs,
    global: Option<&GeneratorOptions>,
    loader: &Loader,
) -> Result<Resource, GeneratorError> {
    let (mut object, data) = start(GeneratorKind::Secret, &args.args, loader)?;
    let secret_type = if args.secret_type.is_empty() {
        "Opaque"
    } else {
        &args.secret_type
    };
    object.insert("type".into(), Value::String(secret_type.to_owned()));
    let data = data
        .into_iter()
        .map(|(k, v)| (k, Value::String(encode_base64(&v))))
        .collect();
    object.insert("data".into(), Value::Object(data));
    Ok(finish(object, &args.args, global))
}

/// The object's skeleton (apiVersion, kind, name, namespace) and its data.
fn start(
    kind: GeneratorKind,
    args: &GeneratorArgs,
    loader: &Loader,
) -> Result<(Map<String, Value>, super::kv::DataMap), GeneratorError> {
    if args.name.is_empty() {
        return Err(GeneratorError::MissingName(kind));
    }
    let mut metadata = Map::new();
    metadata.insert("name".into(), Value::String(args.name.clone()));
    if !args.namespace.is_empty() {
        metadata.insert("namespace".into(), Value::String(args.namespace.clone()));
    }
    let mut object = Map::new();
    object.insert("apiVersion".into(), Value::String("v1".into()));
    let kind_name = match kind {
        GeneratorKind::ConfigMap => "ConfigMap",
        GeneratorKind::Secret => "Secret",
    };
    object.insert("kind".into(), Value::String(kind_name.into()));
    object.insert("metadata".into(), Value::Object(metadata));
    let generator = GeneratorRef {
        kind,
        name: args.name.clone(),
    };
    let data = load_data(args, &generator, loader)?;
    Ok((object, data))
}

/// Applies the merged options and records the generator bookkeeping.
fn finish(
    object: Map<String, Value>,
    args: &GeneratorArgs,
    global: Option<&GeneratorOptions>,
) -> Resource {
    let options = GeneratorOptions::merged(args.options.as_ref(), global);
    let mut resource = Resource::new(object);
    for (field, map) in [
        ("labels", &options.labels),
        ("annotations", &options.annotations),
    ] {
        if !map.is_empty() {
            let map = map
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            resource
                .metadata_mut()
                .insert(field.into(), Value::Object(map));
        }
    }
    if options.immutable {
        resource
            .object
            .insert("immutable".into(), Value::Bool(true));
    }
    resource.needs_hash = !options.disable_name_suffix_hash;
    resource.behavior = Some(args.behavior());
    resource
}

/// Standard base64; text of 70 characters or more is broken into lines of
/// 70, each ending in a newline, as kustomize writes it.
fn encode_base64(bytes: &[u8]) -> String {
    let encoded = STANDARD.encode(bytes);
    if encoded.len() < BASE64_LINE {
        return encoded;
    }
    let mut out = String::with_capacity(encoded.len() + encoded.len() / BASE64_LINE + 1);
    for chunk in encoded.as_bytes().chunks(BASE64_LINE) {
        // base64 text is ASCII, so every chunk is valid UTF-8.
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::{LoadRestrictor, MemFs};
    use crate::resource::GeneratorBehavior;
    use serde_json::json;
    use std::path::PathBuf;
    use std::sync::Arc;

    fn loader() -> Loader {
        let mut fs = MemFs::new();
        fs.add_file("/app/bin", b"\xff\xfe\x00abc");
        fs.add_file("/app/text", "hello\n");
        Loader::new(
            Arc::new(fs),
            PathBuf::from("/app"),
            LoadRestrictor::RootOnly,
        )
    }

    fn args(v: Value) -> ConfigMapArgs {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn base64_wrapping() {
        assert_eq!(encode_base64(b"admin"), "YWRtaW4=");
        let long = encode_base64(&[b'a'; 60]);
        assert_eq!(long.lines().map(str::len).collect::<Vec<_>>(), [70, 10]);
        assert!(long.ends_with('\n'));
        // 68 characters stay on one line; 72 are broken after 70.
        assert_eq!(encode_base64(&[b'a'; 51]).len(), 68);
        let wrapped = encode_base64(&[b'a'; 52]);
        assert_eq!(wrapped.lines().map(str::len).collect::<Vec<_>>(), [70, 2]);
    }

    #[test]
    fn config_map_splits_text_and_binary() {
        let a = args(json!({"name": "c", "namespace": "ns", "files": ["bin", "text"]}));
        let r = generate_config_map(&a, None, &loader()).unwrap();
        let want = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "namespace": "ns"},
            "data": {"text": "hello\n"}, "binaryData": {"bin": "//4AYWJj"}});
        assert_eq!(Value::Object(r.object), want);
        assert!(r.needs_hash);
        assert_eq!(r.behavior, Some(GeneratorBehavior::Create));
    }

    #[test]
    fn empty_config_map_and_secret() {
        let r = generate_config_map(&args(json!({"name": "c"})), None, &loader()).unwrap();
        assert_eq!(r.object.get("data"), None);
        let s = SecretArgs {
            args: args(json!({"name": "s"})),
            secret_type: String::new(),
        };
        let r = generate_secret(&s, None, &loader()).unwrap();
        assert_eq!(r.object["data"], json!({}));
        assert_eq!(r.object["type"], "Opaque");
    }

    #[test]
    fn options_and_global_options() {
        let a = args(
            json!({"name": "c", "behavior": "replace", "literals": ["a=b"],
            "options": {"labels": {"l": "local"}, "immutable": true}}),
        );
        let global = GeneratorOptions {
            labels: [
                ("l".to_owned(), "global".to_owned()),
                ("g".to_owned(), "x".to_owned()),
            ]
            .into(),
            annotations: [("n".to_owned(), "v".to_owned())].into(),
            disable_name_suffix_hash: true,
            immutable: false,
        };
        let r = generate_config_map(&a, Some(&global), &loader()).unwrap();
        assert_eq!(
            r.object["metadata"],
            json!({"name": "c", "labels": {"g": "x", "l": "local"}, "annotations": {"n": "v"}})
        );
        assert_eq!(r.object["immutable"], json!(true));
        assert!(!r.needs_hash);
        assert_eq!(r.behavior, Some(GeneratorBehavior::Replace));
    }

    #[test]
    fn missing_name() {
        let err = generate_config_map(&args(json!({"literals": ["a=b"]})), None, &loader());
        assert!(matches!(
            err,
            Err(GeneratorError::MissingName(GeneratorKind::ConfigMap))
        ));
        let s = SecretArgs::default();
        let err = generate_secret(&s, None, &loader()).unwrap_err();
        assert!(err.to_string().starts_with("secretGenerator:"), "{err}");
    }
}
