//! End to end: one controller, three clusters. The control plane's emulator
//! is the in-cluster destination; two more emulators are remote clusters
//! reached over TLS with bearer tokens through Argo CD cluster Secrets.
//! Applications spread over them; one remote cluster stops mid-run (only its
//! app turns Unknown with a ComparisonError, the others keep syncing) and
//! comes back (its app recovers); destinations are checked against each
//! app's AppProject, by server and by name; no token ever shows in statuses,
//! events or logs.

mod controller_support;
mod source_support;

use std::net::SocketAddr;

use apiserver_emulator::{
    Authentication, Emulator, EmulatorConfig, EmulatorHandle, TlsIdentity, TokenUser,
};
use base64::Engine as _;
use controller_support::{ARGOCD, Env, Logs, condition, config_map_yaml, settings_cm};
use gitops_engine::cluster::{Cluster, Gvk, KubeCluster};
use serde_json::{Value, json};

/// A remote cluster: an emulator over TLS that only accepts its token.
struct Remote {
    token: String,
    tls: TlsIdentity,
    addr: SocketAddr,
    data: tempfile::TempDir,
    handle: Option<EmulatorHandle>,
}

impl Remote {
    async fn start(token: &str) -> Remote {
        let tls = TlsIdentity::generate().expect("TLS identity");
        let data = tempfile::tempdir().expect("tempdir");
        let handle = Self::serve(&tls, token, data.path(), ([127, 0, 0, 1], 0).into()).await;
        Remote {
            token: token.to_owned(),
            addr: handle.addr(),
            tls,
            data,
            handle: Some(handle),
        }
    }

    async fn serve(
        tls: &TlsIdentity,
        token: &str,
        data: &std::path::Path,
        listen: SocketAddr,
    ) -> EmulatorHandle {
        Emulator::start_with(EmulatorConfig {
            listen,
            tls: Some(tls.clone()),
            authentication: Some(Authentication {
                tokens: vec![TokenUser::admin(token, "argocd-manager")],
            }),
            data_dir: Some(data.to_path_buf()),
            ..EmulatorConfig::default()
        })
        .await
        .expect("remote emulator")
    }

    fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// Stops it: connections drop, the port closes.
    async fn stop(&mut self) {
        if let Some(handle) = self.handle.take() {
            handle.shutdown().await;
        }
    }

    /// Starts it again on the same address, with the same certificate,
    /// token and objects.
    async fn restart(&mut self) {
        let handle = Self::serve(&self.tls, &self.token, self.data.path(), self.addr).await;
        self.handle = Some(handle);
    }

    /// A client holding the token, for checks.
    async fn client(&self) -> KubeCluster {
        let handle = self.handle.as_ref().expect("running");
        let kubeconfig = kube::config::Kubeconfig::from_yaml(&handle.kubeconfig_with_token(
            "remote",
            "demo",
            &self.token,
        ))
        .expect("kubeconfig");
        let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
            .await
            .expect("config");
        KubeCluster::new(kube::Client::try_from(config).expect("client"))
    }

    /// The Argo CD cluster Secret declaring this cluster as `name`.
    fn secret(&self, name: &str) -> Value {
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let config = json!({
            "bearerToken": self.token,
            "tlsClientConfig": {"insecure": false, "caData": b64(&self.tls.ca_pem())},
        });
        json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": format!("cluster-{name}"),
                "namespace": ARGOCD,
                "labels": {"argocd.argoproj.io/secret-type": "cluster"},
            },
            "type": "Opaque",
            "data": {
                "name": b64(name),
                "server": b64(&self.url()),
                "config": b64(&config.to_string()),
            },
        })
    }
}

fn app(env: &Env, name: &str, project: &str, destination: Value) -> Value {
    let mut app = env.application(
        name,
        "cm",
        json!({"automated": {"prune": true}, "syncOptions": ["CreateNamespace=true"]}),
    );
    app["spec"]["project"] = json!(project);
    app["spec"]["destination"] = destination;
    app
}

fn synced_healthy(app: &Value) -> bool {
    app["status"]["sync"]["status"] == "Synced" && app["status"]["health"]["status"] == "Healthy"
}

