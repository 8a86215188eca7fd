//! Driving Debian's headless Chromium from a test through `chromedriver`
//! (WebDriver, via fantoccini): a fresh profile per browser, every wait
//! bounded, screenshots saved as PNG files.
//!
//! A missing `chromium` or `chromedriver` fails the test with the package to
//! install: CI installs both, so a skip would hide a broken UI.
#![allow(dead_code)] // each test binary uses a different subset

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use tempfile::TempDir;

/// How long any awaited page condition may take.
const PATIENCE: Duration = Duration::from_secs(30);
/// How often a condition is re-checked.
const POLL: Duration = Duration::from_millis(100);
/// The Chromium binary Debian's `chromium` package installs.
const CHROMIUM: &str = "/usr/bin/chromium";
/// The driver Debian's `chromium-driver` package installs.
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A headless Chromium session; the driver (and with it the browser) is
/// killed on drop.
pub struct Browser {
    /// The WebDriver session.
    pub client: Client,
    screenshots: PathBuf,
    _driver: tokio::process::Child,
    _profile: TempDir,
}

impl Browser {
    /// Starts chromedriver on a free loopback port and opens a session in
    /// headless Chromium with a fresh profile; screenshots go to
    /// `target/ui-screenshots/<test>/`.
    pub async fn start(test: &str) -> Browser {
        for (path, package) in [(CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")] {
            assert!(
                Path::new(path).exists(),
                "{path} is missing: the browser tests need Debian's `{package}` package \
                 (apt-get install chromium chromium-driver)"
            );
        }
        let port = free_port();
        let driver = tokio::process::Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start chromedriver");
        let profile = TempDir::new().expect("profile dir");
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            },
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!("a JSON object literal")
        };
        let url = format!("http://127.0.0.1:{port}");
        let deadline = tokio::time::Instant::now() + PATIENCE;
        let client = loop {
            let attempt = ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&url)
                .await;
            match attempt {
                Ok(client) => break client,
                Err(e) if tokio::time::Instant::now() > deadline => {
                    panic!("no WebDriver session from chromedriver at {url}: {e}")
                }
                Err(_) => tokio::time::sleep(POLL).await,
            }
        };
        let screenshots = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .parent()
            .expect("target dir")
            .join("ui-screenshots")
            .join(test);
        std::fs::create_dir_all(&screenshots).expect("screenshot dir");
        Browser {
            client,
            screenshots,
            _driver: driver,
            _profile: profile,
        }
    }

    /// Opens `url`.
    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("navigate");
    }

    /// Saves the page as `<name>.png` in the screenshot directory and
    /// returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("screenshot");
        let path = self.screenshots.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write screenshot");
        path
    }

    /// Waits until `script` (a function body returning a value) returns
    /// something other than `null`/`false`; returns it. On timeout, saves a
    /// screenshot and panics with `what`.
    pub async fn wait_for_js(&self, what: &str, script: &str) -> Value {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        let mut last_error = String::new();
        loop {
            match self.client.execute(script, vec![]).await {
                Ok(Value::Null | Value::Bool(false)) => {}
                Ok(found) => return found,
                Err(e) => last_error = e.to_string(),
            }
            if tokio::time::Instant::now() > deadline {
                let shot = self.screenshot("timeout").await;
                panic!(
                    "timed out waiting for {what} (last script error: {last_error:?}); \
                     page saved to {}",
                    shot.display()
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until an element matching the CSS `selector` exists and returns
    /// it.
    pub async fn find(&self, selector: &str) -> Element {
        let check = format!("return document.querySelector({selector:?}) !== null;");
        self.wait_for_js(&format!("element {selector}"), &check)
            .await;
        self.client
            .find(Locator::Css(selector))
            .await
            .expect("element present")
    }

    /// Waits until the text of the element at `selector` contains `text`.
    pub async fn wait_for_text(&self, selector: &str, text: &str) {
        let check = format!(
            "const e = document.querySelector({selector:?}); \
             return e !== null && e.textContent.includes({text:?});"
        );
        self.wait_for_js(&format!("{text:?} in {selector}"), &check)
            .await;
    }

    /// The text content of the element at `selector` (waiting for it).
    pub async fn text(&self, selector: &str) -> String {
        self.find(selector).await;
        let script = format!("return document.querySelector({selector:?}).textContent;");
        match self.client.execute(&script, vec![]).await.expect("text") {
            Value::String(text) => text,
            other => panic!("{selector} has no text: {other}"),
        }
    }

    /// Clicks the element at `selector` (waiting for it). A live update may
    /// replace the element between finding and clicking it; then the new
    /// one is clicked.
    pub async fn click(&self, selector: &str) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            match self.find(selector).await.click().await {
                Ok(()) => return,
                Err(e)
                    if e.is_stale_element_reference() && tokio::time::Instant::now() < deadline =>
                {
                    tokio::time::sleep(POLL).await;
                }
                Err(e) => panic!("click on {selector}: {e}"),
            }
        }
    }

    /// Types `text` into the field at `selector` (waiting for it).
    pub async fn type_into(&self, selector: &str, text: &str) {
        let field = self.find(selector).await;
        field.clear().await.expect("clear field");
        field.send_keys(text).await.expect("type");
    }

    /// Closes the session (the driver is killed on drop).
    pub async fn close(self) {
        let _ = tokio::time::timeout(Duration::from_secs(10), self.client.close()).await;
    }
}

/// A free loopback port (released before chromedriver binds it).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}
