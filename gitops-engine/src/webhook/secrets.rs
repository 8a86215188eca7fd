//! The webhook secrets of `argocd-secret`, kept out of `Debug` output and logs.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

/// The Secret holding Argo CD's settings secrets.
pub const ARGOCD_SECRET: &str = "argocd-secret";
/// Key of the GitHub secret (HMAC-SHA256 of `X-Hub-Signature-256`).
pub const GITHUB_SECRET_KEY: &str = "webhook.github.secret";
/// Key of the GitLab secret (`X-Gitlab-Token`).
pub const GITLAB_SECRET_KEY: &str = "webhook.gitlab.secret";
/// Key of the Gogs/Gitea secret (HMAC-SHA256 of `X-Gogs-Signature`).
pub const GOGS_SECRET_KEY: &str = "webhook.gogs.secret";
/// Key of the Bitbucket Server secret (HMAC-SHA256 of `X-Hub-Signature`).
pub const BITBUCKET_SERVER_SECRET_KEY: &str = "webhook.bitbucketserver.secret";

/// One provider's shared secret; empty means payloads are not verified
/// (Argo CD's behaviour when the key is unset).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SharedSecret(Vec<u8>);

impl SharedSecret {
    /// A secret from its bytes.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into())
    }

    /// The secret's bytes.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Whether no secret is configured.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.is_empty() {
            "<unset>"
        } else {
            "<redacted>"
        })
    }
}

/// The webhook secrets of every supported provider.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookSecrets {
    /// `webhook.github.secret`.
    pub github: SharedSecret,
    /// `webhook.gitlab.secret`.
    pub gitlab: SharedSecret,
    /// `webhook.gogs.secret` (Gogs and Gitea).
    pub gogs: SharedSecret,
    /// `webhook.bitbucketserver.secret`.
    pub bitbucket_server: SharedSecret,
}

impl WebhookSecrets {
    /// Reads the secrets from the `argocd-secret` object: `stringData` wins
    /// over base64 `data`, as the API server merges them; a value that is
    /// not base64 counts as unset. Surrounding whitespace is kept, as Argo CD
    /// keeps it.
    pub fn from_secret(secret: &Value) -> Self {
        let value = |key: &str| {
            let plain = secret
                .get("stringData")
                .and_then(|d| d.get(key))
                .and_then(Value::as_str)
                .map(|s| s.as_bytes().to_vec());
            let encoded = || {
                secret
                    .get("data")
                    .and_then(|d| d.get(key))
                    .and_then(Value::as_str)
                    .and_then(|e| STANDARD.decode(e).ok())
            };
            SharedSecret(plain.or_else(encoded).unwrap_or_default())
        };
        Self {
            github: value(GITHUB_SECRET_KEY),
            gitlab: value(GITLAB_SECRET_KEY),
            gogs: value(GOGS_SECRET_KEY),
            bitbucket_server: value(BITBUCKET_SERVER_SECRET_KEY),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_data_and_string_data_and_never_prints_them() {
        let secret = json!({
            "data": {
                "webhook.github.secret": STANDARD.encode("gh-s3cret"),
                "webhook.gogs.secret": "not base64!",
            },
            "stringData": {"webhook.gitlab.secret": "gl-s3cret"},
        });
        let secrets = WebhookSecrets::from_secret(&secret);
        assert_eq!(secrets.github.expose(), b"gh-s3cret");
        assert_eq!(secrets.gitlab.expose(), b"gl-s3cret");
        assert!(secrets.gogs.is_empty());
        assert!(secrets.bitbucket_server.is_empty());
        let printed = format!("{secrets:?}");
        assert!(!printed.contains("s3cret"), "{printed}");
        assert!(printed.contains("<redacted>") && printed.contains("<unset>"));
    }
}
