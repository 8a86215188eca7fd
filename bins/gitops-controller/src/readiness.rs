//! Readiness of the controller, as `/healthz` reports it, and the wait for
//! the API server at start.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tracing::{info, warn};

/// First pause between two attempts to reach the API server.
const FIRST_RETRY: Duration = Duration::from_millis(500);
/// Longest pause between two attempts.
const MAX_RETRY: Duration = Duration::from_secs(10);

/// Why the controller is not ready (`None`: ready). Clones share it.
#[derive(Debug, Clone, Default)]
pub struct Readiness {
    not_ready: Arc<Mutex<Option<String>>>,
}

impl Readiness {
    /// Not ready, for `reason`.
    pub fn not_ready(reason: String) -> Self {
        Self {
            not_ready: Arc::new(Mutex::new(Some(reason))),
        }
    }

    /// `None` when ready, else why not.
    pub fn reason(&self) -> Option<String> {
        self.lock().clone()
    }

    fn set(&self, reason: Option<String>) {
        *self.lock() = reason;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        self.not_ready
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Asks the API server at `endpoint` for its version until it answers,
/// pausing 0.5 s, 1 s, 2 s … (at most 10 s) between attempts; `readiness`
/// names the endpoint and the last error meanwhile, and turns ready once
/// the server answered.
pub async fn wait_for_api_server(client: &kube::Client, endpoint: &str, readiness: &Readiness) {
    let mut pause = FIRST_RETRY;
    loop {
        match client.apiserver_version().await {
            Ok(version) => {
                info!(endpoint, version = %version.git_version, "API server reachable");
                readiness.set(None);
                return;
            }
            Err(e) => {
                let reason = format!("API server {endpoint} unreachable: {e}");
                warn!(endpoint, error = %e, retry_in = ?pause, "API server unreachable; retrying");
                readiness.set(Some(reason));
            }
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(MAX_RETRY);
    }
}
