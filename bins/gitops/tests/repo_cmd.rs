//! `gitops repo add|list|rm` against the repository Secrets of an API server
//! emulator, in the format Argo CD reads (`argocd.argoproj.io/secret-type:
//! repository`, base64 `data`); secrets are never printed.

mod app_support;

use app_support::{Env, NS, stderr, stdout};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use gitops_engine::cluster::{Cluster, Gvk, KubeCluster};
use gitops_engine::source::{RepoCredentials, repository_secret_name};
use serde_json::Value;

const PASSWORD: &str = "pw-cli-4471-secret";
const KEY: &str =
    "-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key-5521\n-----END OPENSSH PRIVATE KEY-----\n";

async fn repository_secrets(env: &Env) -> Vec<Value> {
    KubeCluster::new(env.client.clone())
        .list(
            &Gvk::new("", "v1", "Secret"),
            Some(NS),
            "argocd.argoproj.io/secret-type=repository",
        )
        .await
        .expect("list secrets")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_list_and_remove_repositories() {
    let env = Env::start().await;
    let https = "https://git.example.com/team/app.git";
    let add_https = |password: &'static str| {
        [
            "repo",
            "add",
            https,
            "--username",
            "bot",
            "--password",
            password,
            "--project",
            "team",
        ]
    };
    let out = env.gitops(&add_https(PASSWORD)).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), format!("Repository '{https}' added\n"));

    let key_file = env.dir.path().join("id_ed25519");
    std::fs::write(&key_file, KEY).expect("key file");
    let ssh = "git@git.example.com:team/infra.git";
    let out = env
        .gitops(&[
            "repo",
            "add",
            ssh,
            "--ssh-private-key-path",
            key_file.to_str().expect("path"),
            "--insecure-ignore-host-key",
        ])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));

    let secrets = repository_secrets(&env).await;
    assert_eq!(secrets.len(), 2);
    let secret = secrets
        .iter()
        .find(|s| s["metadata"]["name"] == repository_secret_name(https, "team"))
        .expect("named as Argo CD names it");
    assert_eq!(secret["data"]["password"], STANDARD.encode(PASSWORD));
    assert_eq!(
        secret["metadata"]["annotations"]["managed-by"],
        "argocd.argoproj.io"
    );
    let read = secrets
        .iter()
        .map(|s| RepoCredentials::from_secret(s).expect("readable"))
        .find(|c| c.url == ssh)
        .expect("ssh repository");
    assert_eq!(read.ssh_private_key, KEY);
    assert!(read.insecure_ignore_host_key);

    let out = env.gitops(&["repo", "list"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let table = stdout(&out);
    let lines: Vec<Vec<&str>> = table
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        lines[0],
        ["TYPE", "NAME", "REPO", "INSECURE", "CREDS", "PROJECT"]
    );
    assert!(
        lines.contains(&vec!["git", https, "false", "true", "team"]),
        "{table}"
    );
    assert!(
        lines.contains(&vec!["git", ssh, "false", "true"]),
        "{table}"
    );
    for format in ["json", "yaml", "wide", "url"] {
        let out = env.gitops(&["repo", "list", "-o", format]).await;
        let shown = stdout(&out);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(shown.contains(https), "{shown}");
        assert!(
            !shown.contains(PASSWORD) && !shown.contains("not-a-real-key"),
            "{format} shows a secret: {shown}"
        );
    }

    // The same spec again is fine; a different one needs --upsert.
    assert!(env.gitops(&add_https(PASSWORD)).await.status.success());
    let other = add_https("new");
    let refused = env.gitops(&other).await;
    assert_eq!(refused.status.code(), Some(20));
    assert!(
        stderr(&refused).contains("existing repository spec is different; use upsert flag"),
        "{}",
        stderr(&refused)
    );
    let mut upsert = other.to_vec();
    upsert.push("--upsert");
    assert!(env.gitops(&upsert).await.status.success());

    let out = env
        .gitops(&["repo", "rm", "https://GIT.example.com/team/app"])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let left = repository_secrets(&env).await;
    assert_eq!(left.len(), 1, "{left:?}");
    let missing = env.gitops(&["repo", "rm", https]).await;
    assert_eq!(missing.status.code(), Some(20));
    assert!(
        stderr(&missing).contains("not found"),
        "{}",
        stderr(&missing)
    );
}
