//! Extra certificate authorities for `https://` repositories, by server name,
//! as Argo CD keeps them in the `argocd-tls-certs-cm` ConfigMap.
//!
//! libgit2 checks a server's certificate against the system's trust store
//! first; when that fails it asks [`RepoTls::check`], which accepts the
//! certificate if it chains to a CA configured for that host and names it.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use webpki::{ALL_VERIFICATION_ALGS, EndEntityCert, KeyUsage, anchor_from_trusted_cert};

use super::SourceError;

/// Certificate authorities to trust per repository server name (host
/// without port), in addition to the system's. Cloning shares them.
#[derive(Debug, Clone, Default)]
pub struct RepoTls {
    by_host: Arc<HashMap<String, Vec<CertificateDer<'static>>>>,
}

impl RepoTls {
    /// No extra authorities: the system trust store alone decides.
    pub fn new() -> Self {
        Self::default()
    }

    /// Trusts the PEM certificates in `pem` for servers named `host`. Each
    /// must parse as an X.509 certificate usable as a trust anchor.
    pub fn add_pem(&mut self, host: &str, pem: &str) -> Result<(), SourceError> {
        let invalid = |problem: String| SourceError::InvalidCertificate {
            host: host.to_owned(),
            problem,
        };
        let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| invalid(format!("not PEM certificate data: {e}")))?;
        if certs.is_empty() {
            return Err(invalid("no CERTIFICATE block".to_owned()));
        }
        for cert in &certs {
            anchor_from_trusted_cert(cert)
                .map_err(|e| invalid(format!("not a usable CA certificate: {e}")))?;
        }
        Arc::make_mut(&mut self.by_host)
            .entry(host.to_ascii_lowercase())
            .or_default()
            .extend(certs);
        Ok(())
    }

    /// The authorities of `--repo-ca HOST=FILE` command-line flags (see
    /// [`parse_repo_ca_flag`]): each file read and trusted for its host.
    /// The error names the flag.
    pub fn from_flags(flags: &[(String, PathBuf)]) -> Result<Self, String> {
        let mut tls = Self::new();
        for (host, file) in flags {
            let flag = format!("--repo-ca {host}={}", file.display());
            let pem = std::fs::read_to_string(file).map_err(|e| format!("{flag}: {e}"))?;
            tls.add_pem(host, &pem)
                .map_err(|e| format!("{flag}: {e}"))?;
        }
        Ok(tls)
    }

    /// The authorities configured for `host` (DER), for clients other
    /// than libgit2.
    pub fn authorities(&self, host: &str) -> &[CertificateDer<'static>] {
        self.by_host
            .get(&host.to_ascii_lowercase())
            .map_or(&[], Vec::as_slice)
    }

    /// Whether any authority is configured for `host`.
    pub fn has_host(&self, host: &str) -> bool {
        self.by_host.contains_key(&host.to_ascii_lowercase())
    }

    /// Whether the server certificate `der` presented by `host` chains to
    /// one of the authorities configured for `host` and is valid for that
    /// name now. `false` when none is configured.
    pub fn check(&self, host: &str, der: &[u8]) -> bool {
        let Some(authorities) = self.by_host.get(&host.to_ascii_lowercase()) else {
            return false;
        };
        let anchors: Vec<_> = authorities
            .iter()
            .filter_map(|ca| anchor_from_trusted_cert(ca).ok())
            .collect();
        let der = CertificateDer::from(der);
        let Ok(cert) = EndEntityCert::try_from(&der) else {
            return false;
        };
        let Ok(name) = ServerName::try_from(host) else {
            return false;
        };
        cert.verify_for_usage(
            ALL_VERIFICATION_ALGS,
            &anchors,
            &[],
            UnixTime::now(),
            KeyUsage::server_auth(),
            None,
            None,
        )
        .is_ok()
            && cert.verify_is_valid_for_subject_name(&name).is_ok()
    }
}

/// Parses the `HOST=FILE` of a `--repo-ca` command-line flag.
pub fn parse_repo_ca_flag(text: &str) -> Result<(String, PathBuf), String> {
    match text.split_once('=') {
        Some((host, file)) if !host.is_empty() && !file.is_empty() => {
            Ok((host.to_owned(), PathBuf::from(file)))
        }
        _ => Err(format!("'{text}' is not HOST=FILE")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_ca_flags_are_host_equals_file() {
        assert_eq!(
            parse_repo_ca_flag("git.example=/etc/ca.pem"),
            Ok(("git.example".to_owned(), PathBuf::from("/etc/ca.pem")))
        );
        assert!(parse_repo_ca_flag("/etc/ca.pem").is_err());
        assert!(parse_repo_ca_flag("=x").is_err());
        let missing = RepoTls::from_flags(&[("h".to_owned(), PathBuf::from("/nonexistent/ca"))]);
        assert!(
            missing
                .unwrap_err()
                .starts_with("--repo-ca h=/nonexistent/ca: ")
        );
    }

    #[test]
    fn rejects_what_is_not_a_certificate() {
        let mut tls = RepoTls::new();
        let err = tls.add_pem("git.example", "hello").unwrap_err();
        assert!(err.to_string().contains("git.example"), "{err}");
        assert!(!tls.has_host("git.example"));
        assert!(!tls.check("git.example", b"not der"));
    }
}