async fn settings_value(cluster: &KubeCluster) -> Option<String> {
    let cm = cluster.get(&settings_cm()).await.ok().flatten()?;
    cm["data"]["value"].as_str().map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apps_spread_over_three_clusters_survive_one_going_away() {
    let logs = Logs::capture();

    let env = Env::start().await;
    let mut east = Remote::start("east-token-5b2f8a41c9").await;
    let mut west = Remote::start("west-token-d07e33b6aa").await;
    env.create(&east.secret("east")).await;
    env.create(&west.secret("west")).await;
    env.up.write("cm/settings.yaml", &config_map_yaml("v1"));
    env.up.commit("v1");
    env.create(&json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": "remotes", "namespace": ARGOCD},
        "spec": {
            "sourceRepos": ["*"],
            "destinations": [
                {"name": "east", "namespace": "demo"},
                {"server": west.url(), "namespace": "demo"},
            ],
        },
    }))
    .await;
    let local_dest = json!({"server": "https://kubernetes.default.svc", "namespace": "demo"});
    env.create(&app(&env, "local", "default", local_dest)).await;
    env.create(&app(
        &env,
        "east-app",
        "remotes",
        json!({"name": "east", "namespace": "demo"}),
    ))
    .await;
    env.create(&app(
        &env,
        "west-app",
        "remotes",
        json!({"server": west.url(), "namespace": "demo"}),
    ))
    .await;
    // Refused destinations: outside the project (by name), unknown, ambiguous.
    env.create(&app(
        &env,
        "denied",
        "remotes",
        json!({"name": "in-cluster", "namespace": "demo"}),
    ))
    .await;
    env.create(&app(
        &env,
        "nowhere",
        "default",
        json!({"name": "nowhere", "namespace": "demo"}),
    ))
    .await;
    env.create(&app(
        &env,
        "both",
        "default",
        json!({"name": "east", "server": east.url(), "namespace": "demo"}),
    ))
    .await;

    for name in ["local", "east-app", "west-app"] {
        env.wait_for_app("synced and healthy", name, synced_healthy)
            .await;
    }
    let east_client = east.client().await;
    let west_client = west.client().await;
    assert_eq!(settings_value(&env.cluster).await.as_deref(), Some("v1"));
    assert_eq!(settings_value(&east_client).await.as_deref(), Some("v1"));
    assert_eq!(settings_value(&west_client).await.as_deref(), Some("v1"));

    let refused = |name: &'static str| {
        let env = &env;
        async move {
            env.wait_for_app("a spec error", name, |a| {
                condition(a, "InvalidSpecError").is_some()
            })
            .await
        }
    };
    let denied = refused("denied").await;
    assert_eq!(
        condition(&denied, "InvalidSpecError").as_deref(),
        Some(
            "application destination server 'in-cluster' and namespace 'demo' do not match any of the allowed destinations in project 'remotes'"
        )
    );
    assert_eq!(denied["status"]["health"]["status"], "Unknown");
    assert_eq!(
        condition(&refused("nowhere").await, "InvalidSpecError").as_deref(),
        Some("there are no clusters with this name: nowhere")
    );
    assert_eq!(
        condition(&refused("both").await, "InvalidSpecError"),
        Some(format!(
            "application destination can't have both name and server defined: east {}",
            east.url()
        ))
    );
    let mut connected = env.controller.connected_clusters();
    connected.retain(|s| s != "https://kubernetes.default.svc");
    let mut expected = vec![east.url(), west.url()];
    expected.sort();
    assert_eq!(connected, expected);

    // West goes away; a new commit reaches the two others only.
    west.stop().await;
    env.up.write("cm/settings.yaml", &config_map_yaml("v2"));
    env.up.commit("v2");
    let failed = env
        .wait_for_app("a comparison error", "west-app", |a| {
            condition(a, "ComparisonError").is_some()
                && a["status"]["health"]["status"] == "Unknown"
                && a["status"]["sync"]["status"] == "Unknown"
        })
        .await;
    let message = condition(&failed, "ComparisonError").expect("condition");
    assert!(
        message.starts_with(&format!(
            "Failed to load live state: failed to sync cluster {}: ",
            west.url()
        )),
        "{message}"
    );
    for (name, cluster) in [("local", &env.cluster), ("east-app", &east_client)] {
        env.wait_for("v2 deployed", name, || async {
            (settings_value(cluster).await.as_deref() == Some("v2")).then_some(())
        })
        .await;
        env.wait_for_app("synced and healthy", name, synced_healthy)
            .await;
    }

    // West comes back: its app recovers and catches up.
    west.restart().await;
    let west_client = west.client().await;
    env.wait_for_app("recovered", "west-app", |a| {
        synced_healthy(a) && condition(a, "ComparisonError").is_none()
    })
    .await;
    env.wait_for("v2 deployed to west", "west-app", || async {
        (settings_value(&west_client).await.as_deref() == Some("v2")).then_some(())
    })
    .await;

    // The last app of east leaves: its connection and watches go.
    let east_app = controller_support::app_ref("east-app");
    env.cluster
        .delete(&east_app, Default::default(), Default::default())
        .await
        .expect("delete east-app");
    env.wait_for("east dropped", "local", || async {
        (!env.controller.connected_clusters().contains(&east.url())).then_some(())
    })
    .await;

    // No token anywhere: app statuses, events, logs.
    let mut seen = logs.text();
    assert!(
        seen.contains("connecting to cluster") && seen.contains("ComparisonError"),
        "the controller's logs were captured"
    );
    for gvk in [
        Gvk::new("argoproj.io", "v1alpha1", "Application"),
        Gvk::new("", "v1", "Event"),
    ] {
        let objects = env.cluster.list(&gvk, None, "").await.expect("list");
        assert!(!objects.is_empty(), "no {gvk} to check");
        seen.push_str(&serde_json::to_string(&objects).expect("json"));
    }
    assert!(seen.contains("ComparisonError"), "the failure was recorded");
    for token in [&east.token, &west.token] {
        assert!(!seen.contains(token.as_str()), "a token leaked");
    }
    east.stop().await;
    west.stop().await;
    env.stop().await;
}
