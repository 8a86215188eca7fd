//! SSH known hosts, as Argo CD keeps them in the `ssh_known_hosts` key of
//! the `argocd-ssh-known-hosts-cm` ConfigMap (OpenSSH `known_hosts` lines).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha1::Sha1;

use crate::source::SourceError;

/// Where known hosts come from, for messages.
const ORIGIN: &str = "argocd-ssh-known-hosts-cm ssh_known_hosts";

/// The most host key lines read (a bound on untrusted input).
const MAX_LINES: usize = 10_000;

/// Trusted SSH host keys. Lines are `host[,host2…] <key type> <base64 key>
/// [comment]`; a host on a port other than 22 is written `[host]:port`;
/// `*` and `?` are wildcards and `!pattern` excludes. `@revoked` lines
/// refuse a key; a hashed host name (`|1|salt|hash`, as `ssh-keygen -H`
/// and `HashKnownHosts` write them) matches the name it hashes;
/// `@cert-authority` lines are not supported and never match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KnownHosts {
    entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    hosts: Hosts,
    key: Vec<u8>,
    revoked: bool,
}

/// The hosts a line names.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Hosts {
    /// Patterns, lower-cased (`!` negates).
    Patterns(Vec<String>),
    /// A hashed name: HMAC-SHA1 of the name keyed by `salt` is `hash`.
    Hashed { salt: Vec<u8>, hash: Vec<u8> },
}

impl Hosts {
    /// Reads a line's host field.
    fn parse(field: &str) -> Result<Self, String> {
        let Some(hashed) = field.strip_prefix("|1|") else {
            return Ok(Self::Patterns(
                field.split(',').map(str::to_ascii_lowercase).collect(),
            ));
        };
        let (salt, hash) = hashed
            .split_once('|')
            .ok_or_else(|| "want `|1|salt|hash`".to_owned())?;
        let decode = |part: &str| {
            STANDARD
                .decode(part)
                .map_err(|e| format!("hashed host is not base64: {e}"))
        };
        Ok(Self::Hashed {
            salt: decode(salt)?,
            hash: decode(hash)?,
        })
    }

    /// Whether `name` (`host` or `[host]:port`, lower-cased) is named.
    fn matches(&self, name: &str) -> bool {
        match self {
            Self::Patterns(patterns) => matches_host(patterns, name),
            Self::Hashed { salt, hash } => {
                let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(salt) else {
                    return false;
                };
                mac.update(name.as_bytes());
                mac.verify_slice(hash).is_ok()
            }
        }
    }
}

/// Why a host key is refused; the texts are those of Go's `knownhosts`
/// package, which Argo CD reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKeyProblem {
    /// No line names the host.
    Unknown,
    /// Lines name the host, with other keys.
    Mismatch,
    /// The key is listed as `@revoked`.
    Revoked,
}

impl std::fmt::Display for HostKeyProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            HostKeyProblem::Unknown => "knownhosts: key is unknown",
            HostKeyProblem::Mismatch => "knownhosts: key mismatch",
            HostKeyProblem::Revoked => "knownhosts: key is revoked",
        })
    }
}

impl KnownHosts {
    /// No known hosts: every SSH host is unknown.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses the `ssh_known_hosts` text of `argocd-ssh-known-hosts-cm`;
    /// blank lines and `#` comments are skipped. Errors name the line.
    pub fn parse(text: &str) -> Result<Self, SourceError> {
        Self::parse_from(text, ORIGIN)
    }

    /// [`KnownHosts::parse`] of text from `origin` (named in errors).
    pub fn parse_from(text: &str, origin: &'static str) -> Result<Self, SourceError> {
        let invalid = |line: usize, problem: String| SourceError::InvalidKnownHosts {
            origin,
            line,
            problem,
        };
        let mut entries = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            if number > MAX_LINES {
                return Err(invalid(number, format!("more than {MAX_LINES} lines")));
            }
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.split_whitespace();
            let mut first = fields.next().unwrap_or_default();
            let mut revoked = false;
            if let Some(marker) = first.strip_prefix('@') {
                match marker {
                    "revoked" => revoked = true,
                    "cert-authority" => continue,
                    other => return Err(invalid(number, format!("unknown marker @{other}"))),
                }
                first = fields.next().unwrap_or_default();
            }
            let (Some(_key_type), Some(key)) = (fields.next(), fields.next()) else {
                return Err(invalid(
                    number,
                    "want `host key-type base64-key`".to_owned(),
                ));
            };
            let key = STANDARD
                .decode(key)
                .map_err(|e| invalid(number, format!("key is not base64: {e}")))?;
            entries.push(Entry {
                hosts: Hosts::parse(first).map_err(|problem| invalid(number, problem))?,
                key,
                revoked,
            });
        }
        Ok(Self { entries })
    }

    /// Whether no host is known.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Checks the raw host key `key` (the SSH wire encoding, as in
    /// `known_hosts`) offered by `host` on `port`.
    pub fn check(&self, host: &str, port: u16, key: &[u8]) -> Result<(), HostKeyProblem> {
        let name = if port == 22 {
            host.to_ascii_lowercase()
        } else {
            format!("[{}]:{port}", host.to_ascii_lowercase())
        };
        let mut named = false;
        let mut accepted = false;
        for entry in self.entries.iter().filter(|e| e.hosts.matches(&name)) {
            if entry.key == key {
                if entry.revoked {
                    return Err(HostKeyProblem::Revoked);
                }
                accepted = true;
            }
            named |= !entry.revoked;
        }
        match (accepted, named) {
            (true, _) => Ok(()),
            (false, true) => Err(HostKeyProblem::Mismatch),
            (false, false) => Err(HostKeyProblem::Unknown),
        }
    }
}

