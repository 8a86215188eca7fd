//! The bodies of the fuzz targets in `fuzz/`, as plain functions so that
//! `cargo test` can replay the committed seeds through them
//! (`tests/fuzz_seeds.rs`) and `cargo fuzz` can drive them with generated
//! input.
//!
//! Each body takes raw bytes, ignores input that is not UTF-8, and panics
//! only when the library breaks a promise: a panic inside the library, or a
//! property the body checks (named in its documentation).

use kustomize_core::fs::MemFs;
use kustomize_core::smp::{self, Schema};
use kustomize_core::{BuildOptions, json6902, yaml};
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;

/// The body of a fuzz target: takes the fuzzer's bytes, panics on a bug.
pub type Body = fn(&[u8]);

/// The fuzz targets, by the name of their `fuzz/fuzz_targets/*.rs` file and
/// their seed directory under `fuzz/seeds/`.
pub const TARGETS: [(&str, Body); 6] = [
    ("yaml_roundtrip", yaml_roundtrip),
    ("kustomization_load", kustomization_load),
    ("strategic_merge", strategic_merge),
    ("json6902", json6902),
    ("gotemplate", gotemplate),
    ("helm_chart", helm_chart),
];

/// Parse → emit → parse must give the same documents: whatever
/// [`yaml::parse_documents`] accepts, [`yaml::to_yaml_string`] must print in
/// a form that reads back unchanged.
///
/// "The same" allows what `kubectl kustomize` itself changes, since the
/// emitter copies it byte for byte: numbers compare by value (a float
/// prints in Go's JSON form, so `1.0` reads back as the integer `1` and
/// `-0.0` as `0`), and documents holding a string with U+0085, U+2028 or
/// U+2029 are skipped (go-yaml prints those line breaks unescaped, so they
/// read back as other text; see the `yaml-unicode` and `yaml-multiline`
/// fixtures).
pub fn yaml_roundtrip(data: &[u8]) {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(docs) = yaml::parse_documents(src) else {
        return;
    };
    if docs.iter().any(has_unicode_line_break) {
        return;
    }
    let printed = yaml::to_yaml_string(&docs);
    let again = yaml::parse_documents(&printed)
        .unwrap_or_else(|e| panic!("emitted YAML does not parse ({e}):\n{printed}"));
    assert!(
        docs.len() == again.len() && docs.iter().zip(&again).all(|(a, b)| same(a, b)),
        "round trip changed the documents\nparsed: {docs:?}\nemitted:\n{printed}\nre-parsed: {again:?}"
    );
}

/// Whether a key or string value holds a line break go-yaml prints raw.
fn has_unicode_line_break(value: &Value) -> bool {
    let breaks = |s: &str| s.contains(['\u{85}', '\u{2028}', '\u{2029}']);
    match value {
        Value::String(s) => breaks(s),
        Value::Array(items) => items.iter().any(has_unicode_line_break),
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| breaks(k) || has_unicode_line_break(v)),
        _ => false,
    }
}

/// Equality with numbers compared by value (see [`yaml_roundtrip`]).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x == y || (x.is_f64() || y.is_f64()) && x.as_f64() == y.as_f64()
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same(v, w))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// The directory the in-memory tree of [`kustomization_load`] is built in.
const APP_DIR: &str = "/app";

/// Files next to the fuzzed `kustomization.yaml`, so that inputs naming
/// them reach resources, patches and generators.
const FIXED_FILES: [(&str, &str); 6] = [
    ("/app/deployment.yaml", DEPLOYMENT_YAML),
    (
        "/app/service.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  labels:\n    app: web\nspec:\n  selector:\n    app: web\n  ports:\n  - name: http\n    port: 80\n    targetPort: http\n",
    ),
    (
        "/app/patch.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n",
    ),
    ("/app/app.env", "MODE=prod\nLOG_LEVEL=info\n"),
    (
        "/app/base/kustomization.yaml",
        "resources:\n- config.yaml\ncommonLabels:\n  tier: base\n",
    ),
    (
        "/app/base/config.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: base-config\ndata:\n  region: eu\n",
    ),
];

/// A Deployment the targets patch and build.
const DEPLOYMENT_YAML: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 1
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx:1.25
        ports:
        - name: http
          containerPort: 8080
        env:
        - name: MODE
          value: dev
        volumeMounts:
        - name: data
          mountPath: /data
      - name: sidecar
        image: busybox
        args: [sleep, infinity]
      volumes:
      - name: data
        emptyDir: {}
";

/// The fixed Deployment as a value.
fn deployment() -> Value {
    yaml::parse_document(DEPLOYMENT_YAML).expect("the fixed Deployment parses")
}

/// Builds an in-memory tree whose `kustomization.yaml` is the input (next
/// to the fixed resource, patch and generator files); the build may fail
/// but must not panic, and a successful build must print.
pub fn kustomization_load(data: &[u8]) {
    let mut fs = MemFs::new();
    for (path, contents) in FIXED_FILES {
        fs.add_file(path, contents);
    }
    fs.add_file("/app/kustomization.yaml", data);
    if let Ok(build) =
        kustomize_core::build(Arc::new(fs), Path::new(APP_DIR), &BuildOptions::default())
    {
        build.to_yaml();
    }
}

/// Strategic merge of two YAML documents (target, then patch; a single
/// document patches the fixed Deployment) must not panic.
pub fn strategic_merge(data: &[u8]) {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(mut docs) = yaml::parse_documents(src) else {
        return;
    };
    let (target, patch) = match docs.len() {
        0 => return,
        1 => (deployment(), docs.remove(0)),
        _ => {
            let patch = docs.remove(1);
            (docs.remove(0), patch)
        }
    };
    let _ = smp::merge(&target, &patch, Schema::builtin());
}

