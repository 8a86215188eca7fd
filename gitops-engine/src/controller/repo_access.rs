//! The controller's repository access: the repository Secrets, credential
//! templates and trust ConfigMaps of its namespace, read on start and then
//! watched, handed to the sources on every change.

use std::pin::pin;

use futures_util::StreamExt;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::api::Api;
use kube::runtime::reflector::{self, Store};
use kube::runtime::{WatchStreamExt, watcher};
use serde::Serialize;
use serde_json::Value;
use tracing::{debug, warn};

use super::Shared;
use crate::source::{
    REPOSITORY_SECRET_TYPE, RepoAccess, SECRET_TYPE_LABEL, SSH_KNOWN_HOSTS_CONFIGMAP, SourceError,
    TEMPLATE_SECRET_TYPE, TLS_CERTS_CONFIGMAP,
};

/// Reads the settings once through the API (so the first renders have
/// them) and hands them to the sources. If the API refuses, repositories
/// are reached anonymously until the watch delivers.
pub(super) async fn load(shared: &Shared) {
    let mut access = base(shared);
    match access
        .read(shared.cluster.client(), &shared.settings.namespace)
        .await
    {
        Ok(problems) => {
            report(problems);
            shared.sources.set_access(access);
        }
        Err(e) => warn!(error = %e, "cannot read repository Secrets"),
    }
}

/// Watches the repository Secrets and the ConfigMaps of the namespace; once
/// both initial lists are in, every change replaces the sources' access and
/// queues every app (a repository that failed may work now). Runs until
/// dropped; watch errors are retried with kube-runtime's backoff.
pub(super) async fn watch(shared: &Shared) {
    let client = shared.cluster.client().clone();
    let namespace = &shared.settings.namespace;
    let selector =
        format!("{SECRET_TYPE_LABEL} in ({REPOSITORY_SECRET_TYPE},{TEMPLATE_SECRET_TYPE})");
    let (secrets, secret_writer) = reflector::store();
    let (config_maps, config_map_writer) = reflector::store();
    let secret_events = reflector::reflector(
        secret_writer,
        watcher(
            Api::<Secret>::namespaced(client.clone(), namespace),
            watcher::Config::default().labels(&selector),
        ),
    )
    .default_backoff();
    let config_map_events = reflector::reflector(
        config_map_writer,
        watcher(
            Api::<ConfigMap>::namespaced(client, namespace),
            watcher::Config::default(),
        ),
    )
    .default_backoff();
    let mut secret_events = pin!(secret_events);
    let mut config_map_events = pin!(config_map_events);
    let (mut secrets_listed, mut config_maps_listed) = (false, false);
    loop {
        let changed = tokio::select! {
            event = secret_events.next() => match event {
                None => return,
                Some(event) => changes(event, &mut secrets_listed, "Secret"),
            },
            event = config_map_events.next() => match event {
                None => return,
                Some(event) => changes(event, &mut config_maps_listed, "ConfigMap"),
            },
        };
        if changed && secrets_listed && config_maps_listed {
            apply(shared, &secrets, &config_maps);
        }
    }
}

/// Whether a watch event changes the store (after its initial list).
fn changes<K>(
    event: Result<watcher::Event<K>, watcher::Error>,
    listed: &mut bool,
    kind: &str,
) -> bool {
    match event {
        Ok(watcher::Event::InitDone) => {
            *listed = true;
            true
        }
        Ok(watcher::Event::Apply(_) | watcher::Event::Delete(_)) => true,
        Ok(watcher::Event::Init | watcher::Event::InitApply(_)) => false,
        Err(e) => {
            warn!(kind, error = %e, "watching repository settings failed; retrying");
            false
        }
    }
}

/// Hands the stores' contents to the sources and queues every app.
fn apply(shared: &Shared, secrets: &Store<Secret>, config_maps: &Store<ConfigMap>) {
    let secrets: Vec<Value> = secrets
        .state()
        .iter()
        .filter_map(|s| as_value(&**s))
        .collect();
    let config_map = |name: &str| {
        config_maps
            .state()
            .iter()
            .find(|cm| cm.metadata.name.as_deref() == Some(name))
            .and_then(|cm| as_value(&**cm))
    };
    let mut access = base(shared);
    report(access.add_objects(
        &secrets,
        config_map(TLS_CERTS_CONFIGMAP).as_ref(),
        config_map(SSH_KNOWN_HOSTS_CONFIGMAP).as_ref(),
    ));
    debug!(secrets = secrets.len(), "repository settings changed");
    shared.sources.set_access(access);
    shared.queue_resync(true);
}

/// What the controller trusts without any object: its configured CAs.
fn base(shared: &Shared) -> RepoAccess {
    RepoAccess {
        tls: shared.settings.repo_tls.clone(),
        ..RepoAccess::default()
    }
}

/// Logs the Secrets and ConfigMap entries left out (by name and key; the
/// errors never hold values).
fn report(problems: Vec<SourceError>) {
    for problem in problems {
        warn!(error = %problem, "repository setting left out");
    }
}

fn as_value(object: &impl Serialize) -> Option<Value> {
    serde_json::to_value(object).ok()
}
