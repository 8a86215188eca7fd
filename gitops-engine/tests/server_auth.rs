//! Login and RBAC of the API server with Argo CD's configuration: local accounts in
//! `argocd-cm`, bcrypt passwords in `argocd-secret`, policies in `argocd-rbac-cm`.

mod controller_support;
mod server_support;
mod source_support;

use std::time::Duration;

use base64::Engine;
use controller_support::{ARGOCD, Env};
use gitops_engine::cluster::{Cluster, Gvk, ObjectRef, WriteOptions};
use gitops_engine::server::auth::accounts::hash_password;
use serde_json::{Value, json};
use server_support::Api;

const PASSWORD: &str = "correct-horse-1";

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// Accounts `viewer` (readonly), `alice` (project team-a only), `off` (disabled),
/// `robot` (API keys only), all with [`PASSWORD`]; apps `app-a` (team-a) and `app-b`
/// (team-b); `extra` goes into `argocd-cm`.
async fn configure(env: &Env, extra: Value) {
    let mut cm = json!({
        "accounts.viewer": "login",
        "accounts.alice": "login",
        "accounts.off": "login",
        "accounts.off.enabled": "false",
        "accounts.robot": "apiKey",
    });
    for (k, v) in extra.as_object().into_iter().flatten() {
        cm[k] = v.clone();
    }
    env.create(&json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "argocd-cm", "namespace": ARGOCD},
        "data": cm,
    }))
    .await;
    env.create(&json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "argocd-rbac-cm", "namespace": ARGOCD},
        "data": {"policy.csv": "g, viewer, role:readonly\n\
            p, role:team-a, applications, *, team-a/*, allow\n\
            g, alice, role:team-a\n"},
    }))
    .await;
    let hash = hash_password(PASSWORD).expect("hash");
    let mut data = serde_json::Map::new();
    for user in ["viewer", "alice", "off", "robot"] {
        data.insert(format!("accounts.{user}.password"), b64(&hash).into());
    }
    env.patch(
        &ObjectRef {
            gvk: Gvk::new("", "v1", "Secret"),
            namespace: ARGOCD.into(),
            name: "argocd-secret".into(),
        },
        json!({"data": data}),
    )
    .await;
    for (name, project) in [("app-a", "team-a"), ("app-b", "team-b")] {
        let mut app = env.application(name, "app", json!({}));
        app["spec"]["project"] = project.into();
        env.create(&app).await;
    }
}

async fn start(extra: Value) -> (Env, tempfile::TempDir, Api) {
    let env = Env::start().await;
    let cache = tempfile::tempdir().expect("cache");
    let api = Api::serve(&env, cache.path()).await;
    configure(&env, extra).await;
    (env, cache, api)
}

fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| a["metadata"]["name"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readonly_account_sees_but_cannot_sync_or_delete() {
    let (env, _cache, api) = start(json!({})).await;
    let viewer = api.login("viewer", PASSWORD).await;
    let list = api.get_as(Some(&viewer), "/api/v1/applications").await;
    assert_eq!(names(&list.body), ["app-a", "app-b"]);
    let sync = api
        .post_as(Some(&viewer), "/api/v1/applications/app-a/sync", json!({}))
        .await;
    assert_eq!(sync.status, 403, "{:?}", sync.body);
    let message = sync.body["message"].as_str().unwrap();
    assert!(
        message
            .starts_with("permission denied: applications, sync, team-a/app-a, sub: viewer, iat: "),
        "{message}"
    );
    let delete = api
        .delete_as(Some(&viewer), "/api/v1/applications/app-a")
        .await;
    assert_eq!(delete.status, 403, "{:?}", delete.body);
    assert!(
        delete.body["message"]
            .as_str()
            .unwrap()
            .starts_with("permission denied: applications, delete, team-a/app-a, sub: viewer")
    );
    let rollback = api
        .post_as(
            Some(&viewer),
            "/api/v1/applications/app-a/rollback",
            json!({"id": 0}),
        )
        .await;
    assert_eq!(rollback.status, 403);
    let app = env.app("app-a").await;
    assert!(app["operation"].is_null() && app["metadata"]["deletionTimestamp"].is_null());
    // The admin may.
    let admin_sync = api.post("/api/v1/applications/app-a/sync", json!({})).await;
    assert_eq!(admin_sync.status, 200, "{:?}", admin_sync.body);
    assert_eq!(
        admin_sync.body["operation"]["initiatedBy"]["username"],
        "admin"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn project_account_sees_only_its_project_in_list_get_and_stream() {
    let (env, _cache, api) = start(json!({})).await;
    let alice = api.login("alice", PASSWORD).await;
    let list = api.get_as(Some(&alice), "/api/v1/applications").await;
    assert_eq!(names(&list.body), ["app-a"]);
    let hidden = api.get_as(Some(&alice), "/api/v1/applications/app-b").await;
    assert_eq!(
        (hidden.status, &hidden.body["message"]),
        (403, &json!("permission denied"))
    );
    for sub in ["resource-tree", "managed-resources", "events"] {
        let hidden = api
            .get_as(Some(&alice), &format!("/api/v1/applications/app-b/{sub}"))
            .await;
        assert_eq!(hidden.status, 403, "{sub}");
    }
    let own = api.get_as(Some(&alice), "/api/v1/applications/app-a").await;
    assert_eq!(own.status, 200);

    let mut stream = api.stream_as(Some(&alice), "").await;
    assert_eq!(stream.status, 200);
    let first = stream.next(Duration::from_secs(10)).await.expect("first");
    assert_eq!(first["result"]["application"]["metadata"]["name"], "app-a");
    // A change of app-b, then one of app-a: only app-a's reaches alice.
    for name in ["app-b", "app-a"] {
        env.patch(
            &controller_support::app_ref(name),
            json!({"metadata": {"labels": {"touched": "yes"}}}),
        )
        .await;
    }
    let next = stream
        .next_matching(Duration::from_secs(10), |m| {
            m["result"]["application"]["metadata"]["labels"]["touched"] == "yes"
        })
        .await
        .expect("the change of app-a");
    assert_eq!(next["result"]["application"]["metadata"]["name"], "app-a");
    // Anonymous streams are refused.
    let anonymous = api.stream_as(None, "").await;
    assert_eq!(anonymous.status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_errors_rate_limit_logout_and_expiry() {
    let (env, _cache, api) = start(json!({"users.session.duration": "3s"})).await;
    let login = |user: &'static str, password: &'static str| {
        let api = &api;
        async move {
            api.post_as(
                None,
                "/api/v1/session",
                json!({"username": user, "password": password}),
            )
            .await
        }
    };
    let cases = [
        ("viewer", "wrong", 401, "Invalid username or password"),
        ("nobody", "wrong", 401, "Invalid username or password"),
        ("viewer", "", 401, "Blank passwords are not allowed"),
        ("", "x", 401, "no credentials supplied"),
        (
            "a-user-name-longer-than-32-bytes-x",
            "x",
            400,
            "Username is too long (32 bytes max)",
        ),
        ("off", PASSWORD, 401, "Account off is disabled"),
        (
            "robot",
            PASSWORD,
            401,
            "Account robot does not have login capability",
        ),
    ];
    for (user, password, status, message) in cases {
        let answer = login(user, password).await;
        assert_eq!(
            (answer.status, answer.body["message"].as_str().unwrap_or("")),
            (status, message),
            "login of {user:?}"
        );
    }
    // No token, or a forged one.
    let anonymous = api.get_as(None, "/api/v1/applications").await;
    assert_eq!(anonymous.status, 401);
    let forged = api.get_as(Some("a.b.c"), "/api/v1/applications").await;
    assert_eq!(forged.status, 401);
    let info = api.get_as(None, "/api/v1/session/userinfo").await;
    assert_eq!(info.body, json!({"loggedIn": false}));

    // Userinfo, logout (the token is revoked).
    let token = api.login("viewer", PASSWORD).await;
    let info = api.get_as(Some(&token), "/api/v1/session/userinfo").await;
    assert_eq!(info.body["loggedIn"], true);
    assert_eq!(info.body["username"], "viewer");
    let out = api.delete_as(Some(&token), "/api/v1/session").await;
    assert_eq!(out.status, 200);
    let revoked = api.get_as(Some(&token), "/api/v1/applications").await;
    assert_eq!(revoked.status, 401);
    assert!(
        revoked.body["message"]
            .as_str()
            .unwrap()
            .contains("token is revoked, please re-login")
    );

    // Expiry (users.session.duration 3s).
    let token = api.login("viewer", PASSWORD).await;
    assert_eq!(
        api.get_as(Some(&token), "/api/v1/applications")
            .await
            .status,
        200
    );
    tokio::time::sleep(Duration::from_secs(4)).await;
    let expired = api.get_as(Some(&token), "/api/v1/applications").await;
    assert_eq!(expired.status, 401, "{:?}", expired.body);

    // Rate limit: after 5 failures even the right password is refused; others log in.
    for _ in 0..5 {
        assert_eq!(login("alice", "wrong").await.status, 401);
    }
    let refused = login("alice", PASSWORD).await;
    assert_eq!(
        (refused.status, refused.body["message"].as_str().unwrap()),
        (401, "Invalid username or password")
    );
    assert_eq!(login("viewer", PASSWORD).await.status, 200);

    // A changed password invalidates earlier sessions.
    let token = api.login("viewer", PASSWORD).await;
    let later = jiff::Timestamp::now().as_second() + 5;
    let mtime = jiff::Timestamp::from_second(later).unwrap().to_string();
    env.cluster
        .merge_patch(
            &ObjectRef {
                gvk: Gvk::new("", "v1", "Secret"),
                namespace: ARGOCD.into(),
                name: "argocd-secret".into(),
            },
            &json!({"data": {"accounts.viewer.passwordMtime": b64(&mtime)}}),
            WriteOptions::default(),
        )
        .await
        .expect("patch");
    let stale = api.get_as(Some(&token), "/api/v1/applications").await;
    assert_eq!(stale.status, 401);
    assert!(
        stale.body["message"]
            .as_str()
            .unwrap()
            .contains("account password has changed since token issued")
    );
}
