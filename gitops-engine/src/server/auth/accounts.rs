//! Local accounts and server secrets from Argo CD's configuration: `argocd-cm`
//! (`accounts.<name>`, `accounts.<name>.enabled`, `admin.enabled`,
//! `users.session.duration`), `argocd-secret` (`admin.password`, `admin.passwordMtime`,
//! `accounts.<name>.password|passwordMtime|tokens`, `server.secretkey`) and the first
//! start's `argocd-initial-admin-secret`.

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::AuthError;
use crate::cluster::{Cluster, ClusterError, Gvk, KubeCluster, ObjectRef, WriteOptions};

/// Argo CD's settings ConfigMap.
pub const ARGOCD_CM: &str = "argocd-cm";
/// Argo CD's Secret of passwords, tokens and the signing key.
pub const ARGOCD_SECRET: &str = "argocd-secret";
/// The Secret holding the generated first admin password.
pub const INITIAL_ADMIN_SECRET: &str = "argocd-initial-admin-secret";
/// Argo CD's RBAC ConfigMap.
pub const ARGOCD_RBAC_CM: &str = "argocd-rbac-cm";

/// Length of a generated admin password.
const GENERATED_PASSWORD_LEN: usize = 16;
/// The characters of a generated admin password.
const PASSWORD_ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-";
/// bcrypt cost of stored passwords (Argo CD's).
const BCRYPT_COST: u32 = 10;

/// A local account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Account {
    /// May log in with a password.
    pub login: bool,
    /// May own API keys.
    pub api_key: bool,
    /// `accounts.<name>.enabled` (default true).
    pub enabled: bool,
    /// The bcrypt hash of its password (empty: none).
    pub password_hash: String,
    /// When the password changed (Unix seconds), if recorded.
    pub password_mtime: Option<i64>,
    /// The ids (`jti`) of its API keys.
    pub token_ids: Vec<String>,
}

/// What authentication needs from the configuration, read afresh per request.
#[derive(Debug, Clone, Default)]
pub struct AccountSettings {
    /// Accounts by name (`admin` included).
    pub accounts: BTreeMap<String, Account>,
    /// The HS256 signing key (`server.secretkey`, its text).
    pub secret_key: String,
    /// `users.session.duration` (default 24 h).
    pub session_duration: Duration,
    /// `argocd-rbac-cm` data.
    pub rbac: BTreeMap<String, String>,
}

/// A ConfigMap's `data`, or empty when it does not exist.
async fn config_map(
    cluster: &KubeCluster,
    namespace: &str,
    name: &str,
) -> Result<BTreeMap<String, String>, ClusterError> {
    let object = ObjectRef {
        gvk: Gvk::new("", "v1", "ConfigMap"),
        namespace: namespace.to_owned(),
        name: name.to_owned(),
    };
    Ok(cluster
        .get(&object)
        .await?
        .and_then(|cm| serde_json::from_value(cm["data"].clone()).ok())
        .unwrap_or_default())
}

fn secret_ref(namespace: &str, name: &str) -> ObjectRef {
    ObjectRef {
        gvk: Gvk::new("", "v1", "Secret"),
        namespace: namespace.to_owned(),
        name: name.to_owned(),
    }
}

