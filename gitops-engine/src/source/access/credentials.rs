//! Repository credentials as Argo CD declares them: Secrets labelled
//! `argocd.argoproj.io/secret-type: repository` (one repository) or
//! `repo-creds` (a template for every URL it prefixes).

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use super::git_url::normalize_git_url;
use crate::source::SourceError;

/// The label that marks Argo CD's typed Secrets.
pub const SECRET_TYPE_LABEL: &str = "argocd.argoproj.io/secret-type";

/// `secret-type` of a Secret holding one repository's credentials.
pub const REPOSITORY_SECRET_TYPE: &str = "repository";

/// `secret-type` of a credential template.
pub const TEMPLATE_SECRET_TYPE: &str = "repo-creds";

/// The credentials and connection settings of one repository (or of a
/// template), read from a Secret. Empty strings mean "not set", as in Argo
/// CD. `Debug` shows which secrets are set, never their values.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RepoCredentials {
    /// `namespace/name` of the Secret it came from (for messages).
    pub secret: String,
    /// `url`: the repository URL, or the URL prefix of a template.
    pub url: String,
    /// `type`: `git` (the default), `helm` or `oci`.
    pub repo_type: String,
    /// `name`: the repository's display name.
    pub name: String,
    /// `project`: the AppProject this repository belongs to (empty: all).
    pub project: String,
    /// `username` for HTTPS basic authentication.
    pub username: String,
    /// `password` (or personal access token) for HTTPS basic authentication.
    pub password: String,
    /// `bearerToken` for HTTPS (Bitbucket Data Center).
    pub bearer_token: String,
    /// `sshPrivateKey`: a PEM or OpenSSH private key for `ssh://` URLs.
    pub ssh_private_key: String,
    /// `tlsClientCertData`: a PEM client certificate for HTTPS.
    pub tls_client_cert_data: String,
    /// `tlsClientCertKey`: the client certificate's PEM key.
    pub tls_client_cert_key: String,
    /// `insecure`: skip server certificate and host key verification.
    pub insecure: bool,
    /// `insecureIgnoreHostKey`: skip SSH host key verification.
    pub insecure_ignore_host_key: bool,
    /// `forceHttpBasicAuth`: send basic credentials without a challenge.
    pub force_http_basic_auth: bool,
    /// `proxy`: the HTTP(S) proxy URL for this repository.
    pub proxy: String,
    /// `noProxy`: comma-separated hosts reached without the proxy.
    pub no_proxy: String,
}

impl std::fmt::Debug for RepoCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = |value: &str| if value.is_empty() { "" } else { "<set>" };
        f.debug_struct("RepoCredentials")
            .field("secret", &self.secret)
            .field("url", &self.url)
            .field("repo_type", &self.repo_type)
            .field("project", &self.project)
            .field("username", &self.username)
            .field("password", &set(&self.password))
            .field("bearer_token", &set(&self.bearer_token))
            .field("ssh_private_key", &set(&self.ssh_private_key))
            .field("tls_client_cert_key", &set(&self.tls_client_cert_key))
            .field("insecure", &self.insecure)
            .field("insecure_ignore_host_key", &self.insecure_ignore_host_key)
            .field("proxy", &self.proxy)
            .finish_non_exhaustive()
    }
}

impl RepoCredentials {
    /// Whether the repository carries credentials of its own, in which case
    /// no template is consulted (Argo CD's `HasCredentials`).
    pub fn has_credentials(&self) -> bool {
        [
            &self.username,
            &self.password,
            &self.bearer_token,
            &self.ssh_private_key,
            &self.tls_client_cert_data,
        ]
        .iter()
        .any(|value| !value.is_empty())
    }

