//! One connection's use of a [`RepoAuth`]: libgit2's credential and
//! certificate callbacks, the proxy, and why a refused connection failed.

use std::cell::{Cell, RefCell};

use git2::{
    CertificateCheckStatus, Cred, CredentialType, ErrorClass, ErrorCode, ProxyOptions,
    RemoteCallbacks,
};

use super::{RepoAuth, SshEndpoint};
use crate::source::SourceError;

/// Credential requests answered per connection before the server's
/// refusal is final (one try per credential kind; libgit2 asks again after
/// each rejection).
const MAX_CREDENTIAL_ATTEMPTS: u32 = 1;

/// The state of one connection (ls-remote, fetch) to one repository.
pub(crate) struct AuthSession<'a> {
    auth: &'a RepoAuth,
    /// The repository URL, passwords masked.
    shown_url: &'a str,
    ssh: Option<SshEndpoint>,
    attempts: Cell<u32>,
    /// Why this side refused or gave up (wrong credentials, unknown host
    /// key): libgit2 replaces some callback errors with its own text.
    refusal: RefCell<Option<String>>,
}

impl<'a> AuthSession<'a> {
    /// A session for `url`; refuses settings this build cannot honour.
    pub(crate) fn new(
        auth: &'a RepoAuth,
        url: &str,
        shown_url: &'a str,
    ) -> Result<Self, SourceError> {
        if let Some(credentials) = &auth.credentials {
            let unsupported = if !credentials.tls_client_cert_data.is_empty() {
                Some(
                    "tlsClientCertData: TLS client certificates are not supported by the https transport (libgit2)",
                )
            } else if !credentials.bearer_token.is_empty() && credentials.password.is_empty() {
                Some(
                    "bearerToken: bearer tokens are not supported; give the token as password (with a username)",
                )
            } else {
                None
            };
            if let Some(problem) = unsupported {
                return Err(SourceError::AccessDenied {
                    url: shown_url.to_owned(),
                    problem: format!("{problem} (Secret '{}')", credentials.secret),
                });
            }
        }
        Ok(Self {
            auth,
            shown_url,
            ssh: SshEndpoint::parse(url),
            attempts: Cell::new(0),
            refusal: RefCell::new(None),
        })
    }

