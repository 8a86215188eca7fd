//! How private repositories are reached: credentials from Argo CD's
//! repository Secrets and credential templates, certificate authorities from
//! `argocd-tls-certs-cm` and SSH host keys from `argocd-ssh-known-hosts-cm`,
//! all read from the control-plane namespace.
//!
//! [`RepoAccess`] holds all of it; [`RepoAccess::auth_for`] picks what one
//! URL needs as a [`RepoAuth`], which every connection of a
//! [`GitRepo`](super::GitRepo) uses (libgit2's credential and certificate
//! callbacks). Secret values never leave these types: errors name the
//! Secret, never its contents.

mod credentials;
mod git_url;
mod known_hosts;
#[cfg(feature = "git")]
mod session;

use serde_json::Value;

pub use credentials::{
    CredentialStore, MANAGED_BY_ANNOTATION, MANAGED_BY_ARGOCD, REPOSITORY_SECRET_TYPE,
    RepoCredentials, SECRET_TYPE_LABEL, TEMPLATE_SECRET_TYPE, repository_secret_name,
};
pub use git_url::{SshEndpoint, normalize_git_url};
pub use known_hosts::{HostKeyProblem, KnownHosts};
#[cfg(feature = "git")]
pub(crate) use session::AuthSession;

use super::{RepoTls, SourceError};

/// The ConfigMap of extra certificate authorities, one key per host.
pub const TLS_CERTS_CONFIGMAP: &str = "argocd-tls-certs-cm";

/// The ConfigMap of trusted SSH host keys.
pub const SSH_KNOWN_HOSTS_CONFIGMAP: &str = "argocd-ssh-known-hosts-cm";

/// The key of [`SSH_KNOWN_HOSTS_CONFIGMAP`] holding `known_hosts` lines.
pub const SSH_KNOWN_HOSTS_KEY: &str = "ssh_known_hosts";

/// Everything that decides how repositories are reached. Cloning copies it
/// (the certificate authorities are shared).
#[derive(Debug, Clone, Default)]
pub struct RepoAccess {
    /// Repository Secrets and credential templates.
    pub credentials: CredentialStore,
    /// Certificate authorities trusted per `https://` host, besides the
    /// system's.
    pub tls: RepoTls,
    /// Trusted SSH host keys.
    pub known_hosts: KnownHosts,
    /// What the user's own setup offers repositories no credentials are
    /// configured for: for command-line use; a controller has none of it.
    pub user: UserCredentials,
}

/// What `git` on a workstation or CI runner offers a repository it has no
/// credentials for, from the user's setup ([`RepoAccess::for_command_line`]).
#[derive(Debug, Clone, Default)]
pub struct UserCredentials {
    /// Offer the keys of the SSH agent (`SSH_AUTH_SOCK`) to SSH servers.
    pub ssh_agent: bool,
    /// Then these private key files (OpenSSH's default identities; keys
    /// with a passphrase cannot be read).
    pub ssh_identity_files: Vec<std::path::PathBuf>,
    /// Ask git's credential helpers (`credential.helper` in the user's git
    /// configuration) for a username and password when an `https://`
    /// server wants them (CI runners configure one).
    pub git_credential_helpers: bool,
}

impl RepoAccess {
    /// What `git` on a workstation uses: the user's `~/.ssh/known_hosts`
    /// (when there is one), the SSH agent (when `SSH_AUTH_SOCK` is set) and
    /// the credential helpers of the user's git configuration; no
    /// credentials of its own. A known hosts file that cannot be read is
    /// returned as a problem, and no host is then trusted.
    pub fn for_command_line() -> (Self, Vec<SourceError>) {
        let ssh_dir = std::env::var_os("HOME").map(|home| std::path::Path::new(&home).join(".ssh"));
        let mut access = Self {
            user: UserCredentials {
                ssh_agent: std::env::var_os("SSH_AUTH_SOCK").is_some_and(|s| !s.is_empty()),
                ssh_identity_files: ssh_dir
                    .iter()
                    .flat_map(|dir| SSH_DEFAULT_IDENTITIES.map(|name| dir.join(name)))
                    .filter(|file| file.is_file())
                    .collect(),
                git_credential_helpers: true,
            },
            ..Self::default()
        };
        let mut problems = Vec::new();
        let file = ssh_dir.map(|dir| dir.join("known_hosts"));
        if let Some(text) = file.and_then(|f| std::fs::read_to_string(f).ok()) {
            match KnownHosts::parse_from(&text, "~/.ssh/known_hosts") {
                Ok(hosts) => access.known_hosts = hosts,
                Err(e) => problems.push(e),
            }
        }
        (access, problems)
    }

