//! `gitops app sync` and `gitops app wait` against an API server emulator, with a test
//! task playing the controller.

mod app_support;

use app_support::{Env, Outcome, answer_one_operation, now, spec, stderr, stdout};
use serde_json::{Value, json};

const REVISION: &str = "0123456789abcdef0123456789abcdef01234567";

fn outcome(phase: &'static str, message: &'static str) -> Outcome {
    Outcome {
        phase,
        message,
        revision: REVISION,
        resources: json!([
            {"group": "apps", "version": "v1", "kind": "Deployment", "namespace": "guestbook", "name": "web",
             "status": if phase == "Succeeded" { "Synced" } else { "SyncFailed" },
             "message": if phase == "Succeeded" { "deployment.apps/web created" } else { "the server rejected it" },
             "hookPhase": if phase == "Succeeded" { "Running" } else { "Failed" }, "syncPhase": "Sync"}
        ]),
        status_resources: json!([
            {"group": "apps", "version": "v1", "kind": "Deployment", "namespace": "guestbook", "name": "web",
             "status": if phase == "Succeeded" { "Synced" } else { "OutOfSync" }, "health": {"status": "Healthy"}}
        ]),
        sync_status: if phase == "Succeeded" {
            "Synced"
        } else {
            "OutOfSync"
        },
        health: "Healthy",
    }
}

async fn out_of_sync_app(env: &Env) {
    env.create_app(
        "web",
        spec("https://example.com/r.git", "apps/web", "main"),
        json!({"sync": {"status": "OutOfSync", "revision": REVISION}, "health": {"status": "Missing"}}),
    )
    .await;
}

