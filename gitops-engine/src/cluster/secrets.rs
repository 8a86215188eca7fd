//! Argo CD's declarative clusters: Secrets labelled
//! `argocd.argoproj.io/secret-type: cluster` in the control-plane namespace,
//! read into [`ClusterSecret`]s ([`parse`]) and gathered with the built-in
//! `in-cluster` destination into [`Clusters`] ([`Clusters::from_secrets`],
//! [`list`]).
//!
//! Credentials (`bearerToken`, `password`, `keyData`, exec and AWS settings)
//! are held in [`Hidden`], whose `Debug` prints `***`, and no error of this
//! module quotes a value of the Secret: only its name and the field.

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{Cluster, ClusterError, Gvk};

/// Label that gives a Secret its Argo CD meaning.
pub const SECRET_TYPE_LABEL: &str = "argocd.argoproj.io/secret-type";
/// [`SECRET_TYPE_LABEL`] value of cluster Secrets.
pub const CLUSTER_SECRET_TYPE: &str = "cluster";
/// Annotation Argo CD's API puts on the cluster Secrets it creates.
pub const MANAGED_BY_ANNOTATION: &str = "managed-by";
/// [`MANAGED_BY_ANNOTATION`] value.
pub const MANAGED_BY_ARGOCD: &str = "argocd.argoproj.io";
/// Server URL of the cluster the controller runs in.
pub const IN_CLUSTER_SERVER: &str = "https://kubernetes.default.svc";
/// Name of the cluster the controller runs in.
pub const IN_CLUSTER_NAME: &str = "in-cluster";

/// Labels and annotations that are not copied onto the cluster.
const NOT_COPIED: [&str; 3] = [
    SECRET_TYPE_LABEL,
    "kubectl.kubernetes.io/last-applied-configuration",
    MANAGED_BY_ANNOTATION,
];

/// A value kept out of `Debug` output (credentials). Serialises as the value.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Hidden<T>(pub T);

impl<T> Hidden<T> {
    /// The value itself; only for handing it to the code that uses it.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Hidden<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// `tlsClientConfig` of a cluster's `config`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct TlsClientConfig {
    /// Skip verifying the server's certificate (always serialised, as Argo CD does).
    pub insecure: bool,
    /// Name the server's certificate is checked against instead of the URL's host.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub server_name: String,
    /// Client certificate: base64 of the PEM.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cert_data: String,
    /// Client key: base64 of the PEM.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_data: Option<Hidden<String>>,
    /// Certificate authorities trusted for the server: base64 of the PEM.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ca_data: String,
}

/// The `config` key of a cluster Secret (Argo CD's `ClusterConfig`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ClusterConfig {
    /// Basic-auth user.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub username: String,
    /// Basic-auth password.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<Hidden<String>>,
    /// Bearer token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bearer_token: Option<Hidden<String>>,
    /// TLS settings.
    pub tls_client_config: TlsClientConfig,
    /// `awsAuthConfig`: not supported (refused when the cluster is used).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aws_auth_config: Option<Hidden<Value>>,
    /// `execProviderConfig`: not supported (refused when the cluster is used).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exec_provider_config: Option<Hidden<Value>>,
    /// Ask the server for uncompressed responses.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub disable_compression: bool,
    /// `http`, `https` or `socks5` proxy for this cluster.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub proxy_url: String,
}

/// Where a cluster Secret lives.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecretRef {
    /// Its namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
    /// Its UID: Argo CD's cluster ID (sharding hashes it).
    pub uid: String,
}

impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

/// One destination cluster: a cluster Secret, or the built-in `in-cluster`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterSecret {
    /// The Secret it was read from; `None` for the built-in `in-cluster`.
    pub secret: Option<SecretRef>,
    /// `name`; empty when the Secret has none (then `destination.name` cannot find it).
    pub name: String,
    /// `server`, without a trailing `/`.
    pub server: String,
    /// `namespaces`: when not empty, only these namespaces are managed.
    pub namespaces: Vec<String>,
    /// `clusterResources`: with `namespaces`, cluster-scoped kinds are managed too.
    pub cluster_resources: bool,
    /// `project`: the AppProject this cluster is scoped to (empty: global).
    pub project: String,
    /// `shard`: the controller shard that must manage this cluster.
    pub shard: Option<i64>,
    /// `config`: how to connect.
    pub config: ClusterConfig,
    /// The Secret's labels, minus the ones Argo CD does not copy.
    pub labels: BTreeMap<String, String>,
    /// The Secret's annotations, minus the ones Argo CD does not copy.
    pub annotations: BTreeMap<String, String>,
}