/// A JSON 6902 operation list (YAML or JSON) applied to the fixed
/// Deployment must not panic, and must leave the object unchanged when it
/// fails, as [`json6902::apply`] promises.
pub fn json6902(data: &[u8]) {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(ops) = yaml::parse_document(src) else {
        return;
    };
    let original = deployment();
    let mut doc = original.clone();
    if let Err(e) = json6902::apply(&mut doc, &ops) {
        assert_eq!(doc, original, "failed patch ({e}) changed the object");
    }
}

/// Data the `gotemplate` target executes against: every kind of value.
const GOTEMPLATE_DATA: &str = r#"{"s": "text", "n": 3, "f": 1.5, "big": 1e21, "t": true, "z": null,
  "list": ["b", "a", 1, null], "m": {"k": "v", "n": {"deep": [1, 2]}}, "e": [], "me": {}}"#;

/// A template is parsed and executed with Sprig, tight limits and each
/// `missingkey` mode: neither step may panic, and the output stays within
/// the output limit. The input is the template, or, when its first line
/// is `define NAME`, the body of template NAME, which the executed
/// template calls (so bodies can recurse).
pub fn gotemplate(data: &[u8]) {
    use gotemplate::{FuncMap, Limits, MissingKey, Options, TemplateSet, Value};
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let limits = Limits {
        max_depth: 20,
        max_parse_depth: 50,
        max_output: 1 << 16,
        max_range: 1000,
    };
    let values =
        Value::from(serde_json::from_str::<serde_json::Value>(GOTEMPLATE_DATA).unwrap_or_default());
    for missing_key in [MissingKey::Default, MissingKey::Zero, MissingKey::Error] {
        let mut set = TemplateSet::new(FuncMap::sprig()).with_options(Options {
            missing_key,
            limits,
        });
        let main = match text.split_once('\n') {
            Some((first, body)) if first.starts_with("define ") => {
                let name = &first["define ".len()..];
                if set.parse(name, body).is_err() {
                    return;
                }
                format!("{{{{template {name:?} .}}}}")
            }
            _ => text.to_string(),
        };
        if set.parse("fuzz", &main).is_err() {
            return;
        }
        if let Ok(out) = set.execute("fuzz", &values) {
            assert!(out.len() <= limits.max_output, "output beyond the limit");
        }
    }
}

/// Separates the files of a [`helm_chart`] input.
pub const HELM_FILE_SEPARATOR: &str = "\n#---8<---\n";

/// `helm template` of a chart built in memory from the input never panics:
/// the input splits at [`HELM_FILE_SEPARATOR`] into `Chart.yaml`,
/// `values.yaml`, `templates/main.yaml` and `templates/_helpers.tpl` (an
/// empty first part gets a minimal `Chart.yaml`). Loading and rendering
/// errors are expected; a panic is a bug.
pub fn helm_chart(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = helm_chart_output(text);
    }
}

/// What `helm template` prints for the chart a [`helm_chart`] input holds.
fn helm_chart_output(text: &str) -> Result<String, helm_core::Error> {
    let mut parts = text.splitn(4, HELM_FILE_SEPARATOR);
    let chart_yaml = parts
        .next()
        .filter(|p| !p.trim().is_empty())
        .unwrap_or("apiVersion: v2\nname: fuzz\nversion: 0.1.0\n");
    let mut fs = MemFs::new();
    fs.add_file("/chart/Chart.yaml", chart_yaml);
    fs.add_file("/chart/values.yaml", parts.next().unwrap_or(""));
    fs.add_file("/chart/templates/main.yaml", parts.next().unwrap_or(""));
    fs.add_file("/chart/templates/_helpers.tpl", parts.next().unwrap_or(""));
    let chart = helm_core::chart::load(&fs, Path::new("/chart"))?;
    let options = helm_core::render::TemplateOptions::default();
    helm_core::render::template(chart, &serde_json::Map::new(), &options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_helm_chart_seeds_reach_the_renderer() {
        let seed = |name: &str| {
            let path = crate::trees::workspace_root()
                .join("fuzz/seeds/helm_chart")
                .join(name);
            std::fs::read_to_string(path).expect("seed reads")
        };
        let out = helm_chart_output(&seed("deployment")).expect("the deployment seed renders");
        assert!(
            out.contains("kind: Deployment") && out.contains("image: \"nginx:1.27\""),
            "{out}"
        );
        let out = helm_chart_output(&seed("tpl_and_yaml")).expect("the tpl seed renders");
        assert!(out.contains("msg: \"release-name in default\""), "{out}");
        assert!(helm_chart_output(&seed("missing_dependency")).is_err());
        assert!(helm_chart_output(&seed("fail_and_lookup")).is_err());
    }
    use serde_json::json;

    #[test]
    fn numbers_compare_by_value() {
        assert!(same(&json!({"a": [1.0, -0.0]}), &json!({"a": [1, 0]})));
        assert!(!same(&json!({"a": [1.5]}), &json!({"a": [1]})));
        assert!(!same(&json!({"a": "1"}), &json!({"a": 1})));
        assert!(!same(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
    }

    #[test]
    fn unicode_line_breaks_are_found_in_keys_and_values() {
        assert!(has_unicode_line_break(&json!({"k": ["x\u{2028}y"]})));
        assert!(has_unicode_line_break(&json!({"k\u{85}": 1})));
        assert!(!has_unicode_line_break(&json!({"k": "a\nb"})));
    }
}
