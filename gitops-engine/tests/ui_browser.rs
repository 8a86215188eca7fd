//! The web UI in real headless Chromium against the API server, the
//! controller and the API server emulator: what an operator does in Argo CD's
//! UI, end to end. Screenshots land in `target/ui-screenshots/`.

mod browser_support;
mod controller_support;
#[path = "../../apiserver-emulator/tests/kubectl_support/mod.rs"]
mod kubectl_support;
mod server_support;
mod source_support;

use browser_support::Browser;
use controller_support::{Env, settings_cm, summary};
use serde_json::json;
use server_support::{Api, admin_password};
use tempfile::TempDir;

/// A script returning whether the tile of `app` shows `health` and `sync`.
fn tile_shows(app: &str, health: &str, sync: &str) -> String {
    format!(
        "const t = document.querySelector('[data-app={app}]'); \
         return t !== null && t.querySelector('[data-health={health}]') !== null \
           && t.querySelector('[data-sync={sync}]') !== null;"
    )
}

/// A script returning whether the application page shows `health` and `sync`.
fn page_shows(health: &str, sync: &str) -> String {
    format!(
        "const s = document.querySelector('#app-status'); \
         return s !== null && s.querySelector('[data-health={health}]') !== null \
           && s.querySelector('[data-sync={sync}]') !== null;"
    )
}

/// A script returning whether the open diff turns the live `value: <live>`
/// into the desired `value: <desired>`.
fn diff_shows(live: &str, desired: &str) -> String {
    format!(
        "const d = document.querySelector('#diff'); \
         const has = (cls, text) => [...d.querySelectorAll(cls)].some(l => l.textContent.includes(text)); \
         return d !== null && has('.del', 'value: {live}') && has('.add', 'value: {desired}');"
    )
}

/// A script returning whether the history table has `rows` rows.
fn history_rows(rows: usize) -> String {
    format!("return document.querySelectorAll('#history tbody tr').length === {rows};")
}