impl ClusterSecret {
    /// The built-in destination for the cluster the controller runs in.
    pub fn in_cluster() -> Self {
        ClusterSecret {
            secret: None,
            name: IN_CLUSTER_NAME.to_owned(),
            server: IN_CLUSTER_SERVER.to_owned(),
            namespaces: Vec::new(),
            cluster_resources: false,
            project: String::new(),
            shard: None,
            config: ClusterConfig::default(),
            labels: BTreeMap::new(),
            annotations: BTreeMap::new(),
        }
    }

    /// Whether this is the cluster the controller runs in (reached with the
    /// controller's own client, whatever `config` says).
    pub fn is_in_cluster(&self) -> bool {
        self.server == IN_CLUSTER_SERVER
    }

    /// The cluster's ID as Argo CD has it: the Secret's UID, empty for the
    /// built-in `in-cluster`.
    pub fn id(&self) -> &str {
        self.secret.as_ref().map_or("", |s| s.uid.as_str())
    }

    /// Name and server, as project destination rules match them.
    pub fn identity(&self) -> ClusterIdentity {
        ClusterIdentity {
            name: self.name.clone(),
            server: self.server.clone(),
        }
    }

    /// Whether objects in `namespace` (empty: cluster-scoped) may be managed
    /// on this cluster (`namespaces`, `clusterResources`).
    pub fn manages_namespace(&self, namespace: &str) -> bool {
        if self.namespaces.is_empty() {
            return true;
        }
        if namespace.is_empty() {
            return self.cluster_resources;
        }
        self.namespaces.iter().any(|n| n == namespace)
    }

    /// The Secret Argo CD's API would create for this cluster in `namespace`:
    /// named by [`secret_name`], labelled as a cluster, annotated
    /// `managed-by: argocd.argoproj.io`, its keys base64-encoded in `data`.
    pub fn to_secret(&self, namespace: &str) -> Value {
        let mut data = Map::new();
        let mut put = |key: &str, value: &str| {
            if !value.is_empty() {
                data.insert(key.to_owned(), BASE64.encode(value).into());
            }
        };
        put("name", &self.name);
        put("server", &self.server);
        put("namespaces", &self.namespaces.join(","));
        if self.cluster_resources {
            put("clusterResources", "true");
        }
        put("project", &self.project);
        if let Some(shard) = self.shard {
            put("shard", &shard.to_string());
        }
        // A struct of strings, booleans and JSON values always serialises.
        let config = serde_json::to_string(&self.config).unwrap_or_default();
        put("config", &config);
        let mut labels: Map<String, Value> = self
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), v.clone().into()))
            .collect();
        labels.insert(SECRET_TYPE_LABEL.to_owned(), CLUSTER_SECRET_TYPE.into());
        let mut annotations: Map<String, Value> = self
            .annotations
            .iter()
            .map(|(k, v)| (k.clone(), v.clone().into()))
            .collect();
        annotations.insert(MANAGED_BY_ANNOTATION.to_owned(), MANAGED_BY_ARGOCD.into());
        json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": secret_name(&self.server),
                "namespace": namespace,
                "labels": labels,
                "annotations": annotations,
            },
            "type": "Opaque",
            "data": data,
        })
    }
}

/// A cluster Secret that cannot be used. The message names the Secret and
/// the field, never a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cluster secret {secret}: {field}: {problem}")]
pub struct ClusterSecretError {
    /// `namespace/name` of the Secret.
    pub secret: String,
    /// The offending field, e.g. `data.config` or `data.config: tlsClientConfig.caData`.
    pub field: String,
    /// What is wrong with it.
    pub problem: String,
}

