//! Which Git host sent a request (by its headers, in Argo CD's order),
//! verifying its signature, and reading its event.

use std::fmt;

use axum::http::{HeaderMap, Method};
use serde::de::DeserializeOwned;

use super::payloads::{CommitsPush, Push, RefsChanged};
use super::secrets::{SharedSecret, WebhookSecrets};
use super::signature::{hmac_sha256_matches, token_matches};

/// A Git host whose push webhooks are understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    /// GitHub (`X-GitHub-Event`, `X-Hub-Signature-256`).
    GitHub,
    /// GitLab (`X-Gitlab-Event`, `X-Gitlab-Token`).
    GitLab,
    /// Gogs and Gitea (`X-Gogs-Event`/`X-Gitea-Event`, `X-Gogs-Signature`/`X-Gitea-Signature`).
    Gogs,
    /// Bitbucket Server / Data Center (`X-Event-Key`, `X-Hub-Signature`).
    BitbucketServer,
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::GitHub => "GitHub",
            Self::GitLab => "GitLab",
            Self::Gogs => "Gogs",
            Self::BitbucketServer => "Bitbucket Server",
        })
    }
}

/// What a verified request carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookEvent {
    /// A push of branches or tags.
    Push(Push),
    /// An event that needs nothing done (GitHub `ping`, Bitbucket Server
    /// `diagnostics:ping`, GitLab system hooks other than pushes).
    Ignored,
}

/// Why a request was refused. The texts name headers and providers, never
/// a secret or a signature.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// No header names a known provider.
    #[error("Unknown webhook event")]
    UnknownProvider,
    /// The request is not a `POST`.
    #[error("{provider} webhook: invalid HTTP method {method}")]
    InvalidMethod {
        /// The provider.
        provider: Provider,
        /// The method used.
        method: Method,
    },
    /// The provider's event is not one that is handled.
    #[error("{provider} webhook: event {event:?} not defined to be parsed")]
    UnhandledEvent {
        /// The provider.
        provider: Provider,
        /// The event header's value.
        event: String,
    },
    /// The body is empty, unreadable or larger than the cap.
    #[error("webhook payload is empty, unreadable or too large")]
    Payload,
    /// A secret is configured but the request carries no signature.
    #[error("{provider} webhook: missing {header} header")]
    MissingSignature {
        /// The provider.
        provider: Provider,
        /// The header that should carry it.
        header: &'static str,
    },
    /// The signature or token does not match the configured secret.
    #[error("{provider} webhook: signature verification failed")]
    VerificationFailed {
        /// The provider.
        provider: Provider,
    },
    /// The body is not the provider's JSON payload.
    #[error("{provider} webhook: invalid payload: {source}")]
    InvalidPayload {
        /// The provider.
        provider: Provider,
        /// The JSON error (line and column).
        #[source]
        source: serde_json::Error,
    },
}

/// The provider named by the request's headers, in Argo CD's order (Gogs
/// before GitHub: Gogs and Gitea also send GitHub's headers).
pub fn detect(headers: &HeaderMap) -> Option<Provider> {
    let has = |name: &str| !header(headers, name).is_empty();
    if has("X-Gogs-Event") || has("X-Gitea-Event") {
        Some(Provider::Gogs)
    } else if has("X-GitHub-Event") {
        Some(Provider::GitHub)
    } else if has("X-Gitlab-Event") {
        Some(Provider::GitLab)
    } else if has("X-Event-Key") {
        Some(Provider::BitbucketServer)
    } else {
        None
    }
}