    /// Reads a `repository` or `repo-creds` Secret (`data` base64, or
    /// `stringData` plain, which wins). Only a repository Secret's `name`,
    /// `project`, `insecure` and `insecureIgnoreHostKey` are read; templates
    /// do not have them.
    pub fn from_secret(secret: &Value) -> Result<Self, SourceError> {
        let data = SecretData::new(secret)?;
        let template = data.secret_type == TEMPLATE_SECRET_TYPE;
        let own = |key: &str| {
            if template {
                String::new()
            } else {
                data.string(key)
            }
        };
        let own_bool = |key: &str| {
            if template { Ok(false) } else { data.bool(key) }
        };
        let credentials = Self {
            url: data.string("url"),
            repo_type: data.string("type"),
            name: own("name"),
            project: own("project"),
            username: data.string("username"),
            password: data.string("password"),
            bearer_token: data.string("bearerToken"),
            ssh_private_key: data.string("sshPrivateKey"),
            tls_client_cert_data: data.string("tlsClientCertData"),
            tls_client_cert_key: data.string("tlsClientCertKey"),
            insecure: own_bool("insecure")?,
            insecure_ignore_host_key: own_bool("insecureIgnoreHostKey")?,
            force_http_basic_auth: data.bool("forceHttpBasicAuth")?,
            proxy: data.string("proxy"),
            no_proxy: data.string("noProxy"),
            secret: data.secret,
        };
        if credentials.url.is_empty() {
            return Err(data_error(&credentials.secret, "url", "is required"));
        }
        Ok(credentials)
    }

    /// This repository as the Secret Argo CD's API creates for it (and
    /// `gitops repo add` does): named by [`repository_secret_name`],
    /// labelled `secret-type: repository`, annotated `managed-by:
    /// argocd.argoproj.io`, with every set field under `data` (base64).
    pub fn to_secret(&self, namespace: &str) -> Value {
        let fields = [
            ("url", self.url.as_str()),
            ("type", &self.repo_type),
            ("name", &self.name),
            ("project", &self.project),
            ("username", &self.username),
            ("password", &self.password),
            ("bearerToken", &self.bearer_token),
            ("sshPrivateKey", &self.ssh_private_key),
            ("tlsClientCertData", &self.tls_client_cert_data),
            ("tlsClientCertKey", &self.tls_client_cert_key),
            ("proxy", &self.proxy),
            ("noProxy", &self.no_proxy),
        ];
        let flags = [
            ("insecure", self.insecure),
            ("insecureIgnoreHostKey", self.insecure_ignore_host_key),
            ("forceHttpBasicAuth", self.force_http_basic_auth),
        ];
        let data: serde_json::Map<String, Value> = fields
            .into_iter()
            .filter(|(_, value)| !value.is_empty())
            .chain(
                flags
                    .into_iter()
                    .filter(|(_, on)| *on)
                    .map(|(key, _)| (key, "true")),
            )
            .map(|(key, value)| (key.to_owned(), STANDARD.encode(value).into()))
            .collect();
        serde_json::json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": repository_secret_name(&self.url, &self.project),
                "namespace": namespace,
                "labels": {SECRET_TYPE_LABEL: REPOSITORY_SECRET_TYPE},
                "annotations": {MANAGED_BY_ANNOTATION: MANAGED_BY_ARGOCD},
            },
            "type": "Opaque",
            "data": data,
        })
    }

    /// Fills what this repository leaves empty from a template. The
    /// template's `forceHttpBasicAuth` always wins, as in Argo CD.
    fn fill_from(&mut self, template: &RepoCredentials) {
        let fill = |own: &mut String, from: &String| {
            if own.is_empty() {
                own.clone_from(from);
            }
        };
        fill(&mut self.username, &template.username);
        fill(&mut self.password, &template.password);
        fill(&mut self.bearer_token, &template.bearer_token);
        fill(&mut self.ssh_private_key, &template.ssh_private_key);
        fill(
            &mut self.tls_client_cert_data,
            &template.tls_client_cert_data,
        );
        fill(&mut self.tls_client_cert_key, &template.tls_client_cert_key);
        fill(&mut self.repo_type, &template.repo_type);
        fill(&mut self.proxy, &template.proxy);
        fill(&mut self.no_proxy, &template.no_proxy);
        self.force_http_basic_auth = template.force_http_basic_auth;
        if self.secret.is_empty() {
            self.secret.clone_from(&template.secret);
        }
    }
}

/// The annotation marking Secrets created through the API (and `gitops
/// repo add`), as opposed to declared ones.
pub const MANAGED_BY_ANNOTATION: &str = "managed-by";

/// The value of [`MANAGED_BY_ANNOTATION`].
pub const MANAGED_BY_ARGOCD: &str = "argocd.argoproj.io";

