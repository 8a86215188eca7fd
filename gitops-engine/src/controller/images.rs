//! The image updater inside the controller: every interval, each app with an
//! `argocd-image-updater.argoproj.io/image-list` annotation gets one
//! [`update_application`] pass; a change written back makes the app refresh
//! at once, so the new image is deployed without waiting for the next poll.

use std::time::Duration;

use serde_json::{Value, json};
use tracing::{info, warn};

use super::Shared;
use super::project;
use crate::app::Application;
use crate::app::store::REFRESH_ANNOTATION;
use crate::cluster::{Cluster, EventType, WriteOptions};
use crate::image::updater::{UpdateOptions, UpdateReport, WriteBackResult, update_application};
use crate::image::writeback::WriteOutcome;

/// The annotation that opts an app into image updates.
const IMAGE_LIST_ANNOTATION: &str = "argocd-image-updater.argoproj.io/image-list";

/// Runs image-update passes over every annotated app of this replica's
/// shards every `interval`, forever.
pub(crate) async fn run(shared: &Shared, options: UpdateOptions, interval: Duration) {
    let mut ticker = tokio::time::interval(interval);
    loop {
        ticker.tick().await;
        let mut apps = shared.applications();
        apps.retain(|a| {
            a["metadata"]["annotations"][IMAGE_LIST_ANNOTATION]
                .as_str()
                .is_some_and(|v| !v.trim().is_empty())
                && shared.shard_filter.manages(a)
        });
        for app in &apps {
            update_one(shared, app, &options).await;
        }
    }
}

async fn update_one(shared: &Shared, app: &Value, options: &UpdateOptions) {
    let name = shared.key_of(app).unwrap_or_default();
    // An app its project refuses gets no write-back either.
    let refused = match Application::from_value(app) {
        Ok(parsed) => match project::guard(shared, &parsed).await {
            Ok(Ok(_)) => None,
            Ok(Err(problems)) => Some(
                problems
                    .iter()
                    .map(|c| c.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            Err(e) => Some(e.to_string()),
        },
        Err(e) => Some(e.to_string()),
    };
    if let Some(reason) = refused {
        warn!(app = %name, %reason, "image update skipped");
        return;
    }
    let report = match update_application(app, options).await {
        Ok(report) => report,
        Err(e) => {
            warn!(app = %name, "image update: {e}");
            let _ = shared
                .events
                .publish(app, EventType::Warning, "ImageUpdateFailed", &e.to_string())
                .await;
            return;
        }
    };
    let changes = describe(&report);
    match &report.write_back {
        WriteBackResult::Git(WriteOutcome::Pushed { .. }) | WriteBackResult::Patched(_) => {
            info!(app = %name, %changes, "images updated");
            let _ = shared
                .events
                .publish(app, EventType::Normal, "ImagesUpdated", &changes)
                .await;
            request_refresh(shared, &name).await;
        }
        WriteBackResult::Failed(message) => {
            warn!(app = %name, %message, "image write-back failed");
            let _ = shared
                .events
                .publish(app, EventType::Warning, "ImageUpdateFailed", message)
                .await;
        }
        WriteBackResult::Git(_) | WriteBackResult::Skipped => {}
    }
}

/// `image old -> new` for each update, comma separated.
fn describe(report: &UpdateReport) -> String {
    report
        .updates()
        .map(|(image, from, to)| format!("{image} {from} -> {to}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Asks for a refresh the way users do: the refresh annotation (the next
/// pass fetches Git at once).
async fn request_refresh(shared: &Shared, name: &str) {
    let target = shared.app_ref(name);
    let patch = json!({"metadata": {"annotations": {REFRESH_ANNOTATION: "normal"}}});
    if let Err(e) = shared
        .cluster
        .merge_patch(&target, &patch, WriteOptions::default())
        .await
    {
        warn!(app = %name, "requesting a refresh after the image update: {e}");
    }
}
