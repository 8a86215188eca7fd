//! Registry credentials: anonymous, or a user and password taken from a
//! Docker config (`.dockerconfigjson` in a Kubernetes Secret, or a file).

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

use crate::image::reference::is_docker_hub;

/// Credentials used for Basic auth and for token requests.
#[derive(Clone, PartialEq, Eq, Default)]
pub enum Credentials {
    /// No credentials.
    #[default]
    Anonymous,
    /// User name and password (or access token).
    Basic {
        /// User name.
        username: String,
        /// Password or token.
        password: String,
    },
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Anonymous => f.write_str("Anonymous"),
            Self::Basic { username, .. } => write!(
                f,
                "Basic {{ username: {username:?}, password: <redacted> }}"
            ),
        }
    }
}

/// Why credentials could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    /// The file could not be read.
    #[error("reading docker config {path}: {source}")]
    Io {
        /// File path.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The Docker config JSON is malformed.
    #[error("{origin}: invalid docker config JSON: {reason}")]
    InvalidConfig {
        /// Where the config came from (file path or Secret field).
        origin: String,
        /// What is wrong.
        reason: String,
    },
    /// The Secret lacks a `.dockerconfigjson` key in `data` or `stringData`.
    #[error("secret {secret}: no .dockerconfigjson in data or stringData")]
    MissingDockerConfig {
        /// `namespace/name` of the Secret.
        secret: String,
    },
    /// The config has no entry for the registry.
    #[error("{origin}: no credentials for registry {registry}")]
    NoEntry {
        /// Where the config came from.
        origin: String,
        /// The registry host asked for.
        registry: String,
    },
    /// A `user:password` value lacks the colon.
    #[error("{origin}: credentials must be user:password")]
    NotUserPassword {
        /// Where the value came from.
        origin: String,
    },
}

#[derive(Deserialize)]
struct DockerConfig {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
}

#[derive(Deserialize)]
struct AuthEntry {
    auth: Option<String>,
    username: Option<String>,
    password: Option<String>,
}

impl Credentials {
    /// Parses `user:password` (as `env:` and `secret:` pull-secret references
    /// hold); `origin` names the source in errors.
    pub fn from_user_password(value: &str, origin: &str) -> Result<Self, CredentialsError> {
        let (username, password) = value
            .trim_end_matches(['\r', '\n'])
            .split_once(':')
            .ok_or_else(|| CredentialsError::NotUserPassword {
                origin: origin.to_owned(),
            })?;
        Ok(Self::Basic {
            username: username.to_owned(),
            password: password.to_owned(),
        })
    }

    /// Looks up `registry` (a host such as `ghcr.io` or `docker.io`) in Docker
    /// config JSON (`{"auths": {...}}`); keys may carry a scheme and path
    /// (`https://index.docker.io/v1/`).
    pub fn from_docker_config(
        json: &[u8],
        registry: &str,
        origin: &str,
    ) -> Result<Self, CredentialsError> {
        let invalid = |reason: String| CredentialsError::InvalidConfig {
            origin: origin.to_owned(),
            reason,
        };
        let config: DockerConfig =
            serde_json::from_slice(json).map_err(|e| invalid(e.to_string()))?;
        let wanted = config_host(registry);
        let entry = config
            .auths
            .iter()
            .find(|(key, _)| same_registry(&config_host(key), &wanted))
            .map(|(_, entry)| entry)
            .ok_or_else(|| CredentialsError::NoEntry {
                origin: origin.to_owned(),
                registry: registry.to_owned(),
            })?;
        match (&entry.auth, &entry.username, &entry.password) {
            (_, Some(username), Some(password)) => Ok(Self::Basic {
                username: username.clone(),
                password: password.clone(),
            }),
            (Some(auth), _, _) => {
                let decoded = STANDARD
                    .decode(auth.trim())
                    .map_err(|e| invalid(format!("auths[{registry}].auth is not base64: {e}")))?;
                let text = String::from_utf8(decoded)
                    .map_err(|_| invalid(format!("auths[{registry}].auth is not UTF-8")))?;
                Self::from_user_password(&text, origin)
            }
            _ => Err(invalid(format!(
                "auths[{registry}] has neither auth nor username/password"
            ))),
        }
    }

