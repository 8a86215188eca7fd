//! `gitops app history` against an Application in an API server emulator.

mod app_support;

use app_support::{Env, spec, stderr, stdout};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_shows_ids_dates_and_revisions_per_source() {
    let env = Env::start().await;
    let source = json!({"repoURL": "https://example.com/r.git", "path": "apps/web", "targetRevision": "main"});
    env.create_app(
        "web",
        spec("https://example.com/r.git", "apps/web", "main"),
        json!({"history": [
            {"id": 0, "revision": "1111111aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "deployedAt": "2026-03-01T10:00:00Z", "source": source},
            {"id": 1, "revision": "2222222bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "deployedAt": "2026-03-02T11:30:05Z", "source": source},
            {"id": 12, "revision": "abc", "deployedAt": "2026-03-03T00:00:00Z", "source": source}
        ]}),
    )
    .await;
    let out = env.gitops(&["app", "history", "web"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "SOURCE  https://example.com/r.git\n\
         ID      DATE                           REVISION\n\
         0       2026-03-01 10:00:00 +0000 UTC  main (1111111)\n\
         1       2026-03-02 11:30:05 +0000 UTC  main (2222222)\n\
         12      2026-03-03 00:00:00 +0000 UTC  main\n"
    );
    let ids = env.gitops(&["app", "history", "web", "-o", "id"]).await;
    assert_eq!(stdout(&ids), "0\n1\n12\n");
}