/// Verifies a request against `secrets` and reads its event. `body` is the
/// whole body, already bounded by the caller.
pub fn parse(
    method: &Method,
    headers: &HeaderMap,
    body: &[u8],
    secrets: &WebhookSecrets,
) -> Result<WebhookEvent, WebhookError> {
    let provider = detect(headers).ok_or(WebhookError::UnknownProvider)?;
    if method != Method::POST {
        return Err(WebhookError::InvalidMethod {
            provider,
            method: method.clone(),
        });
    }
    match provider {
        Provider::GitHub => {
            let event = header(headers, "X-GitHub-Event");
            let push = match event {
                "push" => true,
                "ping" => false,
                _ => return Err(unhandled(provider, event)),
            };
            verify_hmac(
                provider,
                &secrets.github,
                headers,
                body,
                "X-Hub-Signature-256",
            )?;
            if push {
                commits_push(provider, body)
            } else {
                Ok(WebhookEvent::Ignored)
            }
        }
        Provider::GitLab => {
            let event = header(headers, "X-Gitlab-Event");
            if !matches!(event, "Push Hook" | "Tag Push Hook" | "System Hook") {
                return Err(unhandled(provider, event));
            }
            non_empty(body)?;
            let secret = &secrets.gitlab;
            if !secret.is_empty() && !token_matches(secret, header(headers, "X-Gitlab-Token")) {
                return Err(WebhookError::VerificationFailed { provider });
            }
            if event == "System Hook" {
                // System hooks carry every kind of event; only pushes matter.
                let kind: SystemHookKind = json(provider, body)?;
                if !matches!(kind.object_kind.as_str(), "push" | "tag_push") {
                    return Ok(WebhookEvent::Ignored);
                }
            }
            commits_push(provider, body)
        }
        Provider::Gogs => {
            let event = first_header(headers, "X-Gogs-Event", "X-Gitea-Event");
            if event != "push" {
                return Err(unhandled(provider, event));
            }
            let signature_header = if header(headers, "X-Gogs-Signature").is_empty()
                && !header(headers, "X-Gitea-Signature").is_empty()
            {
                "X-Gitea-Signature"
            } else {
                "X-Gogs-Signature"
            };
            verify_hmac(provider, &secrets.gogs, headers, body, signature_header)?;
            commits_push(provider, body)
        }
        Provider::BitbucketServer => {
            let event = header(headers, "X-Event-Key");
            let push = match event {
                "repo:refs_changed" => true,
                "diagnostics:ping" => false,
                _ => return Err(unhandled(provider, event)),
            };
            verify_hmac(
                provider,
                &secrets.bitbucket_server,
                headers,
                body,
                "X-Hub-Signature",
            )?;
            if push {
                let event: RefsChanged = json(provider, body)?;
                Ok(WebhookEvent::Push(event.into_push()))
            } else {
                Ok(WebhookEvent::Ignored)
            }
        }
    }
}

/// `object_kind` of a GitLab system hook.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct SystemHookKind {
    object_kind: String,
}

/// A header's value; empty when absent or not text.
fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// The first of two headers that is set.
fn first_header<'a>(headers: &'a HeaderMap, first: &str, second: &str) -> &'a str {
    Some(header(headers, first))
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| header(headers, second))
}

fn unhandled(provider: Provider, event: &str) -> WebhookError {
    WebhookError::UnhandledEvent {
        provider,
        event: event.to_owned(),
    }
}

/// An empty body is a payload error, as the providers' parsers treat it.
fn non_empty(body: &[u8]) -> Result<(), WebhookError> {
    if body.is_empty() {
        Err(WebhookError::Payload)
    } else {
        Ok(())
    }
}

/// Checks the HMAC-SHA256 in `header_name` (`sha256=` prefix optional) when
/// a secret is configured.
fn verify_hmac(
    provider: Provider,
    secret: &SharedSecret,
    headers: &HeaderMap,
    body: &[u8],
    header_name: &'static str,
) -> Result<(), WebhookError> {
    non_empty(body)?;
    if secret.is_empty() {
        return Ok(());
    }
    let signature = header(headers, header_name);
    if signature.is_empty() {
        return Err(WebhookError::MissingSignature {
            provider,
            header: header_name,
        });
    }
    let hex = signature.strip_prefix("sha256=").unwrap_or(signature);
    if hmac_sha256_matches(secret, body, hex) {
        Ok(())
    } else {
        Err(WebhookError::VerificationFailed { provider })
    }
}

fn json<T: DeserializeOwned>(provider: Provider, body: &[u8]) -> Result<T, WebhookError> {
    serde_json::from_slice(body).map_err(|source| WebhookError::InvalidPayload { provider, source })
}

