//! `gitops app list` and `gitops app get` against Applications in an API server emulator.

mod app_support;

use app_support::{Env, spec, stderr, stdout};
use serde_json::json;

async fn three_apps(env: &Env) {
    env.create_app(
        "alpha",
        spec("https://example.com/r.git", "apps/alpha", "HEAD"),
        json!({
            "sync": {"status": "Synced", "revision": "abcdef1234567890abcdef1234567890abcdef12"},
            "health": {"status": "Healthy"},
            "resources": [
                {"group": "apps", "version": "v1", "kind": "Deployment", "namespace": "guestbook", "name": "web", "status": "Synced", "health": {"status": "Healthy"}},
                {"version": "v1", "kind": "Service", "namespace": "guestbook", "name": "web", "status": "OutOfSync", "health": {"status": "Healthy"}}
            ]
        }),
    )
    .await;
    let mut beta = spec("https://example.com/r.git", "apps/beta", "main");
    beta["project"] = json!("team");
    beta["syncPolicy"] = json!({"automated": {"prune": true}});
    env.create_app(
        "beta",
        beta,
        json!({
            "sync": {"status": "OutOfSync"},
            "health": {"status": "Progressing"},
            "conditions": [
                {"type": "SyncError", "message": "one", "lastTransitionTime": "2026-01-02T03:04:05Z"},
                {"type": "SyncError", "message": "two", "lastTransitionTime": "2026-01-02T03:04:06Z"},
                {"type": "ComparisonError", "message": "cannot render", "lastTransitionTime": "2026-01-02T03:04:07Z"}
            ]
        }),
    )
    .await;
    let mut gamma = spec("https://example.com/r.git", "apps/gamma", "v1");
    gamma["destination"] = json!({"name": "in-cluster", "namespace": "guestbook"});
    gamma["syncPolicy"] = json!({"automated": {}});
    env.create_app("gamma", gamma, json!({})).await;
}

