//! Change detection end to end: a new commit reaches the cluster through the
//! repository poll (not the app resync), and a Git server that goes down
//! (HTTPS, a custom CA) shows as a ComparisonError at the next refresh and
//! clears when it is back.

mod controller_support;
mod https_support;
mod source_support;

use std::time::Duration;

use controller_support::{
    ARGOCD, Env, app_ref, comparison_errors, config_map_yaml, settings_cm, summary,
};
use https_support::HttpsGit;
use serde_json::{Value, json};

fn automated() -> Value {
    json!({"automated": {"prune": true}, "syncOptions": ["CreateNamespace=true"]})
}

async fn request_refresh(env: &Env, name: &str) {
    env.patch(
        &app_ref(name),
        json!({"metadata": {"annotations": {"argocd.argoproj.io/refresh": "normal"}}}),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_commit_is_deployed_by_the_repository_poll() {
    // Resync far beyond the test: only the repository poll can notice.
    let env = Env::start_with(Duration::from_millis(100), |settings| {
        settings.resync = Duration::from_secs(3600);
        settings.repo_poll = Duration::from_millis(500);
    })
    .await;
    env.up.write("app/settings.yaml", &config_map_yaml("one"));
    env.up.commit("one");
    env.create(&env.application("polled", "app", automated()))
        .await;
    env.wait_for_object("first value live", "polled", &settings_cm(), |cm| {
        cm["data"]["value"] == "one"
    })
    .await;

    env.up.write("app/settings.yaml", &config_map_yaml("two"));
    let second = env.up.commit("two");
    env.wait_for_object("the new commit live", "polled", &settings_cm(), |cm| {
        cm["data"]["value"] == "two"
    })
    .await;
    env.wait_for_app("synced to the new commit", "polled", |a| {
        a["status"]["sync"]["revision"] == second.as_str()
    })
    .await;
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_git_server_down_is_a_comparison_error_until_it_is_back() {
    // Neither the resync nor the poll runs during the test: refreshes do.
    let env = Env::start_with(Duration::from_millis(100), |settings| {
        settings.resync = Duration::from_secs(3600);
        settings.repo_poll = Duration::from_secs(3600);
    })
    .await;
    env.up.write("app/settings.yaml", &config_map_yaml("one"));
    env.up.commit("one");
    let mut server = HttpsGit::serve(env.up.dir.parent().expect("parent"));
    let url = server.url("upstream");
    env.trust_git_ca(&server.ca_pem).await;
    let mut app = env.application("fragile", "app", automated());
    app["spec"]["source"]["repoURL"] = url.clone().into();
    env.create(&app).await;
    env.wait_for_app("Synced", "fragile", |a| summary(a).0 == "Synced")
        .await;

    server.stop();
    request_refresh(&env, "fragile").await;
    let app = env
        .wait_for_app("a ComparisonError", "fragile", |a| {
            !comparison_errors(a).is_empty()
        })
        .await;
    let message = &comparison_errors(&app)[0];
    assert!(message.contains(&url), "names the repository: {message}");
    assert!(
        message.to_lowercase().contains("connect"),
        "says why: {message}"
    );
    assert_eq!(summary(&app).0, "Unknown");

    server.restart();
    request_refresh(&env, "fragile").await;
    let app = env
        .wait_for_app("the error cleared", "fragile", |a| {
            comparison_errors(a).is_empty() && summary(a).0 == "Synced"
        })
        .await;
    assert_eq!(app["metadata"]["namespace"], ARGOCD);
    env.stop().await;
}
