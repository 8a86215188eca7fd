//! `gitops app rollback` against an API server emulator with a stand-in controller.

mod app_support;

use app_support::{Env, Outcome, answer_one_operation, spec, stderr, stdout};
use serde_json::{Value, json};

fn history() -> Value {
    let source = |rev: &str| json!({"repoURL": "https://example.com/r.git", "path": "apps/web", "targetRevision": rev});
    json!([
        {"id": 3, "revision": "1111111aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "deployedAt": "2026-03-01T10:00:00Z", "source": source("v1")},
        {"id": 4, "revision": "2222222bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "deployedAt": "2026-03-02T10:00:00Z", "source": source("v2")}
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_is_refused_while_automated_sync_is_on() {
    let env = Env::start().await;
    let mut auto = spec("https://example.com/r.git", "apps/web", "v2");
    auto["syncPolicy"] = json!({"automated": {"prune": true}});
    env.create_app("web", auto, json!({"history": history()}))
        .await;
    let out = env.gitops(&["app", "rollback", "web", "3"]).await;
    assert_eq!(out.status.code(), Some(20));
    assert!(
        stderr(&out).contains("rollback cannot be initiated when auto-sync is enabled"),
        "{}",
        stderr(&out)
    );
    assert!(env.app("web").await["operation"].is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_defaults_to_the_previous_deployment_and_waits() {
    let env = Env::start().await;
    env.create_app(
        "web",
        spec("https://example.com/r.git", "apps/web", "v2"),
        json!({"history": history()}),
    )
    .await;
    let outcome = Outcome {
        phase: "Succeeded",
        message: "successfully synced (all tasks run)",
        revision: "1111111aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        resources: json!([]),
        status_resources: json!([]),
        sync_status: "OutOfSync",
        health: "Healthy",
    };
    let (out, operation) = tokio::join!(
        env.gitops(&["app", "rollback", "web", "--prune", "--timeout", "30"]),
        answer_one_operation(&env, "web", outcome)
    );
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    assert_eq!(
        operation["sync"]["revision"],
        "1111111aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    );
    assert_eq!(operation["sync"]["source"]["targetRevision"], "v1");
    assert_eq!(operation["sync"]["prune"], true);
    assert_eq!(operation["sync"]["syncStrategy"], json!({"apply": {}}));
    assert_eq!(operation["initiatedBy"]["username"], "tester");
    assert!(stdout(&out).contains("Phase:              Succeeded"));

    let unknown = env.gitops(&["app", "rollback", "web", "99"]).await;
    assert_eq!(unknown.status.code(), Some(20));
    assert!(
        stderr(&unknown).contains("does not have deployment with id 99"),
        "{}",
        stderr(&unknown)
    );
}
