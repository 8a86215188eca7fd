//! The built-in objects templates see: `.Release`, `.Capabilities`
//! (`KubeVersion`, `APIVersions.Has`, `HelmVersion`), `.Files` (`Get`,
//! `GetBytes`, `Glob`, `Lines`, `AsConfig`, `AsSecrets`) and `.Chart`.

use crate::chart::{Chart, ChartFile};
use crate::error::{Error, Result};
use crate::funcs::to_yaml;
use base64::Engine as _;
use globset::GlobBuilder;
use gotemplate::{FuncError, Function, Param, Struct, Value};
use serde_json::{Map, Value as Json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The Kubernetes version `helm template` assumes without `--kube-version`.
pub const DEFAULT_KUBE_VERSION: &str = "v1.20.0";
/// The Helm release whose behaviour this crate reproduces.
pub const HELM_VERSION: &str = "v3.21.4";

/// The group/versions Helm's `DefaultVersionSet` holds (client-go's scheme
/// plus the apiextensions groups).
pub const DEFAULT_API_VERSIONS: &[&str] = &[
    "v1",
    "admissionregistration.k8s.io/v1",
    "admissionregistration.k8s.io/v1alpha1",
    "admissionregistration.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1",
    "apiextensions.k8s.io/v1beta1",
    "apps/v1",
    "apps/v1beta1",
    "apps/v1beta2",
    "authentication.k8s.io/v1",
    "authentication.k8s.io/v1alpha1",
    "authentication.k8s.io/v1beta1",
    "authorization.k8s.io/v1",
    "authorization.k8s.io/v1beta1",
    "autoscaling/v1",
    "autoscaling/v2",
    "autoscaling/v2beta1",
    "autoscaling/v2beta2",
    "batch/v1",
    "batch/v1beta1",
    "certificates.k8s.io/v1",
    "certificates.k8s.io/v1alpha1",
    "certificates.k8s.io/v1beta1",
    "coordination.k8s.io/v1",
    "coordination.k8s.io/v1alpha2",
    "coordination.k8s.io/v1beta1",
    "discovery.k8s.io/v1",
    "discovery.k8s.io/v1beta1",
    "events.k8s.io/v1",
    "events.k8s.io/v1beta1",
    "extensions/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1beta2",
    "flowcontrol.apiserver.k8s.io/v1beta3",
    "internal.apiserver.k8s.io/v1alpha1",
    "networking.k8s.io/v1",
    "networking.k8s.io/v1alpha1",
    "networking.k8s.io/v1beta1",
    "node.k8s.io/v1",
    "node.k8s.io/v1alpha1",
    "node.k8s.io/v1beta1",
    "policy/v1",
    "policy/v1beta1",
    "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1alpha1",
    "rbac.authorization.k8s.io/v1beta1",
    "resource.k8s.io/v1",
    "resource.k8s.io/v1alpha3",
    "resource.k8s.io/v1beta1",
    "resource.k8s.io/v1beta2",
    "scheduling.k8s.io/v1",
    "scheduling.k8s.io/v1alpha1",
    "scheduling.k8s.io/v1beta1",
    "storage.k8s.io/v1",
    "storage.k8s.io/v1alpha1",
    "storage.k8s.io/v1beta1",
    "storagemigration.k8s.io/v1alpha1",
];

/// The Kubernetes version templates see as `.Capabilities.KubeVersion`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeVersion {
    /// `v1.20.0`.
    pub version: String,
    /// `1`.
    pub major: String,
    /// `20`.
    pub minor: String,
}

impl KubeVersion {
    /// Parses `--kube-version` as Helm's `ParseKubeVersion` does (`1.16`, `v1.16.0`).
    pub fn parse(text: &str) -> Result<Self> {
        let version = crate::semver::Version::parse(text).ok_or_else(|| {
            Error::InvalidChart(format!(
                "invalid kube version '{text}': Invalid Semantic Version"
            ))
        })?;
        Ok(KubeVersion {
            version: format!("v{}", version.core_string()),
            major: version.major().to_string(),
            minor: version.minor().to_string(),
        })
    }
}

impl Default for KubeVersion {
    fn default() -> Self {
        KubeVersion::parse(DEFAULT_KUBE_VERSION).unwrap_or(KubeVersion {
            version: DEFAULT_KUBE_VERSION.into(),
            major: "1".into(),
            minor: "20".into(),
        })
    }
}

/// What the cluster offers, as `.Capabilities` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    /// The Kubernetes version.
    pub kube_version: KubeVersion,
    /// Group/versions (and `group/version/Kind` entries) the cluster serves.
    pub api_versions: Vec<String>,
}

