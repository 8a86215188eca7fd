//! Helpers for the tests that run the controller binary against an API
//! server emulator: free ports, kubeconfigs, and a cluster client with the
//! namespaces a scenario needs.
#![allow(dead_code)] // each test binary uses a different subset

use std::net::TcpListener;
use std::path::Path;

use gitops_engine::cluster::{Cluster, KubeCluster, WriteOptions};
use serde_json::json;

/// A free loopback port (released before the process under test binds it).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Writes a kubeconfig for the plain-HTTP API server at `server`.
pub fn write_kubeconfig(path: &Path, server: &str) {
    std::fs::write(
        path,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {server}\nusers:\n- name: u\n  user: {{}}\ncontexts:\n- name: x\n  context:\n    cluster: c\n    user: u\ncurrent-context: x\n"
        ),
    )
    .expect("kubeconfig");
}

/// A client of the API server at `url`, after creating `namespaces` there.
pub async fn cluster_with_namespaces(url: &str, namespaces: &[&str]) -> KubeCluster {
    let client =
        kube::Client::try_from(kube::Config::new(url.parse().expect("url"))).expect("client");
    let cluster = KubeCluster::new(client);
    for namespace in namespaces {
        cluster
            .create(
                &json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}),
                WriteOptions::default(),
            )
            .await
            .expect("namespace");
    }
    cluster
}
