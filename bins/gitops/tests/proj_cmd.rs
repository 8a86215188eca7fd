//! `gitops proj …` against AppProjects in an API server emulator; tables in argocd's
//! layout (`cmd/argocd/commands/projects.go`, `projects_windows.go`).

mod app_support;

use app_support::{Env, stderr, stdout};
use serde_json::json;

fn trimmed(text: &str) -> Vec<String> {
    text.lines().map(|l| l.trim_end().to_owned()).collect()
}

/// Columns of a Go tabwriter table (padding 2) with the given widths.
fn columns(cells: &[&str], widths: &[usize]) -> String {
    let mut line = String::new();
    for (cell, width) in cells.iter().zip(widths) {
        line.push_str(&format!("{cell:<width$}"));
    }
    line.trim_end().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_add_list_and_get_a_project() {
    let env = Env::start().await;
    let out = env
        .gitops(&[
            "proj",
            "create",
            "team-a",
            "--description",
            "Team A",
            "--dest",
            "https://kubernetes.default.svc,team-a",
            "--src",
            "https://git.example.com/team-a/app.git",
        ])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let out = env
        .gitops(&[
            "proj",
            "add-destination",
            "team-a",
            "in-cluster",
            "team-a-*",
            "--name",
        ])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let again = env
        .gitops(&[
            "proj",
            "add-destination",
            "team-a",
            "in-cluster",
            "team-a-*",
            "--name",
        ])
        .await;
    assert_eq!(again.status.code(), Some(20));
    assert!(
        stderr(&again).contains("Specified destination is already defined in project"),
        "{}",
        stderr(&again)
    );
    let out = env
        .gitops(&[
            "proj",
            "add-source",
            "team-a",
            "https://git.example.com/team-a/more.git",
        ])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));

    let out = env.gitops(&["proj", "list"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let widths = [8, 13, 16, 9, 28, 30, 16, 20, 0];
    assert_eq!(
        trimmed(&stdout(&out)),
        vec![
            columns(
                &[
                    "NAME",
                    "DESCRIPTION",
                    "DESTINATIONS",
                    "SOURCES",
                    "CLUSTER-RESOURCE-WHITELIST",
                    "NAMESPACE-RESOURCE-BLACKLIST",
                    "SIGNATURE-KEYS",
                    "ORPHANED-RESOURCES",
                    "DESTINATION-SERVICE-ACCOUNTS",
                ],
                &widths
            ),
            columns(
                &[
                    "team-a",
                    "Team A",
                    "2 destinations",
                    "2 repos",
                    "<none>",
                    "<none>",
                    "<none>",
                    "disabled",
                    "<none>",
                ],
                &widths
            ),
        ]
    );
    let out = env.gitops(&["proj", "list", "-o", "name"]).await;
    assert_eq!(stdout(&out), "team-a\n");

    let out = env.gitops(&["proj", "get", "team-a"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let line = |label: &str, value: &str| format!("{label:<29}{value}").trim_end().to_owned();
    assert_eq!(
        trimmed(&stdout(&out)),
        vec![
            line("Name:", "team-a"),
            line("Description:", "Team A"),
            line("Destinations:", "https://kubernetes.default.svc,team-a"),
            // argocd prints server,namespace: a destination by name has no server.
            line("", ",team-a-*"),
            line("Repositories:", "https://git.example.com/team-a/app.git"),
            line("", "https://git.example.com/team-a/more.git"),
            line("Source Namespaces:", "<none>"),
            line("Scoped Repositories:", "<none>"),
            line("Allowed Cluster Resources:", "<none>"),
            line("Scoped Clusters:", "<none>"),
            line("Denied Namespaced Resources:", "<none>"),
            line("Signature keys:", "<none>"),
            line("Orphaned Resources:", "disabled"),
        ]
    );
    let out = env.gitops(&["proj", "get", "team-a", "-o", "json"]).await;
    let stored: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(
        stored["spec"]["destinations"],
        json!([
            {"server": "https://kubernetes.default.svc", "namespace": "team-a"},
            {"name": "in-cluster", "namespace": "team-a-*"},
        ])
    );

    let missing = env.gitops(&["proj", "get", "nope"]).await;
    assert_eq!(missing.status.code(), Some(20));
    assert!(stderr(&missing).contains("nope"), "{}", stderr(&missing));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn windows_list_shows_state_and_selectors() {
    let env = Env::start().await;
    env.create(json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": "shop", "namespace": "argocd"},
        "spec": {
            "sourceRepos": ["*"],
            "syncWindows": [
                {"kind": "allow", "schedule": "* * * * *", "duration": "1h", "applications": ["*"]},
                {"kind": "deny", "schedule": "0 0 29 2 *", "duration": "1m",
                 "namespaces": ["prod-*", "live"], "clusters": ["in-cluster"], "manualSync": true,
                 "timeZone": "Europe/Berlin"},
            ],
        },
    }))
    .await;
    let out = env.gitops(&["proj", "windows", "list", "shop"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let widths = [4, 10, 7, 12, 10, 14, 13, 12, 12, 15];
    let header = [
        "ID",
        "STATUS",
        "KIND",
        "SCHEDULE",
        "DURATION",
        "APPLICATIONS",
        "NAMESPACES",
        "CLUSTERS",
        "MANUALSYNC",
        "TIMEZONE",
    ];
    assert_eq!(
        trimmed(&stdout(&out)),
        vec![
            columns(&header, &widths),
            columns(
                &[
                    "0",
                    "Active",
                    "allow",
                    "* * * * *",
                    "1h",
                    "*",
                    "-",
                    "-",
                    "Disabled",
                    ""
                ],
                &widths
            ),
            columns(
                &[
                    "1",
                    "Inactive",
                    "deny",
                    "0 0 29 2 *",
                    "1m",
                    "-",
                    "prod-*,live",
                    "in-cluster",
                    "Enabled",
                    "Europe/Berlin",
                ],
                &widths
            ),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_from_a_file_and_upsert() {
    let env = Env::start().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("team-b.yaml");
    let manifest = |description: &str| {
        format!(
            "apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata:\n  name: team-b\n\
             spec:\n  description: {description}\n  sourceRepos: ['https://git.example.com/team-b/*']\n\
             \x20 destinations:\n  - server: https://kubernetes.default.svc\n    namespace: team-b\n"
        )
    };
    let path = file.to_str().unwrap();
    std::fs::write(&file, manifest("Team B")).unwrap();
    let out = env.gitops(&["proj", "create", "-f", path]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    // The same spec again: nothing to do.
    let out = env.gitops(&["proj", "create", "team-b", "-f", path]).await;
    assert!(out.status.success(), "{}", stderr(&out));

    std::fs::write(&file, manifest("Team B, renamed")).unwrap();
    let out = env.gitops(&["proj", "create", "-f", path]).await;
    fails_with(
        &out,
        "existing project spec is different; use upsert flag to force update",
    );
    let out = env
        .gitops(&["proj", "create", "-f", path, "--upsert"])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let out = env.gitops(&["proj", "get", "team-b", "-o", "json"]).await;
    let project: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(project["spec"]["description"], "Team B, renamed");
    assert_eq!(project["spec"]["destinations"][0]["namespace"], "team-b");

    let out = env.gitops(&["proj", "create", "team-c", "-f", path]).await;
    fails_with(
        &out,
        "project name 'team-c' does not match project spec metadata.name 'team-b'",
    );
    let out = env.gitops(&["proj", "create"]).await;
    assert!(!out.status.success());
    // Argo CD's project checks run before anything is written.
    let out = env.gitops(&["proj", "create", "bad", "--src", "!*"]).await;
    fails_with(&out, "source repository has an invalid format, '!*'");
    let out = env.gitops(&["proj", "get", "bad", "-o", "json"]).await;
    assert_eq!(out.status.code(), Some(20), "not created");
}

/// Asserts the command failed with argocd's exit code and `message` on stderr.
fn fails_with(out: &std::process::Output, message: &str) {
    assert_eq!(out.status.code(), Some(20));
    assert!(stderr(out).contains(message), "{}", stderr(out));
}