/// Whether `secret` is labelled as a cluster Secret.
pub fn is_cluster_secret(secret: &Value) -> bool {
    secret["metadata"]["labels"][SECRET_TYPE_LABEL].as_str() == Some(CLUSTER_SECRET_TYPE)
}

/// Reads a cluster Secret (a `v1/Secret` manifest; keys in `data`, base64,
/// or in `stringData`, which wins as on the API server).
pub fn parse(secret: &Value) -> Result<ClusterSecret, ClusterSecretError> {
    let meta = &secret["metadata"];
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let reference = SecretRef {
        namespace: text(&meta["namespace"]),
        name: text(&meta["name"]),
        uid: text(&meta["uid"]),
    };
    let error = |field: &str, problem: String| ClusterSecretError {
        secret: reference.to_string(),
        field: field.to_owned(),
        problem,
    };
    let data = secret_data(secret).map_err(|(field, problem)| error(&field, problem))?;
    let key = |k: &str| data.get(k).map(String::as_str).unwrap_or_default();
    let server = key("server").trim_end_matches('/').to_owned();
    if server.is_empty() {
        return Err(error("data.server", "is missing".to_owned()));
    }
    let config = match key("config") {
        "" => ClusterConfig::default(),
        config => parse_config(config).map_err(|problem| error("data.config", problem))?,
    };
    let shard = match key("shard") {
        "" => None,
        shard => Some(
            shard
                .trim()
                .parse::<i64>()
                .map_err(|_| error("data.shard", "is not an integer".to_owned()))?,
        ),
    };
    if !config.proxy_url.is_empty() {
        let scheme = config.proxy_url.split_once("://").map_or("", |(s, _)| s);
        if !matches!(scheme, "http" | "https" | "socks5") {
            return Err(error(
                "data.config: proxyUrl",
                format!(
                    "failed to parse proxy url, unsupported scheme {scheme:?}, must be http, https, or socks5"
                ),
            ));
        }
    }
    for (field, value) in [
        ("tlsClientConfig.caData", &config.tls_client_config.ca_data),
        (
            "tlsClientConfig.certData",
            &config.tls_client_config.cert_data,
        ),
        (
            "tlsClientConfig.keyData",
            &config
                .tls_client_config
                .key_data
                .as_ref()
                .map(|k| k.0.clone())
                .unwrap_or_default(),
        ),
    ] {
        if BASE64.decode(value.as_bytes()).is_err() {
            return Err(error(
                &format!("data.config: {field}"),
                "is not base64 (it holds the base64 of a PEM document)".to_owned(),
            ));
        }
    }
    Ok(ClusterSecret {
        secret: Some(reference.clone()),
        name: key("name").to_owned(),
        server,
        namespaces: key("namespaces")
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
            .collect(),
        cluster_resources: key("clusterResources") == "true",
        project: key("project").to_owned(),
        shard,
        config,
        labels: copied(&meta["labels"]),
        annotations: copied(&meta["annotations"]),
    })
}

/// The Secret's keys as text: `data` decoded, then `stringData` over it.
/// Errors are `(field, problem)`.
fn secret_data(secret: &Value) -> Result<BTreeMap<String, String>, (String, String)> {
    let mut out = BTreeMap::new();
    if let Some(data) = secret["data"].as_object() {
        for (key, value) in data {
            let field = format!("data.{key}");
            let bytes = BASE64
                .decode(value.as_str().unwrap_or_default())
                .map_err(|_| (field.clone(), "is not base64".to_owned()))?;
            let text =
                String::from_utf8(bytes).map_err(|_| (field, "is not UTF-8 text".to_owned()))?;
            out.insert(key.clone(), text);
        }
    }
    if let Some(data) = secret["stringData"].as_object() {
        for (key, value) in data {
            out.insert(key.clone(), value.as_str().unwrap_or_default().to_owned());
        }
    }
    Ok(out)
}

