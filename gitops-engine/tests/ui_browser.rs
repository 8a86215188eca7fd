//! The web UI in real headless Chromium.

mod browser_support;

use browser_support::Browser;

/// Serves `router` on a loopback port; returns its base URL.
async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_page_loads_from_the_server_alone() {
    let url = serve(gitops_engine::ui::router()).await;
    let browser = Browser::start("login_page").await;
    browser.goto(&url).await;
    browser.find("#username").await;
    assert_eq!(browser.text("#login-title").await, "Sign in");
    browser.screenshot("login").await;
    browser.close().await;
}