fn trimmed(text: &str) -> Vec<String> {
    text.lines().map(|l| l.trim_end().to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_shows_argocd_columns_and_sync_policies() {
    let env = Env::start().await;
    three_apps(&env).await;
    let out = env.gitops(&["app", "list"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let row = |c: [&str; 11]| {
        format!(
            "{:<7}{:<32}{:<11}{:<9}{:<11}{:<13}{:<12}{:<30}{:<27}{:<12}{}",
            c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10]
        )
        .trim_end()
        .to_owned()
    };
    let expected = vec![
        row([
            "NAME",
            "CLUSTER",
            "NAMESPACE",
            "PROJECT",
            "STATUS",
            "HEALTH",
            "SYNCPOLICY",
            "CONDITIONS",
            "REPO",
            "PATH",
            "TARGET",
        ]),
        row([
            "alpha",
            "https://kubernetes.default.svc",
            "guestbook",
            "default",
            "Synced",
            "Healthy",
            "Manual",
            "<none>",
            "https://example.com/r.git",
            "apps/alpha",
            "HEAD",
        ]),
        row([
            "beta",
            "https://kubernetes.default.svc",
            "guestbook",
            "team",
            "OutOfSync",
            "Progressing",
            "Auto-Prune",
            "ComparisonError,SyncError(2)",
            "https://example.com/r.git",
            "apps/beta",
            "main",
        ]),
        row([
            "gamma",
            "in-cluster",
            "guestbook",
            "default",
            "Unknown",
            "",
            "Auto",
            "<none>",
            "https://example.com/r.git",
            "apps/gamma",
            "v1",
        ]),
    ];
    assert_eq!(trimmed(&stdout(&out)), expected);

    let names = env
        .gitops(&["app", "list", "-o", "name", "-p", "default"])
        .await;
    assert_eq!(stdout(&names), "alpha\ngamma\n");

    let json_out = env
        .gitops(&["app", "list", "-o", "json", "-p", "team"])
        .await;
    let items: serde_json::Value = serde_json::from_slice(&json_out.stdout).expect("json list");
    assert_eq!(items.as_array().map(Vec::len), Some(1));
    assert_eq!(items[0]["metadata"]["name"], "beta");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_filters_by_label_selector() {
    let env = Env::start().await;
    three_apps(&env).await;
    env.patch_app("beta", json!({"metadata": {"labels": {"team": "x"}}}))
        .await;
    let out = env
        .gitops(&["app", "list", "-o", "name", "-l", "team=x"])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "beta\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_prints_summary_and_resource_table() {
    let env = Env::start().await;
    three_apps(&env).await;
    let out = env.gitops(&["app", "get", "alpha"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let expected = [
        "Name:               alpha",
        "Project:            default",
        "Server:             https://kubernetes.default.svc",
        "Namespace:          guestbook",
        "Source:",
        "- Repo:             https://example.com/r.git",
        "  Target:           HEAD",
        "  Path:             apps/alpha",
        "SyncWindow:         Sync Allowed",
        "Sync Policy:        Manual",
        "Sync Status:        Synced to HEAD (abcdef1)",
        "Health Status:      Healthy",
        "",
        "GROUP  KIND        NAMESPACE  NAME  STATUS     HEALTH   HOOK  MESSAGE",
        "       Service     guestbook  web   OutOfSync  Healthy",
        "apps   Deployment  guestbook  web   Synced     Healthy",
    ];
    assert_eq!(trimmed(&stdout(&out)), expected);

    let json_out = env.gitops(&["app", "get", "alpha", "-o", "json"]).await;
    let object: serde_json::Value = serde_json::from_slice(&json_out.stdout).expect("json");
    assert_eq!(object["spec"]["source"]["path"], "apps/alpha");
    let yaml_out = env.gitops(&["app", "get", "alpha", "-o", "yaml"]).await;
    assert!(
        stdout(&yaml_out).starts_with("apiVersion: argoproj.io/v1alpha1\n"),
        "{}",
        stdout(&yaml_out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_prints_conditions_and_policy_of_automated_app() {
    let env = Env::start().await;
    three_apps(&env).await;
    let out = env.gitops(&["app", "get", "beta"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = trimmed(&stdout(&out));
    assert!(text.contains(&"Sync Policy:        Automated (Prune)".to_owned()));
    assert!(text.contains(&"Sync Status:        OutOfSync from main".to_owned()));
    let conditions = [
        "CONDITION        MESSAGE        LAST TRANSITION",
        "SyncError        one            2026-01-02 03:04:05 +0000 UTC",
        "SyncError        two            2026-01-02 03:04:06 +0000 UTC",
        "ComparisonError  cannot render  2026-01-02 03:04:07 +0000 UTC",
    ];
    let start = text
        .iter()
        .position(|l| l.starts_with("CONDITION"))
        .expect("conditions table");
    assert_eq!(text[start - 1], "");
    assert_eq!(&text[start..start + 4], conditions);
}

/// The `SyncWindow:` line is the verdict of the windows the app's project assigns
/// to it (argocd's printAppSummaryTable: `Manual Allowed` / `Sync Denied` while a
/// window blocks), followed by `Assigned Windows:` (`kind:schedule:duration`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_shows_the_sync_window_verdict_of_the_project() {
    let env = Env::start().await;
    three_apps(&env).await;
    let project = |name: &str, manual_sync: bool| {
        json!({
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "AppProject",
            "metadata": {"name": name, "namespace": "argocd"},
            "spec": {
                "sourceRepos": ["*"],
                "destinations": [{"server": "*", "namespace": "*"}],
                "syncWindows": [
                    {"kind": "deny", "schedule": "* * * * *", "duration": "1h",
                     "applications": ["beta"], "manualSync": manual_sync},
                    {"kind": "deny", "schedule": "* * * * *", "duration": "1h",
                     "applications": ["other"]},
                ],
            },
        })
    };
    env.create(project("team", true)).await;
    let out = env.gitops(&["app", "get", "beta"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = trimmed(&stdout(&out));
    let at = text
        .iter()
        .position(|l| l.starts_with("SyncWindow:"))
        .expect("SyncWindow line");
    assert_eq!(
        &text[at..at + 3],
        [
            "SyncWindow:         Manual Allowed",
            "Assigned Windows:   deny:* * * * *:1h",
            "Sync Policy:        Automated (Prune)",
        ]
    );

    // Without manualSync the window blocks manual syncs too.
    env.create(project("strict", false)).await;
    env.patch_app("beta", json!({"spec": {"project": "strict"}}))
        .await;
    let out = env.gitops(&["app", "get", "beta"]).await;
    let text = trimmed(&stdout(&out));
    assert!(
        text.contains(&"SyncWindow:         Sync Denied".to_owned()),
        "{text:#?}"
    );
    // alpha's project (default, absent here) assigns no window.
    let out = env.gitops(&["app", "get", "alpha"]).await;
    let text = trimmed(&stdout(&out));
    assert!(text.contains(&"SyncWindow:         Sync Allowed".to_owned()));
    assert!(!text.iter().any(|l| l.starts_with("Assigned Windows:")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_of_unknown_app_fails_with_generic_exit_code() {
    let env = Env::start().await;
    let out = env.gitops(&["app", "get", "nope"]).await;
    assert_eq!(out.status.code(), Some(20));
    assert!(
        stderr(&out).contains("application 'nope' not found"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_refresh_sets_annotation_and_waits_for_the_controller() {
    let env = Env::start().await;
    three_apps(&env).await;
    let controller = async {
        loop {
            let app = env.app("alpha").await;
            if let Some(kind) =
                app["metadata"]["annotations"]["argocd.argoproj.io/refresh"].as_str()
            {
                let kind = kind.to_owned();
                tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                env.patch_app(
                    "alpha",
                    json!({"metadata": {"annotations": {"argocd.argoproj.io/refresh": null}},
                           "status": {"health": {"status": "Degraded"}}}),
                )
                .await;
                return kind;
            }
            tokio::time::sleep(std::time::Duration::from_millis(30)).await;
        }
    };
    let (out, kind) = tokio::join!(
        env.gitops(&["app", "get", "alpha", "--hard-refresh"]),
        controller
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(kind, "hard");
    assert!(
        stdout(&out).contains("Health Status:      Degraded"),
        "{}",
        stdout(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_namespace_flag_selects_where_applications_live() {
    let env = Env::start().await;
    env.create(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-apps"}}))
        .await;
    env.create(json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
        "metadata": {"name": "svc", "namespace": "team-apps"},
        "spec": spec("https://example.com/r.git", "apps/svc", "HEAD"),
    }))
    .await;
    let out = env
        .gitops(&["app", "list", "-N", "team-apps", "-o", "name"])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "team-apps/svc\n");
    let get = env
        .gitops(&["app", "get", "svc", "--app-namespace", "team-apps"])
        .await;
    assert!(
        stdout(&get).starts_with("Name:               team-apps/svc\n"),
        "{}",
        stdout(&get)
    );
    let default_ns = env.gitops(&["app", "get", "svc"]).await;
    assert_eq!(default_ns.status.code(), Some(20));
}
