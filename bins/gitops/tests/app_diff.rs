//! `gitops app diff`: desired state rendered from a Git repository (made with the git
//! CLI) or a local directory, live objects in an API server emulator.

mod app_support;

use std::path::Path;
use std::process::Command;

use app_support::{Env, spec, stderr, stdout};
use serde_json::{Value, json};

const KUSTOMIZATION: &str = "resources:\n- config.yaml\n- secret.yaml\n";
const CONFIG: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\ndata:\n  color: blue\n";
const SECRET: &str = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: web-secret\ntype: Opaque\ndata:\n  password: cGFzc3dvcmQ=\n";

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .status()
        .expect("git");
    assert!(status.success(), "git {args:?}");
}

/// A repository whose `main` holds `apps/web` (a kustomization of a ConfigMap and a Secret).
fn repo(root: &Path) -> String {
    let app = root.join("apps/web");
    std::fs::create_dir_all(&app).expect("mkdir");
    std::fs::write(app.join("kustomization.yaml"), KUSTOMIZATION).expect("write");
    std::fs::write(app.join("config.yaml"), CONFIG).expect("write");
    std::fs::write(app.join("secret.yaml"), SECRET).expect("write");
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "web"]);
    root.display().to_string()
}

fn tracking(kind: &str, name: &str) -> Value {
    json!({"argocd.argoproj.io/tracking-id": format!("web:/{kind}:guestbook/{name}")})
}

/// Live objects equal to what the repository declares, tracked by app `web`.
async fn live_in_sync(env: &Env) {
    env.create(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "guestbook"}}))
        .await;
    env.create(json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "web-config", "namespace": "guestbook", "annotations": tracking("ConfigMap", "web-config")},
        "data": {"color": "blue"}}))
    .await;
    env.create(json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": "web-secret", "namespace": "guestbook", "annotations": tracking("Secret", "web-secret")},
        "data": {"password": "cGFzc3dvcmQ="}}))
    .await;
}