/// Decodes `config`; the problem names the JSON path, line and column but
/// quotes no value (serde's own messages may quote the offending value).
fn parse_config(text: &str) -> Result<ClusterConfig, String> {
    let mut decoder = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize::<_, ClusterConfig>(&mut decoder).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.inner();
        let what = match inner.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                "is not valid JSON"
            }
            serde_json::error::Category::Data => {
                "has a field of the wrong type or an unknown field"
            }
            serde_json::error::Category::Io => "cannot be read",
        };
        let at = if path == "." || path.is_empty() {
            String::new()
        } else {
            format!(" (at {path})")
        };
        format!(
            "{what}{at}, line {} column {}",
            inner.line(),
            inner.column()
        )
    })
}

fn copied(map: &Value) -> BTreeMap<String, String> {
    map.as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| !NOT_COPIED.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
        .collect()
}

/// The name Argo CD's API gives a cluster Secret:
/// `cluster-<host, lowercase, no port>-<FNV-32a of the server URL>`.
pub fn secret_name(server: &str) -> String {
    let host = server
        .split_once("://")
        .map_or(server, |(_, rest)| rest)
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default();
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    };
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    format!(
        "cluster-{}-{}",
        host.to_lowercase(),
        fnv32a(server.as_bytes())
    )
}

/// The 32-bit FNV-1a hash (Go's `hash/fnv.New32a`).
pub fn fnv32a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5_u32, |hash, b| {
        (hash ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    })
}

/// The destination clusters: the cluster Secrets, and the built-in
/// `in-cluster` unless a Secret names its server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clusters {
    clusters: Vec<ClusterSecret>,
}

impl Clusters {
    /// The clusters of `secrets` (those labelled as cluster Secrets; others
    /// are ignored), with the Secrets that cannot be read.
    pub fn from_secrets<'a>(
        secrets: impl IntoIterator<Item = &'a Value>,
    ) -> (Self, Vec<ClusterSecretError>) {
        let mut clusters = Vec::new();
        let mut errors = Vec::new();
        for secret in secrets.into_iter().filter(|s| is_cluster_secret(s)) {
            match parse(secret) {
                Ok(cluster) => clusters.push(cluster),
                Err(e) => errors.push(e),
            }
        }
        if !clusters.iter().any(ClusterSecret::is_in_cluster) {
            clusters.insert(0, ClusterSecret::in_cluster());
        }
        (Clusters { clusters }, errors)
    }

    /// Every cluster, the built-in one first.
    pub fn iter(&self) -> impl Iterator<Item = &ClusterSecret> {
        self.clusters.iter()
    }

    /// The cluster with this server URL (a trailing `/` ignored).
    pub fn by_server(&self, server: &str) -> Option<&ClusterSecret> {
        let server = server.trim_end_matches('/');
        self.clusters.iter().find(|c| c.server == server)
    }

    /// Names and servers, for resolving destinations
    /// and project rules.
    pub fn identities(&self) -> Vec<ClusterIdentity> {
        self.clusters.iter().map(ClusterSecret::identity).collect()
    }
}

/// Lists the cluster Secrets in `namespace` and reads them.
pub async fn list(
    cluster: &impl Cluster,
    namespace: &str,
) -> Result<(Clusters, Vec<ClusterSecretError>), ClusterError> {
    let secrets = cluster
        .list(
            &Gvk::new("", "v1", "Secret"),
            Some(namespace),
            &format!("{SECRET_TYPE_LABEL}={CLUSTER_SECRET_TYPE}"),
        )
        .await?;
    Ok(Clusters::from_secrets(&secrets))
}

