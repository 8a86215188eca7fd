//! `LiveCache` against the API server emulator: initial lists, changes seen
//! through the watch, change notifications, unknown kinds and shutdown.

use std::future::Future;
use std::time::Duration;

use apiserver_emulator::{Emulator, EmulatorHandle};
use gitops_engine::cluster::{
    ApplyMode, Cluster, ClusterError, Gvk, KubeCluster, LiveCache, ObjectRef, PropagationPolicy,
    WriteOptions,
};
use serde_json::{Value, json};
use tokio::sync::broadcast;

async fn within<T>(f: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), f)
        .await
        .expect("timed out")
}

async fn start() -> (EmulatorHandle, KubeCluster, LiveCache) {
    let emu = within(Emulator::start()).await.expect("emulator");
    let client =
        kube::Client::try_from(kube::Config::new(emu.url().parse().expect("url"))).expect("client");
    (
        emu,
        KubeCluster::new(client.clone()),
        LiveCache::new(client),
    )
}

fn cm_gvk() -> Gvk {
    Gvk::new("", "v1", "ConfigMap")
}

fn cm(namespace: &str, name: &str, data: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": name, "namespace": namespace}, "data": data})
}

fn cm_ref(namespace: &str, name: &str) -> ObjectRef {
    ObjectRef {
        gvk: cm_gvk(),
        namespace: namespace.into(),
        name: name.into(),
    }
}

async fn create(c: &KubeCluster, obj: &Value) {
    within(c.create(obj, WriteOptions::default()))
        .await
        .expect("create");
}

/// Waits until a notification names `wanted`, skipping others.
async fn changed(rx: &mut broadcast::Receiver<ObjectRef>, wanted: &ObjectRef) {
    within(async {
        loop {
            match rx.recv().await {
                Ok(r) if r == *wanted => return,
                Ok(_) => {}
                Err(e) => panic!("change stream failed: {e}"),
            }
        }
    })
    .await;
}