impl Default for Capabilities {
    fn default() -> Self {
        Capabilities {
            kube_version: KubeVersion::default(),
            api_versions: DEFAULT_API_VERSIONS.iter().map(|s| s.to_string()).collect(),
        }
    }
}

fn method(
    params: &[Param],
    body: impl Fn(Vec<Value>) -> Value + Send + Sync + 'static,
) -> Function {
    Function::new(params, None, move |_, args| Ok(body(args)))
}

fn string_arg(args: &[Value]) -> String {
    args.first()
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

impl Capabilities {
    /// The `.Capabilities` object.
    pub fn to_template_value(&self) -> Value {
        let kube = &self.kube_version;
        let version = kube.version.clone();
        let kube_version = Struct {
            type_name: "chartutil.KubeVersion".into(),
            fields: vec![
                ("Version".into(), Value::from(kube.version.as_str())),
                ("Major".into(), Value::from(kube.major.as_str())),
                ("Minor".into(), Value::from(kube.minor.as_str())),
            ],
            methods: vec![
                ("String".into(), {
                    let v = version.clone();
                    method(&[], move |_| Value::from(v.as_str()))
                }),
                (
                    "GitVersion".into(),
                    method(&[], move |_| Value::from(version.as_str())),
                ),
            ],
        };
        let versions: Arc<Vec<String>> = Arc::new(self.api_versions.clone());
        let api_versions = Struct {
            type_name: "chartutil.VersionSet".into(),
            fields: Vec::new(),
            methods: vec![(
                "Has".into(),
                method(&[Param::String], move |args| {
                    Value::Bool(versions.iter().any(|v| *v == string_arg(&args)))
                }),
            )],
        };
        let helm_version = Struct {
            type_name: "version.BuildInfo".into(),
            fields: vec![
                ("Version".into(), Value::from(HELM_VERSION)),
                (
                    "GitCommit".into(),
                    Value::from("813176c51bb5c181dbbd7901298ddcc104cd3417"),
                ),
                ("GitTreeState".into(), Value::from("clean")),
                ("GoVersion".into(), Value::from("go1.24")),
            ],
            methods: Vec::new(),
        };
        Value::Struct(Arc::new(Struct {
            type_name: "chartutil.Capabilities".into(),
            fields: vec![
                ("APIVersions".into(), Value::Struct(Arc::new(api_versions))),
                ("KubeVersion".into(), Value::Struct(Arc::new(kube_version))),
                ("HelmVersion".into(), Value::Struct(Arc::new(helm_version))),
            ],
            methods: Vec::new(),
        }))
    }
}

/// The release a chart is rendered for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseOptions {
    /// Release name (`release-name` for `helm template` without a name).
    pub name: String,
    /// Namespace (`default` when not given).
    pub namespace: String,
    /// Revision (1 for an install).
    pub revision: i64,
    /// Whether this is an upgrade (false: an install).
    pub is_upgrade: bool,
}

impl Default for ReleaseOptions {
    fn default() -> Self {
        ReleaseOptions {
            name: "release-name".into(),
            namespace: "default".into(),
            revision: 1,
            is_upgrade: false,
        }
    }
}

impl ReleaseOptions {
    /// The `.Release` object.
    pub fn to_template_value(&self) -> Value {
        let mut map = BTreeMap::new();
        map.insert("Name".into(), Value::from(self.name.as_str()));
        map.insert("Namespace".into(), Value::from(self.namespace.as_str()));
        map.insert("IsUpgrade".into(), Value::Bool(self.is_upgrade));
        map.insert("IsInstall".into(), Value::Bool(!self.is_upgrade));
        map.insert("Revision".into(), Value::Int(self.revision));
        map.insert("Service".into(), Value::from("Helm"));
        Value::Map(gotemplate::Map::from_entries(map))
    }
}

/// A chart's non-template files, as `.Files` sees them.
#[derive(Debug, Clone, Default)]
pub struct Files(Arc<BTreeMap<String, Vec<u8>>>);

impl Files {
    /// The files of `chart` (everything but templates, values, `Chart.yaml` and subcharts).
    pub fn of(chart: &Chart) -> Self {
        Self::from_files(&chart.files)
    }

    fn from_files(files: &[ChartFile]) -> Self {
        Files(Arc::new(
            files
                .iter()
                .map(|f| (f.name.clone(), f.data.clone()))
                .collect(),
        ))
    }

    /// `Get`: the file's text, empty when absent.
    pub fn get(&self, name: &str) -> String {
        self.0
            .get(name)
            .map(|d| String::from_utf8_lossy(d).into_owned())
            .unwrap_or_default()
    }

