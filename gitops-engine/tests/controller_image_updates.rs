//! The whole loop, end to end: CI pushes a new tag to the (real) registry;
//! the image updater running in the controller commits it to the GitOps
//! repository; the controller deploys it to the emulator.

mod controller_support;
#[path = "image_writeback_support/mod.rs"]
mod image_writeback_support;
mod source_support;

use std::time::Duration;

use controller_support::{ARGOCD, Env, summary, web_deployment};
use gitops_engine::image::updater::{UpdateOptions, registry_chooser};
use image_writeback_support::{AppRemote, Registry, git};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushing_a_new_tag_commits_it_and_the_deployment_runs_it() {
    let Some(registry) =
        Registry::start("pushing_a_new_tag_commits_it_and_the_deployment_runs_it").await
    else {
        return;
    };
    let image = format!("{}/shop/web", registry.addr);
    registry.push("shop/web", "1.0.0").await;
    let remote = AppRemote::new(&format!("{image}:1.0.0"));

    let env = Env::start().await;
    let mut options = UpdateOptions::new(remote.dir("updater"));
    options.client = Some(env.cluster.client().clone());
    options.registry = registry_chooser(vec![registry.addr.clone()]);
    let updater = env.controller.clone();
    let updates = tokio::spawn(async move {
        updater
            .run_image_updates(options, Duration::from_millis(300))
            .await;
    });

    env.create(&json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "web", "namespace": ARGOCD, "annotations": {
            "argocd-image-updater.argoproj.io/image-list": format!("web={image}"),
            "argocd-image-updater.argoproj.io/web.update-strategy": "semver",
            "argocd-image-updater.argoproj.io/write-back-method": "git",
        }},
        "spec": {
            "project": "default",
            "source": {"repoURL": remote.url(), "path": "apps/web", "targetRevision": "main"},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": "demo"},
            "syncPolicy": {"automated": {"prune": true}, "syncOptions": ["CreateNamespace=true"]},
        }
    }))
    .await;
    let running = |tag: &'static str| {
        let want = format!("{image}:{tag}");
        move |d: &serde_json::Value| d["spec"]["template"]["spec"]["containers"][0]["image"] == want
    };
    env.wait_for_object("1.0.0 deployed", "web", &web_deployment(), running("1.0.0"))
        .await;

    // CI pushes a new release.
    registry.push("shop/web", "1.1.0").await;
    env.wait_for_object("1.1.0 deployed", "web", &web_deployment(), running("1.1.0"))
        .await;

    let log = git(
        &remote.bare,
        &["log", "--format=%an <%ae>%n%B", "-1", "main"],
    );
    assert!(
        log.starts_with("argocd-image-updater <noreply@argoproj.io>"),
        "{log}"
    );
    assert!(
        log.contains("build: automatic update of web")
            && log.contains(&format!("updates image {image} tag '1.0.0' to '1.1.0'")),
        "{log}"
    );
    let written = git(
        &remote.bare,
        &["show", "main:apps/web/.argocd-source-web.yaml"],
    );
    assert!(written.contains(&format!("{image}:1.1.0")), "{written}");
    let app = env
        .wait_for_app("Synced on the new commit", "web", |a| {
            summary(a).0 == "Synced"
        })
        .await;
    assert_eq!(
        app["status"]["summary"]["images"],
        json!([format!("{image}:1.1.0")])
    );
    updates.abort();
    env.stop().await;
}