/// OpenSSH's rule: some positive pattern matches and no negated one does.
fn matches_host(patterns: &[String], name: &str) -> bool {
    let mut matched = false;
    for pattern in patterns {
        if let Some(negated) = pattern.strip_prefix('!') {
            if wildcard_match(negated.as_bytes(), name.as_bytes()) {
                return false;
            }
        } else if wildcard_match(pattern.as_bytes(), name.as_bytes()) {
            matched = true;
        }
    }
    matched
}

/// `*` (any run) and `?` (one character) matching, greedy with one
/// backtrack point: at worst pattern length × name length steps, both
/// short host names.
fn wildcard_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_A: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
    const KEY_B: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIB2Lu8MmIkPj5kxLWyr4tJ4Fq3ZjTl0XIkslJzANu8QF";

    fn key(b64: &str) -> Vec<u8> {
        STANDARD.decode(b64).expect("base64")
    }

    /// Lines `ssh-keygen -H` (OpenSSH 9.2) wrote for `github.com KEY_A` and
    /// `[127.0.0.1]:2222 KEY_B`.
    #[test]
    fn hashed_host_names_match_the_names_they_hash() {
        let hosts = KnownHosts::parse(&format!(
            "|1|zb3IlRk3hq8EFxcXjT6L1dDQrWM=|ajKxN/VzAUrxNLARbWnNXCE/UTM= ssh-ed25519 {KEY_A}\n\
             |1|cjeftWM+g1hKNyY70pIRN9giLO4=|k+cWOtL9fFv+t1TAH7RpgGu+xoc= ssh-ed25519 {KEY_B}\n"
        ))
        .expect("valid");
        assert_eq!(hosts.check("GitHub.com", 22, &key(KEY_A)), Ok(()));
        assert_eq!(
            hosts.check("github.com", 22, &key(KEY_B)),
            Err(HostKeyProblem::Mismatch)
        );
        assert_eq!(hosts.check("127.0.0.1", 2222, &key(KEY_B)), Ok(()));
        assert_eq!(
            hosts.check("127.0.0.1", 22, &key(KEY_B)),
            Err(HostKeyProblem::Unknown)
        );
        assert!(KnownHosts::parse(&format!("|1|nobar ssh-ed25519 {KEY_A}\n")).is_err());
    }

    #[test]
    fn checks_hosts_ports_and_keys() {
        let hosts = KnownHosts::parse(&format!(
            "# comment\n\ngithub.com,gh.example ssh-ed25519 {KEY_A}\n\
             [127.0.0.1]:2222 ssh-ed25519 {KEY_B} test key\n\
             *.corp.example,!bad.corp.example ssh-ed25519 {KEY_A}\n"
        ))
        .expect("valid");
        assert_eq!(hosts.check("GitHub.com", 22, &key(KEY_A)), Ok(()));
        assert_eq!(hosts.check("gh.example", 22, &key(KEY_A)), Ok(()));
        assert_eq!(
            hosts.check("github.com", 22, &key(KEY_B)),
            Err(HostKeyProblem::Mismatch)
        );
        assert_eq!(hosts.check("127.0.0.1", 2222, &key(KEY_B)), Ok(()));
        assert_eq!(
            hosts.check("127.0.0.1", 22, &key(KEY_B)),
            Err(HostKeyProblem::Unknown)
        );
        assert_eq!(hosts.check("git.corp.example", 22, &key(KEY_A)), Ok(()));
        assert_eq!(
            hosts.check("bad.corp.example", 22, &key(KEY_A)),
            Err(HostKeyProblem::Unknown)
        );
        assert_eq!(
            HostKeyProblem::Unknown.to_string(),
            "knownhosts: key is unknown"
        );
    }

    #[test]
    fn revoked_keys_and_bad_lines() {
        let hosts = KnownHosts::parse(&format!(
            "@revoked * ssh-ed25519 {KEY_A}\nh ssh-ed25519 {KEY_A}\n\
             @cert-authority *.example ssh-ed25519 {KEY_B}\n"
        ))
        .expect("valid");
        assert_eq!(
            hosts.check("h", 22, &key(KEY_A)),
            Err(HostKeyProblem::Revoked)
        );
        assert_eq!(
            hosts.check("x.example", 22, &key(KEY_B)),
            Err(HostKeyProblem::Unknown)
        );
        let err = KnownHosts::parse("h ssh-ed25519 AAAA\nhost-only\n").expect_err("bad line");
        let text = err.to_string();
        assert!(text.contains("line 2"), "{text}");
        let err = KnownHosts::parse("h ssh-ed25519 !!!\n").expect_err("bad base64");
        assert!(err.to_string().contains("line 1"), "{err}");
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match(b"*", b"anything"));
        assert!(wildcard_match(b"a*c", b"abbbc"));
        assert!(wildcard_match(b"a?c", b"abc"));
        assert!(!wildcard_match(b"a?c", b"abbc"));
        assert!(!wildcard_match(b"*.x", b"y"));
    }
}
