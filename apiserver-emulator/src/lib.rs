//! An in-memory Kubernetes API server for integration tests.
//!
//! [`Emulator::start`] serves the real HTTP protocol on `127.0.0.1` (an
//! ephemeral port, plain HTTP, or HTTPS with [`EmulatorConfig::tls`]) so
//! that `kube::Client`, kube-runtime reflectors and `kubectl --server
//! http://…` (or a kubeconfig from [`EmulatorHandle::kubeconfig_with_token`])
//! work against it:
//!
//! - discovery (`/version`, `/api`, `/api/v1`, `/apis`, `/apis/<g>`,
//!   `/apis/<g>/<v>`) for the built-in kinds a GitOps controller manages,
//!   Argo CD's `Application`/`AppProject`, and custom resources registered
//!   when their `CustomResourceDefinition` is created;
//! - get, list (label and field selectors), watch, create, update (`409` on a
//!   stale `resourceVersion`), patch (JSON, merge, strategic merge and
//!   server-side apply, see [`apply`]), delete and deletecollection, with
//!   `dryRun=All`, `status` subresources, finalizers, owner-reference garbage
//!   collection (`propagationPolicy`) and namespace deletion;
//! - request bodies in JSON or Kubernetes protobuf ([`protobuf`], what
//!   kubectl's typed clients send for `kubectl create …`);
//! - validation as a real server does it ([`validate`]): `400` for bodies
//!   that do not decode into the built-in Go types (unknown fields under
//!   `fieldValidation=Strict`), `422` for invalid names, labels, workload
//!   specs, ports and config keys, immutable selectors;
//! - `scale` and `log` subresources, server-side `Table` printing with the
//!   real columns for common kinds ([`table`]), the `all` category;
//! - a workload simulation ([`simulate`]) on one Node (`sandbox`):
//!   Deployments roll out through ReplicaSets within
//!   `maxSurge`/`maxUnavailable`, StatefulSets and DaemonSets get their Pods,
//!   Jobs run Pods to completion, Services get EndpointSlices, Pods run (or
//!   wait in `ImagePullBackOff` for [`EmulatorConfig::broken_images`]), as
//!   the real controllers do it, one step every
//!   [`EmulatorConfig::status_delay`]; claims, autoscalers, load balancers
//!   and Ingresses (and every workload when the simulation is off) get the
//!   status of a settled object ([`progress`]) that long after they are
//!   written;
//! - persistence in a data directory ([`EmulatorConfig::data_dir`],
//!   [`persist`]) with resource versions continuing across restarts;
//! - OpenAPI v3 ([`openapi`]) with the upstream schemas of the built-in
//!   kinds and the CRDs' own: `get`, `apply` (client- and server-side, with
//!   server-side field validation), `create`, `scale`, `explain`,
//!   `rollout status|restart|undo`, `wait`, `logs` and `delete` work with an
//!   empty kubeconfig and `--server http://127.0.0.1:<port>`.
//!
//! Approximations: the simulation's own (listed in [`simulate`]); server
//! defaults (strategy, Service cluster IPs, …) are not filled in, except
//! the `restartPolicy` of the Pods the simulator creates (the simulated
//! controllers read unset fields with the server's defaults, but `kubectl
//! rollout status` refuses a StatefulSet or DaemonSet without an
//! `updateStrategy`); garbage collection and namespace cleanup happen
//! synchronously inside the deleting request; lists return everything in
//! one page (no `continue`); custom resources are not
//! validated against their schemas; versions of one group share storage
//! without conversion (only `apiVersion` changes); authentication
//! ([`EmulatorConfig::authentication`], [`auth`]) knows bearer tokens and
//! the client certificates of its own authority, and authorization only
//! full and read-only users; Argo CD's kinds have no OpenAPI schema (so
//! `kubectl explain application` finds nothing), the OpenAPI documents
//! carry no strategic-merge-patch metadata (kubectl uses its compiled-in
//! types for that) and `/openapi/v2` answers `404`, which kubectl tolerates.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let emulator = apiserver_emulator::Emulator::start().await?;
//! assert!(emulator.url().starts_with("http://127.0.0.1:"));
//! emulator.shutdown().await;
//! # Ok(())
//! # }
//! ```