    /// Adds what Argo CD's objects declare: the `repository` and
    /// `repo-creds` Secrets among `secrets`, the certificate authorities of
    /// an `argocd-tls-certs-cm` ConfigMap, and the host keys of an
    /// `argocd-ssh-known-hosts-cm` ConfigMap (replacing any known before).
    /// What cannot be read is left out and returned, so one bad Secret or
    /// certificate does not hide the rest.
    pub fn add_objects<'a>(
        &mut self,
        secrets: impl IntoIterator<Item = &'a Value>,
        tls_certs: Option<&Value>,
        known_hosts: Option<&Value>,
    ) -> Vec<SourceError> {
        let mut problems = self.credentials.add_secrets(secrets);
        if let Some(data) = tls_certs.and_then(|cm| cm["data"].as_object()) {
            for (host, pem) in data {
                if let Err(e) = self.tls.add_pem(host, pem.as_str().unwrap_or_default()) {
                    problems.push(e);
                }
            }
        }
        if let Some(text) = known_hosts.and_then(|cm| cm["data"][SSH_KNOWN_HOSTS_KEY].as_str()) {
            match KnownHosts::parse(text) {
                Ok(parsed) => self.known_hosts = parsed,
                Err(e) => problems.push(e),
            }
        }
        problems
    }

    /// Reads the repository Secrets, credential templates and the two trust
    /// ConfigMaps of `namespace` and adds them to `self` as
    /// [`RepoAccess::add_objects`] does (missing ConfigMaps are fine).
    /// Returns what could not be read; the API's refusal is an error.
    #[cfg(feature = "cluster")]
    pub async fn read(
        &mut self,
        client: &kube::Client,
        namespace: &str,
    ) -> Result<Vec<SourceError>, kube::Error> {
        let selector =
            format!("{SECRET_TYPE_LABEL} in ({REPOSITORY_SECRET_TYPE},{TEMPLATE_SECRET_TYPE})");
        use k8s_openapi::api::core::v1::{ConfigMap, Secret};
        use kube::api::{Api, ListParams};
        let secrets = Api::<Secret>::namespaced(client.clone(), namespace)
            .list(&ListParams::default().labels(&selector))
            .await?;
        let secrets: Vec<Value> = secrets
            .items
            .iter()
            .filter_map(|s| serde_json::to_value(s).ok())
            .collect();
        let config_maps = Api::<ConfigMap>::namespaced(client.clone(), namespace);
        let tls = config_maps.get_opt(TLS_CERTS_CONFIGMAP).await?;
        let hosts = config_maps.get_opt(SSH_KNOWN_HOSTS_CONFIGMAP).await?;
        let as_value = |cm: Option<ConfigMap>| cm.and_then(|cm| serde_json::to_value(cm).ok());
        Ok(self.add_objects(&secrets, as_value(tls).as_ref(), as_value(hosts).as_ref()))
    }

    /// What reaching `url` takes for an app of `project` (see
    /// [`CredentialStore::lookup`]).
    pub fn auth_for(&self, url: &str, project: Option<&str>) -> RepoAuth {
        RepoAuth {
            credentials: self.credentials.lookup(url, project),
            tls: self.tls.clone(),
            known_hosts: self.known_hosts.clone(),
            user: self.user.clone(),
        }
    }
}

/// OpenSSH's default identity files in `~/.ssh`, in the order it tries them
/// (those for DSA and security keys left out).
const SSH_DEFAULT_IDENTITIES: [&str; 3] = ["id_rsa", "id_ecdsa", "id_ed25519"];

/// What reaching one repository takes: its credentials (if any), the
/// certificate authorities and the known SSH host keys.
#[derive(Debug, Clone, Default)]
pub struct RepoAuth {
    /// The repository's credentials; `None` reaches it anonymously.
    pub credentials: Option<RepoCredentials>,
    /// Certificate authorities trusted per host, besides the system's.
    pub tls: RepoTls,
    /// Trusted SSH host keys.
    pub known_hosts: KnownHosts,
    /// What the user's setup offers when there are no credentials
    /// ([`RepoAccess::user`]).
    pub user: UserCredentials,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn objects_feed_credentials_cas_and_known_hosts() {
        let secret = json!({
            "metadata": {"name": "r", "namespace": "argocd",
                         "labels": {SECRET_TYPE_LABEL: "repository"}},
            "stringData": {"url": "https://git.example/app", "password": "p"},
        });
        let unrelated = json!({"metadata": {"name": "other"}, "stringData": {"url": "x"}});
        let tls = json!({"data": {"git.example": "not a certificate"}});
        let hosts = json!({"data": {SSH_KNOWN_HOSTS_KEY:
            "h ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB2Lu8MmIkPj5kxLWyr4tJ4Fq3ZjTl0XIkslJzANu8QF"}});
        let mut access = RepoAccess::default();
        let problems = access.add_objects([&secret, &unrelated], Some(&tls), Some(&hosts));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].to_string().contains("git.example"));
        assert!(!access.known_hosts.is_empty());
        let auth = access.auth_for("https://git.example/app.git", None);
        assert_eq!(auth.credentials.map(|c| c.password).as_deref(), Some("p"));
        assert!(
            access
                .auth_for("https://elsewhere/app", None)
                .credentials
                .is_none()
        );
    }
}
