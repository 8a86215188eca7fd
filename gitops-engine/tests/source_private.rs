//! Private repositories reached with Argo CD's repository Secrets,
//! credential templates and trust ConfigMaps: `git http-backend` behind
//! basic authentication over TLS, and Debian's OpenSSH server, both on
//! 127.0.0.1; and the controller reading them from its namespace.
//! Credentials must never show up in errors, conditions, events or logs.

mod controller_support;
mod https_support;
mod server_support;
mod source_support;
mod ssh_support;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use controller_support::{ARGOCD, Env, Logs, comparison_errors, config_map_yaml, summary};
use gitops_engine::cluster::{Cluster, Gvk, ObjectRef};
use gitops_engine::source::{
    GitRepo, Refresh, RenderOptions, RepoAccess, SSH_KNOWN_HOSTS_KEY, SourceError, SourceRequest,
    Sources,
};
use https_support::HttpsGit;
use serde_json::{Value, json};
use source_support::{Upstream, bounded};
use ssh_support::Sshd;

const USER: &str = "deploy-bot";
const PASSWORD: &str = "pw-Zq81-only-in-the-secret";
const WRONG_PASSWORD: &str = "pw-wrong-9917-never-shown";

/// A typed Argo CD Secret as the API server returns it (`data`, base64).
fn secret(name: &str, secret_type: &str, data: Value) -> Value {
    let data: serde_json::Map<String, Value> = data
        .as_object()
        .expect("data object")
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                STANDARD.encode(v.as_str().expect("string")).into(),
            )
        })
        .collect();
    json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": name, "namespace": "argocd",
                     "labels": {"argocd.argoproj.io/secret-type": secret_type}},
        "data": data,
    })
}

/// Access from Secrets plus the test CA (`argocd-tls-certs-cm`) and known
/// hosts (`argocd-ssh-known-hosts-cm`) when given.
fn access(secrets: &[Value], ca_pem: Option<&str>, known_hosts: Option<&str>) -> RepoAccess {
    let tls = ca_pem.map(|pem| json!({"data": {"127.0.0.1": pem}}));
    let hosts = known_hosts.map(|line| json!({"data": {SSH_KNOWN_HOSTS_KEY: line}}));
    let mut access = RepoAccess::default();
    let problems = access.add_objects(secrets, tls.as_ref(), hosts.as_ref());
    assert!(problems.is_empty(), "{problems:?}");
    access
}

fn upstream() -> (Upstream, String) {
    let up = Upstream::new();
    up.write(
        "app/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: private\ndata:\n  k: v\n",
    );
    let head = up.commit("first");
    (up, head)
}

/// The test repository behind `git http-backend` requiring [`USER`] and
/// [`PASSWORD`]: the upstream, its head commit, the server and the URL.
fn guarded_upstream() -> (Upstream, String, HttpsGit, String) {
    let (up, head) = upstream();
    let server = HttpsGit::serve_with_basic_auth(up.dir.parent().expect("parent"), USER, PASSWORD);
    let url = server.url("upstream");
    (up, head, server, url)
}

/// A Secret of `secret_type` for `url` with [`USER`] and `password`.
fn basic_auth_secret(name: &str, secret_type: &str, url: &str, password: &str) -> Value {
    secret(
        name,
        secret_type,
        json!({"url": url, "username": USER, "password": password}),
    )
}

/// Renders `app` of `url` at `main` through [`Sources`], as the
/// controller does; returns the commit.
fn render(
    up: &Upstream,
    cache: &str,
    url: &str,
    access: RepoAccess,
) -> Result<String, SourceError> {
    let sources = Sources::with_access(up.cache.join(cache), Duration::ZERO, access);
    render_with(&sources, url, "", Refresh::Force)
}