/// The name Argo CD gives the Secret of a repository it creates:
/// `repo-<FNV-1a 32-bit hash of url followed by project, in decimal>`.
pub fn repository_secret_name(url: &str, project: &str) -> String {
    let hash = url
        .bytes()
        .chain(project.bytes())
        .fold(0x811c_9dc5_u32, |hash, byte| {
            (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
        });
    format!("repo-{hash}")
}

/// The repository Secrets and credential templates of a control-plane
/// namespace, and Argo CD's rules for picking the credentials of a URL.
#[derive(Debug, Clone, Default)]
pub struct CredentialStore {
    repositories: Vec<(String, RepoCredentials)>,
    templates: Vec<(String, RepoCredentials)>,
}

impl CredentialStore {
    /// An empty store: every repository is reached anonymously.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a repository (`repository` Secret) or template (`repo-creds`).
    pub fn add(&mut self, credentials: RepoCredentials, template: bool) {
        let key = normalize_git_url(&credentials.url);
        let list = if template {
            &mut self.templates
        } else {
            &mut self.repositories
        };
        list.push((key, credentials));
    }

    /// Adds every `repository` and `repo-creds` Secret of `secrets` (other
    /// Secrets are skipped). A Secret that cannot be read is left out and
    /// its error returned, so one bad Secret does not hide the others.
    pub fn add_secrets<'a>(
        &mut self,
        secrets: impl IntoIterator<Item = &'a Value>,
    ) -> Vec<SourceError> {
        let mut problems = Vec::new();
        for secret in secrets {
            let template = match secret_type(secret) {
                Some(REPOSITORY_SECRET_TYPE) => false,
                Some(TEMPLATE_SECRET_TYPE) => true,
                _ => continue,
            };
            match RepoCredentials::from_secret(secret) {
                Ok(credentials) => self.add(credentials, template),
                Err(e) => problems.push(e),
            }
        }
        problems
    }

    /// The repository Secrets (not templates) in the order they were added.
    pub fn repositories(&self) -> impl Iterator<Item = &RepoCredentials> {
        self.repositories.iter().map(|(_, c)| c)
    }

    /// The credentials to reach `url` for an app of `project`: the
    /// repository Secret of that URL (after [`normalize_git_url`]) of the same
    /// project, else an unscoped one (with no project given: an unscoped one,
    /// else the first); without own credentials, completed from the template
    /// with the longest URL prefix. `None` when neither exists.
    pub fn lookup(&self, url: &str, project: Option<&str>) -> Option<RepoCredentials> {
        let key = normalize_git_url(url);
        let candidates: Vec<&RepoCredentials> = self
            .repositories
            .iter()
            .filter(|(k, _)| !key.is_empty() && *k == key)
            .map(|(_, c)| c)
            .collect();
        let scoped = |p: &str| candidates.iter().find(|c| c.project == p);
        let repository = match project {
            Some(project) => scoped(project).or_else(|| scoped("")),
            None => scoped("").or(candidates.first()),
        };
        let template = self.template_for(&key);
        let mut credentials = match (repository, template) {
            (None, None) => return None,
            (Some(repository), _) => (*repository).clone(),
            (None, Some(_)) => RepoCredentials {
                url: url.to_owned(),
                ..RepoCredentials::default()
            },
        };
        if !credentials.has_credentials()
            && let Some(template) = template
        {
            credentials.fill_from(template);
        }
        Some(credentials)
    }

    /// The template whose normalised URL is the longest prefix of `key`
    /// (plain string prefix, no path boundary); the first of equals.
    fn template_for(&self, key: &str) -> Option<&RepoCredentials> {
        let mut best: Option<&(String, RepoCredentials)> = None;
        for entry in &self.templates {
            let (prefix, _) = entry;
            if !prefix.is_empty()
                && key.starts_with(prefix.as_str())
                && best.is_none_or(|(b, _)| prefix.len() > b.len())
            {
                best = Some(entry);
            }
        }
        best.map(|(_, c)| c)
    }
}

/// The `secret-type` label of an object.
fn secret_type(secret: &Value) -> Option<&str> {
    secret["metadata"]["labels"][SECRET_TYPE_LABEL].as_str()
}

/// The string entries of one Secret, decoded, for typed reads with errors
/// that name the Secret and key.
struct SecretData {
    secret: String,
    secret_type: String,
    entries: BTreeMap<String, String>,
}