    /// The callbacks of the connection: credentials on request, and the
    /// server's certificate or host key checked against the trusted ones.
    pub(crate) fn callbacks(&self) -> RemoteCallbacks<'_> {
        let mut callbacks = RemoteCallbacks::new();
        callbacks.credentials(|url, user_from_url, allowed| {
            self.credentials(url, user_from_url, allowed)
        });
        callbacks.certificate_check(|cert, host| {
            if let Some(hostkey) = cert.as_hostkey() {
                return self.check_host_key(host, hostkey.hostkey().unwrap_or_default());
            }
            let insecure = self.auth.credentials.as_ref().is_some_and(|c| c.insecure);
            let trusted = insecure
                || cert
                    .as_x509()
                    .is_some_and(|x509| self.auth.tls.check(host, x509.data()));
            Ok(if trusted {
                CertificateCheckStatus::CertificateOk
            } else {
                CertificateCheckStatus::CertificatePassthrough
            })
        });
        callbacks
    }

    /// The repository's proxy (`proxy`, unless `noProxy` lists the host).
    pub(crate) fn proxy_options(&self) -> ProxyOptions<'_> {
        let mut options = ProxyOptions::new();
        if let Some(credentials) = &self.auth.credentials
            && !credentials.proxy.is_empty()
            && !bypasses_proxy(&credentials.no_proxy, self.shown_url)
        {
            options.url(&credentials.proxy);
        }
        options
    }

    /// The error of a failed operation: this side's refusal when there was
    /// one, else libgit2's error.
    pub(crate) fn explain(&self, operation: &str, source: git2::Error) -> SourceError {
        match self.refusal.borrow_mut().take() {
            Some(problem) => SourceError::AccessDenied {
                url: self.shown_url.to_owned(),
                problem,
            },
            None => SourceError::Git {
                url: self.shown_url.to_owned(),
                operation: operation.to_owned(),
                source,
            },
        }
    }

    fn credentials(
        &self,
        url: &str,
        user_from_url: Option<&str>,
        allowed: CredentialType,
    ) -> Result<Cred, git2::Error> {
        let credentials = self.auth.credentials.as_ref();
        let user = user_from_url
            .filter(|u| !u.is_empty())
            .or(credentials
                .map(|c| c.username.as_str())
                .filter(|u| !u.is_empty()))
            .or(self
                .ssh
                .as_ref()
                .map(|s| s.user.as_str())
                .filter(|u| !u.is_empty()))
            .unwrap_or("git");
        if allowed.contains(CredentialType::USERNAME) {
            return Cred::username(user);
        }
        let Some(credentials) = credentials else {
            if self.auth.user.git_credential_helpers
                && allowed.contains(CredentialType::USER_PASS_PLAINTEXT)
            {
                let attempt = self.attempts.get() + 1;
                self.attempts.set(attempt);
                let config = git2::Config::open_default();
                if attempt <= MAX_CREDENTIAL_ATTEMPTS
                    && let Ok(cred) =
                        config.and_then(|c| Cred::credential_helper(&c, url, user_from_url))
                {
                    return Ok(cred);
                }
                return Err(self.refuse(if attempt <= MAX_CREDENTIAL_ATTEMPTS {
                    "authentication required: no credentials for this repository, and git's \
                     credential helpers gave none"
                        .to_owned()
                } else {
                    "authentication required: the server refused the credentials git's \
                     credential helpers gave"
                        .to_owned()
                }));
            }
            let local = &self.auth.user;
            let offers_keys = local.ssh_agent || !local.ssh_identity_files.is_empty();
            if offers_keys && allowed.contains(CredentialType::SSH_KEY) {
                // One try with the agent's keys, then one per identity file.
                let attempt = self.attempts.get();
                self.attempts.set(attempt + 1);
                let agent_tries = u32::from(local.ssh_agent);
                if attempt < agent_tries {
                    return Cred::ssh_key_from_agent(user);
                }
                let file = usize::try_from(attempt - agent_tries)
                    .ok()
                    .and_then(|i| local.ssh_identity_files.get(i));
                if let Some(file) = file {
                    return Cred::ssh_key(user, None, file, None);
                }
                return Err(self.refuse(
                    "authentication required: the server refused the keys of the SSH agent \
                     and of ~/.ssh"
                        .to_owned(),
                ));
            }
            return Err(self.refuse(
                "authentication required: no credentials for this repository \
                 (add a repository Secret or credential template)"
                    .to_owned(),
            ));
        };
        let attempt = self.attempts.get() + 1;
        self.attempts.set(attempt);
        if attempt > MAX_CREDENTIAL_ATTEMPTS {
            return Err(self.refuse(format!(
                "authentication required: the server refused the credentials of Secret '{}'",
                credentials.secret
            )));
        }
        if allowed.contains(CredentialType::SSH_KEY) && !credentials.ssh_private_key.is_empty() {
            return Cred::ssh_key_from_memory(user, None, &credentials.ssh_private_key, None);
        }
        if allowed.contains(CredentialType::USER_PASS_PLAINTEXT)
            && !(credentials.username.is_empty() && credentials.password.is_empty())
        {
            return Cred::userpass_plaintext(user, &credentials.password);
        }
        Err(self.refuse(format!(
            "authentication required: Secret '{}' has no credentials of a kind the server accepts",
            credentials.secret
        )))
    }

    fn check_host_key(
        &self,
        host: &str,
        key: &[u8],
    ) -> Result<CertificateCheckStatus, git2::Error> {
        let insecure = self
            .auth
            .credentials
            .as_ref()
            .is_some_and(|c| c.insecure || c.insecure_ignore_host_key);
        if insecure {
            return Ok(CertificateCheckStatus::CertificateOk);
        }
        let port = self.ssh.as_ref().map_or(22, |s| s.port);
        match self.auth.known_hosts.check(host, port, key) {
            Ok(()) => Ok(CertificateCheckStatus::CertificateOk),
            Err(problem) => Err(self.refuse(format!(
                "ssh: handshake failed: {problem} (host {host} port {port}; \
                 add its key to the argocd-ssh-known-hosts-cm ConfigMap)"
            ))),
        }
    }

    /// Remembers why this side refused and returns it as a libgit2 error.
    fn refuse(&self, problem: String) -> git2::Error {
        let error = git2::Error::new(ErrorCode::Auth, ErrorClass::Callback, &problem);
        *self.refusal.borrow_mut() = Some(problem);
        error
    }
}

/// Whether `no_proxy` (comma-separated hosts or `.domain` suffixes, `*` for
/// all) exempts the host of `url`.
fn bypasses_proxy(no_proxy: &str, url: &str) -> bool {
    let host = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest)
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default();
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = host
        .split(':')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    no_proxy
        .split(',')
        .map(|entry| entry.trim().to_ascii_lowercase())
        .filter(|entry| !entry.is_empty())
        .any(|entry| {
            entry == "*"
                || entry == host
                || host.ends_with(&format!(".{}", entry.trim_start_matches('.')))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_proxy_lists() {
        assert!(bypasses_proxy("*", "https://h/x"));
        assert!(bypasses_proxy(
            "a, git.example",
            "https://u@git.example:8443/x"
        ));
        assert!(bypasses_proxy(".example", "https://git.example/x"));
        assert!(bypasses_proxy("example", "https://git.example/x"));
        assert!(!bypasses_proxy("example.org", "https://git.example/x"));
        assert!(!bypasses_proxy("", "https://git.example/x"));
    }
}