async fn setup(env: &Env, root: &Path) {
    let url = repo(root);
    env.create_app("web", spec(&url, "apps/web", "main"), json!({}))
        .await;
    live_in_sync(env).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_differences_exit_0() {
    let env = Env::start().await;
    let root = tempfile::tempdir().expect("tempdir");
    setup(&env, root.path()).await;
    let out = env.gitops(&["app", "diff", "web"]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(stdout(&out), "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn differences_are_printed_per_object_with_secrets_masked() {
    let env = Env::start().await;
    let root = tempfile::tempdir().expect("tempdir");
    setup(&env, root.path()).await;
    let cm = json!({"data": {"color": "red"}});
    let secret = json!({"data": {"password": "c2VjcmV0"}});
    patch(&env, "configmaps", "web-config", cm).await;
    patch(&env, "secrets", "web-secret", secret).await;

    let out = env.gitops(&["app", "diff", "web"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    let config_header = text
        .find("\n===== /ConfigMap guestbook/web-config ======\n")
        .expect("ConfigMap header");
    let secret_header = text
        .find("\n===== /Secret guestbook/web-secret ======\n")
        .expect("Secret header");
    assert!(config_header < secret_header, "sorted by key:\n{text}");
    assert!(text.starts_with('\n'), "{text}");
    assert!(text.contains("-  color: red\n"), "{text}");
    assert!(text.contains("+  color: blue\n"), "{text}");
    assert!(
        !text.contains("c2VjcmV0") && !text.contains("cGFzc3dvcmQ="),
        "{text}"
    );
    assert!(text.contains("password: ++++++++"), "{text}");

    let custom = env
        .gitops(&["app", "diff", "web", "--diff-exit-code", "7"])
        .await;
    assert_eq!(custom.status.code(), Some(7));
    let quiet = env
        .gitops(&["app", "diff", "web", "--exit-code=false"])
        .await;
    assert_eq!(quiet.status.code(), Some(0));
    assert_eq!(stdout(&quiet), text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extraneous_tracked_objects_show_as_removed() {
    let env = Env::start().await;
    let root = tempfile::tempdir().expect("tempdir");
    setup(&env, root.path()).await;
    env.create(json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "leftover", "namespace": "guestbook", "annotations": tracking("ConfigMap", "leftover")},
        "data": {"old": "yes"}}))
    .await;
    env.create(json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "not-ours", "namespace": "guestbook"}, "data": {"x": "y"}}))
        .await;
    let out = env.gitops(&["app", "diff", "web"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("\n===== /ConfigMap guestbook/leftover ======\n"),
        "{text}"
    );
    assert!(text.contains("-  old: \"yes\"\n"), "{text}");
    assert!(!text.contains("not-ours"), "{text}");
    assert!(!text.contains("web-config"), "{text}");
}

/// As the controller does, the diff leaves out live objects the app's project forbids
/// (so they are never shown as to be pruned); an app whose project does not exist
/// cannot be compared.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_objects_the_project_forbids_are_left_out() {
    let env = Env::start().await;
    let root = tempfile::tempdir().expect("tempdir");
    let url = repo(root.path());
    env.create(json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": "team", "namespace": "argocd"},
        "spec": {
            "sourceRepos": ["*"],
            "destinations": [{"server": "*", "namespace": "*"}],
            "namespaceResourceBlacklist": [{"group": "", "kind": "Service"}],
        },
    }))
    .await;
    let mut web = spec(&url, "apps/web", "main");
    web["project"] = json!("team");
    env.create_app("web", web, json!({})).await;
    live_in_sync(&env).await;
    env.create(json!({"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "old", "namespace": "guestbook", "annotations": tracking("Service", "old")},
        "spec": {"ports": [{"port": 80}]}}))
    .await;
    env.create(json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "leftover", "namespace": "guestbook", "annotations": tracking("ConfigMap", "leftover")},
        "data": {"old": "yes"}}))
    .await;
    let out = env.gitops(&["app", "diff", "web"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("/ConfigMap guestbook/leftover"), "{text}");
    assert!(!text.contains("Service"), "{text}");

    let mut lost = spec(&url, "apps/web", "main");
    lost["project"] = json!("gone");
    env.create_app("lost", lost, json!({})).await;
    let out = env.gitops(&["app", "diff", "lost"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("Application referencing project gone which does not exist"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_directory_and_errors() {
    let env = Env::start().await;
    let root = tempfile::tempdir().expect("tempdir");
    setup(&env, root.path()).await;
    let local = root.path().join("apps/web");
    let same = env
        .gitops(&[
            "app",
            "diff",
            "web",
            "--local",
            &local.display().to_string(),
        ])
        .await;
    assert_eq!(same.status.code(), Some(0), "{}", stderr(&same));
    std::fs::write(local.join("config.yaml"), CONFIG.replace("blue", "green")).expect("write");
    let changed = env
        .gitops(&[
            "app",
            "diff",
            "web",
            "--local",
            &local.display().to_string(),
        ])
        .await;
    assert_eq!(changed.status.code(), Some(1), "{}", stderr(&changed));
    assert!(stdout(&changed).contains("+  color: green\n"));

    let missing = env.gitops(&["app", "diff", "nope"]).await;
    assert_eq!(missing.status.code(), Some(2));
    let bad_revision = env
        .gitops(&["app", "diff", "web", "--revision", "no-such-branch"])
        .await;
    assert_eq!(
        bad_revision.status.code(),
        Some(2),
        "{}",
        stderr(&bad_revision)
    );
}

async fn patch(env: &Env, plural: &str, name: &str, patch: Value) {
    use kube::api::{Api, ApiResource, DynamicObject, Patch, PatchParams};
    let kind = if plural == "secrets" {
        "Secret"
    } else {
        "ConfigMap"
    };
    let resource = ApiResource {
        group: String::new(),
        version: "v1".into(),
        api_version: "v1".into(),
        kind: kind.into(),
        plural: plural.into(),
    };
    let api: Api<DynamicObject> = Api::namespaced_with(env.client.clone(), "guestbook", &resource);
    api.patch(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .expect("patch");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kustomize_overrides_of_the_app_are_rendered() {
    let env = Env::start().await;
    let root = tempfile::tempdir().expect("tempdir");
    let url = repo(root.path());
    let mut prefixed = spec(&url, "apps/web", "main");
    prefixed["source"]["kustomize"] = json!({"namePrefix": "p-"});
    env.create_app("web", prefixed, json!({})).await;
    live_in_sync(&env).await;
    let out = env.gitops(&["app", "diff", "web"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    // The prefixed objects are missing (added lines only); the unprefixed live ones,
    // tracked by the app, are extraneous (removed lines only).
    let added = text
        .split("\n===== /ConfigMap guestbook/p-web-config ======\n")
        .nth(1)
        .expect("p-web-config section");
    assert!(added.contains("+  name: p-web-config\n"), "{text}");
    assert!(
        text.contains("\n===== /ConfigMap guestbook/web-config ======\n"),
        "{text}"
    );
    assert!(
        text.contains("\n===== /Secret guestbook/p-web-secret ======\n"),
        "{text}"
    );
}

/// A Helm chart source: `app diff` renders it with the app's Helm values and
/// release, as the controller does (it once rendered charts with their
/// default values only, so an app synced with `valuesObject` showed a diff).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn helm_values_of_the_app_are_rendered() {
    let env = Env::start().await;
    let root = tempfile::tempdir().expect("tempdir");
    let chart = root.path().join("charts/web");
    std::fs::create_dir_all(chart.join("templates")).expect("mkdir");
    std::fs::write(
        chart.join("Chart.yaml"),
        "apiVersion: v2\nname: web\nversion: 1.0.0\n",
    )
    .expect("write");
    std::fs::write(chart.join("values.yaml"), "color: blue\n").expect("write");
    std::fs::write(
        chart.join("templates/config.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-config\ndata:\n  color: {{ .Values.color }}\n",
    )
    .expect("write");
    git(root.path(), &["init", "-q", "-b", "main"]);
    git(root.path(), &["add", "."]);
    git(root.path(), &["commit", "-q", "-m", "chart"]);
    let mut helm = spec(&root.path().display().to_string(), "charts/web", "main");
    helm["source"]["helm"] = json!({"releaseName": "web", "valuesObject": {"color": "green"}});
    env.create_app("web", helm, json!({})).await;
    env.create(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "guestbook"}}))
        .await;
    env.create(json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "web-config", "namespace": "guestbook", "annotations": tracking("ConfigMap", "web-config")},
        "data": {"color": "green"}}))
    .await;
    let out = env.gitops(&["app", "diff", "web"]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
}
