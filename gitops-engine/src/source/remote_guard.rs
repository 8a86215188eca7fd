//! Where kustomize remote bases and files are never fetched from: link-local
//! addresses (`169.254.0.0/16`, `fe80::/10`), where clouds serve instance
//! metadata and credentials (`169.254.169.254`). A kustomization naming
//! `http://169.254.169.254/latest/meta-data/...` would otherwise make the
//! controller, which renders repositories it does not trust, fetch them
//! into a render and its error messages. Files are checked on the URL's
//! host, on every address a name resolves to, and on every redirect; Git
//! clones on the URL's host (libgit2 resolves names itself, and what
//! answers there is no Git server).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use kustomize_core::remote::RemoteError;

use super::access::SshEndpoint;

/// Whether `ip` is one remote bases are never fetched from.
fn refused_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_link_local(),
        IpAddr::V6(v6) => {
            (v6.segments()[0] & 0xffc0) == 0xfe80
                || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_link_local())
        }
    }
}

/// The error of a refused `url`.
fn refused(url: &str) -> RemoteError {
    RemoteError::Failed(format!(
        "'{url}' names a link-local address, where clouds serve instance metadata; \
         remote bases and files are not fetched from there"
    ))
}

/// Checks the host of `url` (an `http(s)://`, `ssh://` or `user@host:path`
/// URL): an IP literal must not be link-local.
pub(crate) fn check_url(url: &str) -> Result<(), RemoteError> {
    let host = match reqwest::Url::parse(url) {
        Ok(parsed) if parsed.scheme() != "ssh" => parsed.host_str().map(str::to_owned),
        _ => SshEndpoint::parse(url).map(|endpoint| endpoint.host),
    };
    let ip = host
        .as_deref()
        .map(|h| h.trim_start_matches('[').trim_end_matches(']'))
        .and_then(|h| h.parse::<IpAddr>().ok());
    match ip {
        Some(ip) if refused_address(ip) => Err(refused(url)),
        _ => Ok(()),
    }
}

/// A client builder for remote files that resolves names to permitted
/// addresses only and follows at most ten redirects, each checked.
pub(crate) fn guarded_client() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .dns_resolver(Arc::new(GuardedResolver))
        .redirect(reqwest::redirect::Policy::custom(|attempt| {
            if attempt.previous().len() >= 10 {
                attempt.error("more than 10 redirects")
            } else if let Err(e) = check_url(attempt.url().as_str()) {
                attempt.error(e)
            } else {
                attempt.follow()
            }
        }))
}

/// The system resolver without refused addresses; a name with only those
/// does not resolve.
struct GuardedResolver;

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let permitted: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| !refused_address(a.ip()))
                .collect();
            if permitted.is_empty() && !found.is_empty() {
                return Err(format!(
                    "{host} resolves to link-local addresses only, where clouds serve \
                     instance metadata; remote files are not fetched from there"
                )
                .into());
            }
            Ok(Box::new(permitted.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_local_hosts_are_refused_in_every_url_form() {
        for url in [
            "http://169.254.169.254/latest/meta-data/iam/security-credentials/role",
            "https://169.254.1.1:8443/x.yaml",
            "http://[fe80::1]/x.yaml",
            "http://[::ffff:169.254.169.254]/x",
            "https://169.254.169.254/org/repo//dir?ref=v1",
            "ssh://git@169.254.169.254/org/repo",
            "git@169.254.169.254:org/repo",
        ] {
            assert!(check_url(url).is_err(), "{url}");
        }
        for url in [
            "https://github.com/org/repo",
            "http://127.0.0.1:8080/x.yaml",
            "https://10.0.0.5/x.yaml",
            "git@github.com:org/repo",
            "ssh://git@[::1]:2222/org/repo",
        ] {
            assert!(check_url(url).is_ok(), "{url}");
        }
    }
}