/// Waits until the `settings` ConfigMap's live value is `value`.
async fn wait_for_value(env: &Env, value: &str) {
    env.wait_for_object(
        &format!("settings value {value:?} live"),
        "guestbook",
        &settings_cm(),
        |cm| cm["data"]["value"] == value,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_journey() {
    assert!(
        kubectl_support::kubectl_installed(),
        "the browser test edits the cluster with kubectl, which is not installed"
    );
    let env = Env::start().await;
    let first = env.commit_web_app("one");
    let cache = TempDir::new().expect("repo cache");
    let api = Api::serve(&env, cache.path()).await;
    let browser = Browser::start("operator_journey").await;

    // Log in: the list is empty until the Application appears, live.
    browser.goto(&api.base).await;
    browser.type_into("#username", "admin").await;
    browser
        .type_into("#password", &admin_password(&env).await)
        .await;
    browser.click("form.login button[type=submit]").await;
    browser
        .wait_for_text("#list-summary", "0 of 0 applications")
        .await;
    let offline = browser
        .wait_for_js(
            "the page's resources",
            "return performance.getEntriesByType('resource').map(e => e.name);",
        )
        .await;
    let origin = format!("{}/", api.base);
    for url in offline.as_array().expect("resource list") {
        let url = url.as_str().expect("url");
        assert!(
            url.starts_with(&origin),
            "the UI fetched {url} from elsewhere"
        );
    }
    env.create(&env.application(
        "guestbook",
        "app",
        json!({"syncOptions": ["CreateNamespace=true"]}),
    ))
    .await;
    browser
        .wait_for_js(
            "the new tile, OutOfSync and Missing",
            &tile_shows("guestbook", "Missing", "OutOfSync"),
        )
        .await;
    browser.screenshot("01-list-out-of-sync").await;

    // A pipeline syncs it through the REST API; the tile follows, no reload.
    let answer = api
        .post(
            "/api/v1/applications/guestbook/sync",
            json!({"revision": "main"}),
        )
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    browser
        .wait_for_js(
            "the tile Synced and Healthy",
            &tile_shows("guestbook", "Healthy", "Synced"),
        )
        .await;
    browser.screenshot("02-list-synced-healthy").await;

    // Filters: search, health.
    browser.type_into("#filter-search", "zzz").await;
    browser
        .wait_for_text("#list-summary", "0 of 1 applications")
        .await;
    browser.type_into("#filter-search", "guest").await;
    browser
        .wait_for_text("#list-summary", "1 of 1 applications")
        .await;
    browser
        .find("#filter-health")
        .await
        .select_by_value("Degraded")
        .await
        .expect("select");
    browser
        .wait_for_text("#list-summary", "0 of 1 applications")
        .await;
    browser
        .find("#filter-health")
        .await
        .select_by_value("Healthy")
        .await
        .expect("select");
    browser
        .wait_for_text("#list-summary", "1 of 1 applications")
        .await;

    // The application page: Application -> Deployment -> ReplicaSet -> Pods.
    browser.click("[data-app=guestbook] h2 a").await;
    browser
        .wait_for_js(
            "the tree down to the Pods",
            "const t = document.querySelector('#resource-tree'); \
             return t !== null && t.querySelectorAll('[data-kind=Pod]').length === 2 \
               && t.querySelector('[data-kind=ReplicaSet]') !== null \
               && t.querySelector('[data-kind=Deployment][data-name=web]') !== null \
               && t.querySelector('[data-kind=ConfigMap][data-name=settings]') !== null;",
        )
        .await;
    browser
        .wait_for_js("the history of one deployment", &history_rows(1))
        .await;
    browser.screenshot("03-tree").await;
    browser.click("#resource-tree [data-kind=Pod]").await;
    browser.click("#tab-live").await;
    browser
        .wait_for_text("#resource-panel pre.manifest", "kind: Pod")
        .await;

    // A manual edit with kubectl: the app goes OutOfSync live, the diff shows it.
    let kube_dir = TempDir::new().expect("kubectl dir");
    let (ok, _, stderr) = kubectl_support::kubectl(
        &env.api_url(),
        kube_dir.path(),
        &[
            "patch",
            "configmap",
            "settings",
            "-n",
            "demo",
            "--type=merge",
            "-p",
            r#"{"data":{"value":"edited"}}"#,
        ],
    )
    .await;
    assert!(ok, "kubectl patch: {stderr}");
    browser
        .wait_for_js(
            "the app OutOfSync after the edit",
            &page_shows("Healthy", "OutOfSync"),
        )
        .await;
    browser
        .click("#resource-tree [data-kind=ConfigMap][data-name=settings]")
        .await;
    browser.click("#tab-diff").await;
    browser
        .wait_for_js("the diff of the edited value", &diff_shows("edited", "one"))
        .await;
    browser.screenshot("04-diff").await;

    // A new commit, then Sync from the dialog (with prune): it converges.
    let second = env.commit_web_app("two");
    browser.click("#refresh-button").await;
    browser.click("#sync-button").await;
    browser.click("#sync-prune").await;
    browser.screenshot("05-sync-dialog").await;
    browser.click("dialog form button[type=submit]").await;
    wait_for_value(&env, "two").await;
    browser
        .wait_for_js(
            "Synced and Healthy after the sync",
            &page_shows("Healthy", "Synced"),
        )
        .await;
    browser
        .wait_for_js("two deployments in the history", &history_rows(2))
        .await;
    let app = env.app("guestbook").await;
    assert_eq!(app["status"]["sync"]["revision"], second.as_str());
    browser.screenshot("06-synced").await;

    // Roll back to the first deployment.
    browser
        .click("#history tr[data-history-id='0'] button.rollback")
        .await;
    browser.click("dialog form button[type=submit]").await;
    wait_for_value(&env, "one").await;
    browser
        .wait_for_js("three deployments in the history", &history_rows(3))
        .await;
    let app = env.app("guestbook").await;
    let history = app["status"]["history"].as_array().expect("history");
    assert_eq!(
        history[2]["revision"],
        first.as_str(),
        "the rollback redeployed the first commit"
    );
    assert_eq!(summary(&app).1, "Healthy");
    browser
        .wait_for_js(
            "the open diff following the rollback",
            &diff_shows("one", "two"),
        )
        .await;
    browser.screenshot("07-rolled-back").await;

    // Delete, cascading: back on the list, the tile and the resources go.
    browser.click("#delete-button").await;
    browser.type_into("#delete-confirm", "guestbook").await;
    browser.click("dialog form button[type=submit]").await;
    browser
        .wait_for_js(
            "the tile gone from the list",
            "return document.querySelector('#list-summary') !== null \
               && document.querySelector('[data-app=guestbook]') === null;",
        )
        .await;
    env.wait_for(
        "the ConfigMap deleted with the app",
        "guestbook",
        || async { env.get(&settings_cm()).await.is_none().then_some(()) },
    )
    .await;

    browser.close().await;
    env.stop().await;
}
