//! A destination cluster from a kubeconfig context, as `argocd cluster add
//! CONTEXT` registers it: the context's server, trusted CA, TLS settings and
//! credentials (token, client certificate, basic auth) go into a
//! [`ClusterSecret`]. Unlike Argo CD no `argocd-manager` service account is
//! made in the cluster: the context's own credentials are used.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use kube::config::{AuthInfo, Kubeconfig};
use secrecy::ExposeSecret;

use super::secrets::{ClusterSecret, Hidden};

/// Why a context cannot be registered. Messages name the context and the
/// field, never a credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("kubeconfig context {context:?}: {problem}")]
pub struct ContextError {
    /// The context.
    pub context: String,
    /// What is wrong.
    pub problem: String,
}

/// The cluster of `context` in `kubeconfig`; files the kubeconfig names
/// (`certificate-authority`, `client-certificate`, `client-key`,
/// `tokenFile`) are read relative to `base_dir`.
pub fn cluster_from_context(
    kubeconfig: &Kubeconfig,
    context: &str,
    base_dir: &Path,
) -> Result<ClusterSecret, ContextError> {
    let fail = |problem: String| ContextError {
        context: context.to_owned(),
        problem,
    };
    let named = kubeconfig
        .contexts
        .iter()
        .find(|c| c.name == context)
        .and_then(|c| c.context.as_ref())
        .ok_or_else(|| fail("no such context in the kubeconfig".to_owned()))?;
    let cluster = kubeconfig
        .clusters
        .iter()
        .find(|c| c.name == named.cluster)
        .and_then(|c| c.cluster.as_ref())
        .ok_or_else(|| {
            fail(format!(
                "its cluster {:?} is not in the kubeconfig",
                named.cluster
            ))
        })?;
    let server = cluster
        .server
        .clone()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| fail("its cluster has no server".to_owned()))?;
    let mut out = ClusterSecret::in_cluster();
    out.name = context.to_owned();
    out.server = server.trim_end_matches('/').to_owned();
    let read = |field: &str, file: &str| -> Result<String, ContextError> {
        let path = resolve(base_dir, file);
        std::fs::read(&path)
            .map(|bytes| BASE64.encode(bytes))
            .map_err(|e| fail(format!("{field} {}: {e}", path.display())))
    };
    let tls = &mut out.config.tls_client_config;
    tls.insecure = cluster.insecure_skip_tls_verify.unwrap_or(false);
    tls.server_name = cluster.tls_server_name.clone().unwrap_or_default();
    if let Some(data) = &cluster.certificate_authority_data {
        tls.ca_data = data.clone();
    } else if let Some(file) = &cluster.certificate_authority {
        tls.ca_data = read("certificate-authority", file)?;
    }
    let Some(user) = named.user.as_ref() else {
        return Ok(out);
    };
    let auth = kubeconfig
        .auth_infos
        .iter()
        .find(|a| &a.name == user)
        .and_then(|a| a.auth_info.as_ref())
        .ok_or_else(|| fail(format!("its user {user:?} is not in the kubeconfig")))?;
    if auth.exec.is_some() || auth.auth_provider.is_some() {
        return Err(fail(
            "its user authenticates with an exec plugin or auth provider, which cluster Secrets cannot hold here; use a token or client certificate".to_owned(),
        ));
    }
    credentials(&mut out, auth, &read)?;
    Ok(out)
}

/// Copies the user's credentials into the cluster's `config`.
fn credentials(
    out: &mut ClusterSecret,
    auth: &AuthInfo,
    read: &dyn Fn(&str, &str) -> Result<String, ContextError>,
) -> Result<(), ContextError> {
    let config = &mut out.config;
    if let Some(token) = &auth.token {
        config.bearer_token = Some(Hidden(token.expose_secret().to_owned()));
    } else if let Some(file) = &auth.token_file {
        let encoded = read("tokenFile", file)?;
        let token = BASE64
            .decode(encoded)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .unwrap_or_default();
        config.bearer_token = Some(Hidden(token.trim().to_owned()));
    }
    if let Some(username) = &auth.username {
        config.username = username.clone();
    }
    if let Some(password) = &auth.password {
        config.password = Some(Hidden(password.expose_secret().to_owned()));
    }
    let tls = &mut config.tls_client_config;
    if let Some(data) = &auth.client_certificate_data {
        tls.cert_data = data.clone();
    } else if let Some(file) = &auth.client_certificate {
        tls.cert_data = read("client-certificate", file)?;
    }
    if let Some(data) = &auth.client_key_data {
        tls.key_data = Some(Hidden(data.expose_secret().to_owned()));
    } else if let Some(file) = &auth.client_key {
        tls.key_data = Some(Hidden(read("client-key", file)?));
    }
    Ok(())
}

fn resolve(base_dir: &Path, file: &str) -> PathBuf {
    let path = Path::new(file);
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        base_dir.join(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KUBECONFIG: &str = "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:6443/\n    certificate-authority-data: Q0E=\n    tls-server-name: api\nusers:\n- name: u\n  user:\n    token: tok-1\ncontexts:\n- name: east\n  context:\n    cluster: c\n    user: u\ncurrent-context: east\n";

    #[test]
    fn a_token_context_becomes_a_cluster() {
        let kubeconfig = Kubeconfig::from_yaml(KUBECONFIG).expect("kubeconfig");
        let c = cluster_from_context(&kubeconfig, "east", Path::new(".")).expect("cluster");
        assert_eq!(
            (c.name.as_str(), c.server.as_str()),
            ("east", "https://127.0.0.1:6443")
        );
        assert_eq!(c.config.tls_client_config.ca_data, "Q0E=");
        assert_eq!(c.config.tls_client_config.server_name, "api");
        assert_eq!(
            c.config.bearer_token.as_ref().map(|t| t.expose().as_str()),
            Some("tok-1")
        );
        let e = cluster_from_context(&kubeconfig, "west", Path::new(".")).expect_err("unknown");
        assert_eq!(
            e.to_string(),
            "kubeconfig context \"west\": no such context in the kubeconfig"
        );
    }
}