/// Renders `app` of `url` at `main` with `sources` for an app of
/// `project`; returns the commit.
fn render_with(
    sources: &Sources,
    url: &str,
    project: &str,
    refresh: Refresh,
) -> Result<String, SourceError> {
    let sources = sources.clone();
    let request = SourceRequest {
        repo_url: url.to_owned(),
        revision: "main".into(),
        path: "app".into(),
        project: project.to_owned(),
        options: RenderOptions::default(),
    };
    bounded("render", move || {
        sources
            .render_blocking(&request, refresh)
            .map(|r| r.revision.clone())
    })
}

/// The error's text and debug form, checked free of every secret.
fn shown(err: &SourceError, secrets: &[&str]) -> String {
    let text = format!("{err} {err:?}");
    for secret in secrets {
        assert!(!text.contains(secret), "leaks a credential: {text}");
    }
    err.to_string()
}

#[test]
fn https_basic_auth_from_a_repository_secret_and_a_template() {
    let (up, head, server, url) = guarded_upstream();
    let repository = basic_auth_secret("private-repo", "repository", &url, PASSWORD);
    let got = render(
        &up,
        "repo",
        &url,
        access(&[repository], Some(&server.ca_pem), None),
    );
    assert_eq!(got.expect("rendered with the repository Secret"), head);
    let requests = server.requests();
    assert!(
        requests.iter().any(|r| r.ends_with(" 401")),
        "challenged first: {requests:?}"
    );
    assert!(
        requests
            .iter()
            .any(|r| r.starts_with("POST /upstream/git-upload-pack") && !r.ends_with(" 401")),
        "{requests:?}"
    );

    // A Secret scoped to the app's project beats an unscoped one.
    let mut scoped = basic_auth_secret("shop-repo", "repository", &url, PASSWORD);
    scoped["data"]["project"] = STANDARD.encode("shop").into();
    let unscoped = basic_auth_secret("any-repo", "repository", &url, WRONG_PASSWORD);
    let sources = Sources::with_access(
        up.cache.join("scoped"),
        Duration::ZERO,
        access(&[unscoped, scoped], Some(&server.ca_pem), None),
    );
    let got = render_with(&sources, &url, "shop", Refresh::Force);
    assert_eq!(got.expect("the project's Secret"), head);
    let err = render_with(&sources, &url, "other", Refresh::Force).expect_err("unscoped");
    assert!(err.to_string().contains("argocd/any-repo"), "{err}");

    // Templates: the longest URL prefix wins (no path boundary needed).
    let host = format!("https://127.0.0.1:{}/", server.port);
    let templates = [
        basic_auth_secret("creds-host", "repo-creds", &host, WRONG_PASSWORD),
        basic_auth_secret(
            "creds-upstream",
            "repo-creds",
            &format!("{host}upst"),
            PASSWORD,
        ),
    ];
    let got = render(
        &up,
        "template",
        &url,
        access(&templates, Some(&server.ca_pem), None),
    );
    assert_eq!(got.expect("rendered with the template"), head);
}