/// A destination cluster as the project rules see it: both its name and its server
/// URL are matched against the project's destinations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterIdentity {
    /// The cluster's name (`in-cluster` for the local one).
    pub name: String,
    /// The cluster's API server URL.
    pub server: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(data: Value) -> Value {
        let data: Map<String, Value> = data
            .as_object()
            .expect("object")
            .iter()
            .map(|(k, v)| (k.clone(), BASE64.encode(v.as_str().expect("text")).into()))
            .collect();
        json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "c1", "namespace": "argocd", "uid": "u-1",
                         "labels": {SECRET_TYPE_LABEL: "cluster", "env": "prod"}},
            "data": data,
        })
    }

    #[test]
    fn reads_every_key() {
        let config = r#"{"bearerToken":"tok-123","tlsClientConfig":{"insecure":false,"serverName":"api","caData":"Zm9v"}}"#;
        let c = parse(&secret(json!({
            "name": "east", "server": "https://east.example.com:6443/",
            "namespaces": "a, b", "clusterResources": "true", "project": "p",
            "shard": "2", "config": config,
        })))
        .expect("parses");
        assert_eq!(c.name, "east");
        assert_eq!(c.server, "https://east.example.com:6443");
        assert_eq!(c.namespaces, ["a", "b"]);
        assert!(c.cluster_resources && c.manages_namespace("") && !c.manages_namespace("z"));
        assert_eq!((c.project.as_str(), c.shard, c.id()), ("p", Some(2), "u-1"));
        assert_eq!(
            c.config.bearer_token.as_ref().map(|t| t.expose().as_str()),
            Some("tok-123")
        );
        assert_eq!(c.config.tls_client_config.server_name, "api");
        assert_eq!(c.labels.keys().collect::<Vec<_>>(), ["env"]);
        assert!(!format!("{c:?}").contains("tok-123"));
    }

    #[test]
    fn errors_name_the_field_but_not_the_value() {
        let e = parse(&secret(
            json!({"server": "https://x", "config": "{\"bearerToken\": [\"tok-9\"]}"}),
        ))
        .expect_err("bad type");
        let text = e.to_string();
        assert!(
            text.starts_with("cluster secret argocd/c1: data.config: "),
            "{text}"
        );
        assert!(
            text.contains("bearerToken") && text.contains("line 1"),
            "{text}"
        );
        assert!(!text.contains("tok-9"), "{text}");
        let e = parse(&secret(json!({"name": "x"}))).expect_err("no server");
        assert_eq!(
            e.to_string(),
            "cluster secret argocd/c1: data.server: is missing"
        );
        let e = parse(&secret(json!({"server": "https://x", "shard": "two"}))).expect_err("shard");
        assert_eq!(
            e.to_string(),
            "cluster secret argocd/c1: data.shard: is not an integer"
        );
        let e = parse(&secret(
            json!({"server": "https://x", "config": "{\"proxyUrl\":\"ftp://p\"}"}),
        ))
        .expect_err("proxy");
        assert!(e.to_string().ends_with(
            "failed to parse proxy url, unsupported scheme \"ftp\", must be http, https, or socks5"
        ));
    }

    #[test]
    fn in_cluster_exists_unless_a_secret_replaces_it() {
        let remote = secret(json!({"name": "east", "server": "https://east"}));
        let (clusters, errors) = Clusters::from_secrets([&remote]);
        assert!(errors.is_empty());
        let names: Vec<&str> = clusters.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["in-cluster", "east"]);
        let local = secret(json!({"name": "local", "server": IN_CLUSTER_SERVER}));
        let (clusters, _) = Clusters::from_secrets([&local]);
        let names: Vec<&str> = clusters.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["local"]);
        assert_eq!(
            clusters
                .by_server("https://kubernetes.default.svc/")
                .map(|c| c.name.as_str()),
            Some("local")
        );
    }

    #[test]
    fn secret_names_follow_argo_cd() {
        assert_eq!(
            secret_name("https://mycluster.example.com:6443"),
            "cluster-mycluster.example.com-2994203138"
        );
    }

    #[test]
    fn to_secret_round_trips() {
        let mut c = ClusterSecret::in_cluster();
        c.server = "https://east:6443".to_owned();
        c.name = "east".to_owned();
        c.namespaces = vec!["a".to_owned()];
        c.config.bearer_token = Some(Hidden("t".to_owned()));
        let mut s = c.to_secret("argocd");
        assert_eq!(
            s["metadata"]["annotations"][MANAGED_BY_ANNOTATION],
            MANAGED_BY_ARGOCD
        );
        s["metadata"]["uid"] = "u".into();
        let back = parse(&s).expect("parses");
        assert_eq!(
            (back.name, back.server, back.namespaces),
            (c.name, c.server, c.namespaces)
        );
        assert_eq!(back.config, c.config);
    }
}
