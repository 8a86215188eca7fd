//! Git URL forms: Argo CD's normalisation (to match Secrets to URLs) and the
//! endpoint of an SSH URL (to check its host key).

/// Argo CD's `NormalizeGitURL`: trimmed and lowercased; an scp-like SSH URL
/// (`git@host:path`) rewritten to `git@host/path`; one trailing `.git`
/// dropped; a leading `ssh://` dropped. Two URLs name the same repository
/// when their normalisations are equal; a URL that cannot be a URL (white
/// space or control characters inside) normalises to `""`, which matches
/// nothing.
pub fn normalize_git_url(url: &str) -> String {
    let mut url = url.trim().to_lowercase();
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return String::new();
    }
    if !url.starts_with("ssh://") && is_ssh_like(&url) {
        url = format!("ssh://{}", url.replacen(':', "/", 1));
    }
    if let Some(stripped) = url.strip_suffix(".git") {
        url.truncate(stripped.len());
    }
    match url.strip_prefix("ssh://") {
        Some(rest) => rest.to_owned(),
        None => url,
    }
}

/// `^(ssh://)?([^/:]*?)@[^@]+$`: a user without `/` or `:` before the only
/// `@`, and something after it.
fn is_ssh_like(url: &str) -> bool {
    let rest = url.strip_prefix("ssh://").unwrap_or(url);
    match rest.split_once('@') {
        Some((user, host_path)) => {
            !user.contains(['/', ':']) && !host_path.is_empty() && !host_path.contains('@')
        }
        None => false,
    }
}

/// `user@host:path` (no scheme, a user, and no `/` before the `:`).
fn is_scp_like(url: &str) -> bool {
    !url.contains("://")
        && url
            .split_once(':')
            .is_some_and(|(host, _)| host.contains('@') && !host.contains('/'))
}

/// Where an SSH URL connects: the user, host and port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshEndpoint {
    /// The user to log in as (`git` in `git@host:path`); empty if none.
    pub user: String,
    /// The host name or address (IPv6 without brackets).
    pub host: String,
    /// The TCP port (22 unless the URL says otherwise).
    pub port: u16,
}

impl SshEndpoint {
    /// The endpoint of `ssh://[user@]host[:port]/path` or `user@host:path`;
    /// `None` for other URLs or an unreadable port.
    pub fn parse(url: &str) -> Option<Self> {
        let (authority, explicit_port) = if let Some(rest) = url
            .strip_prefix("ssh://")
            .or_else(|| url.strip_prefix("git+ssh://"))
        {
            (rest.split('/').next().unwrap_or_default(), true)
        } else if is_scp_like(url) {
            (
                url.split_once(':').map(|(a, _)| a).unwrap_or_default(),
                false,
            )
        } else {
            return None;
        };
        let (user, host_port) = match authority.rsplit_once('@') {
            Some((user, host)) => (user, host),
            None => ("", authority),
        };
        let (host, port) = if let Some(bracketed) = host_port.strip_prefix('[') {
            let (host, after) = bracketed.split_once(']')?;
            (host, after.strip_prefix(':'))
        } else if explicit_port {
            match host_port.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (host_port, None),
            }
        } else {
            (host_port, None)
        };
        let port = match port {
            Some(p) if !p.is_empty() => p.parse().ok()?,
            _ => 22,
        };
        if host.is_empty() {
            return None;
        }
        Some(Self {
            user: user.to_owned(),
            host: host.to_owned(),
            port,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_as_argo_cd() {
        for (from, to) in [
            (
                "git@GitHub.com:Argoproj/Argo-CD.git",
                "git@github.com/argoproj/argo-cd",
            ),
            (
                "ssh://git@github.com/argoproj/argo-cd",
                "git@github.com/argoproj/argo-cd",
            ),
            ("https://GitHub.com/x/y.git", "https://github.com/x/y"),
            ("  https://h/x/  ", "https://h/x/"),
            ("ssh://git@h:22/x", "git@h:22/x"),
            ("https://u@h/x", "https://u@h/x"),
            ("https://h/a b", ""),
        ] {
            assert_eq!(normalize_git_url(from), to, "{from}");
        }
        assert_ne!(
            normalize_git_url("ssh://git@h:22/x"),
            normalize_git_url("git@h:x")
        );
    }

    #[test]
    fn ssh_endpoints() {
        let at = |user: &str, host: &str, port| SshEndpoint {
            user: user.to_owned(),
            host: host.to_owned(),
            port,
        };
        assert_eq!(
            SshEndpoint::parse("ssh://git@127.0.0.1:2222/srv/app.git"),
            Some(at("git", "127.0.0.1", 2222))
        );
        assert_eq!(
            SshEndpoint::parse("git@github.com:org/app.git"),
            Some(at("git", "github.com", 22))
        );
        assert_eq!(SshEndpoint::parse("ssh://host/x"), Some(at("", "host", 22)));
        assert_eq!(
            SshEndpoint::parse("ssh://git@[::1]:2200/x"),
            Some(at("git", "::1", 2200))
        );
        assert_eq!(SshEndpoint::parse("https://h/x"), None);
        assert_eq!(SshEndpoint::parse("ssh://h:notaport/x"), None);
        assert_eq!(SshEndpoint::parse("/tmp/a:b@c"), None);
        assert_eq!(SshEndpoint::parse("https://u@h/x"), None);
    }
}