#[test]
fn wrong_or_missing_credentials_are_refused_without_showing_them() {
    let (up, _, server, url) = guarded_upstream();
    let wrong = basic_auth_secret("private-repo", "repository", &url, WRONG_PASSWORD);
    let err = render(
        &up,
        "wrong",
        &url,
        access(&[wrong], Some(&server.ca_pem), None),
    )
    .expect_err("wrong password");
    assert!(matches!(err, SourceError::AccessDenied { .. }), "{err:?}");
    let text = shown(&err, &[PASSWORD, WRONG_PASSWORD]);
    assert!(text.contains("authentication required"), "{text}");
    assert!(
        text.contains("argocd/private-repo"),
        "names the Secret: {text}"
    );
    assert!(text.contains(&url), "names the repository: {text}");

    let err =
        render(&up, "none", &url, access(&[], Some(&server.ca_pem), None)).expect_err("no Secret");
    let text = shown(&err, &[PASSWORD]);
    assert!(
        text.contains("authentication required: no credentials"),
        "{text}"
    );
    // libgit2 gives up after one refused try per connection: a challenge
    // and a refusal for the wrong password, a challenge without one.
    let refused = server
        .requests()
        .iter()
        .filter(|r| r.ends_with(" 401"))
        .count();
    assert!(refused <= 4, "{refused} refused requests");

    // Corrected credentials take effect at the next render, not after the
    // retry delay of a failed repository (an hour's polling interval here).
    let right = || {
        access(
            &[basic_auth_secret("r", "repository", &url, PASSWORD)],
            Some(&server.ca_pem),
            None,
        )
    };
    let sources = Sources::with_access(
        up.cache.join("corrected"),
        Duration::from_secs(3600),
        right(),
    );
    render_with(&sources, &url, "", Refresh::Normal).expect("cloned");
    let wrong = basic_auth_secret("r", "repository", &url, WRONG_PASSWORD);
    sources.set_access(access(&[wrong], Some(&server.ca_pem), None));
    let err = render_with(&sources, &url, "", Refresh::Force).expect_err("wrong password");
    assert!(matches!(err, SourceError::AccessDenied { .. }), "{err:?}");
    sources.set_access(right());
    render_with(&sources, &url, "", Refresh::Normal).expect("corrected password");
}

#[test]
fn insecure_skips_certificate_verification() {
    let (up, head, _server, url) = guarded_upstream();
    let verified = basic_auth_secret("r", "repository", &url, PASSWORD);
    let err = render(
        &up,
        "verified",
        &url,
        access(std::slice::from_ref(&verified), None, None),
    )
    .expect_err("the test CA is not trusted");
    assert!(err.to_string().contains("certificate"), "{err}");

    let mut insecure = verified;
    insecure["data"]["insecure"] = STANDARD.encode("true").into();
    let got = render(&up, "insecure", &url, access(&[insecure], None, None));
    assert_eq!(got.expect("insecure repository"), head);
}