fn commits_push(provider: Provider, body: &[u8]) -> Result<WebhookEvent, WebhookError> {
    let push: CommitsPush = json(provider, body)?;
    Ok(WebhookEvent::Push(push.into_push()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhook::signature::hmac_sha256_hex;
    use axum::http::HeaderValue;

    const GITHUB_PUSH: &str = include_str!("testdata/github-push.json");
    const GITHUB_PING: &str = include_str!("testdata/github-ping.json");
    const GITLAB_PUSH: &str = include_str!("testdata/gitlab-push.json");
    const GITEA_PUSH: &str = include_str!("testdata/gitea-push.json");
    const BITBUCKET_SERVER: &str = include_str!("testdata/bitbucket-server-refs-changed.json");

    fn headers(pairs: &[(&'static str, String)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn secrets(set: impl FnOnce(&mut WebhookSecrets)) -> WebhookSecrets {
        let mut secrets = WebhookSecrets::default();
        set(&mut secrets);
        secrets
    }

    fn post(
        headers: &HeaderMap,
        body: &str,
        secrets: &WebhookSecrets,
    ) -> Result<WebhookEvent, WebhookError> {
        parse(&Method::POST, headers, body.as_bytes(), secrets)
    }

    fn pushed(event: Result<WebhookEvent, WebhookError>) -> Push {
        match event {
            Ok(WebhookEvent::Push(push)) => push,
            other => panic!("expected a push, got {other:?}"),
        }
    }

    #[test]
    fn github_push_signed_with_the_secret() {
        let secrets = secrets(|s| s.github = SharedSecret::new("It's a Secret to Everybody"));
        let signature = format!(
            "sha256={}",
            hmac_sha256_hex(b"It's a Secret to Everybody", GITHUB_PUSH.as_bytes())
        );
        let good = headers(&[
            ("X-GitHub-Event", "push".into()),
            ("X-Hub-Signature-256", signature),
        ]);
        let push = pushed(post(&good, GITHUB_PUSH, &secrets));
        assert_eq!(
            push.repo_urls,
            ["https://github.com/Codertocat/Hello-World"]
        );
        assert_eq!(push.revision, "main");
        assert!(push.touched_head);
        assert_eq!(
            push.changed_files,
            [
                "apps/web/hpa.yaml",
                "apps/web/deployment.yaml",
                "docs/old.md"
            ]
        );

        let tampered = GITHUB_PUSH.replace("refs/heads/main", "refs/heads/evil");
        let err = post(&good, &tampered, &secrets).unwrap_err();
        assert!(
            matches!(
                err,
                WebhookError::VerificationFailed {
                    provider: Provider::GitHub
                }
            ),
            "{err}"
        );
        let wrong_key = format!(
            "sha256={}",
            hmac_sha256_hex(b"guess", GITHUB_PUSH.as_bytes())
        );
        let wrong = headers(&[
            ("X-GitHub-Event", "push".into()),
            ("X-Hub-Signature-256", wrong_key),
        ]);
        assert!(matches!(
            post(&wrong, GITHUB_PUSH, &secrets),
            Err(WebhookError::VerificationFailed { .. })
        ));
        let unsigned = headers(&[("X-GitHub-Event", "push".into())]);
        let err = post(&unsigned, GITHUB_PUSH, &secrets).unwrap_err();
        assert_eq!(
            err.to_string(),
            "GitHub webhook: missing X-Hub-Signature-256 header"
        );
        // Without a configured secret, payloads are accepted unverified.
        assert!(post(&unsigned, GITHUB_PUSH, &WebhookSecrets::default()).is_ok());
    }

    #[test]
    fn github_ping_other_events_and_methods() {
        let ping = headers(&[("X-GitHub-Event", "ping".into())]);
        assert_eq!(
            post(&ping, GITHUB_PING, &WebhookSecrets::default()).unwrap(),
            WebhookEvent::Ignored
        );
        let issues = headers(&[("X-GitHub-Event", "issues".into())]);
        let err = post(&issues, "{}", &WebhookSecrets::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"GitHub webhook: event "issues" not defined to be parsed"#
        );
        let push = headers(&[("X-GitHub-Event", "push".into())]);
        let err = parse(&Method::GET, &push, b"{}", &WebhookSecrets::default()).unwrap_err();
        assert!(matches!(err, WebhookError::InvalidMethod { .. }), "{err}");
        assert!(matches!(
            post(&push, "", &WebhookSecrets::default()),
            Err(WebhookError::Payload)
        ));
        let err = post(&push, "{\"ref\": 7}", &WebhookSecrets::default()).unwrap_err();
        assert!(err.to_string().contains("line 1 column"), "{err}");
        assert!(matches!(
            post(&HeaderMap::new(), GITHUB_PUSH, &WebhookSecrets::default()),
            Err(WebhookError::UnknownProvider)
        ));
    }

    #[test]
    fn gitlab_push_with_token() {
        let secrets = secrets(|s| s.gitlab = SharedSecret::new("gl-token"));
        let good = headers(&[
            ("X-Gitlab-Event", "Push Hook".into()),
            ("X-Gitlab-Token", "gl-token".into()),
        ]);
        let push = pushed(post(&good, GITLAB_PUSH, &secrets));
        assert_eq!(push.repo_urls, ["http://example.com/mike/diaspora"]);
        assert_eq!(push.revision, "feature/login");
        assert!(!push.touched_head, "default branch is master");
        assert_eq!(
            push.changed_files,
            ["CHANGELOG", "app/controller/application.rb", "README"]
        );
        let bad = headers(&[
            ("X-Gitlab-Event", "Push Hook".into()),
            ("X-Gitlab-Token", "gl-tokem".into()),
        ]);
        assert!(matches!(
            post(&bad, GITLAB_PUSH, &secrets),
            Err(WebhookError::VerificationFailed {
                provider: Provider::GitLab
            })
        ));
        let missing = headers(&[("X-Gitlab-Event", "Push Hook".into())]);
        assert!(matches!(
            post(&missing, GITLAB_PUSH, &secrets),
            Err(WebhookError::VerificationFailed { .. })
        ));
        let system = headers(&[
            ("X-Gitlab-Event", "System Hook".into()),
            ("X-Gitlab-Token", "gl-token".into()),
        ]);
        assert_eq!(
            pushed(post(&system, GITLAB_PUSH, &secrets)).revision,
            "feature/login"
        );
        let project_created =
            r#"{"object_kind": "project_create", "event_name": "project_create"}"#;
        assert_eq!(
            post(&system, project_created, &secrets).unwrap(),
            WebhookEvent::Ignored
        );
        let note = headers(&[
            ("X-Gitlab-Event", "Note Hook".into()),
            ("X-Gitlab-Token", "gl-token".into()),
        ]);
        assert!(matches!(
            post(&note, "{}", &secrets),
            Err(WebhookError::UnhandledEvent { .. })
        ));
    }

    #[test]
    fn gitea_and_gogs_push_signed() {
        let secrets = secrets(|s| s.gogs = SharedSecret::new("gitea-secret"));
        let signature = hmac_sha256_hex(b"gitea-secret", GITEA_PUSH.as_bytes());
        // Gitea sends the GitHub, Gitea and Gogs headers; Gogs wins.
        let gitea = headers(&[
            ("X-GitHub-Event", "push".into()),
            ("X-Gitea-Event", "push".into()),
            ("X-Gogs-Event", "push".into()),
            ("X-Hub-Signature-256", "sha256=0000".into()),
            ("X-Gitea-Signature", signature.clone()),
            ("X-Gogs-Signature", signature.clone()),
        ]);
        let push = pushed(post(&gitea, GITEA_PUSH, &secrets));
        assert_eq!(push.repo_urls, ["http://localhost:3000/gitea/webhooks"]);
        assert_eq!(push.revision, "v1.4.2");
        assert!(!push.touched_head);
        assert_eq!(push.changed_files, ["charts/web/values.yaml"]);
        let gitea_only = headers(&[
            ("X-Gitea-Event", "push".into()),
            ("X-Gitea-Signature", signature),
        ]);
        assert_eq!(
            pushed(post(&gitea_only, GITEA_PUSH, &secrets)).revision,
            "v1.4.2"
        );
        let forged = headers(&[
            ("X-Gogs-Event", "push".into()),
            ("X-Gogs-Signature", "ab".repeat(32)),
        ]);
        assert!(matches!(
            post(&forged, GITEA_PUSH, &secrets),
            Err(WebhookError::VerificationFailed {
                provider: Provider::Gogs
            })
        ));
    }

    #[test]
    fn bitbucket_server_refs_changed_signed() {
        let secrets = secrets(|s| s.bitbucket_server = SharedSecret::new("bb-secret"));
        let signature = format!(
            "sha256={}",
            hmac_sha256_hex(b"bb-secret", BITBUCKET_SERVER.as_bytes())
        );
        let good = headers(&[
            ("X-Event-Key", "repo:refs_changed".into()),
            ("X-Hub-Signature", signature),
        ]);
        let push = pushed(post(&good, BITBUCKET_SERVER, &secrets));
        assert_eq!(
            push.repo_urls,
            [
                "ssh://git@bitbucket.example.com:7999/proj/repository.git",
                "https://bitbucket.example.com/scm/proj/repository.git"
            ]
        );
        assert_eq!(push.revision, "release/2.0");
        assert!(push.touched_head);
        assert!(push.changed_files.is_empty());
        let unsigned = headers(&[("X-Event-Key", "repo:refs_changed".into())]);
        let err = post(&unsigned, BITBUCKET_SERVER, &secrets).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Bitbucket Server webhook: missing X-Hub-Signature header"
        );
        let ping = headers(&[("X-Event-Key", "diagnostics:ping".into())]);
        assert_eq!(
            post(&ping, "{\"test\": true}", &WebhookSecrets::default()).unwrap(),
            WebhookEvent::Ignored
        );
    }
}
