//! Injected faults reach clients as a real server's failures do: `429` with
//! `Retry-After`, `503`, `409` on writes, latency, watches that end early.

mod common;

use std::time::Duration;

use apiserver_emulator::EmulatorConfig;
use apiserver_emulator::faults::Faults;
use common::{start_with, within};
use futures::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, PostParams, WatchParams};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A plain HTTP/1.1 GET (kube's client retries 429 and 503 by itself):
/// the status code and the `Retry-After` header.
async fn get(addr: std::net::SocketAddr, path: &str) -> (u16, Option<String>) {
    let mut stream = within(tokio::net::TcpStream::connect(addr))
        .await
        .expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    within(stream.write_all(request.as_bytes()))
        .await
        .expect("send");
    let mut answer = Vec::new();
    within(stream.read_to_end(&mut answer)).await.expect("read");
    let text = String::from_utf8_lossy(&answer);
    let code = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("status line");
    let retry_after = text.lines().find_map(|l| {
        l.to_ascii_lowercase()
            .strip_prefix("retry-after:")
            .map(|v| v.trim().to_owned())
    });
    (code, retry_after)
}

#[tokio::test]
async fn every_nth_request_fails_as_configured() {
    let (emu, client) = start_with(EmulatorConfig {
        faults: Faults {
            throttle_every: 2,
            unavailable_every: 3,
            latency: Duration::from_millis(20),
            ..Faults::default()
        },
        ..EmulatorConfig::default()
    })
    .await;
    let path = "/api/v1/namespaces/default/configmaps";
    let mut codes = Vec::new();
    for _ in 0..4 {
        let started = std::time::Instant::now();
        let (code, retry_after) = get(emu.addr(), path).await;
        assert!(
            started.elapsed() >= Duration::from_millis(20),
            "latency added"
        );
        assert_eq!(retry_after.is_some(), code == 429);
        if code == 429 {
            assert_eq!(retry_after.as_deref(), Some("1"));
        }
        codes.push(code);
    }
    assert_eq!(codes, [200, 429, 503, 429]);
    // kube's client retries both, as it would against a real server.
    let cms: Api<ConfigMap> = Api::namespaced(client, "default");
    within(cms.list(&Default::default()))
        .await
        .expect("retried until answered");
    emu.shutdown().await;
}

#[tokio::test]
async fn writes_conflict_and_watches_end_early() {
    let (emu, client) = start_with(EmulatorConfig {
        faults: Faults {
            conflict_every: 2,
            drop_watches_after: Some(Duration::from_millis(200)),
            ..Faults::default()
        },
        ..EmulatorConfig::default()
    })
    .await;
    let cms: Api<ConfigMap> = Api::namespaced(client, "default");
    let mut cm = ConfigMap::default();
    cm.metadata.name = Some("c".into());
    within(cms.create(&PostParams::default(), &cm))
        .await
        .expect("create");
    let first = within(cms.replace("c", &PostParams::default(), &cm)).await;
    assert!(first.is_ok(), "{first:?}");
    let second = within(cms.replace("c", &PostParams::default(), &cm)).await;
    assert!(
        matches!(&second, Err(kube::Error::Api(s)) if s.code == 409 && s.reason == "Conflict"),
        "{second:?}"
    );
    let stream = within(cms.watch(&WatchParams::default().timeout(290), "0"))
        .await
        .expect("watch");
    let events: Vec<_> = within(stream.collect::<Vec<_>>()).await;
    assert!(
        !events.is_empty(),
        "the watch ended on its own after its initial events"
    );
    emu.shutdown().await;
}