#[test]
fn ssh_private_key_checked_against_known_hosts() {
    let (up, head) = upstream();
    let sshd = Sshd::start();
    let url = sshd.url(&up.dir);
    let with_key = |key: &str, extra: &[(&str, &str)]| {
        let mut data = json!({"url": url, "sshPrivateKey": key});
        for (k, v) in extra {
            data[*k] = (*v).into();
        }
        secret("ssh-repo", "repository", data)
    };
    let known = Some(sshd.known_hosts_line.as_str());

    let got = render(
        &up,
        "ssh",
        &url,
        access(&[with_key(&sshd.user_key, &[])], None, known),
    );
    assert_eq!(
        got.expect("cloned over ssh").as_str(),
        head,
        "{}",
        sshd.log()
    );

    // A cache clone of its own lists the remote's refs over ssh.
    let (cache, remote) = (up.cache.join("direct"), url.clone());
    let auth = access(&[with_key(&sshd.user_key, &[])], None, known).auth_for(&url, None);
    let refs = bounded("ssh ls-remote", move || {
        GitRepo::open_or_clone_with(&remote, &cache, auth).and_then(|repo| repo.ls_remote())
    });
    let refs = refs.expect("ls-remote over ssh");
    assert!(
        refs.iter()
            .any(|(name, oid)| name == "refs/heads/main" && oid.to_string() == head),
        "{refs:?}"
    );

    let secrets_shown = [sshd.user_key.as_str(), sshd.other_key.as_str()];
    let err = render(
        &up,
        "unknown",
        &url,
        access(&[with_key(&sshd.user_key, &[])], None, None),
    )
    .expect_err("unknown host");
    let text = shown(&err, &secrets_shown);
    assert!(text.contains("knownhosts: key is unknown"), "{text}");

    let err = render(&up, "keyless", &url, access(&[], None, known)).expect_err("no key");
    let text = shown(&err, &secrets_shown);
    assert!(
        text.contains("authentication required: no credentials"),
        "{text}"
    );

    let ignore = with_key(&sshd.user_key, &[("insecureIgnoreHostKey", "true")]);
    let got = render(&up, "ignore", &url, access(&[ignore], None, None));
    assert_eq!(got.expect("host key check skipped"), head);

    let err = render(
        &up,
        "other",
        &url,
        access(&[with_key(&sshd.other_key, &[])], None, known),
    )
    .expect_err("key not authorized");
    let text = shown(&err, &secrets_shown);
    assert!(text.contains("authentication required"), "{text}");
    assert!(text.contains("argocd/ssh-repo"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_controller_uses_repository_secrets_and_never_shows_them() {
    let logs = Logs::capture();
    let env = Env::start().await;
    env.up.write("app/cm.yaml", &config_map_yaml("private"));
    env.up.commit("first");
    let server =
        HttpsGit::serve_with_basic_auth(env.up.dir.parent().expect("parent"), USER, PASSWORD);
    let url = server.url("upstream");
    env.trust_git_ca(&server.ca_pem).await;
    env.create(&basic_auth_secret(
        "private-repo",
        "repository",
        &url,
        WRONG_PASSWORD,
    ))
    .await;
    let mut app = env.application(
        "private",
        "app",
        json!({"automated": {}, "syncOptions": ["CreateNamespace=true"]}),
    );
    app["spec"]["source"]["repoURL"] = url.clone().into();
    env.create(&app).await;

    // The first render may come before the watch delivers the Secret: what
    // counts is the condition once it has.
    let refused = env
        .wait_for_app("authentication refused with the Secret", "private", |a| {
            comparison_errors(a)
                .iter()
                .any(|m| m.contains("authentication required") && m.contains("argocd/private-repo"))
        })
        .await;
    let message = &comparison_errors(&refused)[0];
    assert!(message.contains("authentication required"), "{message}");
    assert!(message.contains("argocd/private-repo"), "{message}");

    // The right password: read at the next repository poll, then deployed.
    let secret_ref = ObjectRef {
        gvk: Gvk::new("", "v1", "Secret"),
        namespace: ARGOCD.into(),
        name: "private-repo".into(),
    };
    env.patch(
        &secret_ref,
        json!({"data": {"password": STANDARD.encode(PASSWORD)}}),
    )
    .await;
    let synced = env
        .wait_for_app("Synced", "private", |a| {
            comparison_errors(a).is_empty() && summary(a).0 == "Synced"
        })
        .await;
    assert_eq!(synced["metadata"]["name"], "private");

    let events = env
        .cluster
        .list(&Gvk::new("", "v1", "Event"), Some(ARGOCD), "")
        .await
        .expect("events");
    assert!(
        events.iter().any(|e| e["reason"] == "ComparisonError"),
        "the refusal was an event too"
    );
    let app_now = env.app("private").await;

    // The API server renders the private repository too (its diff view).
    let cache = tempfile::tempdir().expect("tempdir");
    let api = server_support::Api::serve(&env, cache.path()).await;
    let managed = api
        .get("/api/v1/applications/private/managed-resources")
        .await;
    assert_eq!(managed.status, 200, "{:?}", managed.body);
    let target = managed.body["items"][0]["targetState"]
        .as_str()
        .unwrap_or_default();
    assert!(target.contains("private"), "{:?}", managed.body);
    drop(api);
    env.stop().await;
    let logs = logs.text();
    assert!(
        logs.contains("authentication required"),
        "the refusal was logged"
    );
    let everything = format!(
        "{refused}\n{app_now}\n{}\n{}\n{logs}",
        serde_json::to_string(&events).expect("events"),
        managed.body
    );
    for secret in [
        PASSWORD,
        WRONG_PASSWORD,
        &STANDARD.encode(PASSWORD),
        &STANDARD.encode(WRONG_PASSWORD),
    ] {
        assert!(!everything.contains(secret), "{secret} shown");
    }
}