impl SecretData {
    fn new(secret: &Value) -> Result<Self, SourceError> {
        let name = format!(
            "{}/{}",
            secret["metadata"]["namespace"].as_str().unwrap_or_default(),
            secret["metadata"]["name"].as_str().unwrap_or_default()
        );
        let mut entries = BTreeMap::new();
        if let Some(data) = secret["data"].as_object() {
            for (key, value) in data {
                let encoded = value.as_str().unwrap_or_default();
                // The decoder's message quotes the offending character:
                // not shown, the value may be a credential.
                let bytes = STANDARD
                    .decode(encoded.trim())
                    .map_err(|_| data_error(&name, &format!("data.{key}"), "not base64"))?;
                let text = String::from_utf8(bytes)
                    .map_err(|_| data_error(&name, &format!("data.{key}"), "not UTF-8 text"))?;
                entries.insert(key.clone(), text);
            }
        }
        if let Some(data) = secret["stringData"].as_object() {
            for (key, value) in data {
                let text = value.as_str().ok_or_else(|| {
                    data_error(&name, &format!("stringData.{key}"), "must be a string")
                })?;
                entries.insert(key.clone(), text.to_owned());
            }
        }
        Ok(Self {
            secret: name,
            secret_type: secret_type(secret).unwrap_or_default().to_owned(),
            entries,
        })
    }

    fn string(&self, key: &str) -> String {
        self.entries.get(key).cloned().unwrap_or_default()
    }

    /// A boolean as Go's `strconv.ParseBool` reads it; absent or empty is
    /// `false`.
    fn bool(&self, key: &str) -> Result<bool, SourceError> {
        match self.entries.get(key).map(|v| v.trim()).unwrap_or_default() {
            "" | "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
            "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
            // The value is not shown: a misplaced credential stays hidden.
            _ => Err(data_error(
                &self.secret,
                key,
                "not a boolean (want true or false)",
            )),
        }
    }
}