pub mod apply;
pub mod auth;
pub mod directives;
pub mod discovery;
pub mod error;
pub mod faults;
mod logs;
mod meta;
pub mod openapi;
pub mod patch;
pub mod persist;
pub mod progress;
pub mod protobuf;
pub mod registry;
mod scale;
pub mod selector;
mod server;
pub mod simulate;
pub mod store;
pub mod table;
pub mod tls;
pub mod validate;
mod watch;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch as signal;
use tokio::task::JoinHandle;

pub use auth::{Authentication, TokenUser};
pub use error::ApiError;
pub use registry::{Registry, ResourceType};
pub use store::{Propagation, Store};
pub use tls::{ClientCertificate, TlsIdentity};

/// Behaviour switches of an emulator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmulatorConfig {
    /// Whether simulated controllers write workload status at all.
    pub simulate_status: bool,
    /// How long after a write the simulated controllers settle the status.
    pub status_delay: Duration,
    /// Where to listen; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Whether workloads get ReplicaSets, Pods and EndpointSlices
    /// ([`simulate`]) on a Node the emulator creates, one simulation pass
    /// every `status_delay` (only with `simulate_status`).
    pub simulate_workloads: bool,
    /// Faults to inject (none by default).
    pub faults: faults::Faults,
    /// Where the store is kept across restarts (`--data-dir`); `None` keeps
    /// it in memory only.
    pub data_dir: Option<std::path::PathBuf>,
    /// Images (a glob such as `*:broken`) whose Pods stay in
    /// `ImagePullBackOff` under the workload simulation.
    pub broken_images: Option<String>,
    /// Serve HTTPS with this authority's server certificate (`None`: plain HTTP).
    pub tls: Option<TlsIdentity>,
    /// Require credentials (`None`: every request is served, as before).
    pub authentication: Option<Authentication>,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            simulate_status: true,
            status_delay: Duration::from_millis(100),
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            simulate_workloads: true,
            data_dir: None,
            faults: faults::Faults::default(),
            broken_images: Some("*:broken".to_owned()),
            tls: None,
            authentication: None,
        }
    }
}

/// Starts emulators.
#[derive(Debug, Clone, Copy)]
pub struct Emulator;

impl Emulator {
    /// Starts an emulator with the default configuration on `127.0.0.1`, on
    /// an ephemeral port, in the current tokio runtime.
    pub async fn start() -> std::io::Result<EmulatorHandle> {
        Self::start_with(EmulatorConfig::default()).await
    }

    /// Starts an emulator with the given configuration.
    pub async fn start_with(config: EmulatorConfig) -> std::io::Result<EmulatorHandle> {
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let simulator = simulate::Simulator::new(config.broken_images.as_deref())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let store = match &config.data_dir {
            Some(dir) => Store::open(dir).map_err(std::io::Error::other)?,
            None => Store::new(),
        };
        let (stop, stopped) = signal::channel(false);
        let shared = Arc::new(server::Shared {
            store: Mutex::new(store),
            faults: faults::FaultCounter::default(),
            config,
            shutdown: stopped.clone(),
        });
        if shared.config.simulate_status && shared.config.simulate_workloads {
            simulate::node::ensure(&mut shared.store());
            tokio::spawn(simulate_until_stopped(shared.clone(), simulator));
        }
        let tls = shared.config.tls.clone();
        let app = axum::Router::new()
            .fallback(server::dispatch)
            .layer(axum::middleware::from_fn_with_state(
                shared.clone(),
                auth::check,
            ))
            .with_state(shared);
        let mut until = stopped;
        let task = match tls.clone() {
            Some(identity) => {
                let config = identity.clone();
                tokio::spawn(async move {
                    // Certificates were made at start; only a broken
                    // identity fails here, and then nothing is served.
                    let _ = tls::serve(listener, config, app, until).await;
                })
            }
            None => tokio::spawn(async move {
                let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                    // Either the flag flips or the handle is gone: stop in both cases.
                    let _ = until.wait_for(|stop| *stop).await;
                });
                // The listener is ours and already bound; serving only ends on shutdown.
                let _ = serve.await;
            }),
        };
        Ok(EmulatorHandle {
            addr,
            tls,
            stop,
            task: Some(task),
        })
    }
}

