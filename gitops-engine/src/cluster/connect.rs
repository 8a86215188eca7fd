//! A `kube::Client` for a remote destination cluster, from its
//! [`ClusterSecret`]: server URL, bearer token or basic auth, client
//! certificate, trusted CAs, `insecure`, `serverName`, proxy.
//!
//! `execProviderConfig` and `awsAuthConfig` are refused: this controller
//! runs no credential plugins.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use secrecy::SecretString;

use super::secrets::ClusterSecret;

/// How long connecting to a remote cluster may take before the attempt fails.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Why no client can be made for a cluster. Messages name the cluster's
/// server and Secret, never a credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// The Secret asks for an authentication method this controller lacks.
    #[error(
        "cluster {server} (secret {secret}): config.{field} is not supported: this controller runs no credential plugins; use bearerToken, username/password or tlsClientConfig certData/keyData"
    )]
    UnsupportedAuth {
        /// The cluster's server URL.
        server: String,
        /// `namespace/name` of its Secret.
        secret: String,
        /// `execProviderConfig` or `awsAuthConfig`.
        field: &'static str,
    },
    /// A setting cannot be used as it is.
    #[error("cluster {server} (secret {secret}): {field}: {problem}")]
    Invalid {
        /// The cluster's server URL.
        server: String,
        /// `namespace/name` of its Secret.
        secret: String,
        /// The offending field.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
}

/// The client configuration of a remote cluster.
pub fn kube_config(cluster: &ClusterSecret) -> Result<kube::Config, ConnectError> {
    let secret = cluster
        .secret
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    let config = &cluster.config;
    let unsupported = |field| ConnectError::UnsupportedAuth {
        server: cluster.server.clone(),
        secret: secret.clone(),
        field,
    };
    if config.aws_auth_config.is_some() {
        return Err(unsupported("awsAuthConfig"));
    }
    if config.exec_provider_config.is_some() {
        return Err(unsupported("execProviderConfig"));
    }
    let invalid = |field, problem: String| ConnectError::Invalid {
        server: cluster.server.clone(),
        secret: secret.clone(),
        field,
        problem,
    };
    let url = cluster
        .server
        .parse()
        .map_err(|_| invalid("server", "is not a URL".to_owned()))?;
    let mut out = kube::Config::new(url);
    out.connect_timeout = Some(CONNECT_TIMEOUT);
    out.disable_compression = config.disable_compression;
    let tls = &config.tls_client_config;
    out.accept_invalid_certs = tls.insecure;
    if !tls.server_name.is_empty() {
        out.tls_server_name = Some(tls.server_name.clone());
    }
    if !tls.ca_data.is_empty() {
        let pem = BASE64
            .decode(&tls.ca_data)
            .map_err(|_| invalid("config.tlsClientConfig.caData", "is not base64".to_owned()))?;
        let certs = CertificateDer::pem_slice_iter(&pem)
            .map(|c| c.map(|c| c.as_ref().to_vec()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| invalid("config.tlsClientConfig.caData", format!("bad PEM: {e}")))?;
        if certs.is_empty() {
            return Err(invalid(
                "config.tlsClientConfig.caData",
                "holds no certificate".to_owned(),
            ));
        }
        out.root_cert = Some(certs);
    }
    let auth = &mut out.auth_info;
    if !tls.cert_data.is_empty() {
        auth.client_certificate_data = Some(tls.cert_data.clone());
    }
    if let Some(key) = &tls.key_data {
        auth.client_key_data = Some(SecretString::from(key.expose().clone()));
    }
    if let Some(token) = &config.bearer_token {
        auth.token = Some(SecretString::from(token.expose().clone()));
    }
    if !config.username.is_empty() {
        auth.username = Some(config.username.clone());
    }
    if let Some(password) = &config.password {
        auth.password = Some(SecretString::from(password.expose().clone()));
    }
    if !config.proxy_url.is_empty() {
        out.proxy_url = Some(
            config
                .proxy_url
                .parse()
                .map_err(|_| invalid("config.proxyUrl", "is not a URL".to_owned()))?,
        );
    }
    Ok(out)
}

/// A client for a remote cluster. Errors of `kube` (an unusable key or
/// certificate) are reported without their details, which may quote them.
pub fn client(cluster: &ClusterSecret) -> Result<kube::Client, ConnectError> {
    let config = kube_config(cluster)?;
    kube::Client::try_from(config).map_err(|_| ConnectError::Invalid {
        server: cluster.server.clone(),
        secret: cluster
            .secret
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        field: "config.tlsClientConfig",
        problem: "the client certificate, key or CA cannot be loaded".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::secrets::parse;
    use serde_json::json;

    fn cluster(config: &str) -> ClusterSecret {
        parse(&json!({
            "metadata": {"name": "c", "namespace": "argocd"},
            "stringData": {"name": "c", "server": "https://10.0.0.1:6443", "config": config},
        }))
        .expect("parses")
    }

    #[test]
    fn credential_plugins_are_refused_by_name() {
        let exec = cluster(r#"{"execProviderConfig":{"command":"aws","env":{"SECRET":"s-1"}}}"#);
        let e = kube_config(&exec).expect_err("refused");
        assert_eq!(
            e.to_string(),
            "cluster https://10.0.0.1:6443 (secret argocd/c): config.execProviderConfig is not supported: this controller runs no credential plugins; use bearerToken, username/password or tlsClientConfig certData/keyData"
        );
        assert!(!format!("{exec:?}").contains("s-1"));
        let aws = cluster(r#"{"awsAuthConfig":{"clusterName":"x"}}"#);
        assert!(matches!(
            kube_config(&aws),
            Err(ConnectError::UnsupportedAuth {
                field: "awsAuthConfig",
                ..
            })
        ));
    }

    #[test]
    fn token_and_tls_settings_reach_the_client_config() {
        let c = cluster(
            r#"{"bearerToken":"t-1","tlsClientConfig":{"insecure":true,"serverName":"api.local"}}"#,
        );
        let config = kube_config(&c).expect("config");
        assert_eq!(config.cluster_url.to_string(), "https://10.0.0.1:6443/");
        assert!(config.accept_invalid_certs);
        assert_eq!(config.tls_server_name.as_deref(), Some("api.local"));
        assert!(config.auth_info.token.is_some());
        let bad_ca = cluster(r#"{"tlsClientConfig":{"caData":"bm90IGEgcGVt"}}"#);
        let e = kube_config(&bad_ca).expect_err("no certificate");
        assert!(
            e.to_string()
                .contains("config.tlsClientConfig.caData: holds no certificate"),
            "{e}"
        );
    }
}