fn names(objects: &[Value]) -> Vec<(String, String)> {
    objects
        .iter()
        .map(|o| {
            (
                o["metadata"]["namespace"].as_str().unwrap_or("").to_owned(),
                o["metadata"]["name"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn initial_list_then_creates_updates_and_deletes() {
    let (emu, c, cache) = start().await;
    create(&c, &cm("default", "a", json!({"k": "1"}))).await;
    create(&c, &cm("kube-system", "s", json!({}))).await;
    assert!(cache.list(&cm_gvk(), None).is_empty(), "not watched yet");

    within(cache.watch(&cm_gvk())).await.expect("watch");
    assert_eq!(
        names(&cache.list(&cm_gvk(), None)),
        [
            ("default".to_owned(), "a".to_owned()),
            ("kube-system".to_owned(), "s".to_owned())
        ]
    );
    assert_eq!(names(&cache.list(&cm_gvk(), Some("kube-system"))).len(), 1);
    assert_eq!(
        names(&cache.list(&cm_gvk(), Some(""))),
        [("default".to_owned(), "a".to_owned())],
        "an empty namespace is the client's default"
    );
    assert!(cache.get(&cm_ref("", "a")).is_some());
    let a = cache.get(&cm_ref("default", "a")).expect("a cached");
    assert_eq!(a["apiVersion"], "v1");
    assert_eq!(a["kind"], "ConfigMap");
    assert_eq!(a["data"], json!({"k": "1"}));
    assert!(a["metadata"]["resourceVersion"].is_string());

    let mut rx = cache.subscribe();
    create(&c, &cm("default", "b", json!({"k": "2"}))).await;
    changed(&mut rx, &cm_ref("default", "b")).await;
    assert_eq!(
        cache.get(&cm_ref("default", "b")).expect("b cached")["data"],
        json!({"k": "2"})
    );

    let apply = ApplyMode::ServerSide {
        manager: "test".into(),
        force: true,
    };
    within(c.apply(
        &cm("default", "a", json!({"k": "changed"})),
        &apply,
        WriteOptions::default(),
    ))
    .await
    .expect("update");
    changed(&mut rx, &cm_ref("default", "a")).await;
    assert_eq!(
        cache.get(&cm_ref("default", "a")).expect("a cached")["data"],
        json!({"k": "changed"})
    );

    within(c.delete(
        &cm_ref("default", "a"),
        PropagationPolicy::Background,
        WriteOptions::default(),
    ))
    .await
    .expect("delete");
    changed(&mut rx, &cm_ref("default", "a")).await;
    assert_eq!(cache.get(&cm_ref("default", "a")), None);
    assert_eq!(
        names(&cache.list(&cm_gvk(), Some("default"))),
        [("default".to_owned(), "b".to_owned())]
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn subscribers_see_the_initial_list_and_every_kind() {
    let (emu, c, cache) = start().await;
    create(&c, &cm("default", "before", json!({}))).await;
    let mut rx = cache.subscribe();
    within(cache.watch(&cm_gvk())).await.expect("watch");
    changed(&mut rx, &cm_ref("default", "before")).await;

    let deploy = Gvk::new("apps", "v1", "Deployment");
    within(cache.watch(&deploy))
        .await
        .expect("watch deployments");
    create(
        &c,
        &json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}}),
    )
    .await;
    let web = ObjectRef {
        gvk: deploy.clone(),
        namespace: "default".into(),
        name: "web".into(),
    };
    changed(&mut rx, &web).await;
    assert_eq!(
        cache.get(&web).expect("deployment cached")["kind"],
        "Deployment"
    );
    assert_eq!(cache.watched(), [cm_gvk(), deploy]);
    emu.shutdown().await;
}

#[tokio::test]
async fn cluster_scoped_kinds_ignore_the_namespace() {
    let (emu, _c, cache) = start().await;
    let ns = Gvk::new("", "v1", "Namespace");
    within(cache.watch(&ns)).await.expect("watch namespaces");
    let listed = names(&cache.list(&ns, Some("default")));
    assert!(
        listed.contains(&(String::new(), "kube-system".to_owned())),
        "{listed:?}"
    );
    let found = cache.get(&ObjectRef {
        gvk: ns,
        namespace: String::new(),
        name: "default".into(),
    });
    assert_eq!(found.expect("default namespace")["kind"], "Namespace");
    emu.shutdown().await;
}

#[tokio::test]
async fn watching_is_idempotent_and_unknown_kinds_fail() {
    let (emu, _c, cache) = start().await;
    let kind = cm_gvk();
    let (first, second) =
        within(async { tokio::join!(cache.watch(&kind), cache.watch(&kind)) }).await;
    first.expect("first watch");
    second.expect("second watch");
    within(cache.watch(&cm_gvk())).await.expect("again");
    assert_eq!(cache.watched(), [cm_gvk()]);

    let unknown = Gvk::new("example.com", "v1", "Nope");
    let err = within(cache.watch(&unknown)).await;
    assert!(
        matches!(err, Err(ClusterError::UnknownKind(ref g)) if *g == unknown),
        "{err:?}"
    );
    assert_eq!(cache.watched(), [cm_gvk()]);
    assert!(cache.list(&unknown, None).is_empty());
    emu.shutdown().await;
}

#[tokio::test]
async fn dropping_the_cache_stops_its_reflectors() {
    let (emu, _c, cache) = start().await;
    let mut rx = cache.subscribe();
    within(cache.watch(&cm_gvk())).await.expect("watch");
    drop(cache);
    // The reflector task held the last sender: the channel closes once it
    // is aborted.
    let closed = within(async {
        loop {
            match rx.recv().await {
                Err(broadcast::error::RecvError::Closed) => return true,
                Err(broadcast::error::RecvError::Lagged(_)) | Ok(_) => {}
            }
        }
    })
    .await;
    assert!(closed);
    emu.shutdown().await;
}

/// A TCP relay to the emulator whose connections can be cut, and new ones
/// refused, to make watches fail.
struct Relay {
    addr: std::net::SocketAddr,
    state: std::sync::Arc<std::sync::Mutex<RelayState>>,
    _accept: tokio::task::JoinHandle<()>,
}

#[derive(Default)]
struct RelayState {
    refusing: bool,
    open: Vec<tokio::task::AbortHandle>,
}

impl Relay {
    async fn start(target: std::net::SocketAddr) -> Relay {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind relay");
        let addr = listener.local_addr().expect("relay address");
        let state = std::sync::Arc::new(std::sync::Mutex::new(RelayState::default()));
        let shared = state.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let mut state = shared.lock().expect("relay state");
                if state.refusing {
                    continue; // dropping the socket closes it
                }
                let task = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                state.open.push(task.abort_handle());
            }
        });
        Relay {
            addr,
            state,
            _accept: accept,
        }
    }

    /// Closes every open connection and refuses new ones (or accepts them again).
    fn set_down(&self, down: bool) {
        let mut state = self.state.lock().expect("relay state");
        state.refusing = down;
        for task in state.open.drain(..) {
            task.abort();
        }
    }
}

#[tokio::test]
async fn the_cache_recovers_from_broken_watches() {
    let emu = within(Emulator::start()).await.expect("emulator");
    let direct =
        kube::Client::try_from(kube::Config::new(emu.url().parse().expect("url"))).expect("client");
    let c = KubeCluster::new(direct);
    let relay = Relay::start(emu.addr()).await;
    let relayed = kube::Client::try_from(kube::Config::new(
        format!("http://{}", relay.addr).parse().expect("url"),
    ))
    .expect("client");
    let cache = LiveCache::new(relayed);
    within(cache.watch(&cm_gvk())).await.expect("watch");
    let mut rx = cache.subscribe();

    relay.set_down(true);
    create(&c, &cm("default", "while-down", json!({}))).await;
    // Let the watch notice the cut and fail a reconnection or two.
    tokio::time::sleep(Duration::from_millis(300)).await;
    relay.set_down(false);

    changed(&mut rx, &cm_ref("default", "while-down")).await;
    assert!(cache.get(&cm_ref("default", "while-down")).is_some());
    create(&c, &cm("default", "after", json!({}))).await;
    changed(&mut rx, &cm_ref("default", "after")).await;
    emu.shutdown().await;
}