/// Runs a simulation pass every `status_delay` until the emulator stops.
/// Once a pass changes nothing, the store is settled: passes pause until an
/// object the simulation reads changes ([`simulate::inputs_version`]) or a
/// Deployment's progress deadline comes ([`simulate::next_wake_up`]), so an
/// idle sandbox costs no CPU; after a long pass (a large store) the next
/// waits [`PAUSE_PER_PASS`] times its duration.
async fn simulate_until_stopped(shared: Arc<server::Shared>, simulator: simulate::Simulator) {
    let mut stopped = shared.shutdown.clone();
    // The inputs' version of the settled store, and when it needs a pass.
    let mut settled: Option<(u64, Option<jiff::Timestamp>)> = None;
    let mut pause = shared.config.status_delay;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = stopped.wait_for(|stop| *stop) => return,
        }
        pause = shared.config.status_delay;
        let mut store = shared.store();
        let inputs = simulate::inputs_version(&store);
        if let Some((version, wake_up)) = settled
            && version == inputs
            && wake_up.is_none_or(|at| simulator.now() < at)
        {
            continue;
        }
        let before = store.resource_version();
        let started = tokio::time::Instant::now();
        simulate::reconcile(&mut store, &simulator);
        settled =
            (store.resource_version() == before).then(|| (inputs, simulate::next_wake_up(&store)));
        // A pass holds the store: on a large store the next one waits at
        // least PAUSE_PER_PASS times as long, so the API keeps most of the time.
        pause = pause.max(started.elapsed() * PAUSE_PER_PASS);
    }
}

/// How many times a pass's duration the simulation waits before the next.
const PAUSE_PER_PASS: u32 = 4;

/// A running emulator. Dropping it stops the server without waiting.
#[derive(Debug)]
pub struct EmulatorHandle {
    addr: SocketAddr,
    tls: Option<TlsIdentity>,
    stop: signal::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl EmulatorHandle {
    /// The base URL, `http://127.0.0.1:<port>` (`https://` with TLS).
    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// The authority of the server's certificate, PEM (with TLS).
    pub fn ca_pem(&self) -> Option<String> {
        self.tls.as_ref().map(TlsIdentity::ca_pem)
    }

    /// The socket address served.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A kubeconfig for this server without credentials (trusting its
    /// authority with TLS) with one cluster, user and context called `name`,
    /// defaulting to `namespace`.
    pub fn kubeconfig(&self, name: &str, namespace: &str) -> String {
        self.kubeconfig_with_user(name, namespace, "{}")
    }

    /// [`kubeconfig`](EmulatorHandle::kubeconfig) whose user holds a bearer token.
    pub fn kubeconfig_with_token(&self, name: &str, namespace: &str, token: &str) -> String {
        self.kubeconfig_with_user(name, namespace, &format!("\n    token: {token}"))
    }

    fn kubeconfig_with_user(&self, name: &str, namespace: &str, user: &str) -> String {
        use base64::Engine as _;
        let ca = self.ca_pem().map_or_else(String::new, |pem| {
            let data = base64::engine::general_purpose::STANDARD.encode(pem);
            format!("\n    certificate-authority-data: {data}")
        });
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: {name}\n  cluster:\n    server: {url}{ca}\n\
             users:\n- name: {name}\n  user: {user}\ncontexts:\n- name: {name}\n  context:\n    \
             cluster: {name}\n    user: {name}\n    namespace: {namespace}\ncurrent-context: {name}\n",
            url = self.url()
        )
    }

    /// Stops serving: ends open watches and waits for the server task.
    pub async fn shutdown(mut self) {
        self.stop.send_replace(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        self.stop.send_replace(true);
    }
}