    /// Reads a Docker config file (e.g. `~/.docker/config.json`).
    pub fn from_docker_config_file(path: &Path, registry: &str) -> Result<Self, CredentialsError> {
        let origin = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| CredentialsError::Io {
            path: origin.clone(),
            source,
        })?;
        Self::from_docker_config(&bytes, registry, &origin)
    }

    /// Reads a `kubernetes.io/dockerconfigjson` Secret object: the
    /// `.dockerconfigjson` key of `data` (base64) or `stringData` (plain).
    pub fn from_secret(
        secret: &serde_json::Value,
        registry: &str,
    ) -> Result<Self, CredentialsError> {
        let meta = |key: &str| {
            secret
                .pointer(&format!("/metadata/{key}"))
                .and_then(|v| v.as_str())
                .unwrap_or("")
        };
        let name = format!("{}/{}", meta("namespace"), meta("name"));
        let field = |section: &str| {
            secret
                .get(section)
                .and_then(|d| d.get(".dockerconfigjson"))
                .and_then(|v| v.as_str())
        };
        let json =
            match (field("data"), field("stringData")) {
                (Some(encoded), _) => STANDARD.decode(encoded.trim()).map_err(|e| {
                    CredentialsError::InvalidConfig {
                        origin: format!("secret {name} data[.dockerconfigjson]"),
                        reason: format!("not base64: {e}"),
                    }
                })?,
                (None, Some(plain)) => plain.as_bytes().to_vec(),
                (None, None) => return Err(CredentialsError::MissingDockerConfig { secret: name }),
            };
        Self::from_docker_config(&json, registry, &format!("secret {name}"))
    }
}

/// Where a `pull-secret` / `pullSecret` setting says credentials come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PullSecretRef {
    /// `pullsecret:<namespace>/<name>`: a dockerconfigjson Secret.
    PullSecret {
        /// Secret namespace.
        namespace: String,
        /// Secret name.
        name: String,
    },
    /// `secret:<namespace>/<name>#<field>`: a Secret field holding `user:password`.
    SecretField {
        /// Secret namespace.
        namespace: String,
        /// Secret name.
        name: String,
        /// Key in the Secret's data.
        field: String,
    },
    /// `env:<VAR>`: an environment variable holding `user:password`.
    Env(String),
    /// `ext:<absolute path>`: a script printing `user:password`.
    External(String),
}

/// Why a `pull-secret` setting is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("pull-secret {value:?}: {problem}")]
pub struct PullSecretError {
    /// The setting.
    pub value: String,
    /// What is wrong.
    pub problem: &'static str,
}

impl PullSecretRef {
    /// Parses `pullsecret:<ns>/<name>`, `secret:<ns>/<name>#<field>`,
    /// `env:<VAR>` or `ext:<absolute path>`.
    pub fn parse(value: &str) -> Result<Self, PullSecretError> {
        let error = |problem| PullSecretError {
            value: value.to_owned(),
            problem,
        };
        let (kind, rest) = value
            .trim()
            .split_once(':')
            .ok_or_else(|| error("expected <kind>:<reference>"))?;
        let namespaced = |text: &str| match text.split_once('/') {
            Some((ns, name)) if !ns.is_empty() && !name.is_empty() && !name.contains('/') => {
                Ok((ns.to_owned(), name.to_owned()))
            }
            _ => Err(error("expected <namespace>/<name>")),
        };
        match kind {
            "pullsecret" => {
                namespaced(rest).map(|(namespace, name)| Self::PullSecret { namespace, name })
            }
            "secret" => {
                let (secret, field) = rest
                    .split_once('#')
                    .ok_or_else(|| error("expected <namespace>/<name>#<field>"))?;
                if field.is_empty() {
                    return Err(error("empty field after #"));
                }
                let (namespace, name) = namespaced(secret)?;
                Ok(Self::SecretField {
                    namespace,
                    name,
                    field: field.to_owned(),
                })
            }
            "env" if !rest.is_empty() => Ok(Self::Env(rest.to_owned())),
            "env" => Err(error("empty variable name")),
            "ext" if rest.starts_with('/') => Ok(Self::External(rest.to_owned())),
            "ext" => Err(error("script path must be absolute")),
            _ => Err(error("kind must be pullsecret, secret, env or ext")),
        }
    }

    /// Namespace of the referenced Secret (`None` for `env:` and `ext:`);
    /// callers must reject Secrets outside the application's namespace.
    pub fn namespace(&self) -> Option<&str> {
        match self {
            Self::PullSecret { namespace, .. } | Self::SecretField { namespace, .. } => {
                Some(namespace)
            }
            Self::Env(_) | Self::External(_) => None,
        }
    }
}

/// The host part of a config key or registry name: no scheme, no path.
fn config_host(key: &str) -> String {
    let key = key.trim();
    let key = key.split_once("://").map_or(key, |(_, rest)| rest);
    key.split('/').next().unwrap_or(key).to_ascii_lowercase()
}