/// A Secret's decoded `data` (and `stringData`), or `None` when it does not exist.
async fn secret(
    cluster: &KubeCluster,
    namespace: &str,
    name: &str,
) -> Result<Option<BTreeMap<String, String>>, ClusterError> {
    let Some(object) = cluster.get(&secret_ref(namespace, name)).await? else {
        return Ok(None);
    };
    let mut data = BTreeMap::new();
    for (key, value) in object["data"].as_object().into_iter().flatten() {
        if let Some(bytes) = value.as_str().and_then(|v| STANDARD.decode(v).ok()) {
            data.insert(key.clone(), String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    for (key, value) in object["stringData"].as_object().into_iter().flatten() {
        if let Some(text) = value.as_str() {
            data.insert(key.clone(), text.to_owned());
        }
    }
    Ok(Some(data))
}

/// Unix seconds of an RFC 3339 time.
fn unix_seconds(text: &str) -> Option<i64> {
    text.parse::<jiff::Timestamp>().ok().map(|t| t.as_second())
}

/// Reads the accounts, the signing key, the session duration and the RBAC data.
pub async fn load(cluster: &KubeCluster, namespace: &str) -> Result<AccountSettings, AuthError> {
    let cm = config_map(cluster, namespace, ARGOCD_CM).await?;
    let secret = secret(cluster, namespace, ARGOCD_SECRET)
        .await?
        .unwrap_or_default();
    let rbac = config_map(cluster, namespace, ARGOCD_RBAC_CM).await?;
    let mut accounts = BTreeMap::new();
    let enabled = |key: &str| cm.get(key).is_none_or(|v| v != "false");
    let admin = Account {
        login: true,
        api_key: false,
        enabled: enabled("admin.enabled"),
        password_hash: secret.get("admin.password").cloned().unwrap_or_default(),
        password_mtime: secret
            .get("admin.passwordMtime")
            .and_then(|t| unix_seconds(t)),
        token_ids: Vec::new(),
    };
    accounts.insert("admin".to_owned(), admin);
    for (key, value) in &cm {
        let Some(name) = key.strip_prefix("accounts.") else {
            continue;
        };
        if name.contains('.') || name == "admin" {
            continue;
        }
        let capabilities: Vec<&str> = value.split(',').map(str::trim).collect();
        let tokens: Vec<Value> = secret
            .get(&format!("accounts.{name}.tokens"))
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default();
        let account = Account {
            login: capabilities.contains(&"login"),
            api_key: capabilities.contains(&"apiKey"),
            enabled: enabled(&format!("accounts.{name}.enabled")),
            password_hash: secret
                .get(&format!("accounts.{name}.password"))
                .cloned()
                .unwrap_or_default(),
            password_mtime: secret
                .get(&format!("accounts.{name}.passwordMtime"))
                .and_then(|t| unix_seconds(t)),
            token_ids: tokens
                .iter()
                .filter_map(|t| t["id"].as_str().map(str::to_owned))
                .collect(),
        };
        accounts.insert(name.to_owned(), account);
    }
    let session_duration = cm
        .get("users.session.duration")
        .filter(|d| !d.is_empty())
        .map(|d| {
            crate::sync::retry::parse_duration_ns(d)
                .ok()
                .filter(|ns| *ns > 0.0)
                .map(|ns| Duration::from_nanos(ns as u64))
                .ok_or_else(|| {
                    AuthError::Config(format!(
                        "{ARGOCD_CM}: field users.session.duration: {d:?} is not a duration"
                    ))
                })
        })
        .transpose()?
        .unwrap_or(Duration::from_secs(24 * 3600));
    Ok(AccountSettings {
        accounts,
        secret_key: secret.get("server.secretkey").cloned().unwrap_or_default(),
        session_duration,
        rbac,
    })
}

/// `n` random bytes from the operating system.
fn random_bytes(n: usize) -> Result<Vec<u8>, AuthError> {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).map_err(|e| AuthError::Config(format!("no randomness: {e}")))?;
    Ok(bytes)
}

/// Prepares the configuration on the first start, as `argocd-server` does: without an
/// `admin.password`, a generated one goes into `argocd-initial-admin-secret` (key
/// `password`) and its bcrypt hash and time into `argocd-secret`; a missing
/// `server.secretkey` is generated (base64 of 32 random bytes). Returns whether an
/// admin password was generated. The password itself is never logged.
pub async fn bootstrap(cluster: &KubeCluster, namespace: &str) -> Result<bool, AuthError> {
    let existing = secret(cluster, namespace, ARGOCD_SECRET).await?;
    let current = existing.clone().unwrap_or_default();
    let mut additions: BTreeMap<String, String> = BTreeMap::new();
    if current.get("server.secretkey").is_none_or(String::is_empty) {
        additions.insert(
            "server.secretkey".to_owned(),
            STANDARD.encode(random_bytes(32)?),
        );
    }
    let generate_password = current.get("admin.password").is_none_or(String::is_empty);
    if generate_password {
        let password: String = random_bytes(GENERATED_PASSWORD_LEN)?
            .iter()
            .map(|b| PASSWORD_ALPHABET[*b as usize % PASSWORD_ALPHABET.len()] as char)
            .collect();
        let hash = bcrypt::hash(&password, BCRYPT_COST)
            .map_err(|e| AuthError::Config(format!("hashing the admin password: {e}")))?;
        let initial = json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": INITIAL_ADMIN_SECRET, "namespace": namespace},
            "type": "Opaque",
            "data": {"password": STANDARD.encode(&password)},
        });
        match cluster.create(&initial, WriteOptions::default()).await {
            Ok(_) => {}
            Err(ClusterError::AlreadyExists(_)) => {
                cluster.replace(&initial, WriteOptions::default()).await?;
            }
            Err(e) => return Err(e.into()),
        }
        additions.insert("admin.password".to_owned(), hash);
        additions.insert(
            "admin.passwordMtime".to_owned(),
            crate::app::format_time(jiff::Timestamp::now()),
        );
    }
    if additions.is_empty() {
        return Ok(false);
    }
    let data: serde_json::Map<String, Value> = additions
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(STANDARD.encode(v))))
        .collect();
    if existing.is_some() {
        cluster
            .merge_patch(
                &secret_ref(namespace, ARGOCD_SECRET),
                &json!({"data": data}),
                WriteOptions::default(),
            )
            .await?;
    } else {
        let object = json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": ARGOCD_SECRET,
                "namespace": namespace,
                "labels": {"app.kubernetes.io/part-of": "argocd"},
            },
            "type": "Opaque",
            "data": data,
        });
        cluster.create(&object, WriteOptions::default()).await?;
    }
    Ok(generate_password)
}

/// Hashes a password for `argocd-secret` (bcrypt, Argo CD's cost).
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    bcrypt::hash(password, BCRYPT_COST).map_err(|e| AuthError::Config(e.to_string()))
}
