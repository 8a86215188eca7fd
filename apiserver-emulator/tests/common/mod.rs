//! Helpers shared by the integration tests: a started emulator, a kube
//! client for it, and a timeout around every await.

#![allow(dead_code)]

use std::future::Future;
use std::time::Duration;

use apiserver_emulator::{Emulator, EmulatorConfig, EmulatorHandle};

/// The longest any single await in a test may take.
pub const LIMIT: Duration = Duration::from_secs(10);

/// Awaits `f`, failing the test after [`LIMIT`].
pub async fn within<T>(f: impl Future<Output = T>) -> T {
    tokio::time::timeout(LIMIT, f).await.expect("timed out")
}

/// A started emulator and a client for it.
pub async fn start() -> (EmulatorHandle, kube::Client) {
    start_with(EmulatorConfig::default()).await
}

/// Like [`start`] with a configuration.
pub async fn start_with(config: EmulatorConfig) -> (EmulatorHandle, kube::Client) {
    let emulator = within(Emulator::start_with(config))
        .await
        .expect("emulator starts");
    let url = emulator.url().parse().expect("valid url");
    let client = kube::Client::try_from(kube::Config::new(url)).expect("client");
    (emulator, client)
}

/// The API error code and reason of a failed call.
pub fn api_error<T: std::fmt::Debug>(r: Result<T, kube::Error>) -> (u16, String) {
    match r {
        Err(kube::Error::Api(status)) => (status.code, status.reason.clone()),
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// Polls `check` every 20 ms until it returns `Some`, within [`LIMIT`].
pub async fn eventually<T, F, Fut>(mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    within(async {
        loop {
            if let Some(v) = check().await {
                return v;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
}