fn line_with<'a>(text: &'a str, key: &str) -> &'a str {
    text.lines()
        .find(|l| l.starts_with(key))
        .unwrap_or_else(|| panic!("no line {key:?} in:\n{text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_writes_the_operation_and_waits_for_its_result() {
    let env = Env::start().await;
    out_of_sync_app(&env).await;
    let (out, operation) = tokio::join!(
        env.gitops(&["app", "sync", "web", "--prune", "--timeout", "30"]),
        answer_one_operation(
            &env,
            "web",
            outcome("Succeeded", "successfully synced (all tasks run)")
        )
    );
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    assert_eq!(operation["initiatedBy"], json!({"username": "tester"}));
    assert_eq!(operation["sync"]["prune"], true);
    assert_eq!(operation["sync"]["syncStrategy"], json!({"hook": {}}));
    assert_eq!(
        operation["sync"]["source"],
        json!({"repoURL": "https://example.com/r.git", "path": "apps/web", "targetRevision": "main"})
    );
    let text = stdout(&out);
    let header = text.lines().next().expect("progress header");
    assert!(header.starts_with("TIMESTAMP  GROUP"), "{header}");
    assert!(header.ends_with("MESSAGE"), "{header}");
    assert_eq!(line_with(&text, "Operation:"), "Operation:          Sync");
    assert_eq!(
        line_with(&text, "Sync Revision:"),
        format!("Sync Revision:      {REVISION}")
    );
    assert_eq!(line_with(&text, "Phase:"), "Phase:              Succeeded");
    assert!(line_with(&text, "Start:").ends_with("+0000 UTC"));
    assert!(line_with(&text, "Duration:").starts_with("Duration:           "));
    assert_eq!(
        line_with(&text, "Message:"),
        "Message:            successfully synced (all tasks run)"
    );
    assert_eq!(
        line_with(&text, "Sync Status:"),
        "Sync Status:        Synced to main (0123456)"
    );
    let row: Vec<&str> = line_with(&text, "apps ").split_whitespace().collect();
    assert_eq!(
        row,
        [
            "apps",
            "Deployment",
            "guestbook",
            "web",
            "Synced",
            "Healthy",
            "deployment.apps/web",
            "created"
        ]
    );
    // The controller took the operation over; the CLI left nothing behind.
    assert!(env.app("web").await["operation"].is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_exits_20_when_the_operation_fails() {
    let env = Env::start().await;
    out_of_sync_app(&env).await;
    let (out, _) = tokio::join!(
        env.gitops(&[
            "app",
            "sync",
            "web",
            "--strategy",
            "apply",
            "--timeout",
            "30"
        ]),
        answer_one_operation(
            &env,
            "web",
            outcome("Failed", "one or more objects failed to apply")
        )
    );
    assert_eq!(out.status.code(), Some(20), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("Operation has completed with phase: Failed"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        line_with(&stdout(&out), "Phase:"),
        "Phase:              Failed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_refuses_while_an_operation_is_requested() {
    let env = Env::start().await;
    out_of_sync_app(&env).await;
    let pending = json!({"sync": {"revision": "main"}, "initiatedBy": {"username": "someone"}});
    env.patch_app("web", json!({"operation": pending})).await;
    let out = env.gitops(&["app", "sync", "web"]).await;
    assert_eq!(out.status.code(), Some(20));
    assert!(stderr(&out).contains("another operation is already in progress"));
    assert_eq!(env.app("web").await["operation"], pending);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_sync_only_writes_the_operation() {
    let env = Env::start().await;
    out_of_sync_app(&env).await;
    let out = env
        .gitops(&[
            "app",
            "sync",
            "web",
            "--async",
            "--dry-run",
            "--revision",
            "v2",
        ])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let operation: Value = env.app("web").await["operation"].clone();
    assert_eq!(operation["sync"]["revision"], "v2");
    assert_eq!(operation["sync"]["dryRun"], true);

    // A resource filter that names none of the app's resources is refused.
    env.patch_app("web", json!({"operation": null})).await;
    let out = env
        .gitops(&["app", "sync", "web", "--resource", "apps:Deployment:other"])
        .await;
    assert_eq!(out.status.code(), Some(20));
    assert!(stderr(&out).contains("No matching app resources found for resource filter"));
    assert!(env.app("web").await["operation"].is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_times_out_with_argocd_message_and_exit_code() {
    let env = Env::start().await;
    out_of_sync_app(&env).await;
    let out = env.gitops(&["app", "wait", "web", "--timeout", "1"]).await;
    assert_eq!(out.status.code(), Some(20));
    assert!(
        stderr(&out).contains("timed out (1s) waiting for app \"web\""),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).contains("This is the state of the app after wait timed out:"));
    assert!(stdout(&out).contains("Sync Status:        OutOfSync from main (0123456)"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_returns_once_synced_healthy_and_reconciled() {
    let env = Env::start().await;
    out_of_sync_app(&env).await;
    let settle = async {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        env.patch_app(
            "web",
            json!({"status": {"sync": {"status": "Synced"}, "health": {"status": "Healthy"}, "reconciledAt": now()}}),
        )
        .await;
    };
    let (out, ()) = tokio::join!(
        env.gitops(&["app", "wait", "web", "--timeout", "20"]),
        settle
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("Health Status:      Healthy"));
    let health_only = env
        .gitops(&["app", "wait", "web", "--health", "--timeout", "5"])
        .await;
    assert!(health_only.status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_fails_when_resources_still_require_pruning() {
    let env = Env::start().await;
    out_of_sync_app(&env).await;
    let mut leftover = outcome("Succeeded", "successfully synced (all tasks run)");
    leftover.resources = json!([
        {"version": "v1", "kind": "ConfigMap", "namespace": "guestbook", "name": "old",
         "status": "PruneSkipped", "message": "ignored (requires pruning)", "hookPhase": "Succeeded", "syncPhase": "Sync"}
    ]);
    leftover.sync_status = "OutOfSync";
    let (out, _) = tokio::join!(
        env.gitops(&["app", "sync", "web", "--timeout", "30"]),
        answer_one_operation(&env, "web", leftover)
    );
    assert_eq!(out.status.code(), Some(20), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("1 resources require pruning"),
        "{}",
        stderr(&out)
    );
}
