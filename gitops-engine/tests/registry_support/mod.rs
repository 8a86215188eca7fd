//! Debian's `docker-registry` (CNCF distribution 2.8) on 127.0.0.1 with a
//! temporary config and storage, for the tests that talk to a real registry.
#![allow(dead_code)] // each test binary uses a different subset

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BINARY: &str = "/usr/bin/docker-registry";

/// A `docker-registry serve` child process; killed (by its own handle) on drop.
pub struct Registry {
    child: Child,
    /// `127.0.0.1:<port>`.
    pub addr: String,
    _dir: tempfile::TempDir,
}

impl Registry {
    /// Starts an anonymous registry, or `None` when the binary is not installed.
    pub async fn start(test: &str) -> Option<Self> {
        Self::start_with(test, |_| String::new()).await
    }

    /// Starts a registry whose config ends with the YAML `extra` returns;
    /// `extra` may write files into the registry's temporary directory.
    pub async fn start_with(test: &str, extra: impl FnOnce(&Path) -> String) -> Option<Self> {
        if !Path::new(BINARY).exists() {
            eprintln!("SKIP {test}: {BINARY} not installed (apt-get install docker-registry)");
            return None;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let addr = format!("127.0.0.1:{port}");
        let config = dir.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {addr}\n{}",
                dir.path().join("data").display(),
                extra(dir.path()),
            ),
        )
        .expect("write config");
        let log = std::fs::File::create(dir.path().join("registry.log")).expect("log file");
        let child = Command::new(BINARY)
            .arg("serve")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn docker-registry");
        let registry = Self {
            child,
            addr,
            _dir: dir,
        };
        registry.wait_ready().await;
        Some(registry)
    }

    async fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(15);
        let http = reqwest::Client::new();
        while Instant::now() < deadline {
            if let Ok(r) = http.get(format!("{}/v2/", self.url())).send().await
                && matches!(r.status().as_u16(), 200 | 401)
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("docker-registry on {} not ready within 15s", self.addr);
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