    /// `Glob`: the files whose names match a glob (`*` stays within a path element, `**` crosses).
    pub fn glob(&self, pattern: &str) -> Result<Files, String> {
        let matcher = GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .map_err(|e| e.to_string())?
            .compile_matcher();
        Ok(Files(Arc::new(
            self.0
                .iter()
                .filter(|(name, _)| matcher.is_match(name.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        )))
    }

    /// `Lines`: the file split at newlines (one final newline ignored).
    pub fn lines(&self, name: &str) -> Vec<String> {
        let Some(data) = self.0.get(name) else {
            return Vec::new();
        };
        let text = String::from_utf8_lossy(data);
        let text = text.strip_suffix('\n').unwrap_or(&text);
        text.split('\n').map(str::to_string).collect()
    }

    /// `AsConfig`: a YAML map of base name to text (a ConfigMap's `data`).
    pub fn as_config(&self) -> String {
        self.as_map(|d| String::from_utf8_lossy(d).into_owned())
    }

    /// `AsSecrets`: a YAML map of base name to base64 text (a Secret's `data`).
    pub fn as_secrets(&self) -> String {
        self.as_map(|d| base64::engine::general_purpose::STANDARD.encode(d))
    }

    fn as_map(&self, encode: impl Fn(&[u8]) -> String) -> String {
        if self.0.is_empty() {
            return String::new();
        }
        let mut map = Map::new();
        for (name, data) in self.0.iter() {
            let base = name.rsplit('/').next().unwrap_or(name);
            map.insert(base.to_string(), Json::String(encode(data)));
        }
        to_yaml(&Json::Object(map))
    }

    /// The `.Files` object with its methods.
    pub fn to_template_value(&self) -> Value {
        let with = |f: fn(&Files, &str) -> Value| {
            let files = self.clone();
            method(&[Param::String], move |args| f(&files, &string_arg(&args)))
        };
        let without = |f: fn(&Files) -> Value| {
            let files = self.clone();
            method(&[], move |_| f(&files))
        };
        let glob = {
            let files = self.clone();
            Function::new(&[Param::String], None, move |_, args| {
                files
                    .glob(&string_arg(&args))
                    .map(|f| f.to_template_value())
                    .map_err(FuncError::new)
            })
        };
        Value::Struct(Arc::new(Struct {
            type_name: "engine.files".into(),
            fields: Vec::new(),
            methods: vec![
                ("Get".into(), with(|f, n| Value::from(f.get(n)))),
                ("GetBytes".into(), with(|f, n| Value::from(f.get(n)))),
                (
                    "Lines".into(),
                    with(|f, n| {
                        Value::from(f.lines(n).into_iter().map(Value::from).collect::<Vec<_>>())
                    }),
                ),
                ("Glob".into(), glob),
                ("AsConfig".into(), without(|f| Value::from(f.as_config()))),
                ("AsSecrets".into(), without(|f| Value::from(f.as_secrets()))),
            ],
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Files {
        Files::from_files(&[
            ChartFile {
                name: "config/a.conf".into(),
                data: b"x = 1\n".to_vec(),
            },
            ChartFile {
                name: "config/b.conf".into(),
                data: b"y\nz".to_vec(),
            },
            ChartFile {
                name: "README.md".into(),
                data: b"hi".to_vec(),
            },
        ])
    }

    #[test]
    fn files_behave_as_helms() {
        let f = files();
        assert_eq!(f.get("README.md"), "hi");
        assert_eq!(f.get("missing"), "");
        assert_eq!(f.lines("config/a.conf"), ["x = 1"]);
        assert_eq!(f.lines("config/b.conf"), ["y", "z"]);
        assert!(f.lines("missing").is_empty());
        let conf = f.glob("config/*").unwrap();
        assert_eq!(conf.as_config(), "a.conf: |\n  x = 1\nb.conf: |-\n  y\n  z");
        assert_eq!(conf.as_secrets(), "a.conf: eCA9IDEK\nb.conf: eQp6");
        assert_eq!(f.glob("*.conf").unwrap().as_config(), "");
        assert_eq!(f.glob("**/*.conf").unwrap().0.len(), 2);
    }

    #[test]
    fn kube_versions_parse_as_helm() {
        let v = KubeVersion::parse("1.16.0").unwrap();
        assert_eq!(
            (v.version.as_str(), v.major.as_str(), v.minor.as_str()),
            ("v1.16.0", "1", "16")
        );
        assert_eq!(KubeVersion::parse("v1.30").unwrap().version, "v1.30.0");
        assert!(KubeVersion::parse("banana").is_err());
        assert_eq!(KubeVersion::default().version, "v1.20.0");
    }
}