fn same_registry(a: &str, b: &str) -> bool {
    a == b || (is_docker_hub(a) && is_docker_hub(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn basic(u: &str, p: &str) -> Credentials {
        Credentials::Basic {
            username: u.into(),
            password: p.into(),
        }
    }

    #[test]
    fn docker_config_auth_and_username_forms() {
        let auth = STANDARD.encode("bob:s3cr:et");
        let config = json!({"auths": {
            "https://index.docker.io/v1/": {"auth": auth},
            "ghcr.io": {"username": "alice", "password": "pw"},
        }})
        .to_string();
        let c = Credentials::from_docker_config(config.as_bytes(), "docker.io", "test").unwrap();
        assert_eq!(c, basic("bob", "s3cr:et"));
        let c = Credentials::from_docker_config(config.as_bytes(), "ghcr.io", "test").unwrap();
        assert_eq!(c, basic("alice", "pw"));
        assert!(matches!(
            Credentials::from_docker_config(config.as_bytes(), "quay.io", "test"),
            Err(CredentialsError::NoEntry { .. })
        ));
        assert!(matches!(
            Credentials::from_docker_config(b"{", "quay.io", "test"),
            Err(CredentialsError::InvalidConfig { .. })
        ));
    }

    #[test]
    fn secret_data_and_string_data() {
        let config =
            json!({"auths": {"127.0.0.1:5000": {"auth": STANDARD.encode("u:p")}}}).to_string();
        let secret = json!({
            "metadata": {"name": "pull", "namespace": "apps"},
            "data": {".dockerconfigjson": STANDARD.encode(&config)},
        });
        assert_eq!(
            Credentials::from_secret(&secret, "127.0.0.1:5000").unwrap(),
            basic("u", "p")
        );
        let secret =
            json!({"metadata": {"name": "pull"}, "stringData": {".dockerconfigjson": config}});
        assert_eq!(
            Credentials::from_secret(&secret, "127.0.0.1:5000").unwrap(),
            basic("u", "p")
        );
        let empty = json!({"metadata": {"name": "pull", "namespace": "apps"}, "data": {}});
        let err = Credentials::from_secret(&empty, "x.io").unwrap_err();
        assert_eq!(
            err.to_string(),
            "secret apps/pull: no .dockerconfigjson in data or stringData"
        );
    }

    #[test]
    fn file_and_user_password() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        std::fs::write(
            &path,
            json!({"auths": {"quay.io": {"auth": STANDARD.encode("q:w")}}}).to_string(),
        )
        .unwrap();
        assert_eq!(
            Credentials::from_docker_config_file(&path, "quay.io").unwrap(),
            basic("q", "w")
        );
        assert!(matches!(
            Credentials::from_docker_config_file(&dir.path().join("missing"), "quay.io"),
            Err(CredentialsError::Io { .. })
        ));
        assert_eq!(
            Credentials::from_user_password("a:b\n", "env:X").unwrap(),
            basic("a", "b")
        );
        assert!(Credentials::from_user_password("nocolon", "env:X").is_err());
        assert_eq!(
            format!("{:?}", basic("a", "secret")),
            "Basic { username: \"a\", password: <redacted> }"
        );
    }

    #[test]
    fn pull_secret_references() {
        assert_eq!(
            PullSecretRef::parse("pullsecret:apps/regcred"),
            Ok(PullSecretRef::PullSecret {
                namespace: "apps".into(),
                name: "regcred".into()
            })
        );
        let field = PullSecretRef::parse("secret:apps/creds#token").unwrap();
        assert_eq!(
            field,
            PullSecretRef::SecretField {
                namespace: "apps".into(),
                name: "creds".into(),
                field: "token".into()
            }
        );
        assert_eq!(field.namespace(), Some("apps"));
        assert_eq!(
            PullSecretRef::parse("env:REG_CREDS"),
            Ok(PullSecretRef::Env("REG_CREDS".into()))
        );
        assert_eq!(
            PullSecretRef::parse("ext:/bin/creds.sh"),
            Ok(PullSecretRef::External("/bin/creds.sh".into()))
        );
        assert_eq!(PullSecretRef::parse("env:X").unwrap().namespace(), None);
        for bad in [
            "regcred",
            "pullsecret:regcred",
            "secret:apps/creds",
            "secret:apps/creds#",
            "ext:creds.sh",
            "env:",
            "vault:x/y",
            "pullsecret:a/b/c",
        ] {
            let err = PullSecretRef::parse(bad).unwrap_err();
            assert_eq!(err.value, bad);
        }
    }
}