fn data_error(secret: &str, field: &str, problem: &str) -> SourceError {
    SourceError::InvalidRepoSecret {
        secret: secret.to_owned(),
        field: field.to_owned(),
        problem: problem.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn secret(name: &str, kind: &str, data: Value) -> Value {
        json!({
            "metadata": {"name": name, "namespace": "argocd",
                         "labels": {SECRET_TYPE_LABEL: kind}},
            "stringData": data,
        })
    }

    fn store(secrets: &[Value]) -> CredentialStore {
        let mut store = CredentialStore::new();
        let problems = store.add_secrets(secrets);
        assert!(problems.is_empty(), "{problems:?}");
        store
    }

    #[test]
    fn reads_base64_data_and_go_booleans() {
        let encoded = |s: &str| STANDARD.encode(s);
        let object = json!({
            "metadata": {"name": "private", "namespace": "argocd",
                         "labels": {SECRET_TYPE_LABEL: "repository"}},
            "data": {"url": encoded("https://git.example/org/app.git"),
                     "username": encoded("bot"), "password": encoded("hunter2"),
                     "insecure": encoded("True"), "project": encoded("shop")},
        });
        let c = RepoCredentials::from_secret(&object).expect("valid");
        assert_eq!(c.secret, "argocd/private");
        assert_eq!(
            (c.username.as_str(), c.password.as_str()),
            ("bot", "hunter2")
        );
        assert!(c.insecure && !c.insecure_ignore_host_key);
        assert_eq!(c.project, "shop");
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("hunter2") && shown.contains("<set>"),
            "{shown}"
        );
    }

    #[test]
    fn bad_values_name_the_secret_and_key() {
        let bad = secret(
            "broken",
            "repository",
            json!({"url": "https://h/x", "insecure": "maybe"}),
        );
        let err = RepoCredentials::from_secret(&bad).expect_err("bad bool");
        let text = err.to_string();
        assert!(
            text.contains("argocd/broken") && text.contains("insecure"),
            "{text}"
        );
        let no_url = secret("nourl", "repository", json!({"username": "u"}));
        let err = RepoCredentials::from_secret(&no_url).expect_err("url required");
        assert!(err.to_string().contains("url"), "{err}");
        let mut not_base64 = secret("b64", "repository", json!({}));
        not_base64["data"] = json!({"url": "%%%"});
        let err = RepoCredentials::from_secret(&not_base64).expect_err("not base64");
        assert!(err.to_string().contains("data.url"), "{err}");
        // One bad Secret leaves the others usable.
        let good = secret("good", "repository", json!({"url": "https://h/y"}));
        let mut store = CredentialStore::new();
        assert_eq!(store.add_secrets([&bad, &good]).len(), 1);
        assert!(store.lookup("https://h/y", None).is_some());
    }

    #[test]
    fn repository_secret_matches_the_normalised_url() {
        let store = store(&[secret(
            "r",
            "repository",
            json!({"url": "git@GitHub.com:Argoproj/Argo-CD.git", "sshPrivateKey": "KEY"}),
        )]);
        let found = store
            .lookup("ssh://git@github.com/argoproj/argo-cd", None)
            .expect("same repository");
        assert_eq!(found.ssh_private_key, "KEY");
        assert!(
            store
                .lookup("https://github.com/argoproj/argo-cd", None)
                .is_none()
        );
    }

    #[test]
    fn longest_template_prefix_wins_and_repository_beats_template() {
        let store = store(&[
            secret(
                "org",
                "repo-creds",
                json!({"url": "https://git.example/org", "username": "org", "password": "o"}),
            ),
            secret(
                "team",
                "repo-creds",
                json!({"url": "https://git.example/org/team", "username": "team",
                       "password": "t", "forceHttpBasicAuth": "true", "insecure": "true"}),
            ),
            secret(
                "own",
                "repository",
                json!({"url": "https://git.example/org/team/own", "username": "me",
                       "password": "m"}),
            ),
            secret(
                "bare",
                "repository",
                json!({"url": "https://git.example/org/team/bare", "insecure": "true"}),
            ),
        ]);
        let user = |url: &str| store.lookup(url, None).map(|c| c.username);
        assert_eq!(user("https://git.example/org/x").as_deref(), Some("org"));
        // No path boundary: `org/team` prefixes `org/teamwork`.
        assert_eq!(
            user("https://git.example/org/teamwork").as_deref(),
            Some("team")
        );
        assert_eq!(
            user("https://git.example/org/team/own").as_deref(),
            Some("me")
        );
        assert_eq!(user("https://git.example/other"), None);
        // A repository without credentials takes them from the template,
        // keeping its own `insecure` (templates have none).
        let bare = store
            .lookup("https://git.example/org/team/bare.git", None)
            .expect("bare");
        assert_eq!(
            (bare.username.as_str(), bare.password.as_str()),
            ("team", "t")
        );
        assert!(bare.insecure && bare.force_http_basic_auth);
        let templated = store
            .lookup("https://git.example/org/team/y", None)
            .expect("templated");
        assert!(!templated.insecure, "templates carry no `insecure`");
    }

    #[test]
    fn secrets_written_for_a_repository_read_back() {
        // FNV-1a 32 of "a": 0xe40c292c.
        assert_eq!(repository_secret_name("a", ""), "repo-3826002220");
        assert_ne!(
            repository_secret_name("https://h/x", "p"),
            repository_secret_name("https://h/x", "")
        );
        let credentials = RepoCredentials {
            url: "git@h:org/x.git".into(),
            ssh_private_key: "KEY".into(),
            insecure_ignore_host_key: true,
            project: "shop".into(),
            ..RepoCredentials::default()
        };
        let secret = credentials.to_secret("argocd");
        assert_eq!(
            secret["metadata"]["annotations"]["managed-by"],
            "argocd.argoproj.io"
        );
        assert!(secret["data"].get("password").is_none());
        let read = RepoCredentials::from_secret(&secret).expect("readable");
        assert_eq!(
            read,
            RepoCredentials {
                secret: format!(
                    "argocd/{}",
                    repository_secret_name("git@h:org/x.git", "shop")
                ),
                ..credentials
            }
        );
    }

    #[test]
    fn the_apps_project_picks_among_repository_secrets() {
        let url = "https://git.example/shared";
        let store = store(&[
            secret(
                "scoped",
                "repository",
                json!({"url": url, "username": "shop", "project": "shop"}),
            ),
            secret(
                "global",
                "repository",
                json!({"url": url, "username": "all"}),
            ),
        ]);
        let user = |project| store.lookup(url, project).map(|c| c.username);
        assert_eq!(user(Some("shop")).as_deref(), Some("shop"));
        assert_eq!(user(Some("other")).as_deref(), Some("all"));
        assert_eq!(user(None).as_deref(), Some("all"));
    }
}
